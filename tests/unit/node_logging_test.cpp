// The logger's line format, level filter, file output and the token bucket.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "node/logging.h"

namespace waybill::node {
namespace {

using std::chrono::milliseconds;

std::chrono::system_clock::time_point At(int64_t ms) {
  return std::chrono::system_clock::time_point(milliseconds(ms));
}

TEST(LoggingTest, LineFormat) {
  // 2026-11-22T05:10:11.123Z
  EXPECT_EQ(FormatLogLine(At(1795324211123), LogLevel::kInfo, "", "message"),
            "2026-11-22T05:10:11.123Z [info] message\n");
  EXPECT_EQ(FormatLogLine(At(5), LogLevel::kWarn, "rpc", "x"),
            "1970-01-01T00:00:00.005Z [warn] [rpc] x\n");
  // A message cannot start a forged line.
  EXPECT_EQ(FormatLogLine(At(0), LogLevel::kError, "", "a\nb\r\x01"),
            "1970-01-01T00:00:00.000Z [error] a\\x0ab\\x0d\\x01\n");
}

TEST(LoggingTest, Levels) {
  for (LogLevel l :
       {LogLevel::kError, LogLevel::kWarn, LogLevel::kInfo, LogLevel::kDebug, LogLevel::kTrace}) {
    EXPECT_EQ(ParseLogLevel(LogLevelName(l)), l);
  }
  EXPECT_EQ(ParseLogLevel("warning"), LogLevel::kWarn);
  EXPECT_FALSE(ParseLogLevel("loud").has_value());
}

TEST(LoggingTest, FileOutputAndFilter) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "waybill_log_XXXXXX").string();
  std::string dir = mkdtemp(tmpl.data());
  const std::string path = dir + "/debug.log";
  {
    LoggerOptions options;
    options.print_to_console = false;
    options.file_path = path;
    auto logger = Logger::Open(options);
    ASSERT_TRUE(logger.ok());
    LogSink& sink = **logger;
    sink.Info("first");
    sink.Debug("hidden");
    (*logger)->SetLevel(LogLevel::kDebug);
    EXPECT_TRUE(sink.Enabled(LogLevel::kDebug));
    EXPECT_FALSE(sink.Enabled(LogLevel::kTrace));
    sink.Log(LogLevel::kDebug, "net", "second");
    // Concurrent writers never interleave within a line.
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&sink, t] {
        for (int i = 0; i < 200; ++i)
          sink.Info("thread " + std::to_string(t) + std::string(50, 'x'));
      });
    }
    for (auto& th : threads) th.join();
  }
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 802u);
  EXPECT_NE(lines[0].find("[info] first"), std::string::npos);
  EXPECT_NE(lines[1].find("[debug] [net] second"), std::string::npos);
  for (size_t i = 2; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i].size(), lines[2].size()) << lines[i];
  }
  // Appends on reopen.
  {
    LoggerOptions options;
    options.print_to_console = false;
    options.file_path = path;
    auto logger = Logger::Open(options);
    ASSERT_TRUE(logger.ok());
    (*logger)->Info("third");
  }
  std::ifstream again(path);
  std::stringstream all;
  all << again.rdbuf();
  EXPECT_NE(all.str().find("first"), std::string::npos);
  EXPECT_NE(all.str().find("third"), std::string::npos);
  std::filesystem::remove_all(dir);

  LoggerOptions bad;
  bad.file_path = "/nonexistent-dir-waybill/debug.log";
  EXPECT_FALSE(Logger::Open(bad).ok());
}

// A log file that cannot be written (here /dev/full: every write is ENOSPC) is reported once,
// after the logger's lock is released (the callback logs again, as Node::AbortNode does).
TEST(LoggerTest, WriteFailureIsReportedOnce) {
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  std::vector<std::string> reports;
  Logger* self = nullptr;
  LoggerOptions options;
  options.print_to_console = false;
  options.file_path = "/dev/full";
  options.on_write_error = [&](const std::string& why) {
    reports.push_back(why);
    self->Log(LogLevel::kError, {}, "fatal: " + why);  // must not deadlock or recurse
  };
  auto logger = Logger::Open(options);
  ASSERT_TRUE(logger.ok()) << logger.status().ToString();
  self = logger->get();
  (*logger)->Info("first");
  (*logger)->Info("second");
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_NE(reports[0].find("/dev/full"), std::string::npos) << reports[0];
  EXPECT_NE(reports[0].find("No space left"), std::string::npos) << reports[0];
}

TEST(TokenBucketTest, BurstThenRate) {
  auto t0 = std::chrono::steady_clock::now();
  TokenBucket bucket(2, 3);  // 2 per second, burst 3
  EXPECT_TRUE(bucket.Allow(t0));
  EXPECT_TRUE(bucket.Allow(t0));
  EXPECT_TRUE(bucket.Allow(t0));
  EXPECT_FALSE(bucket.Allow(t0));
  EXPECT_FALSE(bucket.Allow(t0 + milliseconds(100)));
  EXPECT_EQ(bucket.TakeSuppressed(), 2u);
  EXPECT_EQ(bucket.TakeSuppressed(), 0u);
  EXPECT_TRUE(bucket.Allow(t0 + milliseconds(500)));  // one token per 500 ms
  EXPECT_FALSE(bucket.Allow(t0 + milliseconds(600)));
  // A long pause refills to the burst, not beyond.
  auto later = t0 + std::chrono::hours(24 * 365);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(bucket.Allow(later));
  EXPECT_FALSE(bucket.Allow(later));
}

}  // namespace
}  // namespace waybill::node
