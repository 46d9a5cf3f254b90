// wallet/tx_builder.h: builders, the size fee, BuildTx's refusals and SignTx's output.
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <variant>
#include <vector>

#include "chain/amount.h"
#include "chain/tx.h"
#include "wallet/tx_builder.h"

namespace waybill::wallet {
namespace {

chain::Hash256 H(uint8_t b) {
  chain::Hash256 h;
  h.bytes.fill(b);
  return h;
}

class TxBuilderTest : public ::testing::Test {
 protected:
  TxBuilderTest() : signer_(DevKey(1).value()) {}

  TxParams Params(uint64_t nonce = 7) const {
    TxParams p;
    p.chain_id = H(0xc1);
    p.nonce = nonce;
    p.fee_per_byte = 3;
    return p;
  }
  NewAsset Asset() const {
    NewAsset a;
    a.quantity = 1200;
    a.unit = "kg";
    a.metadata = {{"origin", "Peru"}, {"gtin", "09506000134352"}, {"lot", "L-17"}};
    a.documents = {H(0xd0)};
    return a;
  }
  chain::Transaction Build(chain::Operation op, const TxParams& params) const {
    auto tx = BuildTx(signer_.Account(), std::move(op), params);
    EXPECT_TRUE(tx.ok()) << tx.status().reason();
    return tx.ok() ? *tx : chain::Transaction{};
  }

  KeySigner signer_;
};

TEST_F(TxBuilderTest, SizeFeeIsSizeTimesRate) {
  chain::Transaction tx = Build(MakeTransfer(H(2), 5), Params());
  const size_t size = tx.Serialize().size();
  EXPECT_EQ(tx.fee, 3 * size) << "the default fee is the size fee";
  // The size does not depend on the fee or the signature.
  tx.fee = 123456789;
  tx.signature.fill(0xee);
  EXPECT_EQ(tx.Serialize().size(), size);
  EXPECT_EQ(*SizeFee(tx, 1), size);
  EXPECT_EQ(*SizeFee(tx, 0), 0u);
  // Overflow, and a fee above the coin's supply bound.
  EXPECT_FALSE(SizeFee(tx, std::numeric_limits<uint64_t>::max()).ok());
  EXPECT_FALSE(SizeFee(tx, chain::kMaxAmount / size + 1).ok());
  EXPECT_TRUE(SizeFee(tx, chain::kMaxAmount / size).ok());
}

TEST_F(TxBuilderTest, ExplicitFeeIsKept) {
  TxParams p = Params();
  p.fee = 42;
  EXPECT_EQ(Build(MakeTransfer(H(2), 5), p).fee, 42u);
  p.fee = chain::kMaxAmount + 1;
  EXPECT_FALSE(BuildTx(signer_.Account(), MakeTransfer(H(2), 5), p).ok());
  p.fee.reset();
  p.fee_per_byte = std::numeric_limits<uint64_t>::max();
  EXPECT_FALSE(BuildTx(signer_.Account(), MakeTransfer(H(2), 5), p).ok());
}

TEST_F(TxBuilderTest, FieldsComeFromThePlainInputs) {
  const chain::Transaction tx = Build(MakeAssetTransfer(H(9), H(2)), Params(11));
  EXPECT_EQ(tx.version, chain::kTxVersion);
  EXPECT_EQ(tx.chain_id, H(0xc1));
  EXPECT_EQ(tx.sender, signer_.Account());
  EXPECT_EQ(tx.nonce, 11u);
  EXPECT_EQ(tx.op, chain::Operation(chain::AssetTransferOp{H(9), H(2)}));
  EXPECT_EQ(tx.signature, chain::Signature{}) << "unsigned";
}

TEST_F(TxBuilderTest, MetadataIsSortedAndChecked) {
  auto op = MakeIssue(Asset());
  ASSERT_TRUE(op.ok());
  const auto& issue = std::get<chain::AssetIssueOp>(*op);
  ASSERT_EQ(issue.metadata.size(), 3u);
  EXPECT_EQ(issue.metadata[0].key, "gtin");
  EXPECT_EQ(issue.metadata[1].key, "lot");
  EXPECT_EQ(issue.metadata[2].key, "origin");

  NewAsset twice = Asset();
  twice.metadata.push_back({"lot", "L-18"});
  auto dup = MakeMerge({H(1), H(2)}, twice);
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().reason().find("'lot' given twice"), std::string::npos);

  NewAsset many = Asset();
  many.metadata.clear();
  for (size_t i = 0; i <= chain::kMaxMetadataEntries; ++i) {
    many.metadata.push_back({"k" + std::to_string(i), "v"});
  }
  EXPECT_FALSE(MakeIssue(many).ok());
  many.metadata.pop_back();
  EXPECT_TRUE(MakeIssue(many).ok());
}

TEST_F(TxBuilderTest, RefusesWhatWouldNotDecode) {
  NewAsset long_unit = Asset();
  long_unit.unit = std::string(chain::kMaxUnitLen + 1, 'u');
  auto r = BuildTx(signer_.Account(), *MakeIssue(long_unit), Params());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().reason().find("would not decode"), std::string::npos);

