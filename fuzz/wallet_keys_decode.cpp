// The wallet's text decoders: Base58, BIP-32 extended keys (xprv/xpub), BIP-39 words and
// derivation paths. Whatever decodes re-encodes to the input (Base58, extended keys) or
// normalizes to a fixed point (words).
#include <string>
#include <string_view>

#include "fuzz/fuzz.h"
#include "wallet/base58.h"
#include "wallet/bip32.h"
#include "wallet/bip39.h"

using namespace waybill;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto bytes = wallet::DecodeBase58(text);
  if (bytes.ok()) FUZZ_CHECK(wallet::EncodeBase58(*bytes) == text);
  auto key = wallet::ExtendedKey::Parse(text);
  if (key.ok()) {
    FUZZ_CHECK(key->ToBase58() == text);
    const wallet::ExtendedKey pub = key->Neuter();
    auto parsed_pub = wallet::ExtendedKey::Parse(pub.ToBase58());
    FUZZ_CHECK(parsed_pub.ok() && parsed_pub->XOnly() == key->XOnly());
    if (key->depth() < 255) {
      auto child = key->Derive(1);
      auto pub_child = pub.Derive(1);
      FUZZ_CHECK(child.ok() == pub_child.ok());
      if (child.ok()) FUZZ_CHECK(child->XpubBase58() == pub_child->ToBase58());
      FUZZ_CHECK(key->Derive(wallet::kHardened).ok() == key->is_private());
    }
  }
  auto words = wallet::bip39::NormalizeMnemonic(text);
  if (words.ok()) {
    auto again = wallet::bip39::NormalizeMnemonic(words->str());
    FUZZ_CHECK(again.ok() && again->str() == words->str());
  }
  (void)wallet::ParsePath(text);
  return 0;
}
