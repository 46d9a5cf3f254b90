// The logging interface libraries log through, and a rate limiter for messages whose
// frequency someone else controls. Libraries are silent unless given a LogSink; node/ owns
// the one implementation (node/logging.h) and decides where lines go. Nothing here writes
// anywhere.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string_view>

namespace waybill::chain {

enum class LogLevel { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3, kTrace = 4 };

// Where log lines go. Implementations are thread-safe.
class LogSink {
 public:
  virtual ~LogSink() = default;
  // False when a message of this level would be dropped: lets a caller skip building it.
  virtual bool Enabled(LogLevel level) const = 0;
  // category may be empty.
  virtual void Log(LogLevel level, std::string_view category, std::string_view message) = 0;

  void Error(std::string_view msg) { Log(LogLevel::kError, {}, msg); }
  void Warn(std::string_view msg) { Log(LogLevel::kWarn, {}, msg); }
  void Info(std::string_view msg) { Log(LogLevel::kInfo, {}, msg); }
  void Debug(std::string_view msg) { Log(LogLevel::kDebug, {}, msg); }
  void Trace(std::string_view msg) { Log(LogLevel::kTrace, {}, msg); }
};

// A token bucket for rate-limiting messages whose frequency someone else controls (a peer, an
// RPC client): up to `burst` events at once, refilled at `per_second` events per second.
// Integer arithmetic in millitokens. Thread-safe.
class TokenBucket {
 public:
  TokenBucket(uint32_t per_second, uint32_t burst);
  // Takes one token if there is one. `now` is injectable for tests.
  bool Allow(std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());
  // Returns the number of refused events since the last call and resets it: lets the caller
  // log "N messages suppressed" once it may log again.
  uint64_t TakeSuppressed();

 private:
  // Fixed after construction.
  const int64_t rate_milli_per_sec_;
  const int64_t capacity_milli_;

  std::mutex mu_;
  // Guarded by mu_.
  int64_t tokens_milli_;
  std::optional<std::chrono::steady_clock::time_point> last_;  // of the last refill
  uint64_t suppressed_ = 0;
};

}  // namespace waybill::chain
