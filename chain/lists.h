// The list encodings that txs and state records share (docs/PROTOCOL.md §3, §11.1): a metadata
// list is CompactSize(n) || n × (key string, value string), bounded by max_entries and
// the key and value lengths of chain/tx.h; a hash list CompactSize(n) || n × 32 bytes with
// min ≤ n ≤ max.
#pragma once

#include <cstdint>
#include <vector>

#include "chain/serialize.h"
#include "chain/tx.h"

namespace waybill::chain {

void WriteMetadata(Writer& w, const std::vector<MetadataEntry>& md);
bool ReadMetadata(Reader& r, std::vector<MetadataEntry>* md,
                  uint64_t max_entries = kMaxMetadataEntries);
void WriteHashes(Writer& w, const std::vector<Hash256>& hashes);
bool ReadHashes(Reader& r, std::vector<Hash256>* out, uint64_t min, uint64_t max);

}  // namespace waybill::chain
