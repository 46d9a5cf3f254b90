// What a running contract sees of the ledger, and how it changes it: the interface that
// contracts/ owns and consensus/ implements over its state overlay (a later session), so the
// interpreter never touches the store and a test drives it with a fake.
//
// Errors: a method returns Invalid(reason) when the ledger refuses what the contract asked
// (sending more coins than it holds, moving an asset it does not hold, splitting into a zero
// quantity): the call fails with VmError::kEffectRefused and that reason. GetAsset returns
// NotFound for an unknown asset (VmError::kUnknownAsset). A local fault (IsLocalError: disk,
// corruption, bug) is not the contract's doing: Execute returns that Status, and the caller
// must not judge the call (nor the block) from it.
//
// Rollback: the interpreter does not undo effects. When the result is not a success the
// caller discards every write made through this Host during the call (consensus runs each
// call on a nested overlay and drops it), as it does for the attachments.
#pragma once

#include <array>
#include <optional>
#include <string>

#include "chain/amount.h"
#include "chain/status.h"
#include "chain/types.h"

namespace waybill::contracts {

using chain::AccountId;
using chain::Hash256;

// An asset's facts that a contract can read (chain::Asset's fields of the same names).
struct AssetFacts {
  AccountId custodian;
  uint64_t quantity = 0;
  std::string unit;
  uint8_t status = 0;  // chain::AssetStatus: 0 open, 1 split, 2 merged, 3 transformed
};

class Host {
 public:
  virtual ~Host() = default;

  // The running contract's storage. An absent key reads as empty bytes; writing empty bytes
  // erases the key (so "absent" and "empty" are one state). Key and value sizes are within
  // limits.h when these are called.
  virtual chain::Result<chain::Bytes> StorageGet(chain::ByteSpan key) = 0;
  virtual chain::Status StoragePut(chain::ByteSpan key, chain::ByteSpan value) = 0;

  // The running contract's coin balance, attachments included.
  virtual chain::Result<uint64_t> Balance() = 0;

  virtual chain::Result<AssetFacts> GetAsset(const Hash256& asset) = 0;
  // The asset's published metadata value under key; nullopt if it has none.
  // NotFound: no such asset.
  virtual chain::Result<std::optional<chain::Bytes>> Metadata(const Hash256& asset,
                                                              chain::ByteSpan key) = 0;
  // The value of the newest attestation of claim on asset by attester; nullopt if none.
  // NotFound: no such asset.
  virtual chain::Result<std::optional<chain::Bytes>> Attestation(const Hash256& asset,
                                                                 chain::ByteSpan claim,
                                                                 const AccountId& attester) = 0;

  // Effects, made by the running contract as the actor.
  virtual chain::Status SendCoins(const AccountId& to, uint64_t amount) = 0;
  virtual chain::Status SendAsset(const AccountId& to, const Hash256& asset) = 0;
  // Splits an asset the contract holds into two children of quantities first and the rest;
  // returns their ids in that order. The contract holds both.
  virtual chain::Result<std::array<Hash256, 2>> Split(const Hash256& asset, uint64_t first) = 0;
  // Merges two assets the contract holds into a new one that it holds; returns its id.
  virtual chain::Result<Hash256> Merge(const Hash256& a, const Hash256& b) = 0;
};

}  // namespace waybill::contracts
