// Proof of work: CheckProofOfWork, every line of the official aserti3-2d vectors, toy-parameter
// properties of ASERT (exhaustive over small domains), and MedianTimePast.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "consensus/pow.h"

namespace waybill::consensus {
namespace {

using chain::ArithU256;
using chain::Hash256;

ArithU256 Target(uint32_t bits) {
  const std::optional<ArithU256> t = chain::TargetFromBits(bits);
  EXPECT_TRUE(t.has_value()) << bits;
  return t.value_or(ArithU256(0));
}

std::string BitsHex(uint32_t bits) {
  char buf[11];
  std::snprintf(buf, sizeof(buf), "0x%08x", bits);
  return buf;
}

// ---------------------------------------------------------------------------------------
// CheckProofOfWork

TEST(CheckProofOfWork, IdAtTargetPassesAboveFails) {
  const ArithU256 pow_limit = Target(0x1d00ffff);
  for (uint32_t bits : {0x1d00ffffu, 0x1802aee8u, 0x1a2b3c4du, 0x03123456u, 0x01010000u}) {
    SCOPED_TRACE(BitsHex(bits));
    const ArithU256 target = Target(bits);
    EXPECT_TRUE(CheckProofOfWork(target.ToBigEndian(), bits, pow_limit));
    EXPECT_TRUE(CheckProofOfWork((target - 1).ToBigEndian(), bits, pow_limit));
    EXPECT_TRUE(CheckProofOfWork(Hash256{}, bits, pow_limit));
    EXPECT_FALSE(CheckProofOfWork((target + 1).ToBigEndian(), bits, pow_limit));
    EXPECT_FALSE(CheckProofOfWork((~ArithU256(0)).ToBigEndian(), bits, pow_limit));
  }
}

TEST(CheckProofOfWork, IdIsBigEndian) {
  const ArithU256 pow_limit = Target(0x1d00ffff);
  Hash256 low;  // the integer 1: its only set byte is the last one
  low.bytes[31] = 0x01;
  Hash256 high;  // 2^248
  high.bytes[0] = 0x01;
  EXPECT_TRUE(CheckProofOfWork(low, 0x1d00ffff, pow_limit));
  EXPECT_FALSE(CheckProofOfWork(high, 0x1d00ffff, pow_limit));
  // The first four bytes of a valid id at the genesis target are zero.
  Hash256 id;
  id.bytes[4] = 0xff;
  id.bytes[5] = 0xff;
  EXPECT_TRUE(CheckProofOfWork(id, 0x1d00ffff, pow_limit));
  id.bytes[6] = 0x01;
  EXPECT_FALSE(CheckProofOfWork(id, 0x1d00ffff, pow_limit));
}

TEST(CheckProofOfWork, BitsAbovePowLimitFail) {
  const ArithU256 pow_limit = Target(0x1d00ffff);
  const Hash256 zero_id;
  EXPECT_FALSE(CheckProofOfWork(zero_id, 0x1d010000, pow_limit));  // 2^224 > limit
  EXPECT_FALSE(CheckProofOfWork(zero_id, 0x1e00ffff, pow_limit));
  EXPECT_FALSE(CheckProofOfWork(zero_id, 0x207fffff, pow_limit));
  // One unit above the limit is enough to fail; the limit itself passes.
  EXPECT_TRUE(CheckProofOfWork(zero_id, 0x1d00ffff, pow_limit));
  EXPECT_FALSE(CheckProofOfWork(zero_id, 0x1d00ffff, pow_limit - 1));
}

TEST(CheckProofOfWork, NegativeZeroOverflowBitsFail) {
  const ArithU256 pow_limit = ~ArithU256(0);  // no limit: only the encoding can fail
  const Hash256 zero_id;
  for (uint32_t bits :
       {0x00000000u, 0x00123456u, 0x01003456u, 0x04000000u, 0x03800000u, 0x04923456u, 0x01fedcbau,
        0x1d80ffffu, 0xff123456u, 0x21010000u, 0x22000100u}) {
    EXPECT_FALSE(CheckProofOfWork(zero_id, bits, pow_limit)) << BitsHex(bits);
  }
  EXPECT_TRUE(CheckProofOfWork(zero_id, 0x2100ffff, pow_limit));  // 0xffff * 2^240 fits
}

// ---------------------------------------------------------------------------------------
// The official aserti3-2d vectors

struct AsertRun {
  std::string name;
  AsertAnchor anchor;
  size_t lines_here = 0;
  bool has_height = false;
  bool has_time = false;
  bool has_bits = false;
  bool has_count = false;
};

struct AsertLine {
  size_t run;
  uint64_t iteration;
  uint64_t height;
  int64_t time;
  uint32_t bits;
  int line_number;
};

// Parses asert_vectors.txt as the README describes. Returns false with a message on any
// line it does not understand, so that a silently skipped line cannot hide.
bool ParseAsertFile(std::vector<AsertRun>* runs, std::vector<AsertLine>* lines,
                    std::string* error) {
  std::ifstream in(std::string(TESTDATA_DIR) + "/asert_vectors.txt");
  if (!in.good()) {
    *error = "cannot open asert_vectors.txt";
    return false;
  }
  const auto value_of = [](const std::string& line, const std::string& key, std::string* out) {
    const std::string prefix = "##   " + key + ": ";
    if (line.rfind(prefix, 0) != 0) return false;
    *out = line.substr(prefix.size());
    return true;
  };
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (line.rfind("## run: ", 0) == 0) {
      AsertRun run;
      run.name = line.substr(8);
      runs->push_back(run);
      continue;
    }
    if (line[0] == '#' && line.rfind("##   ", 0) != 0) continue;  // a comment
    if (runs->empty()) {
      *error = "line " + std::to_string(number) + " comes before the first run";
      return false;
    }
    AsertRun& run = runs->back();
    std::string v;
    if (value_of(line, "anchor height", &v)) {
      run.anchor.height = std::stoull(v);
      run.has_height = true;
    } else if (value_of(line, "anchor parent time", &v)) {
      run.anchor.parent_time = std::stoll(v);
      run.has_time = true;
    } else if (value_of(line, "anchor nBits", &v)) {
      run.anchor.bits = static_cast<uint32_t>(std::stoul(v, nullptr, 16));
      run.has_bits = true;
    } else if (value_of(line, "lines here", &v)) {
      run.lines_here = std::stoull(v);
      run.has_count = true;
    } else if (line[0] == '#') {
      continue;  // another header line (description, start height, ...)
    } else {
      std::istringstream fields(line);
      std::string iteration, height, time, bits, extra;
      if (!(fields >> iteration >> height >> time >> bits) || (fields >> extra) ||
          bits.size() != 10 || bits.rfind("0x", 0) != 0) {
        *error = "bad vector line " + std::to_string(number) + ": " + line;
        return false;
      }
      lines->push_back(AsertLine{runs->size() - 1, std::stoull(iteration), std::stoull(height),
                                 std::stoll(time),
                                 static_cast<uint32_t>(std::stoul(bits, nullptr, 16)), number});
    }
  }
  return true;
}

class AsertVectors : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(ParseAsertFile(&runs_, &lines_, &error)) << error;
  }
  std::vector<AsertRun> runs_;
  std::vector<AsertLine> lines_;
};

