#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "chain/hash.h"
#include "chain/serialize.h"
#include "p2p/banlist.h"
#include "tests/unit/p2p_file_test_util.h"

namespace waybill::p2p {
namespace {

constexpr int64_t kNow = 1'700'000'000;

using testing::Addr;
using testing::Reseal;
using testing::Seal;

NetAddress Ip(uint32_t i) { return NetAddress::FromIPv4(0x0a000000 | i, 0); }  // 10.x.y.z

// A banlist.dat body up to and including the count.
chain::Writer* Header(chain::Writer* w, uint64_t count) {
  w->Raw(chain::ByteSpan(reinterpret_cast<const uint8_t*>("WBBN"), 4));
  w->U8(1);
  w->CompactSize(count);
  return w;
}

void Entry(chain::Writer* w, const NetAddress& ip, uint64_t until, std::string_view reason) {
  w->Raw(chain::ByteSpan(ip.ip.data(), 16));
  w->U64(until);
  w->String(reason);
}

chain::Result<std::unique_ptr<BanList>> Decode(const chain::Bytes& data) {
  return BanList::Deserialize(data);
}

void ExpectCorrupt(const chain::Bytes& data, std::string_view why_contains) {
  testing::ExpectCorruptFile(Decode, data, why_contains);
}

TEST(BanListTest, BanUntilExpiry) {
  BanList bans;
  NetAddress peer = Addr("1.2.3.4:5555");
  EXPECT_FALSE(bans.IsBanned(peer, kNow));
  bans.Ban(peer, kNow + 100, "misbehaving");
  EXPECT_TRUE(bans.IsBanned(peer, kNow));
  EXPECT_TRUE(bans.IsBanned(Addr("1.2.3.4:1"), kNow + 99));  // any port
  EXPECT_FALSE(bans.IsBanned(peer, kNow + 100));             // until is exclusive
  EXPECT_FALSE(bans.IsBanned(Addr("1.2.3.5:5555"), kNow));
  EXPECT_FALSE(bans.IsBanned(Addr("[::ffff:1.2.3.5]:1"), kNow));
  EXPECT_TRUE(bans.IsBanned(Addr("[::ffff:1.2.3.4]:1"), kNow));  // the same IP

  std::vector<BanEntry> list = bans.List(kNow);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].ip, NetAddress::FromIPv4(0x01020304, 0));
  EXPECT_EQ(list[0].until, kNow + 100);
  EXPECT_EQ(list[0].reason, "misbehaving");

  EXPECT_EQ(bans.size(), 1u);
  EXPECT_TRUE(bans.List(kNow + 100).empty());
  EXPECT_EQ(bans.size(), 0u);  // List dropped it
}

TEST(BanListTest, IPv6AndIPv4AreDistinct) {
  BanList bans;
  bans.Ban(Addr("[2001:db8::1]:1"), kNow + 10, "");
  EXPECT_TRUE(bans.IsBanned(Addr("[2001:db8::1]:9"), kNow));
  EXPECT_FALSE(bans.IsBanned(Addr("[2001:db8::2]:1"), kNow));
  EXPECT_FALSE(bans.IsBanned(Addr("1.2.3.4"), kNow));
}

TEST(BanListTest, UnbanAndClear) {
  BanList bans;
  bans.Ban(Addr("1.1.1.1"), kNow + 10, "a");
  bans.Ban(Addr("2.2.2.2"), kNow + 10, "b");
  EXPECT_TRUE(bans.Unban(Addr("1.1.1.1:77")));
  EXPECT_FALSE(bans.Unban(Addr("1.1.1.1")));
  EXPECT_FALSE(bans.IsBanned(Addr("1.1.1.1"), kNow));
  EXPECT_TRUE(bans.IsBanned(Addr("2.2.2.2"), kNow));
  bans.Clear();
  EXPECT_EQ(bans.size(), 0u);
  EXPECT_FALSE(bans.IsBanned(Addr("2.2.2.2"), kNow));
  // Unban of an expired entry still reports it was there.
  bans.Ban(Addr("3.3.3.3"), kNow - 1, "old");
  EXPECT_TRUE(bans.Unban(Addr("3.3.3.3")));
}

TEST(BanListTest, BansOnlyExtend) {
  BanList bans;
  NetAddress ip = Addr("1.1.1.1");
  bans.Ban(ip, kNow + 200, "first");
  bans.Ban(ip, kNow + 100, "shorter");
  ASSERT_EQ(bans.List(kNow).size(), 1u);
  EXPECT_EQ(bans.List(kNow)[0].until, kNow + 200);
  EXPECT_EQ(bans.List(kNow)[0].reason, "first");
  bans.Ban(ip, kNow + 300, "longer");
  EXPECT_EQ(bans.List(kNow)[0].until, kNow + 300);
  EXPECT_EQ(bans.List(kNow)[0].reason, "longer");
  EXPECT_EQ(bans.size(), 1u);
}