  std::vector<chain::Quantity> parts(chain::kMaxSplitParts + 1, 1);
  EXPECT_FALSE(BuildTx(signer_.Account(), MakeSplit(H(1), parts), Params()).ok());
  parts.pop_back();
  EXPECT_TRUE(BuildTx(signer_.Account(), MakeSplit(H(1), parts), Params()).ok());
  EXPECT_FALSE(BuildTx(signer_.Account(),
                       MakeAttest(H(1), std::string(chain::kMaxClaimLen + 1, 'c'), "v", {}),
                       Params())
                   .ok());
}

TEST_F(TxBuilderTest, SignedTxVerifiesAndRoundTrips) {
  auto signed_tx = SignTx(signer_, Build(MakeTransfer(H(2), 5), Params()));
  ASSERT_TRUE(signed_tx.ok()) << signed_tx.status().reason();
  EXPECT_TRUE(signed_tx->tx.VerifySignature());
  EXPECT_EQ(signed_tx->txid, signed_tx->tx.Id());
  EXPECT_EQ(signed_tx->raw, signed_tx->tx.Serialize());
  auto decoded = chain::DecodeTransaction(signed_tx->raw);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, signed_tx->tx);
  EXPECT_TRUE(signed_tx->new_assets.empty()) << "a coin transfer creates no asset";
}

TEST_F(TxBuilderTest, SignerMustBeTheSender) {
  auto other = DevKey(2);
  ASSERT_TRUE(other.ok());
  const KeySigner wrong(std::move(other).value());
  auto r = SignTx(wrong, Build(MakeTransfer(H(2), 5), Params()));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalid());
  EXPECT_NE(r.status().reason().find("not the sender's"), std::string::npos);
}

TEST_F(TxBuilderTest, NewAssetIdsFollowTheRule) {
  const chain::AccountId me = signer_.Account();
  auto issue = SignTx(signer_, Build(*MakeIssue(Asset()), Params(4)));
  ASSERT_TRUE(issue.ok());
  EXPECT_EQ(issue->new_assets, std::vector<chain::Hash256>{chain::AssetIdFor(H(0xc1), me, 4, 0)});

  auto split = SignTx(signer_, Build(MakeSplit(H(1), {1, 2, 3}), Params(5)));
  ASSERT_TRUE(split.ok());
  EXPECT_EQ(split->new_assets,
            (std::vector<chain::Hash256>{chain::AssetIdFor(H(0xc1), me, 5, 0), chain::AssetIdFor(H(0xc1), me, 5, 1),
                                         chain::AssetIdFor(H(0xc1), me, 5, 2)}));

  auto merge = SignTx(signer_, Build(*MakeMerge({H(1), H(2)}, Asset()), Params(6)));
  ASSERT_TRUE(merge.ok());
  EXPECT_EQ(merge->new_assets, std::vector<chain::Hash256>{chain::AssetIdFor(H(0xc1), me, 6, 0)});

  auto attest = SignTx(signer_, Build(MakeAttest(H(1), "temperature.max", "4C", H(3)), Params()));
  ASSERT_TRUE(attest.ok());
  EXPECT_TRUE(attest->new_assets.empty());
  EXPECT_EQ(std::get<chain::AssetAttestOp>(attest->tx.op).document, H(3));
  EXPECT_TRUE(std::get<chain::AssetAttestOp>(MakeAttest(H(1), "c", "v", {})).document.IsZero());
}

TEST_F(TxBuilderTest, SplitChildrenWithMetadata) {
  // Each child's entries are sorted; duplicates and bad lengths are refused naming the child.
  auto op = MakeSplit(H(1), {{5, {{"serial", "A"}, {"bag", "1"}}}, {6, {}}});
  ASSERT_TRUE(op.ok()) << op.status().ToString();
  const auto& split = std::get<chain::AssetSplitOp>(*op);
  EXPECT_EQ(split.children[0].metadata,
            (std::vector<chain::MetadataEntry>{{"bag", "1"}, {"serial", "A"}}));
  EXPECT_TRUE(split.children[1].metadata.empty());
  auto twice = MakeSplit(H(1), {{5, {}}, {6, {{"bag", "1"}, {"bag", "2"}}}});
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.status().reason().find("child 1"), std::string::npos) << twice.status().reason();
  // Five entries pass the builder (only the count of 16 is SortMetadata's) but not BuildTx: a
  // child's list holds at most four.
  auto five = MakeSplit(H(1), {{5, {}}, {6, {{"a", ""}, {"b", ""}, {"c", ""}, {"d", ""}, {"e", ""}}}});
  ASSERT_TRUE(five.ok());
  EXPECT_FALSE(BuildTx(signer_.Account(), *five, Params()).ok());
}

