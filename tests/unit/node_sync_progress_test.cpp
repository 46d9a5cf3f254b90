// The sync progress line (node/sync_progress.h) on a hand-turned clock: when a sync starts, the
// interval between lines, the figures of a line and the closing line.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "node/sync_progress.h"

namespace waybill::node {
namespace {

SyncStep Step(int64_t now_ms, uint32_t height, uint32_t best, uint64_t txs) {
  return SyncStep{now_ms, height, best, txs};
}

TEST(SyncProgressTest, FollowingTheTipLogsNothing) {
  SyncProgress progress;
  // One block at a time, each the best header (or one behind it: a header that came first).
  for (uint32_t h = 1; h <= 50; ++h) {
    EXPECT_EQ(progress.OnTipChanged(Step(h * 20'000, h, h, 100)), std::nullopt);
    EXPECT_EQ(progress.OnTipChanged(Step(h * 20'000 + 1, h, h + 1, 100)), std::nullopt);
  }
  EXPECT_FALSE(progress.syncing());
}

TEST(SyncProgressTest, LinesAtMostOncePerIntervalWithRatesOfTheInterval) {
  SyncProgress progress(SyncProgressOptions{10'000, 2});
  // Block 1 connects with 1,000 headers known: the sync starts, silently.
  EXPECT_EQ(progress.OnTipChanged(Step(0, 1, 1000, 2000)), std::nullopt);
  EXPECT_TRUE(progress.syncing());
  // 4 blocks of 2,000 txs per second: no line before 10 s.
  uint32_t height = 1;
  for (int64_t ms = 250; ms < 10'000; ms += 250) {
    EXPECT_EQ(progress.OnTipChanged(Step(ms, ++height, 1000, 2000)), std::nullopt) << ms;
  }
  // At 10 s: 40 blocks (80,000 txs) since the start; 959 left at 4 blocks/s is 239 s.
  std::optional<std::string> line = progress.OnTipChanged(Step(10'000, ++height, 1000, 2000));
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ(height, 41u);
  EXPECT_EQ(*line, "sync: height 41 of 1000 (4.1%), 8000 tx/s, 240 blocks/min, ETA 3m59s");
  // The next line comes 10 s after this one, and its rates are those of its own interval:
  // 1 block of 500 txs per second.
  for (int64_t ms = 11'000; ms < 20'000; ms += 1000) {
    EXPECT_EQ(progress.OnTipChanged(Step(ms, ++height, 1000, 500)), std::nullopt) << ms;
  }
  line = progress.OnTipChanged(Step(20'000, ++height, 1000, 500));
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ(*line, "sync: height 51 of 1000 (5.1%), 500 tx/s, 60 blocks/min, ETA 15m49s");
}

TEST(SyncProgressTest, ClosingLineCoversTheWholeSync) {
  SyncProgress progress;
  EXPECT_EQ(progress.OnTipChanged(Step(5'000, 10, 20, 7)), std::nullopt);  // the start
  EXPECT_EQ(progress.OnTipChanged(Step(6'000, 15, 20, 500)), std::nullopt);
  // The best header moves on while the tip catches up.
  EXPECT_EQ(progress.OnTipChanged(Step(7'000, 20, 25, 500)), std::nullopt);
  std::optional<std::string> line = progress.OnTipChanged(Step(9'000, 25, 25, 1000));
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ(*line, "sync: caught up at height 25 (100.0%): 15 blocks, 2000 txs in 4s, 500 tx/s");
  EXPECT_FALSE(progress.syncing());
  // Following the tip again: silent, and a later gap starts a new sync.
  EXPECT_EQ(progress.OnTipChanged(Step(60'000, 26, 26, 1)), std::nullopt);
  EXPECT_EQ(progress.OnTipChanged(Step(61'000, 27, 3700, 1)), std::nullopt);
  EXPECT_TRUE(progress.syncing());
  line = progress.OnTipChanged(Step(3'661'000 + 61'000, 3000, 3700, 0));
  ASSERT_TRUE(line.has_value());
  // 2,973 blocks in 3,661 s: 48 blocks/min, 700 left take 861.99 s (rounded down).
  EXPECT_EQ(*line, "sync: height 3000 of 3700 (81.0%), 0 tx/s, 48 blocks/min, ETA 14m21s");
  line = progress.OnTipChanged(Step(3'661'000 + 61'000 + 7'322'000, 3700, 3700, 0));
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ(*line,
            "sync: caught up at height 3700 (100.0%): 3673 blocks, 0 txs in 3h03m03s, 0 tx/s");
}

TEST(SyncProgressTest, NoRateYetSaysSoAndAStallMakesNoLine) {
  SyncProgress progress(SyncProgressOptions{10'000, 2});
  EXPECT_EQ(progress.OnTipChanged(Step(0, 100, 200, 0)), std::nullopt);
  // A reorg to a lower tip after a long wait: no blocks gained in the interval.
  std::optional<std::string> line = progress.OnTipChanged(Step(30'000, 99, 200, 0));
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ(*line, "sync: height 99 of 200 (49.5%), 0 tx/s, 0 blocks/min, ETA unknown");
}

}  // namespace
}  // namespace waybill::node
