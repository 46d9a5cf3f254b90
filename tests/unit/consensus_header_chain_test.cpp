// HeaderChain (consensus/header_chain.h): Fork keeps the heights below the fork point, shares
// the whole chunks below it, and leaves the chain it came from unchanged; copies across chunk
// boundaries are exact. The Chainstate hands each ReadSnapshot the HeaderChain of its tip: a
// snapshot keeps its headers across later tip changes and reorgs, a new one has the new chain's,
// and both agree with the store's 'h' and 'i' records of their tip. Chainstate::Figures() is
// published as blocks and headers arrive.
#include "consensus/header_chain.h"

#include <gtest/gtest.h>

#include <vector>

#include "consensus/chainstate.h"
#include "consensus/read_snapshot.h"
#include "consensus/state_reads.h"
#include "tests/unit/consensus_test_util.h"

namespace waybill::consensus {
namespace {

using chain::BlockHeader;
using chain::Hash256;

constexpr uint32_t kChunk = HeaderChain::kChunkHeaders;

// Headers linked by prev (not mined: HeaderChain checks nothing); `branch` tells branches apart.
std::vector<BlockHeader> Headers(uint32_t count, const Hash256& parent, uint32_t first_height,
                                 uint64_t branch) {
  std::vector<BlockHeader> out;
  Hash256 prev = parent;
  for (uint32_t i = 0; i < count; ++i) {
    BlockHeader h;
    h.prev = prev;
    h.time = first_height + i;
    h.nonce = branch;
    prev = h.Id();
    out.push_back(h);
  }
  return out;
}

void ExpectHolds(const HeaderChain& chain, const std::vector<BlockHeader>& expected) {
  ASSERT_EQ(chain.size(), expected.size());
  for (uint32_t h = 0; h < expected.size(); ++h) {
    ASSERT_EQ(chain.at(h), expected[h]) << "height " << h;
  }
}

TEST(HeaderChainTest, ForkKeepsThePrefixAndLeavesTheOldChainAlone) {
  const std::vector<BlockHeader> a = Headers(2 * kChunk + 500, Hash256(), 0, 1);
  const HeaderChain empty;
  EXPECT_EQ(empty.size(), 0u);
  const HeaderChain chain_a = empty.Fork(0, a);
  ExpectHolds(chain_a, a);

  // Forks at a chunk boundary, inside a chunk, at the first and last height, and past the end.
  for (uint32_t keep : {0u, 1u, kChunk - 1, kChunk, kChunk + 1, 2 * kChunk, 2 * kChunk + 499,
                        2 * kChunk + 500}) {
    SCOPED_TRACE(keep);
    const Hash256 parent = keep > 0 ? a[keep - 1].Id() : Hash256();
    const std::vector<BlockHeader> more = Headers(kChunk + 7, parent, keep, 2);
    std::vector<BlockHeader> b(a.begin(), a.begin() + keep);
    b.insert(b.end(), more.begin(), more.end());
    const HeaderChain chain_b = chain_a.Fork(keep, more);
    ExpectHolds(chain_b, b);
    ExpectHolds(chain_a, a);
    // Shorter: the tip moved back without new headers (as after invalidateblock).
    ExpectHolds(chain_a.Fork(keep, {}), std::vector<BlockHeader>(a.begin(), a.begin() + keep));
  }
}

TEST(HeaderChainTest, CopyToAndIdAtMatchTheHeaders) {
  const std::vector<BlockHeader> a = Headers(3 * kChunk + 2, Hash256(), 0, 1);
  // Built in steps, as tip changes do: one block at a time past the first chunk boundary.
  HeaderChain chain = HeaderChain().Fork(0, std::vector<BlockHeader>(a.begin(), a.begin() + 1000));
  for (uint32_t h = 1000; h < a.size(); h += 37) {
    const uint32_t end = std::min<uint32_t>(h + 37, static_cast<uint32_t>(a.size()));
    chain = chain.Fork(h, std::vector<BlockHeader>(a.begin() + h, a.begin() + end));
  }
  ExpectHolds(chain, a);
  for (auto [from, to] : std::vector<std::pair<uint32_t, uint32_t>>{
           {0, 0}, {0, kChunk - 1}, {kChunk - 1, kChunk}, {5, 3 * kChunk + 1}, {3 * kChunk, 3 * kChunk + 1}}) {
    std::vector<BlockHeader> out{a[7]};  // appended to, not replaced
    chain.CopyTo(from, to, &out);
    std::vector<BlockHeader> expected{a[7]};
    expected.insert(expected.end(), a.begin() + from, a.begin() + to + 1);
    EXPECT_EQ(out, expected) << from << ".." << to;
  }
  const Hash256 tip_id = a.back().Id();
  EXPECT_EQ(chain.IdAt(0, tip_id), a[0].Id());
  EXPECT_EQ(chain.IdAt(kChunk, tip_id), a[kChunk].Id());
  EXPECT_EQ(chain.IdAt(chain.size() - 1, tip_id), tip_id);
  EXPECT_FALSE(chain.IdAt(chain.size(), tip_id).has_value());
}

class HeaderChainSnapshotTest : public testing::StoredChainTest {
 protected:
  chain::Block Extend(const Hash256& parent, uint32_t parent_height, int miner) {
    chain::Block block = testing::MakeBlock(params_, parent, parent_height, {}, f_.Id(miner));
    BlockOutcome outcome;
    ValidationResult r = cs_->ProcessBlockBytes(block.Serialize(), &outcome);
    EXPECT_TRUE(r.valid()) << r.ToString();
    return block;
  }
  // The snapshot's active chain as the store has it: 'h' then 'i' per height (the reads the
  // in-memory headers replaced).
  static std::vector<BlockHeader> StoredActiveHeaders(const ReadSnapshot& s) {
    std::vector<BlockHeader> out;
    for (uint32_t h = 0; h <= s.tip().height; ++h) {
      auto id = reads::GetHeightEntry(s.state(), h);
      EXPECT_TRUE(id.ok() && id->has_value()) << h;
      if (!id.ok() || !*id) return out;
      auto index = reads::GetBlockIndexRecord(s.state(), **id);
      EXPECT_TRUE(index.ok() && index->has_value()) << h;
      if (!index.ok() || !*index) return out;
      out.push_back((*index)->header);
    }
    return out;
  }
  static void ExpectAgreesWithTheStore(const ReadSnapshot& s) {
    auto headers = s.ActiveHeaders(0, s.tip().height);
    ASSERT_TRUE(headers.ok()) << headers.status().ToString();
    EXPECT_EQ(*headers, StoredActiveHeaders(s));
    EXPECT_EQ(headers->back().Id(), s.tip().id);
    for (uint32_t h = 0; h <= s.tip().height; ++h) {
      auto stored = reads::GetHeightEntry(s.state(), h);
      ASSERT_TRUE(stored.ok());
      EXPECT_EQ(s.BlockHashAt(h), *stored) << h;
    }
  }
};

TEST_F(HeaderChainSnapshotTest, SnapshotsKeepTheirHeadersAcrossTipChangesAndReorgs) {
  // genesis - a1 - a2 - a3, then b2 - b3 - b4 from a1 takes over.
  std::vector<chain::Block> a;
  Hash256 tip = params_.genesis_id;
  for (uint32_t h = 0; h < 3; ++h) {
    a.push_back(Extend(tip, h, 4));
    tip = a.back().header.Id();
  }
  auto on_a3 = cs_->TakeSnapshot();
  ASSERT_EQ(on_a3->tip().id, a[2].header.Id());
  ExpectAgreesWithTheStore(*on_a3);

  std::vector<chain::Block> b;
  tip = a[0].header.Id();
  for (uint32_t h = 1; h < 4; ++h) {
    b.push_back(Extend(tip, h, 5));
    tip = b.back().header.Id();
  }
  ASSERT_EQ(cs_->Tip().id, b[2].header.Id());
  auto on_b4 = cs_->TakeSnapshot();
  ExpectAgreesWithTheStore(*on_b4);

  // The old snapshot still has the old chain, which the store no longer does.
  auto old_headers = on_a3->ActiveHeaders(1, 3);
  ASSERT_TRUE(old_headers.ok());
  EXPECT_EQ(*old_headers,
            (std::vector<BlockHeader>{a[0].header, a[1].header, a[2].header}));
  EXPECT_EQ(on_a3->BlockHashAt(2), a[1].header.Id());
  EXPECT_EQ(on_a3->BlockHashAt(3), a[2].header.Id());
  auto a2_there = on_a3->GetHeader(a[1].header.Id());
  ASSERT_TRUE(a2_there.ok() && a2_there->has_value());
  EXPECT_TRUE((*a2_there)->in_active_chain);

  auto new_headers = on_b4->ActiveHeaders(1, 4);
  ASSERT_TRUE(new_headers.ok());
  EXPECT_EQ(*new_headers,
            (std::vector<BlockHeader>{a[0].header, b[0].header, b[1].header, b[2].header}));
  EXPECT_EQ(on_b4->BlockHashAt(2), b[0].header.Id());
  auto a2_left = on_b4->GetHeader(a[1].header.Id());
  ASSERT_TRUE(a2_left.ok() && a2_left->has_value());
  EXPECT_FALSE((*a2_left)->in_active_chain);

  // invalidateblock moves the tip back with no new block: a new snapshot is shorter, the older
  // ones unchanged.
  ASSERT_TRUE(cs_->InvalidateBlock(b[0].header.Id()).valid());
  ASSERT_EQ(cs_->Tip().id, a[2].header.Id());  // a2 - a3 is the best valid chain again
  auto back_on_a3 = cs_->TakeSnapshot();
  ExpectAgreesWithTheStore(*back_on_a3);
  EXPECT_EQ(*back_on_a3->ActiveHeaders(1, 3), *old_headers);
  EXPECT_EQ(*on_b4->ActiveHeaders(1, 4), *new_headers);

  // A reopened chainstate builds the headers from its block tree.
  on_a3.reset();
  on_b4.reset();
  back_on_a3.reset();
  Open();
  auto reopened = cs_->TakeSnapshot();
  EXPECT_EQ(reopened->tip().id, a[2].header.Id());
  ExpectAgreesWithTheStore(*reopened);
}

TEST_F(HeaderChainSnapshotTest, FiguresFollowBlocksHeadersAndReorgs) {
  ChainFigures f = cs_->Figures();
  EXPECT_EQ(f.height, 0u);
  EXPECT_EQ(f.best_header_height, 0u);
  EXPECT_EQ(f.blocks_connected, 0u);
  const chain::Block a1 = Extend(params_.genesis_id, 0, 4);
  const chain::Block a2 = Extend(a1.header.Id(), 1, 4);
  f = cs_->Figures();
  EXPECT_EQ(f.height, 2u);
  EXPECT_EQ(f.best_header_height, 2u);
  EXPECT_EQ(f.blocks_connected, 2u);
  EXPECT_EQ(f.reorgs, 0u);

  // Headers without bodies move the best header, not the tip.
  chain::Block h3 = testing::MakeBlock(params_, a2.header.Id(), 2, {}, f_.Id(4));
  chain::Block h4 = testing::MakeBlock(params_, h3.header.Id(), 3, {}, f_.Id(4));
  HeadersResult accepted = cs_->AcceptHeaders({h3.header, h4.header});
  ASSERT_TRUE(accepted.result.valid()) << accepted.result.ToString();
  f = cs_->Figures();
  EXPECT_EQ(f.height, 2u);
  EXPECT_EQ(f.best_header_height, 4u);

  // A longer branch from a1: one reorg.
  Hash256 tip = a1.header.Id();
  for (uint32_t h = 1; h < 6; ++h) tip = Extend(tip, h, 5).header.Id();
  f = cs_->Figures();
  EXPECT_EQ(f.height, 6u);
  EXPECT_EQ(f.best_header_height, 6u);
  EXPECT_EQ(f.blocks_connected, 7u);
  EXPECT_EQ(f.reorgs, 1u);
  EXPECT_EQ(cs_->Stats().blocks_connected, 7u);
  EXPECT_EQ(cs_->Stats().reorgs, 1u);
  EXPECT_EQ(cs_->BestHeader().height, f.best_header_height);
}

}  // namespace
}  // namespace waybill::consensus
