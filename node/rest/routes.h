// The REST routes of the core areas (docs/API.md "REST API"), one Register function per area;
// MakeRestRoutes (rest_server.h) calls them. Other areas (proof, EPCIS, QR, events, metrics)
// declare theirs in their own headers.
#pragma once

#include "node/rest/rest.h"

namespace waybill::node {

// GET /v1/assets/{id}, /v1/assets/{id}/history, /v1/assets/{id}/trace (routes_assets.cpp,
// routes_trace.cpp).
void RegisterAssetRoutes(RestRoutes& routes);
// GET /v1/assets/{id}/trace (routes_trace.cpp; RegisterAssetRoutes calls it).
void RegisterTraceRoute(RestRoutes& routes);
// GET /v1/txs/{id}, /v1/blocks/{hash_or_height}, /v1/status (routes_chain.cpp).
void RegisterChainRoutes(RestRoutes& routes);
// GET /v1/accounts/{address} (routes_accounts.cpp).
void RegisterAccountRoutes(RestRoutes& routes);
// GET /v1/contracts/{address} (routes_contracts.cpp).
void RegisterContractRoutes(RestRoutes& routes);
// GET /v1/search (routes_search.cpp).
void RegisterSearchRoutes(RestRoutes& routes);
// GET /01/{gtin}/10/{lot} and /01/{gtin}/10/{lot}/21/{serial} (digital_link.cpp).
void RegisterDigitalLinkRoutes(RestRoutes& routes);
// The explorer page: /, /asset/{id}, /tx/{id}, /block/{x}, /account/{a}, /search and
// /static/{file} (web_files.cpp), from the web/ files embedded at build time.
void RegisterWebRoutes(RestRoutes& routes);

}  // namespace waybill::node
