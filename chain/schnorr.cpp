#include "chain/schnorr.h"

#include <openssl/rand.h>
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

#include <cstdlib>
#include <cstring>
#include <utility>

#include "chain/hash.h"
#include "chain/serialize.h"

namespace waybill::chain {
namespace {

static_assert(sizeof(secp256k1_keypair) == 96, "SecretKey::keypair_ must hold a keypair");
static_assert(sizeof(secp256k1_xonly_pubkey) == 64, "PublicKeyCache::Parsed must hold a key");

// Verification and public-key arithmetic involve no secret, so libsecp256k1's built-in
// constant context serves every thread. The library asks for its self-test to run once before
// that context is used.
const secp256k1_context* PublicContext() {
  static const secp256k1_context* const ctx = [] {
    secp256k1_selftest();
    return secp256k1_context_static;
  }();
  return ctx;
}

// Without the OS CSPRNG there is no safe key and no blinding; carrying on would hand out weak
// keys, so this is fatal rather than an error value.
void FillRandom(uint8_t* out, size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) != 1) std::abort();
}

bool ParseXOnly(const AccountId& pubkey, secp256k1_xonly_pubkey* out) {
  return secp256k1_xonly_pubkey_parse(PublicContext(), out, pubkey.data()) == 1;
}

bool VerifyParsed(const secp256k1_xonly_pubkey& pk, ByteSpan msg, const Signature& sig) {
  return secp256k1_schnorrsig_verify(PublicContext(), sig.data(), msg.data(), msg.size(), &pk) == 1;
}

// A 64-bit mix with full avalanche (the splitmix64 finalizer).
uint64_t Mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

bool VerifySchnorr(const AccountId& pubkey, ByteSpan msg, const Signature& sig) {
  secp256k1_xonly_pubkey pk;
  if (!ParseXOnly(pubkey, &pk)) return false;
  return VerifyParsed(pk, msg, sig);
}

size_t PublicKeyCache::KeyHasher::operator()(const AccountId& key) const noexcept {
  uint64_t h = 0;
  for (size_t i = 0; i < 4; ++i) {
    uint64_t word;
    std::memcpy(&word, key.data() + 8 * i, sizeof(word));
    h = Mix(h ^ word ^ salt[i]);
  }
  return static_cast<size_t>(h);
}

PublicKeyCache::KeyHasher PublicKeyCache::RandomHasher() {
  KeyHasher hasher;
  FillRandom(reinterpret_cast<uint8_t*>(hasher.salt), sizeof(hasher.salt));
  return hasher;
}

PublicKeyCache::PublicKeyCache(size_t max_entries)
    : max_entries_(max_entries), entries_(0, RandomHasher()) {
  rng_.seed(static_cast<uint32_t>(entries_.hash_function().salt[1]));
}

bool PublicKeyCache::Verify(const AccountId& pubkey, ByteSpan msg, const Signature& sig) {
  secp256k1_xonly_pubkey pk;
  bool found = false;
  if (max_entries_ > 0) {
    std::lock_guard lock(mu_);
    if (auto it = entries_.find(pubkey); it != entries_.end()) {
      std::memcpy(pk.data, it->second.data(), sizeof(pk.data));
      found = true;
    }
    (found ? stats_.hits : stats_.misses)++;
  }
  if (!found) {
    if (!ParseXOnly(pubkey, &pk)) return false;  // never entered: it fails every time
    if (max_entries_ > 0) {
      Parsed parsed;
      std::memcpy(parsed.data(), pk.data, parsed.size());
      std::lock_guard lock(mu_);
      if (entries_.size() >= max_entries_ && !entries_.count(pubkey)) {
        // A random bucket, then the first non-empty one at or after it (wrapping); the load
        // factor stays at most 1, so the scan is short.
        const size_t buckets = entries_.bucket_count();
        size_t b = std::uniform_int_distribution<size_t>(0, buckets - 1)(rng_);
        while (entries_.begin(b) == entries_.end(b)) b = b + 1 == buckets ? 0 : b + 1;
        entries_.erase(entries_.find(entries_.begin(b)->first));
        stats_.evictions++;
      }
      entries_.emplace(pubkey, parsed);
    }
  }
  return VerifyParsed(pk, msg, sig);
}

