#include "chain/metadata_index.h"

#include <cassert>
#include <string>

#include "chain/state.h"
#include "chain/tx.h"

namespace waybill::chain {

Result<MetadataPage> FindByMetadata(const KvScanner& source, std::string_view key,
                                    std::string_view value, const std::optional<Hash256>& after,
                                    size_t limit) {
  assert(limit >= 1);
  MetadataPage page;
  if (key.size() > kMaxMetadataKeyLen || value.size() > kMaxMetadataValueLen) return page;
  const std::string prefix = keys::MetadataPrefix(key, value);
  // The smallest key greater than after's: after's key with a zero byte appended.
  std::string start;
  if (after) start = keys::Metadata(key, value, *after) + std::string(1, '\0');
  Status inner = Status::Ok();
  Status s = source.ScanFrom(prefix, start, [&](std::string_view k, ByteSpan) {
    std::string found_key;
    std::string found_value;
    Hash256 asset;
    if (!keys::ParseMetadata(k, &found_key, &found_value, &asset) || found_key != key ||
        found_value != value) {
      inner = Status::Corruption(
          "metadata index: bad key " +
          HexEncode(ByteSpan(reinterpret_cast<const uint8_t*>(k.data()), k.size())));
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
