// How the `waybill` commands reach the wallets of the data folder (docs/API.md "Wallets"): the
// options that name a wallet and one of its addresses, the folders, the sender of a tx and
// its signer, and accounts given as an address, an account id or a contact name. Every user
// error is a CliError with a one-line message that says what to do.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "chain/types.h"
#include "node/cli/args.h"
#include "wallet/signer.h"
#include "wallet/wallet_file.h"

namespace waybill::cli {

// --wallet NAME, --from INDEX|ADDRESS, --passphrase-file FILE.
std::vector<OptionSpec> WalletOptions();

// --datadir, else node::DefaultDataDir() (~/.waybill): the folder that holds wallets/ and
// contacts.json (shared by every network, as the keys are).
std::string DataDir(const Args& args);
// DATADIR/wallets.
wallet::WalletDir WalletDirOf(const Args& args);
// DATADIR/contacts.json.
std::string ContactsPath(const Args& args);

// The sender that --wallet NAME [--from INDEX|ADDRESS] names, read from the wallet file without
// its passphrase: the default index is 0; an ADDRESS must be one the wallet has handed out
// (index below its next_index) or index 0. REQUIRES: args.Has("wallet"). CliError "no wallet
// named 'w' in DIR (waybill wallet list)", a damaged file, an address not of this wallet.
struct WalletSender {
  std::string wallet;
  uint32_t index = 0;
  chain::AccountId account;
  bool watch_only = false;
};
WalletSender ResolveSender(const Args& args);

// The signer of s: asks the wallet's passphrase (ReadPassphrase of passphrase.h) and unlocks the
// key of s.index. CliError "wallet 'w' is watch-only: it can build a tx (waybill tx build --out
// FILE) but not sign; sign on the machine that holds its keys", "wrong passphrase for wallet
// 'w'", or the keystore's reason for a damaged file.
std::unique_ptr<wallet::Signer> UnlockSender(const Args& args, const WalletSender& s);

// An account as a user writes it: an address of prefix hrp, a 64-hex account id, or a contact
// name (DATADIR/contacts.json). `what` names the option in errors. CliError "unknown contact
// 'x' (see waybill contact list)", "ADDR is an address of network prefix P; this network's is
// Q".
chain::AccountId ResolveAccount(const Args& args, std::string_view text, std::string_view hrp,
                                std::string_view what);

// For output: "wbr1...  (exporter)" when a contact has the address, or one of the wallets has
// handed it out ("(wallet coop #3)"), else the address alone. Never fails: an unreadable
// contacts file or wallet is skipped.
std::string DisplayAccount(const Args& args, const chain::AccountId& id, std::string_view hrp);

}  // namespace waybill::cli
