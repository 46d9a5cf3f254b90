// The metadata index: the assets with a published metadata entry of a given key and value (a
// GTIN, a lot number), in asset id order, read from the 'g' keys (keys::Metadata) that
// StateCache::PutAsset keeps. The reader behind the REST API's search and GS1 Digital Link
// resolution.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "chain/status.h"
#include "chain/store.h"
#include "chain/types.h"

namespace waybill::chain {

// One page of a metadata search.
struct MetadataPage {
  std::vector<Hash256> assets;  // ascending, each > the page's `after`
  bool more = false;            // at least one more asset follows the last one
};

// The ids of the assets (any status) with a published entry key = value that come after
// `after` (exclusive; none: from the first), at most limit. Reads at most limit + 1 index keys,
// never the keys before `after`. A key longer than kMaxMetadataKeyLen or a value longer than
// kMaxMetadataValueLen matches nothing. A key under the prefix that is not a metadata key is
// Corruption. REQUIRES: limit >= 1.
Result<MetadataPage> FindByMetadata(const KvScanner& source, std::string_view key,
                                    std::string_view value, const std::optional<Hash256>& after,
                                    size_t limit);

}  // namespace waybill::chain
