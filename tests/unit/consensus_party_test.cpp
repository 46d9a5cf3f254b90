// Parties (docs/PROTOCOL.md §3 ops 8 and 9, §8.3, §9.2): party.profile and party.endorse,
// their encodings and rules, GS1 GLN check digits, genesis registrars, attester_certified in
// attestations, and a disconnect/reconnect across every party operation restoring each state
// key exactly.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "chain/state.h"
#include "chain/state_cache.h"
#include "chain/store.h"
#include "consensus/chainstate.h"
#include "consensus/state_transition.h"
#include "consensus/tx_check.h"
#include "node/params/genesis.h"
#include "tests/unit/consensus_test_util.h"

namespace waybill::consensus {
namespace {

using chain::AssetAttestOp;
using chain::AssetIssueOp;
using chain::EndorseAction;
using chain::Hash256;
using chain::Operation;
using chain::PartyEndorseOp;
using chain::PartyEventType;
using chain::PartyProfileOp;
using chain::TxWithId;
using testing::TxFactory;

constexpr int kFarm = 0, kRegistrar = 1, kCertifier = 2, kMiner = 3;

// Published examples: 9436465792104 (the GLN example of the codes-check-digits crate's gs1
// module) and 7601000000002 (GTIN-13/GLN sample "760100000000" -> check digit 2 of Brian
// Dunning's CheckDigit_GTIN_13 function).
TEST(Gln, CheckDigit) {
  EXPECT_TRUE(IsValidGln("9436465792104"));
  EXPECT_TRUE(IsValidGln("7601000000002"));
  for (char last = '0'; last <= '9'; ++last) {
    if (last == '4') continue;
    EXPECT_FALSE(IsValidGln(std::string("943646579210") + last)) << last;
  }
  EXPECT_FALSE(IsValidGln("7601000000003"));
  EXPECT_FALSE(IsValidGln("760100000002"));    // 12 digits
  EXPECT_FALSE(IsValidGln("07601000000002"));  // 14 digits (a GTIN-14 shape)
  EXPECT_FALSE(IsValidGln("760100000000a"));
  EXPECT_FALSE(IsValidGln(" 601000000002"));
  EXPECT_FALSE(IsValidGln(""));
}

PartyProfileOp Profile(std::string name, std::string role) {
  PartyProfileOp op;
  op.name = std::move(name);
  op.role = std::move(role);
  op.identifiers = {{"gln", "9436465792104"}, {"vat", "CI-123"}};
  op.url = "https://example.org/coop";
  op.document.bytes.fill(0xd0);
  return op;
}

PartyEndorseOp Endorse(const chain::AccountId& account, std::string role,
                       EndorseAction action = EndorseAction::kEndorse) {
  return PartyEndorseOp{account, std::move(role), action};
}

std::string CheckReason(const Operation& op) {
  chain::Transaction tx;
  tx.op = op;
  ValidationResult r = CheckTransaction(tx);
  return r.valid() ? "valid" : r.reason();
}

TEST(PartyCheck, ProfileContentRules) {
  EXPECT_EQ(CheckReason(Profile("Coopérative Yakro", "cooperative")), "valid");
  EXPECT_EQ(CheckReason(Profile("", "farm")), "bad-profile");
  EXPECT_EQ(CheckReason(Profile("tab\there", "farm")), "bad-profile");
  EXPECT_EQ(CheckReason(Profile(std::string(65, 'n'), "farm")), "bad-profile");
  EXPECT_EQ(CheckReason(Profile(std::string(64, 'n'), "farm")), "valid");
  EXPECT_EQ(CheckReason(Profile("A", "")), "bad-profile");
  EXPECT_EQ(CheckReason(Profile("A", "Farm")), "bad-profile");
  EXPECT_EQ(CheckReason(Profile("A", std::string(33, 'r'))), "bad-profile");
  PartyProfileOp url = Profile("A", "farm");
  url.url = "https://x\n";
  EXPECT_EQ(CheckReason(url), "bad-profile");
  url.url = "";
  EXPECT_EQ(CheckReason(url), "valid");
  PartyProfileOp ids = Profile("A", "farm");
  ids.identifiers = {{"vat", "1"}, {"gln", "9436465792104"}};  // not ascending
  EXPECT_EQ(CheckReason(ids), "bad-metadata");
  ids.identifiers = {{"gln", "9436465792105"}};
  EXPECT_EQ(CheckReason(ids), "bad-gln");
  ids.identifiers = {{"gln", "943646579210"}};
  EXPECT_EQ(CheckReason(ids), "bad-gln");
  ids.identifiers = {{"glnx", "anything"}};  // only the key `gln` is a GLN
  EXPECT_EQ(CheckReason(ids), "valid");
  ids.identifiers.assign(9, {"k", "v"});
  EXPECT_EQ(CheckReason(ids), "bad-metadata");
}

TEST(PartyCheck, EndorseRole) {
  EXPECT_EQ(CheckReason(Endorse(Hash256(), "certifier")), "valid");
  EXPECT_EQ(CheckReason(Endorse(Hash256(), "")), "bad-profile");
  EXPECT_EQ(CheckReason(Endorse(Hash256(), "Certifier")), "bad-profile");
}

TEST(PartyEncoding, RoundTripAndBounds) {
  const TxFactory f(testing::MakeParams());
  for (const Operation& op : {Operation(Profile("Coop", "cooperative")),
                              Operation(Endorse(f.Id(2), "certifier", EndorseAction::kRevoke))}) {
    chain::Transaction tx = f.Make(0, 7, op);
    auto decoded = chain::DecodeTransaction(tx.Serialize());
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(*decoded, tx);
  }
  EXPECT_EQ(chain::TypeOf(Operation(Profile("a", "b"))), chain::OpType::kPartyProfile);
  EXPECT_EQ(chain::TypeOf(Operation(Endorse(f.Id(0), "b"))), chain::OpType::kPartyEndorse);

  // The action byte is the last before the signature: 1 and 2 decode, nothing else does.
  chain::Bytes raw = f.Make(0, 7, Endorse(f.Id(2), "certifier")).Serialize();
  const size_t action_at = raw.size() - 64 - 1;
  ASSERT_EQ(raw[action_at], 1);
  for (uint8_t action : {0, 3, 255}) {
    raw[action_at] = action;
    EXPECT_FALSE(chain::DecodeTransaction(raw).ok()) << int{action};
  }
  // Nine identifiers do not decode (list(entry, 0, 8)).
  PartyProfileOp nine = Profile("a", "b");
  nine.identifiers.assign(9, {"k", "v"});
  EXPECT_FALSE(chain::DecodeTransaction(f.Make(0, 7, nine).Serialize()).ok());
}

TEST(PartyGenesis, Registrars) {
  ChainParams p = testing::Regtest();
  ASSERT_EQ(p.registrars.size(), 1u);  // dev key 9
  EXPECT_EQ(p.registrars[0], testing::DevKey(9).PublicKey());
  const Hash256 with = p.chain_id();
  p.registrars.clear();
  ASSERT_TRUE(p.Finalize().ok());
  EXPECT_NE(p.chain_id(), with);  // the list is committed
  p.registrars = {testing::DevKey(1).PublicKey(), testing::DevKey(1).PublicKey()};
  EXPECT_FALSE(p.Finalize().ok());
  p.registrars.clear();
  for (uint32_t i = 0; i < 33; ++i) p.registrars.push_back(testing::DevKey(i).PublicKey());
  EXPECT_FALSE(p.Finalize().ok());
  p.registrars.pop_back();
  EXPECT_TRUE(p.Finalize().ok());

  // The JSON form round-trips through the genesis writer and parser.
  auto again = node::ParseGenesisJson(node::GenesisToJson(p));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->registrars, p.registrars);
  EXPECT_EQ(again->chain_id(), p.chain_id());
}

// Regtest with dev key 1 (funded in the tests) as the one registrar.
ChainParams PartyParams() {
  ChainParams p = testing::MakeParams();
  p.registrars = {testing::DevKey(kRegistrar).PublicKey()};
  if (!p.Finalize().ok()) std::abort();
  return p;
}

class PartyStateTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(ApplyGenesis(params_, &state_).valid()); }

  std::string Apply(int key, Operation op) {
    auto account = state_.GetAccount(f_.Id(key));
    EXPECT_TRUE(account.ok());
    TxWithId tx = f_.MakeWithId(key, account->nonce, std::move(op));
    chain::Amount fee = 0;
    ValidationResult r = ApplyTransaction(params_, ctx_, tx, index_, &state_, &fee);
    EXPECT_FALSE(r.error()) << r.ToString();
    if (!r.valid()) return r.reason();
    ++index_;
    last_txid_ = tx.id;
    return "valid";
  }

  std::optional<chain::Party> PartyOf(int key) {
    auto p = state_.GetParty(f_.Id(key));
    EXPECT_TRUE(p.ok());
    return p.ok() ? *p : std::nullopt;
  }
  chain::PartyEvent PartyEventOf(int key, uint32_t seq) {
    chain::Bytes raw;
    EXPECT_TRUE(state_.Get(chain::keys::PartyEvent(f_.Id(key), seq), &raw).ok());
    auto e = chain::DecodePartyEvent(raw);
    EXPECT_TRUE(e.ok());
    return e.ok() ? *e : chain::PartyEvent{};
  }
  bool Endorsed(int key, const std::string& role, int registrar) {
    auto e = state_.GetEndorsement(f_.Id(key), role, f_.Id(registrar));
    EXPECT_TRUE(e.ok());
    return e.ok() && e->has_value();
  }
  // Issues an asset by the farm and returns its id.
  Hash256 IssueAsset() {
    AssetIssueOp op;
    op.quantity = 1800;
    op.unit = "kg";
    auto account = state_.GetAccount(f_.Id(kFarm));
    TxWithId tx = f_.MakeWithId(kFarm, account->nonce, op);
    EXPECT_EQ(Apply(kFarm, op), "valid");
    return chain::NewAssetIds(tx.tx).front();
  }
  // Attests the asset as key; the attest event's attester_certified.
  int AttestCertified(int key, const Hash256& asset) {
    EXPECT_EQ(Apply(key, AssetAttestOp{asset, "cert.organic", "EU 2018/848", Hash256()}), "valid");
    auto a = state_.GetAsset(asset);
    EXPECT_TRUE(a.ok() && a->has_value());
    chain::Bytes raw;
    EXPECT_TRUE(state_.Get(chain::keys::Event(asset, (*a)->event_count - 1), &raw).ok());
    auto e = chain::DecodeAssetEvent(raw);
    EXPECT_TRUE(e.ok());
    EXPECT_EQ(e->type, chain::EventType::kAttest);
    return e->attester_certified;
  }

  ChainParams params_ = PartyParams();
  TxFactory f_{params_};
  chain::MemoryKv base_;
  chain::StateCache state_{&base_};
  BlockContext ctx_{Hash256(), 1, 1'700'000'100};
  uint32_t index_ = 0;
  Hash256 last_txid_;
};

