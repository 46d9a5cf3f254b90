#include "node/cli/tx_split.h"

#include <filesystem>
#include <limits>
#include <string>
#include <utility>

#include "chain/amount.h"
#include "consensus/tx_check.h"
#include "node/cli/commands.h"
#include "wallet/tx_builder.h"

namespace waybill::cli {
namespace {

// Far above what a 64 KiB tx can hold, small enough to read whole.
constexpr uintmax_t kMaxChildrenFileBytes = 4 << 20;

std::string ChildWhere(size_t i) { return "--children-file: child " + std::to_string(i); }

chain::MetadataEntry ParseChildEntry(size_t i, const std::string& key, const Json& value) {
  if (!value.is_string()) throw CliError(ChildWhere(i) + ": metadata '" + key + "' is not a string");
  chain::MetadataEntry e{key, value.get<std::string>()};
  if (!consensus::IsValidMetadataKey(e.key)) {
    throw CliError(ChildWhere(i) + ": metadata key '" + e.key +
                   "' must be 1..32 characters of [a-z0-9._-]");
  }
  if (!consensus::IsValidMetadataValue(e.value)) {
    throw CliError(ChildWhere(i) + ": metadata value of '" + e.key +
                   "' must be at most 256 bytes of UTF-8 without control characters");
  }
  return e;
}

chain::SplitChild ParseChild(size_t i, const Json& j) {
  if (!j.is_object()) throw CliError(ChildWhere(i) + " is not an object");
  chain::SplitChild child;
  for (const auto& [name, value] : j.items()) {
    if (name == "quantity") {
      if (!value.is_number_unsigned() || value.get<uint64_t>() == 0) {
        throw CliError(ChildWhere(i) + ": quantity must be a positive integer");
      }
      child.quantity = value.get<uint64_t>();
    } else if (name == "metadata") {
      if (!value.is_object()) throw CliError(ChildWhere(i) + ": metadata must be an object");
      if (value.size() > chain::kMaxSplitChildMetadata) {
        throw CliError(ChildWhere(i) + ": at most " +
                       std::to_string(chain::kMaxSplitChildMetadata) + " metadata entries");
      }
      for (const auto& [key, v] : value.items()) child.metadata.push_back(ParseChildEntry(i, key, v));
    } else {
      throw CliError(ChildWhere(i) + ": unknown field '" + name + "'");
    }
  }
  if (child.quantity == 0) throw CliError(ChildWhere(i) + ": quantity missing");
  return child;
}

std::vector<chain::SplitChild> ReadChildrenFile(const std::string& path) {
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (!ec && size > kMaxChildrenFileBytes) {
    throw CliError("--children-file: " + path + " is larger than 4 MiB");
  }
  const Json list = Json::parse(ReadFile(path), nullptr, /*allow_exceptions=*/false);
  if (!list.is_array()) {
    throw CliError("--children-file: " + path +
                   " is not a JSON list of {\"quantity\": Q, \"metadata\": {\"k\": \"v\"}}");
  }
  if (list.size() < chain::kMinSplitParts || list.size() > chain::kMaxSplitParts) {
    throw CliError("--children-file: a split has 2..1000 children, the file lists " +
                   std::to_string(list.size()));
  }
  std::vector<chain::SplitChild> children;
  children.reserve(list.size());
  for (size_t i = 0; i < list.size(); ++i) children.push_back(ParseChild(i, list[i]));
  return children;
}

std::vector<chain::Quantity> ParseQuantities(const Args& args) {
  std::vector<chain::Quantity> quantities;
  for (const std::string& q : SplitList(args.Require("quantities"), ',')) {
    quantities.push_back(ParseU64(q, "--quantities"));
    if (quantities.back() == 0) throw CliError("--quantities must all be positive");
  }
  if (quantities.size() < chain::kMinSplitParts || quantities.size() > chain::kMaxSplitParts) {
    throw CliError("--quantities needs 2..1000 parts (they must sum to the asset's quantity)");
  }
  return quantities;
}

chain::Operation OrThrow(chain::Result<chain::Operation> op, const std::string& what) {
  if (!op.ok()) throw CliError(what + ": " + op.status().reason());
  return std::move(*op);
}

}  // namespace

std::vector<OptionSpec> SplitOptions() {
  return {
      {"quantities", "Q1,Q2,...", false, "quantities of the children (no labels of their own)"},
      {"children-file", "FILE", false,
       "JSON list of {\"quantity\": Q, \"metadata\": {\"k\": \"v\"}} (2..1000 children)"},
      {"bags", "N", false, "N children of --each Q, labeled --label-key=000001, ..."},
      {"each", "Q", false, "quantity of each of the --bags children"},
      {"label-key", "K", false, "metadata key of the --bags labels (default: bag)"},
  };
}

chain::Operation SplitFromArgs(const Args& args) {
  const chain::Hash256 asset = ParseHash(args.Require("asset"), "--asset");
  const int ways = int(args.Has("quantities")) + int(args.Has("children-file")) +
                   int(args.Has("bags"));
  if (ways != 1) {
    throw CliError("give the children one way: --quantities, --children-file or --bags");
  }
  if (!args.Has("bags") && (args.Has("each") || args.Has("label-key"))) {
    throw CliError("--each and --label-key go with --bags");
  }
  if (args.Has("quantities")) return wallet::MakeSplit(asset, ParseQuantities(args));
  if (auto path = args.Get("children-file")) {
    return OrThrow(wallet::MakeSplit(asset, ReadChildrenFile(*path)), "--children-file");
  }
  const uint64_t bags = ParseU64(args.Require("bags"), "--bags");
  const uint64_t each = ParseU64(args.Require("each"), "--each");
  const std::string key = args.Get("label-key").value_or("bag");
  if (!consensus::IsValidMetadataKey(key)) {
    throw CliError("--label-key must be 1..32 characters of [a-z0-9._-]");
  }
  return OrThrow(wallet::MakeLabeledSplit(asset, bags, each, key), "--bags");
}

void CheckSplitSum(RpcClient& client, const Args& args, const chain::AssetSplitOp& op) {
  std::optional<chain::Quantity> sum = 0;
  for (const chain::SplitChild& child : op.children) {
    sum = chain::CheckedAdd(*sum, child.quantity, std::numeric_limits<chain::Quantity>::max());
    if (!sum) throw CliError("the children's quantities overflow");
  }
  const Json asset = CallRpc(client, args, "getasset", Json::array({op.asset.ToHex()}));
  if (!asset.is_object() || !asset.contains("quantity") ||
      !asset["quantity"].is_number_unsigned()) {
    throw CliError("getasset did not return the asset's quantity");
  }
  const uint64_t held = asset["quantity"].get<uint64_t>();
  if (*sum != held) {
    throw CliError("the " + std::to_string(op.children.size()) + " children sum to " +
                   std::to_string(*sum) + " but asset " + op.asset.ToHex() + " holds " +
                   std::to_string(held) + " (a split must use the whole quantity)");
  }
}

}  // namespace waybill::cli
