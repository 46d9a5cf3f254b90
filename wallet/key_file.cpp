#include "wallet/key_file.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "chain/file_util.h"

namespace waybill::wallet {
namespace {

using Json = nlohmann::json;

// Wipes the bytes of a string or byte vector when it goes out of scope.
template <typename Buffer>
class WipeOnExit {
 public:
  explicit WipeOnExit(Buffer& buffer) : buffer_(buffer) {}
  ~WipeOnExit() { chain::SecureWipe(buffer_.data(), buffer_.size()); }
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;

 private:
  Buffer& buffer_;
};

}  // namespace

std::string KeyFileText(const chain::SecretKey& key) {
  std::string hex = chain::HexEncode(key.bytes());
  WipeOnExit wipe_hex(hex);
  // Built by hand rather than through Json, which would keep copies that cannot be wiped.
  return "{\n  \"secret\": \"" + hex + "\"\n}\n";
}

chain::Result<chain::SecretKey> ParseKeyFile(std::string_view text) {
  Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("secret") ||
      !doc["secret"].is_string()) {
    return chain::Status::Invalid(
        "not a key file (expected JSON {\"secret\": \"<64 hex digits>\"})");
  }
  std::string& hex = doc["secret"].get_ref<std::string&>();
  WipeOnExit wipe_hex(hex);
  std::optional<chain::Bytes> bytes = hex.size() == 64 ? chain::HexDecode(hex) : std::nullopt;
  if (!bytes) return chain::Status::Invalid("the secret must be 64 hex digits");
  WipeOnExit wipe_bytes(*bytes);
  auto key = chain::SecretKey::FromBytes(*bytes);
  if (!key) return chain::Status::Invalid("the secret is not a valid secp256k1 key");
  return std::move(*key);
}

chain::Result<chain::SecretKey> ReadKeyFile(const std::string& path) {
  auto data = chain::ReadFileBounded(path, kMaxKeyFileSize);
  if (!data.ok()) {
    const chain::Status& s = data.status();
    if (s.IsNotFound()) return chain::Status::NotFound("cannot open " + path + ": no such file");
    if (s.IsLocalError() && s.code() != chain::Status::Code::kCorruption) return s;
    return chain::Status::Invalid(path + ": not a key file (not a regular file of at most " +
                                  std::to_string(kMaxKeyFileSize) + " bytes)");
  }
  WipeOnExit wipe_data(*data);
  auto key =
      ParseKeyFile(std::string_view(reinterpret_cast<const char*>(data->data()), data->size()));
  if (!key.ok()) return chain::Status::Invalid(path + ": " + key.status().reason());
  return key;
}

chain::Status WriteKeyFile(const std::string& path, const chain::SecretKey& key) {
  std::string text = KeyFileText(key);
  WipeOnExit wipe_text(text);
  chain::Bytes data(text.begin(), text.end());
  WipeOnExit wipe_data(data);
  return chain::WriteNewFileAtomic(path, data);
}

}  // namespace waybill::wallet
