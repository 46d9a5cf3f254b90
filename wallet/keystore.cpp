#include "wallet/keystore.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstring>
#include <memory>

#include "chain/hash.h"

namespace waybill::wallet {
namespace {

// scrypt's buffers besides the 128 * N * r one: 128 * r * p for B and 2 * 128 * r for V's
// extra blocks; at the bounds' largest r and p that is 12 KiB.
constexpr uint64_t kScryptMaxMem = kMaxScryptMemory + (64 << 10);
constexpr char kAadTag[] = "waybill-keystore";  // 16 bytes without the terminator
constexpr uint8_t kKeystoreVersion = 1;

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

void PutLe(chain::Bytes& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// scrypt(passphrase, salt) -> 64 bytes: [0, 32) the AES-256-GCM key, [32, 64) the check key.
// REQUIRES: CheckScryptParams(params) is OK.
chain::Result<SecretBytes> DeriveKeys(const SecretString& passphrase, const ScryptParams& params,
                                      const std::array<uint8_t, 32>& salt) {
  SecretBytes out(64);
  const std::string& pass = passphrase.str();
  if (EVP_PBE_scrypt(pass.data(), pass.size(), salt.data(), salt.size(), params.n, params.r,
                     params.p, kScryptMaxMem, out.data(), out.size()) != 1) {
    return chain::Status::IoError("scrypt failed (out of memory?)");
  }
  return out;
}

std::array<uint8_t, 16> CheckValue(const SecretBytes& keys) {
  const chain::Hash256 h = chain::Sha256Hash(keys.span().subspan(32, 32));
  std::array<uint8_t, 16> check;
  std::memcpy(check.data(), h.bytes.data(), check.size());
  return check;
}

// AES-256-GCM over in (encrypt) or in with tag (decrypt). False when OpenSSL fails or, on
// decrypt, when the tag does not authenticate in and aad.
bool Gcm(bool encrypt, const uint8_t* key, const std::array<uint8_t, 12>& nonce,
         chain::ByteSpan aad, chain::ByteSpan in, uint8_t* out, std::array<uint8_t, 16>& tag) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return false;
  int len = 0;
  if (EVP_CipherInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr, encrypt) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, nonce.size(), nullptr) != 1 ||
      EVP_CipherInit_ex(ctx.get(), nullptr, nullptr, key, nonce.data(), encrypt) != 1) {
    return false;
  }
  if (!aad.empty() &&
      EVP_CipherUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) {
    return false;
  }
  if (!in.empty() &&
      EVP_CipherUpdate(ctx.get(), out, &len, in.data(), static_cast<int>(in.size())) != 1) {
    return false;
  }
  if (!encrypt &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, tag.size(), tag.data()) != 1) {
    return false;
  }
  uint8_t final_block[16];
  if (EVP_CipherFinal_ex(ctx.get(), final_block, &len) != 1) return false;
  if (encrypt &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, tag.size(), tag.data()) != 1) {
    return false;
  }
  return true;
}

OpenResult Failure(KeystoreError error, std::string reason) {
  OpenResult r;
  r.error = error;
  r.reason = std::move(reason);
  return r;
}

}  // namespace

ScryptParams DefaultScryptParams() { return ScryptParams{uint64_t{1} << 16, 8, 1}; }

chain::Status CheckScryptParams(const ScryptParams& params) {
  const uint64_t n = params.n;
  if (n < kMinScryptN || n > kMaxScryptN || (n & (n - 1)) != 0) {
    return chain::Status::Invalid("scrypt N must be a power of two from 2^10 to 2^20, not " +
                                  std::to_string(n));
  }
  if (params.r < 1 || params.r > kMaxScryptR) {
    return chain::Status::Invalid("scrypt r must be 1 to " + std::to_string(kMaxScryptR) +
                                  ", not " + std::to_string(params.r));
  }
  if (params.p < 1 || params.p > kMaxScryptP) {
    return chain::Status::Invalid("scrypt p must be 1 to " + std::to_string(kMaxScryptP) +
                                  ", not " + std::to_string(params.p));
  }
  // n <= 2^20 and r <= 16: no overflow.
  if (128 * n * params.r > kMaxScryptMemory) {
    return chain::Status::Invalid(
        "scrypt N and r need 128*N*r = " + std::to_string(128 * n * params.r) +
        " bytes, more than the bound of 256 MiB");
  }
  return chain::Status::Ok();
}

