// What the contract commands (contract.cpp: help, options, dispatch, compile, disassemble;
// contract_calls.cpp: deploy, call, run, show) share: the arguments of a call or a deploy as
// --arg gives them, bytecode read from a file or a word, and the commands that need a node.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "chain/types.h"
#include "contracts/interpreter.h"
#include "node/cli/args.h"

namespace waybill::cli {

// One --arg V (docs/API.md "Contracts"):
//   123          an integer (decimal u64)
//   0x00ff       bytes (even number of hex digits, at most contracts::kMaxValueBytes bytes)
//   wbr1...      an address of this network (hrp): its 32 bytes
//   text:paid    the UTF-8 bytes after "text:"
// CliError naming the value otherwise.
contracts::Argument ParseContractArg(std::string_view text, std::string_view hrp);
// Every --arg of args, in order; CliError past contracts::kMaxArguments.
std::vector<contracts::Argument> ParseContractArgs(const Args& args, std::string_view hrp);

// An argument as --arg would give it (an integer in decimal, bytes as 0x-hex).
std::string ContractArgText(const contracts::Argument& arg);

// Bytecode from a file (binary: it starts with the magic; else hex text) or hex in the word.
chain::Bytes ContractBytecodeFrom(const std::string& word);
// The bytecode of an assembly file, validated as a deploy validates it; CliError
// "FILE:LINE: reason" for an assembly or validation error.
chain::Bytes AssembleContractFile(const std::string& file);
// The code of `contract deploy FILE`: assembled when FILE ends in .asm, else
// ContractBytecodeFrom(FILE).
chain::Bytes ContractCodeOf(const std::string& file);

// The commands that talk to a node (contract_calls.cpp), each given its parsed options
// (ContractOptions of contract.cpp). CliError for a user error.
int ContractDeploy(const Args& args);
int ContractCall(const Args& args);
int ContractRun(const Args& args);
int ContractShow(const Args& args);

}  // namespace waybill::cli
