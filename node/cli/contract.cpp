// `waybill contract ...`: the help, options and dispatch, and compile|disassemble (contract
// assembly to bytecode and back, with no node: docs/CONTRACTS.md "Assembly"). deploy, call,
// run and show talk to a node (contract_calls.cpp).
#include <fstream>
#include <iostream>
#include <memory>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "contracts/assembler.h"
#include "contracts/validator.h"
#include "node/cli/commands.h"
#include "node/cli/contract_args.h"
#include "node/cli/tx_build.h"

namespace waybill::cli {
namespace {

constexpr const char* kContractHelp =
    "Usage: waybill contract compile FILE [-o OUT]\n"
    "       waybill contract disassemble FILE|HEX\n"
    "       waybill contract deploy FILE [--arg V]... [--gas N] (--wallet NAME | --key FILE)\n"
    "       waybill contract call CONTRACT ENTRY [--arg V]... [--attach-coins AMOUNT]\n"
    "                             [--attach-asset ID]... [--gas N] (--wallet NAME | --key FILE)\n"
    "       waybill contract run CONTRACT ENTRY [...as call] [--from ADDR]\n"
    "       waybill contract show CONTRACT\n"
    "\n"
    "compile      assembles FILE (docs/CONTRACTS.md \"Assembly\") and validates the bytecode as\n"
    "             a deploy would. Prints the bytecode in hex, or with -o OUT (--out OUT)\n"
    "             writes it to OUT as binary (replacing OUT). An error names FILE:LINE and the\n"
    "             reason (exit 1).\n"
    "disassemble  prints the assembly of bytecode (a binary file as compile -o writes, a file\n"
    "             holding hex, or hex on the command line); compiling that text gives the same\n"
    "             bytes. Bytecode that does not validate is refused with the reason.\n"
    "deploy       deploys FILE (.asm is assembled, anything else is bytecode as disassemble\n"
    "             reads it); prints the contract's address and the txid. --arg and --gas go to\n"
    "             the code's init entry (default gas: its static bound and the intrinsic gas).\n"
    "call         sends a call of ENTRY; coins and assets attached move to the contract\n"
    "             before it runs. Default gas: the entry's gas_bound (getcontract). The call\n"
    "             is first run on the node (as `run`): one that would fail is not sent unless\n"
    "             --force.\n"
    "run          runs the call on the node's current state without sending anything: the\n"
    "             outcome, gas used, effects and logs, or the error at its code offset\n"
    "             (exit 1 unless it succeeds). --from: the sender it runs as.\n"
    "show         the contract: code summary (size, entries, static gas bounds), balance,\n"
    "             assets held, storage and recent calls with their outcomes.\n"
    "--arg V: an integer (123), bytes (0x00ff), an address (its 32 bytes) or text (text:paid).\n"
    "A deploy or a call pays the size fee plus gas x the network's gas price (no refund).\n";

constexpr std::string_view kContractSubcommands[] = {"compile", "disassemble", "deploy",
                                                     "call",    "run",         "show"};

bool ContractSends(std::string_view sub) { return sub == "deploy" || sub == "call"; }

std::vector<OptionSpec> ContractOptions(std::string_view sub) {
  std::vector<OptionSpec> specs;
  if (sub == "compile") specs.push_back({"out", "OUT", false, "write binary bytecode to OUT"});
  if (ContractSends(sub) || sub == "run" || sub == "show") specs = ConnectionOptions();
  if (ContractSends(sub)) {
    for (const OptionSpec& spec : SenderOptions()) specs.push_back(spec);
    for (const OptionSpec& spec : TxCommonOptions()) specs.push_back(spec);
  } else if (sub == "run" || sub == "show") {
    specs.push_back({"json", "", false, "print the node's JSON"});
  }
  if (ContractSends(sub) || sub == "run") {
    specs.push_back({"arg", "V", true, "an argument: 123, 0x00ff, an address, text:..."});
    specs.push_back({"gas", "N", false, "gas limit (default: the entry's gas bound)"});
  }
  if (sub == "call" || sub == "run") {
    specs.push_back({"attach-coins", "AMOUNT", false, "coins moved to the contract first"});
    specs.push_back({"attach-asset", "ID", true, "an asset moved to the contract first"});
  }
  if (sub == "call") specs.push_back({"force", "", false, "send even if the call would fail"});
  if (sub == "run") specs.push_back({"from", "ADDR", false, "the sender to run as"});
  if (sub == "show") {
    specs.push_back({"storage", "N", false, "storage entries listed (default 100, <= 1000)"});
    specs.push_back({"calls", "N", false, "recent calls listed (default 10, <= 100)"});
  }
  specs.push_back({"help", "", false, "print this help"});
  return specs;
}

std::string ContractOnePositional(const Args& args, std::string_view what) {
  if (args.positional().size() != 1) throw CliError("expected one " + std::string(what));
  return args.positional()[0];
}

int ContractCompile(const Args& args) {
  const std::string file = ContractOnePositional(args, "FILE");
  const chain::Bytes bytecode = AssembleContractFile(file);
  if (auto out = args.Get("out")) {
    std::ofstream f(*out, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(bytecode.data()),
            static_cast<std::streamsize>(bytecode.size()));
    f.close();
    if (!f) throw CliError("cannot write " + *out);
    return 0;
  }
  std::cout << chain::HexEncode(bytecode) << "\n";
  return 0;
}

int ContractDisassemble(const Args& args) {
  const std::string word = ContractOnePositional(args, "FILE or HEX");
  const chain::Bytes bytecode = ContractBytecodeFrom(word);
  auto validated = contracts::ValidateBytecode(bytecode);
  if (auto* e = std::get_if<contracts::DeployError>(&validated)) {
    throw CliError("invalid bytecode: " + e->ToString());
  }
  const auto& code = std::get<std::shared_ptr<const contracts::ValidatedCode>>(validated);
  std::cout << contracts::Disassemble(code->program());
  return 0;
}

}  // namespace

int RunContract(std::span<const std::string> words) {
  // -o is the conventional short form of a compiler's output option.
  std::vector<std::string> expanded(words.begin(), words.end());
  for (std::string& w : expanded) {
    if (w == "-o") w = "--out";
  }
  int rc = 0;
  auto sub = ParseSubcommand(expanded, "contract", kContractHelp, kContractSubcommands,
                             ContractOptions, ContractOptions(""), &rc);
  if (!sub) return rc;
  if (sub->name == "compile") return ContractCompile(sub->args);
  if (sub->name == "disassemble") return ContractDisassemble(sub->args);
  if (sub->name == "deploy") return ContractDeploy(sub->args);
  if (sub->name == "call") return ContractCall(sub->args);
  if (sub->name == "run") return ContractRun(sub->args);
  return ContractShow(sub->args);
}

}  // namespace waybill::cli
