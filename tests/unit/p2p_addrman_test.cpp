#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include "chain/hash.h"
#include "chain/serialize.h"
#include "p2p/addrman.h"
#include "tests/unit/p2p_file_test_util.h"

namespace waybill::p2p {
namespace {

constexpr int64_t kNow = 1'700'000'000;
constexpr int64_t kDay = 24 * 60 * 60;

using testing::Addr;
using testing::Reseal;

// The i-th address of a distinct /16: (1 + i / 256).(i % 256).1.1.
NetAddress DistinctGroup(uint32_t i) {
  return NetAddress::FromIPv4((1 + i / 256) << 24 | (i % 256) << 16 | 0x0101, 18444);
}

chain::Hash256 TestKey() {
  chain::Hash256 k;
  for (size_t i = 0; i < k.bytes.size(); ++i) k.bytes[i] = static_cast<uint8_t>(i * 7 + 1);
  return k;
}

AddrManOptions Deterministic(AddrManOptions o = {}) {
  o.key = TestKey();
  o.seed = 42;
  return o;
}

AddrManOptions Tiny(uint32_t new_buckets, uint32_t tried_buckets, uint32_t size) {
  AddrManOptions o = Deterministic();
  o.new_bucket_count = new_buckets;
  o.tried_bucket_count = tried_buckets;
  o.bucket_size = size;
  o.new_buckets_per_source_group = new_buckets;
  o.tried_buckets_per_group = tried_buckets;
  return o;
}

const NetAddress kSource = Addr("50.1.1.1:18444");

std::set<uint32_t> Buckets(const AddrMan& am, bool tried) {
  std::set<uint32_t> b;
  for (const AddrInfo& e : am.All()) {
    if (e.in_tried == tried) b.insert(e.bucket);
  }
  return b;
}

// Adds addresses of distinct groups, each from a source group of its own, until n are stored
// (an address whose slot is taken is refused, so not every candidate gets in).
std::vector<NetAddress> AddMany(AddrMan& am, size_t n) {
  std::vector<NetAddress> added;
  for (uint32_t i = 0; added.size() < n && i < 100 * n; ++i) {
    if (am.Add(DistinctGroup(i), DistinctGroup(20000 + i), kNow, kNow)) {
      added.push_back(DistinctGroup(i));
    }
  }
  EXPECT_EQ(added.size(), n);
  return added;
}

// Builds a peers.dat body by hand (the layout of docs/PROTOCOL.md) and seals it with its
// checksum, to reach the decoder's checks behind the checksum.
struct FileBuilder {
  chain::Writer w;
  FileBuilder(uint32_t new_buckets = 4, uint32_t tried_buckets = 4, uint32_t size = 4) {
    w.Raw(chain::ByteSpan(reinterpret_cast<const uint8_t*>("WBAM"), 4));
    w.U8(1);
    w.Hash(TestKey());
    w.U32(new_buckets);
    w.U32(tried_buckets);
    w.U32(size);
    w.U32(1);
    w.U32(1);
  }
  void Entry(const NetAddress& a, uint64_t last_seen = kNow) {
    w.Raw(chain::ByteSpan(a.ip.data(), 16));
    w.U16(a.port);
    w.Raw(chain::ByteSpan(kSource.ip.data(), 16));
    w.U16(kSource.port);
    w.U64(last_seen);
    w.U64(0);
    w.U64(0);
    w.U32(0);
  }
  chain::Bytes Sealed() { return testing::Seal(w.bytes()); }
};

chain::Result<std::unique_ptr<AddrMan>> Decode(const chain::Bytes& data) {
  return AddrMan::Deserialize(data, Deterministic());
}

void ExpectCorrupt(const chain::Bytes& data, std::string_view why_contains = "") {
  testing::ExpectCorruptFile(Decode, data, why_contains);
}

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("p2p_addrman_test." + std::to_string(::getpid()) + "." +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

TEST(AddrManTest, AddThenSelect) {
  AddrMan am(Deterministic());
  EXPECT_EQ(am.size(), 0u);
  EXPECT_FALSE(am.Select(false, {}, kNow));
  NetAddress a = Addr("1.2.3.4:8333");
  EXPECT_TRUE(am.Add(a, kSource, kNow - 100, kNow));
  EXPECT_EQ(am.size(), 1u);
  EXPECT_EQ(am.NewCount(), 1u);
  EXPECT_EQ(am.TriedCount(), 0u);
  EXPECT_EQ(am.Select(false, {}, kNow), a);
  EXPECT_EQ(am.Select(true, {}, kNow), a);

  auto info = am.Find(a);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->addr, a);
  EXPECT_EQ(info->source, kSource);
  EXPECT_EQ(info->last_seen, kNow - 100);
  EXPECT_EQ(info->attempts, 0u);
  EXPECT_FALSE(info->in_tried);
  EXPECT_LT(info->bucket, 256u);
  EXPECT_LT(info->slot, 64u);
}

TEST(AddrManTest, AddKnownOnlyRaisesLastSeen) {
  AddrMan am(Deterministic());
  NetAddress a = Addr("1.2.3.4");
  ASSERT_TRUE(am.Add(a, kSource, kNow - 1000, kNow));
  EXPECT_FALSE(am.Add(a, Addr("60.1.1.1"), kNow - 500, kNow));
  EXPECT_EQ(am.Find(a)->last_seen, kNow - 500);
  EXPECT_EQ(am.Find(a)->source, kSource);  // the first source stays
  EXPECT_FALSE(am.Add(a, kSource, kNow - 2000, kNow));
  EXPECT_EQ(am.Find(a)->last_seen, kNow - 500);
  EXPECT_EQ(am.size(), 1u);
  // Another port is another address.
  EXPECT_TRUE(am.Add(Addr("1.2.3.4:1"), Addr("[2001:db8::1]:1"), kNow, kNow));
  EXPECT_EQ(am.size(), 2u);
}

TEST(AddrManTest, FutureTimeIsClampedToNow) {
  AddrMan am(Deterministic());
  NetAddress a = Addr("1.2.3.4");
  ASSERT_TRUE(am.Add(a, kSource, kNow + 365 * kDay, kNow));
  EXPECT_EQ(am.Find(a)->last_seen, kNow);
  ASSERT_TRUE(am.Add(Addr("1.2.3.5"), Addr("[2001:db8::1]:1"), INT64_MAX, kNow));
  EXPECT_EQ(am.Find(Addr("1.2.3.5"))->last_seen, kNow);
}

TEST(AddrManTest, RefusesInvalidAndStaleAddresses) {
  AddrMan am(Deterministic());
  EXPECT_FALSE(am.Add(NetAddress::FromIPv4(0x01020304, 0), kSource, kNow, kNow));
  EXPECT_FALSE(am.Add(NetAddress{}, kSource, kNow, kNow));
  for (std::string_view bad :
       {"0.0.0.0", "0.1.2.3", "224.0.0.1", "255.255.255.255", "[::]:1", "[ff02::1]:1"}) {
    EXPECT_FALSE(am.Add(Addr(bad), kSource, kNow, kNow)) << bad;
  }
  // Last seen over 30 days ago: terrible on arrival.
  EXPECT_FALSE(am.Add(Addr("1.2.3.4"), kSource, kNow - 31 * kDay, kNow));
  EXPECT_FALSE(am.Add(Addr("1.2.3.4"), kSource, -5, kNow));
  EXPECT_EQ(am.size(), 0u);
  EXPECT_TRUE(am.Add(Addr("1.2.3.4"), kSource, kNow - 29 * kDay, kNow));
}

TEST(AddrManTest, GoodMovesToTried) {
  AddrMan am(Deterministic());
  NetAddress a = Addr("1.2.3.4");
  ASSERT_TRUE(am.Add(a, kSource, kNow - 100, kNow));
  am.Attempt(a, kNow);
  am.Attempt(a, kNow + 1);
  EXPECT_EQ(am.Find(a)->attempts, 2u);
  EXPECT_EQ(am.Find(a)->last_try, kNow + 1);

  am.Good(a, kNow + 2);
  EXPECT_EQ(am.NewCount(), 0u);
  EXPECT_EQ(am.TriedCount(), 1u);
  EXPECT_EQ(am.size(), 1u);
  auto info = am.Find(a);
  ASSERT_TRUE(info);
  EXPECT_TRUE(info->in_tried);
  EXPECT_EQ(info->attempts, 0u);
  EXPECT_EQ(info->last_success, kNow + 2);
  EXPECT_EQ(info->last_seen, kNow - 100);  // not revealed by Good
  EXPECT_LT(info->bucket, 64u);

  EXPECT_FALSE(am.Select(true, {}, kNow + 3));
  EXPECT_EQ(am.Select(false, {}, kNow + 3), a);
  // Good again, and Add of a tried address, change nothing structurally.
  am.Good(a, kNow + 4);
  EXPECT_FALSE(am.Add(a, kSource, kNow + 4, kNow + 4));
  EXPECT_EQ(am.TriedCount(), 1u);
  EXPECT_EQ(am.NewCount(), 0u);
  EXPECT_EQ(am.Find(a)->last_seen, kNow + 4);
}

TEST(AddrManTest, UnknownAddressesAreIgnored) {
  AddrMan am(Deterministic());
  NetAddress a = Addr("1.2.3.4");
  am.Attempt(a, kNow);
  am.Good(a, kNow);
  am.Connected(a, kNow);
  EXPECT_EQ(am.size(), 0u);
  EXPECT_FALSE(am.Find(a));
}

TEST(AddrManTest, ConnectedIsRateLimited) {
  AddrMan am(Deterministic());
  NetAddress a = Addr("1.2.3.4");
  ASSERT_TRUE(am.Add(a, kSource, kNow, kNow));
  am.Connected(a, kNow + 100);
  EXPECT_EQ(am.Find(a)->last_seen, kNow);
  am.Connected(a, kNow + AddrMan::kConnectedUpdateInterval);
  EXPECT_EQ(am.Find(a)->last_seen, kNow);
  am.Connected(a, kNow + AddrMan::kConnectedUpdateInterval + 1);
  EXPECT_EQ(am.Find(a)->last_seen, kNow + AddrMan::kConnectedUpdateInterval + 1);
}

TEST(AddrManTest, OneSourceGroupReachesOnlyItsNewBuckets) {
  AddrManOptions o = Deterministic();
  AddrMan am(o);
  // 10,000 addresses of 10,000 distinct groups, all from sources in one /16.
  for (uint32_t i = 0; i < 10000; ++i) {
    NetAddress source = NetAddress::FromIPv4(0x32010000 | (i % 65536), 18444);  // 50.1.x.y
    am.Add(DistinctGroup(i), source, kNow, kNow);
  }
  size_t bound = size_t{o.new_buckets_per_source_group} * o.bucket_size;
  EXPECT_LE(am.NewCount(), bound);
  EXPECT_EQ(am.size(), am.NewCount());
  EXPECT_GT(am.NewCount(), bound / 2);  // the few buckets it has do fill
  EXPECT_LE(Buckets(am, false).size(), o.new_buckets_per_source_group);
}

TEST(AddrManTest, DifferentSourceGroupsSpread) {
  AddrManOptions o = Deterministic();
  AddrMan am(o);
  for (uint32_t s = 0; s < 100; ++s) {
    NetAddress source = NetAddress::FromIPv4((100 + s) << 24 | 0x010101, 18444);
    for (uint32_t i = 0; i < 100; ++i) am.Add(DistinctGroup(s * 100 + i), source, kNow, kNow);
  }
  EXPECT_GT(am.NewCount(), size_t{o.new_buckets_per_source_group} * o.bucket_size * 4);
  EXPECT_GT(Buckets(am, false).size(), o.new_buckets_per_source_group * 8);
}

TEST(AddrManTest, OneGroupReachesOnlyItsTriedBuckets) {
  AddrManOptions o = Deterministic();
  AddrMan am(o);
  // 2,000 addresses of one /16, heard from many source groups so that they fit in new.
  std::vector<NetAddress> addrs;
  for (uint32_t i = 0; i < 2000; ++i) {
    NetAddress a = NetAddress::FromIPv4(0x05060000 | i, 18444);  // 5.6.x.y
    if (am.Add(a, DistinctGroup(i), kNow, kNow)) addrs.push_back(a);
  }
  ASSERT_GT(addrs.size(), 1000u);
  for (const NetAddress& a : addrs) am.Good(a, kNow);
  EXPECT_LE(am.TriedCount(), size_t{o.tried_buckets_per_group} * o.bucket_size);
  EXPECT_LE(Buckets(am, true).size(), o.tried_buckets_per_group);
  // Whatever lost its tried slot went back to new (or was pushed out of it): never lost
  // from both tables while still counted.
  EXPECT_EQ(am.size(), am.NewCount() + am.TriedCount());
}

TEST(AddrManTest, TriedCollisionMovesOccupantBackToNew) {
  AddrMan am(Tiny(16, 1, 1));  // a single tried slot
  std::vector<NetAddress> added = AddMany(am, 2);
  ASSERT_EQ(added.size(), 2u);
  NetAddress a = added[0];
  NetAddress b = added[1];
  am.Good(a, kNow);
  EXPECT_TRUE(am.Find(a)->in_tried);
  am.Good(b, kNow + 1);
  EXPECT_TRUE(am.Find(b)->in_tried);
  ASSERT_TRUE(am.Find(a));
  EXPECT_FALSE(am.Find(a)->in_tried);
  EXPECT_EQ(am.Find(a)->last_success, kNow);  // keeps its history
  EXPECT_EQ(am.TriedCount(), 1u);
  EXPECT_EQ(am.NewCount(), 1u);
}

TEST(AddrManTest, NewCollisionReplacesOnlyTerribleOccupants) {
  AddrMan am(Tiny(1, 1, 1));  // one new slot
  NetAddress a = Addr("1.2.3.4");
  NetAddress b = Addr("9.8.7.6");
  ASSERT_TRUE(am.Add(a, kSource, kNow, kNow));
  EXPECT_FALSE(am.Add(b, kSource, kNow, kNow));  // a is fine: b is refused
  EXPECT_TRUE(am.Find(a));
  EXPECT_FALSE(am.Find(b));

  // Three failed attempts and never a success: terrible, once the last try is a minute old.
  for (int i = 0; i < 3; ++i) am.Attempt(a, kNow + i);
  EXPECT_FALSE(am.Add(b, kSource, kNow + 10, kNow + 10));  // just tried: still protected
  EXPECT_TRUE(am.Add(b, kSource, kNow + 120, kNow + 120));
  EXPECT_FALSE(am.Find(a));
  EXPECT_TRUE(am.Find(b));
  EXPECT_EQ(am.size(), 1u);

  // Not seen for 30 days: terrible too.
  NetAddress c = Addr("11.12.13.14");
  EXPECT_FALSE(am.Add(c, kSource, kNow + 200, kNow + 200));
  EXPECT_TRUE(am.Add(c, kSource, kNow + 31 * kDay, kNow + 31 * kDay));
  EXPECT_FALSE(am.Find(b));
  EXPECT_TRUE(am.Find(c));
}

TEST(AddrManTest, GetAddressesSkipsTerribleAndHonoursLimits) {
  AddrMan am(Deterministic());
  std::vector<NetAddress> all = AddMany(am, 20);
  ASSERT_EQ(all.size(), 20u);
  std::set<NetAddress> terrible;
  for (uint32_t i = 0; i < 5; ++i) {
    for (int k = 0; k < 3; ++k) am.Attempt(all[i], kNow);
    terrible.insert(all[i]);
  }
  // A tried address with 10 failures and no success for over a week is terrible as well.
  am.Good(all[5], kNow - 8 * kDay);
  for (int k = 0; k < 10; ++k) am.Attempt(all[5], kNow);
  terrible.insert(all[5]);

  const int64_t later = kNow + 120;
  std::vector<TimedAddress> got = am.GetAddresses(0, 0, later);
  EXPECT_EQ(got.size(), 14u);
  std::set<NetAddress> seen;
  for (const TimedAddress& t : got) {
    EXPECT_FALSE(terrible.count(t.addr)) << t.addr.ToString();
    EXPECT_TRUE(seen.insert(t.addr).second) << "duplicate " << t.addr.ToString();
    EXPECT_EQ(t.last_seen, am.Find(t.addr)->last_seen);
  }
  EXPECT_EQ(am.GetAddresses(3, 0, later).size(), 3u);
  EXPECT_EQ(am.GetAddresses(0, 50, later).size(), 10u);  // 50% of 20
  EXPECT_EQ(am.GetAddresses(4, 50, later).size(), 4u);
  EXPECT_EQ(am.GetAddresses(0, 250, later).size(), 14u);
  // A month later everything is stale.
  EXPECT_TRUE(am.GetAddresses(0, 0, kNow + 31 * kDay).empty());
}

TEST(AddrManTest, GetAddressesIsARandomSample) {
  AddrMan am(Deterministic());
  for (uint32_t i = 0; i < 100; ++i) am.Add(DistinctGroup(i), DistinctGroup(i + 5000), kNow, kNow);
  ASSERT_GT(am.size(), 90u);
  std::set<NetAddress> union_of_samples;
  for (int round = 0; round < 20; ++round) {
    for (const TimedAddress& t : am.GetAddresses(10, 0, kNow)) union_of_samples.insert(t.addr);
  }
  EXPECT_GT(union_of_samples.size(), 50u);
}

TEST(AddrManTest, SelectRespectsExcludeAndTerminates) {
  AddrMan am(Deterministic());
  std::vector<NetAddress> all = AddMany(am, 50);
  ASSERT_EQ(all.size(), 50u);
  for (uint32_t i = 0; i < 10; ++i) am.Good(all[i], kNow);
  const NetAddress allowed = all[30];
  ASSERT_TRUE(am.Find(allowed));
  for (int round = 0; round < 20; ++round) {
    auto got = am.Select(
        false, [&](const NetAddress& a) { return a != allowed; }, kNow);
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, allowed);
  }
  int calls = 0;
  auto none = am.Select(
      false,
      [&](const NetAddress&) {
        ++calls;
        return true;
      },
      kNow);
  EXPECT_FALSE(none);
  EXPECT_LE(calls, AddrMan::kMaxSelectTries + static_cast<int>(am.size()));
  EXPECT_GT(calls, 0);

