// overlay_sim: 1,000 to 10,000 nodes running the real peer logic and address book over a
// simulated network in one process (README.md). Prints a table per network size, the RATIO
// lines of issue 14's overlay goals last, and writes the curves to a CSV for
// scripts/plot_overlay.py.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "bench/overlay_sim/scenarios.h"

namespace os = waybill::overlay_sim;

namespace {

constexpr double kSyncIntervalMs = 30'000;  // PeerManagerOptions::mempool_sync_interval_ms

struct Ratio {
  std::string name;
  double value;
  std::string op;
  double goal;
};

void Usage() {
  std::printf(
      "usage: overlay_sim [--quick | --full] [--nodes N[,N...]] [--seed S] [--csv PATH]\n"
      "  [--latency-ms MS] [--latency-sigma S] [--uplink-mbit M] [--loss P] [--churn F]\n"
      "  [--block-bytes B] [--validate-ms MS] [--tick-ms MS] [--blocks K] [--txs K]\n"
      "  [--mempool-sync-ms MS (0: no anti-entropy)] [--warmup-s S] [--eclipse-minutes M]\n"
      "  [--no-eclipse | --eclipse-only]\n"
      "Default: --quick on 1,000 nodes. --full: 1,000, 2,000, 5,000 and 10,000 nodes, more\n"
      "blocks and a 10-minute eclipse run. The CSV (default overlay_sim.csv) holds the curves\n"
      "(nodes,series,x,y) that scripts/plot_overlay.py draws.\n");
}

std::vector<size_t> ParseSizes(const std::string& text) {
  std::vector<size_t> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(std::stoul(item));
  return out;
}

// (a), (b) and (c) on an honest network of opts.nodes nodes: the table rows and the ratios.
void RunHonestAndReport(const os::ScenarioOptions& opts, std::ostream& csv,
                        const std::string& suffix, std::vector<Ratio>* ratios,
                        bool* every_block_everywhere) {
  const size_t n = opts.nodes;
  const os::HonestResult h = os::RunHonest(opts, csv);
  const os::PropagationResult& p = h.propagation;
  *every_block_everywhere = *every_block_everywhere && p.blocks_complete == p.blocks;
  // Flooding over a random graph of mean degree d reaches everyone in about log_{d-1} N
  // hops; each hop costs a header announcement, a getdata and the block (3 latencies), the
  // block's transmission and its validation.
  const double log_n = std::log(static_cast<double>(n)) / std::log(p.mean_degree - 1);
  // The diameter of a random d-regular graph (Bollobas and de la Vega, 1982).
  const double diameter =
      log_n + std::log(std::log(static_cast<double>(n))) / std::log(p.mean_degree - 1);
  const double hop_ms =
      3 * opts.net.latency_median_ms +
      static_cast<double>(opts.net.block_bytes) * 8 / (opts.net.uplink_mbit * 1000) +
      static_cast<double>(opts.net.validate_ms);
  std::printf(
      "%zu nodes: mean degree %.1f; block propagation over %d blocks: t50 %.0f ms, t90 %.0f "
      "ms, t100 %.0f ms (%d/%d blocks reached every node); hops mean %.2f, max %d; "
      "expected: mean log_(d-1) N = %.2f hops, max (diameter) %.2f hops, t100 %.0f ms at %.0f "
      "ms per hop\n",
      n, p.mean_degree, p.blocks, p.t50_ms, p.t90_ms, p.t100_ms, p.blocks_complete, p.blocks,
      p.mean_hops, p.max_hops, log_n, diameter, diameter * hop_ms, hop_ms);
  std::printf(
      "%zu nodes: tx gossip: %.2f announcements and %.3f bodies received per node per tx "
      "(mean degree %.1f), every mempool in %.0f ms\n",
      n, h.gossip.inv_per_node_per_tx, h.gossip.bodies_per_node_per_tx, p.mean_degree,
      h.gossip.t100_ms);
  char converged[64] = "not complete within 300 s";
  if (h.anti_entropy.converge_ms >= 0) {
    std::snprintf(converged, sizeof(converged), "every mempool complete %.1f s after it",
                  h.anti_entropy.converge_ms / 1000);
  }
  std::printf(
      "%zu nodes: anti-entropy: %.1f%% of (node, tx) pairs missing at the heal, %s "
      "(sync interval %.0f s)\n",
      n, 100 * h.anti_entropy.missing_at_heal, converged,
      static_cast<double>(opts.net.mempool_sync_ms) / 1000);
  std::printf("%zu nodes: RSS %zu MiB after the warm-up, %.1f s wall, %llu events\n", n, h.rss_mib,
              h.wall_s, static_cast<unsigned long long>(h.events));
  ratios->push_back({"sim_prop100_hops_vs_logN" + suffix, p.max_hops / log_n, "<=", 2});
  ratios->push_back(
      {"sim_tx_bodies_per_node" + suffix, h.gossip.bodies_per_node_per_tx, "<=", 1.05});
  ratios->push_back({"sim_tx_inv_per_node_vs_degree" + suffix,
                     h.gossip.inv_per_node_per_tx / p.mean_degree, "<=", 1});
  // Not converged within the time allowed: the ratio shows that time, and fails.
  const double converge =
      h.anti_entropy.converge_ms < 0 ? 300'000 + kSyncIntervalMs : h.anti_entropy.converge_ms;
  ratios->push_back(
      {"sim_antientropy_vs_sync_interval" + suffix,
       converge / static_cast<double>(opts.net.mempool_sync_ms > 0 ? opts.net.mempool_sync_ms
                                                                   : kSyncIntervalMs),
       "<=", 2});
}

}  // namespace

