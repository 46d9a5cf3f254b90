// The miner's header hasher against OpenSSL's SHA-256d (chain::Sha256dHash), on random
// headers and nonces, for the portable and the SHA-NI path, one, two, four and eight nonces at
// a time.
#include <gtest/gtest.h>

#include <random>

#include "chain/block.h"
#include "chain/hash.h"
#include "chain/sha256_midstate.h"

namespace waybill::chain {
namespace {

using HeaderBytes = std::array<uint8_t, kHeaderSize>;

Hash256 Reference(HeaderBytes header, uint64_t nonce) {
  for (int i = 0; i < 8; ++i) header[108 + i] = static_cast<uint8_t>(nonce >> (8 * i));
  return Sha256dHash(header);
}

HeaderBytes RandomHeader(std::mt19937_64& rng) {
  HeaderBytes h;
  for (uint8_t& b : h) b = static_cast<uint8_t>(rng());
  return h;
}

uint64_t RandomNonce(std::mt19937_64& rng) {
  // Mix in edge values: all zero, all ones, one half set.
  switch (rng() % 8) {
    case 0:
      return 0;
    case 1:
      return ~uint64_t{0};
    case 2:
      return 0xffffffffULL;
    default:
      return rng();
  }
}

void CheckImpl(Sha256Impl impl) {
  std::mt19937_64 rng(static_cast<uint64_t>(impl) + 2024);
  for (int i = 0; i < 3000; ++i) {
    const HeaderBytes header = RandomHeader(rng);
    const HeaderHasher hasher(header, impl);
    ASSERT_EQ(hasher.impl(), impl);
    const uint64_t n0 = RandomNonce(rng);
    const uint64_t n1 = RandomNonce(rng);
    Sha256Words w0, w1, w;
    hasher.Hash2(n0, n1, &w0, &w1);
    ASSERT_EQ(WordsToHash(w0), Reference(header, n0)) << i;
    ASSERT_EQ(WordsToHash(w1), Reference(header, n1)) << i;
    hasher.Hash(n1, &w);
    ASSERT_EQ(w, w1) << i;
    ASSERT_EQ(hasher.HashToId(n0), Reference(header, n0)) << i;
  }
}

TEST(Sha256MidstateTest, PortableMatchesOpenSsl) { CheckImpl(Sha256Impl::kPortable); }

TEST(Sha256MidstateTest, ShaNiMatchesOpenSsl) {
  if (!ShaNiSupported()) GTEST_SKIP() << "the CPU has no SHA extensions";
  CheckImpl(Sha256Impl::kShaNi);
}

// Every interleave width gives, lane by lane, the portable single hash and OpenSSL's SHA-256d,
// for runs that start anywhere, including runs whose nonces carry across the low 32-bit word
// (nonce words 11 and 12 both change inside the run) and wrap at 2^64.
void CheckRuns(Sha256Impl impl) {
  std::mt19937_64 rng(static_cast<uint64_t>(impl) + 77);
  const uint64_t edges[] = {0,
                            0xffffffffULL - 7,
                            0xffffffffULL - 3,
                            0xffffffffULL - 1,
                            0x1ffffffffULL - 5,
                            0xffffffff00000000ULL - 2,
                            ~uint64_t{0} - 6,
                            ~uint64_t{0} - 1,
                            ~uint64_t{0}};
  for (int i = 0; i < 600; ++i) {
    const HeaderBytes header = RandomHeader(rng);
    const HeaderHasher hasher(header, impl);
    const HeaderHasher portable(header, Sha256Impl::kPortable);
    ASSERT_EQ(hasher.impl(), impl);
    const uint64_t first = i < static_cast<int>(std::size(edges)) ? edges[i] : RandomNonce(rng);
    for (int width : {1, 2, 4, HeaderHasher::kMaxWidth}) {
      Sha256Words run[HeaderHasher::kMaxWidth];
      run[width - 1].fill(0xdeadbeef);
      hasher.HashRun(width, first, run);
      for (int lane = 0; lane < width; ++lane) {
        const uint64_t nonce = first + static_cast<uint64_t>(lane);
        Sha256Words single;
        portable.Hash(nonce, &single);
        ASSERT_EQ(run[lane], single) << "width " << width << " lane " << lane << " i " << i;
        if (lane == 0 || lane == width - 1) {
          ASSERT_EQ(WordsToHash(run[lane]), Reference(header, nonce)) << width << " " << i;
        }
      }
    }
  }
}

TEST(Sha256MidstateTest, PortableRunsMatchSingleHashes) { CheckRuns(Sha256Impl::kPortable); }

TEST(Sha256MidstateTest, ShaNiRunsOfEveryWidthMatchPortable) {
  if (!ShaNiSupported()) GTEST_SKIP() << "the CPU has no SHA extensions";
  CheckRuns(Sha256Impl::kShaNi);
}

TEST(Sha256MidstateTest, RunsWriteOnlyTheirWidth) {
  const HeaderHasher hasher(HeaderBytes{});
  Sha256Words run[HeaderHasher::kMaxWidth];
  for (Sha256Words& w : run) w.fill(0x5a5a5a5a);
  hasher.HashRun(4, 100, run);
  EXPECT_NE(run[3][0], 0x5a5a5a5au);
  for (int i = 4; i < HeaderHasher::kMaxWidth; ++i) EXPECT_EQ(run[i][0], 0x5a5a5a5au) << i;
  // A width outside 1, 2, 4, 8 hashes one nonce.
  for (Sha256Words& w : run) w.fill(0x5a5a5a5a);
  hasher.HashRun(3, 100, run);
  EXPECT_EQ(WordsToHash(run[0]), hasher.HashToId(100));
  EXPECT_EQ(run[1][0], 0x5a5a5a5au);
  EXPECT_GE(hasher.FastestWidth(), 1);
  EXPECT_LE(hasher.FastestWidth(), HeaderHasher::kMaxWidth);
}

TEST(Sha256MidstateTest, NonceBytesOfTheHeaderAreIgnored) {
  std::mt19937_64 rng(7);
  HeaderBytes a = RandomHeader(rng);
  HeaderBytes b = a;
  for (int i = 108; i < 116; ++i) b[i] ^= 0x5a;
  for (Sha256Impl impl : {Sha256Impl::kPortable, BestSha256Impl()}) {
    EXPECT_EQ(HeaderHasher(a, impl).HashToId(42), HeaderHasher(b, impl).HashToId(42));
  }
}

TEST(Sha256MidstateTest, MatchesBlockHeaderId) {
  BlockHeader h;
  h.prev.bytes.fill(0xab);
  h.merkle_root.bytes.fill(0xcd);
  h.miner.bytes.fill(0xef);
  h.time = 1'763'800'000;
  h.bits = 0x207fffff;
  h.nonce = 0x0123456789abcdefULL;
  const HeaderHasher hasher(h.Serialize());
  EXPECT_EQ(hasher.HashToId(h.nonce), h.Id());
}

TEST(Sha256MidstateTest, ImplementationChoice) {
  EXPECT_EQ(BestSha256Impl() == Sha256Impl::kShaNi, ShaNiSupported());
  EXPECT_STREQ(Sha256ImplName(Sha256Impl::kPortable), "portable");
  EXPECT_STREQ(Sha256ImplName(Sha256Impl::kShaNi), "sha-ni");
  // Asking for SHA-NI without the CPU support falls back to the portable path.
  const HeaderHasher hasher(HeaderBytes{}, Sha256Impl::kShaNi);
  EXPECT_EQ(hasher.impl(), BestSha256Impl());
  // Words are written big-endian.
  Sha256Words w{};
  w[0] = 0x01020304;
  w[7] = 0xa0b0c0d0;
  const Hash256 id = WordsToHash(w);
  EXPECT_EQ(id.bytes[0], 0x01);
  EXPECT_EQ(id.bytes[3], 0x04);
  EXPECT_EQ(id.bytes[28], 0xa0);
  EXPECT_EQ(id.bytes[31], 0xd0);
}

}  // namespace
}  // namespace waybill::chain
