// The simulated clock: a queue of timed events run in time order. Events at the same time run
// in the order they were scheduled, so a run is a function of its inputs (and its seed).
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

namespace waybill::overlay_sim {

class EventQueue {
 public:
  using Fn = std::function<void()>;

  // Microseconds since the start of the simulation.
  int64_t now_us() const { return now_us_; }
  int64_t now_ms() const { return now_us_ / 1000; }

  // Schedules fn at t_us; a time in the past runs at the current time (after what is due).
  void At(int64_t t_us, Fn fn) {
    uint32_t slot;
    if (free_.empty()) {
      slot = static_cast<uint32_t>(fns_.size());
      fns_.push_back(std::move(fn));
    } else {
      slot = free_.back();
      free_.pop_back();
      fns_[slot] = std::move(fn);
    }
    heap_.push_back(Entry{std::max(t_us, now_us_), next_seq_++, slot});
    SiftUp(heap_.size() - 1);
  }
  void After(int64_t delay_us, Fn fn) { At(now_us_ + delay_us, std::move(fn)); }

  // Runs every event due at or before t_us (including those they schedule in that span); the
  // clock then reads t_us.
  void RunUntil(int64_t t_us) {
    while (!heap_.empty() && heap_.front().t <= t_us) {
      const Entry top = heap_.front();
      heap_.front() = heap_.back();
      heap_.pop_back();
      if (!heap_.empty()) SiftDown(0);
      now_us_ = top.t;
      ++executed_;
      Fn fn = std::move(fns_[top.slot]);
      free_.push_back(top.slot);
      fn();
    }
    now_us_ = std::max(now_us_, t_us);
  }

  size_t pending() const { return heap_.size(); }
  uint64_t executed() const { return executed_; }

 private:
  // The heap holds small plain entries (moved on every sift); the functions stay in fns_.
  struct Entry {
    int64_t t;
    uint64_t seq;
    uint32_t slot;  // in fns_
  };
  static bool Before(const Entry& a, const Entry& b) {
    return a.t != b.t ? a.t < b.t : a.seq < b.seq;
  }
  // A 4-ary min-heap: half the depth of a binary one, and a node's children share a cache
  // line or two. (t, seq) is unique, so the order of events is the same as any heap's.
  static constexpr size_t kArity = 4;
  void SiftUp(size_t i) {
    const Entry e = heap_[i];
    while (i > 0) {
      const size_t parent = (i - 1) / kArity;
      if (!Before(e, heap_[parent])) break;
      heap_[i] = heap_[parent];
      i = parent;
    }
    heap_[i] = e;
  }
  void SiftDown(size_t i) {
    const Entry e = heap_[i];
    const size_t n = heap_.size();
    while (true) {
      const size_t first = i * kArity + 1;
      if (first >= n) break;
      size_t best = first;
      const size_t last = std::min(first + kArity, n);
      for (size_t c = first + 1; c < last; ++c) {
        if (Before(heap_[c], heap_[best])) best = c;
      }
      if (!Before(heap_[best], e)) break;
      heap_[i] = heap_[best];
      i = best;
    }
    heap_[i] = e;
  }

  std::vector<Entry> heap_;
  std::vector<Fn> fns_;
  std::vector<uint32_t> free_;  // slots of fns_ not in use
  int64_t now_us_ = 0;
  uint64_t next_seq_ = 0;
  uint64_t executed_ = 0;
};

}  // namespace waybill::overlay_sim
