// Wallet files: one JSON file per wallet (DATADIR/wallets/NAME.wallet, mode 0600) holding the
// account xpub (addresses are derived from it without a passphrase), the next address index
// and, unless the wallet is watch-only, the keystore that seals the BIP-39 seed. The format
// (every field, the KDF, the associated data, the checksum, the bounds) is docs/API.md's
// "Wallet files and the keystore".
//
// A file is accepted only in its canonical text with a matching checksum, so any edited or
// damaged byte is refused when it is read; an edit whose checksum was recomputed is caught when
// the seed is unlocked (GCM over the bound fields, then the key check against the xpub).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chain/status.h"
#include "chain/types.h"
#include "wallet/keystore.h"
#include "wallet/secret.h"
#include "wallet/signer.h"

namespace waybill::wallet {

// A wallet file is small (about 1 KB); a larger file is refused before it is parsed.
inline constexpr size_t kMaxWalletFileSize = 64 * 1024;
// The "waybill_wallet" format version this code writes and reads.
inline constexpr uint32_t kWalletFileVersion = 1;

struct WalletFile {
  std::string name;
  int64_t created = 0;       // Unix seconds
  std::string account_xpub;  // account level (depth 3); for a watch-only wallet the imported one
  uint32_t account = 0;      // the account' of the path (0)
  uint32_t next_index = 0;   // addresses handed out: 0 .. next_index-1 (mutable, not secret)
  std::optional<Keystore> keystore;  // nullopt: watch-only
  bool watch_only() const { return !keystore; }
};

// Wallet and contact names: 1..32 characters of [a-z0-9._-], starting with [a-z0-9].
// Invalid with a reason that says the rule.
chain::Status CheckWalletName(std::string_view name);

// The file's canonical text: JSON with sorted keys, two-space indent, a final newline, and
// "checksum": the SHA-256 (hex) of the canonical text of the same object without "checksum".
std::string WalletFileText(const WalletFile& file);

// Errors: kTruncated ("the file ends early: truncated"), kMalformed (not a wallet file, not in
// canonical form, checksum mismatch: "damaged or edited"), kBadParams (scrypt parameters out of
// bounds; nothing is allocated). The reason is one line without the file's path.
struct ParsedWallet {
  std::optional<WalletFile> file;
  KeystoreError error = KeystoreError::kNone;
  std::string reason;
  bool ok() const { return error == KeystoreError::kNone; }
};
ParsedWallet ParseWalletFile(std::string_view text);

// The bytes a wallet file's keystore binds after the keystore's own header (KeystoreAad):
// "waybill_wallet" (14 ASCII bytes), the format version as 4 bytes little-endian, the account
// as 4 bytes little-endian, the length of account_xpub as 4 bytes little-endian and its ASCII.
chain::Bytes WalletAad(uint32_t account, std::string_view account_xpub);

// A wallet with secrets from a BIP-39 seed (16..64 bytes): derives the account key
// m/86'/7687'/0' and seals the seed under passphrase (non-empty). created = now.
chain::Result<WalletFile> NewWalletFile(std::string name, chain::ByteSpan seed,
                                        const SecretString& passphrase, const ScryptParams& params);
// A watch-only wallet from an account xpub (public, depth 3, hardened child number: the account
// is taken from it). Invalid for an xprv ("give the account's xpub, not a private key"), another
// depth, or a malformed key.
chain::Result<WalletFile> WatchOnlyWalletFile(std::string name, std::string_view account_xpub);

// The seed. kMalformed "watch-only wallet: it holds no keys" for a watch-only wallet; otherwise
// Open's errors, and kTampered when the seed does not derive the file's account xpub.
OpenResult UnlockSeed(const WalletFile& file, const SecretString& passphrase);
// The same wallet with the seed sealed under new_pass (fresh salt and nonce).
chain::Result<WalletFile> Reseal(const WalletFile& file, const SecretString& old_pass,
                                 const SecretString& new_pass, const ScryptParams& params);

// The address (account id) at index i: account_xpub/0/i. No passphrase. Invalid for an index
// >= 2^31 or an unusable xpub.
chain::Result<chain::AccountId> AccountAt(const WalletFile& file, uint32_t index);

// The signer for index i: unlocks the seed, derives m/86'/7687'/account'/0/i and checks that its
// x-only key equals AccountAt(i) (kTampered "the keys do not match the wallet's xpub").
struct UnlockedSigner {
  std::unique_ptr<KeySigner> signer;
  KeystoreError error = KeystoreError::kNone;
  std::string reason;
  bool ok() const { return error == KeystoreError::kNone; }
};
UnlockedSigner UnlockSigner(const WalletFile& file, const SecretString& passphrase, uint32_t index);

// The wallet folder, DATADIR/wallets: one NAME.wallet file per wallet. Holds only its path.
class WalletDir {
 public:
  explicit WalletDir(std::string path);
  const std::string& path() const { return path_; }
  // path/NAME.wallet. REQUIRES: CheckWalletName(name) is OK (otherwise the result is only a
  // string: Load/Save/Remove check the name themselves).
  std::string FileOf(std::string_view name) const;
  // The names of the wallets (files NAME.wallet with a valid NAME), sorted. An absent folder
  // has none. Temp files of an interrupted write (NAME.wallet.XXXXXX) are not wallets.
  chain::Result<std::vector<std::string>> List() const;
  // Reads and parses NAME.wallet: kNotFound "no wallet named NAME in DIR", kIo, or
  // ParseWalletFile's errors prefixed by the file's path. The name in the result is NAME (the
  // file's name wins over the one stored inside).
  ParsedWallet Load(std::string_view name) const;
  // Writes file.name's file atomically (temp file, fsync, rename or link, fsync of the folder),
  // mode 0600, creating the folder (mode 0700) if needed. Without overwrite an existing wallet
  // is never replaced: Invalid "a wallet named NAME already exists (FILE); not overwriting it".
  chain::Status Save(const WalletFile& file, bool overwrite) const;
  // Deletes NAME.wallet (and syncs the folder). NotFound when there is none.
  chain::Status Remove(std::string_view name) const;

 private:
  std::string path_;
};

}  // namespace waybill::wallet
