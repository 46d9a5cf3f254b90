// The limits of the contract VM (docs/CONTRACTS.md "Limits"). Consensus-critical: changing one
// changes which code deploys and which calls succeed.
#pragma once

#include <cstddef>
#include <cstdint>

namespace waybill::contracts {

inline constexpr uint8_t kBytecodeVersion = 1;
inline constexpr size_t kMaxCodeBytes = 24 * 1024;  // the code section
inline constexpr size_t kMaxConstants = 256;        // PUSHC's immediate is one byte
inline constexpr size_t kMaxEntries = 32;
inline constexpr size_t kMaxEntryNameBytes = 32;
inline constexpr size_t kMaxStackDepth = 256;   // checked at deploy, never at run time
inline constexpr size_t kMaxValueBytes = 1024;  // a byte string on the stack or a constant
inline constexpr size_t kMaxArguments = 16;     // each at most kMaxValueBytes
inline constexpr size_t kMaxStorageKeyBytes = 64;
inline constexpr size_t kMaxStorageWritesPerCall = 64;
inline constexpr size_t kMaxLogsPerCall = 16;
inline constexpr size_t kMaxLogBytes = 256;
inline constexpr size_t kMaxEffectsPerCall = 64;        // coins and assets sent, splits, merges
inline constexpr size_t kMaxMemoryBytes = 1024 * 1024;  // byte strings made during one call

}  // namespace waybill::contracts
