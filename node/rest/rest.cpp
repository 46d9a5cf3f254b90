#include "node/rest/rest.h"

#include <cstdio>

#include "chain/hash.h"
#include "chain/types.h"

namespace waybill::node {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes s ('+' stays '+': this is a path or an RFC 3986 query, not a form). nullopt
// on a bad escape or a NUL.
std::optional<std::string> PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = HexValue(s[i + 1]);
      int lo = HexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (c == '\0') return std::nullopt;
    out.push_back(c);
  }
  return out;
}

std::vector<std::string_view> SplitView(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t end = s.find(sep, start);
    parts.push_back(s.substr(start, end == std::string_view::npos ? std::string_view::npos
                                                                    : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

std::string Slug(std::string_view title) {
  std::string slug;
  for (char c : title) {
    if (c >= 'A' && c <= 'Z') {
      slug.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      slug.push_back(c);
    } else if (!slug.empty() && slug.back() != '-') {
      slug.push_back('-');
    }
  }
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  return slug;
}

void AddCacheHeaders(CachePolicy cache, HttpResponse* r) {
  switch (cache) {
    case CachePolicy::kNoStore:
      r->headers.emplace_back("Cache-Control", "no-store");
      break;
    case CachePolicy::kShort:
      r->headers.emplace_back("Cache-Control", "public, max-age=5");
      break;
    case CachePolicy::kImmutable:
      r->headers.emplace_back("Cache-Control", "public, max-age=31536000, immutable");
      break;
  }
}

// True if an If-None-Match value lists etag (or is "*"). Weak validators compare by their
// opaque part (RFC 9110 §13.1.2: the weak comparison).
bool NoneMatchHits(std::string_view if_none_match, std::string_view etag) {
  for (std::string_view item : SplitView(if_none_match, ',')) {
    item = TrimHttpSpaces(item);
    if (item == "*") return true;
    if (item.substr(0, 2) == "W/") item.remove_prefix(2);
    if (item == etag) return true;
  }
  return false;
}

}  // namespace

std::optional<std::string> RestRequest::Query(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return value;
  }
  return std::nullopt;
}

std::string_view RestRequest::Header(std::string_view lower_name) const {
  return http == nullptr ? std::string_view() : http->Header(lower_name);
}

std::optional<RestRequest> ParseRestTarget(const HttpRequest& http) {
  std::string_view target = http.target;
  if (target.empty() || target.front() != '/') return std::nullopt;
  RestRequest req;
  req.http = &http;
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  if (path.find('#') != std::string_view::npos) return std::nullopt;
  req.path = std::string(path);
  for (std::string_view raw : SplitView(path.substr(1), '/')) {
    auto segment = PercentDecode(raw);
    if (!segment || segment->find('/') != std::string::npos || *segment == "." ||
        *segment == "..") {
      return std::nullopt;
    }
    req.segments.push_back(std::move(*segment));
  }
  // "/" and a trailing '/' leave an empty last segment: "/v1/status/" is not "/v1/status".
  if (req.segments.size() == 1 && req.segments[0].empty()) req.segments.clear();
  if (q != std::string_view::npos) {
    std::string_view query = target.substr(q + 1);
    if (query.find('#') != std::string_view::npos) return std::nullopt;
    if (!query.empty()) {
      for (std::string_view pair : SplitView(query, '&')) {
        if (pair.empty()) continue;
        size_t eq = pair.find('=');
        auto key = PercentDecode(pair.substr(0, eq));
        auto value = PercentDecode(eq == std::string_view::npos ? std::string_view()
                                                                 : pair.substr(eq + 1));
        if (!key || !value) return std::nullopt;
        req.query.emplace_back(std::move(*key), std::move(*value));
      }
    }
  }
  return req;
}

HttpResponse JsonReply(const RestRequest& request, const RestJson& body, CachePolicy cache,
                       int status) {
  return JsonReply(request, body.dump(-1, ' ', false, RestJson::error_handler_t::replace), cache,
                   status);
}

HttpResponse JsonReply(const RestRequest& request, std::string body, CachePolicy cache,
                       int status) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  r.body.push_back('\n');
  AddCacheHeaders(cache, &r);
  if (cache != CachePolicy::kNoStore) {
    chain::Hash256 digest = chain::Sha256Hash(chain::ByteSpan(
        reinterpret_cast<const uint8_t*>(r.body.data()), r.body.size()));
    std::string etag = "\"" + chain::HexEncode(chain::ByteSpan(digest.data(), 16)) + "\"";
    std::string_view if_none_match = request.Header("if-none-match");
    r.headers.emplace_back("ETag", etag);
    if (!if_none_match.empty() && NoneMatchHits(if_none_match, etag)) {
      r.status = 304;
      r.body.clear();
      r.content_type.clear();
    }
  }
  return r;
}

HttpResponse Problem(int status, std::string_view title, std::string detail) {
  RestJson body = {{"type", "https://waybill.dev/problems/" + Slug(title)},
                   {"title", std::string(title)},
                   {"status", status},
                   {"detail", std::move(detail)}};
  HttpResponse r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.body = body.dump(-1, ' ', false, RestJson::error_handler_t::replace);
  r.body.push_back('\n');
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

void RestRoutes::Add(std::string method, std::string pattern, RestHandler handler) {
  Route route;
  route.method = std::move(method);
  route.pattern = std::move(pattern);
  for (std::string_view part : SplitView(std::string_view(route.pattern).substr(1), '/')) {
    route.parts.emplace_back(part);
  }
  if (route.parts.size() == 1 && route.parts[0].empty()) route.parts.clear();
  route.handler = std::move(handler);
  routes_.push_back(std::move(route));
}

RestRoutes::Match RestRoutes::Find(std::string_view method,
                                   const std::vector<std::string>& segments) const {
  Match match;
  for (const Route& route : routes_) {
    if (route.parts.size() != segments.size()) continue;
    std::vector<std::string> params;
    bool ok = true;
    for (size_t i = 0; i < segments.size() && ok; ++i) {
      const std::string& part = route.parts[i];
      if (part.size() >= 2 && part.front() == '{' && part.back() == '}') {
        ok = !segments[i].empty();
        if (ok) params.push_back(segments[i]);
      } else {
        ok = part == segments[i];
      }
    }
    if (!ok) continue;
    if (route.method != method) {
      match.allowed.push_back(route.method);
      continue;
    }
    match.handler = &route.handler;
    match.pattern = route.pattern;
    match.params = std::move(params);
    match.allowed.clear();
    return match;
  }
  return match;
}

std::vector<std::pair<std::string, std::string>> RestRoutes::List() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Route& route : routes_) out.emplace_back(route.method, route.pattern);
  return out;
}

}  // namespace waybill::node
