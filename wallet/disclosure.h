// Committed metadata values and their disclosures (docs/API.md "Disclosures").
//
// A committed entry puts chain::MetaCommitment(salt, key, value) on the chain instead of the
// value. Whoever holds the salt and the value can disclose them; anyone checks a disclosure
// against the commitment on chain. The salt is a secret until disclosed (with it, a short value
// such as a price can be found by trying values): this file writes salts only to the
// disclosures file (mode 0600), never to a log or stdout, and wipes the copies it makes.
// The wallet file does not keep them: the disclosures file is their only copy. The offline
// proof bundle that carries disclosures is issue 12's.
//
// A disclosures file is a JSON array of {"asset": HEX or null, "key", "value", "salt": HEX};
// a single disclosure is one such object.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chain/status.h"
#include "chain/tx.h"
#include "chain/types.h"

namespace waybill::wallet {

inline constexpr size_t kMaxDisclosuresFileSize = 1 << 20;

struct Disclosure {
  std::optional<chain::Hash256> asset;  // unknown until the asset exists (always known here)
  std::string key;
  std::string value;
  chain::Hash256 salt;
  bool operator==(const Disclosure&) const = default;
  // Wipes salt and value.
  void Wipe();
};

// A committed entry for (key, value) with a fresh 32-byte salt from the OS CSPRNG (OpenSSL
// RAND_bytes), and its disclosure (asset unset).
struct Committed {
  chain::MetadataEntry entry;
  Disclosure disclosure;
};
Committed CommitValue(std::string key, std::string value);
// The same with a given salt (tests).
Committed CommitValueWithSalt(std::string key, std::string value, const chain::Hash256& salt);

// True when the disclosure's salt and value give `commitment` under its key.
bool Matches(const Disclosure& d, const chain::Hash256& commitment);

// JSON text of one disclosure / of a list (a disclosures file). The text holds salts: the
// caller wipes it (chain::SecureWipe).
std::string DisclosureText(const Disclosure& d);
std::string DisclosuresText(const std::vector<Disclosure>& list);
// Parses one disclosure object or a list of them (a single object gives a list of one).
// Invalid with a reason naming what is wrong.
chain::Result<std::vector<Disclosure>> ParseDisclosures(std::string_view text);

// Writes a new disclosures file: mode 0600, atomically, never over an existing file
// (chain::WriteNewFileAtomic; Invalid "PATH already exists; not overwriting it").
chain::Status WriteDisclosuresFile(const std::string& path, const std::vector<Disclosure>& list);
// Reads one (at most kMaxDisclosuresFileSize bytes).
chain::Result<std::vector<Disclosure>> ReadDisclosuresFile(const std::string& path);

}  // namespace waybill::wallet
