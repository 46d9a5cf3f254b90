// What the REST route files share: parsing ids and paging parameters into values or a 400
// problem, the snapshot of a request, party summaries from it, and the JSON of events with
// their confirmations. Internal to node/rest/ (other areas may use it too).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "chain/state.h"
#include "chain/status.h"
#include "chain/types.h"
#include "consensus/read_snapshot.h"
#include "node/rest/rest.h"
#include "node/rpc/parties.h"

namespace waybill::node {

// A value, or the problem+json reply that says why there is none.
template <typename T>
using RestOr = std::variant<T, HttpResponse>;

// The snapshot every handler reads (one per request).
std::shared_ptr<const consensus::ReadSnapshot> RestSnapshot(const RestContext& ctx);
// The best header's height now (consensus::Chainstate::Figures(): never waits for the
// chainstate's lock, and follows headers as they arrive, between tip changes too).
uint32_t RestBestHeaderHeight(const RestContext& ctx);

// 500 for a local fault (a store read that failed): the detail is not the node's internals.
HttpResponse RestInternalError(const chain::Status& status);

// A 64-hex id from a path segment: 400 "Malformed id" naming `what` ("asset", "tx", "block").
RestOr<chain::Hash256> RestParseId(const std::string& text, std::string_view what);
// An account: 64 hex digits or an address of the network; 400 "Malformed address" otherwise.
RestOr<chain::AccountId> RestParseAccount(const consensus::ReadSnapshot& snap,
                                          const std::string& text);
// An optional decimal query parameter in [lo, hi], default `fallback` when absent; 400 "Bad
// parameter" for anything else (signs, spaces, more than 10 digits, out of range).
RestOr<uint32_t> RestParseUint(const RestRequest& req, std::string_view name, uint32_t lo,
                               uint32_t hi, uint32_t fallback);
// An optional 64-hex query parameter (a cursor "after"); 400 "Bad parameter" if malformed.
RestOr<std::optional<chain::Hash256>> RestParseAfter(const RestRequest& req,
                                                     std::string_view name);

// Confirmations of something at height in the snapshot's active chain.
inline int64_t RestConfirmations(const consensus::ReadSnapshot& snap, uint32_t height) {
  return static_cast<int64_t>(snap.tip().height) - height + 1;
}

// The address prefix and units of the snapshot's network.
const std::string& RestHrp(const consensus::ReadSnapshot& snap);

// A PartyDirectory reading the snapshot (keep `snap` alive as long as it is used).
PartyDirectory RestParties(const std::shared_ptr<const consensus::ReadSnapshot>& snap);

// The yield of a transform or transform_output event (as the RPC's getassethistory),
// read from the snapshot; nullopt for other events, mixed units or an unreadable link.
std::optional<uint64_t> RestEventYield(const consensus::ReadSnapshot& snap,
                                       const chain::AssetEvent& event);

// The members of an event of the REST API: EventToJson's (with its yield), actor_party,
// counterparty_party and confirmations, into an object the caller has opened. Sink:
// JsonWriter (the hot paths) or JsonTreeBuilder.
template <typename Sink>
void RestWriteEventFields(Sink& out, const consensus::ReadSnapshot& snap,
                          PartyDirectory* parties, const chain::AssetEvent& event);
// The members of an asset of the REST API: AssetToJson's, issuer_party and custodian_party.
template <typename Sink>
void RestWriteAssetFields(Sink& out, const consensus::ReadSnapshot& snap,
                          PartyDirectory* parties, const chain::Asset& asset);
// The same as one Json object each.
RestJson RestEventJson(const consensus::ReadSnapshot& snap, PartyDirectory* parties,
                       const chain::AssetEvent& event);
RestJson RestAssetJson(const consensus::ReadSnapshot& snap, PartyDirectory* parties,
                       const chain::Asset& asset);

// An asset by id: the asset, 404 when unknown, 500 on a read error.
RestOr<chain::Asset> RestLoadAsset(const consensus::ReadSnapshot& snap, const chain::Hash256& id);

// The GS1 Digital Link URI of an asset (ctx.public_url + "/01/{gtin}/10/{lot}[/21/{serial}]",
// from its published metadata gtin, lot and serial, percent-encoded); nullopt without gtin
// and lot (digital_link.cpp).
std::optional<std::string> RestDigitalLinkUri(const RestContext& ctx, const chain::Asset& asset);

// The value of a published metadata key of asset; nullopt when absent.
std::optional<std::string> RestMetadataValue(const chain::Asset& asset, std::string_view key);

// A search by published metadata: assets whose entry `key` equals `value` for every term.
struct RestMetaTerm {
  std::string key;
  std::string value;
};
struct RestMetaMatches {
  std::vector<chain::Asset> assets;           // in asset id order
  std::optional<chain::Hash256> next_cursor;  // set: more may follow after this id
};
// The first term is read from the metadata index (ReadSnapshot::FindByMetadata), the others
// are checked on each asset found. At most `limit` matches, after `after`; at most
// kRestMaxMetaScan index entries are read per call (a page may then hold fewer than limit
// matches, or none, with a next_cursor). REQUIRES: terms is not empty.
inline constexpr size_t kRestMaxMetaScan = 5000;
RestOr<RestMetaMatches> RestFindByMetadata(const consensus::ReadSnapshot& snap,
                                           const std::vector<RestMetaTerm>& terms,
                                           std::optional<chain::Hash256> after, size_t limit);

}  // namespace waybill::node
