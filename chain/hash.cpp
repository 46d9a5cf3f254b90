#include "chain/hash.h"

#include <array>
#include <new>
#include <type_traits>

// SHA256_Init/Update/Final are deprecated in OpenSSL 3 in favour of EVP, but EVP allocates a
// context and dispatches through a provider on every hash, which costs more than hashing a
// 32- or 64-byte message. The low-level functions still use the CPU's SHA extensions.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

namespace waybill::chain {
namespace {

Hash256 OneShot(ByteSpan data) {
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, data.data(), data.size());
  Hash256 out;
  SHA256_Final(out.data(), &ctx);
  return out;
}

ByteSpan AsBytes(std::string_view s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

Sha256 PrimeTag(std::string_view tag) {
  const Hash256 tag_hash = OneShot(AsBytes(tag));
  Sha256 hasher;
  hasher.Write(tag_hash.span()).Write(tag_hash.span());
  return hasher;
}

struct PrimedTag {
  std::string_view tag;
  Sha256 hasher;
};

// The primed states of Waybill's own tags, computed once. Immutable after initialization, so
// any thread may copy from it; other tags are primed on every call.
const std::array<PrimedTag, 7>& KnownTags() {
  static const std::array<PrimedTag, 7> kPrimed = {{
      {tags::kTxId, PrimeTag(tags::kTxId)},
      {tags::kTxSig, PrimeTag(tags::kTxSig)},
      {tags::kAssetId, PrimeTag(tags::kAssetId)},
      {tags::kAssetEvent, PrimeTag(tags::kAssetEvent)},
      {tags::kGenesis, PrimeTag(tags::kGenesis)},
      {tags::kDevKey, PrimeTag(tags::kDevKey)},
      {tags::kSigCache, PrimeTag(tags::kSigCache)},
  }};
  return kPrimed;
}

}  // namespace

Sha256::Sha256() {
  static_assert(sizeof(SHA256_CTX) == kStateSize, "Sha256::kStateSize must match OpenSSL");
  static_assert(alignof(SHA256_CTX) <= 8);
  static_assert(std::is_trivially_copyable_v<SHA256_CTX>);
  SHA256_Init(new (state_) SHA256_CTX);
}

Sha256& Sha256::Write(ByteSpan data) {
  SHA256_Update(std::launder(reinterpret_cast<SHA256_CTX*>(state_)), data.data(), data.size());
  return *this;
}

Hash256 Sha256::Finalize() const {
  // SHA256_Final pads and clobbers the context, so finish a copy.
  SHA256_CTX copy;
  std::memcpy(&copy, state_, sizeof(copy));
  Hash256 out;
  SHA256_Final(out.data(), &copy);
  return out;
}

Hash256 Sha256Hash(ByteSpan data) { return OneShot(data); }

Hash256 Sha256dHash(ByteSpan data) { return OneShot(OneShot(data).span()); }

Hash256 TaggedHash(std::string_view tag, ByteSpan msg) {
  return TaggedHasher(tag).Write(msg).Finalize();
}

Sha256 TaggedHasher(std::string_view tag) {
  for (const PrimedTag& known : KnownTags()) {
    if (known.tag == tag) return known.hasher;
  }
  return PrimeTag(tag);
}

}  // namespace waybill::chain