TEST(BanListTest, ReasonIsTruncatedAndTimeClamped) {
  BanList bans;
  bans.Ban(Addr("1.1.1.1"), kNow + 1, std::string(1000, 'x'));
  bans.Ban(Addr("2.2.2.2"), -50, "negative");
  EXPECT_EQ(bans.size(), 2u);
  EXPECT_FALSE(bans.IsBanned(Addr("2.2.2.2"), -100));  // until 0: never in force
  std::vector<BanEntry> list = bans.List(-100);        // now 0: the second one has expired
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].reason, std::string(BanList::kMaxReasonSize, 'x'));
}

TEST(BanListTest, FullListDropsTheSoonestToExpire) {
  BanList bans(3);
  bans.Ban(Ip(1), kNow + 400, "");
  bans.Ban(Ip(2), kNow + 100, "");
  bans.Ban(Ip(3), kNow + 300, "");
  bans.Ban(Ip(4), kNow + 200, "");
  EXPECT_EQ(bans.size(), 3u);
  EXPECT_FALSE(bans.IsBanned(Ip(2), kNow));
  EXPECT_TRUE(bans.IsBanned(Ip(1), kNow));
  EXPECT_TRUE(bans.IsBanned(Ip(3), kNow));
  EXPECT_TRUE(bans.IsBanned(Ip(4), kNow));
  // A newcomer that would expire first is the one that goes.
  bans.Ban(Ip(5), kNow + 50, "");
  EXPECT_EQ(bans.size(), 3u);
  EXPECT_FALSE(bans.IsBanned(Ip(5), kNow));
  // Extending an existing ban does not evict anything.
  bans.Ban(Ip(4), kNow + 1000, "");
  EXPECT_EQ(bans.size(), 3u);
  EXPECT_TRUE(bans.IsBanned(Ip(3), kNow));
}

TEST(BanListTest, DefaultBound) {
  BanList bans;
  EXPECT_EQ(bans.max_entries(), BanList::kDefaultMaxEntries);
  for (uint32_t i = 0; i < BanList::kDefaultMaxEntries + 10; ++i) {
    bans.Ban(Ip(i), kNow + 1000 + i, "flood");
  }
  EXPECT_EQ(bans.size(), BanList::kDefaultMaxEntries);
  EXPECT_FALSE(bans.IsBanned(Ip(0), kNow));
  EXPECT_FALSE(bans.IsBanned(Ip(9), kNow));
  EXPECT_TRUE(bans.IsBanned(Ip(10), kNow));
  EXPECT_EQ(BanList(0).max_entries(), 1u);
  EXPECT_EQ(BanList(SIZE_MAX).max_entries(), BanList::kMaxEntriesLimit);
}

TEST(BanListTest, SerializeRoundTrip) {
  BanList bans;
  bans.Ban(Addr("1.1.1.1"), kNow + 10, "one");
  bans.Ban(Addr("[2001:db8::1]:3"), kNow + 20, std::string(BanList::kMaxReasonSize, 'r'));
  bans.Ban(Addr("9.9.9.9"), kNow - 5, "");  // expired entries are kept until List
  bans.Ban(Addr("5.5.5.5"), INT64_MAX, "forever");
  chain::Bytes data = bans.Serialize();
  auto back = BanList::Deserialize(data);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ((*back)->size(), 4u);
  EXPECT_EQ((*back)->Serialize(), data);
  EXPECT_EQ((*back)->List(kNow), bans.List(kNow));

  BanList empty;
  chain::Bytes e = empty.Serialize();
  EXPECT_EQ(e.size(), 4u + 1 + 1 + 32);
  auto empty_back = BanList::Deserialize(e);
  ASSERT_TRUE(empty_back.ok());
  EXPECT_EQ((*empty_back)->size(), 0u);
}

TEST(BanListTest, DeserializeIntoASmallerList) {
  BanList bans;
  for (uint32_t i = 0; i < 10; ++i) bans.Ban(Ip(i), kNow + 100 - i, "");
  auto back = BanList::Deserialize(bans.Serialize(), 4);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ((*back)->size(), 4u);
  for (uint32_t i = 0; i < 4; ++i) EXPECT_TRUE((*back)->IsBanned(Ip(i), kNow)) << i;
  auto again = BanList::Deserialize((*back)->Serialize(), 4);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->Serialize(), (*back)->Serialize());
}

