// SHA-256 compression (FIPS 180-4) specialised for 116-byte block headers. The SHA-NI code
// is compiled per function with target attributes, so the rest of the build needs no -msha
// and a CPU without the extensions never executes it (ShaNiSupported() guards every call).
#include "chain/sha256_midstate.h"

#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#define WAYBILL_SHANI 1
#include <cpuid.h>
#include <immintrin.h>
#endif

namespace waybill::chain {
namespace {

alignas(16) constexpr uint32_t kK[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

constexpr uint32_t kIv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                             0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

// Message words 8..15 of the outer hash: the 32-byte inner digest is words 0..7, then the
// padding bit and the length (256 bits).
constexpr uint32_t kOuterPad[8] = {0x80000000, 0, 0, 0, 0, 0, 0, 256};

// The second header block: 52 header bytes, the padding bit, the length (116 * 8 bits).
constexpr size_t kBlock2HeaderBytes = kHeaderSize - 64;
constexpr uint32_t kHeaderBits = kHeaderSize * 8;
// The nonce (header bytes 108..115) is message words 11 and 12 of the second block.
constexpr int kNonceWordLo = 11;
constexpr int kNonceWordHi = 12;

// Measured with bench_miner on an AMD EPYC (docs/BENCHMARKS.md).
constexpr int kShaNiFastestWidth = 8;

uint32_t ReadBe32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

// The nonce is little-endian in the header; a message word reads its bytes big-endian.
uint32_t NonceWordLo(uint64_t nonce) { return __builtin_bswap32(static_cast<uint32_t>(nonce)); }
uint32_t NonceWordHi(uint64_t nonce) {
  return __builtin_bswap32(static_cast<uint32_t>(nonce >> 32));
}

inline uint32_t Rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

void CompressPortable(uint32_t state[8], const uint32_t block[16]) {
  uint32_t w[64];
  std::memcpy(w, block, 16 * sizeof(uint32_t));
  for (int t = 16; t < 64; ++t) {
    const uint32_t s0 = Rotr(w[t - 15], 7) ^ Rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
    const uint32_t s1 = Rotr(w[t - 2], 17) ^ Rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
    w[t] = w[t - 16] + s0 + w[t - 7] + s1;
  }
  uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
  uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
  for (int t = 0; t < 64; ++t) {
    const uint32_t t1 =
        h + (Rotr(e, 6) ^ Rotr(e, 11) ^ Rotr(e, 25)) + ((e & f) ^ (~e & g)) + kK[t] + w[t];
    const uint32_t t2 = (Rotr(a, 2) ^ Rotr(a, 13) ^ Rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
  state[4] += e;
  state[5] += f;
  state[6] += g;
  state[7] += h;
}

void HashPortable(const uint32_t midstate[8], const uint32_t block2[16], uint64_t nonce,
                  Sha256Words* out) {
  uint32_t w[16];
  std::memcpy(w, block2, sizeof(w));
  w[kNonceWordLo] = NonceWordLo(nonce);
  w[kNonceWordHi] = NonceWordHi(nonce);
  uint32_t inner[8];
  std::memcpy(inner, midstate, sizeof(inner));
  CompressPortable(inner, w);

  std::memcpy(w, inner, sizeof(inner));
  std::memcpy(w + 8, kOuterPad, sizeof(kOuterPad));
  uint32_t outer[8];
  std::memcpy(outer, kIv, sizeof(outer));
  CompressPortable(outer, w);
  std::memcpy(out->data(), outer, sizeof(outer));
}

#ifdef WAYBILL_SHANI

#define WAYBILL_SHANI_TARGET __attribute__((target("sha,sse4.1")))
#define WAYBILL_SHANI_INLINE WAYBILL_SHANI_TARGET __attribute__((always_inline)) inline

bool DetectShaNi() {
  unsigned int eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return false;
  const bool sse41 = (ecx & bit_SSE4_1) != 0;
  const bool ssse3 = (ecx & bit_SSSE3) != 0;
  if (__get_cpuid_max(0, nullptr) < 7) return false;
  __cpuid_count(7, 0, eax, ebx, ecx, edx);
  const bool sha = (ebx & (1u << 29)) != 0;  // CPUID.(EAX=7,ECX=0):EBX.SHA[bit 29]
  return sse41 && ssse3 && sha;
}

// The SHA-NI instructions keep the state as two registers: ABEF (lanes 3..0 = A, B, E, F)
// and CDGH. These convert from and to the natural order H0..H7 (lanes 0..3 = H0..H3).
WAYBILL_SHANI_INLINE void ToShaNiLayout(__m128i& s0, __m128i& s1) {
  const __m128i t1 = _mm_shuffle_epi32(s0, 0xB1);  // B A D C
  const __m128i t2 = _mm_shuffle_epi32(s1, 0x1B);  // H G F E
  s0 = _mm_alignr_epi8(t1, t2, 8);                 // F E B A = ABEF
  s1 = _mm_blend_epi16(t2, t1, 0xF0);              // H G D C = CDGH
}

WAYBILL_SHANI_INLINE void FromShaNiLayout(__m128i& s0, __m128i& s1) {
  const __m128i t1 = _mm_shuffle_epi32(s0, 0x1B);  // A B E F
  const __m128i t2 = _mm_shuffle_epi32(s1, 0xB1);  // G H C D
  s0 = _mm_blend_epi16(t1, t2, 0xF0);              // A B C D
  s1 = _mm_alignr_epi8(t2, t1, 8);                 // E F G H
}

// N independent streams, hashed side by side.
template <int N>
struct Lanes {
  __m128i v[N];
};

// One stream's quad i (rounds 4i..4i+3), with message vector m (words 4i..4i+3).
WAYBILL_SHANI_INLINE void QuadRound(__m128i& s0, __m128i& s1, __m128i m, int i) {
  const __m128i msg =
      _mm_add_epi32(m, _mm_load_si128(reinterpret_cast<const __m128i*>(kK + 4 * i)));
  s1 = _mm_sha256rnds2_epu32(s1, s0, msg);
  s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(msg, 0x0e));
}

// Message schedule: W[i] from W[i-4], W[i-3], W[i-2], W[i-1].
WAYBILL_SHANI_INLINE __m128i NextWords(__m128i w0, __m128i w1, __m128i w2, __m128i w3) {
  const __m128i t = _mm_add_epi32(_mm_sha256msg1_epu32(w0, w1), _mm_alignr_epi8(w3, w2, 4));
  return _mm_sha256msg2_epu32(t, w3);
}

// Quads kFirst..15 of a compression on N streams; w holds message vectors W[0..3] (quads
// >= 4 rewrite them in place as the schedule rolls). Stream by stream within a quad in the
// source, so that each stream needs few temporaries beyond its state (spills stay low; the
// out-of-order core interleaves the independent streams anyway).
template <int N, int kFirst>
WAYBILL_SHANI_INLINE void Rounds(Lanes<N>& s0, Lanes<N>& s1, Lanes<N> (&w)[4]) {
#pragma GCC unroll 16
  for (int i = kFirst; i < 16; ++i) {
#pragma GCC unroll 8
    for (int j = 0; j < N; ++j) {
      if (i >= 4) {
        w[i & 3].v[j] =
            NextWords(w[i & 3].v[j], w[(i + 1) & 3].v[j], w[(i + 2) & 3].v[j], w[(i + 3) & 3].v[j]);
      }
      QuadRound(s0.v[j], s1.v[j], w[i & 3].v[j], i);
    }
  }
}

WAYBILL_SHANI_INLINE __m128i LoadWords(const uint32_t* p) {
  return _mm_load_si128(reinterpret_cast<const __m128i*>(p));
}

// The state after the second block's first 8 rounds (quads 0 and 1), which read message
// words 0..7 only: no nonce bits.
WAYBILL_SHANI_TARGET void ShaNiPrepare(const uint32_t midstate[8], const uint32_t block2[16],
                                       uint32_t shani_midstate[8], uint32_t after8[8]) {
  __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(midstate));
  __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(midstate + 4));
  ToShaNiLayout(a, b);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(shani_midstate), a);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(shani_midstate + 4), b);
  QuadRound(a, b, _mm_loadu_si128(reinterpret_cast<const __m128i*>(block2)), 0);
  QuadRound(a, b, _mm_loadu_si128(reinterpret_cast<const __m128i*>(block2 + 4)), 1);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(after8), a);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(after8 + 4), b);
}

