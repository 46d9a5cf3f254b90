// The one bounded walk of an asset's lineage: its ancestors (through parents) or its
// descendants (through children), breadth first, each asset once at its smallest hop from the
// start. The trace (routes_trace.cpp), the asset page's origins and attestations
// (routes_assets.cpp) and the EPCIS lineage document (epcis_route.cpp) all read it.
//
// Does not: read events, or know JSON. It reads assets through a function, so a test drives it
// with a map and the node with a consensus::ReadSnapshot.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>

#include "chain/state.h"
#include "chain/status.h"
#include "chain/types.h"

namespace waybill::node {

enum class LineageDirection { kBack, kForward };

struct LineageLimits {
  uint32_t max_depth = UINT32_MAX;  // hops from the start; deeper assets are not visited
  size_t max_nodes = 5000;          // assets in the result, the start included
};

struct LineageNode {
  chain::Asset asset;
  uint32_t depth = 0;  // hops from the start
};

struct Lineage {
  // Breadth first: nodes[0] is the start, depths never decrease along the vector.
  std::vector<LineageNode> nodes;
  // Asset id -> position in nodes.
  std::unordered_map<chain::Hash256, size_t, chain::Hash256Hasher> index;
  // True when an asset within max_depth was left out because nodes reached max_nodes.
  bool truncated = false;
};

// Reads an asset: nullopt when it does not exist, an error status when the read failed.
using LineageAssetReader =
    std::function<chain::Result<std::optional<chain::Asset>>(const chain::Hash256&)>;

// The lineage of start. A neighbour the reader does not know is skipped (a consistent chain
// has none); a read error is returned as is. REQUIRES: limits.max_nodes >= 1.
[[nodiscard]] chain::Result<Lineage> WalkLineage(chain::Asset start, LineageDirection direction,
                                                 const LineageLimits& limits,
                                                 const LineageAssetReader& read);

}  // namespace waybill::node
