// AssetsTouched (chain/tx_assets.h): for each operation type, the assets whose records the tx
// writes, in the documented order, each once.
#include "chain/tx_assets.h"

#include <gtest/gtest.h>

#include <vector>

namespace waybill::chain {
namespace {

Hash256 H(uint8_t seed) {
  Hash256 h;
  h.data()[0] = seed;
  h.data()[31] = 0xa5;
  return h;
}

Transaction TxWith(Operation op) {
  Transaction tx;
  tx.chain_id = H(200);
  tx.sender = H(201);
  tx.nonce = 7;
  tx.op = std::move(op);
  return tx;
}

TEST(TxAssetsTest, CoinTransfersAndPartyOperationsTouchNoAsset) {
  EXPECT_TRUE(AssetsTouched(TxWith(TransferOp{H(1), 5})).empty());
  EXPECT_TRUE(AssetsTouched(TxWith(PartyProfileOp{"Farm", "farm", {}, "", Hash256()})).empty());
  EXPECT_TRUE(AssetsTouched(TxWith(PartyEndorseOp{H(1), "farm", EndorseAction::kEndorse})).empty());
}

TEST(TxAssetsTest, AnIssueTouchesTheAssetItCreates) {
  const Transaction tx = TxWith(AssetIssueOp{10, "kg", {{"lot", "L"}}, {}});
  EXPECT_EQ(AssetsTouched(tx), std::vector<Hash256>{AssetIdFor(H(200), H(201), 7, 0)});
}

TEST(TxAssetsTest, TransferAttestAndCorrectTouchTheAssetTheyName) {
  EXPECT_EQ(AssetsTouched(TxWith(AssetTransferOp{H(1), H(2)})), std::vector<Hash256>{H(1)});
  EXPECT_EQ(AssetsTouched(TxWith(AssetAttestOp{H(3), "moisture", "11%", Hash256()})),
            std::vector<Hash256>{H(3)});
  EXPECT_EQ(AssetsTouched(TxWith(AssetCorrectOp{H(4), H(5), {{"lot", "L2"}}, "typo"})),
            std::vector<Hash256>{H(4)});  // the corrected event is not an asset
}

TEST(TxAssetsTest, ASplitTouchesTheParentThenEachChild) {
  const Transaction tx = TxWith(AssetSplitOp{H(1), SplitChildren({3, 4, 5})});
  const std::vector<Hash256> children = NewAssetIds(tx);
  ASSERT_EQ(children.size(), 3u);
  EXPECT_EQ(AssetsTouched(tx), (std::vector<Hash256>{H(1), children[0], children[1], children[2]}));
}

TEST(TxAssetsTest, AMergeTouchesItsInputsThenItsOutput) {
  const Transaction tx = TxWith(AssetMergeOp{{H(1), H(2), H(3)}, 9, "kg", {}, {}});
  EXPECT_EQ(AssetsTouched(tx),
            (std::vector<Hash256>{H(1), H(2), H(3), AssetIdFor(H(200), H(201), 7, 0)}));
  // An input named twice (a tx that consensus refuses) is listed once.
  const Transaction twice = TxWith(AssetMergeOp{{H(1), H(1)}, 9, "kg", {}, {}});
  EXPECT_EQ(AssetsTouched(twice), (std::vector<Hash256>{H(1), AssetIdFor(H(200), H(201), 7, 0)}));
}

TEST(TxAssetsTest, ATransformTouchesItsInputsThenEachOutput) {
  const Transaction tx = TxWith(AssetTransformOp{
      {H(1), H(2)}, {TransformOutput{5, "kg", {}, {}}, TransformOutput{1, "kg", {}, {}}}});
  EXPECT_EQ(AssetsTouched(tx),
            (std::vector<Hash256>{H(1), H(2), AssetIdFor(H(200), H(201), 7, 0),
                                  AssetIdFor(H(200), H(201), 7, 1)}));
}

// A deploy touches none; a call its attached assets, each once (what its code then moves is
// known after execution: the call record's effects).
TEST(TxAssetsTest, AContractCallTouchesItsAttachmentsOnly) {
  EXPECT_TRUE(AssetsTouched(TxWith(ContractDeployOp{Bytes{1}, {}, 0})).empty());
  EXPECT_TRUE(AssetsTouched(TxWith(ContractCallOp{H(9), "pay", {}, 5, {}, 10})).empty());
  EXPECT_EQ(AssetsTouched(TxWith(ContractCallOp{H(9), "pay", {}, 0, {H(1), H(2), H(1)}, 10})),
            (std::vector<Hash256>{H(1), H(2)}));
}

ContractEffect Effect(ContractEffectKind kind, Hash256 asset, Hash256 with = {},
                      std::vector<Hash256> created = {}) {
  ContractEffect e;
  e.kind = kind;
  e.to = H(50);
  e.amount = kind == ContractEffectKind::kCoins ? 5 : 0;
  e.asset = asset;
  e.with = with;
  e.created = std::move(created);
  return e;
}

// With its record, a contract tx also touches what its code moved, in effect order after the
// attachments: a sent asset, a split's parent and children, a merge's inputs and output.
TEST(TxAssetsTest, WithItsRecordAContractTxTouchesTheAssetsItsCodeMoved) {
  CallRecord record;
  record.effects = {Effect(ContractEffectKind::kCoins, Hash256()),
                    Effect(ContractEffectKind::kAsset, H(1)),
                    Effect(ContractEffectKind::kSplit, H(3), {}, {H(4), H(5)}),
                    Effect(ContractEffectKind::kMerge, H(4), H(6), {H(7)}),
                    Effect(ContractEffectKind::kAsset, H(7))};
  const Transaction call = TxWith(ContractCallOp{H(9), "go", {}, 0, {H(1), H(2)}, 10});
  EXPECT_EQ(AssetsTouched(call, record),
            (std::vector<Hash256>{H(1), H(2), H(3), H(4), H(5), H(6), H(7)}));
  // A deploy's init: only what the record names.
  EXPECT_EQ(AssetsTouched(TxWith(ContractDeployOp{Bytes{1}, {}, 10}), record),
            (std::vector<Hash256>{H(1), H(3), H(4), H(5), H(6), H(7)}));
  // A failed run's record has no effects: the attachments alone.
  EXPECT_EQ(AssetsTouched(call, CallRecord{}), (std::vector<Hash256>{H(1), H(2)}));
}

}  // namespace
}  // namespace waybill::chain
