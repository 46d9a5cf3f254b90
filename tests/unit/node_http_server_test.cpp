// HttpServer's placement of handlers (HttpRunOn): routes on the io thread answer without a
// hand-off, keep-alive and pipelining hold, the limits checked before routing still hold on a
// listener without credentials, a route on the workers does not stall the others, a client
// that does not read does not stall the others, and the trade-off of the io thread.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "node/http/router.h"
#include "node/http/server.h"
#include "tests/unit/loopback_http.h"

namespace waybill::node {
namespace {

using testing::LoopbackClient;

std::string Get(const std::string& target, bool keep_alive = true) {
  return "GET " + target + " HTTP/1.1\r\nHost: x\r\n" +
         (keep_alive ? "" : "Connection: close\r\n") + "\r\n";
}

std::string Body(const std::string& response) {
  size_t end = response.find("\r\n\r\n");
  return end == std::string::npos ? std::string() : response.substr(end + 4);
}

bool IsStatus(const std::string& response, int status) {
  return response.rfind("HTTP/1.1 " + std::to_string(status), 0) == 0;
}

HttpPlacement OnIoThread() {
  return [](std::string_view, std::string_view) { return HttpRunOn::kIoThread; };
}

// A gate a handler waits at until the test opens it (at most 30 s: a broken server fails the
// test instead of hanging it).
class Gate {
 public:
  // Called by the handler: records that it arrived, then waits.
  bool Pass() {
    std::unique_lock lock(mu_);
    ++arrived_;
    cv_.notify_all();
    return cv_.wait_for(lock, std::chrono::seconds(30), [&] { return open_; });
  }
  bool WaitArrived() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(30), [&] { return arrived_ > 0; });
  }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int arrived_ = 0;
  bool open_ = false;
};

