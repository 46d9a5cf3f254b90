// The seeds of the proof bundle fuzz target (fuzz/proof_decode.cpp, corpus/proof_decode/): the
// target verifies against the embedded regtest genesis, so its seeds are bundles of a real
// regtest chain (Regtest(), not MakeParams(): another genesis stops every input at the
// genesis check). This test makes them: bundles that verify (one with a contract's claimed
// effects), and bundles that fail at the genesis, header, tx and replay checks (a tampered
// claim among them); it checks that each fails where it should, and that the committed corpus
// reaches each of those stages. With WAYBILL_WRITE_PROOF_SEEDS=DIR set it writes the seeds
// into DIR (named by content, as libFuzzer names them; remove the old ones first):
//   WAYBILL_WRITE_PROOF_SEEDS=fuzz/corpus/proof_decode build/tests/consensus_proof_seeds_test
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "chain/hash.h"
#include "chain/merkle.h"
#include "consensus/pow.h"
#include "consensus/proof.h"
#include "consensus/read_snapshot.h"
#include "tests/unit/consensus_contract_test_util.h"
#include "tests/unit/consensus_test_util.h"

namespace waybill::consensus {
namespace {

using chain::Hash256;
using testing::MakeBlock;

constexpr int kFarm = 0, kCoop = 1, kInspector = 2;

// Where a check sits in the verifier's order (consensus/proof.h ProofCheck).
enum class Stage { kOk, kGenesis, kHeaders, kTxs, kReplay };

Stage StageOf(const ProofReport& r) {
  if (r.ok) return Stage::kOk;
  switch (r.check) {
    case ProofCheck::kGenesis:
      return Stage::kGenesis;
    case ProofCheck::kLink:
    case ProofCheck::kDifficulty:
    case ProofCheck::kPow:
    case ProofCheck::kTime:
    case ProofCheck::kMinWork:
      return Stage::kHeaders;
    case ProofCheck::kTxDecode:
    case ProofCheck::kChainId:
    case ProofCheck::kSignature:
    case ProofCheck::kTxRule:
    case ProofCheck::kHeight:
    case ProofCheck::kMerkle:
    case ProofCheck::kOrder:
    case ProofCheck::kReference:
      return Stage::kTxs;
    default:
      return Stage::kReplay;
  }
}

chain::AssetIssueOp Issue(chain::Quantity q) { return {q, "kg", {{"lot", "L-7"}}, {}}; }

// A farm issues a lot, hands it to a cooperative, which splits it; an inspector attests one
// half, which the cooperative roasts. A second lot goes to the cooperative through a contract.
class ProofSeedsTest : public testing::StoredChainTest {
 protected:
  ProofSeedsTest() : StoredChainTest(testing::Regtest()) {}

  Hash256 Id(int key, uint64_t nonce, uint32_t i = 0) const {
    return chain::AssetIdFor(params_.chain_id(), f_.Id(key), nonce, i);
  }
  void Connect(std::vector<chain::Transaction> txs) { Submit(Next(std::move(txs))); }
  void SetUp() override {
    StoredChainTest::SetUp();
    lot_ = Id(kFarm, 0);
    half_ = Id(kCoop, 0, 0);
    roast_ = Id(kCoop, 1, 0);
    Connect({f_.Make(kFarm, 0, Issue(1000)),
             f_.Make(kFarm, 1, chain::PartyProfileOp{"Finca Seed", "farm", {}, "", Hash256{}})});
    Connect({f_.Make(kFarm, 2, chain::AssetTransferOp{lot_, f_.Id(kCoop)})});
    Connect({f_.Make(kCoop, 0, chain::AssetSplitOp{lot_, chain::SplitChildren({600, 400})}),
             f_.Make(kInspector, 0, chain::AssetAttestOp{half_, "moisture", "11%", Hash256{}})});
    Connect({f_.Make(kCoop, 1, chain::AssetTransformOp{{half_}, {{480, "kg", {}, {}}}})});
    // The relay hands its attached asset to argument 0.
    const chain::Bytes relay = testing::Code(".entry give\n PUSH 0\n ARG\n PUSH 0\n ATTASSET\n"
                                             " SENDASSET\n STOP\n");
    relayed_ = Id(kFarm, 3);
    const chain::AccountId contract = chain::ContractIdFor(params_.chain_id(), f_.Id(kCoop), 2);
    Connect({f_.Make(kFarm, 3, Issue(500)),
             f_.Make(kCoop, 2, chain::ContractDeployOp{relay, {}, 0}, testing::FeeFor(0))});
    Connect({f_.Make(kFarm, 4,
                     testing::CallOp(contract, "give", {testing::IdArg(f_.Id(kCoop))}, 0,
                                     {relayed_}),
                     testing::FeeFor(2'000'000))});
  }

