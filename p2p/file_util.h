// Small, whole-file I/O for the overlay's own files (peers.dat, banlist.dat).
#pragma once

#include <string>

#include "chain/status.h"
#include "chain/types.h"

namespace waybill::p2p {

// Writes data to path via a temp file in the same folder: write, fsync, rename, fsync the
// folder, so a crash leaves the old file or the new one, never half of one. Mode 0600.
// IoError on failure (the temp file is removed).
chain::Status WriteFileAtomic(const std::string& path, const chain::Bytes& data);
// Reads a whole regular file of at most max_size bytes. NotFound if it does not exist;
// Corruption if it is not a regular file or is larger; IoError if it cannot be read.
chain::Result<chain::Bytes> ReadFileBounded(const std::string& path, size_t max_size);

}  // namespace waybill::p2p
