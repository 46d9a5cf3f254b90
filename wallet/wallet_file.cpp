#include "wallet/wallet_file.h"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <system_error>
#include <utility>

#include "chain/file_util.h"
#include "chain/hash.h"
#include "wallet/bip32.h"

namespace waybill::wallet {
namespace {

using Json = nlohmann::json;

constexpr size_t kMaxXpubLength = 120;  // a Base58Check xpub is 111 characters
constexpr size_t kSeedSize = 64;

ParsedWallet Fail(KeystoreError error, std::string reason) {
  ParsedWallet p;
  p.error = error;
  p.reason = std::move(reason);
  return p;
}

OpenResult OpenFail(KeystoreError error, std::string reason) {
  OpenResult r;
  r.error = error;
  r.reason = std::move(reason);
  return r;
}

template <size_t N>
std::string Hex(const std::array<uint8_t, N>& a) {
  return chain::HexEncode(chain::ByteSpan(a.data(), a.size()));
}

// The object without "checksum", whose canonical text the checksum covers.
Json BodyJson(const WalletFile& f) {
  Json ks = nullptr;
  if (f.keystore) {
    const Keystore& k = *f.keystore;
    ks = Json{{"kdf", "scrypt"},       {"n", k.scrypt.n},
              {"r", k.scrypt.r},       {"p", k.scrypt.p},
              {"salt", Hex(k.salt)},   {"cipher", "aes-256-gcm"},
              {"nonce", Hex(k.nonce)}, {"check", Hex(k.check)},
              {"tag", Hex(k.tag)},     {"ciphertext", chain::HexEncode(k.ciphertext)}};
  }
  return Json{{"waybill_wallet", kWalletFileVersion},
              {"name", f.name},
              {"created", f.created},
              {"account", f.account},
              {"account_xpub", f.account_xpub},
              {"next_index", f.next_index},
              {"keystore", std::move(ks)}};
}

std::string Canonical(const Json& j) { return j.dump(2) + "\n"; }

std::string ChecksumOf(const Json& body) {
  const std::string text = Canonical(body);
  return chain::Sha256Hash(
             chain::ByteSpan(reinterpret_cast<const uint8_t*>(text.data()), text.size()))
      .ToHex();
}

// Lower-case hex of exactly N bytes into out.
template <size_t N>
bool HexField(const Json& j, const char* key, std::array<uint8_t, N>& out) {
  if (!j.contains(key) || !j[key].is_string()) return false;
  const std::string& s = j[key].get_ref<const std::string&>();
  if (s.size() != 2 * N) return false;
  auto bytes = chain::HexDecode(s);
  if (!bytes) return false;
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return true;
}

bool UintField(const Json& j, const char* key, uint64_t max, uint64_t& out) {
  if (!j.contains(key) || !j[key].is_number_unsigned()) return false;
  out = j[key].get<uint64_t>();
  return out <= max;
}

// The keystore object. Types and lengths: kMalformed; scrypt parameters: kBadParams (read as
// 64-bit numbers and checked before anything uses them).
ParsedWallet ParseKeystore(const Json& j, Keystore& ks) {
  static const char* const kKeys[] = {"kdf",    "n",     "r",     "p",   "salt",
                                      "cipher", "nonce", "check", "tag", "ciphertext"};
  if (!j.is_object() || j.size() != std::size(kKeys)) {
    return Fail(KeystoreError::kMalformed, "the keystore has missing or unknown fields");
  }
  for (const char* key : kKeys) {
    if (!j.contains(key))
      return Fail(KeystoreError::kMalformed, std::string("the keystore has no ") + key);
  }
  if (j["kdf"] != "scrypt" || j["cipher"] != "aes-256-gcm") {
    return Fail(KeystoreError::kMalformed,
                "unsupported keystore (kdf must be \"scrypt\" and "
                "cipher \"aes-256-gcm\")");
  }
  uint64_t n = 0, r = 0, p = 0;
  if (!UintField(j, "n", UINT64_MAX, n) || !UintField(j, "r", UINT32_MAX, r) ||
      !UintField(j, "p", UINT32_MAX, p)) {
    return Fail(KeystoreError::kBadParams, "scrypt n, r and p must be small unsigned integers");
  }
  ks.scrypt = ScryptParams{n, static_cast<uint32_t>(r), static_cast<uint32_t>(p)};
  if (chain::Status s = CheckScryptParams(ks.scrypt); !s.ok()) {
    return Fail(KeystoreError::kBadParams, s.reason());
  }
  std::array<uint8_t, kSeedSize> ct{};
  if (!HexField(j, "salt", ks.salt) || !HexField(j, "nonce", ks.nonce) ||
      !HexField(j, "check", ks.check) || !HexField(j, "tag", ks.tag) ||
      !HexField(j, "ciphertext", ct)) {
    return Fail(KeystoreError::kMalformed,
                "a keystore field is not hex of its length (salt 32, nonce 12, check 16, tag 16, "
                "ciphertext 64 bytes)");
  }
  ks.ciphertext.assign(ct.begin(), ct.end());
  return ParsedWallet{};
}

// The account key an xpub stands for: public, depth 3, a hardened child number.
chain::Result<uint32_t> AccountOfXpub(std::string_view xpub) {
  if (xpub.size() > kMaxXpubLength) return chain::Status::Invalid("the xpub is too long");
  auto key = ExtendedKey::Parse(xpub);
  if (!key.ok()) return chain::Status::Invalid("not an extended key: " + key.status().reason());
  if (key->is_private()) {
    return chain::Status::Invalid("this is a private key (xprv): give the account's xpub");
  }
  if (key->depth() != 3 || key->child_number() < kHardened) {
    return chain::Status::Invalid("not an account xpub (depth 3, m/86'/7687'/account')");
  }
  return key->child_number() - kHardened;
}

// The fields other than the keystore, into f. kMalformed with the reason.
ParsedWallet ParseFields(const Json& doc, WalletFile& f) {
  static const char* const kKeys[] = {"waybill_wallet", "name",       "created",  "account",
                                      "account_xpub",   "next_index", "keystore", "checksum"};
  if (doc.size() != std::size(kKeys)) {
    return Fail(KeystoreError::kMalformed, "the wallet file has missing or unknown fields");
  }
  for (const char* key : kKeys) {
    if (!doc.contains(key)) {
      return Fail(KeystoreError::kMalformed, std::string("the wallet file has no ") + key);
    }
  }
  uint64_t account = 0, next = 0;
  if (!doc["name"].is_string() || !doc["created"].is_number_integer() ||
      !doc["account_xpub"].is_string() || !UintField(doc, "account", kHardened - 1, account) ||
      !UintField(doc, "next_index", kHardened, next)) {
    return Fail(KeystoreError::kMalformed, "a wallet file field has the wrong type or range");
  }
  f.name = doc["name"].get<std::string>();
  f.created = doc["created"].get<int64_t>();
  f.account = static_cast<uint32_t>(account);
  f.next_index = static_cast<uint32_t>(next);
  f.account_xpub = doc["account_xpub"].get<std::string>();
  if (chain::Status s = CheckWalletName(f.name); !s.ok()) {
    return Fail(KeystoreError::kMalformed, "name: " + s.reason());
  }
  auto from_xpub = AccountOfXpub(f.account_xpub);
  if (!from_xpub.ok()) {
    return Fail(KeystoreError::kMalformed, "account_xpub: " + from_xpub.status().reason());
  }
  if (*from_xpub != f.account) {
    return Fail(KeystoreError::kMalformed, "account does not match the account_xpub");
  }
  return ParsedWallet{};
}

// Whether a JSON parse error means the text ended early.
bool EndedEarly(std::string_view text) {
  try {
    return Json::parse(text).is_discarded();  // parsed: it did not end early
  } catch (const Json::parse_error& e) {
    return e.byte > text.size();
  }
}

}  // namespace

chain::Status CheckWalletName(std::string_view name) {
  auto bad = [&](const char* why) {
    return chain::Status::Invalid("'" + std::string(name) + "' is not a valid name: " + why);
  };
  if (name.empty() || name.size() > 32) return bad("it must have 1 to 32 characters");
  auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!lower_or_digit(name[0])) return bad("it must start with a-z or 0-9");
  for (char c : name) {
    if (!lower_or_digit(c) && c != '.' && c != '_' && c != '-') {
      return bad("use only a-z, 0-9, '.', '_' and '-'");
    }
  }
  return chain::Status::Ok();
}

