// The state rules of the party operations (docs/PROTOCOL.md §9.2): party.profile and
// party.endorse.
#include <optional>
#include <string>
#include <utility>

#include "consensus/op_context.h"

namespace waybill::consensus {

using chain::EndorseAction;
using chain::Endorsement;
using chain::Party;
using chain::PartyEvent;
using chain::PartyEventType;

namespace {

ValidationResult ReadParty(const chain::StateCache& state, const chain::AccountId& account,
                           std::optional<Party>* out) {
  auto r = state.GetParty(account);
  if (!r.ok()) return StoreError(r.status());
  *out = std::move(r).value();
  return ValidationResult::Valid();
}

// Appends ev to the account's party history and writes the party record with the new count.
void RecordPartyEvent(const OpContext& c, const chain::AccountId& account, Party* party,
                      PartyEvent ev) {
  ev.sequence = party->history_count;
  ev.txid = c.tx.id;
  ev.height = c.block.height;
  ev.time = c.block.time;
  ev.actor = c.sender();
  party->history_count += 1;
  c.state->PutPartyEvent(account, ev);
  c.state->PutParty(account, *party);
}

}  // namespace

ValidationResult HoldsEndorsement(const OpContext& c, const chain::AccountId& account,
                                  std::string_view role, bool* out) {
  *out = false;
  for (const chain::AccountId& registrar : c.params.registrars) {
    auto e = c.state->GetEndorsement(account, role, registrar);
    if (!e.ok()) return StoreError(e.status());
    if (e->has_value()) {
      *out = true;
      break;
    }
  }
  return ValidationResult::Valid();
}

ValidationResult ApplyOp(const OpContext& c, const chain::PartyProfileOp& op) {
  std::optional<Party> current;
  if (auto r = ReadParty(*c.state, c.sender(), &current); !r.valid()) return r;
  Party party = current.value_or(Party{});
  party.name = op.name;
  party.role = op.role;
  party.identifiers = op.identifiers;
  party.url = op.url;
  party.document = op.document;
  party.version += 1;
  party.updated_height = c.block.height;
  PartyEvent ev;
  ev.type = PartyEventType::kProfile;
  ev.name = op.name;
  ev.role = op.role;
  ev.identifiers = op.identifiers;
  ev.url = op.url;
  ev.document = op.document;
  ev.version = party.version;
  RecordPartyEvent(c, c.sender(), &party, std::move(ev));
  return ValidationResult::Valid();
}

ValidationResult ApplyOp(const OpContext& c, const chain::PartyEndorseOp& op) {
  if (!c.params.IsRegistrar(c.sender())) {
    return ValidationResult::Invalid(Reason::kNotRegistrar, c.sender().ToHex());
  }
  std::optional<Party> party;
  if (auto r = ReadParty(*c.state, op.account, &party); !r.valid()) return r;
  if (!party) return ValidationResult::Invalid(Reason::kNoProfile, op.account.ToHex());
  auto existing = c.state->GetEndorsement(op.account, op.role, c.sender());
  if (!existing.ok()) return StoreError(existing.status());
  const bool endorse = op.action == EndorseAction::kEndorse;
  if (endorse && existing->has_value()) {
    return ValidationResult::Invalid(Reason::kAlreadyEndorsed, op.role);
  }
  if (!endorse && !existing->has_value()) {
    return ValidationResult::Invalid(Reason::kNotEndorsed, op.role);
  }
  std::optional<Endorsement> written;
  if (endorse) written = Endorsement{c.block.height, c.tx.id};
  c.state->PutEndorsement(op.account, op.role, c.sender(), written);
  PartyEvent ev;
  ev.type = endorse ? PartyEventType::kEndorse : PartyEventType::kRevoke;
  ev.role = op.role;
  ev.version = party->version;
  RecordPartyEvent(c, op.account, &*party, std::move(ev));
  return ValidationResult::Valid();
}

}  // namespace waybill::consensus
