// The text form of contract code (docs/CONTRACTS.md "Assembly"): an assembler with labels,
// comments, named entry points and constants, and a disassembler whose output assembles
// back to the same bytes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "chain/status.h"
#include "contracts/bytecode.h"

namespace waybill::contracts {

// Assembles source into a program (not validated: ValidateProgram does that). Errors are
// Invalid("line N: reason"). Source without an `.entry` line gets one entry, "main", at 0.
chain::Result<Program> Assemble(std::string_view source);
// Same, and *lines gets one number per code byte: the source line (from 1) of the instruction
// that starts at that offset, 0 for immediate bytes. How a tool names the line of a
// validation error's code offset.
chain::Result<Program> Assemble(std::string_view source, std::vector<size_t>* lines);

// The text of a program: constants as `.const cN 0x...`, labels `L<offset>:` at jump
// targets, `.entry` lines, explicit PUSH1/PUSH8. Assemble(Disassemble(p)) == p for every
// program whose jumps land on instruction starts and whose code decodes (every validated
// program). Bytes that do not decode are written as `.byte 0x..` lines, which assemble too.
std::string Disassemble(const Program& program);

}  // namespace waybill::contracts
