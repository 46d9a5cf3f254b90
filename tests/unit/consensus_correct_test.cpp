// asset.correct and committed metadata values (docs/PROTOCOL.md §2, §3, §8.3, §9.2, §11.1):
// the commitment hash, the entry encoding, every rule and reason of the correction, and a
// reorg across corrections that restores every state key.
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "chain/lists.h"
#include "chain/serialize.h"
#include "chain/state.h"
#include "chain/state_cache.h"
#include "chain/store.h"
#include "consensus/state_transition.h"
#include "consensus/tx_check.h"
#include "tests/unit/consensus_test_util.h"

namespace waybill::consensus {
namespace {

using chain::Asset;
using chain::AssetCorrectOp;
using chain::AssetEvent;
using chain::AssetIssueOp;
using chain::EventType;
using chain::Hash256;
using chain::MetadataEntry;
using chain::MetaKind;
using chain::TxWithId;

constexpr int kAlice = 0, kBob = 1, kCarol = 2;

Hash256 H(uint8_t b) {
  Hash256 h;
  h.bytes.fill(b);
  return h;
}

MetadataEntry Committed(std::string key, const Hash256& commitment) {
  MetadataEntry e{std::move(key), ""};
  e.kind = MetaKind::kCommitted;
  e.commitment = commitment;
  return e;
}

// SHA-256 straight from OpenSSL, so that the tagged hash below shares no code with chain/.
std::vector<uint8_t> Sha(const std::vector<uint8_t>& m) {
  std::vector<uint8_t> out(SHA256_DIGEST_LENGTH);
  SHA256(m.data(), m.size(), out.data());
  return out;
}

TEST(MetaCommitment, IsTheTaggedHashOfSaltKeyAndValue) {
  const std::string tag = "Waybill/MetaCommit";
  Hash256 salt;
  for (size_t i = 0; i < 32; ++i) salt.bytes[i] = static_cast<uint8_t>(i);
  const std::string key = "price";
  const std::string value = "4.20 USD/kg";
  std::vector<uint8_t> tag_hash = Sha(std::vector<uint8_t>(tag.begin(), tag.end()));
  std::vector<uint8_t> m = tag_hash;
  m.insert(m.end(), tag_hash.begin(), tag_hash.end());
  m.insert(m.end(), salt.bytes.begin(), salt.bytes.end());
  m.push_back(static_cast<uint8_t>(key.size()));  // CompactSize of a short string: one byte
  m.insert(m.end(), key.begin(), key.end());
  m.push_back(static_cast<uint8_t>(value.size()));
  m.insert(m.end(), value.begin(), value.end());
  const std::vector<uint8_t> expected = Sha(m);
  const Hash256 got = chain::MetaCommitment(salt, key, value);
  EXPECT_EQ(std::vector<uint8_t>(got.bytes.begin(), got.bytes.end()), expected);
  // The vector of docs/PROTOCOL.md §2.
  EXPECT_EQ(got.ToHex(), "6235d9f350ec8064874674f511055c46d8c13bcdcfc8e4afbc644f3d64e693c6");
  // Salt, key and value each change it.
  EXPECT_NE(chain::MetaCommitment(H(1), key, value), got);
  EXPECT_NE(chain::MetaCommitment(salt, "pricE", value), got);
  EXPECT_NE(chain::MetaCommitment(salt, key, "4.21 USD/kg"), got);
  // The length prefixes keep key and value apart: ("ab", "c") is not ("a", "bc").
  EXPECT_NE(chain::MetaCommitment(salt, "ab", "c"), chain::MetaCommitment(salt, "a", "bc"));
}

chain::Transaction IssueTx(std::vector<MetadataEntry> md) {
  chain::Transaction tx;
  tx.chain_id = H(9);
  tx.sender = H(8);
  tx.op = AssetIssueOp{10, "kg", std::move(md), {}};
  return tx;
}

TEST(MetadataEncoding, KindsZeroAndOneRoundTripOtherKindsDoNotDecode) {
  const Hash256 c = H(0xcc);
  chain::Transaction tx = IssueTx({{"lot", "L-17"}, Committed("price", c)});
  const chain::Bytes enc = tx.Serialize();
  auto back = chain::DecodeTransaction(enc);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->op, tx.op);
  const auto& md = std::get<AssetIssueOp>(back->op).metadata;
  EXPECT_EQ(md[0].kind, MetaKind::kPublished);
  EXPECT_EQ(md[0].value, "L-17");
  EXPECT_TRUE(md[0].commitment.IsZero());
  EXPECT_EQ(md[1].kind, MetaKind::kCommitted);
  EXPECT_EQ(md[1].commitment, c);
  EXPECT_TRUE(md[1].value.empty());

