// WalkLineage (node/rest/lineage.h) over assets in a map: breadth first, each asset once at its
// smallest hop, max_depth, the node cap and its truncated flag, unknown neighbours, read errors.
#include "node/rest/lineage.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <vector>

namespace waybill::node {
namespace {

using chain::Asset;
using chain::Hash256;

Hash256 H(uint32_t n) {
  Hash256 h;
  h.bytes[0] = static_cast<uint8_t>(n);
  h.bytes[1] = static_cast<uint8_t>(n >> 8);
  h.bytes[2] = static_cast<uint8_t>(n >> 16);
  h.bytes[31] = 1;  // never zero
  return h;
}

class Assets {
 public:
  // child's parents and parent's children get each other.
  void Link(uint32_t parent, uint32_t child) {
    Get(parent).children.push_back(H(child));
    Get(child).parents.push_back(H(parent));
  }
  Asset& Get(uint32_t n) {
    Asset& a = map_[H(n)];
    a.id = H(n);
    return a;
  }
  LineageAssetReader Reader() {
    return [this](const Hash256& id) -> chain::Result<std::optional<Asset>> {
      ++reads;
      if (id == failing) return chain::Status::IoError("disk");
      auto it = map_.find(id);
      if (it == map_.end()) return std::optional<Asset>();
      return std::optional<Asset>(it->second);
    };
  }
  int reads = 0;
  Hash256 failing;

 private:
  std::map<Hash256, Asset> map_;
};

std::vector<std::pair<Hash256, uint32_t>> Visited(const Lineage& g) {
  std::vector<std::pair<Hash256, uint32_t>> out;
  for (const LineageNode& n : g.nodes) out.emplace_back(n.asset.id, n.depth);
  return out;
}

// 1 split into 2 and 3; 2 and 3 merged into 4; 4 split into 5.
Assets Diamond() {
  Assets a;
  a.Link(1, 2);
  a.Link(1, 3);
  a.Link(2, 4);
  a.Link(3, 4);
  a.Link(4, 5);
  return a;
}

TEST(LineageTest, BackAndForwardVisitEachAssetOnceAtItsSmallestHop) {
  Assets a = Diamond();
  auto back = WalkLineage(a.Get(5), LineageDirection::kBack, {}, a.Reader());
  ASSERT_TRUE(back.ok());
  using V = std::vector<std::pair<Hash256, uint32_t>>;
  EXPECT_EQ(Visited(*back), (V{{H(5), 0}, {H(4), 1}, {H(2), 2}, {H(3), 2}, {H(1), 3}}));
  EXPECT_FALSE(back->truncated);
  EXPECT_EQ(back->index.at(H(1)), 4u);
  EXPECT_EQ(a.reads, 4);  // 1 is reached twice and read once

  auto fwd = WalkLineage(a.Get(1), LineageDirection::kForward, {}, a.Reader());
  ASSERT_TRUE(fwd.ok());
  EXPECT_EQ(Visited(*fwd), (V{{H(1), 0}, {H(2), 1}, {H(3), 1}, {H(4), 2}, {H(5), 3}}));
  EXPECT_FALSE(fwd->truncated);
}

TEST(LineageTest, MaxDepthStopsWithoutTruncating) {
  Assets a = Diamond();
  auto g = WalkLineage(a.Get(5), LineageDirection::kBack, {.max_depth = 2}, a.Reader());
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->nodes.size(), 4u);  // 5, 4, 2, 3
  EXPECT_FALSE(g->index.contains(H(1)));
  EXPECT_FALSE(g->truncated);
  auto alone = WalkLineage(a.Get(5), LineageDirection::kBack, {.max_depth = 0}, a.Reader());
  ASSERT_TRUE(alone.ok());
  EXPECT_EQ(alone->nodes.size(), 1u);
  EXPECT_FALSE(alone->truncated);
}

TEST(LineageTest, NodeCapTruncatesOnlyWhenSomethingIsLeftOut) {
  Assets a = Diamond();
  for (size_t cap = 1; cap <= 4; ++cap) {
    auto g = WalkLineage(a.Get(5), LineageDirection::kBack, {.max_nodes = cap}, a.Reader());
    ASSERT_TRUE(g.ok());
    EXPECT_EQ(g->nodes.size(), cap);
    EXPECT_TRUE(g->truncated) << cap;
  }
  auto exact = WalkLineage(a.Get(5), LineageDirection::kBack, {.max_nodes = 5}, a.Reader());
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(exact->nodes.size(), 5u);
  EXPECT_FALSE(exact->truncated);
  // Cut by depth before the cap is reached: not truncated.
  auto shallow = WalkLineage(a.Get(5), LineageDirection::kBack, {.max_depth = 1, .max_nodes = 2},
                             a.Reader());
  ASSERT_TRUE(shallow.ok());
  EXPECT_EQ(shallow->nodes.size(), 2u);
  EXPECT_FALSE(shallow->truncated);
}

TEST(LineageTest, AWideFanReadsNoMoreThanTheCap) {
  Assets a;
  for (uint32_t i = 2; i <= 12001; ++i) a.Link(1, i);
  auto g = WalkLineage(a.Get(1), LineageDirection::kForward, {.max_nodes = 5000}, a.Reader());
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->nodes.size(), 5000u);
  EXPECT_TRUE(g->truncated);
  EXPECT_EQ(a.reads, 4999);
  EXPECT_EQ(g->nodes.back().asset.id, H(5000));  // the children in their order
}

TEST(LineageTest, UnknownNeighbourIsSkippedAndAReadErrorReturned) {
  Assets a = Diamond();
  a.Get(4).parents.push_back(H(99));  // not in the map
  auto g = WalkLineage(a.Get(5), LineageDirection::kBack, {}, a.Reader());
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->nodes.size(), 5u);
  EXPECT_FALSE(g->index.contains(H(99)));
  a.failing = H(3);
  auto failed = WalkLineage(a.Get(5), LineageDirection::kBack, {}, a.Reader());
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), chain::Status::Code::kIoError);
}

}  // namespace
}  // namespace waybill::node
