// `waybill contract compile|disassemble`: contract assembly to bytecode and back, with no node
// (docs/CONTRACTS.md "Assembly"; deploy, call, show and run come with the consensus wiring).
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

namespace waybill::cli {
namespace {

constexpr const char* kContractHelp =
    "Usage: waybill contract compile FILE [-o OUT]\n"
    "       waybill contract disassemble FILE|HEX\n"
    "\n"
    "compile      assembles FILE (docs/CONTRACTS.md \"Assembly\") and validates the bytecode as\n"
    "             a deploy would. Prints the bytecode in hex, or with -o OUT (--out OUT)\n"
    "             writes it to OUT as binary (replacing OUT). An error names FILE:LINE and the\n"
    "             reason (exit 1).\n"
    "disassemble  prints the assembly of bytecode (a binary file as compile -o writes, a file\n"
    "             holding hex, or hex on the command line); compiling that text gives the same\n"
    "             bytes. Bytecode that does not validate is refused with the reason.\n";

constexpr std::string_view kContractSubcommands[] = {"compile", "disassemble"};

std::vector<OptionSpec> ContractOptions(std::string_view sub) {
  std::vector<OptionSpec> specs;
  if (sub == "compile") specs.push_back({"out", "OUT", false, "write binary bytecode to OUT"});
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
  return ContractDisassemble(sub->args);
}

}  // namespace waybill::cli