  // The bytes of the list: count, then key, kind, value | commitment.
  chain::Writer w;
  chain::WriteMetadata(w, md);
  const std::string head = std::string("\x02\x03lot\x00\x04L-17\x05price\x01", 18);
  chain::Bytes expected(head.begin(), head.end());
  for (uint8_t byte : c.bytes) expected.push_back(byte);
  EXPECT_EQ(w.bytes(), expected);

  // Kind 2 (and any above) makes the tx undecodable.
  const size_t kind_at = enc.size() - 64 - 1 /*documents*/ - 32 - 1;
  ASSERT_EQ(enc[kind_at], 1);
  for (uint8_t bad : {2, 3, 0x80, 0xff}) {
    chain::Bytes b = enc;
    b[kind_at] = bad;
    auto d = chain::DecodeTransaction(b);
    ASSERT_FALSE(d.ok()) << int(bad);
    EXPECT_NE(d.status().reason().find("unknown metadata kind"), std::string::npos)
        << d.status().ToString();
  }
}

TEST(MetadataEncoding, TheAssetRecordUsesTheSameEntries) {
  Asset a;
  a.metadata = {{"lot", "L-17"}, Committed("price", H(0xcc))};
  auto back = chain::DecodeAsset(chain::EncodeAsset(a));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, a);
}

TEST(MetadataRule, CommittedEntriesHaveNoValueAndPublishedNoCommitment) {
  MetadataEntry with_value = Committed("price", H(1));
  with_value.value = "4.20";
  EXPECT_EQ(CheckTransaction(IssueTx({with_value})).reason(), "bad-metadata");
  MetadataEntry published{"lot", "L-17"};
  published.commitment = H(2);
  EXPECT_EQ(CheckTransaction(IssueTx({published})).reason(), "bad-metadata");
  MetadataEntry unknown = Committed("price", H(1));
  unknown.kind = static_cast<MetaKind>(2);
  EXPECT_EQ(CheckTransaction(IssueTx({unknown})).reason(), "bad-metadata");
  EXPECT_TRUE(CheckTransaction(IssueTx({{"lot", "L-17"}, Committed("price", H(1))})).valid());
  // The key rule holds for committed entries too.
  EXPECT_EQ(CheckTransaction(IssueTx({Committed("Price", H(1))})).reason(), "bad-metadata");
}

TEST(MetadataEncoding, TheEventRecordKeepsTheChanges) {
  AssetEvent e;
  e.type = EventType::kCorrect;
  e.value = "typo in lot";
  e.related = {H(3)};
  e.changes = {{"lot", MetadataEntry{"lot", "L-17"}, MetadataEntry{"lot", "L-71"}},
               {"price", std::nullopt, Committed("price", H(0xcc))},
               {"size", Committed("size", H(0xdd)), MetadataEntry{"size", "AA"}}};
  const chain::Bytes enc = chain::EncodeAssetEvent(e);
  auto back = chain::DecodeAssetEvent(enc);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, e);
  // The first change's presence flag: after the count and its key.
  AssetEvent plain = e;
  plain.changes.clear();
  const size_t had_at = chain::EncodeAssetEvent(plain).size() + 4;  // count, "lot"
  ASSERT_EQ(enc[had_at], 1);
  chain::Bytes bad = enc;
  bad[had_at] = 2;
  EXPECT_FALSE(chain::DecodeAssetEvent(bad).ok());
  // An event without changes ends in an empty list.
  EXPECT_EQ(chain::EncodeAssetEvent(plain).back(), 0);
}

AssetCorrectOp Correct(const Hash256& asset, const Hash256& corrects,
                       std::vector<MetadataEntry> set, std::string reason = "typo in lot") {
  return AssetCorrectOp{asset, corrects, std::move(set), std::move(reason)};
}

