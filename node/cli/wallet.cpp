// `waybill wallet`: wallets of the data folder (DATADIR/wallets, one file each; the keys,
// keystore and files are wallet/'s). Everything but `balance` works without a node.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <filesystem>
#include <iostream>

#include "chain/bech32.h"
#include "node/cli/amount.h"
#include "node/cli/commands.h"
#include "node/cli/passphrase.h"
#include "node/cli/wallet_access.h"
#include "node/cli/wallet_commands.h"
#include "wallet/bip32.h"
#include "wallet/bip39.h"
#include "wallet/keystore.h"
#include "wallet/secret.h"
#include "wallet/wallet_file.h"

namespace waybill::cli {
namespace {

using wallet_cli::LoadWallet;
using wallet_cli::WalletAccount;

constexpr const char* kWalletHelp =
    "Usage: waybill wallet COMMAND NAME [options]\n"
    "Wallets live in DATADIR/wallets/NAME.wallet (DATADIR: --datadir, default ~/.waybill), one\n"
    "file each (mode 0600): the account's extended public key, the addresses handed out and,\n"
    "unless watch-only, the BIP-39 seed encrypted with the wallet's passphrase (scrypt +\n"
    "AES-256-GCM). Keys: m/86'/7687'/0'/0/i (docs/API.md \"Wallets\").\n"
    "Commands:\n"
    "  create NAME [--words 12|24] [--force]   new recovery words (printed once), a passphrase\n"
    "  create NAME --watch XPUB [--force]      watch-only from an account xpub (no secrets)\n"
    "  restore NAME [--mnemonic-file F] [--force]\n"
    "                                          the wallet of recovery words (from F or stdin)\n"
    "  list                                    the wallets\n"
    "  show NAME                               kind, date, path, xpub, addresses handed out\n"
    "  address NAME [--index I | --next]       an address (--next hands out a new one)\n"
    "  export-xpub NAME                        the account xpub, for a watch-only copy\n"
    "  change-passphrase NAME                  re-encrypt with a new passphrase\n"
    "  balance NAME                            coins and assets of its addresses (asks the node)\n"
    "  delete NAME [--yes]                     remove the file (asks on the terminal)\n"
    "Passphrases: --passphrase-file FILE, else env WAYBILL_PASSPHRASE, else the terminal (no\n"
    "echo; twice on create and restore); never on the command line. The new one of\n"
    "change-passphrase: --new-passphrase-file / WAYBILL_NEW_PASSPHRASE / the terminal. An\n"
    "optional BIP-39 passphrase (\"25th word\"): --seed-passphrase-file / WAYBILL_SEED_PASSPHRASE\n"
    "/ --seed-passphrase (asks).\n"
    "Options:\n";

constexpr std::array<std::string_view, 9> kSubcommands = {
    "create",      "restore",           "list",    "show",  "address",
    "export-xpub", "change-passphrase", "balance", "delete"};

std::vector<OptionSpec> WalletCommandOptions(std::string_view sub) {
  const bool all = sub.empty();
  // Every subcommand takes the connection options (only balance calls the node), so that one
  // set of options works for all; --datadir is also the folder of wallets/.
  std::vector<OptionSpec> specs = ConnectionOptions();
  specs.push_back({"json", "", false, "print JSON"});
  auto add = [&](std::vector<OptionSpec> more) {
    specs.insert(specs.end(), more.begin(), more.end());
  };
  if (all || sub == "create" || sub == "restore") {
    specs.push_back({"force", "", false, "replace an existing wallet of that name"});
    add(SeedPassphraseOptions());
  }
  if (all || sub == "create") {
    specs.push_back({"words", "12|24", false, "number of recovery words (default 12)"});
    specs.push_back({"watch", "XPUB", false, "a watch-only wallet of this account xpub"});
  }
  if (all || sub == "restore") {
    specs.push_back({"mnemonic-file", "FILE", false, "the recovery words (default: stdin)"});
  }
  if (all || sub == "create" || sub == "restore" || sub == "change-passphrase") {
    add(PassphraseOptions());
  }
  if (all || sub == "change-passphrase") add(NewPassphraseOptions());
  if (all || sub == "address") {
    specs.push_back({"index", "I", false, "the address of index I (0..2147483647)"});
    specs.push_back({"next", "", false, "hand out the next unused index (recorded in the file)"});
  }
  if (all || sub == "delete") specs.push_back({"yes", "", false, "delete without asking"});
  return specs;
}

// The one NAME argument of a subcommand.
std::string NameArgument(const Args& args, std::string_view sub) {
  const auto& pos = args.positional();
  if (pos.size() != 1) {
    throw CliError("usage: waybill wallet " + std::string(sub) + " NAME (see waybill wallet " +
                   std::string(sub) + " --help)");
  }
  if (chain::Status s = wallet::CheckWalletName(pos[0]); !s.ok()) {
    throw CliError("wallet name '" + pos[0] + "': " + s.reason());
  }
  return pos[0];
}

std::string AddressOf(const Args& args, const wallet::WalletFile& file, uint32_t index) {
  return chain::bech32::EncodeAddress(AddressPrefix(args), WalletAccount(file, index));
}

void Save(const Args& args, const wallet::WalletFile& file, bool overwrite) {
  if (chain::Status s = WalletDirOf(args).Save(file, overwrite); !s.ok()) {
    throw CliError(s.reason());
  }
}

// Refuses to replace a wallet unless --force: its keys would be lost.
void CheckNew(const Args& args, const std::string& name) {
  const wallet::WalletDir dir = WalletDirOf(args);
  std::error_code ec;
  if (!args.Has("force") && std::filesystem::exists(dir.FileOf(name), ec)) {
    throw CliError("wallet '" + name + "' already exists in " + dir.path() +
                   " (--force replaces it; its keys are then lost unless you have its words)");
  }
}

// Wallet file of a seed, sealed with a passphrase asked twice; address 0 handed out.
wallet::WalletFile SealNew(const Args& args, const std::string& name, chain::ByteSpan seed) {
  const wallet::SecretString passphrase =
      ReadPassphrase(args, "New passphrase for wallet '" + name + "'", true);
  auto file = wallet::NewWalletFile(name, seed, passphrase, wallet::DefaultScryptParams());
  if (!file.ok()) throw CliError(file.status().reason());
  file->next_index = std::max<uint32_t>(file->next_index, 1);
  return std::move(*file);
}

wallet::SecretBytes SeedOf(const Args& args, const wallet::SecretString& mnemonic) {
  const wallet::SecretString seed_passphrase = ReadSeedPassphrase(args);
  auto seed = wallet::bip39::MnemonicToSeed(mnemonic.str(), seed_passphrase.str());
  if (!seed.ok()) throw CliError(seed.status().reason());
  return std::move(*seed);
}

void PrintCreated(const Args& args, const wallet::WalletFile& file, const std::string* mnemonic) {
  const std::string address = AddressOf(args, file, 0);
  if (args.Has("json")) {
    Json out = {{"name", file.name},
                {"xpub", file.account_xpub},
                {"address", address},
                {"watch_only", file.watch_only()}};
    out["mnemonic"] = mnemonic != nullptr ? Json(*mnemonic) : Json(nullptr);
    std::string text = out.dump(2);
    std::cout << text << "\n";
    chain::SecureWipe(text.data(), text.size());
    if (mnemonic != nullptr) {
      std::string* m = out["mnemonic"].get_ptr<std::string*>();
      chain::SecureWipe(m->data(), m->size());
    }
    return;
  }
  if (mnemonic != nullptr) std::cout << *mnemonic << "\n";
  std::cout << "wallet '" << file.name << "' (" << (file.watch_only() ? "watch-only" : "keys")
            << ") in " << WalletDirOf(args).FileOf(file.name) << "\n"
            << "address #0: " << address << "\n";
}

int RunCreate(const Args& args) {
  const std::string name = NameArgument(args, "create");
  CheckNew(args, name);
  if (auto xpub = args.Get("watch")) {
    if (args.Has("words")) throw CliError("--watch makes a wallet without words: drop --words");
    auto file = wallet::WatchOnlyWalletFile(name, *xpub);
    if (!file.ok()) throw CliError("--watch: " + file.status().reason());
    file->next_index = std::max<uint32_t>(file->next_index, 1);
    Save(args, *file, args.Has("force"));
    PrintCreated(args, *file, nullptr);
    return 0;
  }
  const uint64_t words = ParseU64(args.Get("words").value_or("12"), "--words");
  if (words != 12 && words != 24) throw CliError("--words must be 12 or 24");
  (void)AddressPrefix(args);  // a bad network option fails before anything is asked
  const wallet::SecretString mnemonic = wallet::bip39::NewMnemonic(words);
  const wallet::SecretBytes seed = SeedOf(args, mnemonic);
  const wallet::WalletFile file = SealNew(args, name, seed.span());
  Save(args, file, args.Has("force"));
  std::cerr << "Write these " << words
            << " words down, in order, and keep them offline: they are the only way to "
               "recover the wallet, and anyone who has them has its keys. They are not "
               "shown again.\n";
  PrintCreated(args, file, &mnemonic.str());
  return 0;
}

// The recovery words of restore: --mnemonic-file, else stdin (bounded: 24 words fit easily).
wallet::SecretString ReadMnemonicText(const Args& args) {
  constexpr size_t kMaxText = 4096;
  std::string text;
  text.reserve(kMaxText + 1);
  if (auto path = args.Get("mnemonic-file")) {
    std::string file = ReadFile(*path);
    if (file.size() > kMaxText) {
      chain::SecureWipe(file.data(), file.size());
      throw CliError(*path + ": larger than " + std::to_string(kMaxText) + " bytes");
    }
    text.append(file);
    chain::SecureWipe(file.data(), file.size());
    return wallet::SecretString(std::move(text));
  }
  if (::isatty(STDIN_FILENO)) {
    std::cerr << "Type the recovery words, separated by spaces, then Enter:\n";
    std::string line;
    line.reserve(kMaxText + 1);
    std::getline(std::cin, line);
    text.append(line.substr(0, kMaxText + 1));
    chain::SecureWipe(line.data(), line.size());
  } else {
    char c;
    while (text.size() <= kMaxText && std::cin.get(c)) text.push_back(c);
  }
  if (text.size() > kMaxText) {
    wallet::SecretString wipe(std::move(text));
    throw CliError("the recovery words are longer than " + std::to_string(kMaxText) + " bytes");
  }
  return wallet::SecretString(std::move(text));
}

int RunRestore(const Args& args) {
  const std::string name = NameArgument(args, "restore");
  CheckNew(args, name);
  (void)AddressPrefix(args);
  const wallet::SecretString text = ReadMnemonicText(args);
  auto mnemonic = wallet::bip39::NormalizeMnemonic(text.str());
  if (!mnemonic.ok()) throw CliError("recovery words: " + mnemonic.status().reason());
  const wallet::SecretBytes seed = SeedOf(args, *mnemonic);
  const wallet::WalletFile file = SealNew(args, name, seed.span());
  Save(args, file, args.Has("force"));
  PrintCreated(args, file, nullptr);
  return 0;
}

int RunList(const Args& args) {
  if (!args.positional().empty()) throw CliError("wallet list takes no arguments");
  const wallet::WalletDir dir = WalletDirOf(args);
  std::vector<std::string> names;
  std::error_code ec;
  if (std::filesystem::exists(dir.path(), ec)) {
    auto listed = dir.List();
    if (!listed.ok()) throw CliError(listed.status().reason());
    names = std::move(*listed);
  }
  Json out = Json::array();
  for (const std::string& name : names) {
    wallet::ParsedWallet parsed = dir.Load(name);
    Json entry = {{"name", name}};
    if (parsed.file) {
      entry["watch_only"] = parsed.file->watch_only();
      entry["addresses"] = std::max<uint32_t>(parsed.file->next_index, 1);
      entry["address"] = AddressOf(args, *parsed.file, 0);
    } else {
      entry["error"] = parsed.reason;
    }
    out.push_back(std::move(entry));
  }
  if (args.Has("json")) {
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  if (names.empty()) std::cout << "no wallets in " << dir.path() << " (waybill wallet create)\n";
  for (const Json& e : out) {
    if (e.contains("error")) {
      std::cout << e["name"].get<std::string>()
                << "  (unreadable: " << e["error"].get<std::string>() << ")\n";
      continue;
    }
    std::cout << e["name"].get<std::string>() << "  "
              << (e["watch_only"].get<bool>() ? "watch-only" : "keys") << "  "
              << e["address"].get<std::string>() << "  (" << e["addresses"].get<uint32_t>()
              << (e["addresses"].get<uint32_t>() == 1 ? " address)\n" : " addresses)\n");
  }
  return 0;
}

int RunShow(const Args& args) {
  const std::string name = NameArgument(args, "show");
  const wallet::WalletFile file = LoadWallet(args, name);
  const uint32_t handed_out = std::max<uint32_t>(file.next_index, 1);
  Json addresses = Json::array();
  for (uint32_t i = 0; i < handed_out; ++i) {
    addresses.push_back({{"index", i},
                         {"path", wallet::AddressPath(file.account, i)},
                         {"address", AddressOf(args, file, i)}});
  }
  const std::string path = wallet::AccountPath(file.account);
  if (args.Has("json")) {
    std::cout << Json{{"name", file.name},         {"watch_only", file.watch_only()},
                      {"created", file.created},   {"account_path", path},
                      {"xpub", file.account_xpub}, {"addresses", addresses}}
                     .dump(2)
              << "\n";
    return 0;
  }
  std::cout << "wallet    " << file.name << "\n"
            << "kind      " << (file.watch_only() ? "watch-only (no keys: cannot sign)" : "keys")
            << "\n"
            << "created   " << FormatDate(file.created) << "\n"
            << "account   " << path << (file.watch_only() ? " (as the xpub's owner made it)" : "")
            << "\n"
            << "xpub      " << file.account_xpub << "\n"
            << "addresses " << handed_out << " handed out\n";
  for (const Json& a : addresses) {
    std::cout << "  #" << a["index"].get<uint32_t>() << "  " << a["address"].get<std::string>()
              << "  " << a["path"].get<std::string>() << "\n";
  }
  return 0;
}

int RunAddress(const Args& args) {
  const std::string name = NameArgument(args, "address");
  if (args.Has("index") && args.Has("next")) throw CliError("give --index or --next, not both");
  wallet::WalletFile file = LoadWallet(args, name);
  uint32_t index = 0;
  if (auto i = args.Get("index")) {
    const uint64_t value = ParseU64(*i, "--index");
    if (value > wallet_cli::kMaxIndex) throw CliError("--index is at most 2147483647");
    index = static_cast<uint32_t>(value);
  } else if (args.Has("next")) {
    index = std::max<uint32_t>(file.next_index, 1);
    if (index > wallet_cli::kMaxIndex) throw CliError("the wallet has handed out every index");
    (void)WalletAccount(file, index);  // derivable, before it is recorded
    file.next_index = index + 1;
    Save(args, file, true);
  }
  const std::string address = AddressOf(args, file, index);
  if (args.Has("json")) {
    std::cout << Json{{"wallet", name},
                      {"index", index},
                      {"path", wallet::AddressPath(file.account, index)},
                      {"address", address},
                      {"account", WalletAccount(file, index).ToHex()}}
                     .dump(2)
              << "\n";
  } else {
    std::cout << address << "\n";
  }
  return 0;
}

int RunExportXpub(const Args& args) {
  const std::string name = NameArgument(args, "export-xpub");
  const wallet::WalletFile file = LoadWallet(args, name);
  if (args.Has("json")) {
    std::cout << Json{{"wallet", name},
                      {"account_path", wallet::AccountPath(file.account)},
                      {"xpub", file.account_xpub}}
                     .dump(2)
              << "\n";
  } else {
    std::cout << file.account_xpub << "\n";
  }
  return 0;
}

int RunChangePassphrase(const Args& args) {
  const std::string name = NameArgument(args, "change-passphrase");
  const wallet::WalletFile file = LoadWallet(args, name);
  if (file.watch_only()) {
    throw CliError("wallet '" + name + "' is watch-only: it holds no keys and no passphrase");
  }
  const wallet::SecretString old_pass =
      ReadPassphrase(args, "Current passphrase for wallet '" + name + "'", false);
  {
    wallet::OpenResult check = wallet::UnlockSeed(file, old_pass);
    if (check.error == wallet::KeystoreError::kWrongPassphrase) {
      throw CliError("wrong passphrase for wallet '" + name + "'");
    }
    if (check.error != wallet::KeystoreError::kNone) {
      throw CliError("wallet '" + name + "': " + check.reason);
    }
  }
  const wallet::SecretString new_pass = ReadNewPassphrase(args);
  auto resealed = wallet::Reseal(file, old_pass, new_pass, wallet::DefaultScryptParams());
  if (!resealed.ok()) throw CliError("wallet '" + name + "': " + resealed.status().reason());
  Save(args, *resealed, true);
  std::cout << "wallet '" << name << "': passphrase changed\n";
  return 0;
}

int RunDelete(const Args& args) {
  const std::string name = NameArgument(args, "delete");
  const wallet::WalletFile file = LoadWallet(args, name);
  if (!args.Has("yes")) {
    const std::string question =
        "Delete wallet '" + name + "'" +
        (file.watch_only() ? "?" : "? Its keys are gone for good unless you have its words.");
    if (!HasTerminal()) {
      throw CliError(
          "delete asks for confirmation on the terminal; give --yes to delete "
          "wallet '" +
          name + "' without asking");
    }
    if (!Confirm(question)) {
      std::cout << "wallet '" << name << "' kept\n";
      return 1;
    }
  }
  if (chain::Status s = WalletDirOf(args).Remove(name); !s.ok()) throw CliError(s.reason());
  std::cout << "wallet '" << name << "' deleted\n";
  return 0;
}

}  // namespace

int RunWallet(std::span<const std::string> words) {
  int rc = 0;
  auto sub = ParseSubcommand(words, "wallet", kWalletHelp, kSubcommands, WalletCommandOptions,
                             WalletCommandOptions(""), &rc);
  if (!sub) return rc;
  const Args& args = sub->args;
  if (sub->name == "create") return RunCreate(args);
  if (sub->name == "restore") return RunRestore(args);
  if (sub->name == "list") return RunList(args);
  if (sub->name == "show") return RunShow(args);
  if (sub->name == "address") return RunAddress(args);
  if (sub->name == "export-xpub") return RunExportXpub(args);
  if (sub->name == "change-passphrase") return RunChangePassphrase(args);
  if (sub->name == "delete") return RunDelete(args);
  return wallet_cli::RunWalletBalance(args);
}

}  // namespace waybill::cli
