#include "node/sync_progress.h"

#include <algorithm>

namespace waybill::node {
namespace {

// count per second over ms milliseconds, rounded down; 0 over no time.
uint64_t PerSecond(uint64_t count, int64_t ms) {
  return ms <= 0 ? 0 : count * 1000 / static_cast<uint64_t>(ms);
}

// "12.3%": height of best, in tenths of a percent, rounded down.
std::string Percent(uint32_t height, uint32_t best) {
  const uint64_t tenths =
      best == 0 ? 1000 : std::min<uint64_t>(1000, uint64_t{height} * 1000 / best);
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + "%";
}

// "1h02m03s", "4m05s", "6s".
std::string Duration(uint64_t seconds) {
  const uint64_t h = seconds / 3600, m = seconds / 60 % 60, s = seconds % 60;
  auto two = [](uint64_t v) { return (v < 10 ? "0" : "") + std::to_string(v); };
  if (h > 0) return std::to_string(h) + "h" + two(m) + "m" + two(s) + "s";
  if (m > 0) return std::to_string(m) + "m" + two(s) + "s";
  return std::to_string(s) + "s";
}

}  // namespace

std::optional<std::string> SyncProgress::OnTipChanged(const SyncStep& step) {
  if (!syncing_) {
    if (step.best_header_height < step.height + options_.min_blocks_behind) return std::nullopt;
    syncing_ = true;
    start_ms_ = mark_ms_ = step.now_ms;
    start_height_ = mark_height_ = step.height;
    txs_ = mark_txs_ = 0;
    return std::nullopt;
  }
  txs_ += step.txs;
  if (step.height >= step.best_header_height) {
    syncing_ = false;
    return CaughtUpLine(step);
  }
  if (step.now_ms - mark_ms_ < options_.interval_ms) return std::nullopt;
  std::string line = ProgressLine(step);
  mark_ms_ = step.now_ms;
  mark_height_ = step.height;
  mark_txs_ = txs_;
  return line;
}

std::string SyncProgress::ProgressLine(const SyncStep& step) const {
  const int64_t ms = step.now_ms - mark_ms_;
  const uint64_t blocks = step.height > mark_height_ ? step.height - mark_height_ : 0;
  const uint64_t left = step.best_header_height - step.height;
  std::string line = "sync: height " + std::to_string(step.height) + " of " +
                     std::to_string(step.best_header_height) + " (" +
                     Percent(step.height, step.best_header_height) + "), " +
                     std::to_string(PerSecond(txs_ - mark_txs_, ms)) + " tx/s, " +
                     std::to_string(PerSecond(blocks * 60, ms)) + " blocks/min, ETA ";
  // The time left at the rate of the last interval.
  line += blocks == 0 ? "unknown" : Duration(left * static_cast<uint64_t>(ms) / blocks / 1000);
  return line;
}

std::string SyncProgress::CaughtUpLine(const SyncStep& step) const {
  const int64_t ms = step.now_ms - start_ms_;
  const uint64_t blocks = step.height > start_height_ ? step.height - start_height_ : 0;
  return "sync: caught up at height " + std::to_string(step.height) +
         " (100.0%): " + std::to_string(blocks) + " blocks, " + std::to_string(txs_) + " txs in " +
         Duration(static_cast<uint64_t>(std::max<int64_t>(ms, 0)) / 1000) + ", " +
         std::to_string(PerSecond(txs_, ms)) + " tx/s";
}

}  // namespace waybill::node
