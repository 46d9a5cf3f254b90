// StateCache::WriteTo, apart from the rest of state_cache.cpp: it is the overlay's only use of
// StoreBatch (LevelDB), so a program that replays operations on an overlay without a store (the
// `waybill` program's proof verifier, node/cli/check_links.cmake) links no LevelDB.
#include "chain/state_cache.h"

namespace waybill::chain {

void StateCache::WriteTo(StoreBatch* batch) const {
  for (const auto& [key, value] : changes_) {
    if (value) {
      batch->Put(key, *value);
    } else {
      batch->Delete(key);
    }
  }
}

}  // namespace waybill::chain