TEST_F(AsertVectors, FileHasTwelveRunsAnd1301Lines) {
  ASSERT_EQ(runs_.size(), 12u);
  EXPECT_EQ(lines_.size(), 1301u);
  std::vector<size_t> per_run(runs_.size(), 0);
  for (const AsertLine& l : lines_) ++per_run[l.run];
  for (size_t r = 0; r < runs_.size(); ++r) {
    SCOPED_TRACE(runs_[r].name);
    EXPECT_TRUE(runs_[r].has_height && runs_[r].has_time && runs_[r].has_bits &&
                runs_[r].has_count);
    EXPECT_EQ(per_run[r], runs_[r].lines_here);
  }
  // Spot-check the anchors of the runs with unusual ranges against the README's table.
  EXPECT_EQ(runs_[8].anchor.height, 2147483642u);
  EXPECT_EQ(runs_[8].anchor.parent_time, 1234567290);
  EXPECT_EQ(runs_[9].anchor.height, 9223372036854775802u);
  EXPECT_EQ(runs_[9].anchor.parent_time, 2147483047);
  EXPECT_EQ(runs_[11].anchor.parent_time, 10000);
  EXPECT_EQ(lines_.back().height, 10001u);
}

TEST_F(AsertVectors, EveryLineMatches) {
  // Parameters of every run (README): 600 s blocks, 2-day half-life, limit = 0x1d00ffff.
  const AsertParams params{Target(0x1d00ffff), 600, 172800};
  ASSERT_TRUE(CheckAsertParams(params, runs_[0].anchor).ok());
  // Bitcoin Cash's real powLimit, 2^224 - 1, gives the same nBits on every line.
  const AsertParams bch_params{(ArithU256(1) << 224) - 1, 600, 172800};
  size_t matched = 0;
  for (const AsertLine& l : lines_) {
    const AsertRun& run = runs_[l.run];
    ASSERT_TRUE(CheckAsertParams(params, run.anchor).ok()) << run.name;
    const uint32_t got = AsertNextBits(params, run.anchor, l.height, l.time);
    EXPECT_EQ(BitsHex(got), BitsHex(l.bits))
        << run.name << " iteration " << l.iteration << " (file line " << l.line_number << ")";
    EXPECT_EQ(AsertNextBits(bch_params, run.anchor, l.height, l.time), l.bits)
        << run.name << " iteration " << l.iteration << " with powLimit 2^224-1";
    if (got == l.bits) ++matched;
  }
  EXPECT_EQ(matched, 1301u);
}

