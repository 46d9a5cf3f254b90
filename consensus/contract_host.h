// The contracts::Host that consensus gives a running contract (docs/CONTRACTS.md "The host").
// Internal to consensus/ (contract_ops.cpp runs it); the dry run of a call for the RPC is
// contract_sim.h, included here too.
//
// A host works on the run's own nested overlay (a deploy's init or a call): the caller drops
// that overlay when the run fails, which undoes every effect with the attachments. Every write
// goes through chain::StateCache and the operations' own rules (contract_effect.h's
// ApplyContractEffect, which the proof verifier runs too, over asset_ops.cpp's ApplyOp
// overloads), so the undo data of a block covers contracts as it covers every other operation.
// Each host call is a bounded number of reads and writes (a storage key, an asset, an
// attestation index entry and its event); the VM's limits bound the calls (docs/CONTRACTS.md
// "Limits").
#pragma once

#include <array>
#include <optional>
#include <vector>

#include "chain/contract_state.h"
#include "chain/state_cache.h"
#include "chain/tx.h"
#include "consensus/contract_sim.h"
#include "consensus/op_context.h"
#include "consensus/params.h"
#include "consensus/state_transition.h"
#include "consensus/validation.h"
#include "contracts/host.h"

namespace waybill::consensus {

// Refusals are Invalid("<reason>: <detail>") with a consensus reason text (the VM records it as
// effect-refused's detail); a store fault is a local error Status (IsLocalError).
class ContractHost final : public contracts::Host {
 public:
  // c: the contract tx's context, whose state is the run's overlay. contract: the running
  // contract's id (the actor of its effects, whose account pays SendCoins and whose nonce
  // numbers the assets it creates).
  ContractHost(const OpContext& c, const chain::AccountId& contract);

  chain::Result<chain::Bytes> StorageGet(chain::ByteSpan key) override;
  chain::Status StoragePut(chain::ByteSpan key, chain::ByteSpan value) override;
  chain::Result<uint64_t> Balance() override;
  chain::Result<contracts::AssetFacts> GetAsset(const chain::Hash256& asset) override;
  chain::Result<std::optional<chain::Bytes>> Metadata(const chain::Hash256& asset,
                                                      chain::ByteSpan key) override;
  chain::Result<std::optional<chain::Bytes>> Attestation(const chain::Hash256& asset,
                                                         chain::ByteSpan claim,
                                                         const chain::AccountId& attester) override;
  chain::Status SendCoins(const chain::AccountId& to, uint64_t amount) override;
  chain::Status SendAsset(const chain::AccountId& to, const chain::Hash256& asset) override;
  chain::Result<std::array<chain::Hash256, 2>> Split(const chain::Hash256& asset,
                                                     uint64_t first) override;
  chain::Result<chain::Hash256> Merge(const chain::Hash256& a, const chain::Hash256& b) override;

  // The effects made so far, in order (the CallRecord's, when the run succeeds).
  const std::vector<chain::ContractEffect>& effects() const { return effects_; }

 private:
  // Reads the asset; NotFound when it does not exist.
  chain::Result<chain::Asset> ReadExisting(const chain::Hash256& asset) const;
  // Applies effect (ApplyContractEffect) and, when it passes, records it.
  chain::Status Apply(chain::ContractEffect effect);
  // The same for a split or merge: its n new ids (NextAssetIds) go into effect.created first.
  chain::Result<std::vector<chain::Hash256>> ApplyCreating(chain::ContractEffect effect,
                                                           uint32_t n);
  // The ids of the next n assets the contract creates, advancing its nonce by one.
  chain::Result<std::vector<chain::Hash256>> NextAssetIds(uint32_t n);

  const OpContext c_;  // its state is the run's overlay
  const chain::AccountId contract_;
  std::vector<chain::ContractEffect> effects_;
};

}  // namespace waybill::consensus