  // With new_only, tried addresses are no way out.
  std::set<NetAddress> in_new;
  for (const AddrInfo& e : am.All()) {
    if (!e.in_tried) in_new.insert(e.addr);
  }
  EXPECT_FALSE(am.Select(
      true, [&](const NetAddress& a) { return in_new.count(a) > 0; }, kNow));
  auto tried = am.Select(
      false, [&](const NetAddress& a) { return in_new.count(a) > 0; }, kNow);
  ASSERT_TRUE(tried);
  EXPECT_TRUE(am.Find(*tried)->in_tried);
}

TEST(AddrManTest, SelectUsesBothTablesAndNewOnly) {
  AddrMan am(Deterministic());
  std::vector<NetAddress> all = AddMany(am, 40);
  ASSERT_EQ(all.size(), 40u);
  for (uint32_t i = 0; i < 20; ++i) am.Good(all[i], kNow - 3600);
  int tried = 0;
  int fresh = 0;
  for (int round = 0; round < 400; ++round) {
    auto got = am.Select(false, {}, kNow);
    ASSERT_TRUE(got);
    (am.Find(*got)->in_tried ? tried : fresh)++;
    auto new_only = am.Select(true, {}, kNow);
    ASSERT_TRUE(new_only);
    EXPECT_FALSE(am.Find(*new_only)->in_tried);
  }
  EXPECT_GT(tried, 100);
  EXPECT_GT(fresh, 100);
}

TEST(AddrManTest, SelectFavoursAddressesWithFewFailures) {
  AddrMan am(Tiny(16, 16, 1));  // one slot per bucket: the two never share a bucket
  std::vector<NetAddress> two = AddMany(am, 2);
  ASSERT_EQ(two.size(), 2u);
  NetAddress good = two[0];
  NetAddress bad = two[1];
  am.Good(bad, kNow - 3600);  // a success, so 8 failures do not make it terrible
  am.Good(good, kNow - 3600);
  for (int i = 0; i < 8; ++i) am.Attempt(bad, kNow - 3600);
  int good_count = 0;
  int bad_count = 0;
  for (int round = 0; round < 1000; ++round) {
    auto got = am.Select(false, {}, kNow);
    ASSERT_TRUE(got);
    (*got == good ? good_count : bad_count)++;
  }
  EXPECT_GT(good_count, 4 * bad_count);
  EXPECT_GT(bad_count, 0);  // still possible
}

TEST(AddrManTest, SameSeedSameChoices) {
  auto run = [] {
    AddrMan am(Deterministic());
    for (uint32_t i = 0; i < 100; ++i) am.Add(DistinctGroup(i), kSource, kNow, kNow);
    std::vector<NetAddress> picks;
    for (int i = 0; i < 20; ++i) picks.push_back(am.Select(false, {}, kNow).value());
    return picks;
  };
  EXPECT_EQ(run(), run());
}

// Pins what depends on the order of the book's entries (GetAddresses' sample, Select, the
// encoding) on a fixed key and seed: the values of the implementation with an ordered map of
// addresses, kept when the lookups moved to a keyed hash table (same choices, same messages).
TEST(AddrManTest, ChoicesUnchangedByTheLookupIndex) {
  AddrMan am(Tiny(4, 2, 8));
  uint64_t x = 7;
  for (uint32_t i = 0; i < 200; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    uint32_t ip = static_cast<uint32_t>(x >> 32) | 0x01000000;
    if ((ip >> 24) >= 224) ip &= 0x7fffffff;
    const auto port = static_cast<uint16_t>(1 + (x >> 16) % 3);
    am.Add(NetAddress::FromIPv4(ip, port), NetAddress::FromIPv4(0x32000000u | (i % 5) << 8 | 1, 1),
           kNow - (i % 50) * 60, kNow);
  }
  int n = 0;
  for (const AddrInfo& e : am.All()) {
    if (n++ % 3 == 0) am.Good(e.addr, kNow);
  }
  std::vector<std::string> sample;
  for (const TimedAddress& t : am.GetAddresses(10, 100, kNow)) sample.push_back(t.addr.ToString());
  EXPECT_EQ(sample, (std::vector<std::string>{
                        "117.200.221.177:1", "143.36.19.102:1", "83.114.112.40:2",
                        "97.168.176.38:2", "103.50.189.168:3", "69.210.183.34:2", "3.143.106.182:3",
                        "161.144.76.108:3", "199.190.59.179:3", "95.232.191.19:3"}));
  std::vector<std::string> picks;
  for (int i = 0; i < 5; ++i) {
    auto pick = am.Select(
        false, [&](const NetAddress& a) { return (a.ip[15] % 4) != (i % 4); }, kNow);
    picks.push_back(pick ? pick->ToString() : "none");
  }
  EXPECT_EQ(picks,
            (std::vector<std::string>{"59.101.111.208:3", "39.48.66.149:3", "143.36.19.102:1",
                                      "117.166.26.127:2", "17.103.40.188:3"}));
  EXPECT_EQ(chain::Sha256Hash(am.Serialize()).ToHex(),
            "0d581ff5ae4c66e7543cc66e1648391518158a432d064b048d41a34203c27cbc");
  EXPECT_EQ(am.size(), 32u);
  EXPECT_EQ(am.TriedCount(), 9u);
}

TEST(AddrManTest, LookupsTellAddressesApartByEveryByte) {
  AddrMan am(Deterministic());
  std::vector<NetAddress> added;
  for (uint16_t port = 1; port <= 40; ++port) {
    const NetAddress a = NetAddress::FromIPv4(0x05060708, port);
    if (am.Add(a, kSource, kNow - port, kNow)) added.push_back(a);
  }
  const NetAddress v6 = Addr("[2001:db8::1]:18444");
  ASSERT_TRUE(am.Add(v6, kSource, kNow - 1000, kNow));
  ASSERT_GT(added.size(), 10u);
  for (const NetAddress& a : added) {
    auto info = am.Find(a);
    ASSERT_TRUE(info) << a.ToString();
    EXPECT_EQ(info->addr, a);
    EXPECT_EQ(info->last_seen, kNow - a.port);
  }
  EXPECT_FALSE(am.Find(NetAddress::FromIPv4(0x05060709, 1)));
  EXPECT_FALSE(am.Find(Addr("[2001:db8::2]:18444")));
  am.Attempt(added[0], kNow);
  EXPECT_EQ(am.Find(added[0])->attempts, 1u);
  EXPECT_EQ(am.Find(added[1])->attempts, 0u);
  am.Good(v6, kNow);
  EXPECT_TRUE(am.Find(v6)->in_tried);
  // All() stays ordered by address.
  std::vector<AddrInfo> all = am.All();
  EXPECT_EQ(all.size(), added.size() + 1);
  for (size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].addr, all[i].addr);
}

