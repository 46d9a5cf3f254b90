// `waybill contract compile|disassemble` (node/cli/contract.cpp): an example compiles to the
// bytecode of the assembler, its disassembly compiles to the same bytes (hex and binary), and
// errors name FILE:LINE.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "contracts/assembler.h"
#include "node/cli/args.h"
#include "node/cli/commands.h"

namespace waybill::cli {
namespace {

// Runs `waybill contract WORDS...`; returns its stdout, *rc its exit code. std::cout is
// given back its buffer also when the command throws.
std::string RunCaptured(std::vector<std::string> words, int* rc) {
  std::ostringstream out;
  struct Restore {
    std::streambuf* old;
    ~Restore() { std::cout.rdbuf(old); }
  } restore{std::cout.rdbuf(out.rdbuf())};
  *rc = RunContract(words);
  return out.str();
}

// The CliError's text of a run that must fail.
std::string ErrorOf(std::vector<std::string> words) {
  try {
    int rc = 0;
    RunCaptured(std::move(words), &rc);
  } catch (const CliError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

class ContractCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("waybill_cli_contract_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  std::filesystem::path dir_;
};

const std::string kEscrow = std::string(SOURCE_DIR) + "/contracts/examples/escrow.asm";

TEST_F(ContractCli, CompileDisassembleCompileGivesTheSameBytes) {
  int rc = -1;
  const std::string hex = RunCaptured({"compile", kEscrow}, &rc);
  ASSERT_EQ(rc, 0);
  // The assembler's canonical bytes, in hex, one line.
  auto program = contracts::Assemble(ReadFile(kEscrow));
  ASSERT_TRUE(program.ok());
  EXPECT_EQ(hex, chain::HexEncode(contracts::EncodeProgram(*program)) + "\n");

  // Hex on the command line and binary from -o both disassemble to the same text.
  const std::string text = RunCaptured({"disassemble", hex.substr(0, hex.size() - 1)}, &rc);
  ASSERT_EQ(rc, 0);
  EXPECT_NE(text.find(".entry claim"), std::string::npos);
  const std::string bin = (dir_ / "escrow.wbvm").string();
  RunCaptured({"compile", kEscrow, "-o", bin}, &rc);
  ASSERT_EQ(rc, 0);
  EXPECT_EQ(ReadFile(bin).substr(0, 4), "WBVM");
  EXPECT_EQ(RunCaptured({"disassemble", bin}, &rc), text);
  EXPECT_EQ(RunCaptured({"disassemble", Write("hex.txt", hex)}, &rc), text);

  // The disassembly compiles to the same bytecode.
  const std::string again = RunCaptured({"compile", Write("again.asm", text)}, &rc);
  ASSERT_EQ(rc, 0);
  EXPECT_EQ(again, hex);
  const std::string bin2 = (dir_ / "again.wbvm").string();
  RunCaptured({"compile", Write("again2.asm", text), "--out", bin2}, &rc);
  EXPECT_EQ(ReadFile(bin2), ReadFile(bin));
}

TEST_F(ContractCli, ErrorsNameTheFileAndLine) {
  const std::string bad = Write("bad.asm", "STOP\n\nFROB 1\n");
  EXPECT_EQ(ErrorOf({"compile", bad}), bad + ":3: unknown mnemonic FROB");
  // A validation error at the line of the failing instruction.
  const std::string under =
      Write("under.asm", "; adds nothing to nothing\n  PUSH 1\n  ADD\n  STOP\n");
  EXPECT_EQ(ErrorOf({"compile", under}), under + ":3: stack-underflow at code offset 2");
  const std::string missing = (dir_ / "missing.asm").string();
  EXPECT_NE(ErrorOf({"compile", missing}).find(missing), std::string::npos);
  EXPECT_EQ(ErrorOf({"disassemble", "zz"}), "the argument: neither a bytecode file nor hex");
  EXPECT_EQ(ErrorOf({"disassemble", "00"}), "invalid bytecode: truncated at byte 0");
  EXPECT_NE(ErrorOf({"compile"}).find("FILE"), std::string::npos);
  EXPECT_NE(ErrorOf({"link", kEscrow}).find("unknown contract command"), std::string::npos);
}

}  // namespace
}  // namespace waybill::cli
