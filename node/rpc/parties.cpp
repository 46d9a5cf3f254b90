// getparty, and the party summaries of the asset replies.
#include "node/rpc/parties.h"

#include <limits>
#include <utility>
#include <vector>

#include "chain/bech32.h"
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
      hrp_(Hrp(ctx)),
      throw_on_error_(true) {}

PartyDirectory::PartyDirectory(Lookup lookup, std::string hrp)
    : lookup_(std::move(lookup)), hrp_(std::move(hrp)) {}

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
  return chain::bech32::EncodeAddress(hrp_, id);
}

Json PartyDirectory::Summary(const chain::AccountId& id) {
  // Copied: NameOf may add entries to infos_ (a std::map, so references stay valid, but the
  // copy keeps this independent of that).
  const consensus::Chainstate::PartyInfo info = Info(id);
  Json endorsed_by = Json::array();
  std::string label;
  if (info.party) {
    for (const auto& e : info.endorsements) {
      if (e.role != info.party->role) continue;
      const std::string name = NameOf(e.registrar);
      endorsed_by.push_back(name);
      label += (label.empty() ? "endorsed by " : ", ") + name;
    }
  }
  if (label.empty()) label = "self-declared";
  Json j = {{"name", nullptr}, {"role", nullptr}};
  if (info.party) {
    j["name"] = info.party->name;
    j["role"] = info.party->role;
  }
  j["endorsed_by"] = std::move(endorsed_by);
  j["label"] = std::move(label);
  return j;
}

void PartyDirectory::Annotate(Json* obj, const std::string& field, const chain::AccountId& id) {
  (*obj)[field + "_party"] = Summary(id);
}

void AnnotateAsset(PartyDirectory* parties, const chain::Asset& asset, Json* j) {
  parties->Annotate(j, "issuer", asset.issuer);
  parties->Annotate(j, "custodian", asset.custodian);
}

void AnnotateEvent(PartyDirectory* parties, const chain::AssetEvent& event, Json* j) {
  parties->Annotate(j, "actor", event.actor);
  (*j)["counterparty_party"] = nullptr;
  if (!event.counterparty.IsZero()) parties->Annotate(j, "counterparty", event.counterparty);
}

void RegisterPartyRpcMethods(RpcTable& table, NodeContext& ctx) {
  table.Register("getparty", {"address", "from", "limit"}, Bind(ctx, GetParty),
                 "getparty address [from=0] [limit=100]  An account's party profile, the "
                 "endorsements in force for it and its party history (limit <= 1000).");
}

}  // namespace waybill::node
