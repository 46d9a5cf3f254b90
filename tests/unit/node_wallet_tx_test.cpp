// What wallet/ builds is what consensus accepts: each operation, built from plain inputs with
// wallet/tx_builder.h and signed with a KeySigner, passes CheckTransaction and applies to the
// state, and the asset ids the wallet reports are the ones the state transition creates.
// (A node_ test: wallet_ tests may not link consensus/.)
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "chain/state_cache.h"
#include "chain/store.h"
#include "consensus/state_transition.h"
#include "consensus/tx_check.h"
#include "tests/unit/consensus_test_util.h"
#include "wallet/signer.h"
#include "wallet/tx_builder.h"

namespace waybill::wallet {
namespace {

using chain::Hash256;

class WalletConsensusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    consensus::ValidationResult r = consensus::ApplyGenesis(params_, &state_);
    ASSERT_TRUE(r.valid()) << r.ToString();
  }

  KeySigner DevSigner(uint32_t index) const { return KeySigner(DevKey(index).value()); }

  uint64_t NextNonce(const chain::AccountId& id) const { return state_.GetAccount(id)->nonce; }

  // Builds op for signer with the network's plain inputs, signs it, checks it and applies it.
  SignedTx Send(const Signer& signer, chain::Operation op) {
    TxParams p;
    p.chain_id = params_.chain_id();
    p.nonce = NextNonce(signer.Account());
    p.fee_per_byte = params_.min_fee_per_byte;
    auto tx = BuildTx(signer.Account(), std::move(op), p);
    EXPECT_TRUE(tx.ok()) << tx.status().reason();
    auto signed_tx = SignTx(signer, std::move(*tx));
    EXPECT_TRUE(signed_tx.ok()) << signed_tx.status().reason();
    const consensus::ValidationResult check = consensus::CheckTransaction(signed_tx->tx);
    EXPECT_TRUE(check.valid()) << check.ToString();
    EXPECT_EQ(signed_tx->tx.fee, *params_.MinFee(signed_tx->raw.size())) << "the minimum fee";
    chain::Amount fee = 0;
    const consensus::ValidationResult applied = consensus::ApplyTransaction(
        params_, ctx_, chain::MakeTxWithId(signed_tx->tx), index_++, &state_, &fee);
    EXPECT_TRUE(applied.valid()) << applied.ToString();
    return std::move(*signed_tx);
  }

  chain::Asset AssetAt(const Hash256& id) const {
    auto a = state_.GetAsset(id);
    EXPECT_TRUE(a.ok() && a->has_value()) << "no asset " << id.ToHex();
    return a.ok() && a->has_value() ? **a : chain::Asset{};
  }

  NewAsset Lot() const {
    NewAsset a;
    a.quantity = 1000;
    a.unit = "kg";
    a.metadata = {{"origin", "Peru"}, {"lot", "L-2024-17"}, {"gtin", "09506000134352"}};
    a.documents = {Hash256::FromSpan(std::vector<uint8_t>(32, 0xab))};
    return a;
  }

  const consensus::ChainParams params_ = consensus::testing::MakeParams();
  chain::MemoryKv base_;
  chain::StateCache state_{&base_};
  consensus::BlockContext ctx_{Hash256(), 1, 1'700'000'100};
  uint32_t index_ = 0;
};

TEST_F(WalletConsensusTest, EveryOperationIsAcceptedWithTheReportedAssetIds) {
  const KeySigner alice = DevSigner(0);
  const KeySigner bob = DevSigner(1);
  const KeySigner auditor = DevSigner(2);

  const SignedTx transfer = Send(alice, MakeTransfer(bob.Account(), 12345));
  EXPECT_TRUE(transfer.new_assets.empty());

  const SignedTx issue = Send(alice, *MakeIssue(Lot()));
  ASSERT_EQ(issue.new_assets.size(), 1u);
  const Hash256 lot = issue.new_assets[0];
  const chain::Asset issued = AssetAt(lot);
  EXPECT_EQ(issued.custodian, alice.Account());
  EXPECT_EQ(issued.created_tx, issue.txid);
  EXPECT_EQ(issued.metadata.front().key, "gtin") << "sorted by the wallet";

  Send(alice, MakeAssetTransfer(lot, bob.Account()));
  EXPECT_EQ(AssetAt(lot).custodian, bob.Account());

  const SignedTx split = Send(bob, MakeSplit(lot, {400, 600}));
  ASSERT_EQ(split.new_assets.size(), 2u);
  EXPECT_EQ(AssetAt(lot).children, split.new_assets) << "the state transition's child ids";
  EXPECT_EQ(AssetAt(split.new_assets[0]).quantity, 400u);
  EXPECT_EQ(AssetAt(split.new_assets[1]).quantity, 600u);

  Send(auditor, MakeAttest(split.new_assets[0], "temperature.max", "4C", std::nullopt));
  EXPECT_EQ(AssetAt(split.new_assets[0]).event_count, 2u) << "split child + attestation";

  NewAsset puree = Lot();
  puree.quantity = 1000;  // a merge conserves the parts (400 + 600 kg)
  const SignedTx merge = Send(bob, *MakeMerge(split.new_assets, puree));
  ASSERT_EQ(merge.new_assets.size(), 1u);
  EXPECT_EQ(AssetAt(merge.new_assets[0]).parents, split.new_assets);
  for (const Hash256& part : split.new_assets) {
    EXPECT_EQ(AssetAt(part).children, merge.new_assets) << "the state transition's merge id";
  }
}

}  // namespace
}  // namespace waybill::wallet