  ProofBundle Honest(const Hash256& subject) {
    std::shared_ptr<const ReadSnapshot> snap = cs_->TakeSnapshot();
    auto b = BuildProofBundle(*snap, subject);
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    return b.ok() ? *b : ProofBundle{};
  }

  // The seeds: name -> (bundle, the check it must stop at; nullopt: it verifies).
  std::vector<std::pair<std::string, std::pair<ProofBundle, std::optional<ProofCheck>>>> Seeds() {
    std::vector<std::pair<std::string, std::pair<ProofBundle, std::optional<ProofCheck>>>> out;
    const ProofBundle honest = Honest(roast_);
    out.push_back({"honest", {honest, std::nullopt}});
    ProofBundle b = honest;
    b.chain_id.bytes[0] ^= 0x01;
    out.push_back({"genesis", {b, ProofCheck::kGenesis}});
    // A contract's effect, claimed (§14.1 calls); then claimed twice: the second send is not
    // the contract's to make.
    const ProofBundle relayed = Honest(relayed_);
    out.push_back({"contract", {relayed, std::nullopt}});
    b = relayed;
    if (!b.calls.empty() && !b.calls[0].effects.empty()) {
      b.calls[0].effects.push_back(b.calls[0].effects[0]);
    }
    out.push_back({"claim-custody", {b, ProofCheck::kCustody}});
    b = honest;
    b.headers[1].bits -= 1;
    out.push_back({"difficulty", {b, ProofCheck::kDifficulty}});
    b = honest;
    chain::BlockHeader& h = b.headers[2];
    // Regtest's target passes about half of all ids: count on to one that fails it.
    for (int i = 0; i < 1000 && CheckProofOfWork(h.Id(), h.bits, params_.pow_limit); ++i) {
      h.nonce++;
    }
    out.push_back({"pow", {b, ProofCheck::kPow}});
    b = honest;
    b.txs[1].tx.back() ^= 0x01;
    out.push_back({"signature", {b, ProofCheck::kSignature}});
    b = honest;
    b.txs[0].path.at(0).bytes[3] ^= 0x10;
    out.push_back({"merkle", {b, ProofCheck::kMerkle}});
    // Replay: the split by someone who does not hold the lot, in blocks mined by the test
    // (a chainstate would refuse them).
    out.push_back({"custody", {MinedBundle(kInspector), ProofCheck::kCustody}});
    return out;
  }

