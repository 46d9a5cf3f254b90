// Key files: one secret key as JSON {"secret": "<64 hex digits>"}, mode 0600. The format is
// docs/API.md's "Key files"; a later keystore (encrypted, BIP-39/BIP-32) will be a second
// format beside this one, read through the same Signer (wallet/signer.h).
#pragma once

#include <string>
#include <string_view>

#include "chain/schnorr.h"
#include "chain/status.h"

namespace waybill::wallet {

// A key file is small; a larger file is refused before it is parsed.
inline constexpr size_t kMaxKeyFileSize = 4096;

// The file's text for key. Holds the secret: the caller wipes it (chain::SecureWipe).
std::string KeyFileText(const chain::SecretKey& key);

// The key in a key file's text. Invalid with a reason that says what is wrong (not JSON of
// the expected shape, not 64 hex digits, not a valid secp256k1 secret). Copies of the secret
// made while parsing are wiped.
chain::Result<chain::SecretKey> ParseKeyFile(std::string_view text);

// Reads and parses the key file at path. NotFound or IoError "cannot open PATH: ..." when it
// cannot be read; Invalid "PATH: ..." when it is no key file (ParseKeyFile, or larger than
// kMaxKeyFileSize).
chain::Result<chain::SecretKey> ReadKeyFile(const std::string& path);

// Writes key to a new key file at path, mode 0600, with chain::WriteNewFileAtomic: a crash
// leaves no half-written file, and an existing file is never replaced (Invalid "PATH already
// exists; not overwriting it"). IoError when the write fails.
chain::Status WriteKeyFile(const std::string& path, const chain::SecretKey& key);

}  // namespace waybill::wallet