// SHA-256d of N headers that differ only in the nonce.
template <int N>
WAYBILL_SHANI_INLINE void HashShaNi(const uint32_t* shani_midstate, const uint32_t* after8,
                                    const uint32_t* block2, const uint64_t (&nonces)[N],
                                    Sha256Words* const (&out)[N]) {
  // Inner hash, second block, from round 8.
  const __m128i mid0 = LoadWords(shani_midstate);
  const __m128i mid1 = LoadWords(shani_midstate + 4);
  const __m128i w0 = LoadWords(block2);
  const __m128i w1 = LoadWords(block2 + 4);
  const __m128i w2 = LoadWords(block2 + 8);
  const __m128i w3 = LoadWords(block2 + 12);
  Lanes<N> s0, s1;
  Lanes<N> w[4];
#pragma GCC unroll 8
  for (int j = 0; j < N; ++j) {
    s0.v[j] = LoadWords(after8);
    s1.v[j] = LoadWords(after8 + 4);
    w[0].v[j] = w0;
    w[1].v[j] = w1;
    w[2].v[j] = _mm_insert_epi32(w2, static_cast<int>(NonceWordLo(nonces[j])), 3);
    w[3].v[j] = _mm_insert_epi32(w3, static_cast<int>(NonceWordHi(nonces[j])), 0);
  }
  Rounds<N, 2>(s0, s1, w);

  // Outer hash: the digest (natural word order) is message words 0..7.
  const __m128i iv0 = _mm_set_epi32(0x6a09e667, static_cast<int>(0xbb67ae85), 0x510e527f,
                                    static_cast<int>(0x9b05688c));  // ABEF
  const __m128i iv1 = _mm_set_epi32(0x3c6ef372, static_cast<int>(0xa54ff53a), 0x1f83d9ab,
                                    0x5be0cd19);  // CDGH
  const __m128i pad0 = _mm_set_epi32(0, 0, 0, static_cast<int>(0x80000000));
  const __m128i pad1 = _mm_set_epi32(256, 0, 0, 0);
#pragma GCC unroll 8
  for (int j = 0; j < N; ++j) {
    __m128i d0 = _mm_add_epi32(s0.v[j], mid0);
    __m128i d1 = _mm_add_epi32(s1.v[j], mid1);
    FromShaNiLayout(d0, d1);
    w[0].v[j] = d0;
    w[1].v[j] = d1;
    w[2].v[j] = pad0;
    w[3].v[j] = pad1;
    s0.v[j] = iv0;
    s1.v[j] = iv1;
  }
  Rounds<N, 0>(s0, s1, w);
#pragma GCC unroll 8
  for (int j = 0; j < N; ++j) {
    __m128i h0 = _mm_add_epi32(s0.v[j], iv0);
    __m128i h1 = _mm_add_epi32(s1.v[j], iv1);
    FromShaNiLayout(h0, h1);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out[j]->data()), h0);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out[j]->data() + 4), h1);
  }
}

