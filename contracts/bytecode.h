// The bytecode container (docs/CONTRACTS.md "Bytecode format"): a version, the constants,
// the named entry points and the code. Decoding with every check is ValidateBytecode
// (validator.h); this is the value type and its canonical encoding.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "chain/types.h"

namespace waybill::contracts {

inline constexpr uint8_t kBytecodeMagic[4] = {'W', 'B', 'V', 'M'};

struct Entry {
  std::string name;     // 1..kMaxEntryNameBytes of [a-z0-9_]
  uint16_t offset = 0;  // where the entry's code starts, in the code section
  bool operator==(const Entry&) const = default;
};

struct Program {
  std::vector<chain::Bytes> constants;  // PUSHC's table
  std::vector<Entry> entries;           // sorted by name, names unique
  chain::Bytes code;
  bool operator==(const Program&) const = default;
};

// The canonical bytes of a program. ValidateBytecode(EncodeProgram(p)) gives p back when p
// is valid; the encoding of a program that breaks a limit is still written (a test uses it).
chain::Bytes EncodeProgram(const Program& program);

// True for a name an entry point may have.
bool IsValidEntryName(std::string_view name);

}  // namespace waybill::contracts