TEST(CorrectEncoding, RoundTripsAndNeedsOneEntry) {
  chain::Transaction tx = IssueTx({});
  tx.op = Correct(H(1), H(2), {{"lot", "L-71"}, Committed("price", H(3))},
                  std::string(chain::kMaxCorrectReasonLen, 'r'));
  EXPECT_EQ(chain::TypeOf(tx.op), chain::OpType::kAssetCorrect);
  EXPECT_STREQ(chain::OpTypeName(chain::TypeOf(tx.op)), "asset.correct");
  const chain::Bytes enc = tx.Serialize();
  EXPECT_EQ(enc[2 + 32 + 32 + 8 + 8], 10);  // op_type
  auto back = chain::DecodeTransaction(enc);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, tx);

  for (size_t n = 0; n < enc.size(); ++n) {
    EXPECT_FALSE(chain::DecodeTransaction(chain::ByteSpan(enc.data(), n)).ok()) << n;
  }

  tx.op = Correct(H(1), H(2), {});
  EXPECT_FALSE(chain::DecodeTransaction(tx.Serialize()).ok());
  EXPECT_EQ(CheckTransaction(tx).reason(), "bad-metadata");
  tx.op = Correct(H(1), H(2), {{"lot", "L-71"}}, std::string(chain::kMaxCorrectReasonLen + 1, 'r'));
  EXPECT_FALSE(chain::DecodeTransaction(tx.Serialize()).ok());
  tx.op = Correct(H(1), H(2), {{"lot", "L-71"}}, "line\nbreak");
  EXPECT_EQ(CheckTransaction(tx).reason(), "bad-metadata");
  tx.op = Correct(H(1), H(2), {{"lot", "b"}, {"lot", "a"}});
  EXPECT_EQ(CheckTransaction(tx).reason(), "bad-metadata");
}

class CorrectTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(ApplyGenesis(params_, &state_).valid()); }

  uint64_t NonceOf(int key) const { return state_.GetAccount(f_.Id(key))->nonce; }

  std::string Apply(int key, chain::Operation op) {
    const TxWithId tx = f_.MakeWithId(key, NonceOf(key), std::move(op));
    chain::Amount fee = 0;
    ValidationResult r = ApplyTransaction(params_, ctx_, tx, index_, &state_, &fee);
    EXPECT_FALSE(r.error()) << r.ToString();
    if (!r.valid()) return r.reason() + (r.detail().empty() ? "" : ": " + r.detail());
    last_txid_ = tx.id;
    ++index_;
    return "valid";
  }
  // The reason alone.
  std::string Reason(int key, chain::Operation op) {
    std::string r = Apply(key, std::move(op));
    return r.substr(0, r.find(':'));
  }

  Asset AssetOf(const Hash256& id) const { return testing::AssetIn(state_, id); }
  AssetEvent EventOf(const Hash256& asset, uint32_t sequence) const {
    return testing::EventIn(state_, asset, sequence);
  }

  // Alice issues a lot (returned); its creating event is EventOf(lot, 0).
  Hash256 IssueLot(int key = kAlice) {
    const uint64_t nonce = NonceOf(key);
    EXPECT_EQ(Apply(key, AssetIssueOp{1200, "kg", {{"lot", "L-17"}, {"origin", "CI"}}, {}}),
              "valid");
    return chain::AssetIdFor(params_.chain_id(), f_.Id(key), nonce, 0);
  }

  const ChainParams params_ = testing::MakeParams();
  const testing::TxFactory f_{params_};
  chain::MemoryKv base_;
  chain::StateCache state_{&base_};
  BlockContext ctx_{H(0xb1), 1, 1'700'000'100};
  uint32_t index_ = 0;
  Hash256 last_txid_;
};

TEST_F(CorrectTest, IssuerCorrectsTheLotAndHistoryKeepsBothValues) {
  const Hash256 lot = IssueLot();
  const AssetEvent created = EventOf(lot, 0);
  const Hash256 price = H(0x77);
  ASSERT_EQ(Apply(kAlice, Correct(lot, created.id, {{"lot", "L-71"}, Committed("price", price)})),
            "valid");
  const Asset a = AssetOf(lot);
  EXPECT_EQ(a.metadata, (std::vector<MetadataEntry>{
                            {"lot", "L-71"}, {"origin", "CI"}, Committed("price", price)}));
  EXPECT_EQ(a.event_count, 2u);
  const AssetEvent e = EventOf(lot, 1);
  EXPECT_EQ(e.type, EventType::kCorrect);
  EXPECT_EQ(e.id, chain::AssetEventId(last_txid_, lot));
  EXPECT_EQ(a.last_event, e.id);
  EXPECT_EQ(e.prev_event, created.id);
  EXPECT_EQ(e.related, std::vector<Hash256>{created.id});
  EXPECT_EQ(e.actor, f_.Id(kAlice));
  EXPECT_EQ(e.value, "typo in lot");
  ASSERT_EQ(e.changes.size(), 2u);
  EXPECT_EQ(e.changes[0].key, "lot");
  EXPECT_EQ(e.changes[0].before, (MetadataEntry{"lot", "L-17"}));
  EXPECT_EQ(e.changes[0].after, (MetadataEntry{"lot", "L-71"}));
  EXPECT_EQ(e.changes[1].key, "price");
  EXPECT_FALSE(e.changes[1].before.has_value());
  EXPECT_EQ(e.changes[1].after, Committed("price", price));
  // The issue event is not rewritten.
  EXPECT_EQ(EventOf(lot, 0), created);
  // The correction index names the event's sequence.
  chain::Bytes seq;
  ASSERT_TRUE(state_.Get(chain::keys::Correction(lot, e.id), &seq).ok());
  EXPECT_EQ(chain::DecodeSequence(seq).value(), 1u);
  EXPECT_TRUE(chain::keys::IsStateKey(chain::keys::Correction(lot, e.id)));
}

