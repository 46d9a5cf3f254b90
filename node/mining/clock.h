// The node's clock: system time, or a fixed mock time (setmocktime, regtest only).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace waybill::node {

class NodeClock {
 public:
  // Seconds since the Unix epoch.
  int64_t Now() const {
    int64_t mock = mock_.load(std::memory_order_relaxed);
    if (mock != 0) return mock;
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  // 0 returns to the system clock.
  void SetMockTime(int64_t t) { mock_.store(t, std::memory_order_relaxed); }
  int64_t MockTime() const { return mock_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> mock_{0};
};

}  // namespace waybill::node
