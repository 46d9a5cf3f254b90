// The measurements of overlay_sim, per network size: block propagation, gossip redundancy,
// mempool anti-entropy after a partition heals, and eclipse by an attacker holding 10% of the
// addresses. Each prints its table rows to stdout, its curves to a CSV stream
// (nodes,series,x,y) and returns the figures its RATIO lines are made of.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "bench/overlay_sim/network.h"

namespace waybill::overlay_sim {

struct ScenarioOptions {
  size_t nodes = 1000;
  NetworkOptions net;
  // The overlay forms before anything is measured (nodes start over the first 30 s).
  int64_t warmup_ms = 60'000;
  int blocks = 5;
  int64_t block_gap_ms = 5'000;
  double churn_per_minute = 0.01;  // during block propagation and the eclipse runs
  int txs = 20;
  int partition_txs = 20;  // per side
  int64_t partition_ms = 20'000;
  int64_t eclipse_ms = 10 * 60 * 1000;
  int64_t eclipse_sample_ms = 60'000;
  int64_t eclipse_tick_ms = 1'000;
};

struct PropagationResult {
  double mean_degree = 0;
  double t50_ms = 0, t90_ms = 0, t100_ms = 0;  // means over the blocks; t100: blocks that
  int blocks_complete = 0;                     // reached every node
  int blocks = 0;
  double mean_hops = 0;
  int max_hops = 0;
};

struct GossipResult {
  double inv_per_node_per_tx = 0;
  double bodies_per_node_per_tx = 0;
  double t100_ms = -1;  // every node has every tx; -1: not within the time allowed
};

struct AntiEntropyResult {
  double converge_ms = -1;     // after the heal; -1: not within the time allowed
  double missing_at_heal = 0;  // fraction of (node, tx) pairs missing when the partition healed
};

struct EclipseResult {
  double eclipsed_fraction = 0;  // honest nodes whose every outbound peer is the attacker's
  // Of those, the ones with a full outbound set (NetworkOptions::max_outbound peers), and how
  // many honest nodes had fewer outbound peers than that (e.g. restarted by churn and still
  // connecting): a node with one outbound peer is eclipsed whenever that peer is bad.
  double eclipsed_full_fraction = 0;
  double below_full_outbound_fraction = 0;
  // Eclipsed nodes by their number of outbound peers (index = count, 0 unused).
  std::vector<size_t> eclipsed_by_outbound;
  // At the end: up to 10 of the eclipsed nodes, with their connections and books.
  std::vector<std::pair<uint32_t, NodeSummary>> eclipsed_nodes;
  double attacker_outbound_share = 0;
  double attacker_book_share = 0;  // in a sample of the honest books
  size_t peak_rss_mib = 0;
};

// Runs (a), (b) and (c) on one honest network of opts.nodes nodes.
struct HonestResult {
  PropagationResult propagation;
  GossipResult gossip;
  AntiEntropyResult anti_entropy;
  size_t rss_mib = 0;  // after the warm-up
  double wall_s = 0;
  uint64_t events = 0;
};
HonestResult RunHonest(const ScenarioOptions& opts, std::ostream& csv);

// (d): a network where 10% (opts.net.attacker_fraction) of the nodes are the attacker's.
EclipseResult RunEclipse(const ScenarioOptions& opts, bool addr_flood, std::ostream& csv);

// Resident set size of this process, current and peak, in MiB (from /proc/self/status).
size_t RssMib(bool peak);

}  // namespace waybill::overlay_sim
