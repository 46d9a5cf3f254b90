// `waybill proof verify FILE`: checks a proof bundle (docs/PROTOCOL.md §14) with no node and
// tells its story in plain words. Links only the verifier (consensus/proof.h, proof_verify.cpp),
// never the builder or anything that reads a node's store.
#include <ctime>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "chain/bech32.h"
#include "chain/contract_state.h"
#include "chain/quantity.h"
#include "consensus/proof.h"
#include "node/cli/commands.h"

namespace waybill::cli {
namespace {

constexpr const char* kProofHelp =
    "Usage: waybill proof verify FILE [--network NAME | --genesis FILE] [--min-work W] [--json]\n"
    "  Checks the proof bundle in FILE (GET /v1/assets/{id}/proof) with no node: the headers'\n"
    "  links, difficulty and proof of work from the network's genesis, each tx's signature and\n"
    "  Merkle path, and a replay of the lineage's events (custody, quantities through splits,\n"
    "  merges and transforms, event chaining). What contract code did is taken from the\n"
    "  serving node's call record and checked against those rules, not proven: the story marks\n"
    "  those events. Prints the story and \"verified\" (exit 0), or which check failed on\n"
    "  which event (exit 1). --min-work W: the least total work (hex) the headers must carry.\n"
    "  --json: the result as JSON.\n"
    "Options:\n";

std::vector<OptionSpec> ProofVerifyOptions() {
  return AddOptions(NetworkOptions(),
                    {{"min-work", "W", false, "least total chain work, hex (e.g. 0x1f00)"},
                     {"json", "", false, "print the result as JSON"},
                     {"help", "", false, "print this help"}});
}

std::string ProofUtc(uint32_t t) {
  std::time_t tt = t;
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

std::string ProofWorkText(const chain::ArithU256& w) {
  std::string hex = w.ToHex();
  const size_t nz = hex.find_first_not_of('0');
  return "0x" + (nz == std::string::npos ? "0" : hex.substr(nz));
}

// Names accounts, assets and quantities for the story.
class ProofStory {
 public:
  ProofStory(const consensus::ProofReport& r, const consensus::ChainParams& p) : r_(r), p_(p) {
    for (const auto& a : r.assets) assets_[a.id] = &a;
  }
  std::string Party(const chain::AccountId& id) const {
    std::string addr = chain::bech32::EncodeAddress(p_.address_prefix, id);
    auto it = r_.parties.find(id);
    if (it == r_.parties.end()) return addr;
    return "\"" + it->second.name + "\" (" + it->second.role + ", " + addr + ")";
  }
  std::string Asset(const chain::Hash256& id) const {
    std::string s = "asset " + id.ToHex().substr(0, 16);
    auto it = assets_.find(id);
    if (it != assets_.end()) s += " (" + Quantity(it->second->quantity, it->second->unit) + ")";
    return s;
  }
  std::string Quantity(chain::Quantity q, const std::string& unit) const {
    return chain::FormatScaled(q, p_.ScaleOf(unit)) + " " + unit;
  }
  // q in the unit of asset (a lineage asset), or the bare number.
  std::string PartOf(const chain::Hash256& asset, chain::Quantity q) const {
    auto it = assets_.find(asset);
    return it == assets_.end() ? std::to_string(q) : Quantity(q, it->second->unit);
  }
  std::string When(uint32_t height, uint32_t time) const {
    return ProofUtc(time) + ", block " + std::to_string(height) + " (" +
           std::to_string(r_.tip_height - height + 1) + " confirmations, work " +
           ProofWorkText(r_.WorkSince(height)) + ")";
  }
  std::string Sentence(const chain::Transaction& tx) const;
  // What a contract's claimed effect did, for the story.
  std::string EffectSentence(const chain::ContractEffect& e) const;
  // The ids among the lineage's.
  std::vector<chain::Hash256> Followed(const std::vector<chain::Hash256>& ids) const {
    std::vector<chain::Hash256> out;
    for (const auto& id : ids) {
      if (assets_.count(id)) out.push_back(id);
    }
    return out;
  }
  std::string Children(const std::vector<chain::Hash256>& ids) const {
    std::string s;
    for (const auto& id : ids) s += (s.empty() ? "" : ", ") + Asset(id);
    return s;
  }

 private:
  const consensus::ProofReport& r_;
  const consensus::ChainParams& p_;
  std::map<chain::Hash256, const chain::Asset*> assets_;
};

std::string ProofMeta(const std::vector<chain::MetadataEntry>& meta) {
  std::string s;
  for (const auto& e : meta) {
    s += (s.empty() ? " [" : ", ") + e.key + "=" +
         (e.kind == chain::MetaKind::kPublished ? e.value : std::string("(committed)"));
  }
  return s.empty() ? s : s + "]";
}

std::string ProofStory::Sentence(const chain::Transaction& tx) const {
  const std::string who = Party(tx.sender);
  return std::visit(
      [&](const auto& op) -> std::string {
        using Op = std::decay_t<decltype(op)>;
        const std::vector<chain::Hash256> created = chain::NewAssetIds(tx);
        if constexpr (std::is_same_v<Op, chain::AssetIssueOp>) {
          return who + " issued " + Asset(created.at(0)) + ProofMeta(op.metadata);
        } else if constexpr (std::is_same_v<Op, chain::AssetTransferOp>) {
          return who + " handed custody of " + Asset(op.asset) + " to " + Party(op.to);
        } else if constexpr (std::is_same_v<Op, chain::AssetSplitOp>) {
          return who + " split " + Asset(op.asset) + " into " + std::to_string(created.size()) +
                 " parts, of which this lineage follows " + Children(Followed(created));
        } else if constexpr (std::is_same_v<Op, chain::AssetMergeOp>) {
          return who + " merged " + Children(op.inputs) + " into " + Asset(created.at(0));
        } else if constexpr (std::is_same_v<Op, chain::AssetTransformOp>) {
          return who + " transformed " + Children(op.inputs) + " into " +
                 Children(Followed(created));
        } else if constexpr (std::is_same_v<Op, chain::AssetAttestOp>) {
          return who + " attested " + Asset(op.asset) + ": " + op.claim + " = " + op.value +
                 (op.document.IsZero() ? "" : " (document " + op.document.ToHex() + ")");
        } else if constexpr (std::is_same_v<Op, chain::AssetCorrectOp>) {
          return who + " corrected " + Asset(op.asset) + ProofMeta(op.set) + ": " + op.reason;
        } else if constexpr (std::is_same_v<Op, chain::PartyProfileOp>) {
          return who + " published the profile \"" + op.name + "\" (" + op.role + ")";
        } else if constexpr (std::is_same_v<Op, chain::ContractCallOp>) {
          return who + " called " + op.entry + " of contract " + Party(op.contract) +
                 (op.assets.empty() ? "" : ", attaching " + Children(op.assets));
        } else if constexpr (std::is_same_v<Op, chain::ContractDeployOp>) {
          return who + " deployed contract " +
                 Party(chain::ContractIdFor(p_.chain_id(), tx.sender, tx.nonce)) +
                 ", whose init ran";
        } else {
          return who + " sent a " + chain::OpTypeName(chain::TypeOf(tx.op));
        }
      },
      tx.op);
}

std::string ProofStory::EffectSentence(const chain::ContractEffect& e) const {
  switch (e.kind) {
    case chain::ContractEffectKind::kAsset:
      return "handed custody of " + Asset(e.asset) + " to " + Party(e.to);
    case chain::ContractEffectKind::kSplit:
      return "split " + Asset(e.asset) + " (first part " + PartOf(e.asset, e.amount) +
             "), of which this lineage follows " + Children(Followed(e.created));
    case chain::ContractEffectKind::kMerge:
      return "merged " + Children({e.asset, e.with}) + " into " + Asset(e.created.at(0));
    case chain::ContractEffectKind::kCoins:
      break;
  }
  return "sent coins";
}

// The contract txs whose effects are the node's claim, one line each, for the story's end.
void PrintProofClaims(const consensus::ProofReport& r, const ProofStory& story) {
  if (r.claims.empty()) return;
  size_t events = 0;
  for (const auto& [id, list] : r.events) {
    for (const chain::AssetEvent& e : list) events += r.RestsOnClaim(e) ? 1 : 0;
  }
  std::cout << "Claimed, not proven: " << events << " events made by " << r.claims.size()
            << " contract tx(s) rest on the serving node's call records;\n"
               "the verifier does not run contract code. The bundle proves each call tx is in\n"
               "the chain and signed, and that the claimed effects obey custody, conservation\n"
               "and lineage given the earlier events; not that the code made them, nor that the\n"
               "call succeeded:\n";
  for (const auto& [txid, claim] : r.claims) {
    std::cout << "  tx " << txid.ToHex() << ": " << claim.entry << " of contract "
              << story.Party(claim.contract) << ", " << claim.applied.size()
              << " effects on the lineage\n";
  }
}

// The lineage's txs in chain order, one line each, then the subject's state now.
void PrintProofStory(const consensus::ProofBundle& b, const consensus::ProofReport& r,
                     const consensus::ChainParams& p) {
  const ProofStory story(r, p);
  std::cout << "Proof of asset " << b.subject.ToHex() << " on network " << p.network << "\n"
            << "Chain: " << r.tip_height << " blocks after genesis, tip " << r.tip_id.ToHex()
            << ", total work " << ProofWorkText(r.total_work) << "\n"
            << "Lineage: " << r.assets.size() << " assets, " << b.txs.size() << " txs\n\n";
  for (size_t i = 0; i < b.txs.size(); ++i) {
    auto tx = chain::DecodeTransaction(b.txs[i].tx);
    if (!tx.ok()) continue;  // the verifier decoded every one
    const uint32_t h = b.txs[i].height;
    std::cout << "- " << story.When(h, b.headers[h - 1].time) << ":\n    "
              << story.Sentence(*tx) << "\n";
    auto claim = r.claims.find(tx->Id());
    if (claim == r.claims.end()) continue;
    for (const chain::ContractEffect& e : claim->second.applied) {
      std::cout << "    then, claimed: contract " << story.Party(claim->second.contract) << " "
                << story.EffectSentence(e) << "\n";
    }
  }
  const chain::Asset& subject = r.assets.front();
  std::cout << "\nNow: " << story.Asset(subject.id) << " is "
            << chain::AssetStatusName(subject.status) << ", held by "
            << story.Party(subject.custodian) << ", issued by " << story.Party(subject.issuer)
            << ProofMeta(subject.metadata) << "\n";
  PrintProofClaims(r, story);
  std::cout << "Not proven by a bundle: that no later event exists beyond block "
            << r.tip_height << ", that these headers are the chain with the most work, and\n"
               "whether an attester was an endorsed certifier.\n";
}

// A claimed effect on the lineage, accounts as addresses.
Json ProofEffectJson(const chain::ContractEffect& e, const consensus::ChainParams& p) {
  Json out = {{"kind", chain::ContractEffectKindName(e.kind)}, {"asset", e.asset.ToHex()}};
  if (e.kind == chain::ContractEffectKind::kAsset) {
    out["to"] = chain::bech32::EncodeAddress(p.address_prefix, e.to);
  }
  if (e.kind == chain::ContractEffectKind::kSplit) out["first"] = e.amount;
  if (e.kind == chain::ContractEffectKind::kMerge) out["with"] = e.with.ToHex();
  if (!e.created.empty()) {
    Json created = Json::array();
    for (const chain::Hash256& id : e.created) created.push_back(id.ToHex());
    out["created"] = created;
  }
  return out;
}

Json ProofReportJson(const consensus::ProofBundle& b, const consensus::ProofReport& r,
                     const consensus::ChainParams& p) {
  Json out = {{"verified", r.ok}, {"subject", b.subject.ToHex()}, {"network", p.network}};
  if (!r.ok) {
    out["check"] = consensus::ProofCheckName(r.check);
    out["detail"] = r.detail;
    out["message"] = r.Describe();
    out["asset"] = r.asset.IsZero() ? Json(nullptr) : Json(r.asset.ToHex());
    out["txid"] = r.txid.IsZero() ? Json(nullptr) : Json(r.txid.ToHex());
    out["entry"] = r.tx_index >= 0 ? Json(r.tx_index) : Json(nullptr);
    out["header"] = r.header_height >= 0 ? Json(r.header_height) : Json(nullptr);
    return out;
  }
  out["tip"] = {{"height", r.tip_height}, {"id", r.tip_id.ToHex()},
                {"total_work", ProofWorkText(r.total_work)}};
  Json assets = Json::array();
  for (const chain::Asset& a : r.assets) {
    Json events = Json::array();
    for (const chain::AssetEvent& e : r.events.at(a.id)) {
      events.push_back({{"type", chain::EventTypeName(e.type)}, {"txid", e.txid.ToHex()},
                        {"height", e.height}, {"time", e.time},
                        {"confirmations", r.tip_height - e.height + 1},
                        {"actor", chain::bech32::EncodeAddress(p.address_prefix, e.actor)},
                        {"claimed", r.RestsOnClaim(e)}});
    }
    assets.push_back({{"asset", a.id.ToHex()}, {"quantity", a.quantity}, {"unit", a.unit},
                      {"amount", chain::FormatScaled(a.quantity, p.ScaleOf(a.unit))},
                      {"status", chain::AssetStatusName(a.status)},
                      {"custodian", chain::bech32::EncodeAddress(p.address_prefix, a.custodian)},
                      {"events", events}});
  }
  out["assets"] = assets;
  Json parties = Json::object();
  for (const auto& [id, party] : r.parties) {
    parties[chain::bech32::EncodeAddress(p.address_prefix, id)] = {{"name", party.name},
                                                                   {"role", party.role}};
  }
  out["parties"] = parties;
  Json claims = Json::array();
  for (const auto& [txid, claim] : r.claims) {
    Json effects = Json::array();
    for (const chain::ContractEffect& e : claim.applied) {
      effects.push_back(ProofEffectJson(e, p));
    }
    claims.push_back({{"txid", txid.ToHex()},
                      {"contract", chain::bech32::EncodeAddress(p.address_prefix, claim.contract)},
                      {"entry", claim.entry},
                      {"effects", effects}});
  }
  out["claims"] = claims;
  return out;
}

int RunProofVerify(const Args& args) {
  if (args.positional().size() != 1) throw CliError("give one FILE (waybill proof verify FILE)");
  if (args.Has("network") && args.Has("genesis")) {
    throw CliError("give --network or --genesis, not both");
  }
  const consensus::ChainParams params = LoadParams(args);
  chain::ArithU256 min_work = 0;
  if (auto w = args.Get("min-work")) {
    auto parsed = chain::ArithU256::FromHex(*w);
    if (!parsed) throw CliError("--min-work must be 1..64 hex digits (0x optional)");
    min_work = *parsed;
  }
  const std::string bytes = ReadFile(args.positional()[0]);
  auto bundle = consensus::DecodeProofBundle(
      chain::ByteSpan(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  const bool json = args.Has("json");
  if (!bundle.ok()) {
    if (json) {
      std::cout << Json{{"verified", false}, {"check", "decode"},
                        {"message", bundle.status().reason()}}.dump(2) << "\n";
    } else {
      std::cout << "FAILED: check decode: the file is not a valid proof bundle: "
                << bundle.status().reason() << "\n";
    }
    return 1;
  }
  const consensus::ProofReport report = consensus::VerifyProofBundle(*bundle, params, min_work);
  if (json) {
    std::cout << ProofReportJson(*bundle, report, params).dump(2) << "\n";
  } else if (report.ok) {
    PrintProofStory(*bundle, report, params);
    std::cout << "\nverified\n";
  } else {
    std::cout << "FAILED: check " << report.Describe() << "\n";
  }
  return report.ok ? 0 : 1;
}

}  // namespace

int RunProof(std::span<const std::string> words) {
  static constexpr std::string_view kProofNames[] = {"verify"};
  int rc = 0;
  const std::vector<OptionSpec> help_options = ProofVerifyOptions();
  auto sub = ParseSubcommand(
      words, "proof", kProofHelp, kProofNames,
      [](std::string_view) { return ProofVerifyOptions(); }, help_options, &rc);
  if (!sub) return rc;
  return RunProofVerify(sub->args);
}

}  // namespace waybill::cli
