// The custody index: an account's open assets in asset id order, read from the 'c' keys
// (keys::Custody) that StateCache::PutAsset keeps. The reader behind the `listassets` RPC and
// the REST API's account pages.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "chain/status.h"
#include "chain/store.h"
#include "chain/types.h"

namespace waybill::chain {

// One page of an account's assets.
struct CustodyPage {
  std::vector<Hash256> assets;  // ascending, each > the page's `after`
  bool more = false;            // at least one more asset follows the last one
};

// The ids of the open assets in custodian's custody that come after `after` (exclusive; none:
// from the first), at most limit. Reads at most limit + 1 index keys, never the keys before
// `after`. A key under the custodian's prefix that is not a custody key is Corruption.
// REQUIRES: limit >= 1.
Result<CustodyPage> ListCustody(const Store& store, const AccountId& custodian,
                                const std::optional<Hash256>& after, size_t limit);
Result<CustodyPage> ListCustody(const StoreSnapshot& snapshot, const AccountId& custodian,
                                const std::optional<Hash256>& after, size_t limit);

}  // namespace waybill::chain