TEST_F(AsertVectors, CoverTheAdvertisedRanges) {
  bool height_past_int64 = false, time_past_int32 = false, negative_time_delta = false;
  bool min_target = false, pow_limit = false;
  for (const AsertLine& l : lines_) {
    const AsertRun& run = runs_[l.run];
    height_past_int64 |= l.height > static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    time_past_int32 |= l.time > std::numeric_limits<int32_t>::max();
    negative_time_delta |= l.time < run.anchor.parent_time;
    min_target |= l.bits == 0x01010000 && run.anchor.bits != 0x01010000;
    pow_limit |= l.bits == 0x1d00ffff && run.anchor.bits != 0x1d00ffff;
  }
  EXPECT_TRUE(height_past_int64);
  EXPECT_TRUE(time_past_int32);
  EXPECT_TRUE(negative_time_delta);
  EXPECT_TRUE(min_target);
  EXPECT_TRUE(pow_limit);
}

// ---------------------------------------------------------------------------------------
// ASERT with toy parameters

// Toy chain: 10 s blocks, a half-life of 100 blocks' worth of time.
constexpr int64_t kSpacing = 10;
constexpr int64_t kHalfLife = 1000;

// Pow limits below the spec's 2^224 bound, and above it (a regtest-style limit near 2^255,
// and 2^256 - 1) where the product anchor_target * factor needs more than 256 bits.
const std::vector<uint32_t>& ToyLimitBits() {
  static const std::vector<uint32_t> kBits = {0x1d00ffff, 0x1f00ffff, 0x207fffff, 0x2100ffff};
  return kBits;
}

AsertParams ToyParams(uint32_t limit_bits) {
  return AsertParams{Target(limit_bits), kSpacing, kHalfLife};
}

// A few anchor nBits at or below every toy limit, including the minimum target 1.
const std::vector<uint32_t>& ToyAnchorBits() {
  static const std::vector<uint32_t> kBits = {0x1d00ffff, 0x1c0fffff, 0x1802aee8,
                                              0x1a2b3c4d, 0x0300ff00, 0x01010000};
  return kBits;
}

// Time of the block at `height` on the ideal schedule, drifted by `drift` seconds.
int64_t ScheduleTime(const AsertAnchor& anchor, uint64_t height, int64_t drift) {
  return anchor.parent_time + kSpacing * static_cast<int64_t>(height - anchor.height + 1) + drift;
}