// The worked example of docs/PROTOCOL.md ("Address book"): default geometry, key 00 01 .. 1f.
// An independent implementation of the bucketing rules must reproduce these positions.
TEST(AddrManTest, BucketingVectors) {
  AddrManOptions o;
  o.seed = 1;
  chain::Hash256 key;
  for (int i = 0; i < 32; ++i) key.bytes[i] = static_cast<uint8_t>(i);
  o.key = key;
  struct Vector {
    const char* addr;
    const char* source;
    uint32_t new_bucket, new_slot, tried_bucket, tried_slot;
  };
  for (const Vector& v : {Vector{"1.2.3.4:8333", "5.6.7.8:8333", 149, 8, 40, 26},
                          Vector{"[2001:db8::1]:18444", "[2001:db8:ffff::2]:1", 204, 46, 46, 37},
                          Vector{"127.0.0.1:18444", "", 32, 53, 36, 50},
                          Vector{"10.1.2.3:18444", "10.1.9.9:18444", 94, 46, 60, 14}}) {
    AddrMan am(o);
    NetAddress a = Addr(v.addr);
    NetAddress source = *v.source ? Addr(v.source) : NetAddress{};  // "": unspecified, port 0
    ASSERT_TRUE(am.Add(a, source, kNow, kNow)) << v.addr;
    EXPECT_EQ(am.Find(a)->bucket, v.new_bucket) << v.addr;
    EXPECT_EQ(am.Find(a)->slot, v.new_slot) << v.addr;
    am.Good(a, kNow);
    EXPECT_EQ(am.Find(a)->bucket, v.tried_bucket) << v.addr;
    EXPECT_EQ(am.Find(a)->slot, v.tried_slot) << v.addr;
  }
}

