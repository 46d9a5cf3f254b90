// Which inbound peer to drop when every inbound slot is taken and a new connection arrives
// (docs/PROTOCOL.md §12.8). After Bitcoin Core's inbound eviction: peers that are useful and
// hard for an attacker to imitate are protected (the ones that gave us a new block or tx last,
// the lowest round trips, a few distinct address groups, the longest connected); among the
// rest, the youngest connection of the address group with the most connections goes. An
// attacker who opens many cheap connections thus mostly evicts its own.
//
// Pure: no clock, no randomness (the caller hashes the address groups with a secret key, so
// which groups are protected cannot be predicted from outside).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace waybill::p2p {

using PeerId = uint64_t;

struct EvictionCandidate {
  PeerId id = 0;
  int64_t connected_ms = 0;            // when the connection was made (larger: younger)
  std::optional<int64_t> min_ping_ms;  // best round trip measured; none: never answered a ping
  int64_t last_block_ms = 0;           // when it last gave us a block we took; 0: never
  int64_t last_tx_ms = 0;              // when it last gave us a tx we took; 0: never
  uint64_t netgroup = 0;               // keyed hash of its address group (one party)
};

// How many candidates each rule protects, in the order the rules apply.
struct EvictionProtection {
  size_t by_netgroup = 4;  // one per distinct group, chosen by the keyed group hash
  size_t by_ping = 8;      // lowest min_ping_ms
  size_t by_tx = 4;        // most recent last_tx_ms (only peers that ever gave one)
  size_t by_block = 4;     // most recent last_block_ms (only peers that ever gave one)
  // Then this share (in percent) of those left, the longest connected.
  size_t by_uptime_percent = 50;
};

// The peer to evict, or nullopt when every candidate is protected (the newcomer is refused).
// Deterministic for a given input.
std::optional<PeerId> SelectInboundToEvict(std::vector<EvictionCandidate> candidates,
                                           const EvictionProtection& protect = {});

}  // namespace waybill::p2p
