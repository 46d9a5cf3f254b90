// The progress line a node logs while it catches up with the best header it knows (a fresh
// node's initial sync, or one back from a long absence): height, percent of the best header,
// tx/s, blocks/s and the time left, at most once per interval, and one line when it has caught
// up. Modelled on Bitcoin Core's UpdateTip line. Pure: the caller passes the time, so a test
// turns the clock by hand; the node calls it from its tip listener (node.cpp, TipLogger).
//
// Not thread-safe: REQUIRES one caller at a time (the chainstate reports tip changes one at a
// time).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace waybill::node {

struct SyncProgressOptions {
  int64_t interval_ms = 10'000;    // at most one progress line per interval
  uint32_t min_blocks_behind = 2;  // a sync starts when the tip is this far behind the best header
};

// A tip change as the progress line sees it.
struct SyncStep {
  int64_t now_ms = 0;               // a steady clock
  uint32_t height = 0;              // the new tip's height
  uint32_t best_header_height = 0;  // the best header known at that moment
  uint64_t txs = 0;                 // txs in the blocks connected by this change
};

class SyncProgress {
 public:
  explicit SyncProgress(SyncProgressOptions options = {}) : options_(options) {}

  // The line to log for this tip change, if one is due: a progress line once interval_ms has
  // passed since the sync started or since the last line, and the closing line when the tip
  // reaches the best header. Nothing outside a sync (a node that follows the tip block by block).
  std::optional<std::string> OnTipChanged(const SyncStep& step);

  bool syncing() const { return syncing_; }

 private:
  std::string ProgressLine(const SyncStep& step) const;
  std::string CaughtUpLine(const SyncStep& step) const;

  const SyncProgressOptions options_;
  bool syncing_ = false;
  // The sync's start, and the last line's (its rates are those since the last line).
  int64_t start_ms_ = 0;
  uint32_t start_height_ = 0;
  uint64_t txs_ = 0;  // connected since the start
  int64_t mark_ms_ = 0;
  uint32_t mark_height_ = 0;
  uint64_t mark_txs_ = 0;
};

}  // namespace waybill::node