int main(int argc, char** argv) {
  os::ScenarioOptions opts;
  std::vector<size_t> sizes = {1000};
  std::string csv_path = "overlay_sim.csv";
  bool eclipse = true, honest = true, full = false, sizes_given = false;
  // Quick defaults; --full raises them.
  opts.blocks = 3;
  opts.txs = 10;
  opts.partition_txs = 10;
  opts.eclipse_ms = 3 * 60 * 1000;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (size_t k = 0; k < args.size(); ++k) {
    const std::string& a = args[k];
    auto value = [&]() -> std::string {
      if (k + 1 >= args.size()) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return args[++k];
    };
    if (a == "--help" || a == "-h") {
      Usage();
      return 0;
    } else if (a == "--quick") {
      full = false;
    } else if (a == "--full") {
      full = true;
    } else if (a == "--nodes") {
      sizes = ParseSizes(value());
      sizes_given = true;
    } else if (a == "--seed") {
      opts.net.seed = std::stoull(value());
    } else if (a == "--csv") {
      csv_path = value();
    } else if (a == "--latency-ms") {
      opts.net.latency_median_ms = std::stod(value());
    } else if (a == "--latency-sigma") {
      opts.net.latency_sigma = std::stod(value());
    } else if (a == "--uplink-mbit") {
      opts.net.uplink_mbit = std::stod(value());
    } else if (a == "--loss") {
      opts.net.loss = std::stod(value());
    } else if (a == "--churn") {
      opts.churn_per_minute = std::stod(value());
    } else if (a == "--block-bytes") {
      opts.net.block_bytes = std::stoul(value());
    } else if (a == "--validate-ms") {
      opts.net.validate_ms = std::stoll(value());
    } else if (a == "--tick-ms") {
      opts.net.tick_ms = std::stoll(value());
    } else if (a == "--blocks") {
      opts.blocks = std::stoi(value());
    } else if (a == "--txs") {
      opts.txs = opts.partition_txs = std::stoi(value());
    } else if (a == "--eclipse-minutes") {
      opts.eclipse_ms = std::stoll(value()) * 60 * 1000;
    } else if (a == "--mempool-sync-ms") {
      opts.net.mempool_sync_ms = std::stoll(value());
    } else if (a == "--no-eclipse") {
      eclipse = false;
    } else if (a == "--eclipse-only") {
      honest = false;
    } else if (a == "--warmup-s") {
      opts.warmup_ms = std::stoll(value()) * 1000;
    } else {
      std::fprintf(stderr, "unknown argument %s\n", a.c_str());
      Usage();
      return 2;
    }
  }
  if (full) {
    if (!sizes_given) sizes = {1000, 2000, 5000, 10000};
    opts.blocks = std::max(opts.blocks, 5);
    opts.txs = std::max(opts.txs, 20);
    opts.partition_txs = std::max(opts.partition_txs, 20);
    opts.eclipse_ms = std::max<int64_t>(opts.eclipse_ms, 10 * 60 * 1000);
  }
  // Line by line: a long run shows its progress, and a run stopped early keeps what it printed.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::ofstream csv(csv_path);
  csv << "nodes,series,x,y\n";
  std::printf(
      "overlay_sim: seed %llu, latency lognormal median %.0f ms sigma %.2f, uplink %.0f Mbit/s, "
      "loss %.4f, block %zu bytes, validation %lld ms, tick %lld ms, churn %.3f/min\n",
      static_cast<unsigned long long>(opts.net.seed), opts.net.latency_median_ms,
      opts.net.latency_sigma, opts.net.uplink_mbit, opts.net.loss, opts.net.block_bytes,
      static_cast<long long>(opts.net.validate_ms), static_cast<long long>(opts.net.tick_ms),
      opts.churn_per_minute);

  std::vector<Ratio> ratios;
  bool every_block_everywhere = true;
  for (size_t n : sizes) {
    opts.nodes = n;
    const std::string suffix = "_" + std::to_string(n);
    if (honest) RunHonestAndReport(opts, csv, suffix, &ratios, &every_block_everywhere);
    if (eclipse) {
      opts.net.attacker_fraction = 0.1;
      for (bool flood : {false, true}) {
        const os::EclipseResult e = os::RunEclipse(opts, flood, csv);
        std::printf(
            "%zu nodes: eclipse (10%% of nodes the attacker's, %s): %.4f of honest nodes with "
            "only attacker outbound peers, attacker share of outbound %.3f, of sampled books "
            "%.3f, after %lld min; peak RSS %zu MiB\n",
            n, flood ? "addr flood" : "books only", e.eclipsed_fraction, e.attacker_outbound_share,
            e.attacker_book_share, static_cast<long long>(opts.eclipse_ms / 60'000),
            e.peak_rss_mib);
        std::string by_count;
        for (size_t k = 1; k < e.eclipsed_by_outbound.size(); ++k) {
          if (e.eclipsed_by_outbound[k] == 0) continue;
          by_count += " " + std::to_string(e.eclipsed_by_outbound[k]) + " with " +
                      std::to_string(k) + (k + 1 == e.eclipsed_by_outbound.size() ? "+" : "");
        }
        std::printf(
            "  of them with a full outbound set: %.4f; honest nodes below a full set: %.4f; "
            "eclipsed nodes by outbound count:%s\n",
            e.eclipsed_full_fraction, e.below_full_outbound_fraction,
            by_count.empty() ? " none" : by_count.c_str());
        for (const auto& [node, d] : e.eclipsed_nodes) {
          std::printf(
              "  eclipsed node %u: started %llu times; outbound %zu, inbound %zu, dialing %zu, "
              "banned %zu; book new %zu (%zu the attacker's), tried %zu (%zu the attacker's)\n",
              node, static_cast<unsigned long long>(d.starts), d.outbound, d.inbound, d.pending,
              d.banned, d.new_entries, d.new_attacker, d.tried_entries, d.tried_attacker);
        }
        ratios.push_back(
            {std::string("sim_eclipsed_fraction_10pct") + (flood ? "_flood" : "") + suffix,
             e.eclipsed_fraction, "<=", 0.01});
      }
      opts.net.attacker_fraction = 0;
    }
    csv.flush();
  }
  if (honest) {
    std::printf("CHECK every node got every block: %s\n", every_block_everywhere ? "yes" : "no");
  }
  std::printf("peak RSS %zu MiB; curves in %s\n", os::RssMib(true), csv_path.c_str());
  for (const Ratio& r : ratios) {
    const bool met = r.op == "<=" ? r.value <= r.goal : r.value >= r.goal;
    std::printf("RATIO %s %.3f goal %s%g %s\n", r.name.c_str(), r.value, r.op.c_str(), r.goal,
                met ? "met" : "NOT met");
  }
  return every_block_everywhere ? 0 : 1;
}