TEST_F(PartyStateTest, ProfileVersionsAreKept) {
  EXPECT_FALSE(PartyOf(kCertifier));
  ASSERT_EQ(Apply(kCertifier, Profile("Bureau Veritas CI", "certifier")), "valid");
  auto p = PartyOf(kCertifier);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name, "Bureau Veritas CI");
  EXPECT_EQ(p->role, "certifier");
  EXPECT_EQ(p->identifiers.size(), 2u);
  EXPECT_EQ(p->version, 1u);
  EXPECT_EQ(p->history_count, 1u);
  EXPECT_EQ(p->updated_height, 1u);
  const Hash256 first_tx = last_txid_;

  ctx_.height = 5;
  PartyProfileOp second = Profile("BV Côte d'Ivoire", "certifier");
  second.identifiers.clear();
  second.url.clear();
  ASSERT_EQ(Apply(kCertifier, second), "valid");
  p = PartyOf(kCertifier);
  EXPECT_EQ(p->name, "BV Côte d'Ivoire");
  EXPECT_TRUE(p->identifiers.empty());
  EXPECT_EQ(p->version, 2u);
  EXPECT_EQ(p->history_count, 2u);
  EXPECT_EQ(p->updated_height, 5u);

  // Both versions stay in the history, each as published.
  chain::PartyEvent v1 = PartyEventOf(kCertifier, 0);
  EXPECT_EQ(v1.type, PartyEventType::kProfile);
  EXPECT_EQ(v1.name, "Bureau Veritas CI");
  EXPECT_EQ(v1.url, "https://example.org/coop");
  EXPECT_EQ(v1.version, 1u);
  EXPECT_EQ(v1.txid, first_tx);
  EXPECT_EQ(v1.actor, f_.Id(kCertifier));
  chain::PartyEvent v2 = PartyEventOf(kCertifier, 1);
  EXPECT_EQ(v2.name, "BV Côte d'Ivoire");
  EXPECT_EQ(v2.version, 2u);
  EXPECT_EQ(v2.height, 5u);
}

