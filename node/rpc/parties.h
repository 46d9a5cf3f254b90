// Names and roles next to addresses (docs/API.md "Parties"): the `*_party` object that the
// asset replies carry for every address they print, read from the party records of the tip
// (the RPC's) or of a consensus::ReadSnapshot (the REST API's, through a lookup function).
#pragma once

#include <functional>
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
  // Reads a party: as Chainstate::GetParty.
  using Lookup = std::function<chain::Result<consensus::Chainstate::PartyInfo>(
      const chain::AccountId& account, size_t max_endorsements)>;

  // Reads ctx's chainstate; a read error throws an RPC error (ThrowLocal).
  explicit PartyDirectory(const NodeContext& ctx);
  // Reads through lookup; addresses are printed with hrp. A read error does not throw: the
  // account reads as one without a party record and status() keeps the first error (a
  // caller answers an internal error when it is not ok).
  PartyDirectory(Lookup lookup, std::string hrp);

  // {name, role, endorsed_by: [names], label}: name and role null without a profile;
  // endorsed_by the names (or, without a profile, the addresses) of the registrars whose
  // endorsement of the declared role is in force; label "endorsed by A, B" or "self-declared".
  Json Summary(const chain::AccountId& id);
  // Summary(id) as JSON text, written once per directory and account.
  const std::string& SummaryText(const chain::AccountId& id);
  // Summary(id) as the next value of out (JsonWriter: the cached text; JsonTreeBuilder: the
  // tree).
  void WriteSummary(JsonWriter& out, const chain::AccountId& id);
  void WriteSummary(JsonTreeBuilder& out, const chain::AccountId& id);
  // Summary(id)'s members (name, role, endorsed_by, label), written into an object the caller
  // has opened (the trace's party list puts the address beside them).
  void WriteSummaryMembers(JsonWriter& out, const chain::AccountId& id);
  // Sets obj[field + "_party"] = Summary(id).
  void Annotate(Json* obj, const std::string& field, const chain::AccountId& id);
  // A registrar's display name: its profile name, else its address.
  std::string NameOf(const chain::AccountId& id);
  const consensus::Chainstate::PartyInfo& Info(const chain::AccountId& id);
  // The first read error of a directory made with a Lookup; Ok otherwise.
  const chain::Status& status() const { return status_; }
  // The addresses of the reply this directory serves (each encoded once).
  AddressCache& addresses() { return addresses_; }

 private:
  template <typename Sink>
  void WriteSummaryValue(Sink& out, const chain::AccountId& id);
  template <typename Sink>
  void WriteSummaryFields(Sink& out, const chain::AccountId& id);

  Lookup lookup_;
  AddressCache addresses_;
  bool throw_on_error_ = false;
  chain::Status status_;
  // One entry per distinct account of a reply: bounded by the reply's size.
  std::map<chain::AccountId, consensus::Chainstate::PartyInfo> infos_;
  std::map<chain::AccountId, std::string> summary_texts_;
};

// The members issuer_party and custodian_party of an asset (after WriteAssetFields), and
// actor_party and counterparty_party (null when there is none) of an event (after
// WriteEventFields), into an object the caller has opened.
template <typename Sink>
void WriteAssetParties(Sink& out, PartyDirectory* parties, const chain::Asset& asset);
template <typename Sink>
void WriteEventParties(Sink& out, PartyDirectory* parties, const chain::AssetEvent& event);

// Adds issuer_party and custodian_party to an AssetToJson object.
void AnnotateAsset(PartyDirectory* parties, const chain::Asset& asset, Json* j);
// Adds actor_party and counterparty_party to an EventToJson object.
void AnnotateEvent(PartyDirectory* parties, const chain::AssetEvent& event, Json* j);

}  // namespace waybill::node
