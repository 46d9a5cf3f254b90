#include "node/logging.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

namespace waybill::node {
namespace {

// Writes all of data, retrying on short writes and EINTR. Returns 0, or the errno of the
// failure (ENOSPC for a write that made no progress).
int WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return ENOSPC;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return 0;
}

void AppendEscaped(std::string* out, std::string_view message) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (char c : message) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      out->append("\\x");
      out->push_back(kHex[u >> 4]);
      out->push_back(kHex[u & 0xf]);
    } else {
      out->push_back(c);
    }
  }
}

}  // namespace

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kError:
      return "error";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kTrace:
      return "trace";
  }
  return "?";
}

std::optional<LogLevel> ParseLogLevel(std::string_view name) {
  if (name == "error") return LogLevel::kError;
  if (name == "warn" || name == "warning") return LogLevel::kWarn;
  if (name == "info") return LogLevel::kInfo;
  if (name == "debug") return LogLevel::kDebug;
  if (name == "trace") return LogLevel::kTrace;
  return std::nullopt;
}

std::string FormatLogLine(std::chrono::system_clock::time_point time, LogLevel level,
                          std::string_view category, std::string_view message) {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  int64_t ms = duration_cast<milliseconds>(time.time_since_epoch()).count();
  // Floor division, so times before the epoch still print a valid millisecond field.
  int64_t secs = ms / 1000 - (ms % 1000 < 0 ? 1 : 0);
  int64_t millis = ms - secs * 1000;
  time_t t = static_cast<time_t>(secs);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char stamp[64];  // ample for any int year, so the output is never cut
  snprintf(stamp, sizeof(stamp), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(millis));
  std::string line;
  line.reserve(40 + category.size() + message.size());
  line.append(stamp);
  line.append(" [");
  line.append(LogLevelName(level));
  line.append("] ");
  if (!category.empty()) {
    line.push_back('[');
    AppendEscaped(&line, category);
    line.append("] ");
  }
  AppendEscaped(&line, message);
  line.push_back('\n');
  return line;
}

chain::Result<std::unique_ptr<Logger>> Logger::Open(const LoggerOptions& options) {
  int fd = -1;
  if (!options.file_path.empty()) {
    fd = ::open(options.file_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
      return chain::Status::IoError("cannot open log file " + options.file_path + ": " +
                                    std::strerror(errno));
    }
  }
  return std::unique_ptr<Logger>(new Logger(options, fd));
}

Logger::Logger(const LoggerOptions& options, int fd)
    : print_to_console_(options.print_to_console),
      fd_(fd),
      file_path_(options.file_path),
      on_write_error_(options.on_write_error),
      level_(static_cast<int>(options.level)) {}

Logger::~Logger() {
  if (fd_ >= 0) ::close(fd_);
}

void Logger::Log(LogLevel level, std::string_view category, std::string_view message) {
  if (!Enabled(level)) return;
  std::string line = FormatLogLine(std::chrono::system_clock::now(), level, category, message);
  int error = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // stderr is best effort: a closed or full terminal must not stop the node.
    if (print_to_console_) (void)WriteAll(STDERR_FILENO, line);
    if (fd_ < 0) return;
    error = WriteAll(fd_, line);
    if (error == 0 || write_failed_) return;
    write_failed_ = true;
  }
  if (on_write_error_) {
    on_write_error_("cannot write to the log file " + file_path_ + ": " + std::strerror(error));
  }
}

}  // namespace waybill::node
