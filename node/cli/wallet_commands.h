// The `waybill wallet` and `waybill contact` command groups (wallet.cpp, wallet_balance.cpp,
// contact.cpp) and the small helpers they and wallet_access.cpp share. Helpers live in
// waybill::cli::wallet_cli so that their names never meet another command's.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "chain/amount.h"
#include "chain/types.h"
#include "node/cli/args.h"
#include "wallet/wallet_file.h"

namespace waybill::cli {

int RunWallet(std::span<const std::string> words);
int RunContact(std::span<const std::string> words);

namespace wallet_cli {

// The wallet NAME of the data folder. CliError "no wallet named 'w' in DIR (waybill wallet
// list)", or the file's own error ("wallet 'w': ... damaged or edited").
wallet::WalletFile LoadWallet(const Args& args, std::string_view name);
// Address index i of the wallet (its account xpub /0/i). CliError when it cannot be derived.
chain::AccountId WalletAccount(const wallet::WalletFile& file, uint32_t index);
// The largest index a wallet hands out: the non-hardened range of BIP-32.
inline constexpr uint32_t kMaxIndex = 0x7fffffff;
// The address prefixes a contact name must not be mistaken for: the embedded networks' and
// this command's (AddressPrefix).
std::vector<std::string> KnownPrefixes(const Args& args);
// "TEXT is an address of network prefix P; this network's is Q" when text is a Bech32(m)
// string of another prefix; empty otherwise.
std::string OtherNetworkMessage(std::string_view text, std::string_view hrp);
// `waybill wallet balance NAME` (wallet_balance.cpp).
int RunWalletBalance(const Args& args);

}  // namespace wallet_cli
}  // namespace waybill::cli
