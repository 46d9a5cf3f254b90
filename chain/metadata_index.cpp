#include "chain/metadata_index.h"

#include <string>

#include "chain/index_page.h"
#include "chain/state.h"
#include "chain/tx.h"

namespace waybill::chain {

Result<MetadataPage> FindByMetadata(const KvScanner& source, std::string_view key,
                                    std::string_view value, const std::optional<Hash256>& after,
                                    size_t limit) {
  if (key.size() > kMaxMetadataKeyLen || value.size() > kMaxMetadataValueLen) {
    return MetadataPage();
  }
  std::optional<std::string> after_key;
  if (after) after_key = keys::Metadata(key, value, *after);
  return ReadAssetIdPage<MetadataPage>(source, "metadata index", keys::MetadataPrefix(key, value),
                                       after_key, limit, [&](std::string_view k, Hash256* asset) {
                                         std::string found_key;
                                         std::string found_value;
                                         return keys::ParseMetadata(k, &found_key, &found_value,
                                                                    asset) &&
                                                found_key == key && found_value == value;
                                       });
}

}  // namespace waybill::chain
