// `waybill rpcauth USER`: the --rpcauth line of a new JSON-RPC user (docs/API.md "RPC users").
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <array>
#include <cstdlib>
#include <iostream>
#include <string>

#include "chain/types.h"
#include "node/cli/commands.h"
#include "node/cli/passphrase.h"
#include "node/http/auth.h"
#include "wallet/secret.h"

namespace waybill::cli {
namespace {

constexpr const char* kRpcAuthHelp =
    "Usage: waybill rpcauth USER [--passphrase-file FILE]\n"
    "\n"
    "Prints the line that gives waybilld a JSON-RPC user: `rpcauth=USER:SALT$HASH` (a line of\n"
    "waybill.conf, or --rpcauth=USER:SALT$HASH on its command line), where HASH is the\n"
    "HMAC-SHA256 of the password keyed with a new random SALT; the node never stores the\n"
    "password. The password is read from --passphrase-file FILE, else env WAYBILL_PASSPHRASE;\n"
    "with neither, a random one is made and printed once, on the second line. Limit what the\n"
    "user may call with --rpcwhitelist=USER:method,method.\n";

// 32 random bytes in hex: no character that Basic authentication or a shell would mangle.
wallet::SecretString RpcAuthRandomPassword() {
  std::array<uint8_t, 32> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
    throw CliError("cannot make a password: RAND_bytes failed");
  }
  std::string hex = chain::HexEncode(random);
  OPENSSL_cleanse(random.data(), random.size());
  return wallet::SecretString(std::move(hex));
}

}  // namespace

int RunRpcAuth(std::span<const std::string> words) {
  const std::vector<OptionSpec> specs = PassphraseOptions();
  Args args = Args::Parse(words, specs);
  if (args.Has("help")) {
    std::cout << kRpcAuthHelp << OptionsHelp(specs);
    return 0;
  }
  if (args.positional().size() != 1) {
    std::cerr << kRpcAuthHelp;
    return 1;
  }
  const std::string& user = args.positional()[0];
  if (user.empty() || user.find_first_of(":$") != std::string::npos) {
    throw CliError("the user name must be non-empty and contain no ':' or '$'");
  }
  const bool given = args.Has("passphrase-file") || std::getenv("WAYBILL_PASSPHRASE") != nullptr;
  wallet::SecretString password =
      given ? ReadPassphrase(args, "Password: ", /*confirm=*/false) : RpcAuthRandomPassword();
  std::optional<std::string> salt = node::NewRpcAuthSalt();
  if (!salt) throw CliError("cannot make a salt: RAND_bytes failed");
  std::cout << "rpcauth=" << user << ":" << *salt << "$"
            << node::RpcAuthHash(*salt, password.str()) << "\n";
  if (!given) {
    std::cout << password.str() << "\n";
    std::cerr << "warning: the second line is the password of " << user
              << ": it is shown only this once (the node keeps only its salted hash)\n";
  }
  return 0;
}

}  // namespace waybill::cli
