// `waybill key`: create key files and show their addresses (the files and keys are
// wallet/'s); also the key-file and account helpers the other commands share.
#include <iostream>

#include "chain/bech32.h"
#include "node/cli/commands.h"
#include "wallet/key_file.h"
#include "wallet/signer.h"

namespace waybill::cli {
namespace {

constexpr const char* kKeyHelp =
    "Usage:\n"
    "  waybill key new --out FILE [--network N | --genesis FILE | --hrp P]\n"
    "      Creates a random key, writes it to FILE (mode 0600, never overwrites) and prints\n"
    "      its address.\n"
    "  waybill key dev I --out FILE [--network N | ...]\n"
    "      Writes the published development key I (keys 0..9 are funded on devnet and\n"
    "      regtest; never use them for anything of value).\n"
    "  waybill key address --key FILE [--network N | --genesis FILE | --hrp P] [--json]\n"
    "      Prints the address of a key file (with --json also the 64-hex account id).\n"
    "\nKey files are JSON {\"secret\": \"<64 hex digits>\"}. Options:\n";

// sub: "new", "dev" or "address"; empty for the help listing of all of them.
std::vector<OptionSpec> KeyOptions(std::string_view sub) {
  std::vector<OptionSpec> specs = NetworkOptions();
  if (sub != "address") specs.push_back({"out", "FILE", false, "key file to create"});
  if (sub != "new" && sub != "dev") specs.push_back({"key", "FILE", false, "key file to read"});
  specs.push_back({"json", "", false, "print {\"address\", \"account\"}"});
  return specs;
}

void PrintAddress(const Args& args, const chain::AccountId& account) {
  std::string address = chain::bech32::EncodeAddress(AddressPrefix(args), account);
  if (args.Has("json")) {
    std::cout << Json{{"address", address}, {"account", account.ToHex()}}.dump(2) << "\n";
  } else {
    std::cout << address << "\n";
  }
}

void WriteKey(const Args& args, const chain::SecretKey& key) {
  // Resolve the prefix first, so that a bad --network does not leave a file behind.
  (void)AddressPrefix(args);
  if (chain::Status s = wallet::WriteKeyFile(args.Require("out"), key); !s.ok()) {
    throw CliError(s.reason());
  }
  PrintAddress(args, key.PublicKey());
}

void NoArguments(const Args& args, std::string_view command) {
  const auto& pos = args.positional();
  if (!pos.empty()) {
    throw CliError(std::string(command) + " takes no arguments (unexpected '" + pos[0] + "')");
  }
}

int RunKeyNew(const Args& args) {
  NoArguments(args, "key new");
  WriteKey(args, wallet::NewKey());
  return 0;
}

int RunKeyDev(const Args& args) {
  const auto& pos = args.positional();
  if (pos.size() != 1) throw CliError("usage: waybill key dev I --out FILE (I = 0..9)");
  uint64_t index = ParseU64(pos[0], "dev key index");
  if (index > UINT32_MAX) throw CliError("dev key index too large");
  auto key = wallet::DevKey(static_cast<uint32_t>(index));
  if (!key.ok()) throw CliError(key.status().reason());
  WriteKey(args, *key);
  return 0;
}

int RunKeyAddress(const Args& args) {
  NoArguments(args, "key address");
  PrintAddress(args, LoadKeyFile(args.Require("key")).PublicKey());
  return 0;
}

}  // namespace

std::string KeyFileJson(const chain::SecretKey& key) { return wallet::KeyFileText(key); }

chain::SecretKey LoadKeyFile(const std::string& path) {
  auto key = wallet::ReadKeyFile(path);
  if (!key.ok()) throw CliError(key.status().reason());
  return std::move(*key);
}

chain::AccountId ParseAccount(std::string_view text, std::string_view hrp, std::string_view what) {
  auto account = chain::bech32::ParseAccount(hrp, text);
  if (!account.ok()) {
    throw CliError(std::string(what) + ": not an address of this network (prefix " +
                   std::string(hrp) + "): " + account.status().reason());
  }
  return *account;
}

int RunKey(std::span<const std::string> words) {
  constexpr std::string_view kNames[] = {"new", "dev", "address"};
  int rc = 0;
  auto sub = ParseSubcommand(words, "key", kKeyHelp, kNames, KeyOptions, KeyOptions(""), &rc);
  if (!sub) return rc;
  if (sub->name == "new") return RunKeyNew(sub->args);
  if (sub->name == "dev") return RunKeyDev(sub->args);
  return RunKeyAddress(sub->args);
}

}  // namespace waybill::cli
