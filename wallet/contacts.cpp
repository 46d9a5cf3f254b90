#include "wallet/contacts.h"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "chain/bech32.h"
#include "chain/file_util.h"
#include "chain/types.h"
#include "wallet/wallet_file.h"

namespace waybill::wallet {
namespace {

using Json = nlohmann::json;

// The length of the UTF-8 sequence at s[i] (1..4) when it is well formed (shortest form, no
// surrogates, at most U+10FFFF) and no control character; 0 otherwise.
size_t PrintableUtf8At(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t c = b(i);
  if (c < 0x20 || c == 0x7f) return 0;
  if (c < 0x80) return 1;
  size_t len;
  uint32_t cp;
  if (c >= 0xc2 && c <= 0xdf) {
    len = 2, cp = c & 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    len = 3, cp = c & 0x0f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4, cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((b(i + k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3f);
  }
  const uint32_t min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  if (cp >= 0x80 && cp <= 0x9f) return 0;  // C1 controls
  return len;
}

bool Is64Hex(std::string_view s) {
  return s.size() == 64 &&
         std::all_of(s.begin(), s.end(), [](char c) { return chain::HexDigitValue(c) >= 0; });
}

chain::Status CheckAddressText(std::string_view address) {
  if (address.empty()) return chain::Status::Invalid("the address is empty");
  if (address.size() > kMaxContactAddress) {
    return chain::Status::Invalid("the address is longer than " +
                                  std::to_string(kMaxContactAddress) + " characters");
  }
  for (char c : address) {
    if (c <= 0x20 || c >= 0x7f) {
      return chain::Status::Invalid("the address holds a space or a character that is not ASCII");
    }
  }
  return chain::Status::Ok();
}

// The rules every contact obeys, with or without the caller's list of prefixes.
chain::Status CheckContact(const Contact& c, const std::vector<std::string>& known_prefixes) {
  if (chain::Status s = CheckWalletName(c.name); !s.ok()) {
    return chain::Status::Invalid("contact name: " + s.reason());
  }
  if (chain::Status s = CheckNotAddressLike(c.name, known_prefixes); !s.ok()) return s;
  if (chain::Status s = CheckAddressText(c.address); !s.ok()) {
    return chain::Status::Invalid("contact '" + c.name + "': " + s.reason());
  }
  if (chain::Status s = CheckContactNote(c.note); !s.ok()) {
    return chain::Status::Invalid("contact '" + c.name + "': " + s.reason());
  }
  return chain::Status::Ok();
}

std::optional<Contact> ContactFromJson(const Json& j) {
  if (!j.is_object() || j.size() != 3) return std::nullopt;
  for (const char* key : {"name", "address", "note"}) {
    if (!j.contains(key) || !j[key].is_string()) return std::nullopt;
  }
  return Contact{j["name"].get<std::string>(), j["address"].get<std::string>(),
                 j["note"].get<std::string>()};
}

chain::Result<std::vector<Contact>> ParseContacts(std::string_view text) {
  Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("waybill_contacts") ||
      !doc.contains("contacts") || !doc["contacts"].is_array()) {
    return chain::Status::Invalid(
        "not a contacts file (expected JSON {\"waybill_contacts\": 1, \"contacts\": [...]})");
  }
  if (doc["waybill_contacts"] != 1) {
    return chain::Status::Invalid("unsupported contacts file version " +
                                  doc["waybill_contacts"].dump());
  }
  const Json& list = doc["contacts"];
  if (list.size() > kMaxContacts) {
    return chain::Status::Invalid("more than " + std::to_string(kMaxContacts) + " contacts");
  }
  std::vector<Contact> out;
  out.reserve(list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    std::optional<Contact> c = ContactFromJson(list[i]);
    if (!c) {
      return chain::Status::Invalid("contact " + std::to_string(i + 1) +
                                    " is not {\"name\", \"address\", \"note\"} (strings)");
    }
    if (chain::Status s = CheckContact(*c, {}); !s.ok()) return s;
    out.push_back(std::move(*c));
  }
  std::sort(out.begin(), out.end(),
            [](const Contact& a, const Contact& b) { return a.name < b.name; });
  for (size_t i = 1; i < out.size(); ++i) {
    if (out[i].name == out[i - 1].name) {
      return chain::Status::Invalid("contact '" + out[i].name + "' appears twice");
    }
  }
  return out;
}

}  // namespace

chain::Status CheckNotAddressLike(std::string_view name,
                                  const std::vector<std::string>& known_prefixes) {
  auto refuse = [&](const std::string& why) {
    return chain::Status::Invalid("'" + std::string(name) + "' could be mistaken for an address (" +
                                  why + "): choose another name");
  };
  if (chain::bech32::Decode(name)) return refuse("it is a valid Bech32 string");
  if (Is64Hex(name)) return refuse("it is 64 hex digits, an account id");
  for (const std::string& prefix : known_prefixes) {
    if (prefix.empty()) continue;
    if (name.size() > prefix.size() && name.substr(0, prefix.size()) == prefix &&
        name[prefix.size()] == '1') {
      return refuse("it starts like an address of prefix '" + prefix + "'");
    }
  }
  return chain::Status::Ok();
}

chain::Status CheckContactNote(std::string_view note) {
  if (note.size() > kMaxContactNote) {
    return chain::Status::Invalid("the note is longer than " + std::to_string(kMaxContactNote) +
                                  " bytes");
  }
  for (size_t i = 0; i < note.size();) {
    const size_t len = PrintableUtf8At(note, i);
    if (len == 0) {
      return chain::Status::Invalid(
          "the note must be UTF-8 text without control characters (byte " + std::to_string(i + 1) +
          ")");
    }
    i += len;
  }
  return chain::Status::Ok();
}

chain::Result<Contacts> Contacts::Load(const std::string& path) {
  auto data = chain::ReadFileBounded(path, kMaxContactsFileSize);
  if (!data.ok()) {
    const chain::Status& s = data.status();
    if (s.IsNotFound()) return Contacts();
    if (s.code() == chain::Status::Code::kCorruption) {
      return chain::Status::Invalid(path + ": not a contacts file (not a regular file of at most " +
                                    std::to_string(kMaxContactsFileSize) + " bytes)");
    }
    return s;
  }
  auto list =
      ParseContacts(std::string_view(reinterpret_cast<const char*>(data->data()), data->size()));
  if (!list.ok()) return chain::Status::Invalid(path + ": " + list.status().reason());
  Contacts book;
  book.contacts_ = std::move(*list);
  return book;
}

chain::Status Contacts::Add(Contact c, const std::vector<std::string>& known_prefixes) {
  if (chain::Status s = CheckContact(c, known_prefixes); !s.ok()) return s;
  if (Find(c.name)) {
    return chain::Status::Invalid("a contact named '" + c.name +
                                  "' already exists (remove it first)");
  }
  if (const Contact* other = FindByAddress(c.address)) {
    return chain::Status::Invalid("address " + c.address + " is already the contact '" +
                                  other->name + "'");
  }
  if (contacts_.size() >= kMaxContacts) {
    return chain::Status::Invalid("the contact book is full (" + std::to_string(kMaxContacts) +
                                  " contacts): remove some first");
  }
  auto at = std::lower_bound(contacts_.begin(), contacts_.end(), c.name,
                             [](const Contact& a, const std::string& n) { return a.name < n; });
  contacts_.insert(at, std::move(c));
  return chain::Status::Ok();
}

chain::Status Contacts::Remove(std::string_view name) {
  auto it = std::find_if(contacts_.begin(), contacts_.end(),
                         [&](const Contact& c) { return c.name == name; });
  if (it == contacts_.end()) {
    return chain::Status::NotFound("no contact named '" + std::string(name) + "'");
  }
  contacts_.erase(it);
  return chain::Status::Ok();
}

const Contact* Contacts::Find(std::string_view name) const {
  auto it = std::lower_bound(contacts_.begin(), contacts_.end(), name,
                             [](const Contact& a, std::string_view n) { return a.name < n; });
  return it != contacts_.end() && it->name == name ? &*it : nullptr;
}

const Contact* Contacts::FindByAddress(std::string_view address) const {
  for (const Contact& c : contacts_) {
    if (c.address == address) return &c;
  }
  return nullptr;
}

chain::Status Contacts::Save(const std::string& path) const {
  Json list = Json::array();
  for (const Contact& c : contacts_) {
    list.push_back(Json{{"name", c.name}, {"address", c.address}, {"note", c.note}});
  }
  const Json doc{{"waybill_contacts", 1}, {"contacts", std::move(list)}};
  const std::string text = doc.dump(2) + "\n";
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (!dir.empty()) {
    if (chain::Status s = chain::MakePrivateDir(dir); !s.ok()) return s;
  }
  return chain::WriteFileAtomic(path, chain::Bytes(text.begin(), text.end()));
}

}  // namespace waybill::wallet
