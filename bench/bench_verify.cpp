// The signature bound for the P2P benchmarks (bench/p2p_bench.py): BIP-340 verifications per
// second of distinct signatures, on one core and on every core at once.
//
//   bench_verify [--sigs N] [--seconds S]
//
// Prints "verify_1core <per second>" and "verify_allcores <per second> threads <T>".
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "chain/hash.h"
#include "chain/schnorr.h"

namespace {

namespace chain = waybill::chain;
using Clock = std::chrono::steady_clock;

struct Item {
  chain::AccountId key;
  chain::Hash256 msg;
  chain::Signature sig;
};

// Verifies items round-robin until `seconds` pass; returns verifications done.
uint64_t Run(const std::vector<Item>& items, size_t offset, double seconds) {
  uint64_t done = 0;
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  size_t i = offset;
  while (Clock::now() < end) {
    for (int k = 0; k < 64; ++k) {
      const Item& it = items[i++ % items.size()];
      if (!chain::VerifySchnorr(it.key, it.msg.span(), it.sig)) std::abort();
      ++done;
    }
  }
  return done;
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = 2000;
  double seconds = 2.0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--sigs") == 0) n = std::strtoul(argv[i + 1], nullptr, 10);
    if (std::strcmp(argv[i], "--seconds") == 0) seconds = std::strtod(argv[i + 1], nullptr);
  }
  if (n == 0 || seconds <= 0) {
    std::fprintf(stderr, "usage: bench_verify [--sigs N] [--seconds S]\n");
    return 1;
  }
  std::vector<Item> items;
  items.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    chain::SecretKey key = chain::SecretKey::Generate();
    Item it;
    it.key = key.PublicKey();
    uint8_t index[8];
    std::memcpy(index, &i, sizeof(index));
    it.msg = chain::Sha256Hash(chain::ByteSpan(index, sizeof(index)));
    it.sig = key.Sign(it.msg.span());
    items.push_back(it);
  }
  const uint64_t one = Run(items, 0, seconds);
  std::printf("verify_1core %.0f\n", one / seconds);

  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::atomic<uint64_t> total{0};
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] { total += Run(items, t * (n / threads), seconds); });
  }
  for (auto& th : pool) th.join();
  std::printf("verify_allcores %.0f threads %u\n", total.load() / seconds, threads);
  return 0;
}
