// Mempool: nonce order, duplicates, signatures, fee-rate ordering of candidates, capacity and
// eviction (with and without dependants), the sender limit, balances and asset custody
// through pending txs, and following the tip (blocks connected, reorgs, late notification).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <random>

#include "chain/merkle.h"
#include "node/mempool/mempool.h"
#include "node/mining/miner.h"
#include "tests/unit/node_test_util.h"

namespace waybill::node {
namespace {

using chain::Hash256;
using chain::Transaction;

constexpr chain::Amount kCoin = chain::kCoin;

class MempoolTest : public testing::RegtestFixture {
 protected:
  // Mines a block with exactly these txs on the tip (all_apply), or with those of them that
  // apply in this order.
  Hash256 MineBlockWith(const std::vector<Transaction>& txs, bool all_apply = true) {
    std::vector<chain::TxWithId> candidates;
    for (const auto& tx : txs) candidates.push_back(chain::MakeTxWithId(tx));
    BlockTemplate t = BuildTemplateFrom(*mining_view_, candidates, Id(9), clock_.Now());
    if (all_apply) {
      EXPECT_EQ(t.block.txs.size(), txs.size());
    }
    auto nonce = SearchNonce(t.block.header, 0, 1'000'000, nullptr);
    EXPECT_TRUE(nonce.has_value());
    chain::DecodedBlock block{t.block, t.txids, 0};
    block.block.header.nonce = nonce.value_or(0);
    block.size = block.block.Serialize().size();
    consensus::BlockOutcome outcome;
    consensus::ValidationResult r = chain_->ProcessBlock(block, &outcome);
    EXPECT_TRUE(r.valid()) << r.ToString();
    EXPECT_EQ(outcome, consensus::BlockOutcome::kNewTip);
    return block.block.header.Id();
  }

  // A random transfer: mostly the sender's next nonce, one in `odd` times a gap and one in
  // `odd` a reused nonce, one in `big` more than any balance.
  Transaction RandomPay(std::mt19937_64& rng, uint64_t odd, uint64_t big) {
    const int from = static_cast<int>(rng() % testing::kKeys);
    const int to = static_cast<int>(rng() % testing::kKeys);
    uint64_t nonce = AccountOf(from).nonce + mempool_->BySender(Id(from)).size();
    if (rng() % odd == 0) nonce += rng() % 3;
    if (rng() % odd == 0 && nonce > 0) nonce -= 1;
    const chain::Amount amount = rng() % big == 0 ? 900'000 * kCoin : (1 + rng() % 50) * kCoin;
    return Pay(from, nonce, to, amount, 200 + rng() % 5000);
  }

