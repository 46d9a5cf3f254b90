// The opcode table is the one definition: docs/CONTRACTS.md's table and failure reasons must
// say exactly what contracts/opcodes.h and contracts/errors.h say.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "contracts/errors.h"
#include "contracts/opcodes.h"

namespace waybill::contracts {
namespace {

std::string ReadDoc() {
  std::ifstream in(std::string(SOURCE_DIR) + "/docs/CONTRACTS.md");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string ImmediateText(Immediate imm) {
  switch (imm) {
    case Immediate::kNone:
      return "—";
    case Immediate::kInt8:
      return "u8";
    case Immediate::kInt64:
      return "u64 LE";
    case Immediate::kConst:
      return "u8 index";
    case Immediate::kTarget:
      return "u16 LE offset";
  }
  return "?";
}

std::string Hex(int byte) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "0x%02x", byte);
  return buf;
}

TEST(ContractsOpcodes, DocsTableEqualsTheTable) {
  std::string doc = ReadDoc();
  ASSERT_FALSE(doc.empty());
  // Rows "| 0x30 | ADD | — | 2 | 1 | 2 | ... |", by byte.
  std::map<std::string, std::string> rows;
  std::istringstream lines(doc);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("| 0x", 0) == 0) rows[line.substr(2, 4)] = line;
  }
  size_t known = 0;
  for (int byte = 0; byte < 256; ++byte) {
    const OpInfo& info = InfoOf(static_cast<uint8_t>(byte));
    auto it = rows.find(Hex(byte));
    if (!info.known()) {
      EXPECT_EQ(it, rows.end()) << Hex(byte) << " is documented but not in the table";
      continue;
    }
    ++known;
    ASSERT_NE(it, rows.end()) << Hex(byte) << " " << info.mnemonic << " is not documented";
    std::string expected = "| " + Hex(byte) + " | " + std::string(info.mnemonic) + " | " +
                           ImmediateText(info.immediate) + " | " + std::to_string(info.pops) +
                           " | " + std::to_string(info.pushes) + " | " + std::to_string(info.gas) +
                           " | ";
    EXPECT_EQ(it->second.substr(0, expected.size()), expected);
  }
  EXPECT_EQ(rows.size(), known);
}

TEST(ContractsOpcodes, TableIsConsistent) {
  std::set<std::string_view> names;
  for (int byte = 0; byte < 256; ++byte) {
    const OpInfo& info = InfoOf(static_cast<uint8_t>(byte));
    if (!info.known()) continue;
    EXPECT_TRUE(names.insert(info.mnemonic).second) << info.mnemonic;
    EXPECT_EQ(OpByMnemonic(info.mnemonic), static_cast<Op>(byte));
    // Every instruction costs gas: the interpreter's bound on time rests on it.
    EXPECT_GE(info.gas, 1u) << info.mnemonic;
    // Only jumps carry targets, and every jump does.
    EXPECT_EQ(info.immediate == Immediate::kTarget,
              info.flow == Flow::kJump || info.flow == Flow::kJumpIf)
        << info.mnemonic;
  }
  EXPECT_FALSE(OpByMnemonic("NOPE"));
  EXPECT_FALSE(OpByMnemonic("add"));
}

TEST(ContractsOpcodes, DocsListEveryReason) {
  std::string doc = ReadDoc();
#define CHECK_DOC(name, text) EXPECT_NE(doc.find("`" text "`"), std::string::npos) << text;
  WAYBILL_VM_VALIDATION_ERRORS(CHECK_DOC)
  WAYBILL_VM_ERRORS(CHECK_DOC)
#undef CHECK_DOC
  EXPECT_EQ(VmErrorString(VmError::kOutOfGas), "out-of-gas");
  EXPECT_EQ(ValidationErrorString(ValidationError::kStackMismatch), "stack-mismatch");
}

}  // namespace
}  // namespace waybill::contracts
