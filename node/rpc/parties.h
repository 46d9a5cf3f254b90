// Names and roles next to addresses (docs/API.md "Parties"): the `*_party` object that the
// asset replies carry for every address they print, read from the party records of the tip.
// Internal to node/rpc/.
#pragma once

#include <map>
#include <string>

#include "chain/types.h"
#include "consensus/chainstate.h"
#include "node/rpc/context.h"
#include "node/rpc/json_convert.h"

namespace waybill::node {

// One per reply: each distinct address's party record (and the endorsements in force for it)
// is read once, and so is each registrar's that endorses one of them, so a reply costs at most
// (distinct addresses + registrars) party reads.
class PartyDirectory {
 public:
  explicit PartyDirectory(const NodeContext& ctx) : ctx_(ctx) {}

  // {name, role, endorsed_by: [names], label}: name and role null without a profile;
  // endorsed_by the names (or, without a profile, the addresses) of the registrars whose
  // endorsement of the declared role is in force; label "endorsed by A, B" or "self-declared".
  Json Summary(const chain::AccountId& id);
  // Sets obj[field + "_party"] = Summary(id).
  void Annotate(Json* obj, const std::string& field, const chain::AccountId& id);
  // A registrar's display name: its profile name, else its address.
  std::string NameOf(const chain::AccountId& id);
  const consensus::Chainstate::PartyInfo& Info(const chain::AccountId& id);

 private:
  const NodeContext& ctx_;
  std::map<chain::AccountId, consensus::Chainstate::PartyInfo> infos_;
};

// Adds issuer_party and custodian_party to an AssetToJson object.
void AnnotateAsset(PartyDirectory* parties, const chain::Asset& asset, Json* j);
// Adds actor_party (and counterparty_party when there is one) to an EventToJson object.
void AnnotateEvent(PartyDirectory* parties, const chain::AssetEvent& event, Json* j);

}  // namespace waybill::node
