// Logging for the node. Libraries log through chain::LogSink (chain/log.h) and are silent unless
// given one; the Node owns the one Logger and decides where lines go (stderr and
// <datadir>/<network>/debug.log). There is no global logger: pass a LogSink& or LogSink* to
// whoever needs one.
//
// A line reads: 2026-11-22T05:10:11.123Z [info] message
//          or: 2026-11-22T05:10:11.123Z [warn] [rpc] message   (with a category)
// Control characters in a message are escaped (\xNN), so a message cannot forge a line.
// Nothing a peer controls should reach a sink without a rate limit (see TokenBucket).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "chain/log.h"
#include "chain/status.h"

namespace waybill::node {

using chain::LogLevel;
using chain::LogSink;
using chain::TokenBucket;

// "error", "warn", "info", "debug", "trace".
std::string_view LogLevelName(LogLevel level);
// Accepts the names above (and "warning"); nullopt otherwise.
std::optional<LogLevel> ParseLogLevel(std::string_view name);

// Formats one line (with the trailing newline). Pure: exposed for tests.
std::string FormatLogLine(std::chrono::system_clock::time_point time, LogLevel level,
                          std::string_view category, std::string_view message);

struct LoggerOptions {
  LogLevel level = LogLevel::kInfo;
  bool print_to_console = true;  // stderr
  std::string file_path;         // appended to (created 0600); empty: no file
  // Called once, with the reason, the first time a line cannot be written to the file (disk
  // full, I/O error): the node stops rather than run on without its log. Called on the
  // logging thread after the logger's mutex is released, so it may log (that line is lost
  // as well, but stderr still gets it). May be empty: failures are then ignored.
  std::function<void(const std::string& reason)> on_write_error;
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
  const std::string file_path_;
  const std::function<void(const std::string&)> on_write_error_;

  std::atomic<int> level_;
  std::mutex mu_;               // serializes writes, so lines stay whole
  bool write_failed_ = false;   // guarded by mu_
};

}  // namespace waybill::node
