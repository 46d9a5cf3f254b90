// The readers of stored chain records that the Chainstate's getters (on the live store, under
// its lock) and ReadSnapshot's (on a store snapshot, without it) share, so both decode the
// same way. A stored record that does not decode is Corruption naming the record.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "chain/block_index.h"
#include "chain/state.h"
#include "chain/status.h"
#include "chain/store.h"
#include "consensus/chainstate.h"

namespace waybill::consensus::reads {

// An absent account reads as the zero account.
chain::Result<chain::Account> GetAccount(const chain::KvReader& state,
                                         const chain::AccountId& id);
chain::Result<std::optional<chain::Asset>> GetAsset(const chain::KvReader& state,
                                                    const chain::Hash256& id);
// Events in order from sequence `from`, at most limit, stopping at the first absent one.
chain::Result<std::vector<chain::AssetEvent>> GetAssetEvents(const chain::KvReader& state,
                                                             const chain::Hash256& asset,
                                                             uint32_t from, uint32_t limit);
chain::Result<std::vector<chain::PartyEvent>> GetPartyEvents(const chain::KvReader& state,
                                                             const chain::AccountId& account,
                                                             uint32_t from, uint32_t limit);
chain::Result<std::optional<chain::TxLocation>> GetTxLocation(const chain::KvReader& state,
                                                              const chain::Hash256& txid);
chain::Result<Chainstate::PartyInfo> GetParty(const chain::KvScanner& state,
                                              const chain::AccountId& account,
                                              size_t max_endorsements);
// The stored block index record of id ('i' key), without parent and skip; nullopt if absent.
chain::Result<std::optional<chain::BlockIndex>> GetBlockIndexRecord(const chain::KvReader& state,
                                                                    const chain::Hash256& id);
// The active chain's block id at height ('h' key); nullopt if absent.
chain::Result<std::optional<chain::Hash256>> GetHeightEntry(const chain::KvReader& state,
                                                            uint32_t height);

}  // namespace waybill::consensus::reads
