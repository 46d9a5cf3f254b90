// Logging for the node. Libraries log through the LogSink interface and are silent unless
// given one; the Node owns the one Logger and decides where lines go (stderr and
// <datadir>/debug.log). There is no global logger: pass a LogSink& or LogSink* to whoever
// needs one.
//
// A line reads: 2026-11-22T05:10:11.123Z [info] message
//          or: 2026-11-22T05:10:11.123Z [warn] [rpc] message   (with a category)
// Control characters in a message are escaped (\xNN), so a message cannot forge a line.
// Nothing a peer controls should reach a sink without a rate limit (see TokenBucket).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "chain/status.h"

namespace waybill::node {

enum class LogLevel { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3, kTrace = 4 };

// "error", "warn", "info", "debug", "trace".
std::string_view LogLevelName(LogLevel level);
// Accepts the names above (and "warning"); nullopt otherwise.
std::optional<LogLevel> ParseLogLevel(std::string_view name);

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

// Formats one line (with the trailing newline). Pure: exposed for tests.
std::string FormatLogLine(std::chrono::system_clock::time_point time, LogLevel level,
                          std::string_view category, std::string_view message);

struct LoggerOptions {
  LogLevel level = LogLevel::kInfo;
  bool print_to_console = true;  // stderr
  std::string file_path;         // appended to (created 0600); empty: no file
};

// The node's logger. Thread-safe: a line is written whole to each destination under one
// mutex, so lines from different threads never interleave.
class Logger final : public LogSink {
 public:
  // Opens (creates) the log file for appending. IoError if it cannot be opened.
  static chain::Result<std::unique_ptr<Logger>> Open(const LoggerOptions& options);
  ~Logger() override;
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  bool Enabled(LogLevel level) const override {
    return static_cast<int>(level) <= level_.load(std::memory_order_relaxed);
  }
  void Log(LogLevel level, std::string_view category, std::string_view message) override;

  void SetLevel(LogLevel level) { level_.store(static_cast<int>(level)); }
  LogLevel level() const { return static_cast<LogLevel>(level_.load()); }

 private:
  Logger(const LoggerOptions& options, int fd);

  // Fixed after construction.
  const bool print_to_console_;
  const int fd_;  // -1: no file

  std::atomic<int> level_;
  std::mutex mu_;  // serializes writes, so lines stay whole
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

}  // namespace waybill::node