PublicKeyCache::Stats PublicKeyCache::stats() const {
  std::lock_guard lock(mu_);
  Stats s = stats_;
  s.size = entries_.size();
  return s;
}

std::optional<AccountId> TweakXOnly(const AccountId& pubkey, const Hash256& tweak) {
  secp256k1_xonly_pubkey pk;
  if (!ParseXOnly(pubkey, &pk)) return std::nullopt;
  secp256k1_pubkey tweaked;
  if (!secp256k1_xonly_pubkey_tweak_add(PublicContext(), &tweaked, &pk, tweak.data())) {
    return std::nullopt;
  }
  secp256k1_xonly_pubkey tweaked_x;
  if (!secp256k1_xonly_pubkey_from_pubkey(PublicContext(), &tweaked_x, nullptr, &tweaked)) {
    return std::nullopt;
  }
  AccountId out;
  secp256k1_xonly_pubkey_serialize(PublicContext(), out.data(), &tweaked_x);
  return out;
}

SecretKey::SecretKey() : ctx_(secp256k1_context_create(SECP256K1_CONTEXT_NONE)) {
  std::array<uint8_t, 32> seed;
  FillRandom(seed.data(), seed.size());
  // Fails only for the static context, which this is not.
  if (!secp256k1_context_randomize(ctx_, seed.data())) std::abort();
  SecureWipe(seed.data(), seed.size());
}

std::optional<SecretKey> SecretKey::FromBytes(ByteSpan key32) {
  if (key32.size() != 32) return std::nullopt;
  if (!secp256k1_ec_seckey_verify(PublicContext(), key32.data())) return std::nullopt;
  SecretKey key;
  std::memcpy(key.key_.data(), key32.data(), key.key_.size());
  secp256k1_keypair keypair;
  secp256k1_xonly_pubkey xonly;
  const bool ok = secp256k1_keypair_create(key.ctx_, &keypair, key.key_.data()) == 1 &&
                  secp256k1_keypair_xonly_pub(PublicContext(), &xonly, nullptr, &keypair) == 1;
  if (ok) {
    secp256k1_xonly_pubkey_serialize(PublicContext(), key.pubkey_.data(), &xonly);
    std::memcpy(key.keypair_.data(), keypair.data, key.keypair_.size());
  }
  SecureWipe(&keypair, sizeof(keypair));
  if (!ok) return std::nullopt;  // unreachable for a verified secret key
  return key;
}

SecretKey SecretKey::Generate() {
  // A random 32-byte string is out of range with probability about 2^-128.
  while (true) {
    std::array<uint8_t, 32> bytes;
    FillRandom(bytes.data(), bytes.size());
    std::optional<SecretKey> key = FromBytes(bytes);
    SecureWipe(bytes.data(), bytes.size());
    if (key) return std::move(*key);
  }
}

SecretKey::~SecretKey() {
  Wipe();
  if (ctx_ != nullptr) secp256k1_context_destroy(ctx_);
}

SecretKey::SecretKey(SecretKey&& other) noexcept
    : key_(other.key_),
      keypair_(other.keypair_),
      pubkey_(other.pubkey_),
      ctx_(std::exchange(other.ctx_, nullptr)) {
  other.Wipe();
}

SecretKey& SecretKey::operator=(SecretKey&& other) noexcept {
  if (this != &other) {
    Wipe();
    if (ctx_ != nullptr) secp256k1_context_destroy(ctx_);
    key_ = other.key_;
    keypair_ = other.keypair_;
    pubkey_ = other.pubkey_;
    ctx_ = std::exchange(other.ctx_, nullptr);
    other.Wipe();
  }
  return *this;
}

void SecretKey::Wipe() {
  SecureWipe(key_.data(), key_.size());
  SecureWipe(keypair_.data(), keypair_.size());
}

AccountId SecretKey::PublicKey() const { return pubkey_; }

