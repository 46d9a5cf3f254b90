// getparty, and the party summaries of the asset replies.
#include "node/rpc/parties.h"

#include <limits>
#include <utility>
#include <vector>

#include "chain/bech32.h"
#include "node/rpc/json_writer.h"
#include "node/rpc/args.h"
#include "node/rpc/common.h"
#include "node/rpc/methods.h"
#include "node/rpc/table.h"

namespace waybill::node {
namespace {

// The endorsements one reply lists for an account: the registrars (at most 32) times the
// roles any one account is endorsed for in practice, with room to spare.
constexpr size_t kMaxEndorsementsListed = 256;
constexpr uint32_t kDefaultHistoryLimit = 100;
constexpr uint32_t kMaxHistoryLimit = 1000;

Json GetParty(NodeContext& ctx, const Args& a) {
  const chain::AccountId id = AccountArg(ctx, a, 0);
  const auto from =
      static_cast<uint32_t>(UIntArg(a, 1, 0, std::numeric_limits<uint32_t>::max(), 0));
  const auto limit =
      static_cast<uint32_t>(UIntArg(a, 2, 1, kMaxHistoryLimit, kDefaultHistoryLimit));
  PartyDirectory parties(ctx);
  const consensus::Chainstate::PartyInfo& info = parties.Info(id);
  if (!info.party) Throw(rpc_code::kInvalidAddress, "No party profile for this address");
  Json j = PartyToJson(id, *info.party, Hrp(ctx));
  Json endorsements = Json::array();
  for (const auto& e : info.endorsements) {
    endorsements.push_back({{"role", e.role},
                            {"registrar", chain::bech32::EncodeAddress(Hrp(ctx), e.registrar)},
                            {"registrar_name", parties.NameOf(e.registrar)},
                            {"height", e.endorsement.height},
                            {"txid", e.endorsement.txid.ToHex()}});
  }
  j["endorsements"] = std::move(endorsements);
  j["party"] = parties.Summary(id);
  auto events = ctx.chain->GetPartyEvents(id, from, limit);
  if (!events.ok()) ThrowLocal(events.status().ToString());
  Json history = Json::array();
  for (const chain::PartyEvent& e : *events) history.push_back(PartyEventToJson(e, Hrp(ctx)));
  j["history_from"] = from;
  j["history"] = std::move(history);
  return j;
}

}  // namespace

PartyDirectory::PartyDirectory(const NodeContext& ctx)
    : lookup_([chain = ctx.chain](const chain::AccountId& id, size_t max_endorsements) {
        return chain->GetParty(id, max_endorsements);
      }),
      addresses_(Hrp(ctx)),
      throw_on_error_(true) {}

PartyDirectory::PartyDirectory(Lookup lookup, std::string hrp)
    : lookup_(std::move(lookup)), addresses_(std::move(hrp)) {}

const consensus::Chainstate::PartyInfo& PartyDirectory::Info(const chain::AccountId& id) {
  auto it = infos_.find(id);
  if (it != infos_.end()) return it->second;
  auto info = lookup_(id, kMaxEndorsementsListed);
  if (!info.ok()) {
    if (throw_on_error_) ThrowLocal(info.status().ToString());
    if (status_.ok()) status_ = info.status();
    return infos_.emplace(id, consensus::Chainstate::PartyInfo{}).first->second;
  }
  return infos_.emplace(id, std::move(*info)).first->second;
}

std::string PartyDirectory::NameOf(const chain::AccountId& id) {
  const auto& info = Info(id);
  if (info.party) return info.party->name;
  return addresses_.Of(id);
}

template <typename Sink>
void PartyDirectory::WriteSummaryValue(Sink& out, const chain::AccountId& id) {
  out.BeginObject();
  WriteSummaryFields(out, id);
  out.EndObject();
}

template <typename Sink>
void PartyDirectory::WriteSummaryFields(Sink& out, const chain::AccountId& id) {
  // infos_ is a std::map: the reference stays valid while NameOf adds registrars to it.
  const consensus::Chainstate::PartyInfo& info = Info(id);
  std::string label;
  out.Key("name");
  if (info.party) {
    out.String(info.party->name).Key("role").String(info.party->role);
  } else {
    out.Null().Key("role").Null();
  }
  out.Key("endorsed_by").BeginArray();
  if (info.party) {
    for (const auto& e : info.endorsements) {
      if (e.role != info.party->role) continue;
      const std::string name = NameOf(e.registrar);
      out.String(name);
      label += (label.empty() ? "endorsed by " : ", ") + name;
    }
  }
  if (label.empty()) label = "self-declared";
  out.EndArray().Key("label").String(label);
}

void PartyDirectory::WriteSummaryMembers(JsonWriter& out, const chain::AccountId& id) {
  WriteSummaryFields(out, id);
}

Json PartyDirectory::Summary(const chain::AccountId& id) {
  JsonTreeBuilder b;
  WriteSummaryValue(b, id);
  return b.Take();
}

const std::string& PartyDirectory::SummaryText(const chain::AccountId& id) {
  auto it = summary_texts_.find(id);
  if (it != summary_texts_.end()) return it->second;
  JsonWriter w(128);
  WriteSummaryValue(w, id);
  return summary_texts_.emplace(id, w.Take()).first->second;
}

void PartyDirectory::WriteSummary(JsonWriter& out, const chain::AccountId& id) {
  out.Raw(SummaryText(id));
}

void PartyDirectory::WriteSummary(JsonTreeBuilder& out, const chain::AccountId& id) {
  WriteSummaryValue(out, id);
}

void PartyDirectory::Annotate(Json* obj, const std::string& field, const chain::AccountId& id) {
  (*obj)[field + "_party"] = Summary(id);
}

template <typename Sink>
void WriteAssetParties(Sink& out, PartyDirectory* parties, const chain::Asset& asset) {
  parties->WriteSummary(out.Key("issuer_party"), asset.issuer);
  parties->WriteSummary(out.Key("custodian_party"), asset.custodian);
}

template <typename Sink>
void WriteEventParties(Sink& out, PartyDirectory* parties, const chain::AssetEvent& event) {
  parties->WriteSummary(out.Key("actor_party"), event.actor);
  if (event.counterparty.IsZero()) {
    out.Key("counterparty_party").Null();
  } else {
    parties->WriteSummary(out.Key("counterparty_party"), event.counterparty);
  }
}

template void WriteAssetParties(JsonWriter&, PartyDirectory*, const chain::Asset&);
template void WriteAssetParties(JsonTreeBuilder&, PartyDirectory*, const chain::Asset&);
template void WriteEventParties(JsonWriter&, PartyDirectory*, const chain::AssetEvent&);
template void WriteEventParties(JsonTreeBuilder&, PartyDirectory*, const chain::AssetEvent&);

void AnnotateAsset(PartyDirectory* parties, const chain::Asset& asset, Json* j) {
  JsonTreeBuilder b(j);
  WriteAssetParties(b, parties, asset);
}

void AnnotateEvent(PartyDirectory* parties, const chain::AssetEvent& event, Json* j) {
  JsonTreeBuilder b(j);
  WriteEventParties(b, parties, event);
}

void RegisterPartyRpcMethods(RpcTable& table, NodeContext& ctx) {
  table.Register("getparty", {"address", "from", "limit"}, Bind(ctx, GetParty),
                 "getparty address [from=0] [limit=100]  An account's party profile, the "
                 "endorsements in force for it and its party history (limit <= 1000).");
}

}  // namespace waybill::node