// One out-of-line kernel per width, so that each is compiled (and its registers allocated) on
// its own.
template <int N>
WAYBILL_SHANI_TARGET void HashShaNiN(const uint32_t* shani_midstate, const uint32_t* after8,
                                     const uint32_t* block2, const uint64_t (&nonces)[N],
                                     Sha256Words* const (&out)[N]) {
  HashShaNi<N>(shani_midstate, after8, block2, nonces, out);
}

#else  // !WAYBILL_SHANI

bool DetectShaNi() { return false; }

#endif  // WAYBILL_SHANI

}  // namespace

bool ShaNiSupported() {
  static const bool kSupported = DetectShaNi();
  return kSupported;
}

Sha256Impl BestSha256Impl() {
  return ShaNiSupported() ? Sha256Impl::kShaNi : Sha256Impl::kPortable;
}

const char* Sha256ImplName(Sha256Impl impl) {
  switch (impl) {
    case Sha256Impl::kPortable:
      return "portable";
    case Sha256Impl::kShaNi:
      return "sha-ni";
  }
  return "unknown";
}

Hash256 WordsToHash(const Sha256Words& words) {
  Hash256 h;
  for (int i = 0; i < 8; ++i) {
    h.bytes[4 * i] = static_cast<uint8_t>(words[i] >> 24);
    h.bytes[4 * i + 1] = static_cast<uint8_t>(words[i] >> 16);
    h.bytes[4 * i + 2] = static_cast<uint8_t>(words[i] >> 8);
    h.bytes[4 * i + 3] = static_cast<uint8_t>(words[i]);
  }
  return h;
}

