#include <gtest/gtest.h>

#include <string>

#include "p2p/net_address.h"

namespace waybill::p2p {
namespace {

constexpr uint16_t kDefaultPort = 18444;

NetAddress Must(std::string_view text) {
  auto a = NetAddress::Parse(text, kDefaultPort);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(NetAddress{});
}

TEST(NetAddressTest, ParsesIPv4WithAndWithoutPort) {
  NetAddress a = Must("1.2.3.4");
  EXPECT_TRUE(a.IsIPv4());
  EXPECT_EQ(a.IPv4(), 0x01020304u);
  EXPECT_EQ(a.port, kDefaultPort);
  EXPECT_EQ(a, NetAddress::FromIPv4(0x01020304, kDefaultPort));

  NetAddress b = Must("1.2.3.4:99");
  EXPECT_EQ(b.IPv4(), 0x01020304u);
  EXPECT_EQ(b.port, 99);
  EXPECT_EQ(Must("1.2.3.4:65535").port, 65535);
}

TEST(NetAddressTest, ParsesIPv6WithAndWithoutPort) {
  NetAddress a = Must("[::1]:5");
  EXPECT_FALSE(a.IsIPv4());
  EXPECT_EQ(a.port, 5);
  std::array<uint8_t, 16> loopback{};
  loopback[15] = 1;
  EXPECT_EQ(a.ip, loopback);

  NetAddress b = Must("::1");
  EXPECT_EQ(b.ip, loopback);
  EXPECT_EQ(b.port, kDefaultPort);

  NetAddress c = Must("[2001:db8::1]");
  EXPECT_EQ(c.port, kDefaultPort);
  EXPECT_EQ(c.ip[0], 0x20);
  EXPECT_EQ(c.ip[1], 0x01);
  EXPECT_EQ(c.ip[15], 0x01);
}

TEST(NetAddressTest, IPv4MappedIPv6IsIPv4) {
  NetAddress a = Must("[::ffff:1.2.3.4]:7");
  EXPECT_TRUE(a.IsIPv4());
  EXPECT_EQ(a, NetAddress::FromIPv4(0x01020304, 7));
}

TEST(NetAddressTest, RejectsBadInputs) {
  for (std::string_view bad : {"1.2.3.4:0",
                               "1.2.3.4:70000",
                               "1.2.3.4:65536",
                               "host.name:1",
                               "host.name",
                               "[::1",
                               "",
                               "1.2.3.4:",
                               "[::1]:",
                               "[::1]x",
                               "[::1]:0",
                               ":5",
                               "1.2.3:4",
                               "1.2.3.4.5",
                               "256.1.1.1",
                               "1.2.3.4:-1",
                               "1.2.3.4:+5",
                               "1.2.3.4:5x",
                               "1.2.3.4: 5",
                               " 1.2.3.4",
                               "[]:5",
                               "::1:99999999",
                               "[1:2:3:4:5:6:7:8:9]",
                               "01.2.3.4"}) {
    EXPECT_FALSE(NetAddress::Parse(bad, kDefaultPort).has_value()) << "'" << bad << "'";
  }
}

TEST(NetAddressTest, RejectsEmbeddedNul) {
  // A C string parser would stop at the NUL and accept "1.2.3.4".
  std::string text("1.2.3.4\0junk", 12);
  EXPECT_FALSE(NetAddress::Parse(text, kDefaultPort).has_value());
  EXPECT_FALSE(NetAddress::ParseIp(text).has_value());
  std::string v6("[::1\0]:5", 8);
  EXPECT_FALSE(NetAddress::Parse(v6, kDefaultPort).has_value());
}

TEST(NetAddressTest, ParseIpTakesNoPort) {
  auto a = NetAddress::ParseIp("127.0.0.1");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->port, 0);
  EXPECT_TRUE(a->IsLoopback());
  EXPECT_FALSE(NetAddress::ParseIp("127.0.0.1:5"));
  EXPECT_FALSE(NetAddress::ParseIp("[::1]"));
  EXPECT_TRUE(NetAddress::ParseIp("::1"));
}

TEST(NetAddressTest, ToStringRoundTrips) {
  for (std::string_view text : {"1.2.3.4:99", "127.0.0.1:18444", "[::1]:5", "[2001:db8::1]:8333",
                                "[fe80::1:2]:1", "255.255.255.254:65535"}) {
    NetAddress a = Must(text);
    EXPECT_EQ(a.ToString(), text);
    EXPECT_EQ(Must(a.ToString()), a);
  }
  EXPECT_EQ(Must("1.2.3.4").ToString(), "1.2.3.4:18444");
  EXPECT_EQ(Must("[::ffff:1.2.3.4]:7").ToString(), "1.2.3.4:7");
  EXPECT_EQ(Must("[2001:DB8:0:0::1]:2").ToString(), "[2001:db8::1]:2");
  EXPECT_EQ(Must("[2001:db8::1]:2").IpString(), "2001:db8::1");
  EXPECT_EQ(Must("10.0.0.1:2").IpString(), "10.0.0.1");
}

TEST(NetAddressTest, Loopback) {
  EXPECT_TRUE(Must("127.0.0.1").IsLoopback());
  EXPECT_TRUE(Must("127.255.3.4").IsLoopback());
  EXPECT_TRUE(Must("::1").IsLoopback());
  EXPECT_FALSE(Must("128.0.0.1").IsLoopback());
  EXPECT_FALSE(Must("::2").IsLoopback());
  EXPECT_FALSE(Must("1.2.3.4").IsLoopback());
}

TEST(NetAddressTest, Validity) {
  EXPECT_TRUE(Must("1.2.3.4:1").IsValid());
  EXPECT_TRUE(Must("127.0.0.1").IsValid());
  EXPECT_TRUE(Must("::1").IsValid());
  EXPECT_TRUE(Must("[2001:db8::1]:9").IsValid());
  EXPECT_FALSE(NetAddress::FromIPv4(0x01020304, 0).IsValid());  // port 0
  EXPECT_FALSE(Must("0.0.0.0").IsValid());
  EXPECT_TRUE(Must("0.0.0.0").IsUnspecified());
  EXPECT_FALSE(Must("0.1.2.3").IsValid());
  EXPECT_FALSE(Must("::").IsValid());
  EXPECT_TRUE(Must("::").IsUnspecified());
  EXPECT_FALSE(Must("224.0.0.1").IsValid());
  EXPECT_FALSE(Must("255.255.255.255").IsValid());
  EXPECT_FALSE(Must("ff02::1").IsValid());
  EXPECT_FALSE(NetAddress{}.IsValid());
}

TEST(NetAddressTest, Groups) {
  EXPECT_EQ(Must("1.2.3.4").Group(), Must("1.2.200.9:7").Group());
  EXPECT_NE(Must("1.2.3.4").Group(), Must("1.3.3.4").Group());
  EXPECT_NE(Must("1.2.3.4").Group(), Must("2.2.3.4").Group());
  // Loopback: by address and port, so each node of a one-host testnet is a group.
  EXPECT_NE(Must("127.0.0.1:1").Group(), Must("127.0.0.1:2").Group());
  EXPECT_NE(Must("127.0.0.1:1").Group(), Must("127.0.0.2:1").Group());
  EXPECT_EQ(Must("127.0.0.1:7").Group(), Must("127.0.0.1:7").Group());
  EXPECT_NE(Must("127.0.0.1").Group(), Must("::1").Group());
  EXPECT_EQ(Must("127.0.0.1:258").Group(),
            (chain::Bytes{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1, 2, 1}));
  // Private ranges: the whole address; the port does not matter.
  EXPECT_EQ(Must("10.1.2.3:1").Group(), (chain::Bytes{4, 10, 1, 2, 3}));
  EXPECT_EQ(Must("10.1.2.3:1").Group(), Must("10.1.2.3:2").Group());
  EXPECT_NE(Must("10.1.2.3").Group(), Must("10.1.2.4").Group());
  EXPECT_NE(Must("192.168.0.1").Group(), Must("192.168.0.2").Group());
  EXPECT_NE(Must("172.16.0.1").Group(), Must("172.16.0.2").Group());
  EXPECT_NE(Must("172.31.0.1").Group(), Must("172.31.0.2").Group());
  EXPECT_EQ(Must("172.32.0.1").Group(), Must("172.32.0.2").Group());  // public: the /16
  EXPECT_NE(Must("100.64.0.1").Group(), Must("100.64.0.2").Group());
  EXPECT_EQ(Must("100.128.0.1").Group(), Must("100.128.0.2").Group());  // public
  EXPECT_NE(Must("[fd00::1]:1").Group(), Must("[fd00::2]:1").Group());
  EXPECT_NE(Must("[fe80::1]:1").Group(), Must("[fe80::2]:1").Group());
  EXPECT_EQ(Must("[2001:db8:1::1]:1").Group(), Must("[2001:db8:ffff::2]:2").Group());
  EXPECT_NE(Must("[2001:db8::1]:1").Group(), Must("[2001:db9::1]:1").Group());
  // An IPv4 group never equals an IPv6 one.
  EXPECT_NE(Must("32.1.13.184").Group(), Must("[2001:db8::1]:1").Group());
}

TEST(NetAddressTest, OrderingAndHash) {
  NetAddress a = Must("1.2.3.4:1");
  NetAddress b = Must("1.2.3.4:2");
  EXPECT_LT(a, b);
  EXPECT_NE(NetAddressHasher()(a), NetAddressHasher()(b));
  EXPECT_EQ(NetAddressHasher()(a), NetAddressHasher()(Must("1.2.3.4:1")));
}

}  // namespace
}  // namespace waybill::p2p
