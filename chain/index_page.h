// One page of asset ids read from an index whose keys end in the asset id: the custody index
// ('c' keys, custody.h) and the metadata index ('g' keys, metadata_index.h) share this scan,
// its paging after a given id and its check of each key.
#pragma once

#include <cassert>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "chain/status.h"
#include "chain/store.h"
#include "chain/types.h"

namespace waybill::chain {

// The asset ids of the keys under prefix that sort after after_key (none: from the first key),
// at most limit, in key order, as a Page (CustodyPage, MetadataPage: `assets`, and `more` when
// at least one more key follows). Reads at most limit + 1 keys, never those up to after_key.
// parse(key, Hash256* asset) sets the asset id of a key under prefix and returns false when the
// key is not one of the index's keys: that is Corruption, naming `index` and the key.
// REQUIRES: limit >= 1.
template <typename Page, typename Parse>
Result<Page> ReadAssetIdPage(const KvScanner& source, std::string_view index,
                             const std::string& prefix, const std::optional<std::string>& after_key,
                             size_t limit, const Parse& parse) {
  assert(limit >= 1);
  // The smallest key greater than after_key: after_key with a zero byte appended.
  std::string start;
  if (after_key) start = *after_key + std::string(1, '\0');
  Page page;
  Status inner = Status::Ok();
  Status s = source.ScanFrom(prefix, start, [&](std::string_view key, ByteSpan) {
    Hash256 asset;
    if (!parse(key, &asset)) {
      inner = Status::Corruption(
          std::string(index) + ": bad key " +
          HexEncode(ByteSpan(reinterpret_cast<const uint8_t*>(key.data()), key.size())));
      return false;
    }
    if (page.assets.size() == limit) {
      page.more = true;
      return false;
    }
    page.assets.push_back(asset);
    return true;
  });
  if (!s.ok()) return s;
  if (!inner.ok()) return inner;
  return page;
}

}  // namespace waybill::chain