const char* KeystoreErrorName(KeystoreError error) {
  switch (error) {
    case KeystoreError::kNone:
      return "ok";
    case KeystoreError::kWrongPassphrase:
      return "wrong passphrase";
    case KeystoreError::kTampered:
      return "tampered";
    case KeystoreError::kBadParams:
      return "bad scrypt parameters";
    case KeystoreError::kMalformed:
      return "malformed";
    case KeystoreError::kTruncated:
      return "truncated";
    case KeystoreError::kIo:
      return "i/o error";
    case KeystoreError::kNotFound:
      return "not found";
  }
  return "unknown";
}

chain::Bytes KeystoreAad(const ScryptParams& params, const std::array<uint8_t, 32>& salt,
                         chain::ByteSpan aad) {
  chain::Bytes out(kAadTag, kAadTag + sizeof(kAadTag) - 1);
  out.push_back(kKeystoreVersion);
  PutLe(out, params.n, 8);
  PutLe(out, params.r, 4);
  PutLe(out, params.p, 4);
  out.insert(out.end(), salt.begin(), salt.end());
  out.insert(out.end(), aad.begin(), aad.end());
  return out;
}

chain::Result<Keystore> Seal(chain::ByteSpan secret, const SecretString& passphrase,
                             const ScryptParams& params, chain::ByteSpan aad) {
  if (chain::Status s = CheckScryptParams(params); !s.ok()) return s;
  if (passphrase.empty()) return chain::Status::Invalid("the passphrase must not be empty");
  if (secret.size() > kMaxSealedSecret) {
    return chain::Status::Invalid("a sealed secret is at most " + std::to_string(kMaxSealedSecret) +
                                  " bytes");
  }
  Keystore ks;
  ks.scrypt = params;
  if (RAND_bytes(ks.salt.data(), ks.salt.size()) != 1 ||
      RAND_bytes(ks.nonce.data(), ks.nonce.size()) != 1) {
    return chain::Status::IoError("the random number generator failed");
  }
  auto keys = DeriveKeys(passphrase, params, ks.salt);
  if (!keys.ok()) return keys.status();
  ks.check = CheckValue(*keys);
  ks.ciphertext.resize(secret.size());
  const chain::Bytes full_aad = KeystoreAad(params, ks.salt, aad);
  if (!Gcm(/*encrypt=*/true, keys->data(), ks.nonce, full_aad, secret, ks.ciphertext.data(),
           ks.tag)) {
    return chain::Status::IoError("AES-256-GCM encryption failed");
  }
  return ks;
}

OpenResult Open(const Keystore& keystore, const SecretString& passphrase, chain::ByteSpan aad) {
  if (chain::Status s = CheckScryptParams(keystore.scrypt); !s.ok()) {
    return Failure(KeystoreError::kBadParams, s.reason());
  }
  if (keystore.ciphertext.size() > kMaxSealedSecret) {
    return Failure(KeystoreError::kMalformed, "the sealed secret is longer than " +
                                                  std::to_string(kMaxSealedSecret) + " bytes");
  }
  auto keys = DeriveKeys(passphrase, keystore.scrypt, keystore.salt);
  if (!keys.ok()) return Failure(KeystoreError::kIo, keys.status().reason());
  const std::array<uint8_t, 16> check = CheckValue(*keys);
  if (CRYPTO_memcmp(check.data(), keystore.check.data(), check.size()) != 0) {
    return Failure(KeystoreError::kWrongPassphrase, "wrong passphrase");
  }
  SecretBytes plain(keystore.ciphertext.size());
  std::array<uint8_t, 16> tag = keystore.tag;
  const chain::Bytes full_aad = KeystoreAad(keystore.scrypt, keystore.salt, aad);
  if (!Gcm(/*encrypt=*/false, keys->data(), keystore.nonce, full_aad, keystore.ciphertext,
           plain.data(), tag)) {
    return Failure(KeystoreError::kTampered,
                   "the passphrase is right but the encrypted data or the fields bound to it "
                   "were altered (tampered or damaged)");
  }
  OpenResult r;
  r.secret = std::move(plain);
  return r;
}

}  // namespace waybill::wallet
