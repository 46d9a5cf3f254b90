#include "chain/log.h"

#include <algorithm>

namespace waybill::chain {

TokenBucket::TokenBucket(uint32_t per_second, uint32_t burst)
    : rate_milli_per_sec_(int64_t{per_second} * 1000),
      capacity_milli_(int64_t{std::max<uint32_t>(burst, 1)} * 1000),
      tokens_milli_(capacity_milli_) {}

bool TokenBucket::Allow(std::chrono::steady_clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  // The clock starts at the first call, so a caller's injected times are all it sees.
  if (!last_) last_ = now;
  if (now > *last_) {
    int64_t elapsed_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(now - *last_).count();
    // Cap elapsed time first so the product cannot overflow after a long idle period.
    elapsed_ms = std::min<int64_t>(elapsed_ms, 1'000'000'000);
    int64_t refill = elapsed_ms * rate_milli_per_sec_ / 1000;
    if (refill > 0) {
      tokens_milli_ = std::min(capacity_milli_, tokens_milli_ + refill);
      last_ = now;
    }
  }
  if (tokens_milli_ >= 1000) {
    tokens_milli_ -= 1000;
    return true;
  }
  ++suppressed_;
  return false;
}

uint64_t TokenBucket::TakeSuppressed() {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t n = suppressed_;
  suppressed_ = 0;
  return n;
}

}  // namespace waybill::chain
