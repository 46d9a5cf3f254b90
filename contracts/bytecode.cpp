#include "contracts/bytecode.h"

#include "chain/serialize.h"
#include "contracts/limits.h"

namespace waybill::contracts {

chain::Bytes EncodeProgram(const Program& program) {
  chain::Writer w;
  w.Raw(chain::ByteSpan(kBytecodeMagic, sizeof(kBytecodeMagic)));
  w.U8(kBytecodeVersion);
  w.U16(static_cast<uint16_t>(program.constants.size()));
  for (const chain::Bytes& c : program.constants) {
    w.U16(static_cast<uint16_t>(c.size()));
    w.Raw(c);
  }
  w.U8(static_cast<uint8_t>(program.entries.size()));
  for (const Entry& e : program.entries) {
    w.U8(static_cast<uint8_t>(e.name.size()));
    w.Raw(chain::ByteSpan(reinterpret_cast<const uint8_t*>(e.name.data()), e.name.size()));
    w.U16(e.offset);
  }
  w.U16(static_cast<uint16_t>(program.code.size()));
  w.Raw(program.code);
  return w.Take();
}

bool IsValidEntryName(std::string_view name) {
  if (name.empty() || name.size() > kMaxEntryNameBytes) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace waybill::contracts
