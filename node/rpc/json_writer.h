// JsonWriter: JSON text written straight into one string, for replies that are built often
// and can be large (the REST API's history and trace). No tree of values is built, so a reply
// costs one growing buffer instead of an allocation per value and a second pass to serialize
// (nlohmann::json, error.h's Json, stays the type of requests and of small replies).
//
// The output is compact (no spaces) and always valid JSON when the calls are balanced:
// strings are escaped as RFC 8259 requires ('"', '\\' and U+0000..U+001F), and a byte
// sequence that is not UTF-8 becomes U+FFFD, as Json's dump with error_handler_t::replace.
// Misuse (a value without a key inside an object, an unbalanced End...) is a programming
// error, checked by assert.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace waybill::node {

class JsonWriter {
 public:
  explicit JsonWriter(size_t reserve = 0) { out_.reserve(reserve); }

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  // The name of the next member. REQUIRES: inside an object, and no key pending.
  JsonWriter& Key(std::string_view key);

  JsonWriter& String(std::string_view value);
  JsonWriter& Uint(uint64_t value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  // bytes as a string of lowercase hex digits, two per byte (as chain::HexEncode), written
  // without a temporary string.
  JsonWriter& Hex(std::span<const uint8_t> bytes);
  // A value that is already JSON text (e.g. a cached fragment). REQUIRES: valid JSON.
  JsonWriter& Raw(std::string_view json);

  // Key(key) then the value.
  JsonWriter& Field(std::string_view key, std::string_view value) {
    return Key(key).String(value);
  }
  JsonWriter& Field(std::string_view key, const char* value) {
    return Key(key).String(value);
  }
  JsonWriter& Field(std::string_view key, const std::string& value) {
    return Key(key).String(value);
  }
  JsonWriter& Field(std::string_view key, uint64_t value) { return Key(key).Uint(value); }
  JsonWriter& Field(std::string_view key, uint32_t value) { return Key(key).Uint(value); }
  JsonWriter& Field(std::string_view key, int64_t value) { return Key(key).Int(value); }
  JsonWriter& Field(std::string_view key, int value) { return Key(key).Int(value); }
  JsonWriter& Field(std::string_view key, bool value) { return Key(key).Bool(value); }

  // True when exactly one complete value has been written.
  bool Complete() const { return open_.empty() && values_at_top_ == 1 && !key_pending_; }
  const std::string& str() const { return out_; }
  size_t size() const { return out_.size(); }
  // The text; the writer is empty afterwards.
  std::string Take();

 private:
  struct Open {
    bool object = false;
    bool empty = true;
  };
  void BeforeValue();

  std::string out_;
  std::vector<Open> open_;
  bool key_pending_ = false;
  int values_at_top_ = 0;
};

// Appends value to out as a JSON string literal (quotes included), escaped as above.
void AppendJsonString(std::string_view value, std::string* out);

}  // namespace waybill::node
