// Small, whole-file I/O (peers.dat, banlist.dat, mempool.dat, key files).
#pragma once

#include <string>
#include <string_view>

#include "chain/status.h"
#include "chain/types.h"

namespace waybill::chain {

// Writes data to path via a temp file in the same folder: write, fsync, rename, fsync the
// folder, so a crash leaves the old file or the new one, never half of one. Mode 0600.
// IoError on failure (the temp file is removed).
Status WriteFileAtomic(const std::string& path, const Bytes& data);
// The same for a file that must not exist yet (a new key file): Invalid ("PATH already exists;
// not overwriting it") if it does, and then nothing is written. Needs a file system with hard
// links (the temp file is linked to path, which fails if path exists).
Status WriteNewFileAtomic(const std::string& path, const Bytes& data);
// Creates the folder path and its missing parents with mode 0700 (for folders that hold
// secrets: wallets); folders that exist are left as they are. Invalid when path exists and is
// not a folder; IoError when it cannot be created.
Status MakePrivateDir(const std::string& path);
// Deletes the file at path and fsyncs its folder. NotFound when there is none; IoError when the
// OS refuses.
Status RemoveFileDurably(const std::string& path);
// Reads a whole regular file of at most max_size bytes. NotFound if it does not exist;
// Corruption if it is not a regular file or is larger; IoError if it cannot be read.
Result<Bytes> ReadFileBounded(const std::string& path, size_t max_size);

// The envelope of the overlay's files (peers.dat, banlist.dat; docs/PROTOCOL.md §13): a 4-byte
// magic, a version byte, the body, and the SHA-256 of everything before it. Returns the body, or
// Corruption "<file>: too short" / "bad magic" / "unsupported version N" / "checksum mismatch".
Result<ByteSpan> OpenChecksummedFile(std::string_view file, ByteSpan data, std::string_view magic,
                                     uint8_t version);

}  // namespace waybill::chain
