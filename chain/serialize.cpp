#include "chain/serialize.h"

#include "chain/status.h"

namespace waybill::chain {

void Writer::U16(uint16_t v) {
  U8(static_cast<uint8_t>(v));
  U8(static_cast<uint8_t>(v >> 8));
}
void Writer::U32(uint32_t v) {
  for (int i = 0; i < 4; ++i) U8(static_cast<uint8_t>(v >> (8 * i)));
}
void Writer::U64(uint64_t v) {
  for (int i = 0; i < 8; ++i) U8(static_cast<uint8_t>(v >> (8 * i)));
}
void Writer::CompactSize(uint64_t v) {
  if (v < 0xfd) {
    U8(static_cast<uint8_t>(v));
  } else if (v <= 0xffff) {
    U8(0xfd);
    U16(static_cast<uint16_t>(v));
  } else if (v <= 0xffffffff) {
    U8(0xfe);
    U32(static_cast<uint32_t>(v));
  } else {
    U8(0xff);
    U64(v);
  }
}
void Writer::VarBytes(ByteSpan data) {
  CompactSize(data.size());
  Raw(data);
}
void Writer::String(std::string_view s) {
  VarBytes(ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

bool Reader::Fail(std::string reason) {
  if (error_.empty()) error_ = std::move(reason);
  return false;
}

bool Reader::Need(size_t n) {
  if (!ok()) return false;
  if (remaining() < n) return Fail("unexpected end of data");
  return true;
}

bool Reader::U8(uint8_t* v) {
  if (!Need(1)) return false;
  *v = data_[pos_++];
  return true;
}
bool Reader::U16(uint16_t* v) {
  if (!Need(2)) return false;
  *v = static_cast<uint16_t>(data_[pos_] | data_[pos_ + 1] << 8);
  pos_ += 2;
  return true;
}
bool Reader::U32(uint32_t* v) {
  if (!Need(4)) return false;
  uint32_t r = 0;
  for (int i = 3; i >= 0; --i) r = r << 8 | data_[pos_ + i];
  *v = r;
  pos_ += 4;
  return true;
}
bool Reader::U64(uint64_t* v) {
  if (!Need(8)) return false;
  uint64_t r = 0;
  for (int i = 7; i >= 0; --i) r = r << 8 | data_[pos_ + i];
  *v = r;
  pos_ += 8;
  return true;
}
bool Reader::Raw(size_t n, uint8_t* out) {
  if (!Need(n)) return false;
  std::memcpy(out, data_.data() + pos_, n);
  pos_ += n;
  return true;
}
bool Reader::Hash(Hash256* h) { return Raw(Hash256::kSize, h->bytes.data()); }

bool Reader::Span(size_t n, ByteSpan* out) {
  if (!Need(n)) return false;
  *out = data_.subspan(pos_, n);
  pos_ += n;
  return true;
}

bool Reader::CompactSize(uint64_t* v, uint64_t max) {
  uint8_t first;
  if (!U8(&first)) return false;
  uint64_t r;
  if (first < 0xfd) {
    r = first;
  } else if (first == 0xfd) {
    uint16_t x;
    if (!U16(&x)) return false;
    if (x < 0xfd) return Fail("non-canonical compact size");
    r = x;
  } else if (first == 0xfe) {
    uint32_t x;
    if (!U32(&x)) return false;
    if (x <= 0xffff) return Fail("non-canonical compact size");
    r = x;
  } else {
    uint64_t x;
    if (!U64(&x)) return false;
    if (x <= 0xffffffff) return Fail("non-canonical compact size");
    r = x;
  }
  if (r > max) return Fail("length " + std::to_string(r) + " exceeds limit " + std::to_string(max));
  *v = r;
  return true;
}

bool Reader::VarBytes(Bytes* out, size_t max_len) {
  uint64_t n;
  if (!CompactSize(&n, max_len)) return false;
  if (!Need(n)) return false;  // checked before allocating
  out->assign(data_.begin() + pos_, data_.begin() + pos_ + n);
  pos_ += n;
  return true;
}

bool Reader::String(std::string* out, size_t max_len) {
  uint64_t n;
  if (!CompactSize(&n, max_len)) return false;
  if (!Need(n)) return false;
  out->assign(reinterpret_cast<const char*>(data_.data()) + pos_, n);
  pos_ += n;
  return true;
}

Status Reader::Finish(std::string_view what) const {
  if (!ok()) return Status::Invalid(std::string(what) + ": " + error_);
  if (!AtEnd()) {
    return Status::Invalid(std::string(what) + ": " + std::to_string(remaining()) +
                           " trailing bytes");
  }
  return Status::Ok();
}

}  // namespace waybill::chain
