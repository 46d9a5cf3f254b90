#include "p2p/net_address.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace waybill::p2p {
namespace {

constexpr std::array<uint8_t, 12> kV4Prefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

std::optional<uint16_t> ParsePort(std::string_view s) {
  if (s.empty() || s.size() > 5) return std::nullopt;
  unsigned value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || value == 0 || value > 65535) {
    return std::nullopt;
  }
  return static_cast<uint16_t>(value);
}

}  // namespace

NetAddress NetAddress::FromIPv4(uint32_t ip, uint16_t port) {
  NetAddress a;
  std::memcpy(a.ip.data(), kV4Prefix.data(), kV4Prefix.size());
  a.ip[12] = static_cast<uint8_t>(ip >> 24);
  a.ip[13] = static_cast<uint8_t>(ip >> 16);
  a.ip[14] = static_cast<uint8_t>(ip >> 8);
  a.ip[15] = static_cast<uint8_t>(ip);
  a.port = port;
  return a;
}

std::optional<NetAddress> NetAddress::ParseIp(std::string_view text) {
  if (text.empty() || text.size() > 45) return std::nullopt;
  // inet_pton reads a C string: an embedded NUL would hide whatever follows it.
  if (text.find('\0') != std::string_view::npos) return std::nullopt;
  std::string s(text);
  NetAddress a;
  in_addr v4;
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    return FromIPv4(ntohl(v4.s_addr), 0);
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(a.ip.data(), &v6, 16);
    return a;
  }
  return std::nullopt;
}

std::optional<NetAddress> NetAddress::Parse(std::string_view text, uint16_t default_port) {
  std::string_view host = text;
  std::optional<uint16_t> port = default_port;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = ParsePort(rest.substr(1));
    }
  } else if (size_t colon = text.rfind(':');
             colon != std::string_view::npos && text.find(':') == colon) {
    // Exactly one colon: IPv4 with a port. More than one: a bare IPv6 address.
    host = text.substr(0, colon);
    port = ParsePort(text.substr(colon + 1));
  }
  if (!port) return std::nullopt;
  auto a = ParseIp(host);
  if (!a) return std::nullopt;
  a->port = *port;
  return a;
}

bool NetAddress::IsIPv4() const {
  return std::memcmp(ip.data(), kV4Prefix.data(), kV4Prefix.size()) == 0;
}

uint32_t NetAddress::IPv4() const {
  return uint32_t{ip[12]} << 24 | uint32_t{ip[13]} << 16 | uint32_t{ip[14]} << 8 | ip[15];
}

bool NetAddress::IsLoopback() const {
  if (IsIPv4()) return ip[12] == 127;
  static constexpr std::array<uint8_t, 16> kV6Loopback = {0, 0, 0, 0, 0, 0, 0, 0,
                                                          0, 0, 0, 0, 0, 0, 0, 1};
  return ip == kV6Loopback;
}

bool NetAddress::IsUnspecified() const {
  if (IsIPv4()) return IPv4() == 0;
  for (uint8_t b : ip) {
    if (b) return false;
  }
  return true;
}

bool NetAddress::IsValid() const {
  if (port == 0 || IsUnspecified()) return false;
  if (IsIPv4()) {
    uint8_t first = ip[12];
    if (first >= 224) return false;  // multicast, reserved, broadcast
    if (first == 0) return false;    // "this network"
    return true;
  }
  return ip[0] != 0xff;  // IPv6 multicast
}

std::string NetAddress::IpString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (IsIPv4()) {
    in_addr v4;
    v4.s_addr = htonl(IPv4());
    inet_ntop(AF_INET, &v4, buf, sizeof(buf));
  } else {
    in6_addr v6;
    std::memcpy(&v6, ip.data(), 16);
    inet_ntop(AF_INET6, &v6, buf, sizeof(buf));
  }
  return buf;
}

std::string NetAddress::ToString() const {
  if (IsIPv4()) return IpString() + ":" + std::to_string(port);
  return "[" + IpString() + "]:" + std::to_string(port);
}

bool NetAddress::IsPrivate() const {
  if (IsIPv4()) {
    const uint8_t a = ip[12], b = ip[13];
    return a == 10 || (a == 172 && (b & 0xf0) == 16) || (a == 192 && b == 168) ||
           (a == 169 && b == 254) || (a == 100 && (b & 0xc0) == 64);
  }
  return (ip[0] & 0xfe) == 0xfc || (ip[0] == 0xfe && (ip[1] & 0xc0) == 0x80);
}

chain::Bytes NetAddress::Group() const {
  if (IsLoopback()) {
    // Every node of a one-host testnet is its own group: loopback by IP and port.
    chain::Bytes g{0};
    g.insert(g.end(), ip.begin(), ip.end());
    g.push_back(static_cast<uint8_t>(port & 0xff));  // u16 little-endian, as everywhere
    g.push_back(static_cast<uint8_t>(port >> 8));
    return g;
  }
  if (IsPrivate()) {
    // A private network's hosts often share one /16: each is a group of its own.
    if (IsIPv4()) return {4, ip[12], ip[13], ip[14], ip[15]};
    chain::Bytes g{6};
    g.insert(g.end(), ip.begin(), ip.end());
    return g;
  }
  if (IsIPv4()) return {4, ip[12], ip[13]};
  return {6, ip[0], ip[1], ip[2], ip[3]};
}

size_t NetAddressHasher::operator()(const NetAddress& a) const {
  // Not keyed: only for containers whose contents a peer cannot choose freely or that are
  // bounded by other means; the address book uses keyed hashes of its own.
  size_t h = 0xcbf29ce484222325ull;
  for (uint8_t b : a.ip) h = (h ^ b) * 0x100000001b3ull;
  h = (h ^ (a.port & 0xff)) * 0x100000001b3ull;
  h = (h ^ (a.port >> 8)) * 0x100000001b3ull;
  return h;
}

}  // namespace waybill::p2p
