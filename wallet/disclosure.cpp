#include "wallet/disclosure.h"

#include <openssl/rand.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <utility>

#include "chain/file_util.h"

namespace waybill::wallet {
namespace {

using Json = nlohmann::json;

chain::Hash256 RandomSalt() {
  chain::Hash256 salt;
  // A failing CSPRNG leaves no safe way on: as chain::SecretKey::Generate does.
  if (RAND_bytes(salt.data(), static_cast<int>(chain::Hash256::kSize)) != 1) std::abort();
  return salt;
}

Json ToJson(const Disclosure& d) {
  return {{"asset", d.asset ? Json(d.asset->ToHex()) : Json(nullptr)},
          {"key", d.key},
          {"value", d.value},
          {"salt", d.salt.ToHex()}};
}

chain::Result<Disclosure> FromJson(const Json& j, size_t index) {
  const std::string where = "disclosure " + std::to_string(index) + ": ";
  if (!j.is_object()) return chain::Status::Invalid(where + "not an object");
  const auto text = [&j](const char* name) -> const Json* {
    auto it = j.find(name);
    return it != j.end() && it->is_string() ? &*it : nullptr;
  };
  const Json* key = text("key");
  const Json* value = text("value");
  const Json* salt = text("salt");
  if (!key || !value || !salt) {
    return chain::Status::Invalid(where + "needs the strings key, value and salt");
  }
  Disclosure d;
  d.key = key->get<std::string>();
  d.value = value->get<std::string>();
  auto parsed_salt = chain::Hash256::FromHex(salt->get<std::string>());
  if (!parsed_salt) return chain::Status::Invalid(where + "salt is not 64 hex digits");
  d.salt = *parsed_salt;
  if (auto it = j.find("asset"); it != j.end() && !it->is_null()) {
    auto asset = it->is_string() ? chain::Hash256::FromHex(it->get<std::string>()) : std::nullopt;
    if (!asset) return chain::Status::Invalid(where + "asset is not 64 hex digits");
    d.asset = *asset;
  }
  return d;
}

}  // namespace

void Disclosure::Wipe() {
  chain::SecureWipe(value.data(), value.size());
  chain::SecureWipe(salt.data(), chain::Hash256::kSize);
}

Committed CommitValueWithSalt(std::string key, std::string value, const chain::Hash256& salt) {
  Committed c;
  c.entry.key = key;
  c.entry.kind = chain::MetaKind::kCommitted;
  c.entry.commitment = chain::MetaCommitment(salt, key, value);
  c.disclosure.key = std::move(key);
  c.disclosure.value = std::move(value);
  c.disclosure.salt = salt;
  return c;
}

Committed CommitValue(std::string key, std::string value) {
  chain::Hash256 salt = RandomSalt();
  Committed c = CommitValueWithSalt(std::move(key), std::move(value), salt);
  chain::SecureWipe(salt.data(), chain::Hash256::kSize);
  return c;
}

bool Matches(const Disclosure& d, const chain::Hash256& commitment) {
  return chain::MetaCommitment(d.salt, d.key, d.value) == commitment;
}

std::string DisclosureText(const Disclosure& d) { return ToJson(d).dump(2) + "\n"; }

std::string DisclosuresText(const std::vector<Disclosure>& list) {
  Json out = Json::array();
  for (const Disclosure& d : list) out.push_back(ToJson(d));
  return out.dump(2) + "\n";
}

chain::Result<std::vector<Disclosure>> ParseDisclosures(std::string_view text) {
  Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return chain::Status::Invalid("not JSON");
  if (doc.is_object()) doc = Json::array({std::move(doc)});
  if (!doc.is_array()) return chain::Status::Invalid("not a disclosure or a list of them");
  std::vector<Disclosure> out;
  for (size_t i = 0; i < doc.size(); ++i) {
    auto d = FromJson(doc[i], i);
    if (!d.ok()) return d.status();
    out.push_back(std::move(*d));
  }
  return out;
}

chain::Status WriteDisclosuresFile(const std::string& path, const std::vector<Disclosure>& list) {
  std::string text = DisclosuresText(list);
  chain::Bytes data(text.begin(), text.end());
  chain::SecureWipe(text.data(), text.size());
  chain::Status s = chain::WriteNewFileAtomic(path, data);
  chain::SecureWipe(data.data(), data.size());
  return s;
}

chain::Result<std::vector<Disclosure>> ReadDisclosuresFile(const std::string& path) {
  auto data = chain::ReadFileBounded(path, kMaxDisclosuresFileSize);
  if (!data.ok()) return data.status();
  std::string text(data->begin(), data->end());
  chain::SecureWipe(data->data(), data->size());
  auto list = ParseDisclosures(text);
  chain::SecureWipe(text.data(), text.size());
  if (!list.ok()) return chain::Status::Invalid(path + ": " + list.status().reason());
  return list;
}

}  // namespace waybill::wallet