TEST_F(PartyStateTest, EndorseRules) {
  // Only a registrar: the account's own endorsement of itself is refused too.
  ASSERT_EQ(Apply(kCertifier, Profile("BV", "certifier")), "valid");
  EXPECT_EQ(Apply(kCertifier, Endorse(f_.Id(kCertifier), "certifier")), "not-registrar");
  EXPECT_EQ(Apply(kFarm, Endorse(f_.Id(kCertifier), "certifier")), "not-registrar");
  // A profile first.
  EXPECT_EQ(Apply(kRegistrar, Endorse(f_.Id(kFarm), "farm")), "no-profile");
  EXPECT_EQ(Apply(kRegistrar, Endorse(f_.Id(kFarm), "farm", EndorseAction::kRevoke)), "no-profile");
  // Revoking what is not in force.
  EXPECT_EQ(Apply(kRegistrar, Endorse(f_.Id(kCertifier), "certifier", EndorseAction::kRevoke)),
            "not-endorsed");

  ctx_.height = 7;
  ASSERT_EQ(Apply(kRegistrar, Endorse(f_.Id(kCertifier), "certifier")), "valid");
  EXPECT_TRUE(Endorsed(kCertifier, "certifier", kRegistrar));
  auto e = state_.GetEndorsement(f_.Id(kCertifier), "certifier", f_.Id(kRegistrar));
  EXPECT_EQ((*e)->height, 7u);
  EXPECT_EQ((*e)->txid, last_txid_);
  EXPECT_EQ(Apply(kRegistrar, Endorse(f_.Id(kCertifier), "certifier")), "already-endorsed");
  // Another role is another endorsement; it need not be the declared one.
  EXPECT_EQ(Apply(kRegistrar, Endorse(f_.Id(kCertifier), "auditor")), "valid");

  ASSERT_EQ(Apply(kRegistrar, Endorse(f_.Id(kCertifier), "certifier", EndorseAction::kRevoke)),
            "valid");
  EXPECT_FALSE(Endorsed(kCertifier, "certifier", kRegistrar));
  EXPECT_TRUE(Endorsed(kCertifier, "auditor", kRegistrar));
  EXPECT_EQ(Apply(kRegistrar, Endorse(f_.Id(kCertifier), "certifier", EndorseAction::kRevoke)),
            "not-endorsed");
  // Endorsing again after a revocation works.
  ctx_.height = 9;
  ASSERT_EQ(Apply(kRegistrar, Endorse(f_.Id(kCertifier), "certifier")), "valid");
  EXPECT_TRUE(Endorsed(kCertifier, "certifier", kRegistrar));

  // The history: profile, endorse, endorse (auditor), revoke, endorse.
  auto p = PartyOf(kCertifier);
  ASSERT_EQ(p->history_count, 5u);
  EXPECT_EQ(p->version, 1u);  // endorsements do not make profile versions
  const PartyEventType expected[] = {PartyEventType::kProfile, PartyEventType::kEndorse,
                                     PartyEventType::kEndorse, PartyEventType::kRevoke,
                                     PartyEventType::kEndorse};
  for (uint32_t i = 0; i < 5; ++i) EXPECT_EQ(PartyEventOf(kCertifier, i).type, expected[i]) << i;
  chain::PartyEvent revoke = PartyEventOf(kCertifier, 3);
  EXPECT_EQ(revoke.role, "certifier");
  EXPECT_EQ(revoke.actor, f_.Id(kRegistrar));
  EXPECT_EQ(PartyEventOf(kCertifier, 4).height, 9u);
}

