// Shared helpers of the tests of p2p/'s files (peers.dat, banlist.dat): both end with the
// SHA-256 of what precedes it (docs/PROTOCOL.md), and both decoders answer a damaged file with
// a Corruption status that names what is wrong.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

#include "chain/hash.h"
#include "chain/serialize.h"
#include "chain/status.h"
#include "p2p/net_address.h"

namespace waybill::p2p::testing {

inline NetAddress Addr(std::string_view text) {
  auto a = NetAddress::Parse(text, 18444);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(NetAddress{});
}

// body followed by its checksum.
inline chain::Bytes Seal(chain::Bytes body) {
  chain::Hash256 sum = chain::Sha256Hash(body);
  body.insert(body.end(), sum.bytes.begin(), sum.bytes.end());
  return body;
}

// A sealed file with its checksum made again (after an edit of its body).
inline chain::Bytes Reseal(chain::Bytes data) {
  data.resize(data.size() - 32);
  return Seal(std::move(data));
}

// decode(data) fails with a Corruption whose reason contains why_contains.
template <typename Decode>
void ExpectCorruptFile(const Decode& decode, const chain::Bytes& data,
                       std::string_view why_contains) {
  auto r = decode(data);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), chain::Status::Code::kCorruption) << r.status().ToString();
  EXPECT_NE(r.status().reason().find(why_contains), std::string::npos) << r.status().ToString();
}

// Edits of a good file that its decoder must refuse, each named by its reason.
struct FileEdits {
  size_t magic_at;      // a byte of the magic, set to magic_byte
  uint8_t magic_byte;
  uint8_t version;      // an unknown version (byte 4), resealed
  size_t flip_at;       // a body byte flipped with flip_mask, not resealed
  uint8_t flip_mask;
  uint8_t trailing;     // a byte added after the body, resealed
};

template <typename Decode>
void ExpectFileEditsRefused(const Decode& decode, const chain::Bytes& good, const FileEdits& e) {
  chain::Bytes bad_magic = good;
  bad_magic[e.magic_at] = e.magic_byte;
  ExpectCorruptFile(decode, bad_magic, "magic");
  chain::Bytes bad_version = good;
  bad_version[4] = e.version;
  ExpectCorruptFile(decode, Reseal(bad_version), "version");
  chain::Bytes flipped = good;
  flipped[e.flip_at] ^= e.flip_mask;
  ExpectCorruptFile(decode, flipped, "checksum");
  chain::Bytes trailing = good;
  trailing.insert(trailing.end() - 32, e.trailing);
  ExpectCorruptFile(decode, Reseal(trailing), "trailing");
}

}  // namespace waybill::p2p::testing