std::string WalletFileText(const WalletFile& file) {
  Json doc = BodyJson(file);
  doc["checksum"] = ChecksumOf(doc);
  return Canonical(doc);
}

ParsedWallet ParseWalletFile(std::string_view text) {
  if (text.empty()) return Fail(KeystoreError::kTruncated, "the file is empty: truncated");
  Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    if (EndedEarly(text)) return Fail(KeystoreError::kTruncated, "the file ends early: truncated");
    return Fail(KeystoreError::kMalformed, "not a wallet file (not JSON): damaged or edited");
  }
  if (!doc.is_object() || !doc.contains("waybill_wallet")) {
    return Fail(KeystoreError::kMalformed, "not a wallet file (no \"waybill_wallet\")");
  }
  if (doc["waybill_wallet"] != kWalletFileVersion) {
    return Fail(KeystoreError::kMalformed,
                "unsupported wallet file version " + doc["waybill_wallet"].dump());
  }
  const std::string canonical = Canonical(doc);
  if (canonical != text) {
    if (canonical.size() > text.size() && canonical.compare(0, text.size(), text) == 0) {
      return Fail(KeystoreError::kTruncated, "the file ends early: truncated");
    }
    return Fail(KeystoreError::kMalformed,
                "the file is not in its canonical form: damaged or edited");
  }
  if (!doc.contains("checksum") || !doc["checksum"].is_string()) {
    return Fail(KeystoreError::kMalformed, "the wallet file has no checksum");
  }
  const std::string stored = doc["checksum"].get<std::string>();
  doc.erase("checksum");
  if (stored != ChecksumOf(doc)) {
    return Fail(KeystoreError::kMalformed, "checksum mismatch: the file is damaged or was edited");
  }
  doc["checksum"] = stored;
  WalletFile f;
  if (ParsedWallet p = ParseFields(doc, f); !p.ok()) return p;
  if (!doc["keystore"].is_null()) {
    Keystore ks;
    if (ParsedWallet p = ParseKeystore(doc["keystore"], ks); !p.ok()) return p;
    f.keystore = std::move(ks);
  }
  ParsedWallet out;
  out.file = std::move(f);
  return out;
}