TEST_F(PartyStateTest, AttesterCertified) {
  const Hash256 lot = IssueAsset();
  // No profile, then a self-declared certifier: 0.
  EXPECT_EQ(AttestCertified(kCertifier, lot), 0);
  ASSERT_EQ(Apply(kCertifier, Profile("BV", "certifier")), "valid");
  EXPECT_EQ(AttestCertified(kCertifier, lot), 0);
  // Endorsed for another role: 0.
  ASSERT_EQ(Apply(kRegistrar, Endorse(f_.Id(kCertifier), "auditor")), "valid");
  EXPECT_EQ(AttestCertified(kCertifier, lot), 0);
  // Endorsed as certifier: 1, whatever the asset's custodian (anyone may attest).
  ASSERT_EQ(Apply(kRegistrar, Endorse(f_.Id(kCertifier), "certifier")), "valid");
  EXPECT_EQ(AttestCertified(kCertifier, lot), 1);
  EXPECT_EQ(AttestCertified(kFarm, lot), 0);  // another attester
  // Revoked: 0 again; the earlier event keeps its 1.
  ASSERT_EQ(Apply(kRegistrar, Endorse(f_.Id(kCertifier), "certifier", EndorseAction::kRevoke)),
            "valid");
  EXPECT_EQ(AttestCertified(kCertifier, lot), 0);
  ASSERT_EQ(Apply(kRegistrar, Endorse(f_.Id(kCertifier), "certifier")), "valid");
  EXPECT_EQ(AttestCertified(kCertifier, lot), 1);

  // Only the network's registrars count: under parameters without this registrar (another
  // network, so txs signed for its chain id) the same endorsement record certifies nothing.
  params_.registrars = {f_.Id(kMiner)};
  ASSERT_TRUE(params_.Finalize().ok());
  f_ = TxFactory(params_);
  EXPECT_EQ(AttestCertified(kCertifier, lot), 0);
}