TEST(AddrManTest, OptionsAreClamped) {
  AddrManOptions o = Deterministic();
  o.new_bucket_count = 0;
  o.tried_bucket_count = 1 << 30;
  o.bucket_size = 0;
  o.new_buckets_per_source_group = 99;
  o.tried_buckets_per_group = 0;
  AddrMan am(o);
  AddrManOptions got = am.options();
  EXPECT_EQ(got.new_bucket_count, 1u);
  EXPECT_EQ(got.tried_bucket_count, AddrManOptions::kMaxBucketCount);
  EXPECT_EQ(got.bucket_size, 1u);
  EXPECT_EQ(got.new_buckets_per_source_group, 1u);
  EXPECT_EQ(got.tried_buckets_per_group, 1u);
  EXPECT_FALSE(got.key);
  EXPECT_TRUE(am.Add(Addr("1.2.3.4"), kSource, kNow, kNow));
}

TEST(AddrManTest, RandomKeysDiffer) {
  AddrManOptions o;  // random key and seed
  AddrMan a(o);
  AddrMan b(o);
  chain::Bytes sa = a.Serialize();
  chain::Bytes sb = b.Serialize();
  EXPECT_NE(chain::Bytes(sa.begin() + 5, sa.begin() + 37),
            chain::Bytes(sb.begin() + 5, sb.begin() + 37));
}