TEST(BanListTest, RejectsCorruptData) {
  BanList bans;
  bans.Ban(Addr("1.1.1.1"), kNow + 10, "one");
  bans.Ban(Addr("2.2.2.2"), kNow + 20, "two");
  chain::Bytes good = bans.Serialize();
  ASSERT_TRUE(BanList::Deserialize(good).ok());

  ExpectCorrupt({}, "too short");
  testing::ExpectFileEditsRefused(Decode, good,
                                  {.magic_at = 3, .magic_byte = 'M', .version = 0, .flip_at = 10,
                                   .flip_mask = 4, .trailing = 7});

  for (size_t n = 0; n < good.size(); ++n) {
    chain::Bytes cut(good.begin(), good.begin() + n);
    EXPECT_FALSE(BanList::Deserialize(cut).ok()) << n;
    if (n >= 5 && n != good.size() - 32) {
      cut.insert(cut.end(), 32, 0);
      auto r = BanList::Deserialize(Reseal(cut));
      EXPECT_FALSE(r.ok()) << n;
      EXPECT_EQ(r.status().code(), chain::Status::Code::kCorruption);
    }
  }
}

TEST(BanListTest, RejectsMalformedBodies) {
  {  // a count over the limit
    chain::Writer w;
    Header(&w, BanList::kMaxEntriesLimit + 1);
    ExpectCorrupt(Seal(w.Take()), "exceeds limit");
  }
  {  // a count the data cannot hold: refused before allocating
    chain::Writer w;
    Header(&w, BanList::kMaxEntriesLimit);
    ExpectCorrupt(Seal(w.Take()), "end of data");
  }
  {  // out of order
    chain::Writer w;
    Header(&w, 2);
    Entry(&w, Ip(2), kNow, "");
    Entry(&w, Ip(1), kNow, "");
    ExpectCorrupt(Seal(w.Take()), "ascending");
  }
  {  // duplicate
    chain::Writer w;
    Header(&w, 2);
    Entry(&w, Ip(1), kNow, "");
    Entry(&w, Ip(1), kNow + 5, "");
    ExpectCorrupt(Seal(w.Take()), "ascending");
  }
  {  // time beyond int64
    chain::Writer w;
    Header(&w, 1);
    Entry(&w, Ip(1), uint64_t{1} << 63, "");
    ExpectCorrupt(Seal(w.Take()), "time out of range");
  }
  {  // reason too long
    chain::Writer w;
    Header(&w, 1);
    Entry(&w, Ip(1), kNow, std::string(BanList::kMaxReasonSize + 1, 'x'));
    ExpectCorrupt(Seal(w.Take()), "exceeds limit");
  }
  {  // a well-formed hand-built file
    chain::Writer w;
    Header(&w, 2);
    Entry(&w, Ip(1), kNow, "a");
    Entry(&w, Addr("[2001:db8::1]:1"), kNow + 1, "b");
    auto r = BanList::Deserialize(Seal(w.Take()));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ((*r)->size(), 2u);
    EXPECT_TRUE((*r)->IsBanned(Addr("[2001:db8::1]:7"), kNow));
  }
}

TEST(BanListTest, SaveAndLoadFile) {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("p2p_banlist_test." + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string path = (dir / "banlist.dat").string();

  auto missing = BanList::LoadFile(path);
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().IsNotFound());

  BanList bans;
  bans.Ban(Addr("1.2.3.4"), kNow + 60, "test");
  ASSERT_TRUE(bans.SaveFile(path).ok());
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto back = BanList::LoadFile(path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ((*back)->List(kNow), bans.List(kNow));

  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << "WBBN garbage";
  }
  auto garbage = BanList::LoadFile(path);
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.status().code(), chain::Status::Code::kCorruption);
  EXPECT_EQ(bans.SaveFile((dir / "missing" / "banlist.dat").string()).code(),
            chain::Status::Code::kIoError);
  std::filesystem::remove_all(dir);
}

TEST(BanListTest, ConcurrentUse) {
  BanList bans(500);
  std::vector<std::thread> threads;
  for (uint32_t t = 0; t < 4; ++t) {
    threads.emplace_back([&bans, t] {
      for (uint32_t i = 0; i < 300; ++i) {
        bans.Ban(Ip(t * 1000 + i), kNow + i, "t");
        (void)bans.IsBanned(Ip(i), kNow);
        if (i % 50 == 0) (void)bans.List(kNow + 10);
        if (i % 100 == 0) (void)bans.Serialize();
        if (i % 7 == 0) bans.Unban(Ip(t * 1000 + i / 2));
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_LE(bans.size(), 500u);
  auto back = BanList::Deserialize(bans.Serialize(), 500);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ((*back)->Serialize(), bans.Serialize());
}

}  // namespace
}  // namespace waybill::p2p
