// The peers.dat and banlist.dat decoders (p2p/addrman.h, p2p/banlist.h). Each input is
// decoded as given and once more with a valid checksum appended, so that mutations reach
// the body parser behind the checksum. Whatever decodes must be a fixed point of
// decode(encode(.)), and must re-encode to exactly the input when decoding lost nothing.
#include <algorithm>
#include <cstdint>

#include "chain/hash.h"
#include "chain/serialize.h"
#include "fuzz/fuzz.h"
#include "p2p/addrman.h"
#include "p2p/banlist.h"

using namespace waybill;

namespace {

constexpr size_t kAddrManHeaderSize = 4 + 1 + 32 + 5 * 4;  // magic, version, key, geometry

// The entry counts of a peers.dat, if its layout gets that far.
bool AddrManCounts(chain::ByteSpan data, uint64_t* n_new, uint64_t* n_tried) {
  if (data.size() < kAddrManHeaderSize) return false;
  chain::Reader r(data.subspan(kAddrManHeaderSize));
  if (!r.CompactSize(n_new, UINT64_MAX)) return false;
  chain::ByteSpan skip;
  if (*n_new > r.remaining() / p2p::AddrMan::kEntrySize) return false;
  if (!r.Span(*n_new * p2p::AddrMan::kEntrySize, &skip)) return false;
  return r.CompactSize(n_tried, UINT64_MAX);
}

void CheckAddrMan(chain::ByteSpan data, const p2p::AddrManOptions& options) {
  auto book = p2p::AddrMan::Deserialize(data, options);
  if (!book.ok()) {
    FUZZ_CHECK(book.status().code() == chain::Status::Code::kCorruption);
    return;
  }
  const p2p::AddrMan& a = **book;
  FUZZ_CHECK(a.size() == a.NewCount() + a.TriedCount());
  chain::Bytes encoded = a.Serialize();
  auto again = p2p::AddrMan::Deserialize(encoded, options);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK((*again)->All() == a.All());
  FUZZ_CHECK((*again)->Serialize() == encoded);

  // Same key and geometry, and every entry kept its table: the input was canonical.
  uint64_t n_new = 0;
  uint64_t n_tried = 0;
  if (std::equal(encoded.begin(), encoded.begin() + kAddrManHeaderSize, data.begin()) &&
      AddrManCounts(data, &n_new, &n_tried) && n_new == a.NewCount() && n_tried == a.TriedCount()) {
    FUZZ_CHECK(encoded == chain::Bytes(data.begin(), data.end()));
  }
}

void CheckBanList(chain::ByteSpan data) {
  auto bans = p2p::BanList::Deserialize(data);
  if (!bans.ok()) {
    FUZZ_CHECK(bans.status().code() == chain::Status::Code::kCorruption);
    return;
  }
  chain::Bytes encoded = (*bans)->Serialize();
  auto again = p2p::BanList::Deserialize(encoded);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK((*again)->Serialize() == encoded);
  // No entry was dropped for room: the input was canonical.
  chain::Reader r(data.subspan(5));
  uint64_t n = 0;
  if (r.CompactSize(&n, UINT64_MAX) && n == (*bans)->size()) {
    FUZZ_CHECK(encoded == chain::Bytes(data.begin(), data.end()));
  }
}

void CheckAll(chain::ByteSpan data) {
  p2p::AddrManOptions defaults;
  defaults.seed = 1;  // the key comes from the data; no OS randomness per input
  CheckAddrMan(data, defaults);
  p2p::AddrManOptions tiny = defaults;  // forces collisions while re-bucketing
  tiny.new_bucket_count = 4;
  tiny.tried_bucket_count = 2;
  tiny.bucket_size = 2;
  tiny.new_buckets_per_source_group = 2;
  tiny.tried_buckets_per_group = 1;
  CheckAddrMan(data, tiny);
  CheckBanList(data);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  chain::ByteSpan input(data, size);
  CheckAll(input);
  chain::Bytes sealed(input.begin(), input.end());
  chain::Hash256 sum = chain::Sha256Hash(input);
  sealed.insert(sealed.end(), sum.bytes.begin(), sum.bytes.end());
  CheckAll(sealed);
  return 0;
}
