// GS1 Digital Link resolution: GET /01/{gtin}/10/{lot}[/21/{serial}] finds the assets whose
// published metadata gtin, lot (and serial) match, and sends a browser to the item's page or
// answers a client with an RFC 9264 linkset.
#include <utility>

#include "node/rest/route_util.h"
#include "node/rest/routes.h"

namespace waybill::node {
namespace {

// Matches listed in one linkset (a lot rarely has more than a few assets).
constexpr size_t kLinkMaxMatches = 100;

// RFC 3986 percent-encoding of everything but the unreserved characters.
std::string LinkPercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || u == '-' ||
        u == '.' || u == '_' || u == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

std::string LinkPath(std::string_view gtin, std::string_view lot,
                     const std::optional<std::string>& serial) {
  std::string path = "/01/" + LinkPercentEncode(gtin) + "/10/" + LinkPercentEncode(lot);
  if (serial) path += "/21/" + LinkPercentEncode(*serial);
  return path;
}

bool LinkWantsLinkset(const RestRequest& req) {
  return req.Header("accept").find("application/linkset+json") != std::string_view::npos;
}

HttpResponse LinkLinkset(const RestContext& ctx, const RestRequest& req, const std::string& path,
                         const std::vector<chain::Asset>& matches) {
  RestJson sets = RestJson::array();
  for (const chain::Asset& a : matches) {
    const std::string id = a.id.ToHex();
    const std::string api = ctx.public_url + "/v1/assets/" + id;
    sets.push_back(
        {{"anchor", ctx.public_url + path},
         {"https://gs1.org/voc/pip",
          {{{"href", ctx.public_url + "/asset/" + id}, {"type", "text/html"}}}},
         {"https://gs1.org/voc/traceability", {{{"href", api}, {"type", "application/json"}}}},
         {"https://gs1.org/voc/epcis", {{{"href", api + "/epcis"}, {"type", "application/ld+json"}}}},
         {"https://gs1.org/voc/defaultLink",
          {{{"href", ctx.public_url + "/asset/" + id}, {"type", "text/html"}}}}});
  }
  HttpResponse r = JsonReply(req, RestJson{{"linkset", std::move(sets)}}, CachePolicy::kShort);
  if (r.status == 200) r.content_type = "application/linkset+json";
  return r;
}

HttpResponse LinkRedirect(const RestContext& ctx, const std::string& gtin, const std::string& lot,
                          const std::optional<std::string>& serial,
                          const std::vector<chain::Asset>& matches) {
  std::string location;
  if (matches.size() == 1) {
    location = ctx.public_url + "/asset/" + matches.front().id.ToHex();
  } else {
    location = ctx.public_url + "/search?meta.gtin=" + LinkPercentEncode(gtin) +
               "&meta.lot=" + LinkPercentEncode(lot);
    if (serial) location += "&meta.serial=" + LinkPercentEncode(*serial);
  }
  HttpResponse r;
  r.status = 302;
  r.content_type.clear();
  r.headers.emplace_back("Location", location);
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("Vary", "Accept");
  return r;
}

HttpResponse LinkRoute(const RestContext& ctx, const RestRequest& req) {
  const std::string& gtin = req.params.at(0);
  const std::string& lot = req.params.at(1);
  std::optional<std::string> serial;
  if (req.params.size() > 2) serial = req.params.at(2);
  std::vector<RestMetaTerm> terms = {{"gtin", gtin}, {"lot", lot}};
  if (serial) terms.push_back({"serial", *serial});
  for (const RestMetaTerm& t : terms) {
    if (t.value.size() > 256) return Problem(400, "Bad parameter", t.key + ": at most 256 bytes");
  }
  auto snap = RestSnapshot(ctx);
  auto found = RestFindByMetadata(*snap, terms, std::nullopt, kLinkMaxMatches);
  if (auto* bad = std::get_if<HttpResponse>(&found)) return std::move(*bad);
  const std::vector<chain::Asset>& matches = std::get<RestMetaMatches>(found).assets;
  if (matches.empty()) {
    return Problem(404, "Not found", "no asset with this gtin and lot" +
                                         std::string(serial ? " and serial" : ""));
  }
  if (LinkWantsLinkset(req)) return LinkLinkset(ctx, req, LinkPath(gtin, lot, serial), matches);
  return LinkRedirect(ctx, gtin, lot, serial, matches);
}

}  // namespace

std::optional<std::string> RestDigitalLinkUri(const RestContext& ctx, const chain::Asset& asset) {
  std::optional<std::string> gtin = RestMetadataValue(asset, "gtin");
  std::optional<std::string> lot = RestMetadataValue(asset, "lot");
  if (!gtin || !lot) return std::nullopt;
  return ctx.public_url + LinkPath(*gtin, *lot, RestMetadataValue(asset, "serial"));
}

void RegisterDigitalLinkRoutes(RestRoutes& routes) {
  routes.Add("GET", "/01/{gtin}/10/{lot}", LinkRoute);
  routes.Add("GET", "/01/{gtin}/10/{lot}/21/{serial}", LinkRoute);
}

}  // namespace waybill::node
