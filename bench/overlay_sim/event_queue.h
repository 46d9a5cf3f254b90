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
    heap_.push_back(Event{std::max(t_us, now_us_), next_seq_++, std::move(fn)});
    std::push_heap(heap_.begin(), heap_.end(), Later{});
  }
  void After(int64_t delay_us, Fn fn) { At(now_us_ + delay_us, std::move(fn)); }

  // Runs every event due at or before t_us (including those they schedule in that span); the
  // clock then reads t_us.
  void RunUntil(int64_t t_us) {
    while (!heap_.empty() && heap_.front().t <= t_us) {
      std::pop_heap(heap_.begin(), heap_.end(), Later{});
      Event event = std::move(heap_.back());
      heap_.pop_back();
      now_us_ = event.t;
      ++executed_;
      event.fn();
    }
    now_us_ = std::max(now_us_, t_us);
  }

  size_t pending() const { return heap_.size(); }
  uint64_t executed() const { return executed_; }

 private:
  struct Event {
    int64_t t;
    uint64_t seq;
    Fn fn;
  };
  // std::push_heap keeps the greatest first: the latest event is the "least".
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      return a.t != b.t ? a.t > b.t : a.seq > b.seq;
    }
  };

  std::vector<Event> heap_;
  int64_t now_us_ = 0;
  uint64_t next_seq_ = 0;
  uint64_t executed_ = 0;
};

}  // namespace waybill::overlay_sim
