// SHA-256d of block headers for the miner: the first 64 header bytes are hashed once (the
// midstate), then each nonce costs the second 64-byte block and one more compression for the
// outer hash. A portable compression function and a SHA-NI one (x86 SHA extensions, chosen
// at run time), which also hashes 2, 4 or 8 nonces at once as independent streams, so that
// their dependency chains hide each other's latency (8 was the fastest where measured).
//
// Only the header hot path lives here; everything else hashes with chain/hash.h (OpenSSL).
#pragma once

#include <array>
#include <cstdint>

#include "chain/block.h"
#include "chain/types.h"

namespace waybill::chain {

// The outer SHA-256 state words H0..H7 of SHA-256d(header): the block id is these words
// written big-endian, so H0 holds the id's most significant 32 bits when the id is read as a
// big-endian integer (the proof-of-work comparison).
using Sha256Words = std::array<uint32_t, 8>;

enum class Sha256Impl {
  kPortable,  // plain C++
  kShaNi,     // x86 SHA extensions (with SSE4.1)
};

// True when the CPU (and the build) supports the SHA-NI path.
bool ShaNiSupported();
// The fastest implementation this CPU supports.
Sha256Impl BestSha256Impl();
const char* Sha256ImplName(Sha256Impl impl);

// The block id as bytes from the outer state words.
Hash256 WordsToHash(const Sha256Words& words);

// Hashes one header with varying nonces. Immutable after construction, so one hasher may be
// shared by several threads.
class HeaderHasher {
 public:
  // The nonce bytes of header are ignored. If impl is kShaNi but the CPU lacks SHA-NI, the
  // portable path is used instead (impl() tells which).
  explicit HeaderHasher(const std::array<uint8_t, kHeaderSize>& header,
                        Sha256Impl impl = BestSha256Impl());

  Sha256Impl impl() const { return impl_; }

  // SHA-256d of the header with this nonce, as outer state words.
  void Hash(uint64_t nonce, Sha256Words* out) const;
  // Two nonces at once (interleaved on SHA-NI; two single hashes on the portable path).
  void Hash2(uint64_t nonce0, uint64_t nonce1, Sha256Words* out0, Sha256Words* out1) const;
  // width consecutive nonces at once: out[i] = Hash(first_nonce + i) (wrapping at 2^64) for
  // i < width. width is 1, 2, 4 or kMaxWidth (anything else hashes one nonce).
  static constexpr int kMaxWidth = 8;
  void HashRun(int width, uint64_t first_nonce, Sha256Words* out) const;
  // The width whose HashRun hashes the most nonces per second on this implementation (as
  // measured by bench_miner; see docs/BENCHMARKS.md).
  int FastestWidth() const;
  Hash256 HashToId(uint64_t nonce) const {
    Sha256Words w;
    Hash(nonce, &w);
    return WordsToHash(w);
  }

 private:
  template <size_t N>
  void HashMany(const uint64_t (&nonces)[N], Sha256Words* const (&out)[N]) const;
  template <size_t N>
  void HashConsecutive(uint64_t first_nonce, Sha256Words* out) const;

  Sha256Impl impl_;
  // State after the first 64 header bytes.
  alignas(16) std::array<uint32_t, 8> midstate_{};
  // The second block's message words (header bytes 64..115 and the padding) with the nonce
  // words (11 and 12) zero.
  alignas(16) std::array<uint32_t, 16> block2_{};
  // SHA-NI only: the midstate in the instructions' register layout (ABEF, CDGH), and the
  // state after the second block's first 8 rounds, which read only nonce-free words 0..7.
  alignas(16) std::array<uint32_t, 8> shani_midstate_{};
  alignas(16) std::array<uint32_t, 8> shani_after8_{};
};

}  // namespace waybill::chain
