// The encoding primitives: CompactSize (minimal, bounded), fixed ints, and a Reader that never
// reads past its input.
#include "chain/serialize.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <type_traits>

namespace waybill::chain {
namespace {

Bytes EncodeCompact(uint64_t v) {
  Writer w;
  w.CompactSize(v);
  return w.Take();
}

static_assert(!std::is_copy_constructible_v<Writer>, "a copy would write to the source");

TEST(CompactSize, BoundariesRoundTrip) {
  struct Case {
    uint64_t value;
    Bytes encoding;
  };
  const Case cases[] = {
      {0, {0x00}},
      {1, {0x01}},
      {0xfc, {0xfc}},
      {0xfd, {0xfd, 0xfd, 0x00}},
      {0xfe, {0xfd, 0xfe, 0x00}},
      {0xffff, {0xfd, 0xff, 0xff}},
      {0x10000, {0xfe, 0x00, 0x00, 0x01, 0x00}},
      {0xffffffff, {0xfe, 0xff, 0xff, 0xff, 0xff}},
      {0x100000000, {0xff, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00}},
      {0x0102030405060708, {0xff, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01}},
      {UINT64_MAX, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.value);
    EXPECT_EQ(EncodeCompact(c.value), c.encoding);
    Reader r(c.encoding);
    uint64_t v = 12345;
    ASSERT_TRUE(r.CompactSize(&v, UINT64_MAX)) << r.error();
    EXPECT_EQ(v, c.value);
    EXPECT_TRUE(r.AtEnd());
    EXPECT_TRUE(r.Finish("x").ok());
  }
}

TEST(CompactSize, NonCanonicalFormsRejected) {
  const Bytes cases[] = {
      {0xfd, 0x00, 0x00},                                      // 0 in 3 bytes
      {0xfd, 0xfc, 0x00},                                      // 0xfc in 3 bytes
      {0xfe, 0x00, 0x00, 0x00, 0x00},                          // 0 in 5 bytes
      {0xfe, 0xff, 0xff, 0x00, 0x00},                          // 0xffff in 5 bytes
      {0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},  // 0 in 9 bytes
      {0xff, 0xfc, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},  // 0xfc in 9 bytes
      {0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},  // 0xffff in 9 bytes
      {0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00},  // 0xffffffff in 9 bytes
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(HexEncode(c));
    Reader r(c);
    uint64_t v = 777;
    EXPECT_FALSE(r.CompactSize(&v, UINT64_MAX));
    EXPECT_EQ(v, 777u);  // untouched on failure
    EXPECT_NE(r.error().find("non-canonical"), std::string::npos) << r.error();
    Status s = r.Finish("x");
    EXPECT_TRUE(s.IsInvalid());
  }
}

TEST(CompactSize, TruncatedFormsRejected) {
  const Bytes cases[] = {{}, {0xfd}, {0xfd, 0xff}, {0xfe, 0, 0, 1}, {0xff, 0, 0, 0, 0, 1, 0, 0}};
  for (const auto& c : cases) {
    Reader r(c);
    uint64_t v;
    EXPECT_FALSE(r.CompactSize(&v, UINT64_MAX)) << HexEncode(c);
  }
}

TEST(CompactSize, LimitEnforced) {
  Bytes enc = EncodeCompact(100);
  uint64_t v = 0;
  Reader at_limit(enc);
  EXPECT_TRUE(at_limit.CompactSize(&v, 100));
  EXPECT_EQ(v, 100u);
  Reader over(enc);
  EXPECT_FALSE(over.CompactSize(&v, 99));
  EXPECT_NE(over.error().find("exceeds limit"), std::string::npos) << over.error();
}

TEST(Reader, VarBytesLimitCheckedBeforeAllocation) {
  // A length of 2^32 - 1 followed by 3 bytes: rejected by the limit, and also by the
  // remaining input when the limit is huge; either way nothing is allocated.
  Bytes enc = {0xfe, 0xff, 0xff, 0xff, 0xff, 1, 2, 3};
  Bytes out;
  Reader limited(enc);
  EXPECT_FALSE(limited.VarBytes(&out, 1000));
  EXPECT_EQ(out.capacity(), 0u);

  Reader unlimited(enc);
  EXPECT_FALSE(unlimited.VarBytes(&out, std::numeric_limits<size_t>::max()));
  EXPECT_EQ(out.capacity(), 0u);
  EXPECT_NE(unlimited.error().find("end of data"), std::string::npos) << unlimited.error();

  std::string s;
  Reader str(enc);
  EXPECT_FALSE(str.String(&s, std::numeric_limits<size_t>::max()));
  EXPECT_TRUE(s.empty());
}

TEST(Reader, VarBytesAndStringRoundTrip) {
  Writer w;
  Bytes blob(300, 0xab);
  w.VarBytes(blob);
  w.String("hello");
  w.String("");
  w.VarBytes(Bytes{});
  const Bytes enc = w.Take();
  ASSERT_EQ(enc[0], 0xfd);  // 300 takes the 3-byte form

  Reader r(enc);
  Bytes b;
  std::string s1 = "x", s2 = "y";
  Bytes empty = {1};
  ASSERT_TRUE(r.VarBytes(&b, 300));
  ASSERT_TRUE(r.String(&s1, 5));
  ASSERT_TRUE(r.String(&s2, 0));
  ASSERT_TRUE(r.VarBytes(&empty, 0));
  EXPECT_EQ(b, blob);
  EXPECT_EQ(s1, "hello");
  EXPECT_EQ(s2, "");
  EXPECT_TRUE(empty.empty());
  EXPECT_TRUE(r.Finish("x").ok());

  Reader tight(enc);
  EXPECT_FALSE(tight.VarBytes(&b, 299));
}

TEST(Reader, FixedIntsAreLittleEndian) {
  Writer w;
  w.U8(0x01);
  w.U16(0x0302);
  w.U32(0x07060504);
  w.U64(0x0f0e0d0c0b0a0908);
  const Bytes enc = w.Take();
  ASSERT_EQ(enc.size(), 15u);
  for (size_t i = 0; i < enc.size(); ++i) EXPECT_EQ(enc[i], i + 1);

  Reader r(enc);
  uint8_t a;
  uint16_t b;
  uint32_t c;
  uint64_t d;
  ASSERT_TRUE(r.U8(&a) && r.U16(&b) && r.U32(&c) && r.U64(&d));
  EXPECT_EQ(a, 0x01);
  EXPECT_EQ(b, 0x0302);
  EXPECT_EQ(c, 0x07060504u);
  EXPECT_EQ(d, 0x0f0e0d0c0b0a0908u);
  EXPECT_TRUE(r.AtEnd());

  Writer high;
  high.U16(0xfffe);
  high.U32(0xfffffffe);
  high.U64(0xfffffffffffffffe);
  Reader rh(high.bytes());
  ASSERT_TRUE(rh.U16(&b) && rh.U32(&c) && rh.U64(&d));
  EXPECT_EQ(b, 0xfffe);
  EXPECT_EQ(c, 0xfffffffeu);
  EXPECT_EQ(d, 0xfffffffffffffffeu);
}

TEST(Reader, NeverReadsPastTheEnd) {
  // Each read on too short an input fails without moving, and the failure is sticky.
  for (size_t size = 0; size < 40; ++size) {
    Bytes data(size, 0x11);
    // A fixed-size read on a fresh reader succeeds exactly when its `need` bytes are there.
    auto expect_read = [&](size_t need, auto read) {
      Reader r(ByteSpan(data.data(), size));
      EXPECT_EQ(read(r), size >= need) << need << "-byte read from " << size << " bytes";
    };
    expect_read(8, [](Reader& r) { uint64_t v; return r.U64(&v); });
    expect_read(4, [](Reader& r) { uint32_t v; return r.U32(&v); });
    expect_read(2, [](Reader& r) { uint16_t v; return r.U16(&v); });
    {
      Reader r(ByteSpan(data.data(), size));
      Hash256 h;
      EXPECT_EQ(r.Hash(&h), size >= 32);
      if (size < 32) {
        EXPECT_EQ(r.position(), 0u);
      }
    }
    {
      Reader r(ByteSpan(data.data(), size));
      ByteSpan s;
      EXPECT_EQ(r.Span(size + 1, &s), false);
      EXPECT_EQ(r.position(), 0u);
    }
  }

  Bytes three = {1, 2, 3};
  Reader r(three);
  uint32_t v32;
  EXPECT_FALSE(r.U32(&v32));
  EXPECT_EQ(r.position(), 0u);
  EXPECT_EQ(r.remaining(), 3u);
  uint8_t v8;
  EXPECT_FALSE(r.U8(&v8));  // sticky: later reads fail although a byte is there
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "unexpected end of data");
  Status s = r.Finish("thing");
  EXPECT_TRUE(s.IsInvalid());
  EXPECT_NE(s.reason().find("thing"), std::string::npos);
}

TEST(Reader, SpanAndRawAdvance) {
  Bytes data = {1, 2, 3, 4, 5};
  Reader r(data);
  ByteSpan s;
  ASSERT_TRUE(r.Span(2, &s));
  EXPECT_EQ(Bytes(s.begin(), s.end()), (Bytes{1, 2}));
  uint8_t raw[2];
  ASSERT_TRUE(r.Raw(2, raw));
  EXPECT_EQ(raw[0], 3);
  EXPECT_EQ(raw[1], 4);
  ASSERT_TRUE(r.Span(0, &s));
  EXPECT_EQ(r.remaining(), 1u);
  Status trailing = r.Finish("x");
  EXPECT_TRUE(trailing.IsInvalid());
  EXPECT_NE(trailing.reason().find("trailing"), std::string::npos);
}

TEST(Reader, FirstFailureReasonKept) {
  Bytes data;
  Reader r(data);
  EXPECT_FALSE(r.Fail("first"));
  EXPECT_FALSE(r.Fail("second"));
  EXPECT_EQ(r.error(), "first");
}

TEST(Writer, AppendsToCallerBuffer) {
  Bytes buf(1, 9);
  buf.reserve(64);
  Writer w(&buf);
  w.U8(1);
  w.Hash(Hash256{});
  EXPECT_EQ(buf.size(), 34u);
  EXPECT_EQ(buf[0], 9);
  EXPECT_EQ(&w.bytes(), &buf);
}

}  // namespace
}  // namespace waybill::chain