// A book with entries in both tables and non-trivial fields.
std::unique_ptr<AddrMan> Populated(AddrManOptions o = Deterministic()) {
  auto am = std::make_unique<AddrMan>(o);
  for (uint32_t i = 0; i < 300; ++i) {
    NetAddress source = NetAddress::FromIPv4((100 + i % 50) << 24 | 1, 18444);
    am->Add(DistinctGroup(i), source, kNow - i, kNow);
  }
  am->Add(Addr("[2001:db8::1]:9"), Addr("[2001:db8:1::5]:1"), kNow - 5, kNow);
  am->Add(Addr("[2001:db9::7]:10"), NetAddress{}, kNow - 6, kNow);
  for (uint32_t i = 0; i < 300; i += 3) am->Good(DistinctGroup(i), kNow - 10);
  for (uint32_t i = 1; i < 300; i += 7) am->Attempt(DistinctGroup(i), kNow - 20);
  return am;
}

TEST(AddrManTest, SerializeRoundTrip) {
  auto am = Populated();
  ASSERT_GT(am->TriedCount(), 50u);
  ASSERT_GT(am->NewCount(), 100u);
  chain::Bytes data = am->Serialize();
  auto compact_size = [](size_t n) -> size_t { return n < 0xfd ? 1 : 3; };
  EXPECT_EQ(data.size(), 4 + 1 + 32 + 20 + compact_size(am->NewCount()) +
                             compact_size(am->TriedCount()) + am->size() * AddrMan::kEntrySize +
                             32);
  auto back = AddrMan::Deserialize(data, Deterministic());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ((*back)->All(), am->All());
  EXPECT_EQ((*back)->NewCount(), am->NewCount());
  EXPECT_EQ((*back)->TriedCount(), am->TriedCount());
  EXPECT_EQ((*back)->Serialize(), data);
}

