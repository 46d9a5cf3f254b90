// docs/openapi.yaml and the REST listener answer the same routes: every (method, pattern) of
// MakeRestRoutes (read at run time, so routes other areas register are checked too) is a path
// and operation of the file, and every path and operation of the file is a route.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <utility>

#include "node/rest/rest_server.h"

namespace waybill::node {
namespace {

using RouteSet = std::set<std::pair<std::string, std::string>>;

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return s;
}

// The (METHOD, path) pairs under `paths:`: a path is a line of two spaces, '/', ..., ':'; an
// operation a line of four spaces and an HTTP method followed by ':'. The block ends at the next
// top-level key. (The file keeps this layout; a path written otherwise would be missed, and then
// reported as a route missing from the file.)
RouteSet OpenApiRoutes(const std::string& text) {
  static const std::set<std::string> kMethods = {"get",    "put",     "post", "delete",
                                                 "options", "head",   "patch", "trace"};
  RouteSet out;
  std::istringstream in(text);
  std::string line, path;
  bool in_paths = false;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    if (line[0] != ' ') {
      in_paths = line == "paths:";
      path.clear();
      continue;
    }
    if (!in_paths) continue;
    if (line.rfind("  /", 0) == 0 && line.back() == ':') {
      path = line.substr(2, line.size() - 3);
    } else if (!path.empty() && line.rfind("    ", 0) == 0 && line[4] != ' ') {
      size_t colon = line.find(':');
      std::string key = line.substr(4, colon == std::string::npos ? 0 : colon - 4);
      if (kMethods.count(key)) out.emplace(Upper(key), path);
    }
  }
  return out;
}

std::string Describe(const RouteSet& routes) {
  std::string s;
  for (const auto& [method, path] : routes) s += "  " + method + " " + path + "\n";
  return s;
}

TEST(RestOpenApiTest, ParserReadsPathsAndOperations) {
  const std::string yaml =
      "openapi: 3.1.0\n"
      "paths:\n"
      "  /v1/a/{id}:\n"
      "    get:\n"
      "      summary: x\n"
      "    parameters:\n"
      "  /b:\n"
      "    # a comment\n"
      "    post:\n"
      "components:\n"
      "  /not/a/path:\n"
      "    get:\n";
  EXPECT_EQ(OpenApiRoutes(yaml), (RouteSet{{"GET", "/v1/a/{id}"}, {"POST", "/b"}}));
}

TEST(RestOpenApiTest, FileAndServerHaveTheSameRoutes) {
  std::ifstream file(std::string(SOURCE_DIR) + "/docs/openapi.yaml");
  ASSERT_TRUE(file) << "cannot read docs/openapi.yaml";
  std::stringstream text;
  text << file.rdbuf();
  const RouteSet documented = OpenApiRoutes(text.str());
  ASSERT_FALSE(documented.empty());

  RestContext ctx;
  RouteSet served;
  for (const auto& route : MakeRestRoutes(ctx).List()) served.insert(route);

  RouteSet undocumented, unserved;
  for (const auto& r : served) {
    if (!documented.count(r)) undocumented.insert(r);
  }
  for (const auto& r : documented) {
    if (!served.count(r)) unserved.insert(r);
  }
  EXPECT_TRUE(undocumented.empty()) << "served, missing from docs/openapi.yaml:\n"
                                    << Describe(undocumented);
  EXPECT_TRUE(unserved.empty()) << "in docs/openapi.yaml, not served:\n" << Describe(unserved);
}

}  // namespace
}  // namespace waybill::node
