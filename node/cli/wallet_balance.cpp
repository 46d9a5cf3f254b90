// `waybill wallet balance NAME`: the coins and assets of a wallet's addresses, asked of the
// node (getaccount, listassets). Every address handed out, then further indices until
// kGapLimit in a row are unused, as BIP-44 wallets scan.
#include <iostream>

#include "chain/bech32.h"
#include "node/cli/amount.h"
#include "node/cli/commands.h"
#include "node/cli/wallet_access.h"
#include "node/cli/wallet_commands.h"

namespace waybill::cli::wallet_cli {
namespace {

constexpr uint32_t kGapLimit = 20;
// listassets returns its default page (100) a call, then the next from the id it names; a page
// cap bounds the output of one address.
constexpr uint32_t kMaxAssetPages = 1000;

struct AddressBalance {
  uint32_t index = 0;
  std::string address;
  chain::Amount balance = 0;
  uint64_t nonce = 0;
  Json assets = Json::array();  // asset objects as listassets gives them
  bool used() const { return balance != 0 || nonce != 0 || !assets.empty(); }
};

uint64_t UintField(const Json& object, const char* name, const std::string& method) {
  if (!object.is_object() || !object.contains(name) || !object[name].is_number_unsigned()) {
    throw CliError(method + ": the node's reply has no field '" + name + "'");
  }
  return object[name].get<uint64_t>();
}

Json AssetsOf(RpcClient& client, const Args& args, const std::string& address) {
  Json assets = Json::array();
  Json params = Json::array({address});
  for (uint32_t page = 0; page < kMaxAssetPages; ++page) {
    Json reply = CallRpc(client, args, "listassets", params);
    if (!reply.is_object() || !reply.contains("assets") || !reply["assets"].is_array()) {
      throw CliError("listassets: the node's reply has no 'assets' list");
    }
    for (Json& asset : reply["assets"]) assets.push_back(std::move(asset));
    if (!reply.contains("next") || reply["next"].is_null()) return assets;
    params = Json::array({address, reply["next"]});
  }
  return assets;
}

AddressBalance BalanceOf(RpcClient& client, const Args& args, const wallet::WalletFile& file,
                         uint32_t index, const std::string& hrp) {
  AddressBalance b;
  b.index = index;
  b.address = chain::bech32::EncodeAddress(hrp, WalletAccount(file, index));
  Json account = CallRpc(client, args, "getaccount", Json::array({b.address}));
  b.balance = UintField(account, "balance", "getaccount");
  b.nonce = UintField(account, "nonce", "getaccount");
  if (account.contains("pending_nonce") && account["pending_nonce"].is_number_unsigned()) {
    b.nonce = std::max(b.nonce, account["pending_nonce"].get<uint64_t>());
  }
  b.assets = AssetsOf(client, args, b.address);
  return b;
}

// The addresses to show: those handed out and any other in use, scanning on until kGapLimit
// unused in a row. *checked: the indices asked, 0..*checked-1.
std::vector<AddressBalance> Scan(RpcClient& client, const Args& args,
                                 const wallet::WalletFile& file, uint32_t* checked) {
  const std::string hrp = AddressPrefix(args);
  const uint32_t handed_out = std::max<uint32_t>(file.next_index, 1);
  std::vector<AddressBalance> shown;
  uint32_t gap = 0;
  uint32_t index = 0;
  for (; index <= kMaxIndex && (index < handed_out || gap < kGapLimit); ++index) {
    AddressBalance b = BalanceOf(client, args, file, index, hrp);
    const bool used = b.used();
    gap = used ? 0 : gap + 1;
    if (used || index < handed_out) shown.push_back(std::move(b));
  }
  *checked = index;
  return shown;
}

std::string AssetText(const Json& asset) {
  const std::string id = asset.value("asset", std::string("?"));
  const std::string unit = asset.value("unit", std::string());
  std::string amount;
  if (asset.contains("amount") && asset["amount"].is_string()) {
    amount = FormatDecimal(asset["amount"].get<std::string>());
  } else if (asset.contains("quantity") && asset["quantity"].is_number_unsigned()) {
    amount = FormatDecimal(std::to_string(asset["quantity"].get<uint64_t>()));
  }
  return id + "  " + amount + " " + unit;
}

void PrintBalances(const Args& args, const wallet::WalletFile& file,
                   const std::vector<AddressBalance>& shown, uint32_t checked) {
  chain::Amount total = 0;
  size_t assets = 0;
  for (const AddressBalance& b : shown) {
    auto sum = chain::CheckedAdd(total, b.balance);
    if (!sum) throw CliError("the balances add up to more than any supply: the node is wrong");
    total = *sum;
    assets += b.assets.size();
  }
  if (args.Has("json")) {
    Json list = Json::array();
    for (const AddressBalance& b : shown) {
      list.push_back({{"index", b.index},
                      {"address", b.address},
                      {"balance", b.balance},
                      {"nonce", b.nonce},
                      {"assets", b.assets}});
    }
    std::cout << Json{{"wallet", file.name},    {"addresses", list}, {"checked", checked},
                      {"gap_limit", kGapLimit}, {"balance", total},  {"assets", assets}}
                     .dump(2)
              << "\n";
    return;
  }
  std::cout << "wallet '" << file.name << "': indices 0.." << checked - 1 << " checked (gap limit "
            << kGapLimit << ")\n";
  for (const AddressBalance& b : shown) {
    std::cout << "#" << b.index << "  " << b.address << "  " << FormatCoins(b.balance) << "  nonce "
              << b.nonce << "\n";
    for (const Json& asset : b.assets) std::cout << "    asset " << AssetText(asset) << "\n";
  }
  std::cout << "total  " << FormatCoins(total) << ", " << assets
            << (assets == 1 ? " asset\n" : " assets\n");
}

}  // namespace

int RunWalletBalance(const Args& args) {
  const auto& pos = args.positional();
  if (pos.size() != 1) throw CliError("usage: waybill wallet balance NAME");
  const wallet::WalletFile file = LoadWallet(args, pos[0]);
  RpcClient client = MakeRpcClient(args);
  uint32_t checked = 0;
  const std::vector<AddressBalance> shown = Scan(client, args, file, &checked);
  PrintBalances(args, file, shown, checked);
  return 0;
}

}  // namespace waybill::cli::wallet_cli
