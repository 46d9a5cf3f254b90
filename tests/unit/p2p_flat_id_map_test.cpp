#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <random>
#include <vector>

#include "p2p/flat_id_map.h"

namespace waybill::p2p {
namespace {

std::vector<int> Keys(const FlatIdMap<int, std::unique_ptr<int>>& m) {
  std::vector<int> out;
  for (const auto& [k, v] : m) out.push_back(k);
  return out;
}

TEST(FlatIdMapTest, BehavesAsAnOrderedMap) {
  FlatIdMap<int, std::unique_ptr<int>> flat;
  std::map<int, int> ref;
  std::mt19937 rng(3);
  for (int step = 0; step < 2000; ++step) {
    // Mostly increasing ids, as peer ids are, with some out of order and some erasures.
    const int id = step % 5 == 0 ? static_cast<int>(rng() % 300) : step / 5 + 100;
    if (rng() % 3 == 0) {
      EXPECT_EQ(flat.erase(id), ref.erase(id)) << id;
    } else {
      auto [it, inserted] = flat.emplace(id, std::make_unique<int>(step));
      auto [rit, rinserted] = ref.emplace(id, step);
      EXPECT_EQ(inserted, rinserted) << id;
      EXPECT_EQ(it->first, id);
      EXPECT_EQ(*it->second, rit->second);
    }
    ASSERT_EQ(flat.size(), ref.size());
  }
  std::vector<int> ref_keys;
  for (const auto& [k, v] : ref) ref_keys.push_back(k);
  EXPECT_EQ(Keys(flat), ref_keys);
  for (int id = -1; id < 800; ++id) {
    ASSERT_EQ(flat.count(id), ref.count(id)) << id;
    auto it = flat.find(id);
    if (ref.count(id)) {
      ASSERT_NE(it, flat.end());
      EXPECT_EQ(*it->second, ref.at(id));
    } else {
      EXPECT_EQ(it, flat.end());
    }
  }
}

TEST(FlatIdMapTest, EraseByIteratorAndEmpty) {
  FlatIdMap<int, std::unique_ptr<int>> m;
  EXPECT_TRUE(m.empty());
  EXPECT_EQ(m.find(1), m.end());
  m.emplace(5, std::make_unique<int>(50));
  m.emplace(1, std::make_unique<int>(10));
  m.emplace(9, std::make_unique<int>(90));
  int* five = m.find(5)->second.get();
  m.erase(m.find(1));
  EXPECT_EQ(Keys(m), (std::vector<int>{5, 9}));
  EXPECT_EQ(m.find(5)->second.get(), five);  // the value behind the pointer stays put
  EXPECT_EQ(m.erase(7), 0u);
  EXPECT_EQ(m.erase(9), 1u);
  EXPECT_EQ(m.erase(5), 1u);
  EXPECT_TRUE(m.empty());
}

}  // namespace
}  // namespace waybill::p2p
