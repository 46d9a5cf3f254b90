// node/http without JSON-RPC: the router (public and authenticated routes, prefixes, 404,
// 405, 413, a listener without credentials) and two HttpServers side by side, one public and
// one behind credentials, as the REST API and the JSON-RPC will run.
#include <gtest/gtest.h>

#include <string>

#include "node/http/router.h"
#include "node/http/server.h"
#include "tests/unit/loopback_http.h"

namespace waybill::node {
namespace {

// "alice:pw" in base64.
constexpr char kAliceAuth[] = "Basic YWxpY2U6cHc=";

HttpHandler Echo(std::string tag) {
  return [tag](const HttpRequest& r) {
    return PlainResponse(200, tag + " " + r.method + " " + r.target + " " + r.body);
  };
}

HttpRequest Request(std::string method, std::string target, std::string auth = kAliceAuth) {
  HttpRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.authorization = std::move(auth);
  return r;
}

HttpRouter ProtectedRouter() {
  HttpRouter router(AuthConfig{"alice", "pw"}, "test-realm");
  MountHealthCheck(router);
  router.Mount("GET", "/items/*", 16, Echo("items"));
  router.Mount("POST", "/items/*", 16, Echo("post"));
  router.Mount("", "/any", 16, Echo("any"));
  return router;
}

TEST(HttpRouterTest, RoutesByMethodAndPath) {
  const HttpRouter router = ProtectedRouter();
  HttpResponse r = router.Handle(Request("GET", "/items/42?x=1"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "items GET /items/42?x=1 \n");
  EXPECT_EQ(router.Handle(Request("POST", "/items/7")).body, "post POST /items/7 \n");
  EXPECT_EQ(router.Handle(Request("DELETE", "/any")).body, "any DELETE /any \n");
  // A prefix route does not match its own stem without the slash, nor other paths.
  EXPECT_EQ(router.Handle(Request("GET", "/items")).status, 404);
  EXPECT_EQ(router.Handle(Request("GET", "/nothing")).status, 404);
  HttpResponse wrong = router.Handle(Request("PUT", "/items/1"));
  EXPECT_EQ(wrong.status, 405);
  ASSERT_EQ(wrong.headers.size(), 1u);
  EXPECT_EQ(wrong.headers[0], (std::pair<std::string, std::string>("Allow", "GET, POST")));
  HttpRequest big = Request("POST", "/items/1");
  big.body = std::string(17, 'x');
  EXPECT_EQ(router.Handle(big).status, 413);
  EXPECT_EQ(router.Handle(big).body, "Request body larger than 16 bytes\n");
}

TEST(HttpRouterTest, CredentialsGuardAllButPublicRoutes) {
  const HttpRouter router = ProtectedRouter();
  for (const char* auth : {"", "Basic YWxpY2U6cHg="}) {  // none; "alice:px"
    HttpResponse r = router.Handle(Request("GET", "/items/1", auth));
    EXPECT_EQ(r.status, 401) << auth;
    ASSERT_EQ(r.headers.size(), 1u);
    EXPECT_EQ(r.headers[0].second, "Basic realm=\"test-realm\"");
    // Unknown paths are not revealed either.
    EXPECT_EQ(router.Handle(Request("GET", "/nothing", auth)).status, 401);
    // The public route needs nothing, but only with its own method.
    EXPECT_EQ(router.Handle(Request("GET", "/health", auth)).body, "ok\n");
    EXPECT_EQ(router.Handle(Request("POST", "/health", auth)).status, 401);
  }
  EXPECT_EQ(router.Handle(Request("POST", "/health")).status, 404);

  using Access = HttpAdmission::Access;
  EXPECT_EQ(router.Admit("GET", "/health", "").access, Access::kPublic);
  EXPECT_EQ(router.Admit("GET", "/health", "").max_body_bytes, kHealthMaxBodyBytes);
  EXPECT_EQ(router.Admit("GET", "/items/1", "").access, Access::kRefused);
  HttpAdmission ok = router.Admit("GET", "/items/1", kAliceAuth);
  EXPECT_EQ(ok.access, Access::kAuthorized);
  EXPECT_EQ(ok.max_body_bytes, 16u);
  EXPECT_FALSE(router.Admit("GET", "/nothing", kAliceAuth).max_body_bytes.has_value());
}

TEST(HttpRouterTest, ListenerWithoutCredentialsIsOpen) {
  HttpRouter router;
  router.Mount("GET", "/rest/*", 0, Echo("rest"));
  EXPECT_EQ(router.Handle(Request("GET", "/rest/tx/1", "")).status, 200);
  EXPECT_EQ(router.Handle(Request("GET", "/rest/tx/1", "Basic garbage")).status, 200);
  EXPECT_EQ(router.Admit("GET", "/rest/x", "").access, HttpAdmission::Access::kAuthorized);
  EXPECT_EQ(router.Handle(Request("POST", "/rest/tx/1", "")).status, 405);
}

using testing::LoopbackExchange;

TEST(HttpServerTest, TwoListenersWithTheirOwnRoutesAndCredentials) {
  HttpRouter open_router;
  open_router.Mount("GET", "/rest/*", 0, Echo("rest"));
  HttpServerOptions open_options;
  open_options.name = "REST";
  HttpServer open_server(std::move(open_router), open_options, nullptr);
  HttpServer guarded(ProtectedRouter(), HttpServerOptions{}, nullptr);
  ASSERT_TRUE(open_server.Start().ok());
  ASSERT_TRUE(guarded.Start().ok());
  ASSERT_NE(open_server.port(), guarded.port());

  const std::string get = "GET /rest/a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  std::string r = LoopbackExchange(open_server.port(), get);
  EXPECT_EQ(r.rfind("HTTP/1.1 200", 0), 0u) << r;
  EXPECT_NE(r.find("rest GET /rest/a"), std::string::npos) << r;
  // The guarded listener has no such route, and wants credentials first.
  EXPECT_EQ(LoopbackExchange(guarded.port(), get).rfind("HTTP/1.1 401", 0), 0u);
  r = LoopbackExchange(guarded.port(),
                       "GET /items/5 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                       "Authorization: " +
                           std::string(kAliceAuth) + "\r\n\r\n");
  EXPECT_NE(r.find("items GET /items/5"), std::string::npos) << r;
  // A route's body limit is enforced from the Content-Length, before the body arrives.
  r = LoopbackExchange(guarded.port(),
                       "POST /items/5 HTTP/1.1\r\nHost: x\r\nContent-Length: 17\r\n"
                       "Authorization: " +
                           std::string(kAliceAuth) + "\r\n\r\n");
  EXPECT_EQ(r.rfind("HTTP/1.1 413", 0), 0u) << r;

  // A second listener on a taken port names itself.
  HttpServerOptions clash = open_options;
  clash.port = open_server.port();
  HttpServer second(HttpRouter(), clash, nullptr);
  chain::Status s = second.Start();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.reason().rfind("cannot bind REST to 127.0.0.1:", 0), 0u) << s.reason();
}

}  // namespace
}  // namespace waybill::node