// Records the thread of each call by name.
class Threads {
 public:
  void Record(const std::string& name) {
    std::lock_guard lock(mu_);
    ids_[name] = std::this_thread::get_id();
  }
  std::thread::id Of(const std::string& name) {
    std::lock_guard lock(mu_);
    return ids_[name];
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::thread::id> ids_;
};

HttpServerOptions OneIoThread() {
  HttpServerOptions options;
  options.io_threads = 1;
  options.worker_threads = 2;
  options.timeout = std::chrono::milliseconds(10'000);
  return options;
}

// The handler of a route on the io thread runs on the thread that then reports the reply
// (on_request runs on the io thread); a route without placement runs on a worker.
TEST(HttpServerTest, PlacementChoosesTheThread) {
  Threads threads;
  HttpRouter router;
  router.Mount(
      "GET", "/inline", 0,
      [&](const HttpRequest&) {
        threads.Record("inline handler");
        return PlainResponse(200, "inline");
      },
      OnIoThread());
  router.Mount("GET", "/pooled", 0, [&](const HttpRequest&) {
    threads.Record("pooled handler");
    return PlainResponse(200, "pooled");
  });
  HttpServerOptions options = OneIoThread();
  options.on_request = [&](const HttpRequest& request, const HttpResponse&, double) {
    threads.Record("reply " + request.target);
  };
  HttpServer server(std::move(router), options, nullptr);
  ASSERT_TRUE(server.Start().ok());
  LoopbackClient client(server.port());
  client.Send(Get("/inline"));
  EXPECT_EQ(Body(client.ReadResponse()), "inline\n");
  client.Send(Get("/pooled"));
  EXPECT_EQ(Body(client.ReadResponse()), "pooled\n");
  client.Send(Get("/missing", false));
  EXPECT_TRUE(IsStatus(client.ReadResponse(), 404));
  server.Stop();  // every on_request has run
  const std::thread::id io = threads.Of("reply /inline");
  EXPECT_EQ(threads.Of("inline handler"), io);
  EXPECT_EQ(threads.Of("reply /pooled"), io);  // one io thread
  EXPECT_NE(threads.Of("pooled handler"), io);
  EXPECT_NE(threads.Of("pooled handler"), std::thread::id());
}

// Several requests in one send (pipelining) are answered in order on the kept-alive connection,
// and Connection: close on the last one closes it after its reply.
TEST(HttpServerTest, PipelinedRequestsAnsweredInOrder) {
  HttpRouter router;
  router.Mount(
      "GET", "/echo/*", 0,
      [](const HttpRequest& request) { return PlainResponse(200, request.target); }, OnIoThread());
  HttpServer server(std::move(router), OneIoThread(), nullptr);
  ASSERT_TRUE(server.Start().ok());
  LoopbackClient client(server.port());
  std::string burst;
  for (int i = 0; i < 20; ++i) burst += Get("/echo/" + std::to_string(i), i < 19);
  client.Send(burst);
  for (int i = 0; i < 20; ++i) {
    std::string r = client.ReadResponse();
    ASSERT_TRUE(IsStatus(r, 200)) << i << ": " << r;
    EXPECT_EQ(Body(r), "/echo/" + std::to_string(i) + "\n");
  }
  EXPECT_TRUE(client.ClosedByServer());
}

// What the server checks before any handler runs holds on a listener without credentials
// whose every route runs on the io thread (the REST listener's case).
TEST(HttpServerTest, LimitsHoldOnTheIoThread) {
  HttpRouter router;
  router.Mount(
      "", "*", 0, [](const HttpRequest&) { return PlainResponse(200, "ok"); }, OnIoThread());
  HttpServerOptions options = OneIoThread();
  options.max_connections = 4;
  options.max_body_bytes = 0;
  options.max_target_bytes = 100;
  options.pre_auth_timeout = std::chrono::milliseconds(300);
  HttpServer server(std::move(router), options, nullptr);
  ASSERT_TRUE(server.Start().ok());
  const auto exchange = [&](const std::string& request) {
    return testing::LoopbackExchange(server.port(), request);
  };
  EXPECT_TRUE(IsStatus(exchange(Get("/x", false)), 200));
  EXPECT_TRUE(IsStatus(exchange("GET /x HTTP/1.1\r\nHost: x\r\nX-Junk: " +
                                std::string(kHttpDefaultMaxHeaderBytes + 1, 'a') + "\r\n\r\n"),
                       431));
  EXPECT_TRUE(IsStatus(exchange(Get("/" + std::string(100, 'a'))), 414));
  EXPECT_TRUE(IsStatus(exchange("GET /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nz"), 413));
  EXPECT_TRUE(IsStatus(exchange("NOT HTTP AT ALL\r\n\r\n"), 400));
  {
    // A connection that never sends its header is closed after pre_auth_timeout (the receive
    // timeout is 10 s).
    LoopbackClient idle(server.port());
    EXPECT_TRUE(idle.ClosedByServer());
  }
  // max_connections: served connections hold their slots; one more is closed at once.
  std::vector<std::unique_ptr<LoopbackClient>> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(std::make_unique<LoopbackClient>(server.port()));
    held.back()->Send(Get("/x"));
    ASSERT_TRUE(IsStatus(held.back()->ReadResponse(), 200)) << i;
  }
  LoopbackClient extra(server.port());
  EXPECT_TRUE(extra.ClosedByServer());
}

// A route on the workers that blocks holds a worker, not the io thread: requests on the io
// thread keep being answered meanwhile (the REST listener's heavy routes).
TEST(HttpServerTest, BlockedWorkerRouteDoesNotStallTheIoThread) {
  Gate gate;
  HttpRouter router;
  router.Mount("GET", "/heavy", 0, [&](const HttpRequest&) {
    return PlainResponse(200, gate.Pass() ? "released" : "timed out");
  });
  router.Mount(
      "GET", "/cheap", 0, [](const HttpRequest&) { return PlainResponse(200, "cheap"); },
      OnIoThread());
  HttpServer server(std::move(router), OneIoThread(), nullptr);
  ASSERT_TRUE(server.Start().ok());
  LoopbackClient heavy(server.port());
  heavy.Send(Get("/heavy"));
  ASSERT_TRUE(gate.WaitArrived());
  // Were /heavy on the one io thread, this would wait for the gate's 30 s and the heavy reply
  // would say "timed out".
  LoopbackClient cheap(server.port());
  for (int i = 0; i < 3; ++i) {
    cheap.Send(Get("/cheap"));
    EXPECT_EQ(Body(cheap.ReadResponse()), "cheap\n");
  }
  gate.Open();
  EXPECT_EQ(Body(heavy.ReadResponse()), "released\n");
}

// The trade-off: a handler on the io thread that blocks holds every connection of that thread
// (here the only one), so such a route must never block. The second request's handler cannot
// run before the first returns.
TEST(HttpServerTest, BlockedIoThreadRouteHoldsItsThread) {
  Gate gate;
  std::mutex mu;
  std::vector<std::string> order;
  HttpRouter router;
  router.Mount(
      "GET", "/block", 0,
      [&](const HttpRequest&) {
        const bool released = gate.Pass();
        std::lock_guard lock(mu);
        order.push_back(released ? "block" : "block timed out");
        return PlainResponse(200, "block");
      },
      OnIoThread());
  router.Mount(
      "GET", "/cheap", 0,
      [&](const HttpRequest&) {
        std::lock_guard lock(mu);
        order.push_back("cheap");
        return PlainResponse(200, "cheap");
      },
      OnIoThread());
  HttpServer server(std::move(router), OneIoThread(), nullptr);
  ASSERT_TRUE(server.Start().ok());
  LoopbackClient blocked(server.port());
  blocked.Send(Get("/block"));
  ASSERT_TRUE(gate.WaitArrived());
  LoopbackClient cheap(server.port());
  cheap.Send(Get("/cheap"));
  std::thread opener([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    gate.Open();
  });
  EXPECT_EQ(Body(cheap.ReadResponse()), "cheap\n");
  EXPECT_EQ(Body(blocked.ReadResponse()), "block\n");
  opener.join();
  std::lock_guard lock(mu);
  EXPECT_EQ(order, (std::vector<std::string>{"block", "cheap"}));
}

// A client that asks for large replies and does not read them fills its socket buffers; the
// write waits on the io thread's reactor, not in it, so another client is still answered. The
// reader is closed once a write has waited `timeout`.
TEST(HttpServerTest, ClientThatDoesNotReadDoesNotStallOthers) {
  const std::string big(32 << 20, 'b');
  HttpRouter router;
  router.Mount(
      "GET", "/big", 0, [&](const HttpRequest&) { return PlainResponse(200, big); },
      OnIoThread());
  router.Mount(
      "GET", "/cheap", 0, [](const HttpRequest&) { return PlainResponse(200, "cheap"); },
      OnIoThread());
  HttpServerOptions options = OneIoThread();
  options.timeout = std::chrono::milliseconds(500);
  HttpServer server(std::move(router), options, nullptr);
  ASSERT_TRUE(server.Start().ok());
  LoopbackClient hog(server.port());
  std::string requests;
  for (int i = 0; i < 8; ++i) requests += Get("/big");
  hog.Send(requests);
  LoopbackClient cheap(server.port());
  for (int i = 0; i < 3; ++i) {
    cheap.Send(Get("/cheap"));
    EXPECT_EQ(Body(cheap.ReadResponse()), "cheap\n") << i;
  }
  // The hog's first reply (32 MiB) cannot fit the socket buffers: its write times out and the
  // connection is closed, so reading everything ends in EOF before 8 replies.
  int replies = 0;
  while (!hog.ReadResponse().empty()) ++replies;
  EXPECT_LT(replies, 8);
}

}  // namespace
}  // namespace waybill::node