Signature SecretKey::Sign(ByteSpan msg, const std::array<uint8_t, 32>& aux_rand) const {
  secp256k1_keypair keypair;
  std::memcpy(keypair.data, keypair_.data(), keypair_.size());
  secp256k1_schnorrsig_extraparams params = SECP256K1_SCHNORRSIG_EXTRAPARAMS_INIT;
  // The library only reads ndata; the field is non-const for custom nonce functions.
  params.ndata = const_cast<uint8_t*>(aux_rand.data());
  Signature sig;
  const int ok =
      secp256k1_schnorrsig_sign_custom(ctx_, sig.data(), msg.data(), msg.size(), &keypair, &params);
  SecureWipe(&keypair, sizeof(keypair));
  // Signing fails only for an invalid keypair, which FromBytes rules out.
  if (!ok) std::abort();
  return sig;
}

Signature SecretKey::Sign(ByteSpan msg) const {
  std::array<uint8_t, 32> aux_rand;
  FillRandom(aux_rand.data(), aux_rand.size());
  return Sign(msg, aux_rand);
}

Hash256 DevSecretKeyBytes(uint32_t index) {
  Writer w;
  w.U32(index);
  return TaggedHash(tags::kDevKey, w.bytes());
}

namespace ec {
namespace {

bool ParsePubKey(ByteSpan pubkey33, secp256k1_pubkey* out) {
  if (pubkey33.size() != 33 || (pubkey33[0] != 0x02 && pubkey33[0] != 0x03)) return false;
  return secp256k1_ec_pubkey_parse(PublicContext(), out, pubkey33.data(), 33) == 1;
}

PubKey Serialize(const secp256k1_pubkey& pk) {
  PubKey out;
  size_t len = out.size();
  secp256k1_ec_pubkey_serialize(PublicContext(), out.data(), &len, &pk, SECP256K1_EC_COMPRESSED);
  return out;
}

}  // namespace

std::optional<PubKey> PublicKeyOf(ByteSpan secret32) {
  if (secret32.size() != 32) return std::nullopt;
  if (!secp256k1_ec_seckey_verify(PublicContext(), secret32.data())) return std::nullopt;
  // The static context cannot multiply by G; a context of this call's own, blinded.
  secp256k1_context* ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
  std::array<uint8_t, 32> seed;
  FillRandom(seed.data(), seed.size());
  if (!secp256k1_context_randomize(ctx, seed.data())) std::abort();  // not the static context
  SecureWipe(seed.data(), seed.size());
  secp256k1_pubkey pk;
  const bool ok = secp256k1_ec_pubkey_create(ctx, &pk, secret32.data()) == 1;
  secp256k1_context_destroy(ctx);
  if (!ok) return std::nullopt;  // unreachable for a verified secret key
  return Serialize(pk);
}

bool SecretTweakAdd(std::span<uint8_t, 32> secret, ByteSpan tweak32) {
  const bool ok =
      tweak32.size() == 32 && secp256k1_ec_seckey_verify(PublicContext(), secret.data()) == 1 &&
      secp256k1_ec_seckey_tweak_add(PublicContext(), secret.data(), tweak32.data()) == 1;
  if (!ok) SecureWipe(secret.data(), secret.size());
  return ok;
}

std::optional<PubKey> PubKeyTweakAdd(const PubKey& pubkey, ByteSpan tweak32) {
  if (tweak32.size() != 32) return std::nullopt;
  secp256k1_pubkey pk;
  if (!ParsePubKey(pubkey, &pk)) return std::nullopt;
  if (!secp256k1_ec_pubkey_tweak_add(PublicContext(), &pk, tweak32.data())) return std::nullopt;
  return Serialize(pk);
}

bool IsValidPubKey(ByteSpan pubkey33) {
  secp256k1_pubkey pk;
  return ParsePubKey(pubkey33, &pk);
}

std::optional<AccountId> XOnly(const PubKey& pubkey) {
  if (!IsValidPubKey(pubkey)) return std::nullopt;
  AccountId out;
  std::memcpy(out.data(), pubkey.data() + 1, out.kSize);
  return out;
}

}  // namespace ec

}  // namespace waybill::chain
