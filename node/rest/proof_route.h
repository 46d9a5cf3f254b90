// GET /v1/assets/{id}/proof: the asset's proof bundle (docs/PROTOCOL.md §14, docs/API.md
// "REST API"), which `waybill proof verify` checks with no node.
#pragma once

#include "node/rest/rest.h"

namespace waybill::node {

// The media type of a proof bundle.
inline constexpr const char* kProofMediaType = "application/vnd.waybill.proof";

// GET /v1/assets/{id}/proof: the binary bundle (application/vnd.waybill.proof, attachment
// "<id>.wbproof"), or with ?format=json the same content as JSON (hex fields). 400 malformed
// id or format, 404 unknown asset, 422 "Lineage too large" past the bundle's bounds.
void RegisterProofRoutes(RestRoutes& routes);

}  // namespace waybill::node
