// A map from ids to values kept as one vector sorted by id: a lookup is a binary search over
// contiguous memory and iteration runs in id order, as std::map's, without a node per entry.
// Meant for the few dozen peers of a node, whose ids only grow (so an insertion appends).
// Unlike std::map, any insertion or erasure invalidates every iterator and reference into the
// map (keep values behind a pointer when their address must stay).
#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

namespace waybill::p2p {

template <typename K, typename V>
class FlatIdMap {
 public:
  using value_type = std::pair<K, V>;
  using iterator = typename std::vector<value_type>::iterator;
  using const_iterator = typename std::vector<value_type>::const_iterator;

  iterator begin() { return items_.begin(); }
  iterator end() { return items_.end(); }
  const_iterator begin() const { return items_.begin(); }
  const_iterator end() const { return items_.end(); }
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }

  iterator find(const K& id) {
    auto it = LowerBound(id);
    return it != items_.end() && it->first == id ? it : items_.end();
  }
  const_iterator find(const K& id) const {
    auto it = std::lower_bound(items_.begin(), items_.end(), id, KeyLess{});
    return it != items_.end() && it->first == id ? it : items_.end();
  }
  size_t count(const K& id) const { return find(id) != end() ? 1 : 0; }

  // Inserts (id, value) unless id is present; as std::map::emplace.
  std::pair<iterator, bool> emplace(const K& id, V value) {
    auto it = LowerBound(id);
    if (it != items_.end() && it->first == id) return {it, false};
    return {items_.emplace(it, id, std::move(value)), true};
  }
  iterator erase(const_iterator it) { return items_.erase(it); }
  size_t erase(const K& id) {
    auto it = find(id);
    if (it == items_.end()) return 0;
    items_.erase(it);
    return 1;
  }

 private:
  struct KeyLess {
    bool operator()(const value_type& item, const K& id) const { return item.first < id; }
  };
  iterator LowerBound(const K& id) {
    // Ids mostly arrive in increasing order: check the end first.
    if (items_.empty() || items_.back().first < id) return items_.end();
    return std::lower_bound(items_.begin(), items_.end(), id, KeyLess{});
  }

  std::vector<value_type> items_;
};

}  // namespace waybill::p2p