TEST(AddrManTest, EmptyRoundTrip) {
  AddrMan am(Deterministic());
  chain::Bytes data = am.Serialize();
  EXPECT_EQ(data.size(), 4u + 1 + 32 + 20 + 2 + 32);
  auto back = AddrMan::Deserialize(data, Deterministic());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ((*back)->size(), 0u);
  EXPECT_EQ((*back)->Serialize(), data);
}

TEST(AddrManTest, LoadedBookKeepsItsKey) {
  auto am = Populated();
  chain::Bytes data = am->Serialize();
  AddrManOptions other = Deterministic();
  other.key = chain::Hash256{};  // ignored on load
  other.seed = 7;
  auto back = AddrMan::Deserialize(data, other);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ((*back)->All(), am->All());
}

TEST(AddrManTest, OtherGeometryStillLoads) {
  auto am = Populated();
  chain::Bytes data = am->Serialize();
  AddrManOptions small = Tiny(4, 2, 8);
  small.new_buckets_per_source_group = 2;
  small.tried_buckets_per_group = 1;
  auto back = AddrMan::Deserialize(data, small);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  AddrMan& b = **back;
  EXPECT_GT(b.size(), 0u);
  EXPECT_LE(b.NewCount(), 4u * 8);
  EXPECT_LE(b.TriedCount(), 2u * 8);
  for (const AddrInfo& e : b.All()) {
    auto orig = am->Find(e.addr);
    ASSERT_TRUE(orig);
    EXPECT_EQ(e.last_seen, orig->last_seen);
    EXPECT_EQ(e.attempts, orig->attempts);
    EXPECT_LT(e.bucket, e.in_tried ? 2u : 4u);
    EXPECT_LT(e.slot, 8u);
  }
  // The re-bucketed book is a fixed point.
  chain::Bytes again = b.Serialize();
  auto twice = AddrMan::Deserialize(again, small);
  ASSERT_TRUE(twice.ok());
  EXPECT_EQ((*twice)->All(), b.All());
  EXPECT_EQ((*twice)->Serialize(), again);

  // And back into a large book.
  auto large = AddrMan::Deserialize(again, Deterministic());
  ASSERT_TRUE(large.ok());
  EXPECT_LE((*large)->size(), b.size());
  EXPECT_GT((*large)->size(), b.size() / 2);
}

