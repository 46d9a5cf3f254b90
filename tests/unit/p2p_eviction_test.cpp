// Inbound eviction (p2p/eviction.h) over hand-made candidates.
#include <gtest/gtest.h>

#include "p2p/eviction.h"

namespace waybill::p2p {
namespace {

// n idle candidates: ids 1..n, connected one second apart (id n the youngest), each in a
// group of its own, no ping, never relayed anything.
std::vector<EvictionCandidate> Idle(size_t n) {
  std::vector<EvictionCandidate> out;
  for (size_t i = 1; i <= n; ++i) {
    EvictionCandidate c;
    c.id = i;
    c.connected_ms = static_cast<int64_t>(i) * 1000;
    c.netgroup = 1000 + i;
    out.push_back(c);
  }
  return out;
}

EvictionProtection NoGroupProtection() {
  EvictionProtection p;
  p.by_netgroup = 0;
  return p;
}

TEST(EvictionTest, NothingToEvictAmongFewProtectedPeers) {
  EXPECT_FALSE(SelectInboundToEvict({}).has_value());
  // Four peers in four groups: all protected by diversity.
  EXPECT_FALSE(SelectInboundToEvict(Idle(4)).has_value());
}

TEST(EvictionTest, YoungestIdlePeerGoesAndTheOldestHalfStays) {
  auto c = Idle(20);
  auto victim = SelectInboundToEvict(c, NoGroupProtection());
  ASSERT_TRUE(victim.has_value());
  EXPECT_EQ(*victim, 20u);
  // The oldest half is protected by uptime: even one alone in the biggest group stays.
  c[0].netgroup = c[1].netgroup = c[2].netgroup = 7;  // ids 1..3 share a group
  victim = SelectInboundToEvict(c, NoGroupProtection());
  ASSERT_TRUE(victim.has_value());
  EXPECT_EQ(*victim, 20u);
}

TEST(EvictionTest, BiggestGroupLosesItsYoungest) {
  auto c = Idle(40);
  // Ids 25..32 (not among the oldest half) come from one group: the attacker's.
  for (size_t i = 24; i < 32; ++i) c[i].netgroup = 99;
  auto victim = SelectInboundToEvict(c, NoGroupProtection());
  ASSERT_TRUE(victim.has_value());
  EXPECT_EQ(*victim, 32u);  // the youngest of the group, though 33..40 are younger
}

TEST(EvictionTest, BlockAndTxRelayersAndFastPeersAreProtected) {
  auto c = Idle(64);
  c[63].last_block_ms = 5'000;  // the youngest gave us a block
  c[62].last_tx_ms = 6'000;     // the next one a tx
  for (size_t i = 50; i < 58; ++i) c[i].min_ping_ms = 10;  // 8 quick ones
  c[58].min_ping_ms = 500;                                  // a slow one: not among the 8
  auto victim = SelectInboundToEvict(c, NoGroupProtection());
  ASSERT_TRUE(victim.has_value());
  EXPECT_EQ(*victim, 62u);  // neither relayed, nor among the 8 fastest
  c[61].min_ping_ms = 1;    // now the fastest: 62 is protected, one of the 10 ms ones is not
  victim = SelectInboundToEvict(c, NoGroupProtection());
  ASSERT_TRUE(victim.has_value());
  EXPECT_EQ(*victim, 61u);  // id 59's 500 ms is not enough
}

TEST(EvictionTest, DistinctGroupsAreProtected) {
  // 60 peers of one group and 4 lone ones (the youngest): the lone ones keep a slot by
  // diversity, and the big group loses its youngest.
  auto c = Idle(64);
  for (size_t i = 0; i < 60; ++i) c[i].netgroup = 5;
  auto victim = SelectInboundToEvict(c);
  ASSERT_TRUE(victim.has_value());
  EXPECT_EQ(*victim, 60u);
  // Without that protection the youngest of all would go: the biggest group counts only
  // among the unprotected, and each lone one is a group of one (60 vs 1, 60 wins).
  EXPECT_EQ(*SelectInboundToEvict(c, NoGroupProtection()), 60u);
  // A 61st member of the big group, younger than everyone: it goes.
  EvictionCandidate late;
  late.id = 65;
  late.connected_ms = 100'000;
  late.netgroup = 5;
  c.push_back(late);
  EXPECT_EQ(*SelectInboundToEvict(c), 65u);
}

TEST(EvictionTest, SixtyFourIdleSameGroupPeersStillMakeRoom) {
  // The loopback attack: one group, nobody relayed anything, nobody answers pings.
  auto c = Idle(64);
  for (auto& e : c) e.netgroup = 1;
  c[10].last_block_ms = 1;  // an honest old peer that relayed a block long ago
  auto victim = SelectInboundToEvict(c);
  ASSERT_TRUE(victim.has_value());
  EXPECT_EQ(*victim, 64u);
  EXPECT_NE(*victim, 11u);
}

}  // namespace
}  // namespace waybill::p2p
