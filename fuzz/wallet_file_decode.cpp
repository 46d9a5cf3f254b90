// wallet::ParseWalletFile on arbitrary text, twice: as given (nearly every mutation stops at the
// canonical form or the checksum), and, when the input is JSON, in its canonical text with the
// checksum recomputed, so the field checks behind the checksum are reached too. An accepted
// file must re-encode to exactly its input and its addresses must derive; a refusal must say why.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "chain/hash.h"
#include "fuzz/fuzz.h"
#include "wallet/wallet_file.h"

namespace {

using Json = nlohmann::json;
namespace wallet = waybill::wallet;

void Check(std::string_view text) {
  wallet::ParsedWallet p = wallet::ParseWalletFile(text);
  if (!p.ok()) {
    FUZZ_CHECK(!p.reason.empty());
    FUZZ_CHECK(!p.file.has_value());
    return;
  }
  FUZZ_CHECK(p.file.has_value());
  FUZZ_CHECK(wallet::WalletFileText(*p.file) == text);
  FUZZ_CHECK(wallet::AccountAt(*p.file, 0).ok());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > wallet::kMaxWalletFileSize) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Check(text);
  Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return 0;
  doc.erase("checksum");
  std::string body;
  try {
    body = doc.dump(2) + "\n";
  } catch (const Json::type_error&) {
    return 0;  // a string that is not UTF-8 cannot be dumped strictly
  }
  doc["checksum"] = waybill::chain::Sha256Hash(
                        waybill::chain::ByteSpan(reinterpret_cast<const uint8_t*>(body.data()),
                                                 body.size()))
                        .ToHex();
  Check(doc.dump(2) + "\n");
  return 0;
}
