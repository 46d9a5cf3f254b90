#include "node/cli/wait.h"

#include <chrono>
#include <thread>

namespace waybill::cli {
namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(500);
constexpr int kRpcNotFound = -5;

// The confirmations of a reply of getrawtransaction (verbose): 0 while in the mempool.
std::optional<Confirmation> ConfirmationOf(const Json& tx) {
  if (!tx.is_object()) return std::nullopt;
  Confirmation c;
  auto conf = tx.find("confirmations");
  if (conf == tx.end() || !conf->is_number_integer() || conf->get<int64_t>() < 0) return c;
  c.confirmations = conf->get<uint64_t>();
  auto hash = tx.find("blockhash");
  auto height = tx.find("height");
  if (hash != tx.end() && hash->is_string()) c.block = hash->get<std::string>();
  if (height != tx.end() && height->is_number_unsigned()) c.height = height->get<uint64_t>();
  return c;
}

}  // namespace

std::vector<OptionSpec> WaitOptions() {
  return {
      {"wait", "N", false, "after sending, wait until the tx has N confirmations (default 1)",
       /*optional_value=*/true},
      {"wait-timeout", "SECONDS", false, "give up waiting after this long (default 600)"},
  };
}

std::optional<uint64_t> WaitConfirmations(const Args& args) {
  if (!args.Has("wait")) {
    if (args.Has("wait-timeout")) throw CliError("--wait-timeout needs --wait");
    return std::nullopt;
  }
  const std::string value = args.Get("wait").value_or("");
  const uint64_t n = value.empty() ? 1 : ParseU64(value, "--wait");
  if (n == 0 || n > kMaxWaitConfirmations) {
    throw CliError("--wait must be 1.." + std::to_string(kMaxWaitConfirmations) +
                   " confirmations");
  }
  if (auto t = args.Get("wait-timeout")) {
    const uint64_t s = ParseU64(*t, "--wait-timeout");
    if (s == 0 || s > 86400) throw CliError("--wait-timeout must be 1..86400 seconds");
  }
  return n;
}

Confirmation WaitForTx(RpcClient& client, const Args& args, const chain::Hash256& txid,
                       uint64_t confirmations) {
  uint64_t timeout = kDefaultWaitTimeoutSeconds;
  if (auto t = args.Get("wait-timeout")) timeout = ParseU64(*t, "--wait-timeout");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout);
  const Json params = Json::array({txid.ToHex(), 1});
  Confirmation last;
  while (true) {
    auto reply = client.Call("getrawtransaction", params);
    if (!reply.ok()) throw CliError(reply.status().reason());
    if (reply->ok) {
      if (auto c = ConfirmationOf(reply->result)) last = *c;
      if (last.confirmations >= confirmations) return last;
    } else if (reply->code != kRpcNotFound) {
      throw CliError("getrawtransaction: " + reply->message);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      throw CliError("tx " + txid.ToHex() + " has " + std::to_string(last.confirmations) +
                     " of " + std::to_string(confirmations) + " confirmations after " +
                     std::to_string(timeout) +
                     " s (--wait-timeout); it was sent and may still confirm");
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

void AddConfirmation(const std::optional<Confirmation>& c, Json* out) {
  if (!c) return;
  (*out)["block"] = c->block;
  (*out)["height"] = c->height;
  (*out)["confirmations"] = c->confirmations;
}

std::string ConfirmationLine(const Confirmation& c) {
  return "confirmed in block " + c.block + " (height " + std::to_string(c.height) + ")";
}

}  // namespace waybill::cli
