// Random values for the property tests of chain/ encodings (fixed seed: reproducible).
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "chain/tx.h"
#include "chain/types.h"

namespace waybill::chain::testing {

class RandomValues {
 public:
  explicit RandomValues(uint64_t seed) : rng_(seed) {}
  uint64_t U64() { return rng_(); }
  uint32_t U32() { return static_cast<uint32_t>(rng_()); }
  // Uniform in [lo, hi].
  size_t Between(size_t lo, size_t hi) {
    return lo + static_cast<size_t>(rng_() % (static_cast<uint64_t>(hi - lo) + 1));
  }
  Hash256 Hash() {
    Hash256 h;
    for (auto& b : h.bytes) b = static_cast<uint8_t>(rng_());
    return h;
  }
  // Any bytes: the encoding does not restrict a string's content (consensus does).
  std::string String(size_t max_len) {
    std::string s(Between(0, max_len), '\0');
    for (char& c : s) c = static_cast<char>(rng_());
    return s;
  }
  std::vector<Hash256> Hashes(size_t min, size_t max) {
    std::vector<Hash256> out(Between(min, max));
    for (auto& h : out) h = Hash();
    return out;
  }
  std::vector<MetadataEntry> Metadata() {
    std::vector<MetadataEntry> md(Between(0, kMaxMetadataEntries));
    for (auto& e : md) e = {String(kMaxMetadataKeyLen), String(kMaxMetadataValueLen)};
    return md;
  }
  Bytes Data(size_t max_len) {
    Bytes b(Between(0, max_len));
    for (auto& x : b) x = static_cast<uint8_t>(rng_());
    return b;
  }
  // One to three bytes of enc flipped.
  Bytes Mutate(Bytes enc) {
    for (size_t n = Between(1, 3); n > 0 && !enc.empty(); --n) {
      enc[Between(0, enc.size() - 1)] ^= static_cast<uint8_t>(Between(1, 255));
    }
    return enc;
  }

 private:
  std::mt19937_64 rng_;
};

}  // namespace waybill::chain::testing