TEST_F(CorrectTest, CustodianOrIssuerOnly) {
  const Hash256 lot = IssueLot();
  const Hash256 created = EventOf(lot, 0).id;
  ASSERT_EQ(Apply(kAlice, chain::AssetTransferOp{lot, f_.Id(kBob)}), "valid");
  // Bob holds it, Alice issued it: both may; Carol may not.
  EXPECT_EQ(Reason(kCarol, Correct(lot, created, {{"lot", "X"}})), "not-custodian-or-issuer");
  EXPECT_EQ(Apply(kAlice, Correct(lot, created, {{"lot", "L-71"}})), "valid");
  EXPECT_EQ(Apply(kBob, Correct(lot, created, {{"grade", "AA"}})), "valid");
  EXPECT_EQ(AssetOf(lot).metadata,
            (std::vector<MetadataEntry>{{"grade", "AA"}, {"lot", "L-71"}, {"origin", "CI"}}));
  EXPECT_EQ(Reason(kCarol, Correct(H(0x55), created, {{"lot", "X"}})), "unknown-asset");
}

TEST_F(CorrectTest, CorrectsMustNameTheCreatingEventOrAnEarlierCorrection) {
  const Hash256 lot = IssueLot();
  const Hash256 other = IssueLot();
  const Hash256 created = EventOf(lot, 0).id;
  ASSERT_EQ(Apply(kAlice, chain::AssetAttestOp{lot, "grade", "AA", {}}), "valid");
  const Hash256 attest = EventOf(lot, 1).id;
  // An event of another kind, an event of another asset, an id that is no event.
  EXPECT_EQ(Reason(kAlice, Correct(lot, attest, {{"lot", "X"}})), "unknown-event");
  EXPECT_EQ(Reason(kAlice, Correct(lot, EventOf(other, 0).id, {{"lot", "X"}})), "unknown-event");
  EXPECT_EQ(Reason(kAlice, Correct(lot, H(0x42), {{"lot", "X"}})), "unknown-event");
  ASSERT_EQ(Apply(kAlice, Correct(lot, created, {{"lot", "L-71"}})), "valid");
  const Hash256 first = EventOf(lot, 2).id;
  ASSERT_EQ(Apply(kAlice, Correct(lot, first, {{"lot", "L-72"}}, "second thoughts")), "valid");
  const AssetEvent second = EventOf(lot, 3);
  EXPECT_EQ(second.related, std::vector<Hash256>{first});
  EXPECT_EQ(second.changes[0].before, (MetadataEntry{"lot", "L-71"}));
  // A correction of another asset does not name an event of this one.
  ASSERT_EQ(Apply(kAlice, Correct(other, EventOf(other, 0).id, {{"lot", "O"}})), "valid");
  EXPECT_EQ(Reason(kAlice, Correct(lot, EventOf(other, 1).id, {{"lot", "X"}})), "unknown-event");
  // The sender rule comes before the event rule.
  EXPECT_EQ(Reason(kCarol, Correct(lot, H(0x42), {{"lot", "X"}})), "not-custodian-or-issuer");
}

TEST_F(CorrectTest, ClosedAssetMayBeCorrectedItsChildrenKeepTheirMetadata) {
  const Hash256 lot = IssueLot();
  const Hash256 created = EventOf(lot, 0).id;
  const uint64_t nonce = NonceOf(kAlice);
  ASSERT_EQ(Apply(kAlice, chain::AssetSplitOp{lot, chain::SplitChildren({700, 500})}), "valid");
  const Hash256 child = chain::AssetIdFor(params_.chain_id(), f_.Id(kAlice), nonce, 0);
  const auto child_metadata = AssetOf(child).metadata;
  ASSERT_EQ(Apply(kAlice, Correct(lot, created, {{"lot", "L-71"}})), "valid");
  EXPECT_EQ(AssetOf(lot).status, chain::AssetStatus::kSplit);
  EXPECT_EQ(AssetOf(lot).metadata[0], (MetadataEntry{"lot", "L-71"}));
  EXPECT_EQ(AssetOf(child).metadata, child_metadata);
  // The child's own creating event is correctable on its own.
  EXPECT_EQ(Apply(kAlice, Correct(child, EventOf(child, 0).id, {{"lot", "L-71a"}})), "valid");
}

