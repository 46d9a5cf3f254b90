// `waybill`: the command line. Keys, RPC calls, transactions, genesis files.
// Every failure is a message on stderr and exit code 1; nothing escapes main.
#include <exception>
#include <iostream>
#include <new>
#include <string>
#include <vector>

#include "node/cli/commands.h"
#include "node/cli/dev_keys.h"
#include "node/cli/wallet_commands.h"

namespace {

constexpr const char* kUsage =
    "waybill - the Waybill command line\n"
    "\n"
    "Usage: waybill COMMAND [SUBCOMMAND] [options]   (waybill COMMAND --help for details)\n"
    "\n"
    "Keys:\n"
    "  key new --out FILE              create a random key file (mode 0600), print address\n"
    "  key dev I --out FILE            write published development key I (devnet and\n"
    "                                  regtest fund 0..9; others: a warning on stderr)\n"
    "  key address --key FILE          print a key file's address\n"
    "Wallets (recovery words, encrypted keys, contacts; waybill wallet --help):\n"
    "  wallet create|restore|list|show|address|export-xpub|change-passphrase|balance|delete\n"
    "  contact add NAME ADDRESS [--note TEXT] | list | remove NAME\n"
    "Node:\n"
    "  rpc METHOD [ARGS...]            call a JSON-RPC method of a running waybilld\n"
    "  rpcauth USER                    the --rpcauth line of a new RPC user (and a password)\n"
    "Transactions (built, signed with --wallet NAME or --key FILE, sent to the node):\n"
    "  tx transfer --to ADDR --amount N (coins: 1.5, or base units: 150000000base)\n"
    "  tx issue --quantity Q --unit U [--meta k=v ...] [--doc HEX ...]\n"
    "  tx asset-transfer --asset ID --to ADDR\n"
    "  tx split --asset ID --quantities Q1,Q2,... | --children-file FILE | --bags N --each Q\n"
    "  tx merge --inputs ID,ID,... --quantity Q --unit U [--meta k=v ...]\n"
    "  tx attest --asset ID --claim C --value V [--doc HEX]\n"
    "  tx correct --asset ID --event EVENTID --set k=v --reason TEXT\n"
    "  (issue, merge, correct: --commit k=v --disclosures FILE keeps a value off the chain)\n"
    "  asset issue|transfer|split|merge|attest|show|history  the asset verbs (asset --help)\n"
    "Committed values:\n"
    "  disclose --disclosures FILE --asset ID --key K   print one disclosure (reveals it)\n"
    "  verify-disclosure FILE                          check it against the node's asset\n"
    "Proofs (no node needed):\n"
    "  proof verify FILE [--network NAME | --genesis FILE] [--min-work W] [--json]\n"
    "                                  check a proof bundle (GET /v1/assets/{id}/proof)\n"
    "Contracts (no node needed; docs/CONTRACTS.md):\n"
    "  contract compile FILE [-o OUT]  assemble and validate: bytecode in hex, or binary to OUT\n"
    "  contract disassemble FILE|HEX   the assembly of bytecode (compiles to the same bytes)\n"
    "Networks:\n"
    "  genesis new --network NAME --prefix HRP --out FILE [...]   make a genesis file\n"
    "  genesis show FILE                                          print its chain id\n"
    "Local testnet (N waybilld on loopback, see waybill testnet --help):\n"
    "  testnet up N [--miners K] [--network NAME] [--dir DIR]     start them\n"
    "  testnet status [--dir DIR]                                 heights, tips, peers\n"
    "  testnet down [--dir DIR] [--clean]                         stop them\n"
    "  testnet stop I | start I [--dir DIR]                       stop / start node I\n"
    "\n"
    "Common options: --network devnet|regtest|testnet (default devnet), --genesis FILE,\n"
    "--rpcconnect HOST, --rpcport PORT, --datadir DIR (reads DIR/<network>/.cookie),\n"
    "--rpcuser USER, --rpcpassword PASS, --rpcwait. Default RPC ports: devnet 19740, regtest\n"
    "19741, testnet 19742, other networks 19743. Default data dir: ~/.waybill (waybilld's).\n";

int Run(const std::vector<std::string>& words) {
  using namespace waybill::cli;
  if (words.empty()) {
    std::cerr << kUsage;
    return 1;
  }
  const std::string& cmd = words[0];
  std::span<const std::string> rest(words.data() + 1, words.size() - 1);
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    if (!rest.empty() && rest[0] != "--help") {
      std::vector<std::string> sub = {rest[0], "--help"};
      return Run(sub);
    }
    std::cout << kUsage;
    return 0;
  }
  if (cmd == "--version" || cmd == "version") {
    std::cout << "waybill 0.1.0\n";
    return 0;
  }
  if (cmd == "key") {
    const int rc = RunKey(rest);
    // After the key is written (and its address printed), on stderr: see docs/API.md.
    if (rc == 0) {
      if (auto warning = UnfundedDevKeyWarning(rest)) std::cerr << *warning << "\n";
    }
    return rc;
  }
  if (cmd == "rpc") return RunRpc(rest);
  if (cmd == "wallet") return RunWallet(rest);
  if (cmd == "contact") return RunContact(rest);
  if (cmd == "tx") return RunTx(rest);
  if (cmd == "asset") return RunAsset(rest);
  if (cmd == "disclose") return RunDisclose(rest);
  if (cmd == "verify-disclosure") return RunVerifyDisclosure(rest);
  if (cmd == "genesis") return RunGenesis(rest);
  if (cmd == "testnet") return RunTestnet(rest);
  if (cmd == "proof") return RunProof(rest);
  if (cmd == "rpcauth") return RunRpcAuth(rest);
  if (cmd == "contract") return RunContract(rest);
  throw CliError("unknown command '" + cmd +
                 "' (key, wallet, contact, rpc, tx, asset, disclose, verify-disclosure, genesis, testnet, proof, rpcauth; see waybill --help)");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    std::vector<std::string> words(argv + 1, argv + argc);
    int rc = Run(words);
    std::cout.flush();
    if (!std::cout) {
      std::cerr << "error: cannot write the output\n";
      return 1;
    }
    return rc;
  } catch (const waybill::cli::CliError& e) {
    std::cerr << "error: " << e.what() << "\n";
  } catch (const std::bad_alloc&) {
    std::cerr << "error: out of memory\n";
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "error: unexpected failure\n";
  }
  return 1;
}
