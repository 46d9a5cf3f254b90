// Miner hash rate against the SHA-256 bound.
//
//   bench_miner [--hashes N] [--reps R] [--threads T]
//
// miner: node::SearchNonce over a header whose target nothing meets (target 1), so every
//        hash is computed and compared, as in the miner's threads; one thread.
// kernels: the midstate kernel alone at each interleave width (chain::HeaderHasher::HashRun
//        with 2, 4 and 8 nonces: the second header block and the outer hash of each), in a
//        tight loop without target checks or bookkeeping; one thread.
// bound: the fastest of those kernels in this run.
// Each figure is the best of R runs (the machine is shared; the best run is the one least
// disturbed). Also printed: the portable kernel, and SearchNonce on T threads at once
// against T x bound.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include "chain/block.h"
#include "chain/sha256_midstate.h"
#include "node/mining/miner.h"

namespace {

using waybill::chain::BlockHeader;
using waybill::chain::HeaderHasher;
using waybill::chain::Sha256Impl;
using waybill::chain::Sha256Words;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

BlockHeader ImpossibleHeader() {
  BlockHeader h;
  h.prev.bytes.fill(0x5a);
  h.merkle_root.bytes.fill(0xa5);
  h.miner.bytes.fill(0x3c);
  h.time = 1'763'800'000;
  h.bits = 0x03000001;  // target 1
  return h;
}

// Hashes per second of SearchNonce over `hashes` nonces from start.
double MinerRate(const BlockHeader& header, uint64_t start, uint64_t hashes) {
  const auto t0 = Clock::now();
  uint64_t done = 0;
  if (waybill::node::SearchNonce(header, start, hashes, &done)) {
    std::fprintf(stderr, "unexpected solution\n");
    std::exit(1);
  }
  return static_cast<double>(done) / Seconds(t0);
}

// Hashes per second of the bare kernel, `width` nonces per call.
double KernelRate(const HeaderHasher& hasher, int width, uint64_t hashes, uint32_t* sink) {
  Sha256Words w[HeaderHasher::kMaxWidth];
  uint32_t acc = 0;
  const auto t0 = Clock::now();
  for (uint64_t n = 0; n < hashes; n += static_cast<uint64_t>(width)) {
    hasher.HashRun(width, n, w);
    for (int i = 0; i < width; ++i) acc ^= w[i][0];
  }
  const double s = Seconds(t0);
  *sink ^= acc;
  return static_cast<double>(hashes) / s;
}

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double Best(const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); }
double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// "RATIO name value goal >=goal met|NOT met" (docs/BENCHMARKS.md, bench/run_all.sh).
void PrintRatio(const char* name, double value, double goal) {
  std::printf("RATIO %s %.3f goal >=%g %s\n", name, value, goal,
              value >= goal ? "met" : "NOT met");
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t hashes = uint64_t{1} << 24;
  int reps = 7;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const uint64_t value = std::strtoull(argv[i + 1], nullptr, 10);
    if (flag == "--hashes") {
      hashes = std::max<uint64_t>(8, value & ~uint64_t{7});
    } else if (flag == "--reps") {
      reps = static_cast<int>(std::max<uint64_t>(1, value));
    } else if (flag == "--threads") {
      threads = static_cast<int>(std::clamp<uint64_t>(value, 1, 256));
    } else {
      std::fprintf(stderr, "usage: bench_miner [--hashes N] [--reps R] [--threads T]\n");
      return 2;
    }
  }

  const BlockHeader header = ImpossibleHeader();
  const auto bytes = header.Serialize();
  const HeaderHasher best(bytes);
  const HeaderHasher portable(bytes, Sha256Impl::kPortable);
  uint32_t sink = 0;

  std::printf("bench_miner: %llu hashes per run, best of %d runs, kernel %s\n",
              static_cast<unsigned long long>(hashes), reps,
              waybill::chain::Sha256ImplName(best.impl()));

  // Interleaved, so that all see the same share of whatever else the machine is doing.
  constexpr int kWidths[] = {2, 4, 8};
  std::vector<double> miner;
  std::vector<std::vector<double>> kernel(std::size(kWidths));
  for (int r = 0; r < reps; ++r) {
    miner.push_back(MinerRate(header, static_cast<uint64_t>(r) * hashes, hashes));
    for (size_t k = 0; k < std::size(kWidths); ++k) {
      kernel[k].push_back(KernelRate(best, kWidths[k], hashes, &sink));
    }
  }
  const double portable_rate = KernelRate(portable, 1, hashes / 8, &sink);
  size_t fastest = 0;
  for (size_t k = 1; k < std::size(kWidths); ++k) {
    if (Best(kernel[k]) > Best(kernel[fastest])) fastest = k;
  }
  const std::vector<double>& bound = kernel[fastest];

  // All threads at once (the Miner's layout: thread i from i << 56). Each thread's CPU time
  // too: on a shared machine the wall-clock total is bounded by the cores the neighbours
  // leave, while hashes per CPU-second show whether the threads slow each other down.
  std::vector<double> per_thread(threads), cpu_seconds(threads);
  {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        const double cpu0 = ThreadCpuSeconds();
        per_thread[t] = MinerRate(header, static_cast<uint64_t>(t) << 56, hashes);
        cpu_seconds[t] = ThreadCpuSeconds() - cpu0;
      });
    }
    for (auto& th : pool) th.join();
  }
  double total = 0, cpu_total = 0;
  for (int t = 0; t < threads; ++t) {
    total += per_thread[t];
    cpu_total += cpu_seconds[t];
  }
  const double per_cpu_second = static_cast<double>(hashes) * threads / cpu_total;

  for (size_t k = 0; k < std::size(kWidths); ++k) {
    std::printf("kernel %d-way (1 thread):         best %8.2f MH/s   median %8.2f MH/s%s\n",
                kWidths[k], Best(kernel[k]) / 1e6, Median(kernel[k]) / 1e6,
                k == fastest ? "   <- bound" : "");
  }
  std::printf("miner (SearchNonce %d-way, 1 thread): best %8.2f MH/s   median %8.2f MH/s\n",
              best.FastestWidth(), Best(miner) / 1e6, Median(miner) / 1e6);
  std::printf("ratio miner/bound:               best %8.3f        median %8.3f   (goal >= 0.9)\n",
              Best(miner) / Best(bound), Median(miner) / Median(bound));
  std::printf("portable kernel (1 thread):           %8.2f MH/s\n", portable_rate / 1e6);
  std::printf(
      "miner on %d threads at once:          %8.2f MH/s total, %.3f of %d x bound"
      " (goal >= 0.9)\n",
      threads, total / 1e6, total / (threads * Best(bound)), threads);
  std::printf("  per CPU-second of those threads:    %8.2f MH/s, %.3f of bound\n",
              per_cpu_second / 1e6, per_cpu_second / Best(bound));
  std::printf("(sink %08x)\n", sink);
  // Last, in the form bench/run_all.sh collects (one line per goal of issue 14).
  PrintRatio("miner_1thread_vs_kernel", Best(miner) / Best(bound), 0.9);
  PrintRatio("miner_all_threads_vs_cores_kernel", total / (threads * Best(bound)), 0.9);
  return 0;
}