  // issue by the farm, then a split of its lot signed by `splitter`, mined here.
  ProofBundle MinedBundle(int splitter) {
    const Hash256 lot = Id(kFarm, 0), child = Id(splitter, 0, 0);
    const std::vector<std::vector<chain::Transaction>> blocks = {
        {f_.Make(kFarm, 0, Issue(1000))},
        {f_.Make(splitter, 0, chain::AssetSplitOp{lot, chain::SplitChildren({600, 400})})}};
    ProofBundle b;
    b.chain_id = params_.chain_id();
    b.subject = child;
    Hash256 parent = params_.genesis_id;
    for (size_t height = 0; height < blocks.size(); ++height) {
      chain::Block block = MakeBlock(params_, parent, static_cast<uint32_t>(height),
                                     blocks[height], f_.Id(kNextMiner));
      parent = block.header.Id();
      b.headers.push_back(block.header);
      const std::vector<Hash256> leaves = {chain::MerkleLeafHash(block.txs[0].Id().span())};
      b.txs.push_back(ProofTx{static_cast<uint32_t>(height + 1), 0, 1,
                              *chain::MerkleInclusionProof(leaves, 0), block.txs[0].Serialize()});
    }
    b.assets = {ProofAsset{child, {1}}, ProofAsset{lot, {0, 1}}};
    return b;
  }

  Hash256 lot_, half_, roast_, relayed_;
};

std::string SeedName(const chain::Bytes& bytes) {
  return chain::Sha256Hash(chain::ByteSpan(bytes.data(), bytes.size())).ToHex().substr(0, 40);
}

TEST_F(ProofSeedsTest, EachSeedStopsAtItsCheck) {
  const char* write_to = std::getenv("WAYBILL_WRITE_PROOF_SEEDS");
  for (const auto& [name, seed] : Seeds()) {
    const auto& [bundle, check] = seed;
    const chain::Bytes bytes = EncodeProofBundle(bundle);
    auto decoded = DecodeProofBundle(bytes);
    ASSERT_TRUE(decoded.ok()) << name;
    ProofReport r = VerifyProofBundle(*decoded, params_);
    if (!check) {
      EXPECT_TRUE(r.ok) << name << ": " << r.Describe();
    } else {
      EXPECT_FALSE(r.ok) << name;
      EXPECT_EQ(ProofCheckName(r.check), std::string(ProofCheckName(*check)))
          << name << ": " << r.Describe();
    }
    if (write_to != nullptr) {
      const std::filesystem::path path = std::filesystem::path(write_to) / SeedName(bytes);
      std::ofstream out(path, std::ios::binary);
      out.write(reinterpret_cast<const char*>(bytes.data()),
                static_cast<std::streamsize>(bytes.size()));
      ASSERT_TRUE(out.good()) << path;
      std::printf("wrote %s (%s, %zu bytes)\n", path.c_str(), name.c_str(), bytes.size());
    }
  }
}

// The committed corpus reaches every stage of the verifier (the embedded regtest genesis is
// what the fuzz target verifies against: Regtest() here).
TEST(ProofCorpusTest, TheCommittedSeedsReachEveryStage) {
  const ChainParams params = testing::Regtest();
  const std::filesystem::path dir = std::filesystem::path(SOURCE_DIR) / "fuzz/corpus/proof_decode";
  std::set<Stage> stages;
  std::set<std::string> checks;
  size_t claimed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    const chain::Bytes bytes((std::istreambuf_iterator<char>(in)), {});
    auto bundle = DecodeProofBundle(bytes);
    if (!bundle.ok()) continue;
    ProofReport r = VerifyProofBundle(*bundle, params);
    stages.insert(StageOf(r));
    claimed += bundle->calls.empty() ? 0 : 1;
    if (!r.ok) checks.insert(ProofCheckName(r.check));
  }
  EXPECT_EQ(stages, (std::set<Stage>{Stage::kOk, Stage::kGenesis, Stage::kHeaders, Stage::kTxs,
                                     Stage::kReplay}));
  for (const ProofCheck check : {ProofCheck::kPow, ProofCheck::kSignature, ProofCheck::kMerkle,
                                 ProofCheck::kCustody}) {
    EXPECT_EQ(checks.count(ProofCheckName(check)), 1u) << ProofCheckName(check);
  }
  EXPECT_GE(claimed, 2u) << "seeds with contract claims (one that verifies, one tampered)";
}

}  // namespace
}  // namespace waybill::consensus