HeaderHasher::HeaderHasher(const std::array<uint8_t, kHeaderSize>& header, Sha256Impl impl)
    : impl_(impl == Sha256Impl::kShaNi && !ShaNiSupported() ? Sha256Impl::kPortable : impl) {
  uint32_t block1[16];
  for (int i = 0; i < 16; ++i) block1[i] = ReadBe32(header.data() + 4 * i);
  std::memcpy(midstate_.data(), kIv, sizeof(kIv));
  CompressPortable(midstate_.data(), block1);

  uint8_t tail[64] = {};
  std::memcpy(tail, header.data() + 64, kBlock2HeaderBytes);
  tail[kBlock2HeaderBytes] = 0x80;
  for (int i = 0; i < 16; ++i) block2_[i] = ReadBe32(tail + 4 * i);
  block2_[kNonceWordLo] = 0;
  block2_[kNonceWordHi] = 0;
  block2_[15] = kHeaderBits;

#ifdef WAYBILL_SHANI
  if (impl_ == Sha256Impl::kShaNi) {
    ShaNiPrepare(midstate_.data(), block2_.data(), shani_midstate_.data(), shani_after8_.data());
  }
#endif
}

template <size_t N>
void HeaderHasher::HashMany(const uint64_t (&nonces)[N], Sha256Words* const (&out)[N]) const {
#ifdef WAYBILL_SHANI
  if (impl_ == Sha256Impl::kShaNi) {
    HashShaNiN<static_cast<int>(N)>(shani_midstate_.data(), shani_after8_.data(), block2_.data(),
                                    nonces, out);
    return;
  }
#endif
  for (size_t i = 0; i < N; ++i) HashPortable(midstate_.data(), block2_.data(), nonces[i], out[i]);
}

void HeaderHasher::Hash(uint64_t nonce, Sha256Words* out) const {
  const uint64_t nonces[1] = {nonce};
  Sha256Words* const outs[1] = {out};
  HashMany<1>(nonces, outs);
}

void HeaderHasher::Hash2(uint64_t nonce0, uint64_t nonce1, Sha256Words* out0,
                         Sha256Words* out1) const {
  const uint64_t nonces[2] = {nonce0, nonce1};
  Sha256Words* const outs[2] = {out0, out1};
  HashMany<2>(nonces, outs);
}

void HeaderHasher::HashRun(int width, uint64_t first_nonce, Sha256Words* out) const {
  switch (width) {
    case 8:
      HashConsecutive<8>(first_nonce, out);
      return;
    case 4:
      HashConsecutive<4>(first_nonce, out);
      return;
    case 2:
      HashConsecutive<2>(first_nonce, out);
      return;
    default:
      Hash(first_nonce, out);
      return;
  }
}

int HeaderHasher::FastestWidth() const {
  return impl_ == Sha256Impl::kShaNi ? kShaNiFastestWidth : 1;
}

template <size_t N>
void HeaderHasher::HashConsecutive(uint64_t first_nonce, Sha256Words* out) const {
  uint64_t nonces[N];
  Sha256Words* outs[N];
  for (size_t i = 0; i < N; ++i) {
    nonces[i] = first_nonce + i;
    outs[i] = out + i;
  }
  HashMany<N>(nonces, outs);
}

}  // namespace waybill::chain