TEST_F(TxBuilderTest, LabeledSplit) {
  auto op = MakeLabeledSplit(H(1), 1000, 250, "bag");
  ASSERT_TRUE(op.ok()) << op.status().ToString();
  const auto& split = std::get<chain::AssetSplitOp>(*op);
  ASSERT_EQ(split.children.size(), 1000u);
  EXPECT_EQ(split.children[0], (chain::SplitChild{250, {{"bag", "000001"}}}));
  EXPECT_EQ(split.children[499], (chain::SplitChild{250, {{"bag", "000500"}}}));
  EXPECT_EQ(split.children[999], (chain::SplitChild{250, {{"bag", "001000"}}}));
  auto tx = BuildTx(signer_.Account(), *op, Params());
  ASSERT_TRUE(tx.ok()) << tx.status().ToString();
  EXPECT_LT(tx->Serialize().size(), chain::kMaxTxSize);

  EXPECT_FALSE(MakeLabeledSplit(H(1), 1, 250, "bag").ok());
  EXPECT_FALSE(MakeLabeledSplit(H(1), chain::kMaxSplitParts + 1, 250, "bag").ok());
  EXPECT_FALSE(MakeLabeledSplit(H(1), 2, 0, "bag").ok());
  auto overflow = MakeLabeledSplit(H(1), 3, std::numeric_limits<uint64_t>::max() / 2, "bag");
  ASSERT_FALSE(overflow.ok());
  EXPECT_NE(overflow.status().reason().find("overflows"), std::string::npos);
  EXPECT_TRUE(MakeLabeledSplit(H(1), 2, std::numeric_limits<uint64_t>::max() / 2, "bag").ok());
  EXPECT_FALSE(MakeLabeledSplit(H(1), 2, 1, "").ok());
}

TEST_F(TxBuilderTest, ContractTxsPayTheirGas) {
  TxParams params = Params();
  params.gas_price = 5;
  const chain::Operation deploy =
      MakeContractDeploy({'W', 'B', 'V', 'M'}, {uint64_t{1}, chain::Bytes{0xab}}, 1000);
  const chain::Transaction tx = Build(deploy, params);
  EXPECT_EQ(tx.fee, tx.Serialize().size() * 3 + 1000 * 5);
  EXPECT_EQ(GasLimitOf(tx.op), 1000u);
  EXPECT_EQ(*GasFee(tx, 5), 5000u);
  // Other ops pay no gas, whatever the price.
  const chain::Transaction transfer = Build(MakeTransfer(H(2), 1), params);
  EXPECT_EQ(transfer.fee, transfer.Serialize().size() * 3);
  EXPECT_EQ(GasLimitOf(transfer.op), 0u);
  // An explicit fee is kept as given.
  params.fee = 1;
  EXPECT_EQ(Build(deploy, params).fee, 1u);
  // A gas fee past the largest amount is refused.
  params.fee.reset();
  params.gas_price = chain::kMaxAmount;
  EXPECT_FALSE(BuildTx(signer_.Account(), deploy, params).ok());

  ContractCall call;
  call.contract = H(0xcc);
  call.entry = "pay";
  call.args = {chain::Bytes{1, 2}};
  call.coins = 9;
  call.assets = {H(0xa1)};
  call.gas_limit = 40;
  const chain::Operation op = MakeContractCall(call);
  const auto& c = std::get<chain::ContractCallOp>(op);
  EXPECT_EQ(c.contract, H(0xcc));
  EXPECT_EQ(c.entry, "pay");
  EXPECT_EQ(c.coins, 9u);
  EXPECT_EQ(c.assets, std::vector<chain::Hash256>{H(0xa1)});
  EXPECT_EQ(GasLimitOf(op), 40u);
}

TEST_F(TxBuilderTest, ADeployNamesItsContract) {
  TxParams params = Params(11);
  params.gas_price = 1;
  auto signed_tx =
      SignTx(signer_, Build(MakeContractDeploy({'W', 'B', 'V', 'M'}, {}, 0), params));
  ASSERT_TRUE(signed_tx.ok()) << signed_tx.status().ToString();
  ASSERT_TRUE(signed_tx->new_contract.has_value());
  EXPECT_EQ(*signed_tx->new_contract, chain::ContractIdFor(H(0xc1), signer_.Account(), 11));
  auto call = SignTx(signer_, Build(MakeTransfer(H(2), 1), params));
  ASSERT_TRUE(call.ok());
  EXPECT_FALSE(call->new_contract.has_value());
}

}  // namespace
}  // namespace waybill::wallet
