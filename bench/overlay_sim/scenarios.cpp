#include "bench/overlay_sim/scenarios.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

namespace waybill::overlay_sim {

namespace {

constexpr int64_t kBinMs = 50;               // block propagation curve resolution
constexpr int64_t kBlockTimeoutMs = 60'000;  // a block not everywhere by then counts as lost
constexpr int64_t kTxTimeoutMs = 120'000;
constexpr int64_t kAntiEntropyTimeoutMs = 300'000;
constexpr int64_t kAntiEntropyStepMs = 200;

std::vector<uint32_t> AliveHonest(const Network& net) {
  std::vector<uint32_t> out;
  for (uint32_t i = 0; i < net.size(); ++i) {
    if (net.alive(i) && !net.attacker(i)) out.push_back(i);
  }
  return out;
}

// The time by which a fraction p of n nodes had it, from sorted arrival times; -1 if fewer.
double Quantile(const std::vector<double>& sorted, size_t n, double p) {
  const auto need = static_cast<size_t>(std::ceil(p * static_cast<double>(n)));
  if (need == 0) return 0;
  return sorted.size() >= need ? sorted[need - 1] : -1;
}

PropagationResult MeasurePropagation(Network& net, const ScenarioOptions& opts, std::ostream& csv) {
  PropagationResult r;
  const std::vector<uint32_t> start = AliveHonest(net);
  for (uint32_t i : start) r.mean_degree += static_cast<double>(net.ConnectionCount(i));
  r.mean_degree /= static_cast<double>(start.size());

  net.SetChurn(opts.churn_per_minute);
  std::vector<double> curve(kBlockTimeoutMs / kBinMs + 1, 0);
  std::map<int, size_t> hop_counts;
  double hop_sum = 0;
  size_t hop_count = 0;
  for (int b = 0; b < opts.blocks; ++b) {
    const uint32_t miner = net.RandomHonest();
    const std::vector<uint32_t> alive = AliveHonest(net);
    const int64_t mined_us = net.now_us();
    const uint32_t block = net.MineBlock(miner);
    // Run until every node that was there when it was mined has it (or the timeout).
    for (int64_t t = 0; t < kBlockTimeoutMs; t += kBinMs) {
      bool all = true;
      for (uint32_t i : alive) all = all && (!net.alive(i) || net.HasBlock(i, block));
      if (all) break;
      net.RunFor(kBinMs);
    }
    // Nodes there from the mining to now: the ones it must reach.
    std::vector<double> times;
    size_t eligible = 0;
    for (uint32_t i : alive) {
      if (!net.alive(i)) continue;
      ++eligible;
      const int64_t at = net.ConnectedAtUs(block, i);
      if (at < 0) continue;
      times.push_back(static_cast<double>(at - mined_us) / 1000);
      const int hops = net.Hops(block, i);
      hop_sum += hops;
      ++hop_count;
      ++hop_counts[hops];
      r.max_hops = std::max(r.max_hops, hops);
    }
    std::sort(times.begin(), times.end());
    const double t100 = Quantile(times, eligible, 1.0);
    r.t50_ms += Quantile(times, eligible, 0.5) / opts.blocks;
    r.t90_ms += Quantile(times, eligible, 0.9) / opts.blocks;
    if (t100 >= 0) {
      r.t100_ms += t100;
      ++r.blocks_complete;
    }
    for (size_t k = 0; k < curve.size(); ++k) {
      const double t = static_cast<double>(k * kBinMs);
      const auto reached = std::upper_bound(times.begin(), times.end(), t) - times.begin();
      curve[k] += static_cast<double>(reached) / static_cast<double>(eligible) / opts.blocks;
    }
    std::printf("  block %d: miner %u, %zu/%zu nodes, t50 %.0f ms t90 %.0f ms t100 %.0f ms\n", b,
                miner, times.size(), eligible, Quantile(times, eligible, 0.5),
                Quantile(times, eligible, 0.9), t100);
    net.RunFor(opts.block_gap_ms);
  }
  net.SetChurn(0);
  r.blocks = opts.blocks;
  if (r.blocks_complete) r.t100_ms /= r.blocks_complete;
  r.mean_hops = hop_count ? hop_sum / static_cast<double>(hop_count) : 0;
  size_t last = curve.size();
  while (last > 1 && curve[last - 2] >= 1.0 - 1e-12) --last;  // trim the flat tail
  for (size_t k = 0; k < last; ++k) {
    csv << opts.nodes << ",block_cdf," << k * kBinMs << "," << curve[k] << "\n";
  }
  for (const auto& [hops, count] : hop_counts) {
    csv << opts.nodes << ",block_hops," << hops << ","
        << static_cast<double>(count) / static_cast<double>(hop_count) << "\n";
  }
  return r;
}

GossipResult MeasureGossip(Network& net, const ScenarioOptions& opts) {
  GossipResult r;
  std::vector<uint32_t> txs;
  const int64_t start_ms = net.now_ms();
  for (int k = 0; k < opts.txs; ++k) {
    // Tracked before submission, so the counters see every copy.
    txs.push_back(static_cast<uint32_t>(net.world().tx_count()));
    net.TrackTxs(txs);
    if (k == 0) net.ResetCounters();
    net.SubmitTx(net.RandomHonest());
  }
  const std::vector<uint32_t> alive = AliveHonest(net);
  for (int64_t t = 0; t < kTxTimeoutMs; t += 100) {
    bool all = true;
    for (uint32_t i : alive) {
      for (uint32_t tx : txs) all = all && net.HasTx(i, tx);
      if (!all) break;
    }
    if (all) {
      r.t100_ms = static_cast<double>(net.now_ms() - start_ms);
      break;
    }
    net.RunFor(100);
  }
  net.RunFor(1'000);  // announcements still queued are counted too
  uint64_t inv = 0, bodies = 0;
  for (uint32_t i : alive) {
    inv += net.counters(i).inv_tx_items;
    bodies += net.counters(i).tx_bodies;
  }
  const double pairs = static_cast<double>(alive.size()) * opts.txs;
  r.inv_per_node_per_tx = static_cast<double>(inv) / pairs;
  r.bodies_per_node_per_tx = static_cast<double>(bodies) / pairs;
  return r;
}

AntiEntropyResult MeasureAntiEntropy(Network& net, const ScenarioOptions& opts, std::ostream& csv) {
  AntiEntropyResult r;
  std::vector<uint8_t> side(net.size());
  for (auto& s : side) s = static_cast<uint8_t>(net.rng()() & 1);
  net.Partition(side);
  std::vector<uint32_t> txs;
  for (int s = 0; s < 2; ++s) {
    for (int k = 0; k < opts.partition_txs; ++k) {
      uint32_t at = net.RandomHonest();
      while (side[at] != s) at = net.RandomHonest();
      txs.push_back(net.SubmitTx(at));
    }
  }
  net.RunFor(opts.partition_ms);
  net.Heal();
  const std::vector<uint32_t> alive = AliveHonest(net);
  const double pairs = static_cast<double>(alive.size() * txs.size());
  for (int64_t t = 0; t <= kAntiEntropyTimeoutMs; t += kAntiEntropyStepMs) {
    size_t have = 0;
    for (uint32_t i : alive) {
      for (uint32_t tx : txs) have += net.HasTx(i, tx);
    }
    const double share = static_cast<double>(have) / pairs;
    if (t == 0) r.missing_at_heal = 1 - share;
    csv << opts.nodes << ",antientropy," << static_cast<double>(t) / 1000 << "," << share << "\n";
    if (have == alive.size() * txs.size()) {
      r.converge_ms = static_cast<double>(t);
      break;
    }
    net.RunFor(kAntiEntropyStepMs);
  }
  return r;
}

}  // namespace

size_t RssMib(bool peak) {
  std::ifstream status("/proc/self/status");
  std::string line;
  const std::string key = peak ? "VmHWM:" : "VmRSS:";
  while (std::getline(status, line)) {
    if (line.rfind(key, 0) == 0) {
      std::istringstream in(line.substr(key.size()));
      size_t kib = 0;
      in >> kib;
      return kib / 1024;
    }
  }
  return 0;
}

HonestResult RunHonest(const ScenarioOptions& opts, std::ostream& csv) {
  const auto wall = std::chrono::steady_clock::now();
  HonestResult r;
  NetworkOptions net_options = opts.net;
  net_options.attacker_fraction = 0;
  Network net(net_options, opts.nodes);
  net.Start();
  // In steps, printed: the warm-up is most of a large run's time (every node's
  // self-announcement crosses the whole overlay), so a long run shows how far it got.
  constexpr int64_t kWarmupStepMs = 10'000;
  for (int64_t t = 0; t < opts.warmup_ms; t += kWarmupStepMs) {
    net.RunFor(std::min(kWarmupStepMs, opts.warmup_ms - t));
    std::printf("  warm-up %lld s: %llu events, RSS %zu MiB, %.0f s wall\n",
                static_cast<long long>(net.now_ms() / 1000),
                static_cast<unsigned long long>(net.queue().executed()), RssMib(false),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - wall).count());
  }
  r.rss_mib = RssMib(false);
  std::printf("%zu nodes: overlay formed in %lld ms simulated, RSS %zu MiB\n", opts.nodes,
              static_cast<long long>(opts.warmup_ms), r.rss_mib);
  r.propagation = MeasurePropagation(net, opts, csv);
  r.gossip = MeasureGossip(net, opts);
  r.anti_entropy = MeasureAntiEntropy(net, opts, csv);
  r.events = net.queue().executed();
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall).count();
  return r;
}

