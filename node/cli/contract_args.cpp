#include "node/cli/contract_args.h"

#include <cctype>
#include <fstream>
#include <memory>
#include <variant>

#include "chain/bech32.h"
#include "contracts/assembler.h"
#include "contracts/limits.h"
#include "contracts/validator.h"

namespace waybill::cli {
namespace {

bool ContractArgAllDigits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

chain::Bytes ContractArgBytes(std::string_view hex, std::string_view text) {
  auto bytes = chain::HexDecode(hex);
  if (!bytes) {
    throw CliError("--arg " + std::string(text) +
                   ": 0x must be followed by hex digits, two a byte");
  }
  return std::move(*bytes);
}

// The validation error of assembled code, at the line of the failing instruction.
std::string ContractDeployErrorText(const std::string& file, const contracts::DeployError& e,
                                    const std::vector<size_t>& lines) {
  if (e.where == contracts::DeployError::Where::kCode && e.offset < lines.size() &&
      lines[e.offset] != 0) {
    return file + ":" + std::to_string(lines[e.offset]) + ": " + e.ToString();
  }
  return file + ": " + e.ToString();
}

}  // namespace

contracts::Argument ParseContractArg(std::string_view text, std::string_view hrp) {
  contracts::Argument arg;
  if (ContractArgAllDigits(text)) {
    arg = ParseU64(text, "--arg");
  } else if (text.starts_with("0x")) {
    arg = ContractArgBytes(text.substr(2), text);
  } else if (text.starts_with("text:")) {
    text.remove_prefix(5);
    arg = chain::Bytes(text.begin(), text.end());
  } else if (auto id = chain::bech32::ParseAccount(hrp, text); id.ok()) {
    arg = chain::Bytes(id->span().begin(), id->span().end());
  } else {
    throw CliError("--arg " + std::string(text) +
                   ": give an integer (123), bytes (0x00ff), an address of this network (" +
                   std::string(hrp) + "1...) or text (text:paid)");
  }
  if (const auto* bytes = std::get_if<chain::Bytes>(&arg);
      bytes && bytes->size() > contracts::kMaxValueBytes) {
    throw CliError("--arg: " + std::to_string(bytes->size()) + " bytes, at most " +
                   std::to_string(contracts::kMaxValueBytes) + " are allowed");
  }
  return arg;
}

std::vector<contracts::Argument> ParseContractArgs(const Args& args, std::string_view hrp) {
  std::vector<contracts::Argument> out;
  for (const std::string& text : args.GetAll("arg")) out.push_back(ParseContractArg(text, hrp));
  if (out.size() > contracts::kMaxArguments) {
    throw CliError("at most " + std::to_string(contracts::kMaxArguments) + " --arg");
  }
  return out;
}

std::string ContractArgText(const contracts::Argument& arg) {
  if (const auto* n = std::get_if<uint64_t>(&arg)) return std::to_string(*n);
  return "0x" + chain::HexEncode(std::get<chain::Bytes>(arg));
}

chain::Bytes ContractBytecodeFrom(const std::string& word) {
  std::string text;
  std::string what = "the argument";
  if (std::ifstream probe(word, std::ios::binary); probe) {
    text = ReadFile(word);
    what = word;
    const std::string_view magic(reinterpret_cast<const char*>(contracts::kBytecodeMagic), 4);
    if (text.substr(0, 4) == magic) return chain::Bytes(text.begin(), text.end());
  } else {
    text = word;
  }
  std::string hex;
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) hex += c;
  }
  if (hex.starts_with("0x")) hex.erase(0, 2);
  auto bytes = chain::HexDecode(hex);
  if (!bytes) throw CliError(what + ": neither a bytecode file nor hex");
  return *bytes;
}

chain::Bytes AssembleContractFile(const std::string& file) {
  const std::string source = ReadFile(file);
  std::vector<size_t> lines;
  auto program = contracts::Assemble(source, &lines);
  if (!program.ok()) {
    // Assemble's reasons read "line N: why" (assembler.h): FILE:N: why.
    std::string reason = program.status().reason();
    if (reason.starts_with("line ")) reason.erase(0, 5);
    throw CliError(file + ":" + reason);
  }
  auto validated = contracts::ValidateProgram(*program);
  if (auto* e = std::get_if<contracts::DeployError>(&validated)) {
    throw CliError(ContractDeployErrorText(file, *e, lines));
  }
  return contracts::EncodeProgram(*program);
}

chain::Bytes ContractCodeOf(const std::string& file) {
  if (file.ends_with(".asm")) return AssembleContractFile(file);
  if (!std::ifstream(file, std::ios::binary)) throw CliError("cannot read " + file);
  return ContractBytecodeFrom(file);
}

}  // namespace waybill::cli
