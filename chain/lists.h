// The list encodings that txs and state records share (docs/PROTOCOL.md §3, §11.1): a metadata
// list is CompactSize(n) || n × entry with min ≤ n ≤ kMaxMetadataEntries, entry = key string(32)
// || kind u8 || (kind 0: value string(256) | kind 1: commitment 32 bytes), any other kind
// undecodable; a hash list CompactSize(n) || n × 32 bytes with min ≤ n ≤ max.
#pragma once

#include <cstdint>
#include <vector>

#include "chain/serialize.h"
#include "chain/tx.h"

namespace waybill::chain {

void WriteMetadata(Writer& w, const std::vector<MetadataEntry>& md);
// From min to max_entries entries (party identifiers: at most kMaxIdentifiers; a
// correction's set: at least kMinCorrectEntries).
bool ReadMetadata(Reader& r, std::vector<MetadataEntry>* md, uint64_t min = 0,
                  size_t max_entries = kMaxMetadataEntries);
// An entry without its key: kind u8 || value or commitment (also the old and new values of a
// correction's changes, chain/state.h). The reader leaves e->key as it was.
void WriteMetaBody(Writer& w, const MetadataEntry& e);
bool ReadMetaBody(Reader& r, MetadataEntry* e);
void WriteHashes(Writer& w, const std::vector<Hash256>& hashes);
bool ReadHashes(Reader& r, std::vector<Hash256>* out, uint64_t min, uint64_t max);

}  // namespace waybill::chain