chain::Bytes WalletAad(uint32_t account, std::string_view account_xpub) {
  static constexpr char kTag[] = "waybill_wallet";
  chain::Bytes out(kTag, kTag + sizeof(kTag) - 1);
  auto put32 = [&](uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
  };
  put32(kWalletFileVersion);
  put32(account);
  put32(static_cast<uint32_t>(account_xpub.size()));
  out.insert(out.end(), account_xpub.begin(), account_xpub.end());
  return out;
}

chain::Result<WalletFile> NewWalletFile(std::string name, chain::ByteSpan seed,
                                        const SecretString& passphrase,
                                        const ScryptParams& params) {
  if (chain::Status s = CheckWalletName(name); !s.ok()) return s;
  if (seed.size() != kSeedSize) return chain::Status::Invalid("the seed must be 64 bytes");
  auto root = ExtendedKey::FromSeed(seed);
  if (!root.ok()) return root.status();
  auto account_key = root->DerivePath(AccountPath(0));
  if (!account_key.ok()) return account_key.status();
  WalletFile f;
  f.name = std::move(name);
  f.created = static_cast<int64_t>(std::time(nullptr));
  f.account = 0;
  f.account_xpub = account_key->XpubBase58();
  auto ks = Seal(seed, passphrase, params, WalletAad(f.account, f.account_xpub));
  if (!ks.ok()) return ks.status();
  f.keystore = std::move(*ks);
  return f;
}

chain::Result<WalletFile> WatchOnlyWalletFile(std::string name, std::string_view account_xpub) {
  if (chain::Status s = CheckWalletName(name); !s.ok()) return s;
  auto account = AccountOfXpub(account_xpub);
  if (!account.ok()) return account.status();
  WalletFile f;
  f.name = std::move(name);
  f.created = static_cast<int64_t>(std::time(nullptr));
  f.account = *account;
  f.account_xpub = std::string(account_xpub);
  return f;
}

OpenResult UnlockSeed(const WalletFile& file, const SecretString& passphrase) {
  if (!file.keystore) {
    return OpenFail(KeystoreError::kMalformed, "watch-only wallet: it holds no keys");
  }
  OpenResult opened = Open(*file.keystore, passphrase, WalletAad(file.account, file.account_xpub));
  if (!opened.ok()) return opened;
  auto root = ExtendedKey::FromSeed(opened.secret.span());
  if (!root.ok()) return OpenFail(KeystoreError::kTampered, "the sealed seed is not a seed");
  auto account_key = root->DerivePath(AccountPath(file.account));
  if (!account_key.ok() || account_key->XpubBase58() != file.account_xpub) {
    return OpenFail(KeystoreError::kTampered, "the keys do not match the wallet's xpub");
  }
  return opened;
}

chain::Result<WalletFile> Reseal(const WalletFile& file, const SecretString& old_pass,
                                 const SecretString& new_pass, const ScryptParams& params) {
  OpenResult opened = UnlockSeed(file, old_pass);
  if (!opened.ok()) return chain::Status::Invalid(opened.reason);
  auto ks =
      Seal(opened.secret.span(), new_pass, params, WalletAad(file.account, file.account_xpub));
  if (!ks.ok()) return ks.status();
  WalletFile out = file;
  out.keystore = std::move(*ks);
  return out;
}

