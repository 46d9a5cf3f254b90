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
#include "contracts/opcodes.h"
#include "node/cli/args.h"
#include "node/cli/commands.h"
#include "node/cli/contract_args.h"
#include "chain/bech32.h"
#include "node/params/genesis.h"
#include "wallet/signer.h"
#include <nlohmann/json.hpp>

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

// `contract deploy --dry-run --nonce N` needs no node: the regtest genesis gives the chain id,
// the fee rate and the gas price.
TEST_F(ContractCli, DeployOfflineNamesTheContractAndPaysTheGas) {
  const chain::SecretKey key = wallet::DevKey(0).value();
  const std::string key_file = (dir_ / "key.json").string();
  WriteNewPrivateFile(key_file, KeyFileJson(key));
  auto params = node::EmbeddedGenesis("regtest");
  ASSERT_TRUE(params.ok());
  const std::vector<std::string> offline = {"--key", key_file, "--network", "regtest",
                                            "--dry-run", "--nonce", "4", "--json"};
  auto deploy = [&](std::vector<std::string> words) {
    words.insert(words.end(), offline.begin(), offline.end());
    int rc = -1;
    const std::string out = RunCaptured(words, &rc);
    EXPECT_EQ(rc, 0);
    return nlohmann::json::parse(out);
  };
  // No init: no gas.
  const nlohmann::json plain = deploy({"deploy", kEscrow});
  const chain::AccountId id = chain::ContractIdFor(params->chain_id(), key.PublicKey(), 4);
  EXPECT_EQ(plain["contract"], chain::bech32::EncodeAddress(params->address_prefix, id));
  EXPECT_EQ(plain["sent"], false);
  EXPECT_EQ(plain["fee"], plain["size"].get<uint64_t>() * params->min_fee_per_byte);
  EXPECT_NE(ErrorOf({"deploy", kEscrow, "--arg", "1", "--key", key_file, "--network", "regtest",
                     "--dry-run", "--nonce", "4"})
                .find("no init entry"),
            std::string::npos);
  // With init: its static gas bound, or --gas, at the gas price.
  const std::string with_init =
      Write("init.asm", ".entry init\n  PUSHC \"k\"\n  PUSH 0\n  ARG\n  SSTORE\n  STOP\n");
  const nlohmann::json bounded = deploy({"deploy", with_init, "--arg", "text:hi"});
  const uint64_t size_fee = bounded["size"].get<uint64_t>() * params->min_fee_per_byte;
  ASSERT_GT(bounded["fee"].get<uint64_t>(), size_fee);
  EXPECT_EQ((bounded["fee"].get<uint64_t>() - size_fee) % params->gas_price, 0u);
  // The default covers the run's intrinsic gas too (at least its base).
  EXPECT_GT(bounded["fee"].get<uint64_t>() - size_fee, contracts::kRunBaseGas * params->gas_price);
  const nlohmann::json given = deploy({"deploy", with_init, "--arg", "7", "--gas", "150000"});
  EXPECT_EQ(given["fee"], given["size"].get<uint64_t>() * params->min_fee_per_byte +
                              150'000 * params->gas_price);
  // Bytecode that does not validate is refused before anything is signed.
  EXPECT_NE(ErrorOf({"deploy", Write("bad.hex", "00"), "--key", key_file, "--network", "regtest",
                     "--dry-run", "--nonce", "4"})
                .find("invalid bytecode"),
            std::string::npos);
}

// The text of the CliError that parsing --arg text throws.
std::string ArgErrorOf(const std::string& text) {
  try {
    (void)ParseContractArg(text, "wbr");
  } catch (const CliError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error for " << text;
  return "";
}

TEST(ContractArgs, EachFormGivesItsValue) {
  using Arg = contracts::Argument;
  EXPECT_EQ(ParseContractArg("0", "wbr"), Arg(uint64_t{0}));
  EXPECT_EQ(ParseContractArg("18446744073709551615", "wbr"), Arg(UINT64_MAX));
  EXPECT_EQ(ParseContractArg("0x00ff", "wbr"), Arg(chain::Bytes{0x00, 0xff}));
  EXPECT_EQ(ParseContractArg("0x", "wbr"), Arg(chain::Bytes{}));
  EXPECT_EQ(ParseContractArg("text:paid", "wbr"), Arg(chain::Bytes{'p', 'a', 'i', 'd'}));
  // text: keeps everything after the prefix, digits and 0x included.
  EXPECT_EQ(ParseContractArg("text:0x12", "wbr"), Arg(chain::Bytes{'0', 'x', '1', '2'}));
  chain::AccountId id;
  for (size_t i = 0; i < id.bytes.size(); ++i) id.bytes[i] = static_cast<uint8_t>(i + 1);
  const Arg want(chain::Bytes(id.bytes.begin(), id.bytes.end()));
  EXPECT_EQ(ParseContractArg(chain::bech32::EncodeAddress("wbr", id), "wbr"), want);
}

TEST(ContractArgs, BadValuesAreRefusedWithTheForms) {
  EXPECT_NE(ArgErrorOf("18446744073709551616").find("--arg"), std::string::npos);  // 2^64
  EXPECT_NE(ArgErrorOf("-1").find("an integer (123), bytes (0x00ff)"), std::string::npos);
  EXPECT_NE(ArgErrorOf("0xabc").find("two a byte"), std::string::npos);
  EXPECT_NE(ArgErrorOf("0xzz").find("two a byte"), std::string::npos);
  EXPECT_NE(ArgErrorOf("paid").find("text (text:paid)"), std::string::npos);
  chain::AccountId id;
  // An address of another network is not an address here.
  EXPECT_NE(ArgErrorOf(chain::bech32::EncodeAddress("wbt", id)).find("wbr1..."),
            std::string::npos);
  EXPECT_EQ(ArgErrorOf("0x" + std::string(2 * 1025, 'a')),
            "--arg: 1025 bytes, at most 1024 are allowed");
  EXPECT_NO_THROW((void)ParseContractArg("0x" + std::string(2 * 1024, 'a'), "wbr"));
}

TEST(ContractArgs, AtMostSixteenAndInOrder) {
  std::vector<std::string> words;
  for (int i = 0; i < 16; ++i) {
    words.push_back("--arg");
    words.push_back(std::to_string(i));
  }
  const OptionSpec specs[] = {{"arg", "V", true, ""}};
  auto args = ParseContractArgs(Args::Parse(words, specs), "wbr");
  ASSERT_EQ(args.size(), 16u);
  EXPECT_EQ(args[15], contracts::Argument(uint64_t{15}));
  EXPECT_EQ(ContractArgText(args[3]), "3");
  EXPECT_EQ(ContractArgText(contracts::Argument(chain::Bytes{0xab})), "0xab");
  words.push_back("--arg");
  words.push_back("16");
  EXPECT_THROW((void)ParseContractArgs(Args::Parse(words, specs), "wbr"), CliError);
}

}  // namespace
}  // namespace waybill::cli