TEST_F(PartyStateTest, NonAttestEventsRecordZero) {
  ASSERT_EQ(Apply(kFarm, Profile("Farm", "certifier")), "valid");
  ASSERT_EQ(Apply(kRegistrar, Endorse(f_.Id(kFarm), "certifier")), "valid");
  const Hash256 lot = IssueAsset();  // issued by an endorsed certifier
  chain::Bytes raw;
  ASSERT_TRUE(state_.Get(chain::keys::Event(lot, 0), &raw).ok());
  EXPECT_EQ(chain::DecodeAssetEvent(raw)->attester_certified, 0);
}

TEST(PartyRecords, RoundTripAndStrictness) {
  chain::Party p;
  p.name = "Coop";
  p.role = "cooperative";
  p.identifiers = {{"gln", "9436465792104"}};
  p.version = 3;
  p.history_count = 9;
  auto party = chain::DecodeParty(chain::EncodeParty(p));
  ASSERT_TRUE(party.ok());
  EXPECT_EQ(*party, p);
  chain::PartyEvent e;
  e.type = PartyEventType::kRevoke;
  e.role = "certifier";
  chain::Bytes raw = chain::EncodePartyEvent(e);
  ASSERT_EQ(*chain::DecodePartyEvent(raw), e);
  raw[4] = 4;  // the type byte follows the u32 sequence
  EXPECT_FALSE(chain::DecodePartyEvent(raw).ok());
  chain::Endorsement en{12, Hash256()};
  EXPECT_EQ(chain::EncodeEndorsement(en).size(), 36u);
  EXPECT_EQ(*chain::DecodeEndorsement(chain::EncodeEndorsement(en)), en);
  chain::AssetEvent ev;
  ev.attester_certified = 1;
  raw = chain::EncodeAssetEvent(ev);
  // The flag is followed by the changes list of a correction (empty: one zero byte).
  ASSERT_EQ(raw.back(), 0);
  uint8_t& flag = raw[raw.size() - 2];
  EXPECT_EQ(flag, 1);
  flag = 2;  // a flag is 0 or 1
  EXPECT_FALSE(chain::DecodeAssetEvent(raw).ok());

  // Endorsement keys parse back; every party key is a state key.
  const chain::AccountId a = testing::DevKey(0).PublicKey(), r = testing::DevKey(1).PublicKey();
  const std::string key = chain::keys::Endorsement(a, "certifier", r);
  chain::AccountId a2, r2;
  std::string role;
  ASSERT_TRUE(chain::keys::ParseEndorsement(key, &a2, &role, &r2));
  EXPECT_EQ(a2, a);
  EXPECT_EQ(role, "certifier");
  EXPECT_EQ(r2, r);
  EXPECT_FALSE(chain::keys::ParseEndorsement(key.substr(0, key.size() - 1), &a2, &role, &r2));
  EXPECT_TRUE(chain::keys::IsStateKey(key));
  EXPECT_TRUE(chain::keys::IsStateKey(chain::keys::Party(a)));
  EXPECT_TRUE(chain::keys::IsStateKey(chain::keys::PartyEvent(a, 0)));
}

