// GET /v1/search?meta.KEY=VALUE...: assets by published metadata, from the metadata index.
#include <algorithm>
#include <utility>

#include "node/rest/route_util.h"
#include "node/rest/routes.h"

namespace waybill::node {
namespace {

constexpr uint32_t kSearchDefaultLimit = 100;
constexpr uint32_t kSearchMaxLimit = 1000;
// The longest metadata key and value a tx can publish (chain/tx.h): longer terms match nothing.
constexpr size_t kSearchMaxKey = 32;
constexpr size_t kSearchMaxValue = 256;
constexpr size_t kSearchMaxTerms = 8;

// The meta.* terms in query order; 400 when there is none, too many, or one too long.
RestOr<std::vector<RestMetaTerm>> SearchTerms(const RestRequest& req) {
  std::vector<RestMetaTerm> terms;
  for (const auto& [name, value] : req.query) {
    if (name.rfind("meta.", 0) != 0) continue;
    RestMetaTerm t{name.substr(5), value};
    if (t.key.empty() || t.key.size() > kSearchMaxKey || t.value.size() > kSearchMaxValue) {
      return Problem(400, "Bad parameter",
                     name + ": keys are 1 to 32 bytes, values at most 256 bytes");
    }
    terms.push_back(std::move(t));
  }
  if (terms.empty()) {
    return Problem(400, "Bad parameter", "search needs at least one meta.KEY=VALUE term");
  }
  if (terms.size() > kSearchMaxTerms) {
    return Problem(400, "Bad parameter", "at most 8 meta.KEY=VALUE terms");
  }
  return terms;
}

bool SearchMatchesRest(const chain::Asset& asset, const std::vector<RestMetaTerm>& terms) {
  for (size_t i = 1; i < terms.size(); ++i) {
    std::optional<std::string> v = RestMetadataValue(asset, terms[i].key);
    if (!v || *v != terms[i].value) return false;
  }
  return true;
}

HttpResponse SearchRoute(const RestContext& ctx, const RestRequest& req) {
  auto terms = SearchTerms(req);
  if (auto* bad = std::get_if<HttpResponse>(&terms)) return std::move(*bad);
  auto after = RestParseAfter(req, "after");
  if (auto* bad = std::get_if<HttpResponse>(&after)) return std::move(*bad);
  auto limit = RestParseUint(req, "limit", 1, kSearchMaxLimit, kSearchDefaultLimit);
  if (auto* bad = std::get_if<HttpResponse>(&limit)) return std::move(*bad);
  auto snap = RestSnapshot(ctx);
  auto found =
      RestFindByMetadata(*snap, std::get<std::vector<RestMetaTerm>>(terms),
                         std::get<std::optional<chain::Hash256>>(after), std::get<uint32_t>(limit));
  if (auto* bad = std::get_if<HttpResponse>(&found)) return std::move(*bad);
  const RestMetaMatches& m = std::get<RestMetaMatches>(found);
  PartyDirectory parties = RestParties(snap);
  RestJson results = RestJson::array();
  for (const chain::Asset& a : m.assets) results.push_back(RestAssetJson(*snap, &parties, a));
  if (!parties.status().ok()) return RestInternalError(parties.status());
  RestJson body = {{"results", std::move(results)},
                   {"next_cursor", m.next_cursor ? RestJson(m.next_cursor->ToHex())
                                                 : RestJson(nullptr)}};
  return JsonReply(req, body, CachePolicy::kShort);
}

}  // namespace

RestOr<RestMetaMatches> RestFindByMetadata(const consensus::ReadSnapshot& snap,
                                           const std::vector<RestMetaTerm>& terms,
                                           std::optional<chain::Hash256> after, size_t limit) {
  RestMetaMatches out;
  size_t scanned = 0;
  while (scanned < kRestMaxMetaScan) {
    const size_t want = std::min(consensus::ReadSnapshot::kMaxMetaPage, kRestMaxMetaScan - scanned);
    auto page = snap.FindByMetadata(terms[0].key, terms[0].value, after, want);
    if (!page.ok()) return RestInternalError(page.status());
    for (size_t i = 0; i < page->assets.size(); ++i) {
      const chain::Hash256& id = page->assets[i];
      ++scanned;
      after = id;
      auto asset = RestLoadAsset(snap, id);
      if (auto* bad = std::get_if<HttpResponse>(&asset)) return std::move(*bad);
      if (!SearchMatchesRest(std::get<chain::Asset>(asset), terms)) continue;
      out.assets.push_back(std::move(std::get<chain::Asset>(asset)));
      if (out.assets.size() >= limit) {
        if (i + 1 < page->assets.size() || page->more) out.next_cursor = id;
        return out;
      }
    }
    if (!page->more || page->assets.empty()) return out;
  }
  out.next_cursor = after;  // the scan budget ran out with more entries to read
  return out;
}

void RegisterSearchRoutes(RestRoutes& routes) { routes.Add("GET", "/v1/search", SearchRoute); }

}  // namespace waybill::node
