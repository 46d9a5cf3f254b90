// SHA-256 (OpenSSL), SHA-256d and BIP-340 style tagged hashes with Waybill's tags.
#pragma once

#include <string_view>

#include "chain/types.h"

namespace waybill::chain {

// Incremental SHA-256. Cheap to copy, so a prefix can be hashed once and reused.
class Sha256 {
 public:
  Sha256();
  Sha256& Write(ByteSpan data);
  Sha256& Write(std::string_view s) {
    return Write(ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
  }
  Hash256 Finalize() const;  // does not modify the state

 private:
  // An OpenSSL SHA256_CTX held by value, opaque here so that the header does not pull in
  // OpenSSL's deprecated low-level API. It is plain data, so the implicit copy copies the whole
  // hashing state. hash.cpp checks the size.
  static constexpr size_t kStateSize = 112;
  alignas(8) unsigned char state_[kStateSize];
};

Hash256 Sha256Hash(ByteSpan data);
Hash256 Sha256dHash(ByteSpan data);  // SHA-256(SHA-256(data))

// tagged_hash(tag, m) = SHA-256(SHA-256(tag) || SHA-256(tag) || m) (BIP-340).
Hash256 TaggedHash(std::string_view tag, ByteSpan msg);
// A hasher already primed with the tag prefix; Write the message, then Finalize.
Sha256 TaggedHasher(std::string_view tag);

// Waybill's tags. Every hash that means something other than a block id is tagged, so two
// kinds of object can never collide.
namespace tags {
inline constexpr std::string_view kTxId = "Waybill/TxId";
inline constexpr std::string_view kTxSig = "Waybill/TxSig";
inline constexpr std::string_view kAssetId = "Waybill/AssetId";
inline constexpr std::string_view kAssetEvent = "Waybill/AssetEvent";
inline constexpr std::string_view kMetaCommit = "Waybill/MetaCommit";
inline constexpr std::string_view kGenesis = "Waybill/Genesis";
inline constexpr std::string_view kDevKey = "Waybill/DevKey";
inline constexpr std::string_view kSigCache = "Waybill/SigCache";
inline constexpr std::string_view kStateDigest = "Waybill/StateDigest";
inline constexpr std::string_view kContractId = "Waybill/ContractId";
inline constexpr std::string_view kContractEvent = "Waybill/ContractEvent";
}  // namespace tags

}  // namespace waybill::chain
