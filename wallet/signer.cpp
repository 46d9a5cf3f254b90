#include "wallet/signer.h"

#include <string>
#include <utility>

namespace waybill::wallet {

chain::SecretKey NewKey() { return chain::SecretKey::Generate(); }

chain::Result<chain::SecretKey> DevKey(uint32_t index) {
  chain::Hash256 secret = chain::DevSecretKeyBytes(index);
  auto key = chain::SecretKey::FromBytes(secret.span());
  chain::SecureWipe(secret.data(), secret.kSize);
  if (!key) {
    return chain::Status::Invalid("dev key " + std::to_string(index) + " is not a valid key");
  }
  return std::move(*key);
}

}  // namespace waybill::wallet
