// Hashers for hash tables keyed by what others choose (tx ids, account ids, state keys): a
// peer or a submitter can grind such keys, so the bucket a key lands in must not be
// predictable. Each hasher's salt is the process's random secret (read once) mixed with a
// counter, so making one (per peer, per map) costs no system call.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <random>
#include <string_view>

#include "chain/types.h"

namespace waybill::chain {

class SaltedIdHasher {
 public:
  SaltedIdHasher() : salt_(NextSalt()) {}
  size_t operator()(const Hash256& h) const {
    uint64_t a = 0, b = 0;
    std::memcpy(&a, h.bytes.data(), 8);
    std::memcpy(&b, h.bytes.data() + 8, 8);
    uint64_t x = (a ^ salt_) * 0x9e3779b97f4a7c15ull + b;
    x ^= x >> 31;
    x *= 0xbf58476d1ce4e5b9ull;
    return static_cast<size_t>(x ^ (x >> 29));
  }
  // 64 bits of the whole id under the salt: every word of it goes through a multiply and a
  // shift, so ids that differ anywhere differ here but with probability ~2^-64 (the salt is
  // secret, so a peer cannot aim at a collision).
  uint64_t Fingerprint(const Hash256& h) const { return Mix(h.bytes.data(), 32); }

 protected:
  // Fingerprint's mixing over any bytes (the length goes in, so a key and its extension by
  // zero bytes differ).
  uint64_t Mix(const uint8_t* p, size_t n) const {
    uint64_t x = salt_ ^ (n * 0xd6e8feb86659fd93ull);
    for (; n >= 8; p += 8, n -= 8) {
      uint64_t v;
      std::memcpy(&v, p, 8);
      x = (x ^ v) * 0x9e3779b97f4a7c15ull;
      x ^= x >> 32;
    }
    if (n > 0) {
      uint64_t v = 0;
      std::memcpy(&v, p, n);
      x = (x ^ v) * 0x9e3779b97f4a7c15ull;
      x ^= x >> 32;
    }
    x *= 0xbf58476d1ce4e5b9ull;
    return x ^ (x >> 29);
  }

 private:
  static uint64_t NextSalt() {
    static const uint64_t secret =
        std::random_device{}() | (uint64_t{std::random_device{}()} << 32);
    static std::atomic<uint64_t> counter{0};
    // SplitMix64 of secret + n * golden ratio: distinct, unpredictable salts.
    uint64_t z = secret + (counter.fetch_add(1) + 1) * 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }

  uint64_t salt_;
};

// The same for byte-string keys (state keys: a kind byte and an id, and more), usable for
// heterogeneous lookup by string_view (with std::equal_to<>).
class SaltedKeyHasher : private SaltedIdHasher {
 public:
  using is_transparent = void;
  size_t operator()(std::string_view key) const {
    return static_cast<size_t>(Mix(reinterpret_cast<const uint8_t*>(key.data()), key.size()));
  }
};

}  // namespace waybill::chain