TEST(AddrManTest, RejectsCorruptData) {
  auto am = Populated(Tiny(4, 4, 4));
  chain::Bytes good = am->Serialize();
  ASSERT_TRUE(AddrMan::Deserialize(good, Deterministic()).ok());

  ExpectCorrupt({}, "too short");
  ExpectCorrupt(chain::Bytes(36, 0), "too short");
  testing::ExpectFileEditsRefused(Decode, good,
                                  {.magic_at = 0, .magic_byte = 'X', .version = 2, .flip_at = 50,
                                   .flip_mask = 1, .trailing = 0});
  chain::Bytes bad_sum = good;
  bad_sum.back() ^= 0x80;
  ExpectCorrupt(bad_sum, "checksum");

  chain::Bytes trailing = good;
  trailing.insert(trailing.end() - 32, 0);
  ExpectCorrupt(trailing, "checksum");
  chain::Bytes appended = good;
  appended.push_back(0);
  ExpectCorrupt(appended, "checksum");

  // Every truncation, sealed or not, fails cleanly.
  for (size_t n = 0; n < good.size(); ++n) {
    chain::Bytes cut(good.begin(), good.begin() + n);
    EXPECT_FALSE(AddrMan::Deserialize(cut, Deterministic()).ok()) << n;
    if (n >= 37 + 32 && n != good.size() - 32) {  // n == size - 32 reseals the original
      cut.insert(cut.end(), 32, 0);
      auto r = AddrMan::Deserialize(Reseal(cut), Deterministic());
      EXPECT_FALSE(r.ok()) << n;
      EXPECT_EQ(r.status().code(), chain::Status::Code::kCorruption);
    }
  }
}

