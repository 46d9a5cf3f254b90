// A network address: an IPv6 address (IPv4 as an IPv4-mapped ::ffff:a.b.c.d) and a TCP port.
// Plain value type, no sockets: the address book, the wire codecs and the ban list use it.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "chain/types.h"

namespace waybill::p2p {

struct NetAddress {
  std::array<uint8_t, 16> ip{};  // network byte order
  uint16_t port = 0;

  static NetAddress FromIPv4(uint32_t host_order_ip, uint16_t port);
  // "a.b.c.d", "a.b.c.d:port", "[v6]:port" or a bare IPv6 address. Port defaults to
  // default_port when absent. nullopt on anything else (no host names: the node never
  // resolves names, so a peer can never make it query DNS).
  static std::optional<NetAddress> Parse(std::string_view text, uint16_t default_port);
  // Parses the address only (no port): "127.0.0.1", "::1".
  static std::optional<NetAddress> ParseIp(std::string_view text);

  bool IsIPv4() const;
  uint32_t IPv4() const;  // REQUIRES: IsIPv4(); host order
  bool IsLoopback() const;
  bool IsUnspecified() const;  // 0.0.0.0 or ::
  // Something we could ever connect to: not unspecified, not multicast, port non-zero.
  bool IsValid() const;
  // The address without its port, as text: "127.0.0.1", "2001:db8::1".
  std::string IpString() const;
  // "127.0.0.1:18444", "[2001:db8::1]:18444".
  std::string ToString() const;
  // Private ranges: 10/8, 172.16/12, 192.168/16, 169.254/16, 100.64/10, fc00::/7, fe80::/10.
  bool IsPrivate() const;
  // The group an address belongs to for bucketing (docs/PROTOCOL.md §13.2): a /16 for a
  // public IPv4 address, a /32 for public IPv6, the whole address for a private one, the
  // address and port for loopback. Addresses in one group are assumed to be run by one party;
  // on a private network each host is taken for a party of its own.
  chain::Bytes Group() const;

  auto operator<=>(const NetAddress&) const = default;
  bool operator==(const NetAddress&) const = default;
};

struct NetAddressHasher {
  size_t operator()(const NetAddress& a) const;
};

}  // namespace waybill::p2p