chain::Result<chain::AccountId> AccountAt(const WalletFile& file, uint32_t index) {
  if (index >= kHardened) return chain::Status::Invalid("an address index is below 2^31");
  auto key = ExtendedKey::Parse(file.account_xpub);
  if (!key.ok()) return chain::Status::Invalid("account_xpub: " + key.status().reason());
  auto external = key->Derive(0);
  if (!external.ok()) return external.status();
  auto child = external->Derive(index);
  if (!child.ok()) return child.status();
  return child->XOnly();
}

UnlockedSigner UnlockSigner(const WalletFile& file, const SecretString& passphrase,
                            uint32_t index) {
  UnlockedSigner out;
  auto fail = [&](KeystoreError e, std::string reason) {
    out.error = e;
    out.reason = std::move(reason);
    return std::move(out);
  };
  auto expected = AccountAt(file, index);
  if (!expected.ok()) return fail(KeystoreError::kMalformed, expected.status().reason());
  OpenResult opened = UnlockSeed(file, passphrase);
  if (!opened.ok()) return fail(opened.error, opened.reason);
  auto root = ExtendedKey::FromSeed(opened.secret.span());
  if (!root.ok()) return fail(KeystoreError::kTampered, "the sealed seed is not a seed");
  auto key = root->DerivePath(AddressPath(file.account, index));
  if (!key.ok()) return fail(KeystoreError::kTampered, key.status().reason());
  auto secret = key->Secret();
  if (!secret.ok()) return fail(KeystoreError::kTampered, secret.status().reason());
  if (secret->PublicKey() != *expected) {
    return fail(KeystoreError::kTampered, "the keys do not match the wallet's xpub");
  }
  out.signer = std::make_unique<KeySigner>(std::move(*secret));
  return out;
}

WalletDir::WalletDir(std::string path) : path_(std::move(path)) {}

std::string WalletDir::FileOf(std::string_view name) const {
  return (std::filesystem::path(path_) / (std::string(name) + ".wallet")).string();
}

chain::Result<std::vector<std::string>> WalletDir::List() const {
  std::vector<std::string> names;
  std::error_code ec;
  std::filesystem::directory_iterator it(path_, ec);
  if (ec == std::errc::no_such_file_or_directory) return names;
  if (ec) return chain::Status::IoError("cannot list " + path_ + ": " + ec.message());
  for (const auto& entry : it) {
    const std::filesystem::path& p = entry.path();
    if (p.extension() != ".wallet") continue;
    const std::string stem = p.stem().string();
    if (CheckWalletName(stem).ok() && entry.is_regular_file(ec)) names.push_back(stem);
  }
  std::sort(names.begin(), names.end());
  return names;
}

ParsedWallet WalletDir::Load(std::string_view name) const {
  if (chain::Status s = CheckWalletName(name); !s.ok()) {
    return Fail(KeystoreError::kNotFound,
                "no wallet named " + std::string(name) + ": " + s.reason());
  }
  const std::string file = FileOf(name);
  auto data = chain::ReadFileBounded(file, kMaxWalletFileSize);
  if (!data.ok()) {
    const chain::Status& s = data.status();
    if (s.IsNotFound()) {
      return Fail(KeystoreError::kNotFound,
                  "no wallet named " + std::string(name) + " in " + path_);
    }
    if (s.code() == chain::Status::Code::kCorruption) {
      return Fail(KeystoreError::kMalformed, file +
                                                 ": not a wallet file (not a regular file of "
                                                 "at most 64 KiB)");
    }
    return Fail(KeystoreError::kIo, s.reason());
  }
  ParsedWallet parsed =
      ParseWalletFile(std::string_view(reinterpret_cast<const char*>(data->data()), data->size()));
  if (!parsed.ok()) {
    parsed.reason = file + ": " + parsed.reason;
    return parsed;
  }
  parsed.file->name = std::string(name);
  return parsed;
}

chain::Status WalletDir::Save(const WalletFile& file, bool overwrite) const {
  if (chain::Status s = CheckWalletName(file.name); !s.ok()) return s;
  if (chain::Status s = chain::MakePrivateDir(path_); !s.ok()) return s;
  const std::string text = WalletFileText(file);
  const chain::Bytes data(text.begin(), text.end());
  const std::string path = FileOf(file.name);
  if (overwrite) return chain::WriteFileAtomic(path, data);
  chain::Status s = chain::WriteNewFileAtomic(path, data);
  if (s.IsInvalid()) {
    return chain::Status::Invalid("a wallet named " + file.name + " already exists (" + path +
                                  "); not overwriting it");
  }
  return s;
}

chain::Status WalletDir::Remove(std::string_view name) const {
  if (chain::Status s = CheckWalletName(name); !s.ok()) return s;
  chain::Status s = chain::RemoveFileDurably(FileOf(name));
  if (s.IsNotFound()) {
    return chain::Status::NotFound("no wallet named " + std::string(name) + " in " + path_);
  }
  return s;
}

}  // namespace waybill::wallet
