#include "node/rest/lineage.h"

#include <utility>

namespace waybill::node {

chain::Result<Lineage> WalkLineage(chain::Asset start, LineageDirection direction,
                                   const LineageLimits& limits, const LineageAssetReader& read) {
  Lineage out;
  out.index.emplace(start.id, 0);
  out.nodes.push_back({std::move(start), 0});
  const bool back = direction == LineageDirection::kBack;
  for (size_t i = 0; i < out.nodes.size(); ++i) {
    if (out.nodes[i].depth >= limits.max_depth) continue;
    const uint32_t depth = out.nodes[i].depth + 1;
    // A copy: push_back below may move the node this list belongs to.
    const std::vector<chain::Hash256> next =
        back ? out.nodes[i].asset.parents : out.nodes[i].asset.children;
    for (const chain::Hash256& id : next) {
      if (out.index.contains(id)) continue;
      if (out.nodes.size() >= limits.max_nodes) {
        // Nothing more can be added: what is left to visit could only be left out too.
        out.truncated = true;
        return out;
      }
      auto asset = read(id);
      if (!asset.ok()) return asset.status();
      if (!*asset) continue;
      out.index.emplace(id, out.nodes.size());
      out.nodes.push_back({std::move(**asset), depth});
    }
  }
  return out;
}

}  // namespace waybill::node