// Disconnecting blocks of party operations (profile, endorse, attest, revoke, profile update)
// restores every state key exactly, and connecting them again gives the same state.
class PartyReorgTest : public testing::StoredChainTest {
 protected:
  PartyReorgTest() : StoredChainTest(PartyParams()) {}
  static size_t CountPrefix(const std::map<std::string, chain::Bytes>& keys, char prefix) {
    size_t n = 0;
    for (const auto& [key, value] : keys) n += key[0] == prefix;
    return n;
  }
  chain::Block Connect(std::vector<chain::Transaction> txs) {
    const auto tip = cs_->Tip();
    chain::Block b = testing::MakeBlock(params_, tip.id, tip.height, std::move(txs), f_.Id(kMiner));
    BlockOutcome outcome;
    ValidationResult r = cs_->ProcessBlockBytes(b.Serialize(), &outcome);
    EXPECT_TRUE(r.valid()) << r.ToString();
    EXPECT_EQ(outcome, BlockOutcome::kNewTip);
    return b;
  }
};

TEST_F(PartyReorgTest, DisconnectRestoresEveryKey) {
  AssetIssueOp issue;
  issue.quantity = 1800;
  issue.unit = "kg";
  chain::Transaction issue_tx = f_.Make(kFarm, 0, issue);
  const Hash256 lot = chain::NewAssetIds(issue_tx).front();
  chain::Block b1 = Connect({issue_tx, f_.Make(kCertifier, 0, Profile("BV", "certifier"))});
  const auto before = StateKeys();
  EXPECT_EQ(CountPrefix(before, chain::keys::kParty), 1u);
  EXPECT_EQ(CountPrefix(before, chain::keys::kEndorsement), 0u);

  const AssetAttestOp attest{lot, "cert.organic", "yes", Hash256()};
  Connect({f_.Make(kRegistrar, 0, Endorse(f_.Id(kCertifier), "certifier")),
           f_.Make(kFarm, 1, Profile("Farm", "farm"))});
  Connect({f_.Make(kCertifier, 1, attest), f_.Make(kRegistrar, 1, Endorse(f_.Id(kFarm), "farm"))});
  Connect({f_.Make(kRegistrar, 2, Endorse(f_.Id(kCertifier), "certifier", EndorseAction::kRevoke)),
           f_.Make(kCertifier, 2, Profile("BV 2", "certifier")), f_.Make(kCertifier, 3, attest)});
  const auto after = StateKeys();
  EXPECT_EQ(CountPrefix(after, chain::keys::kParty), 2u);
  EXPECT_EQ(CountPrefix(after, chain::keys::kEndorsement), 1u);  // the farm's
  // The certifier: profile, endorse, revoke, profile; the farm: profile, endorse.
  EXPECT_EQ(CountPrefix(after, chain::keys::kPartyEvent), 4u + 2u);
  {
    auto events = cs_->GetAssetEvents(lot, 0, 10);
    ASSERT_TRUE(events.ok());
    ASSERT_EQ(events->size(), 3u);
    EXPECT_EQ((*events)[1].attester_certified, 1);
    EXPECT_EQ((*events)[2].attester_certified, 0);
  }

  // Disconnect the three blocks after b1.
  const auto b2 = cs_->BlockHashAt(2);
  ASSERT_TRUE(b2);
  ASSERT_TRUE(cs_->InvalidateBlock(*b2).valid());
  ASSERT_EQ(cs_->Tip().id, b1.header.Id());
  EXPECT_EQ(StateKeys(), before);

  // Connect them again: the same state as before the disconnect.
  ASSERT_TRUE(cs_->ReconsiderBlock(*b2).valid());
  ASSERT_EQ(cs_->Tip().height, 4u);
  EXPECT_EQ(StateKeys(), after);
  auto report = cs_->VerifyChain();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->problems.empty()) << report->problems.front();
}

}  // namespace
}  // namespace waybill::consensus
