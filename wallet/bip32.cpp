#include "wallet/bip32.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstring>
#include <utility>

#include "chain/hash.h"
#include "wallet/base58.h"

namespace waybill::wallet {
namespace {

constexpr size_t kSerializedSize = 78;
constexpr size_t kMaxPathText = 4096;
constexpr std::string_view kSeedKey = "Bitcoin seed";

// Wipes a buffer that may hold a secret when the scope ends, whatever the return path.
class WipeOnExit {
 public:
  WipeOnExit(void* p, size_t n) : p_(p), n_(n) {}
  ~WipeOnExit() { chain::SecureWipe(p_, n_); }
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;

 private:
  void* p_;
  size_t n_;
};

void PutBE32(uint8_t* out, uint32_t v) {
  out[0] = static_cast<uint8_t>(v >> 24);
  out[1] = static_cast<uint8_t>(v >> 16);
  out[2] = static_cast<uint8_t>(v >> 8);
  out[3] = static_cast<uint8_t>(v);
}

uint32_t GetBE32(const uint8_t* in) {
  return (uint32_t{in[0]} << 24) | (uint32_t{in[1]} << 16) | (uint32_t{in[2]} << 8) | in[3];
}

// HMAC-SHA512(key, data) into out. False only if OpenSSL fails.
bool HmacSha512(chain::ByteSpan key, chain::ByteSpan data, std::array<uint8_t, 64>& out) {
  unsigned int len = 0;
  return HMAC(EVP_sha512(), key.data(), static_cast<int>(key.size()), data.data(), data.size(),
              out.data(), &len) != nullptr &&
         len == out.size();
}

std::optional<std::array<uint8_t, 20>> Hash160(chain::ByteSpan data) {
  const EVP_MD* ripemd = EVP_get_digestbyname("ripemd160");
  if (ripemd == nullptr) return std::nullopt;
  const chain::Hash256 sha = chain::Sha256Hash(data);
  std::array<uint8_t, 20> out;
  unsigned int len = 0;
  if (EVP_Digest(sha.data(), sha.kSize, out.data(), &len, ripemd, nullptr) != 1 ||
      len != out.size()) {
    return std::nullopt;
  }
  return out;
}

std::string Hex32(uint32_t v) {
  uint8_t b[4];
  PutBE32(b, v);
  return "0x" + chain::HexEncode(chain::ByteSpan(b, 4));
}

}  // namespace

chain::Result<ExtendedKey> ExtendedKey::FromSeed(chain::ByteSpan seed) {
  if (seed.size() < 16 || seed.size() > 64) {
    return chain::Status::Invalid("a BIP-32 seed is 16 to 64 bytes, not " +
                                  std::to_string(seed.size()));
  }
  std::array<uint8_t, 64> i;
  WipeOnExit wipe(i.data(), i.size());
  const chain::ByteSpan key(reinterpret_cast<const uint8_t*>(kSeedKey.data()), kSeedKey.size());
  if (!HmacSha512(key, seed, i)) return chain::Status::Internal("HMAC-SHA512 failed (OpenSSL)");
  const std::optional<chain::ec::PubKey> pubkey =
      chain::ec::PublicKeyOf(chain::ByteSpan(i.data(), 32));
  if (!pubkey) return chain::Status::Invalid("this seed gives no valid master key; use another");
  ExtendedKey master;
  master.secret_ = SecretBytes(i.data(), 32);
  std::memcpy(master.chain_code_.data(), i.data() + 32, 32);
  master.pubkey_ = *pubkey;
  return master;
}

chain::Result<ExtendedKey> ExtendedKey::Parse(std::string_view base58) {
  chain::Result<chain::Bytes> decoded = DecodeBase58Check(base58);
  if (!decoded.ok())
    return chain::Status::Invalid("not an extended key: " + decoded.status().reason());
  chain::Bytes& b = decoded.value();
  WipeOnExit wipe(b.data(), b.size());
  if (b.size() != kSerializedSize) {
    return chain::Status::Invalid("not an extended key: " + std::to_string(b.size()) +
                                  " bytes, not 78");
  }
  const uint32_t version = GetBE32(b.data());
  if (version != kXpubVersion && version != kXprvVersion) {
    return chain::Status::Invalid("unknown extended key version " + Hex32(version) +
                                  " (only xpub and xprv are accepted)");
  }
  ExtendedKey key;
  key.depth_ = b[4];
  std::memcpy(key.parent_fingerprint_.data(), b.data() + 5, 4);
  key.child_number_ = GetBE32(b.data() + 9);
  std::memcpy(key.chain_code_.data(), b.data() + 13, 32);
  const uint8_t* data = b.data() + 45;
  if (key.depth_ == 0 && key.parent_fingerprint_ != std::array<uint8_t, 4>{}) {
    return chain::Status::Invalid("zero depth with a non-zero parent fingerprint");
  }
  if (key.depth_ == 0 && key.child_number_ != 0) {
    return chain::Status::Invalid("zero depth with a non-zero child number");
  }
  if (version == kXprvVersion) {
    if (data[0] != 0x00) {
      return chain::Status::Invalid("an xprv's key data must start with 0x00, not " +
                                    chain::HexEncode(chain::ByteSpan(data, 1)));
    }
    const std::optional<chain::ec::PubKey> pubkey =
        chain::ec::PublicKeyOf(chain::ByteSpan(data + 1, 32));
    if (!pubkey) return chain::Status::Invalid("private key not in 1..n-1");
    key.secret_ = SecretBytes(data + 1, 32);
    key.pubkey_ = *pubkey;
  } else {
    if (data[0] != 0x02 && data[0] != 0x03) {
      return chain::Status::Invalid("an xpub's public key must start with 02 or 03, not " +
                                    chain::HexEncode(chain::ByteSpan(data, 1)));
    }
    if (!chain::ec::IsValidPubKey(chain::ByteSpan(data, 33))) {
      return chain::Status::Invalid("the public key is not a point of secp256k1");
    }
    std::memcpy(key.pubkey_.data(), data, 33);
  }
  return key;
}

chain::Result<ExtendedKey> ExtendedKey::Derive(uint32_t index) const {
  const bool hardened = index >= kHardened;
  if (hardened && !is_private()) {
    return chain::Status::Invalid("cannot derive the hardened child " +
                                  std::to_string(index - kHardened) +
                                  "' from a public key (xpub): it needs the private key");
  }
  if (depth_ == 255) return chain::Status::Invalid("a BIP-32 key goes at most 255 levels deep");
  const std::optional<std::array<uint8_t, 4>> fingerprint = Fingerprint();
  if (!fingerprint) return chain::Status::Internal("RIPEMD-160 is not available in OpenSSL");
  // Hardened: 0x00 || secret || index; else: compressed public key || index.
  std::array<uint8_t, 37> data{};
  WipeOnExit wipe_data(data.data(), data.size());
  if (hardened) {
    std::memcpy(data.data() + 1, secret_.data(), 32);
  } else {
    std::memcpy(data.data(), pubkey_.data(), 33);
  }
  PutBE32(data.data() + 33, index);
  std::array<uint8_t, 64> i;
  WipeOnExit wipe_i(i.data(), i.size());
  if (!HmacSha512(chain_code_, data, i)) {
    return chain::Status::Internal("HMAC-SHA512 failed (OpenSSL)");
  }
  const chain::ByteSpan tweak(i.data(), 32);
  ExtendedKey child;
  child.depth_ = static_cast<uint8_t>(depth_ + 1);
  child.parent_fingerprint_ = *fingerprint;
  child.child_number_ = index;
  std::memcpy(child.chain_code_.data(), i.data() + 32, 32);
  std::optional<chain::ec::PubKey> pubkey;
  if (is_private()) {
    child.secret_ = SecretBytes(secret_.data(), 32);
    if (chain::ec::SecretTweakAdd(std::span<uint8_t, 32>(child.secret_.data(), 32), tweak)) {
      pubkey = chain::ec::PublicKeyOf(child.secret_.span());
    }
  } else {
    pubkey = chain::ec::PubKeyTweakAdd(pubkey_, tweak);
  }
  if (!pubkey) {
    return chain::Status::Invalid("child " + std::to_string(index) +
                                  " is not a valid key (BIP-32: use the next index)");
  }
  child.pubkey_ = *pubkey;
  return child;
}

chain::Result<ExtendedKey> ExtendedKey::DerivePath(std::string_view path) const {
  chain::Result<std::vector<uint32_t>> indices = ParsePath(path);
  if (!indices.ok()) return indices.status();
  if (!path.empty() && path[0] == 'm' && depth_ != 0) {
    return chain::Status::Invalid("the path " + std::string(path) +
                                  " starts at m, but this key is at depth " +
                                  std::to_string(depth_) + ": give a path relative to it");
  }
  chain::Result<ExtendedKey> key = Clone();
  for (uint32_t index : *indices) {
    chain::Result<ExtendedKey> next = key->Derive(index);
    if (!next.ok()) return next.status();
    key = std::move(next);
  }
  return key;
}

ExtendedKey ExtendedKey::Clone() const {
  ExtendedKey copy = Neuter();
  if (is_private()) copy.secret_ = SecretBytes(secret_.data(), secret_.size());
  return copy;
}

ExtendedKey ExtendedKey::Neuter() const {
  ExtendedKey pub;
  pub.depth_ = depth_;
  pub.parent_fingerprint_ = parent_fingerprint_;
  pub.child_number_ = child_number_;
  pub.chain_code_ = chain_code_;
  pub.pubkey_ = pubkey_;
  return pub;
}

SecretBytes ExtendedKey::Serialize(bool as_private) const {
  SecretBytes out(kSerializedSize);
  uint8_t* b = out.data();
  PutBE32(b, as_private ? kXprvVersion : kXpubVersion);
  b[4] = depth_;
  std::memcpy(b + 5, parent_fingerprint_.data(), 4);
  PutBE32(b + 9, child_number_);
  std::memcpy(b + 13, chain_code_.data(), 32);
  if (as_private) {
    b[45] = 0x00;
    std::memcpy(b + 46, secret_.data(), 32);
  } else {
    std::memcpy(b + 45, pubkey_.data(), 33);
  }
  return out;
}

std::string ExtendedKey::ToBase58() const {
  return EncodeBase58Check(Serialize(is_private()).span());
}

std::string ExtendedKey::XpubBase58() const { return EncodeBase58Check(Serialize(false).span()); }

chain::AccountId ExtendedKey::XOnly() const {
  // pubkey_ is always a valid compressed key: its x coordinate.
  return chain::AccountId::FromSpan(chain::ByteSpan(pubkey_.data() + 1, 32));
}

chain::Result<chain::SecretKey> ExtendedKey::Secret() const {
  if (!is_private()) {
    return chain::Status::Invalid("a public extended key (xpub) has no secret key");
  }
  std::optional<chain::SecretKey> key = chain::SecretKey::FromBytes(secret_.span());
  if (!key) return chain::Status::Internal("the extended key holds an invalid secret");
  return std::move(*key);
}

std::optional<std::array<uint8_t, 4>> ExtendedKey::Fingerprint() const {
  const std::optional<std::array<uint8_t, 20>> h = Hash160(pubkey_);
  if (!h) return std::nullopt;
  return std::array<uint8_t, 4>{(*h)[0], (*h)[1], (*h)[2], (*h)[3]};
}

chain::Result<std::vector<uint32_t>> ParsePath(std::string_view path) {
  if (path.empty()) return chain::Status::Invalid("empty derivation path");
  if (path.size() > kMaxPathText) return chain::Status::Invalid("derivation path too long");
  std::string_view rest = path;
  if (rest[0] == 'm') {
    rest.remove_prefix(1);
    if (rest.empty()) return std::vector<uint32_t>{};
    if (rest[0] != '/')
      return chain::Status::Invalid("bad derivation path '" + std::string(path) + "'");
    rest.remove_prefix(1);
  }
  std::vector<uint32_t> indices;
  while (true) {
    const size_t slash = rest.find('/');
    std::string_view level = rest.substr(0, slash);
    const auto bad = [&](const std::string& why) {
      return chain::Status::Invalid("bad derivation path '" + std::string(path) + "': " + why);
    };
    bool hardened = false;
    if (!level.empty() && (level.back() == '\'' || level.back() == 'h' || level.back() == 'H')) {
      hardened = true;
      level.remove_suffix(1);
    }
    if (level.empty()) return bad("an empty level");
    uint64_t value = 0;
    for (char c : level) {
      if (c < '0' || c > '9') return bad("'" + std::string(level) + "' is not a number");
      value = value * 10 + static_cast<uint64_t>(c - '0');
      if (value >= kHardened) return bad("an index of 2^31 or more (use ' for hardened)");
    }
    if (indices.size() == 255) return bad("more than 255 levels");
    indices.push_back(static_cast<uint32_t>(value) | (hardened ? kHardened : 0));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return indices;
}

std::string AccountPath(uint32_t account) {
  return "m/" + std::to_string(kPurpose) + "'/" + std::to_string(kCoinType) + "'/" +
         std::to_string(account) + "'";
}

std::string AddressPath(uint32_t account, uint32_t index) {
  return AccountPath(account) + "/0/" + std::to_string(index);
}

}  // namespace waybill::wallet
