// The code cache (consensus/code_cache.h): by code hash, least recently used first out, never
// past its byte bound, and an entry too large for it is not kept.
#include <gtest/gtest.h>

#include <memory>
#include <variant>
#include <vector>

#include "chain/contract_state.h"
#include "consensus/code_cache.h"
#include "contracts/bytecode.h"
#include "contracts/limits.h"
#include "contracts/opcodes.h"
#include "contracts/validator.h"

namespace waybill::consensus {
namespace {

// Valid code of about `bytes` bytes (STOPs), distinct per seed.
struct Sample {
  chain::Hash256 hash;
  std::shared_ptr<const contracts::ValidatedCode> code;
};
Sample Make(size_t bytes, uint8_t seed) {
  contracts::Program p{{chain::Bytes{seed}},
                       {contracts::Entry{"main", 0}},
                       chain::Bytes(bytes, static_cast<uint8_t>(contracts::Op::kStop))};
  const chain::Bytes encoded = contracts::EncodeProgram(p);
  auto v = contracts::ValidateBytecode(encoded);
  EXPECT_TRUE(std::holds_alternative<std::shared_ptr<const contracts::ValidatedCode>>(v));
  return {chain::ContractCodeHash(encoded),
          std::get<std::shared_ptr<const contracts::ValidatedCode>>(std::move(v))};
}

TEST(CodeCache, FindsWhatWasInsertedByHash) {
  CodeCache cache(1 << 20);
  const Sample a = Make(100, 1), b = Make(100, 2);
  EXPECT_EQ(cache.Find(a.hash), nullptr);
  cache.Insert(a.hash, a.code);
  EXPECT_EQ(cache.Find(a.hash), a.code);
  EXPECT_EQ(cache.Find(b.hash), nullptr);
  const CodeCache::Figures f = cache.figures();
  EXPECT_EQ(f.hits, 1u);
  EXPECT_EQ(f.misses, 2u);
  EXPECT_EQ(f.entries, 1u);
  EXPECT_EQ(f.bytes, CodeCache::ApproxBytes(*a.code));
  // Inserting the same hash again changes nothing.
  cache.Insert(a.hash, a.code);
  EXPECT_EQ(cache.figures().entries, 1u);
  EXPECT_EQ(cache.figures().bytes, CodeCache::ApproxBytes(*a.code));
}

TEST(CodeCache, EvictsTheLeastRecentlyUsedWithinItsBound) {
  std::vector<Sample> s;
  for (uint8_t i = 0; i < 8; ++i) s.push_back(Make(1000, i));
  const size_t one = CodeCache::ApproxBytes(*s[0].code);
  EXPECT_GE(one, 3000u);               // the code and its block table at least
  CodeCache cache(3 * one + one / 2);  // room for three
  for (int i = 0; i < 3; ++i) cache.Insert(s[i].hash, s[i].code);
  EXPECT_NE(cache.Find(s[0].hash), nullptr);  // 0 is now the most recently used
  cache.Insert(s[3].hash, s[3].code);         // evicts 1
  EXPECT_EQ(cache.Find(s[1].hash), nullptr);
  EXPECT_NE(cache.Find(s[0].hash), nullptr);
  EXPECT_NE(cache.Find(s[2].hash), nullptr);
  EXPECT_NE(cache.Find(s[3].hash), nullptr);
  for (int i = 4; i < 8; ++i) {
    cache.Insert(s[i].hash, s[i].code);
    EXPECT_LE(cache.figures().bytes, 3 * one + one / 2);
    EXPECT_EQ(cache.figures().entries, 3u);
  }
  for (int i = 0; i < 5; ++i) EXPECT_EQ(cache.Find(s[i].hash), nullptr) << i;
  // What was evicted stays usable by whoever holds it.
  EXPECT_EQ(s[1].code->code().size(), 1000u);
}

TEST(CodeCache, KeepsNothingLargerThanItsBound) {
  const Sample big = Make(contracts::kMaxCodeBytes, 9);
  CodeCache none(0);
  none.Insert(big.hash, big.code);
  EXPECT_EQ(none.Find(big.hash), nullptr);
  CodeCache small(CodeCache::ApproxBytes(*big.code) - 1);
  const Sample little = Make(10, 1);
  small.Insert(little.hash, little.code);
  small.Insert(big.hash, big.code);  // too large: not kept, evicts nothing
  EXPECT_EQ(small.Find(big.hash), nullptr);
  EXPECT_NE(small.Find(little.hash), nullptr);
}

}  // namespace
}  // namespace waybill::consensus
