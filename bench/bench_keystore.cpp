// How long unlocking a wallet takes (wallet::UnlockSeed: scrypt, the check value, AES-256-GCM
// and the check of the seed against the account xpub) with DefaultScryptParams() and with N/2
// and 2N. The default is chosen so that unlocking takes 0.2-1 s on the reference machine
// (docs/BENCHMARKS.md, "Wallet keystore"); each run reports its time as "window_ratio", the
// time divided by the window's ends (in the window: low >= 1 and high <= 1).
//
//   bench_keystore [--benchmark_repetitions=N] [Google Benchmark flags]
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "chain/types.h"
#include "wallet/keystore.h"
#include "wallet/secret.h"
#include "wallet/wallet_file.h"

namespace {

namespace wallet = waybill::wallet;

void BM_UnlockSeed(benchmark::State& state) {
  wallet::ScryptParams params = wallet::DefaultScryptParams();
  const int64_t shift = state.range(0);  // -1: N/2, 0: the default, 1: 2N
  params.n = shift < 0 ? params.n >> 1 : params.n << shift;
  waybill::chain::Bytes seed(64, 0x5a);
  auto file = wallet::NewWalletFile("bench", seed, wallet::SecretString(std::string("pw")), params);
  if (!file.ok()) {
    state.SkipWithError(file.status().reason().c_str());
    return;
  }
  const wallet::SecretString pass(std::string("pw"));
  double seconds = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    wallet::OpenResult r = wallet::UnlockSeed(*file, pass);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!r.ok()) {
      state.SkipWithError(r.reason.c_str());
      return;
    }
    benchmark::DoNotOptimize(r.secret.data());
  }
  const double per_unlock = seconds / static_cast<double>(state.iterations());
  state.counters["N"] = static_cast<double>(params.n);
  state.counters["r"] = params.r;
  state.counters["MiB"] = static_cast<double>(128 * params.n * params.r) / (1 << 20);
  // Seconds per unlock against the window's ends, 0.2 s and 1 s.
  state.counters["low_ratio"] = per_unlock / 0.2;
  state.counters["high_ratio"] = per_unlock / 1.0;
}
BENCHMARK(BM_UnlockSeed)
    ->Arg(-1)
    ->Arg(0)
    ->Arg(1)
    ->ArgName("log2_of_N_over_default")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(5);

}  // namespace

BENCHMARK_MAIN();