TEST(AsertToy, OnScheduleBlocksKeepBits) {
  for (uint32_t limit_bits : ToyLimitBits()) {
    const AsertParams params = ToyParams(limit_bits);
    for (uint32_t anchor_bits : ToyAnchorBits()) {
      const AsertAnchor anchor{1000, 1'700'000'000, anchor_bits};
      ASSERT_TRUE(CheckAsertParams(params, anchor).ok());
      for (uint64_t h = anchor.height; h < anchor.height + 3000; ++h) {
        ASSERT_EQ(AsertNextBits(params, anchor, h, ScheduleTime(anchor, h, 0)), anchor_bits)
            << BitsHex(limit_bits) << " " << BitsHex(anchor_bits) << " height " << h;
      }
    }
  }
}

TEST(AsertToy, OneHalfLifeBehindDoublesAheadHalves) {
  for (uint32_t limit_bits : ToyLimitBits()) {
    const AsertParams params = ToyParams(limit_bits);
    for (uint32_t anchor_bits : ToyAnchorBits()) {
      SCOPED_TRACE(BitsHex(limit_bits) + " " + BitsHex(anchor_bits));
      const AsertAnchor anchor{0, 0, anchor_bits};
      const ArithU256 target = Target(anchor_bits);
      const auto expect = [&](const ArithU256& t) {
        if (t.IsZero()) return ArithU256(1).GetCompact();
        return (t > params.pow_limit ? params.pow_limit : t).GetCompact();
      };
      // Blocks twice as slow: after 100 blocks (1000 s late = one half-life) the target
      // has doubled exactly, after 200 blocks quadrupled.
      EXPECT_EQ(AsertNextBits(params, anchor, 99, 2 * kSpacing * 100), expect(target * 2));
      EXPECT_EQ(AsertNextBits(params, anchor, 199, 2 * kSpacing * 200), expect(target * 4));
      // Blocks twice as fast: after 200 blocks (1000 s early) the target has halved.
      EXPECT_EQ(AsertNextBits(params, anchor, 199, kSpacing * 200 / 2), expect(target >> 1));
      EXPECT_EQ(AsertNextBits(params, anchor, 399, kSpacing * 400 / 2), expect(target >> 2));
      // Only the schedule drift matters, not how it came about: one block 1000 s late.
      EXPECT_EQ(AsertNextBits(params, anchor, 0, kSpacing + kHalfLife), expect(target * 2));
      EXPECT_EQ(AsertNextBits(params, anchor, 5000, ScheduleTime(anchor, 5000, -kHalfLife)),
                expect(target >> 1));
    }
  }
}

// The spec's fixed point, restated independently of pow.cpp's 320-bit product: a compact
// target is mantissa * 256^(size - 3), so target * factor * 2^(shifts - 16) can be formed
// from mantissa * factor (< 2^41) and one shift, which never overflows.
uint32_t OracleNextBits(const AsertParams& params, uint32_t anchor_bits, int64_t drift) {
  const int64_t exponent = drift * 65536 / params.half_life;  // small drifts only
  const int64_t shifts = exponent >> 16;
  const uint64_t frac = static_cast<uint64_t>(exponent - shifts * 65536);
  const uint64_t factor = 65536 + ((195766423245049ull * frac + 971821376ull * frac * frac +
                                    5127ull * frac * frac * frac + (1ull << 47)) >>
                                   48);
  const int64_t size = anchor_bits >> 24;
  const uint64_t mantissa = anchor_bits & 0x7fffff;
  EXPECT_GE(size, 3);
  const ArithU256 product = ArithU256(mantissa) * factor;
  const int64_t shift = 8 * (size - 3) + shifts - 16;
  ArithU256 next;
  if (shift >= 0) {
    if (product.bits() + shift > 256) return params.pow_limit.GetCompact();
    next = product << static_cast<unsigned int>(shift);
  } else {
    next = product >> static_cast<unsigned int>(std::min<int64_t>(-shift, 256));
  }
  if (next.IsZero()) next = 1;
  if (next > params.pow_limit) next = params.pow_limit;
  return next.GetCompact();
}

TEST(AsertToy, MatchesFixedPointOracleEverywhere) {
  const std::vector<uint32_t> anchors = {0x2100ffff, 0x207fffff, 0x20010000, 0x1f00ffff,
                                         0x1d00ffff, 0x1802aee8, 0x0401ffff, 0x03008000};
  for (uint32_t limit_bits : ToyLimitBits()) {
    const AsertParams params = ToyParams(limit_bits);
    for (uint32_t anchor_bits : anchors) {
      const AsertAnchor anchor{7, 123456, anchor_bits};
      if (!CheckAsertParams(params, anchor).ok()) continue;
      // Drifts of -300..+300 half-lives, fine enough to hit many fractional parts.
      for (int64_t drift = -300 * kHalfLife; drift <= 300 * kHalfLife; drift += 37) {
        const uint64_t h = anchor.height + 50;
        ASSERT_EQ(BitsHex(AsertNextBits(params, anchor, h, ScheduleTime(anchor, h, drift))),
                  BitsHex(OracleNextBits(params, anchor_bits, drift)))
            << "limit " << BitsHex(limit_bits) << " anchor " << BitsHex(anchor_bits) << " drift "
            << drift;
      }
    }
  }
}

TEST(AsertToy, MonotoneInTimeAndHeightAndClamped) {
  for (uint32_t limit_bits : ToyLimitBits()) {
    const AsertParams params = ToyParams(limit_bits);
    const AsertAnchor anchor{0, 0, 0x1802aee8};
    // Later evaluation time, same height: the target never decreases.
    ArithU256 previous(0);
    for (int64_t t = -400 * kHalfLife; t <= 400 * kHalfLife; t += 13) {
      const ArithU256 target = Target(AsertNextBits(params, anchor, 100, t));
      ASSERT_GE(target, previous) << t;
      ASSERT_GE(target, ArithU256(1));
      ASSERT_LE(target, params.pow_limit);
      previous = target;
    }
    EXPECT_EQ(previous, Target(params.pow_limit.GetCompact()));
    EXPECT_EQ(AsertNextBits(params, anchor, 100, -400 * kHalfLife), 0x01010000u);
    // More blocks by the same time: the target never increases.
    previous = ~ArithU256(0);
    for (uint64_t h = 0; h < 200000; h += 7) {
      const ArithU256 target = Target(AsertNextBits(params, anchor, h, 100000));
      ASSERT_LE(target, previous) << h;
      previous = target;
    }
    EXPECT_EQ(previous, ArithU256(1));
  }
}

// The README's ranges and beyond: any height and time gives a valid nBits, without overflow.
TEST(AsertToy, ExtremeHeightsAndTimes) {
  constexpr uint64_t kMaxHeight = std::numeric_limits<uint64_t>::max();
  constexpr int64_t kMinTime = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMaxTime = std::numeric_limits<int64_t>::max();
  for (uint32_t limit_bits : ToyLimitBits()) {
    SCOPED_TRACE(BitsHex(limit_bits));
    const ArithU256 limit = Target(limit_bits);
    const uint32_t limit_compact = limit.GetCompact();
    for (int64_t spacing : {int64_t{1}, kSpacing, kMaxTime}) {
      for (int64_t half_life : {int64_t{1}, kHalfLife, kMaxTime}) {
        const AsertParams params{limit, spacing, half_life};
        const AsertAnchor anchor{0, kMinTime, 0x1802aee8};
        const AsertAnchor late{kMaxHeight, kMaxTime, 0x1802aee8};
        // Countless blocks in no time, and one block after an eternity.
        const uint32_t fast = AsertNextBits(params, AsertAnchor{0, 0, 0x1802aee8}, kMaxHeight, 0);
        const uint32_t fast_back =
            AsertNextBits(params, AsertAnchor{0, kMaxTime, 0x1802aee8}, kMaxHeight, kMinTime);
        const uint32_t slow = AsertNextBits(params, anchor, 0, kMaxTime);
        // With a half-life of about 2^63 s even these drifts are only a few half-lives.
        if (half_life < kMaxTime) {
          EXPECT_EQ(fast, 0x01010000u);
          EXPECT_EQ(fast_back, 0x01010000u);
          EXPECT_EQ(slow, limit_compact);
        }
        EXPECT_TRUE(CheckProofOfWork(Hash256{}, fast, limit));
        EXPECT_TRUE(CheckProofOfWork(Hash256{}, fast_back, limit));
        EXPECT_TRUE(CheckProofOfWork(Hash256{}, slow, limit));
        // The anchor as the evaluation block, at the extremes of both ranges.
        for (int64_t t : {kMinTime, int64_t{0}, kMaxTime}) {
          EXPECT_TRUE(
              CheckProofOfWork(Hash256{}, AsertNextBits(params, late, kMaxHeight, t), limit));
        }
      }
    }
  }
}

TEST(AsertToy, OutOfContractInputsAreDeterministic) {
  const ArithU256 limit = Target(0x1d00ffff);
  const AsertAnchor anchor{100, 0, 0x1802aee8};
  // Evaluation below the anchor extends the schedule backwards; it does not wrap around.
  const uint32_t below = AsertNextBits(AsertParams{limit, kSpacing, kHalfLife}, anchor, 0, 0);
  EXPECT_EQ(below, AsertNextBits(AsertParams{limit, kSpacing, kHalfLife}, anchor, 100,
                                 kSpacing + kSpacing * 99));
  EXPECT_GT(Target(below), Target(0x1802aee8));
  // Adjustment disabled by a non-positive spacing or half-life.
  EXPECT_EQ(AsertNextBits(AsertParams{limit, 0, kHalfLife}, anchor, 500, 1), 0x1802aee8u);
  EXPECT_EQ(AsertNextBits(AsertParams{limit, kSpacing, 0}, anchor, 500, 1), 0x1802aee8u);
  EXPECT_EQ(AsertNextBits(AsertParams{limit, kSpacing, -5}, anchor, 500, 1), 0x1802aee8u);
  // An anchor target that is not valid, or above the limit, stands for the limit.
  for (uint32_t bad : {0x00000000u, 0x04923456u, 0xff123456u, 0x1e00ffffu}) {
    const AsertAnchor a{0, 0, bad};
    EXPECT_EQ(AsertNextBits(AsertParams{limit, kSpacing, kHalfLife}, a, 0, kSpacing), 0x1d00ffffu)
        << BitsHex(bad);
  }
}

TEST(AsertToy, CheckAsertParams) {
  const ArithU256 limit = Target(0x1d00ffff);
  const AsertAnchor good_anchor{0, 0, 0x1d00ffff};
  EXPECT_TRUE(CheckAsertParams(AsertParams{limit, 600, 172800}, good_anchor).ok());
  EXPECT_TRUE(CheckAsertParams(AsertParams{limit, 1, 1}, AsertAnchor{0, 0, 0x01010000}).ok());
  EXPECT_TRUE(CheckAsertParams(AsertParams{limit, 0, 172800}, good_anchor).IsInvalid());
  EXPECT_TRUE(CheckAsertParams(AsertParams{limit, -600, 172800}, good_anchor).IsInvalid());
  EXPECT_TRUE(CheckAsertParams(AsertParams{limit, 600, 0}, good_anchor).IsInvalid());
  EXPECT_TRUE(CheckAsertParams(AsertParams{ArithU256(0), 600, 172800}, good_anchor).IsInvalid());
  for (uint32_t bad : {0x00000000u, 0x04923456u, 0xff123456u, 0x1d010000u}) {
    EXPECT_TRUE(
        CheckAsertParams(AsertParams{limit, 600, 172800}, AsertAnchor{0, 0, bad}).IsInvalid())
        << BitsHex(bad);
  }
}

// ---------------------------------------------------------------------------------------
// MedianTimePast

TEST(MedianTimePast, Basics) {
  EXPECT_EQ(MedianTimePast({}), std::numeric_limits<int64_t>::min());
  const std::vector<int64_t> one = {42};
  EXPECT_EQ(MedianTimePast(one), 42);
  const std::vector<int64_t> two = {10, 5};
  EXPECT_EQ(MedianTimePast(two), 10);  // upper median, element size/2 of {5, 10}
  const std::vector<int64_t> four = {4, 1, 3, 2};
  EXPECT_EQ(MedianTimePast(four), 3);
  const std::vector<int64_t> eleven = {11, 3, 9, 1, 7, 5, 2, 10, 4, 8, 6};
  EXPECT_EQ(MedianTimePast(eleven), 6);
  const std::vector<int64_t> negative = {-5, -1, -3};
  EXPECT_EQ(MedianTimePast(negative), -3);
}

TEST(MedianTimePast, UsesOnlyTheLastEleven) {
  // 100 old, huge timestamps followed by 11 recent ones: only the recent ones count.
  std::vector<int64_t> times(100, 1'000'000);
  for (int64_t t = 1; t <= 11; ++t) times.push_back(t * 10);
  EXPECT_EQ(MedianTimePast(times), 60);
  // And the input is not modified.
  EXPECT_EQ(times[100], 10);
  EXPECT_EQ(times.back(), 110);
}

TEST(MedianTimePast, ExhaustiveSmallDomain) {
  // Every sequence of 1..6 timestamps over {0, 1, 2}. The element at index n/2 of the sorted
  // sequence is the m with at most n/2 elements below it and more than n/2 at or below it.
  for (size_t n = 1; n <= 6; ++n) {
    size_t count = 1;
    for (size_t i = 0; i < n; ++i) count *= 3;
    for (size_t code = 0; code < count; ++code) {
      std::vector<int64_t> times;
      for (size_t c = code, i = 0; i < n; ++i, c /= 3) times.push_back(static_cast<int64_t>(c % 3));
      const int64_t m = MedianTimePast(times);
      const auto below =
          std::count_if(times.begin(), times.end(), [&](int64_t t) { return t < m; });
      const auto at_most =
          std::count_if(times.begin(), times.end(), [&](int64_t t) { return t <= m; });
      ASSERT_LE(below, static_cast<std::ptrdiff_t>(n / 2));
      ASSERT_GT(at_most, static_cast<std::ptrdiff_t>(n / 2));
    }
  }
}

}  // namespace
}  // namespace waybill::consensus
