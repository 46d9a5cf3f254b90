// Canonical binary encoding primitives (docs/PROTOCOL.md "Encoding").
// Integers are little-endian and fixed width. Lengths and counts are CompactSize
// (Bitcoin's encoding) and must be minimal. Every length is checked against a caller-given
// bound before anything is allocated, and the Reader never reads past its input.
#pragma once

#include <cstdint>
#include <string>

#include "chain/status.h"
#include "chain/types.h"

namespace waybill::chain {

class Writer {
 public:
  Writer() = default;
  explicit Writer(Bytes* out) : out_(out) {}
  // out_ may point into this object (owned_), so a copy or move would write to the source.
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  void U8(uint8_t v) { out_->push_back(v); }
  void U16(uint16_t v);
  void U32(uint32_t v);
  void U64(uint64_t v);
  void Hash(const Hash256& h) { Raw(h.span()); }
  void Raw(ByteSpan data) { out_->insert(out_->end(), data.begin(), data.end()); }
  void CompactSize(uint64_t v);
  // CompactSize length, then the bytes.
  void VarBytes(ByteSpan data);
  void String(std::string_view s);

  // The buffer written so far (the owned one unless constructed over a caller's buffer).
  const Bytes& bytes() const { return *out_; }
  Bytes Take() { return std::move(*out_); }

 private:
  Bytes owned_;
  Bytes* out_ = &owned_;
};

// Reads from a span. Each method returns false on failure and records the first failure
// reason; later calls keep failing. A decoder checks ok() (or the return values) and
// AtEnd() so that trailing bytes are rejected.
class Reader {
 public:
  explicit Reader(ByteSpan data) : data_(data) {}

  bool U8(uint8_t* v);
  bool U16(uint16_t* v);
  bool U32(uint32_t* v);
  bool U64(uint64_t* v);
  bool Hash(Hash256* h);
  bool Raw(size_t n, uint8_t* out);
  // A minimal CompactSize no larger than max.
  bool CompactSize(uint64_t* v, uint64_t max);
  bool VarBytes(Bytes* out, size_t max_len);
  bool String(std::string* out, size_t max_len);
  // Returns a view of the next n bytes and advances past them.
  bool Span(size_t n, ByteSpan* out);

  size_t remaining() const { return data_.size() - pos_; }
  size_t position() const { return pos_; }
  bool AtEnd() const { return pos_ == data_.size(); }
  bool ok() const { return error_.empty(); }
  // Records reason (if it is the first failure) and returns false.
  bool Fail(std::string reason);
  const std::string& error() const { return error_; }
  // Invalid(error) if a read failed, Invalid("trailing bytes") if input is left, else OK.
  Status Finish(std::string_view what) const;

 private:
  bool Need(size_t n);
  ByteSpan data_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace waybill::chain