TEST(AddrManTest, RejectsMalformedBodies) {
  {
    FileBuilder f;
    f.w.CompactSize(0);
    f.w.CompactSize(0);
    ASSERT_TRUE(AddrMan::Deserialize(f.Sealed(), Deterministic()).ok());
  }
  for (auto [n, t, s, what] : std::vector<std::tuple<uint32_t, uint32_t, uint32_t, const char*>>{
           {0, 4, 4, "new bucket count"},
           {4, 0, 4, "tried bucket count"},
           {4, 4, 0, "bucket size"},
           {AddrManOptions::kMaxBucketCount + 1, 4, 4, "new bucket count"},
           {4, 4, AddrManOptions::kMaxBucketSize + 1, "bucket size"}}) {
    FileBuilder f(n, t, s);
    f.w.CompactSize(0);
    f.w.CompactSize(0);
    ExpectCorrupt(f.Sealed(), what);
  }
  {  // per-source fan-out larger than the table
    FileBuilder f;
    chain::Bytes body = f.w.bytes();
    body[4 + 1 + 32 + 12] = 5;  // new_buckets_per_source_group = 5 > 4
    chain::Writer w(&body);
    w.CompactSize(0);
    w.CompactSize(0);
    body.insert(body.end(), 32, 0);
    ExpectCorrupt(Reseal(body), "per source");
  }
  {  // more entries than the file's own table can hold
    FileBuilder f;
    f.w.CompactSize(17);
    ExpectCorrupt(f.Sealed(), "exceeds limit");
  }
  {  // a huge count with no data behind it: refused before allocating
    FileBuilder f(1024, 1024, 128);
    f.w.CompactSize(100000);
    ExpectCorrupt(f.Sealed(), "end of data");
  }
  {  // a non-minimal count
    FileBuilder f;
    f.w.U8(0xfd);
    f.w.U16(1);
    ExpectCorrupt(f.Sealed(), "non-canonical");
  }
  {  // entries out of order
    FileBuilder f;
    f.w.CompactSize(2);
    f.Entry(Addr("2.2.2.2"));
    f.Entry(Addr("1.1.1.1"));
    f.w.CompactSize(0);
    ExpectCorrupt(f.Sealed(), "ascending");
  }
  {  // a duplicate within a table
    FileBuilder f;
    f.w.CompactSize(2);
    f.Entry(Addr("1.1.1.1"));
    f.Entry(Addr("1.1.1.1"));
    f.w.CompactSize(0);
    ExpectCorrupt(f.Sealed(), "ascending");
  }
  {  // an address in both tables
    FileBuilder f;
    f.w.CompactSize(2);
    f.Entry(Addr("1.1.1.1"));
    f.Entry(Addr("3.3.3.3"));
    f.w.CompactSize(2);
    f.Entry(Addr("2.2.2.2"));
    f.Entry(Addr("3.3.3.3"));
    ExpectCorrupt(f.Sealed(), "both tables");
  }
  {  // an invalid address
    FileBuilder f;
    f.w.CompactSize(1);
    f.Entry(NetAddress::FromIPv4(0x01010101, 0));
    f.w.CompactSize(0);
    ExpectCorrupt(f.Sealed(), "invalid address");
  }
  {  // a time beyond int64
    FileBuilder f;
    f.w.CompactSize(1);
    f.Entry(Addr("1.1.1.1"), uint64_t{1} << 63);
    f.w.CompactSize(0);
    ExpectCorrupt(f.Sealed(), "time out of range");
  }
  {  // a well-formed hand-built file loads
    FileBuilder f;
    f.w.CompactSize(2);
    f.Entry(Addr("1.1.1.1"));
    f.Entry(Addr("[2001:db8::1]:1"));
    f.w.CompactSize(1);
    f.Entry(Addr("3.3.3.3"));
    auto r = AddrMan::Deserialize(f.Sealed(), Deterministic());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ((*r)->size(), 3u);
    EXPECT_EQ((*r)->TriedCount(), 1u);
  }
}

TEST(AddrManTest, SaveAndLoadFile) {
  TempDir dir;
  std::string path = dir.File("peers.dat");
  auto missing = AddrMan::LoadFile(path, Deterministic());
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().IsNotFound());

  auto am = Populated();
  ASSERT_TRUE(am->SaveFile(path).ok());
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto back = AddrMan::LoadFile(path, Deterministic());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ((*back)->All(), am->All());

  // Overwriting replaces the file and leaves no temp files behind.
  AddrMan empty(Deterministic());
  ASSERT_TRUE(empty.SaveFile(path).ok());
  auto reloaded = AddrMan::LoadFile(path, Deterministic());
  ASSERT_TRUE(reloaded.ok());
  EXPECT_EQ((*reloaded)->size(), 0u);
  size_t files = 0;
  for (const auto& e :
       std::filesystem::directory_iterator(std::filesystem::path(path).parent_path())) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1u);

  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << "not a peers file, clearly";
  }
  auto garbage = AddrMan::LoadFile(path, Deterministic());
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.status().code(), chain::Status::Code::kCorruption);

  EXPECT_EQ(am->SaveFile(dir.File("no/such/folder/peers.dat")).code(),
            chain::Status::Code::kIoError);
}

TEST(AddrManTest, ConcurrentUse) {
  AddrMan am(Deterministic());
  std::atomic<int> selected{0};
  std::vector<std::thread> threads;
  for (uint32_t t = 0; t < 4; ++t) {
    threads.emplace_back([&am, &selected, t] {
      for (uint32_t i = 0; i < 500; ++i) {
        NetAddress a = DistinctGroup(t * 500 + i);
        am.Add(a, NetAddress::FromIPv4((100 + t) << 24 | 1, 1), kNow, kNow);
        if (i % 3 == 0) am.Good(a, kNow);
        if (am.Select(false, {}, kNow)) ++selected;
        if (i % 50 == 0) (void)am.GetAddresses(10, 0, kNow);
        if (i % 100 == 0) (void)am.Serialize();
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(am.size(), am.NewCount() + am.TriedCount());
  EXPECT_GT(selected.load(), 0);
  auto back = AddrMan::Deserialize(am.Serialize(), Deterministic());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ((*back)->All(), am.All());
}

}  // namespace
}  // namespace waybill::p2p