TEST_F(CorrectTest, TheCorrectedMetadataHasAtMostSixteenEntries) {
  const Hash256 lot = IssueLot();  // 2 entries
  const Hash256 created = EventOf(lot, 0).id;
  std::vector<MetadataEntry> set;
  for (int i = 0; i < 14; ++i) set.push_back({"k" + std::to_string(10 + i), "v"});
  ASSERT_EQ(Apply(kAlice, Correct(lot, created, set)), "valid");  // 16
  EXPECT_EQ(AssetOf(lot).metadata.size(), 16u);
  // Replacing keeps the count; one more key is refused.
  EXPECT_EQ(Apply(kAlice, Correct(lot, created, {{"k10", "w"}, {"lot", "L-71"}})), "valid");
  EXPECT_EQ(Reason(kAlice, Correct(lot, created, {{"zz", "one too many"}})), "metadata-full");
  EXPECT_EQ(AssetOf(lot).metadata.size(), 16u);
}

// A reorg across corrections: the state after disconnecting them is the state before, key for
// key (every chain::keys::IsStateKey key of the store, with its value).
class CorrectReorgTest : public testing::StoredChainTest {
 protected:
  chain::Block Block(const Hash256& parent, uint32_t parent_height,
                     std::vector<chain::Transaction> txs) {
    return testing::MakeBlock(params_, parent, parent_height, std::move(txs), f_.Id(5));
  }
  void Connect(const chain::Block& b) {
    BlockOutcome outcome;
    ValidationResult r = cs_->ProcessBlockBytes(b.Serialize(), &outcome);
    ASSERT_TRUE(r.valid()) << r.ToString();
    ASSERT_EQ(outcome, BlockOutcome::kNewTip);
  }
};

TEST_F(CorrectReorgTest, DisconnectingCorrectionsRestoresEveryStateKey) {
  const Hash256 price = H(0x77);
  chain::Transaction issue = f_.Make(
      kAlice, 0, AssetIssueOp{1200, "kg", {{"lot", "L-17"}, Committed("price", price)}, {}});
  const Hash256 lot = chain::AssetIdFor(params_.chain_id(), f_.Id(kAlice), 0, 0);
  const Hash256 created = chain::AssetEventId(issue.Id(), lot);
  chain::Block b1 = Block(params_.genesis_id, 0, {issue});
  Connect(b1);
  const std::map<std::string, chain::Bytes> before = StateKeys();

  // Two corrections in one block, the second correcting the first, then one more block.
  chain::Transaction c1 =
      f_.Make(kAlice, 1, Correct(lot, created, {{"lot", "L-71"}, Committed("price", H(0x78))}));
  const Hash256 c1_event = chain::AssetEventId(c1.Id(), lot);
  chain::Transaction c2 = f_.Make(kAlice, 2, Correct(lot, c1_event, {{"grade", "AA"}}));
  chain::Block b2 = Block(b1.header.Id(), 1, {c1, c2});
  Connect(b2);
  chain::Block b3 = Block(b2.header.Id(), 2, {f_.Make(kAlice, 3, Correct(lot, created, {{"x", "y"}}))});
  Connect(b3);
  const std::map<std::string, chain::Bytes> after = StateKeys();
  ASSERT_NE(after, before);
  EXPECT_EQ(after.count(chain::keys::Correction(lot, c1_event)), 1u);
  EXPECT_EQ(after.count(chain::keys::Correction(lot, created)), 0u);

  ASSERT_TRUE(cs_->InvalidateBlock(b2.header.Id()).valid());
  ASSERT_EQ(cs_->Tip().height, 1u);
  EXPECT_EQ(StateKeys(), before);

  // And back: reconnecting gives the same state as the first time.
  ASSERT_TRUE(cs_->ReconsiderBlock(b2.header.Id()).valid());
  ASSERT_EQ(cs_->Tip().height, 3u);
  EXPECT_EQ(StateKeys(), after);
}

}  // namespace
}  // namespace waybill::consensus
