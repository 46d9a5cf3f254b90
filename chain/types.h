// Fixed-size value types: 256-bit hashes, account ids, byte strings and hex.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace waybill::chain {

using Bytes = std::vector<uint8_t>;
using ByteSpan = std::span<const uint8_t>;

// 32 bytes. Printed as hex in byte order (no reversal, unlike Bitcoin). Where a hash is
// compared with a proof-of-work target it is read as a big-endian integer, so the leading
// zeros of a block id show at the start of its hex.
struct Hash256 {
  std::array<uint8_t, 32> bytes{};

  static constexpr size_t kSize = 32;
  bool IsZero() const {
    for (uint8_t b : bytes) {
      if (b) return false;
    }
    return true;
  }
  std::string ToHex() const;
  // Accepts exactly 64 hex digits (either case).
  static std::optional<Hash256> FromHex(std::string_view hex);
  static Hash256 FromSpan(ByteSpan s);  // REQUIRES: s.size() == 32
  const uint8_t* data() const { return bytes.data(); }
  uint8_t* data() { return bytes.data(); }
  ByteSpan span() const { return ByteSpan(bytes.data(), bytes.size()); }

  auto operator<=>(const Hash256&) const = default;
  bool operator==(const Hash256&) const = default;
};

// A key account's id is its 32-byte x-only public key (BIP-340). Contract accounts share
// the same id space.
using AccountId = Hash256;

struct Hash256Hasher {
  size_t operator()(const Hash256& h) const {
    size_t v;
    std::memcpy(&v, h.bytes.data(), sizeof(v));  // already uniformly distributed
    return v;
  }
};

// 0..15 for a hex digit (either case), -1 for any other character.
int HexDigitValue(char c);
std::string HexEncode(ByteSpan data);
// Accepts an even number of hex digits (either case); nullopt otherwise.
std::optional<Bytes> HexDecode(std::string_view hex);

// Best-effort wipe of secret material that the optimizer may not remove.
void SecureWipe(void* p, size_t n);

}  // namespace waybill::chain