  std::vector<Hash256> CandidateIds(size_t max = 1000) {
    std::vector<Hash256> ids;
    for (const auto& c : mempool_->Candidates(max)) ids.push_back(c.id);
    return ids;
  }
};

TEST_F(MempoolTest, NonceOrder) {
  const Transaction tx0 = Pay(0, 0, 1, kCoin);
  const Transaction tx1 = Pay(0, 1, 1, kCoin);
  const Transaction tx2 = Pay(0, 2, 1, kCoin);

  consensus::ValidationResult r = Accept(tx1);
  EXPECT_TRUE(r.invalid());
  EXPECT_EQ(r.reason(), "nonce-gap");
  EXPECT_EQ(mempool_->Info().size, 0u);

  EXPECT_TRUE(Accept(tx0).valid());
  EXPECT_TRUE(Accept(tx1).valid());
  EXPECT_TRUE(Accept(tx2).valid());
  const auto pending = mempool_->BySender(Id(0));
  ASSERT_EQ(pending.size(), 3u);
  for (uint64_t i = 0; i < 3; ++i) EXPECT_EQ(pending[i].tx.nonce, i);

  // A second tx with a nonce that a pending tx already uses.
  r = Accept(Pay(0, 1, 2, kCoin));
  EXPECT_EQ(r.reason(), "nonce-reused");
  EXPECT_EQ(mempool_->Info().size, 3u);
}

TEST_F(MempoolTest, DuplicateAndConfirmed) {
  const Transaction tx = Pay(0, 0, 1, kCoin);
  const uint64_t v0 = mempool_->Version();
  ASSERT_TRUE(Accept(tx).valid());
  EXPECT_GT(mempool_->Version(), v0);
  EXPECT_TRUE(mempool_->Contains(tx.Id()));
  ASSERT_TRUE(mempool_->Get(tx.Id()).has_value());
  EXPECT_EQ(mempool_->Get(tx.Id())->tx, tx);
  EXPECT_EQ(mempool_->Txids(), std::vector<Hash256>{tx.Id()});

  const uint64_t v1 = mempool_->Version();
  consensus::ValidationResult r = Accept(tx);
  EXPECT_EQ(r.reason(), "txn-already-in-mempool");
  EXPECT_EQ(mempool_->Version(), v1);

  MineBlockWith({tx});
  EXPECT_FALSE(mempool_->Contains(tx.Id()));
  r = Accept(tx);
  EXPECT_EQ(r.reason(), "txn-already-known");
}

TEST_F(MempoolTest, BadSignatureAndBadContent) {
  Transaction tx = Pay(0, 0, 1, kCoin);
  tx.fee += 1;  // changes the signed message
  consensus::ValidationResult r = Accept(tx);
  EXPECT_EQ(r.reason(), "bad-signature");

  Transaction wrong_signer = Pay(1, 0, 2, kCoin);
  wrong_signer.sender = Id(0);
  EXPECT_EQ(Accept(wrong_signer).reason(), "bad-signature");

  // Content rules come before the signature.
  Transaction zero = Make(0, 0, chain::TransferOp{Id(1), 0});
  EXPECT_EQ(Accept(zero).reason(), "bad-amount");

  // Fee below the minimum (1 unit per byte).
  EXPECT_EQ(Accept(Pay(0, 0, 1, kCoin, 10)).reason(), "fee-too-low");

  // Another network's tx.
  Transaction other = Pay(0, 0, 1, kCoin);
  other.chain_id.bytes[0] ^= 1;
  other.Sign(keys_[0]);
  EXPECT_EQ(Accept(other).reason(), "bad-chain-id");
  EXPECT_EQ(mempool_->Info().size, 0u);
}

// The results of the batches below: a tx after a gap, a good one, a bad signature, a good one,
// a second copy of it, a good one.
void ExpectGapGoodBadGoodCopyGood(const std::vector<consensus::ValidationResult>& r) {
  ASSERT_EQ(r.size(), 6u);
  EXPECT_EQ(r[0].reason(), "nonce-gap");
  EXPECT_TRUE(r[1].valid()) << r[1].ToString();
  EXPECT_EQ(r[2].reason(), "bad-signature");
  EXPECT_TRUE(r[3].valid()) << r[3].ToString();
  EXPECT_EQ(r[4].reason(), "txn-already-in-mempool");
  EXPECT_TRUE(r[5].valid()) << r[5].ToString();
}

TEST_F(MempoolTest, BatchGivesTheResultsOfAcceptInOrder) {
  const Transaction tx0 = Pay(0, 0, 1, kCoin);
  const Transaction tx1 = Pay(0, 1, 1, kCoin);
  const Transaction tx2 = Pay(0, 2, 1, kCoin);
  Transaction bad = Pay(2, 0, 1, kCoin);
  bad.fee += 1;  // changes the signed message
  const Transaction other = Pay(3, 0, 1, kCoin);
  // tx2 comes before its predecessors; tx1 twice; a bad signature between good ones.
  const std::vector<Transaction> batch = {tx2, tx0, bad, tx1, tx1, other};
  std::vector<consensus::ValidationResult> r = mempool_->AcceptBatch(batch);
  ASSERT_EQ(r.size(), batch.size());
  ExpectGapGoodBadGoodCopyGood(r);
  EXPECT_EQ(mempool_->Info().size, 3u);
  EXPECT_FALSE(mempool_->Contains(bad.Id()));
  // The gap is filled now.
  EXPECT_TRUE(Accept(tx2).valid());
  EXPECT_TRUE(mempool_->AcceptBatch(std::vector<Transaction>{}).empty());
}

// The overload for txs whose ids the caller has (p2p computes them on receipt) gives the same
// results, and verifies each distinct signature once.
TEST_F(MempoolTest, BatchOfTxsWithIdsGivesTheResultsOfAcceptInOrder) {
  const Transaction tx0 = Pay(0, 0, 1, kCoin);
  const Transaction tx1 = Pay(0, 1, 1, kCoin);
  Transaction bad = Pay(2, 0, 1, kCoin);
  bad.signature[7] ^= 1;
  const Transaction other = Pay(3, 0, 1, kCoin);
  std::vector<chain::TxWithId> batch;
  for (const Transaction& tx : {tx1, tx0, bad, tx1, tx1, other}) {
    batch.push_back(chain::MakeTxWithId(tx));
  }
  const uint64_t before = mempool_->SignatureVerifications();
  std::vector<consensus::ValidationResult> r = mempool_->AcceptBatch(std::move(batch));
  ExpectGapGoodBadGoodCopyGood(r);
  EXPECT_EQ(mempool_->SignatureVerifications() - before, 4u);  // tx1, tx0, bad, other
  EXPECT_EQ(mempool_->Txids(), (std::vector<Hash256>{tx0.Id(), tx1.Id(), other.Id()}));
  EXPECT_TRUE(mempool_->AcceptBatch(std::vector<chain::TxWithId>{}).empty());
}

TEST_F(MempoolTest, BatchFillsTheSignatureCacheWithItsMembersOnly) {
  auto cache = std::make_shared<chain::SignatureCache>(1000);
  MempoolOptions options;
  options.signature_cache = cache;
  options.verify_threads = 2;  // the workers share the batch
  Open(options);
  std::vector<Transaction> batch;
  for (uint64_t n = 0; n < 12; ++n) batch.push_back(Pay(0, n, 1, kCoin));
  batch.push_back(Pay(1, 5, 1, kCoin));  // validly signed, but a nonce gap: refused
  std::vector<consensus::ValidationResult> r = mempool_->AcceptBatch(batch);
  for (size_t i = 0; i < 12; ++i) EXPECT_TRUE(r[i].valid()) << i << ": " << r[i].ToString();
  EXPECT_EQ(r[12].reason(), "nonce-gap");
  for (size_t i = 0; i < batch.size(); ++i) {
    EXPECT_EQ(cache->Contains(batch[i].sender, batch[i].SigHash(), batch[i].signature), i < 12)
        << i;
  }
}

// A tx the batch refuses before its signature is checked costs no Schnorr verification, and
// a second copy in the batch shares the first one's: a peer cannot make the node verify what
// it refuses anyway.
TEST_F(MempoolTest, BatchVerifiesOnlyTheTxsStillValidAfterTheCheapChecks) {
  const Transaction pending = Pay(0, 0, 1, kCoin);
  const Transaction confirmed = Pay(1, 0, 1, kCoin);
  MineBlockWith({confirmed});
  ASSERT_TRUE(Accept(pending).valid());
  Transaction zero = Make(2, 0, chain::TransferOp{Id(1), 0});  // bad-amount
  zero.signature[5] ^= 1;  // and a bad signature, which is never looked at
  const Transaction fresh = Pay(3, 0, 1, kCoin);
  Transaction forged = Pay(4, 0, 1, kCoin);
  forged.signature[5] ^= 1;

  const uint64_t before = mempool_->SignatureVerifications();
  const std::vector<Transaction> batch = {pending, confirmed, zero, fresh, fresh, forged, forged};
  std::vector<consensus::ValidationResult> r = mempool_->AcceptBatch(batch);
  ASSERT_EQ(r.size(), batch.size());
  EXPECT_EQ(r[0].reason(), "txn-already-in-mempool");
  EXPECT_EQ(r[1].reason(), "txn-already-known");
  EXPECT_EQ(r[2].reason(), "bad-amount");
  EXPECT_TRUE(r[3].valid()) << r[3].ToString();
  EXPECT_EQ(r[4].reason(), "txn-already-in-mempool");
  EXPECT_EQ(r[5].reason(), "bad-signature");
  EXPECT_EQ(r[6].reason(), "bad-signature");
  // fresh and forged, once each.
  EXPECT_EQ(mempool_->SignatureVerifications() - before, 2u);
  EXPECT_EQ(mempool_->Info().size, 2u);
}

TEST_F(MempoolTest, CandidatesByFeeRateInNonceOrder) {
  // Sender 0: a cheap tx then an expensive one; its expensive tx must still come second.
  const Transaction a0 = Pay(0, 0, 5, kCoin, 1000);
  const Transaction a1 = Pay(0, 1, 5, kCoin, 9000);
  const Transaction b0 = Pay(1, 0, 5, kCoin, 5000);
  const Transaction c0 = Pay(2, 0, 5, kCoin, 3000);
  const Transaction c1 = Pay(2, 1, 5, kCoin, 4000);
  for (const auto& tx : {a0, a1, b0, c0, c1}) ASSERT_TRUE(Accept(tx).valid());

  const std::vector<Hash256> expected = {b0.Id(), c0.Id(), c1.Id(), a0.Id(), a1.Id()};
  EXPECT_EQ(CandidateIds(), expected);
  EXPECT_EQ(CandidateIds(2), std::vector<Hash256>(expected.begin(), expected.begin() + 2));
  EXPECT_TRUE(mempool_->Candidates(0).empty());

  const MempoolInfo info = mempool_->Info();
  EXPECT_EQ(info.size, 5u);
  EXPECT_EQ(info.total_fees, 1000u + 9000 + 5000 + 3000 + 4000);
  EXPECT_EQ(info.min_fee_per_byte, 1u);
  size_t bytes = 0;
  for (const auto& tx : {a0, a1, b0, c0, c1}) bytes += tx.Serialize().size();
  EXPECT_EQ(info.bytes, bytes);
}

TEST_F(MempoolTest, EvictsLowestFeeRateWithoutDependants) {
  MempoolOptions options;
  options.max_txs = 3;
  Open(options);
  const Transaction a0 = Pay(0, 0, 5, kCoin, 1000);
  const Transaction a1 = Pay(0, 1, 5, kCoin, 5000);
  const Transaction b0 = Pay(1, 0, 5, kCoin, 2000);
  for (const auto& tx : {a0, a1, b0}) ASSERT_TRUE(Accept(tx).valid());

  // a0 has the lowest rate but a1 depends on it; the cheapest evictable tx is b0 (2000).
  consensus::ValidationResult r = Accept(Pay(2, 0, 5, kCoin, 1500));
  EXPECT_EQ(r.reason(), "mempool-full");
  // Equal rate is not enough.
  r = Accept(Pay(2, 0, 5, kCoin, 2000));
  EXPECT_EQ(r.reason(), "mempool-full");

  const Transaction c0 = Pay(2, 0, 5, kCoin, 3000);
  ASSERT_TRUE(Accept(c0).valid());
  EXPECT_FALSE(mempool_->Contains(b0.Id()));
  EXPECT_EQ(mempool_->Info().size, 3u);

  // b0 left without a trace: sender 1's nonce 0 is free again. This one evicts c0, the
  // cheapest evictable tx (a1 is 5000).
  const Transaction b0_again = Pay(1, 0, 6, kCoin, 6000);
  ASSERT_TRUE(Accept(b0_again).valid());
  EXPECT_FALSE(mempool_->Contains(c0.Id()));
  // Now a1 is the cheapest evictable tx; after it goes, a0 is the last of its chain.
  const Transaction d0 = Pay(3, 0, 5, kCoin, 5500);
  ASSERT_TRUE(Accept(d0).valid());
  EXPECT_FALSE(mempool_->Contains(a1.Id()));
  EXPECT_TRUE(mempool_->Contains(a0.Id()));
  // Sender 0's nonce 1 is free again. Sender 0's own a0 (1000) is spared: d0 goes.
  const Transaction a1_again = Pay(0, 1, 7, kCoin, 7000);
  ASSERT_TRUE(Accept(a1_again).valid());
  EXPECT_FALSE(mempool_->Contains(d0.Id()));
  EXPECT_TRUE(mempool_->Contains(a0.Id()));

  // A sender's own chain is never evicted for its next tx: b0_again goes.
  r = Accept(Pay(0, 2, 5, kCoin, 100'000));
  EXPECT_TRUE(r.valid()) << r.ToString();
  EXPECT_FALSE(mempool_->Contains(b0_again.Id()));
  EXPECT_EQ(mempool_->BySender(Id(0)).size(), 3u);
  EXPECT_EQ(mempool_->Info().size, 3u);
}

TEST_F(MempoolTest, EvictionDropsTxsThatDependedOnTheEvicted) {
  MempoolOptions options;
  options.max_txs = 2;
  Open(options);
  constexpr int kFresh = testing::kFundedKeys;  // no coins of its own
  const Transaction fund = Pay(0, 0, kFresh, 10 * kCoin, 1000);
  const Transaction spend = Pay(kFresh, 0, 1, kCoin, 4000);
  ASSERT_TRUE(Accept(fund).valid());
  ASSERT_TRUE(Accept(spend).valid());

  // fund is the cheapest evictable tx; spend cannot stand without it.
  const Transaction other = Pay(2, 0, 3, kCoin, 2000);
  ASSERT_TRUE(Accept(other).valid());
  EXPECT_FALSE(mempool_->Contains(fund.Id()));
  EXPECT_FALSE(mempool_->Contains(spend.Id()));
  EXPECT_EQ(mempool_->Txids(), std::vector<Hash256>{other.Id()});

  // The pool is consistent afterwards: the fresh account has nothing pending.
  EXPECT_EQ(Accept(spend).reason(), "insufficient-balance");
  ASSERT_TRUE(Accept(fund).valid());
  ASSERT_TRUE(Accept(Pay(3, 0, 4, kCoin, 9000)).valid());  // evicts fund or other
  EXPECT_EQ(mempool_->Info().size, 2u);
}

TEST_F(MempoolTest, NewTxThatDependsOnItsVictimIsRefused) {
  MempoolOptions options;
  options.max_txs = 1;
  Open(options);
  constexpr int kFresh = testing::kFundedKeys;
  ASSERT_TRUE(Accept(Pay(0, 0, kFresh, 10 * kCoin, 1000)).valid());
  consensus::ValidationResult r = Accept(Pay(kFresh, 0, 1, kCoin, 9000));
  EXPECT_EQ(r.reason(), "mempool-full");
  EXPECT_EQ(mempool_->Info().size, 1u);
  // And the pool still works.
  EXPECT_EQ(Accept(Pay(0, 1, 1, kCoin, 500)).reason(), "mempool-full");
}

TEST_F(MempoolTest, ByteCapacity) {
  const size_t tx_size = Pay(0, 0, 1, kCoin).Serialize().size();
  MempoolOptions options;
  options.max_bytes = 3 * tx_size;
  Open(options);
  for (int k = 0; k < 3; ++k) ASSERT_TRUE(Accept(Pay(k, 0, 5, kCoin, 1000 + k)).valid());
  EXPECT_EQ(Accept(Pay(3, 0, 5, kCoin, 1000)).reason(), "mempool-full");
  ASSERT_TRUE(Accept(Pay(3, 0, 5, kCoin, 5000)).valid());
  EXPECT_EQ(mempool_->Info().bytes, 3 * tx_size);
  EXPECT_EQ(mempool_->BySender(Id(0)).size(), 0u);  // the 1000 one left
}

TEST_F(MempoolTest, SenderLimit) {
  MempoolOptions options;
  options.max_per_sender = 3;
  Open(options);
  for (uint64_t n = 0; n < 3; ++n) ASSERT_TRUE(Accept(Pay(0, n, 1, kCoin)).valid());
  EXPECT_EQ(Accept(Pay(0, 3, 1, kCoin)).reason(), "too-many-pending");
  EXPECT_TRUE(Accept(Pay(1, 0, 1, kCoin)).valid());
}

TEST_F(MempoolTest, OverspendAcrossPendingTxs) {
  ASSERT_TRUE(Accept(Pay(0, 0, 1, 600'000 * kCoin)).valid());
  consensus::ValidationResult r = Accept(Pay(0, 1, 2, 600'000 * kCoin));
  EXPECT_EQ(r.reason(), "insufficient-balance");
  // Coins received by a pending tx can be spent by a pending tx.
  constexpr int kFresh = testing::kFundedKeys;
  ASSERT_TRUE(Accept(Pay(1, 0, kFresh, 5 * kCoin)).valid());
  EXPECT_TRUE(Accept(Pay(kFresh, 0, 2, 4 * kCoin)).valid());
  EXPECT_EQ(Accept(Pay(kFresh, 1, 2, kCoin)).reason(), "insufficient-balance");
}

TEST_F(MempoolTest, AssetCustodyThroughPendingTxs) {
  chain::AssetIssueOp issue;
  issue.quantity = 1200;
  issue.unit = "kg";
  issue.metadata = {{"lot", "L-17"}};
  ASSERT_TRUE(Accept(Make(0, 0, issue)).valid());
  const Hash256 asset = chain::AssetIdFor(params_.chain_id(), Id(0), 0, 0);

  // Custody moves 0 -> 1 -> 2 while everything is pending.
  ASSERT_TRUE(Accept(Make(0, 1, chain::AssetTransferOp{asset, Id(1)})).valid());
  ASSERT_TRUE(Accept(Make(1, 0, chain::AssetTransferOp{asset, Id(2)})).valid());
  EXPECT_EQ(Accept(Make(0, 2, chain::AssetTransferOp{asset, Id(3)})).reason(), "not-custodian");
  EXPECT_EQ(Accept(Make(1, 1, chain::AssetTransferOp{asset, Id(3)})).reason(), "not-custodian");
  ASSERT_TRUE(Accept(Make(2, 0, chain::AssetSplitOp{asset, chain::SplitChildren({200, 1000})})).valid());
  EXPECT_EQ(Accept(Make(2, 1, chain::AssetTransferOp{asset, Id(3)})).reason(), "asset-closed");
  const Hash256 unknown = chain::AssetIdFor(params_.chain_id(), Id(5), 0, 0);
  EXPECT_EQ(Accept(Make(5, 0, chain::AssetTransferOp{unknown, Id(3)})).reason(), "unknown-asset");

  // One block takes them all, although fee-rate order puts some before the txs they depend
  // on (the issue is the largest tx, so the lowest rate); the state agrees with the pool.
  auto mined = GenerateBlocks(mining_view_, tx_source_, clock_, Id(9), 1, 1'000'000);
  ASSERT_TRUE(mined.ok()) << mined.status().ToString();
  EXPECT_EQ(mempool_->Info().size, 0u);
  auto a = chain_->GetAsset(asset);
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->custodian, Id(2));
  EXPECT_EQ((*a)->status, chain::AssetStatus::kSplit);
}

TEST_F(MempoolTest, ConnectedBlockRemovesConfirmedTxs) {
  const Transaction a0 = Pay(0, 0, 1, kCoin);
  const Transaction a1 = Pay(0, 1, 1, kCoin);
  const Transaction b0 = Pay(1, 0, 2, kCoin);
  for (const auto& tx : {a0, a1, b0}) ASSERT_TRUE(Accept(tx).valid());
  const uint64_t v = mempool_->Version();

  MineBlockWith({a0, b0});
  EXPECT_GT(mempool_->Version(), v);
  EXPECT_EQ(mempool_->Txids(), std::vector<Hash256>{a1.Id()});
  // The pool continues from the new tip.
  EXPECT_TRUE(Accept(Pay(0, 2, 1, kCoin)).valid());
  EXPECT_EQ(Accept(Pay(1, 0, 3, kCoin)).reason(), "nonce-reused");
  EXPECT_TRUE(Accept(Pay(1, 1, 3, kCoin)).valid());
}

TEST_F(MempoolTest, ReorgReturnsDisconnectedTxs) {
  const Transaction a0 = Pay(0, 0, 1, kCoin);
  const Transaction b0 = Pay(1, 0, 2, kCoin);
  const Hash256 block = MineBlockWith({a0, b0});
  EXPECT_EQ(mempool_->Info().size, 0u);
  const Transaction a1 = Pay(0, 1, 1, kCoin);
  ASSERT_TRUE(Accept(a1).valid());

  consensus::ValidationResult r = chain_->InvalidateBlock(block);
  ASSERT_TRUE(r.valid()) << r.ToString();
  EXPECT_EQ(chain_->Tip().height, 0u);
  // Disconnected txs first, then the pool's own.
  EXPECT_EQ(mempool_->Txids(), (std::vector<Hash256>{a0.Id(), b0.Id(), a1.Id()}));

  // Back on the longer chain, all three are confirmed or pending again as before.
  r = chain_->ReconsiderBlock(block);
  ASSERT_TRUE(r.valid()) << r.ToString();
  EXPECT_EQ(chain_->Tip().id, block);
  EXPECT_EQ(mempool_->Txids(), std::vector<Hash256>{a1.Id()});
}

// A sender with txs on both branches of a reorg that arrives block by block, as over P2P.
// The reorg happens at the new branch's second block; its third confirms the sender's funding
// and first txs. On the final tip the sender's nonce is exactly that of its first tx that
// only the old branch had: that tx must come back (with the pool tx that needs it), and
// nothing that the new tip makes invalid.
TEST_F(MempoolTest, ReorgReturnsEveryTxValidOnTheNewTip) {
  constexpr int kFresh = testing::kFundedKeys;  // starts with nothing
  chain::AssetIssueOp issue;
  issue.quantity = 1200;
  issue.unit = "kg";
  issue.metadata = {{"lot", "L-52"}};
  const Transaction fund_old = Pay(1, 0, kFresh, 10 * kCoin);  // nonce 0 of key 1 ...
  const Transaction other_new = Pay(1, 0, 3, kCoin);           // ... is this one's instead
  const Transaction fund_new = Pay(1, 1, kFresh, 10 * kCoin);
  std::vector<Transaction> both;  // the fresh key's nonces 0..2, on both branches
  for (uint64_t n = 0; n < 3; ++n) both.push_back(Pay(kFresh, n, 2, kCoin));
  const Transaction issue3 = Make(kFresh, 3, issue);  // only on the old branch
  const Transaction only_old = Pay(4, 0, 5, kCoin);   // still valid on the new tip

  // The new branch, built on a second chainstate of the same network.
  const std::filesystem::path other_dir = dir_.string() + "_other";
  std::vector<chain::DecodedBlock> branch;
  {
    consensus::ChainstateOptions opts;
    opts.clock = [this] { return clock_.Now(); };
    auto other = consensus::Chainstate::Open(other_dir.string(), params_, std::move(opts));
    ASSERT_TRUE(other.ok()) << other.status().ToString();
    const std::vector<std::vector<Transaction>> blocks = {
        {other_new}, {}, {fund_new, both[0], both[1], both[2]}};
    for (const auto& txs : blocks) {
      std::vector<chain::TxWithId> candidates;
      for (const auto& tx : txs) candidates.push_back(chain::MakeTxWithId(tx));
      BlockTemplate t =
          BuildTemplateFrom(ChainstateMiningView(other->get()), candidates, Id(8), clock_.Now());
      ASSERT_EQ(t.block.txs.size(), txs.size());
      auto nonce = SearchNonce(t.block.header, 0, 1'000'000, nullptr);
      ASSERT_TRUE(nonce.has_value());
      t.block.header.nonce = *nonce;
      chain::DecodedBlock block{t.block, t.txids, t.block.Serialize().size()};
      consensus::BlockOutcome outcome;
      ASSERT_TRUE((*other)->ProcessBlock(block, &outcome).valid());
      branch.push_back(std::move(block));
    }
  }
  std::filesystem::remove_all(other_dir);

  // The old branch: one block; a tx that needs issue3's nonce waits in the pool.
  MineBlockWith({fund_old, both[0], both[1], both[2], issue3, only_old});
  const Transaction pending4 = Pay(kFresh, 4, 1, kCoin);
  ASSERT_TRUE(Accept(pending4).valid());

  consensus::BlockOutcome outcome;
  ASSERT_TRUE(chain_->ProcessBlock(branch[0], &outcome).valid());
  EXPECT_EQ(outcome, consensus::BlockOutcome::kStored);  // as much work as the tip
  ASSERT_TRUE(chain_->ProcessBlock(branch[1], &outcome).valid());
  ASSERT_EQ(outcome, consensus::BlockOutcome::kNewTip);  // the reorg
  // On this intermediate tip the fresh key has no coins: its txs wait aside.
  EXPECT_EQ(AccountOf(kFresh).nonce, 0u);
  EXPECT_FALSE(mempool_->Contains(issue3.Id()));
  EXPECT_TRUE(mempool_->Contains(only_old.Id()));
  EXPECT_FALSE(mempool_->Contains(fund_old.Id()));  // its nonce went to other_new
  EXPECT_GT(mempool_->AsideCount(), 0u);
  ASSERT_TRUE(chain_->ProcessBlock(branch[2], &outcome).valid());
  ASSERT_EQ(chain_->Tip().id, branch.back().block.header.Id());
  ASSERT_EQ(AccountOf(kFresh).nonce, 3u);

  std::vector<Hash256> ids = mempool_->Txids();
  std::sort(ids.begin(), ids.end());
  std::vector<Hash256> want = {issue3.Id(), only_old.Id(), pending4.Id()};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(ids, want);
  // Those that came back from the old block are to be announced, each once.
  std::vector<Hash256> announced = mempool_->TakeReadmitted();
  std::sort(announced.begin(), announced.end());
  // pending4 left the pool at the intermediate tip and came back too.
  std::vector<Hash256> want_announced = {issue3.Id(), only_old.Id(), pending4.Id()};
  std::sort(want_announced.begin(), want_announced.end());
  EXPECT_EQ(announced, want_announced);
  EXPECT_TRUE(mempool_->TakeReadmitted().empty());
  // Nothing else waits for the fresh key: its nonces below 3 are taken.
  EXPECT_EQ(mempool_->AsideCount(), 0u);
  // The pool agrees with the state: it all fits in the next block.
  auto mined = GenerateBlocks(mining_view_, tx_source_, clock_, Id(9), 1, 1'000'000);
  ASSERT_TRUE(mined.ok()) << mined.status().ToString();
  EXPECT_EQ(mempool_->Info().size, 0u);
  EXPECT_EQ(AccountOf(kFresh).nonce, 5u);
}

// A tx set aside waits a bounded number of blocks.
TEST_F(MempoolTest, SetAsideTxsLeaveAfterTheirBlocks) {
  const Transaction a0 = Pay(0, 0, 1, kCoin);
  const Transaction a1 = Pay(0, 1, 1, kCoin);
  const Hash256 block = MineBlockWith({a0, a1});
  ASSERT_TRUE(chain_->InvalidateBlock(block).valid());
  EXPECT_EQ(mempool_->Txids(), (std::vector<Hash256>{a0.Id(), a1.Id()}));
  (void)mempool_->TakeReadmitted();
  const Transaction b0 = Pay(0, 0, 2, 3 * kCoin);  // replaces a0 in the next block
  MineBlockWith({b0});
  // a0's nonce is taken: gone for good; a1 applies on the new tip (nonce 1).
  EXPECT_EQ(mempool_->Txids(), std::vector<Hash256>{a1.Id()});
  EXPECT_EQ(mempool_->AsideCount(), 0u);
}

TEST_F(MempoolTest, FollowsTheTipBeforeBeingNotified) {
  Open(MempoolOptions{}, /*forward_tip_changes=*/false);
  const Transaction a0 = Pay(0, 0, 1, kCoin);
  const Transaction b0 = Pay(1, 0, 1, kCoin);
  ASSERT_TRUE(Accept(a0).valid());
  ASSERT_TRUE(Accept(b0).valid());
  MineBlockWith({a0});
  // The next accept sees the new tip: a0 is confirmed, b0 still pending.
  ASSERT_TRUE(Accept(Pay(0, 1, 1, kCoin)).valid());
  EXPECT_FALSE(mempool_->Contains(a0.Id()));
  EXPECT_TRUE(mempool_->Contains(b0.Id()));
}

TEST_F(MempoolTest, ManyTxsStayConsistentWithTheChain) {
  // 10 senders x 20 txs with mixed fees; mining everything in a few blocks must succeed and
  // leave the pool empty.
  for (uint64_t n = 0; n < 20; ++n) {
    for (int k = 0; k < testing::kFundedKeys; ++k) {
      const chain::Amount fee = 1000 + 37 * ((k * 7 + n) % 13);
      ASSERT_TRUE(Accept(Pay(k, n, (k + 1) % testing::kKeys, kCoin, fee)).valid());
    }
  }
  EXPECT_EQ(mempool_->Info().size, 200u);
  auto mined = GenerateBlocks(mining_view_, tx_source_, clock_, Id(9), 2, 1'000'000);
  ASSERT_TRUE(mined.ok()) << mined.status().ToString();
  EXPECT_EQ(mempool_->Info().size, 0u);
  for (int k = 0; k < testing::kFundedKeys; ++k) EXPECT_EQ(AccountOf(k).nonce, 20u);
}

TEST_F(MempoolTest, RandomOperationsKeepThePoolConsistent) {
  // A small pool under random txs (gaps, reuses, overspends, evictions), blocks and reorgs.
  // After each round, a fresh pool accepts the pool's txs in its order (so the pool's view
  // was exact), and mining empties it.
  MempoolOptions options;
  options.max_txs = 15;
  options.max_per_sender = 4;
  Open(options);
  std::mt19937_64 rng(99);
  std::vector<Hash256> blocks;
  for (int round = 0; round < 16; ++round) {
    for (int step = 0; step < 60; ++step) {
      (void)Accept(RandomPay(rng, 10, 8));
      EXPECT_LE(mempool_->Info().size, options.max_txs);
      if (rng() % 20 == 0) {
        auto ids =
            GenerateBlocks(mining_view_, tx_source_, clock_, Id(9), 1, 1'000'000);
        ASSERT_TRUE(ids.ok()) << ids.status().ToString();
        blocks.insert(blocks.end(), ids->begin(), ids->end());
      }
      if (rng() % 25 == 0 && !blocks.empty()) {
        ASSERT_TRUE(chain_->InvalidateBlock(blocks.back()).valid());
        blocks.pop_back();
      }
    }
    Mempool fresh(mempool_view_, MempoolOptions{});
    for (const Hash256& id : mempool_->Txids()) {
      auto txw = mempool_->Get(id);
      ASSERT_TRUE(txw.has_value());
      consensus::ValidationResult r = fresh.Accept(txw->tx);
      ASSERT_TRUE(r.valid()) << "round " << round << ": " << r.ToString();
    }
    EXPECT_EQ(fresh.Candidates(1000).size(), mempool_->Info().size);
    if (round % 2 == 1) {
      const std::vector<Hash256> before = mempool_->Txids();
      const size_t aside = mempool_->AsideCount();
      auto ids = GenerateBlocks(mining_view_, tx_source_, clock_, Id(9), 1, 1'000'000);
      ASSERT_TRUE(ids.ok());
      blocks.insert(blocks.end(), ids->begin(), ids->end());
      // The block took every pool tx; what the pool holds now came back from aside.
      for (const Hash256& id : before) {
        EXPECT_FALSE(mempool_->Contains(id));
        auto location = chain_->GetTxLocation(id);
        ASSERT_TRUE(location.ok());
        EXPECT_TRUE(location->has_value());
      }
      EXPECT_LE(mempool_->Info().size, aside);
    }
  }
  auto report = chain_->VerifyChain();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->problems.empty());
}

// Many senders admitted in batches, as gossip brings them: 1,000 fresh accounts funded by
// pending txs of the funded keys, then two transfers from each. The driver of the callgrind
// counts in docs/BENCHMARKS.md ("p2p_bench.py", session 27): every signature is in the cache
// beforehand, so what it counts is the pool's own work.
TEST_F(MempoolTest, ManySendersInBatches) {
  auto cache = std::make_shared<chain::SignatureCache>(10'000);
  MempoolOptions options;
  options.signature_cache = cache;
  Open(options);
  constexpr uint32_t kSenders = 1000;
  std::vector<chain::SecretKey> fresh;
  std::vector<Transaction> txs;
  for (uint32_t s = 0; s < kSenders; ++s) {
    fresh.push_back(testing::DevKey(1000 + s));
    txs.push_back(Make(static_cast<int>(s % testing::kFundedKeys), s / testing::kFundedKeys,
                       chain::TransferOp{fresh.back().PublicKey(), 10 * kCoin}));
  }
  for (uint64_t nonce = 0; nonce < 2; ++nonce) {
    for (uint32_t s = 0; s < kSenders; ++s) {
      const chain::TransferOp pay{Id(static_cast<int>((s + nonce) % testing::kKeys)), kCoin};
      txs.push_back(consensus::testing::SignedTx(params_.chain_id(), fresh[s], nonce, pay, 2000));
    }
  }
  for (const Transaction& tx : txs) cache->Insert(tx.sender, tx.SigHash(), tx.signature);

  const uint64_t verifications = mempool_->SignatureVerifications();
  constexpr size_t kBatch = 50;
  for (size_t at = 0; at < txs.size(); at += kBatch) {
    const std::span<const Transaction> batch(txs.data() + at, std::min(kBatch, txs.size() - at));
    const std::vector<consensus::ValidationResult> r = mempool_->AcceptBatch(batch);
    ASSERT_EQ(r.size(), batch.size());
    for (size_t i = 0; i < r.size(); ++i) {
      ASSERT_TRUE(r[i].valid()) << at + i << ": " << r[i].ToString();
    }
  }
  EXPECT_EQ(mempool_->SignatureVerifications(), verifications);
  EXPECT_EQ(mempool_->Info().size, txs.size());
  std::vector<Hash256> ids;
  for (const Transaction& tx : txs) ids.push_back(tx.Id());
  EXPECT_EQ(mempool_->Txids(), ids);  // acceptance order
  for (uint32_t s = 0; s < kSenders; s += 97) {
    const std::vector<chain::TxWithId> pending = mempool_->BySender(fresh[s].PublicKey());
    ASSERT_EQ(pending.size(), 2u);
    EXPECT_EQ(pending[0].id, ids[kSenders + s]);
    EXPECT_EQ(pending[1].id, ids[2 * kSenders + s]);
  }
  // A third tx of a fresh sender still sees its balance through the first two.
  EXPECT_EQ(Accept(consensus::testing::SignedTx(params_.chain_id(), fresh[0], 2,
                                                chain::TransferOp{Id(1), 9 * kCoin}, 2000))
                .reason(),
            "insufficient-balance");
}

// A tip change that disconnects nothing while nothing waits aside re-applies the pool in
// place; a reference pool (rebuild_in_place off) clears and re-admits everything. Both see the
// same txs and blocks and must agree on everything: content and order, the txs set aside, the
// readmitted ids, the candidates.
class TipChangeTest : public MempoolTest {
 protected:
  void SetUp() override {
    MempoolTest::SetUp();
    MempoolOptions options;
    options.rebuild_in_place = false;
    reference_ = std::make_unique<Mempool>(mempool_view_, options);
    listener_.second = reference_.get();
  }
  void TearDown() override {
    listener_.second = nullptr;
    reference_.reset();
    MempoolTest::TearDown();
  }
  consensus::ValidationResult AcceptBoth(const Transaction& tx) {
    consensus::ValidationResult r = Accept(tx);
    EXPECT_EQ(reference_->Accept(tx).ToString(), r.ToString());
    return r;
  }
  void ExpectSamePools() {
    EXPECT_EQ(mempool_->Txids(), reference_->Txids());
    EXPECT_EQ(mempool_->AsideCount(), reference_->AsideCount());
    EXPECT_EQ(mempool_->TakeReadmitted(), reference_->TakeReadmitted());
    std::vector<Hash256> candidates;
    for (const auto& c : reference_->Candidates(1000)) candidates.push_back(c.id);
    EXPECT_EQ(CandidateIds(), candidates);
    EXPECT_EQ(mempool_->Info().bytes, reference_->Info().bytes);
  }
  std::unique_ptr<Mempool> reference_;
};

// A block that confirms some pending txs and makes others fail: one needs a second pass (its
// funding came later in the pool), one waits aside (its nonce is free but it has no funds).
TEST_F(TipChangeTest, BlockThatConfirmsAndInvalidatesPendingTxs) {
  constexpr int kA = testing::kFundedKeys;  // kA and kB start with nothing
  constexpr int kB = testing::kFundedKeys + 1;
  const Transaction f = Pay(1, 0, kA, 5 * kCoin);
  const Transaction a0 = Pay(kA, 0, 2, 3 * kCoin);  // needs f, or later g
  const Transaction g = Pay(3, 0, kA, 5 * kCoin);
  const Transaction c0 = Pay(4, 0, 5, kCoin);
  const Transaction c1 = Pay(4, 1, 5, kCoin);
  const Transaction d0 = Pay(6, 0, 7, kCoin);
  const Transaction fb = Pay(5, 0, kB, 5 * kCoin);
  const Transaction b0 = Pay(kB, 0, 2, kCoin);  // needs fb
  for (const Transaction& tx : {f, a0, g, c0, c1, d0, fb, b0}) {
    ASSERT_TRUE(AcceptBoth(tx).valid());
  }
  ExpectSamePools();
  const uint64_t version = mempool_->Version();

  // f and fb lose their nonces to other txs; c0 is confirmed.
  MineBlockWith({Pay(1, 0, 8, kCoin), c0, Pay(5, 0, 9, kCoin)});
  EXPECT_GT(mempool_->Version(), version);
  EXPECT_EQ(mempool_->Txids(), (std::vector<Hash256>{g.Id(), c1.Id(), d0.Id(), a0.Id()}));
  EXPECT_EQ(mempool_->AsideCount(), 1u);  // b0
  ExpectSamePools();

  // A block of every pending tx: the pool takes b0 back from aside only once it is funded.
  MineBlockWith({g, c1, d0, a0});
  EXPECT_TRUE(mempool_->Txids().empty());
  EXPECT_EQ(mempool_->AsideCount(), 1u);
  ExpectSamePools();
  ASSERT_TRUE(AcceptBoth(Pay(7, 0, kB, 5 * kCoin)).valid());
  MineBlockWith({Pay(7, 0, kB, 5 * kCoin)});
  EXPECT_EQ(mempool_->Txids(), std::vector<Hash256>{b0.Id()});
  ExpectSamePools();
}

// Random txs, blocks and reorgs: the two pools agree after every step.
TEST_F(TipChangeTest, RandomOperationsGiveTheSamePools) {
  std::mt19937_64 rng(7);
  std::vector<Hash256> blocks;
  for (int step = 0; step < 300; ++step) {
    (void)AcceptBoth(RandomPay(rng, 6, 5));
    if (rng() % 12 == 0) {
      // Some of the pool, and sometimes a tx the pool does not have.
      std::vector<Transaction> txs;
      for (const auto& c : mempool_->Candidates(1 + rng() % 8)) txs.push_back(c.tx);
      const int k = static_cast<int>(rng() % testing::kFundedKeys);
      if (rng() % 2 == 0) {
        txs.insert(txs.begin(), Pay(k, AccountOf(k).nonce, (k + 1) % testing::kKeys, kCoin));
      }
      clock_.SetMockTime(clock_.Now() + 1);  // never the block of an invalidated one again
      blocks.push_back(MineBlockWith(txs, /*all_apply=*/false));
    }
    if (rng() % 40 == 0 && !blocks.empty()) {
      ASSERT_TRUE(chain_->InvalidateBlock(blocks.back()).valid());
      blocks.pop_back();
    }
    ExpectSamePools();
    if (HasFailure()) return;
  }
}

TEST_F(MempoolTest, AcceptThroughput) {
  // Not a benchmark: a guard against accidental quadratic behaviour. 4 000 txs from 10
  // senders (signatures made beforehand) must go in well under the timeout.
  MempoolOptions options;
  options.max_per_sender = 1000;
  Open(options);
  std::vector<Transaction> txs;
  for (uint64_t n = 0; n < 400; ++n) {
    for (int k = 0; k < testing::kFundedKeys; ++k) txs.push_back(Pay(k, n, 11, kCoin, 1000 + n));
  }
  const auto t0 = std::chrono::steady_clock::now();
  for (const auto& tx : txs) ASSERT_TRUE(Accept(tx).valid());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "[ info     ] accepted " << txs.size() << " txs at " << txs.size() / seconds
            << " tx/s\n";
  EXPECT_EQ(mempool_->Candidates(10'000).size(), txs.size());
}

}  // namespace
}  // namespace waybill::node
