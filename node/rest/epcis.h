// GS1 EPCIS 2.0 for an asset's history (docs/API.md "EPCIS"): a pure mapping from asset events
// to an EPCISDocument in JSON-LD, the loader that collects those events (one asset, or its
// whole lineage back to the origin lots) through a reader, and the REST route
// GET /v1/assets/{id}/epcis[?lineage=1].
//
// The mapping (each choice is documented in docs/API.md "EPCIS"):
// - issue -> ObjectEvent ADD, bizStep commissioning, ilmd with the published metadata;
// - transfer -> ObjectEvent OBSERVE, bizStep shipping, sourceList/destinationList with
//   owning_party and possessing_party = the accounts as "urn:waybill:account:<address>";
// - split, merge, transform -> one TransformationEvent per tx (inputs -> outputs);
// - attest -> ObjectEvent OBSERVE: a sensor reading (EpcisSensorReading) gives a
//   sensorElementList, any other claim bizStep inspecting with certificationInfo;
// - correct -> ObjectEvent OBSERVE with the changes as extension fields.
// An asset is named by https://id.gs1.org/01/{gtin}/21/{serial} (epcList) when its metadata
// has gtin and serial, by the class https://id.gs1.org/01/{gtin}/10/{lot} with its quantity
// (quantityList) when it has gtin and lot, else by "urn:waybill:asset:<id>" (epcList).
//
// Does not: read the chain itself (the loader takes a reader), or compute GS1's canonical
// event hash (eventID is a UUID derived from the Waybill event id or txid).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chain/quantity.h"
#include "chain/state.h"
#include "chain/status.h"
#include "chain/types.h"
#include "node/rest/rest.h"

namespace waybill::node {

// The JSON-LD context of every document: GS1's, then the "waybill:" prefix of the extension
// fields.
inline constexpr std::string_view kEpcisContext =
    "https://ref.gs1.org/standards/epcis/epcis-context.jsonld";
inline constexpr std::string_view kEpcisExtensionNamespace = "https://waybill.dev/epcis/";

// Bounds of one document: beyond them the loader stops and marks it truncated.
inline constexpr size_t kEpcisMaxAssets = 1000;
inline constexpr size_t kEpcisMaxEvents = 5000;

// What a document is made from.
struct EpcisInput {
  std::vector<chain::AssetEvent> events;  // the events to map, in the order to emit them
  // Every asset the events name (their own, and the inputs and outputs of each split, merge
  // and transform); one that is missing is named "urn:waybill:asset:<id>" without quantity.
  std::map<chain::Hash256, chain::Asset> assets;
  bool truncated = false;  // a bound stopped the loader: the document says so
};

struct EpcisOptions {
  std::string hrp;           // address prefix of the network (party URIs)
  chain::UnitScales units;   // the network's units table (quantities as decimals)
  uint32_t creation_time = 0;  // creationDate: the tip's block time (deterministic replies)
};

// The EPCISDocument of in's events. Pure.
RestJson EpcisDocument(const EpcisInput& in, const EpcisOptions& options);

// How the loader reads the chain (a snapshot in the node; maps in tests).
struct EpcisReader {
  std::function<chain::Result<std::optional<chain::Asset>>(const chain::Hash256&)> get_asset;
  std::function<chain::Result<std::vector<chain::AssetEvent>>(const chain::Hash256& asset,
                                                              uint32_t from, uint32_t limit)>
      get_events;
};

// The events of asset (lineage: of it and every ancestor back to the origin lots, ordered by
// height, ancestors first within a height) and the assets they name. nullopt if asset does
// not exist; an error of the reader is returned as is.
chain::Result<std::optional<EpcisInput>> LoadEpcisInput(const EpcisReader& reader,
                                                        const chain::Hash256& asset,
                                                        bool lineage);

// Helpers of the mapping, exposed for the tests and the QR route.

// UN/CEFACT Recommendation 20 code of a Waybill unit ("kg" -> "KGM"); nullopt when unknown.
std::optional<std::string> UneceUnitCode(std::string_view unit);
// "2026-12-05T02:03:09Z".
std::string EpcisTime(uint32_t unix_seconds);
// "urn:uuid:..." (RFC 9562 version 8) from the first 16 bytes of h.
std::string EpcisUuid(const chain::Hash256& h);
// The value of a published metadata entry; nullopt if absent or committed.
std::optional<std::string> PublishedMeta(const chain::Asset& asset, std::string_view key);
// "/01/{gtin}/10/{lot}" (+ "/21/{serial}" when the asset has one) with the metadata values as
// they are (percent-encoded where RFC 3986 requires): the path the Digital Link routes
// resolve. nullopt without gtin and lot.
std::optional<std::string> DigitalLinkPath(const chain::Asset& asset);

// A sensor reading in an attestation: claim "temperature" (or "temp") with a value of a decimal
// number and optionally a unit (C, °C, CEL -> CEL; F, °F, FAH -> FAH; K, KEL -> KEL; default
// CEL), or "humidity" / "relative_humidity" with a number and optionally "%" (-> P1).
struct EpcisSensorReading {
  std::string type;   // EPCIS measurementType: "Temperature", "RelativeHumidity"
  std::string value;  // the decimal as written
  std::string uom;    // UN/CEFACT code
};
std::optional<EpcisSensorReading> ParseSensorReading(std::string_view claim,
                                                     std::string_view value);

// GET /v1/assets/{id}/epcis[?lineage=1] -> application/ld+json.
void RegisterEpcisRoutes(RestRoutes& routes);

}  // namespace waybill::node
