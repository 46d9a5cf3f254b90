#include "p2p/eviction.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace waybill::p2p {
namespace {

using Candidates = std::vector<EvictionCandidate>;

// A younger connection sorts first: it is the first to lose every tie below.
bool Younger(const EvictionCandidate& a, const EvictionCandidate& b) {
  return std::tie(a.connected_ms, a.id) > std::tie(b.connected_ms, b.id);
}

// Sorts worst-first by `less` (ties: younger first) and removes from the end up to k
// candidates for which `earned` holds: the best ones, which are therefore protected.
template <typename Less, typename Earned>
void ProtectBest(Candidates& c, size_t k, Less less, Earned earned) {
  std::stable_sort(c.begin(), c.end(), [&](const auto& a, const auto& b) {
    if (less(a, b)) return true;
    if (less(b, a)) return false;
    return Younger(a, b);
  });
  while (k > 0 && !c.empty() && earned(c.back())) {
    c.pop_back();
    --k;
  }
}

void ProtectByNetgroup(Candidates& c, size_t k) {
  // Walk the groups in keyed-hash order from the top, protecting the oldest member of each.
  std::map<uint64_t, size_t> oldest;  // group -> index of its oldest member
  for (size_t i = 0; i < c.size(); ++i) {
    auto [it, fresh] = oldest.emplace(c[i].netgroup, i);
    if (!fresh && Younger(c[it->second], c[i])) it->second = i;
  }
  std::set<PeerId> protect;
  for (auto it = oldest.rbegin(); it != oldest.rend() && protect.size() < k; ++it) {
    protect.insert(c[it->second].id);
  }
  std::erase_if(c, [&](const EvictionCandidate& e) { return protect.count(e.id) > 0; });
}

}  // namespace

std::optional<PeerId> SelectInboundToEvict(Candidates c, const EvictionProtection& protect) {
  ProtectByNetgroup(c, protect.by_netgroup);
  // Lowest ping is best: it sorts last. No measurement sorts first (and earns nothing).
  ProtectBest(
      c, protect.by_ping,
      [](const auto& a, const auto& b) {
        const int64_t pa = a.min_ping_ms.value_or(INT64_MAX);
        const int64_t pb = b.min_ping_ms.value_or(INT64_MAX);
        return pa > pb;
      },
      [](const auto& e) { return e.min_ping_ms.has_value(); });
  ProtectBest(
      c, protect.by_tx, [](const auto& a, const auto& b) { return a.last_tx_ms < b.last_tx_ms; },
      [](const auto& e) { return e.last_tx_ms > 0; });
  ProtectBest(
      c, protect.by_block,
      [](const auto& a, const auto& b) { return a.last_block_ms < b.last_block_ms; },
      [](const auto& e) { return e.last_block_ms > 0; });
  // The longest connected: oldest sort last.
  const size_t by_uptime = c.size() * protect.by_uptime_percent / 100;
  ProtectBest(
      c, by_uptime, [](const auto& a, const auto& b) { return Younger(a, b); },
      [](const auto&) { return true; });
  if (c.empty()) return std::nullopt;

  // The group with the most connections (ties: the one with the youngest member); its
  // youngest member goes.
  struct Group {
    size_t count = 0;
    const EvictionCandidate* youngest = nullptr;
  };
  std::map<uint64_t, Group> groups;
  for (const EvictionCandidate& e : c) {
    Group& g = groups[e.netgroup];
    ++g.count;
    if (!g.youngest || Younger(e, *g.youngest)) g.youngest = &e;
  }
  const Group* worst = nullptr;
  for (const auto& [key, g] : groups) {
    if (!worst || g.count > worst->count ||
        (g.count == worst->count && Younger(*g.youngest, *worst->youngest))) {
      worst = &g;
    }
  }
  return worst->youngest->id;
}

}  // namespace waybill::p2p
