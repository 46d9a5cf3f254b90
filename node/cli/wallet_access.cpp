// Wallet access for every command: folders, the sender of a tx and its signer, accounts by
// address, id or contact name, and accounts shown with a name.
#include "node/cli/wallet_access.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "chain/bech32.h"
#include "node/cli/commands.h"
#include "node/cli/passphrase.h"
#include "node/cli/wallet_commands.h"
#include "node/params/genesis.h"
#include "node/params/network.h"
#include "wallet/contacts.h"
#include "wallet/secret.h"
#include "wallet/wallet_file.h"

namespace waybill::cli {

std::vector<OptionSpec> WalletOptions() {
  return {
      {"wallet", "NAME", false, "the wallet that signs (waybill wallet list)"},
      {"from", "INDEX|ADDRESS", false, "which of the wallet's addresses sends (default: index 0)"},
      {"passphrase-file", "FILE", false,
       "read the wallet's passphrase from FILE; else env WAYBILL_PASSPHRASE, else the terminal"},
  };
}

std::string DataDir(const Args& args) {
  return args.Get("datadir").value_or(node::DefaultDataDir());
}

wallet::WalletDir WalletDirOf(const Args& args) {
  return wallet::WalletDir((std::filesystem::path(DataDir(args)) / "wallets").string());
}

std::string ContactsPath(const Args& args) {
  return (std::filesystem::path(DataDir(args)) / "contacts.json").string();
}

namespace wallet_cli {

wallet::WalletFile LoadWallet(const Args& args, std::string_view name) {
  const wallet::WalletDir dir = WalletDirOf(args);
  if (chain::Status s = wallet::CheckWalletName(name); !s.ok()) {
    throw CliError("wallet name '" + std::string(name) + "': " + s.reason());
  }
  wallet::ParsedWallet parsed = dir.Load(name);
  if (parsed.error == wallet::KeystoreError::kNotFound) {
    throw CliError("no wallet named '" + std::string(name) + "' in " + dir.path() +
                   " (waybill wallet list)");
  }
  if (!parsed.file) throw CliError("wallet '" + std::string(name) + "': " + parsed.reason);
  return std::move(*parsed.file);
}

chain::AccountId WalletAccount(const wallet::WalletFile& file, uint32_t index) {
  auto account = wallet::AccountAt(file, index);
  if (!account.ok()) {
    throw CliError("wallet '" + file.name + "': address " + std::to_string(index) + ": " +
                   account.status().reason());
  }
  return *account;
}

std::vector<std::string> KnownPrefixes(const Args& args) {
  std::vector<std::string> prefixes;
  for (std::string_view network : node::kEmbeddedNetworks) {
    auto params = node::EmbeddedGenesis(std::string(network));
    if (params.ok()) prefixes.push_back(params->address_prefix);
  }
  std::string own = AddressPrefix(args);
  if (std::find(prefixes.begin(), prefixes.end(), own) == prefixes.end()) {
    prefixes.push_back(own);
  }
  return prefixes;
}

std::string OtherNetworkMessage(std::string_view text, std::string_view hrp) {
  auto decoded = chain::bech32::Decode(text);
  if (!decoded || decoded->hrp == hrp) return "";
  return std::string(text) + " is an address of network prefix " + decoded->hrp +
         "; this network's is " + std::string(hrp);
}

}  // namespace wallet_cli

namespace {

// The index that --from names: a number, or an address the wallet has handed out (index 0
// always counts as handed out: it is the wallet's default sender).
uint32_t FromIndex(const Args& args, const wallet::WalletFile& file) {
  auto from = args.Get("from");
  if (!from) return 0;
  if (!from->empty() && std::all_of(from->begin(), from->end(), ::isdigit)) {
    const uint64_t index = ParseU64(*from, "--from");
    if (index > wallet_cli::kMaxIndex) throw CliError("--from: an index is at most 2147483647");
    return static_cast<uint32_t>(index);
  }
  const std::string hrp = AddressPrefix(args);
  if (std::string other = wallet_cli::OtherNetworkMessage(*from, hrp); !other.empty()) {
    throw CliError("--from: " + other);
  }
  const chain::AccountId account = ParseAccount(*from, hrp, "--from");
  const uint32_t handed_out = std::max<uint32_t>(file.next_index, 1);
  for (uint32_t i = 0; i < handed_out; ++i) {
    if (wallet_cli::WalletAccount(file, i) == account) return i;
  }
  throw CliError("--from: " + *from + " is not one of the " + std::to_string(handed_out) +
                 " addresses wallet '" + file.name + "' has handed out (waybill wallet show " +
                 file.name + ")");
}

}  // namespace

WalletSender ResolveSender(const Args& args) {
  WalletSender sender;
  sender.wallet = args.Require("wallet");
  const wallet::WalletFile file = wallet_cli::LoadWallet(args, sender.wallet);
  sender.index = FromIndex(args, file);
  sender.account = wallet_cli::WalletAccount(file, sender.index);
  sender.watch_only = file.watch_only();
  return sender;
}

std::unique_ptr<wallet::Signer> UnlockSender(const Args& args, const WalletSender& s) {
  const wallet::WalletFile file = wallet_cli::LoadWallet(args, s.wallet);
  if (file.watch_only()) {
    throw CliError("wallet '" + s.wallet +
                   "' is watch-only: it can build a tx (waybill tx build --out FILE) but not "
                   "sign; sign on the machine that holds its keys");
  }
  const wallet::SecretString passphrase =
      ReadPassphrase(args, "Passphrase for wallet '" + s.wallet + "'", false);
  wallet::UnlockedSigner unlocked = wallet::UnlockSigner(file, passphrase, s.index);
  if (unlocked.error == wallet::KeystoreError::kWrongPassphrase) {
    throw CliError("wrong passphrase for wallet '" + s.wallet + "'");
  }
  if (!unlocked.signer) throw CliError("wallet '" + s.wallet + "': " + unlocked.reason);
  if (unlocked.signer->Account() != s.account) {
    throw CliError("wallet '" + s.wallet + "': the keys do not match the wallet's xpub");
  }
  return std::unique_ptr<wallet::Signer>(std::move(unlocked.signer));
}

chain::AccountId ResolveAccount(const Args& args, std::string_view text, std::string_view hrp,
                                std::string_view what) {
  auto direct = chain::bech32::ParseAccount(hrp, text);
  if (direct.ok()) return *direct;
  if (std::string other = wallet_cli::OtherNetworkMessage(text, hrp); !other.empty()) {
    throw CliError(std::string(what) + ": " + other);
  }
  // Not an address: a contact name, when it has the form of one.
  if (wallet::CheckWalletName(text).ok() && !chain::bech32::Decode(text)) {
    auto contacts = wallet::Contacts::Load(ContactsPath(args));
    if (!contacts.ok()) throw CliError(contacts.status().reason());
    const wallet::Contact* contact = contacts->Find(text);
    if (contact == nullptr) {
      throw CliError(std::string(what) + ": unknown contact '" + std::string(text) +
                     "' (see waybill contact list)");
    }
    if (std::string other = wallet_cli::OtherNetworkMessage(contact->address, hrp);
        !other.empty()) {
      throw CliError(std::string(what) + ": contact '" + contact->name + "': " + other);
    }
    return ParseAccount(contact->address, hrp,
                        std::string(what) + " (contact '" + contact->name + "')");
  }
  return ParseAccount(text, hrp, what);
}

std::string DisplayAccount(const Args& args, const chain::AccountId& id, std::string_view hrp) {
  const std::string address = chain::bech32::EncodeAddress(hrp, id);
  auto contacts = wallet::Contacts::Load(ContactsPath(args));
  if (contacts.ok()) {
    if (const wallet::Contact* c = contacts->FindByAddress(address)) {
      return address + "  (" + c->name + ")";
    }
  }
  const wallet::WalletDir dir = WalletDirOf(args);
  auto names = dir.List();
  if (!names.ok()) return address;
  for (const std::string& name : *names) {
    wallet::ParsedWallet parsed = dir.Load(name);
    if (!parsed.file) continue;
    const uint32_t handed_out = std::max<uint32_t>(parsed.file->next_index, 1);
    for (uint32_t i = 0; i < handed_out; ++i) {
      auto account = wallet::AccountAt(*parsed.file, i);
      if (account.ok() && *account == id) {
        return address + "  (wallet " + name + " #" + std::to_string(i) + ")";
      }
    }
  }
  return address;
}

}  // namespace waybill::cli
