// The explorer page's routes: the single-page app's entry points and /static/{file}.
#include "node/rest/web_files.h"

#include <string>

#include "node/rest/routes.h"

namespace waybill::node {
namespace {

// The page loads only what the node serves (docs/API.md "Explorer page").
constexpr std::string_view kWebCsp =
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'";

HttpResponse WebFileReply(const RestRequest& req, const WebFile& file) {
  HttpResponse r;
  r.content_type = std::string(file.content_type);
  r.body = std::string(file.bytes);
  r.headers.emplace_back("Content-Security-Policy", std::string(kWebCsp));
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  // The files change only with the binary.
  r.headers.emplace_back("Cache-Control", "public, max-age=60");
  (void)req;
  return r;
}

HttpResponse WebIndex(const RestContext&, const RestRequest& req) {
  const WebFile* file = FindWebFile("index.html");
  if (file == nullptr) return Problem(404, "Not found", "this node has no explorer page");
  return WebFileReply(req, *file);
}

HttpResponse WebStatic(const RestContext&, const RestRequest& req) {
  const WebFile* file = FindWebFile(req.params.at(0));
  if (file == nullptr) return Problem(404, "Not found", "no such file: " + req.params.at(0));
  return WebFileReply(req, *file);
}

}  // namespace

const WebFile* FindWebFile(std::string_view path) {
  for (const WebFile& file : EmbeddedWebFiles()) {
    if (file.path == path) return &file;
  }
  return nullptr;
}

void RegisterWebRoutes(RestRoutes& routes) {
  for (const char* pattern : {"/", "/asset/{id}", "/tx/{id}", "/block/{id}", "/account/{address}",
                              "/search"}) {
    routes.Add("GET", pattern, WebIndex);
  }
  routes.Add("GET", "/static/{file}", WebStatic);
}

}  // namespace waybill::node