EclipseResult RunEclipse(const ScenarioOptions& opts, bool addr_flood, std::ostream& csv) {
  EclipseResult r;
  NetworkOptions net_options = opts.net;
  net_options.attacker_addr_flood = addr_flood;
  // Only connections matter here: the peer logic's timers (handshake 10 s, ping 30 s, idle
  // 90 s) need no finer tick, and a coarse one makes long runs affordable.
  net_options.tick_ms = std::max<int64_t>(net_options.tick_ms, opts.eclipse_tick_ms);
  Network net(net_options, opts.nodes);
  net.Start();
  net.RunFor(opts.warmup_ms);
  net.SetChurn(opts.churn_per_minute);
  const std::string series = addr_flood ? "eclipse_flood" : "eclipse_books";
  auto measure = [&] {
    const size_t full = net_options.max_outbound;
    size_t eclipsed = 0, eclipsed_full = 0, below_full = 0, honest = 0, outbound = 0,
           attacker_outbound = 0;
    r.eclipsed_by_outbound.assign(full + 1, 0);
    r.eclipsed_nodes.clear();
    for (uint32_t i : AliveHonest(net)) {
      const std::vector<uint32_t> peers = net.OutboundPeers(i);
      size_t bad = 0;
      for (uint32_t p : peers) bad += net.attacker(p);
      ++honest;
      below_full += peers.size() < full;
      if (!peers.empty() && bad == peers.size()) {
        ++eclipsed;
        eclipsed_full += peers.size() >= full;
        ++r.eclipsed_by_outbound[std::min(peers.size(), full)];
        if (r.eclipsed_nodes.size() < 10) r.eclipsed_nodes.emplace_back(i, net.Summary(i));
      }
      outbound += peers.size();
      attacker_outbound += bad;
    }
    const auto share = [&](size_t count) {
      return static_cast<double>(count) / static_cast<double>(honest);
    };
    r.eclipsed_fraction = share(eclipsed);
    r.eclipsed_full_fraction = share(eclipsed_full);
    r.below_full_outbound_fraction = share(below_full);
    r.attacker_outbound_share =
        outbound ? static_cast<double>(attacker_outbound) / static_cast<double>(outbound) : 0;
  };
  for (int64_t t = 0; t <= opts.eclipse_ms; t += opts.eclipse_sample_ms) {
    if (t > 0) net.RunFor(opts.eclipse_sample_ms);
    measure();
    csv << opts.nodes << "," << series << "," << t / 1000 << "," << r.eclipsed_fraction << "\n";
    csv << opts.nodes << "," << series << "_outbound_share," << t / 1000 << ","
        << r.attacker_outbound_share << "\n";
  }
  // The books of up to 200 honest nodes.
  size_t entries = 0, attacker_entries = 0;
  const std::vector<uint32_t> honest = AliveHonest(net);
  for (size_t k = 0; k < honest.size() && k < 200; ++k) {
    const uint32_t i = honest[k * honest.size() / std::min<size_t>(honest.size(), 200)];
    for (const p2p::AddrInfo& info : net.Book(i).All()) {
      ++entries;
      attacker_entries += net.IsAttackerAddress(info.addr);
    }
  }
  r.attacker_book_share =
      entries ? static_cast<double>(attacker_entries) / static_cast<double>(entries) : 0;
  r.peak_rss_mib = RssMib(true);
  return r;
}

}  // namespace waybill::overlay_sim
