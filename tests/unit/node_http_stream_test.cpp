// node/http streamed responses (HttpResponse::stream) on a real HttpServer on 127.0.0.1: chunks
// in order, the end of a stream on the client's close, on Stop() and on a client that does not
// read, the max_streams 503, the 414 on a long target, and on_request.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "node/http/router.h"
#include "node/http/server.h"
#include "tests/unit/loopback_http.h"

namespace waybill::node {
namespace {

using namespace std::chrono_literals;

// A stream fed by the test: Push() queues a chunk (and wakes the server), Finish() ends it
// once the queue is drained. With endless, Next always has another chunk of that size.
class TestStream : public HttpStream {
 public:
  explicit TestStream(size_t endless = 0) : endless_(endless) {}

  std::optional<std::string> Next(std::chrono::milliseconds wait) override {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, wait, [&] { return cancelled_ || finished_ || !queue_.empty(); });
    if (cancelled_) return std::nullopt;
    if (endless_ > 0) {
      taken_ += endless_;
      return std::string(endless_, 'x');
    }
    if (queue_.empty()) {
      if (finished_) return std::nullopt;
      return std::string();
    }
    std::string chunk = std::move(queue_.front());
    queue_.pop_front();
    taken_ += chunk.size();
    return chunk;
  }
  void Cancel() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      cancelled_ = true;
    }
    cv_.notify_all();
  }
  void SetWakeup(std::function<void()> wakeup) override {
    std::lock_guard<std::mutex> lock(mu_);
    wakeup_ = std::move(wakeup);
  }

  void Push(std::string chunk) {
    std::function<void()> wakeup;
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back(std::move(chunk));
      wakeup = wakeup_;
    }
    cv_.notify_all();
    if (wakeup) wakeup();
  }
  void Finish() {
    std::function<void()> wakeup;
    {
      std::lock_guard<std::mutex> lock(mu_);
      finished_ = true;
      wakeup = wakeup_;
    }
    if (wakeup) wakeup();
  }
  bool cancelled() {
    std::lock_guard<std::mutex> lock(mu_);
    return cancelled_;
  }
  bool WaitCancelled(std::chrono::milliseconds limit) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, limit, [&] { return cancelled_; });
  }
  size_t taken() {
    std::lock_guard<std::mutex> lock(mu_);
    return taken_;
  }

 private:
  const size_t endless_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  bool finished_ = false;
  bool cancelled_ = false;
  size_t taken_ = 0;
  std::function<void()> wakeup_;
};

// The streams the handler handed out, in order, so the test can feed and watch them.
struct StreamLog {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::shared_ptr<TestStream>> streams;
  size_t endless = 0;

  std::shared_ptr<TestStream> Make() {
    auto stream = std::make_shared<TestStream>(endless);
    {
      std::lock_guard<std::mutex> lock(mu);
      streams.push_back(stream);
    }
    cv.notify_all();
    return stream;
  }
  // The i-th stream, waiting (bounded) for the handler to make it.
  std::shared_ptr<TestStream> Get(size_t i) {
    std::unique_lock<std::mutex> lock(mu);
    if (!cv.wait_for(lock, 10s, [&] { return streams.size() > i; })) return nullptr;
    return streams[i];
  }
};

// What on_request saw.
struct RequestLog {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<std::string, int>> calls;  // target, status

  void Add(const HttpRequest& request, const HttpResponse& response) {
    {
      std::lock_guard<std::mutex> lock(mu);
      calls.emplace_back(request.target, response.status);
    }
    cv.notify_all();
  }
  bool WaitFor(size_t n) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, 10s, [&] { return calls.size() >= n; });
  }
};

// A client socket on 127.0.0.1 that reads with a bounded wait.
class Client {
 public:
  explicit Client(uint16_t port, int rcvbuf = 0) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{10, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (rcvbuf > 0) setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~Client() { Close(); }
  bool connected() const { return connected_; }
  void Send(const std::string& text) { send(fd_, text.data(), text.size(), MSG_NOSIGNAL); }
  // Reads until `text` has arrived (true) or the connection ends or 10 s pass (false).
  bool ReadUntil(const std::string& text) {
    while (received_.find(text) == std::string::npos) {
      if (!ReadSome()) return false;
    }
    return true;
  }
  // Reads until the server closes; false if 10 s pass first.
  bool ReadToEnd() {
    for (;;) {
      char buf[4096];
      ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n == 0) return true;
      if (n < 0) return false;
      received_.append(buf, n);
    }
  }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  const std::string& received() const { return received_; }

 private:
  bool ReadSome() {
    char buf[4096];
    ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) return false;
    received_.append(buf, n);
    return true;
  }
  int fd_ = -1;
  bool connected_ = false;
  std::string received_;
};

const std::string kStreamRequest = "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n";

class HttpStreamTest : public ::testing::Test {
 protected:
  void StartServer(size_t max_streams, std::chrono::milliseconds timeout = 30s) {
    HttpRouter router;
    router.Mount("GET", "/stream", 0, [this](const HttpRequest&) {
      HttpResponse r;
      r.content_type = "text/event-stream";
      r.route = "/stream";
      r.stream = streams_.Make();
      return r;
    });
    router.Mount("GET", "/plain", 0, [](const HttpRequest&) { return PlainResponse(200, "hi"); });
    HttpServerOptions options;
    options.max_streams = max_streams;
    options.timeout = timeout;
    options.on_request = [this](const HttpRequest& request, const HttpResponse& response,
                                double seconds) {
      EXPECT_GE(seconds, 0.0);
      requests_.Add(request, response);
    };
    server_ = std::make_unique<HttpServer>(std::move(router), options, nullptr);
    ASSERT_TRUE(server_->Start().ok());
  }
  uint16_t port() const { return server_->port(); }

  StreamLog streams_;
  RequestLog requests_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpStreamTest, ChunksArriveInOrderThenTheConnectionCloses) {
  StartServer(4);
  Client client(port());
  ASSERT_TRUE(client.connected());
  client.Send(kStreamRequest);
  ASSERT_TRUE(client.ReadUntil("\r\n\r\n"));
  const std::string head = client.received();
  EXPECT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << head;
  EXPECT_NE(head.find("Content-Type: text/event-stream\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("Cache-Control: no-store\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("Connection: close\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
  EXPECT_EQ(head.find("chunked"), std::string::npos) << head;

  std::shared_ptr<TestStream> stream = streams_.Get(0);
  ASSERT_TRUE(stream);
  stream->Push("one\n");
  ASSERT_TRUE(client.ReadUntil("one\n"));
  for (int i = 0; i < 50; ++i) stream->Push("n" + std::to_string(i) + "\n");
  stream->Finish();
  ASSERT_TRUE(client.ReadToEnd());
  std::string expected = head + "one\n";
  for (int i = 0; i < 50; ++i) expected += "n" + std::to_string(i) + "\n";
  EXPECT_EQ(client.received(), expected);
  // Reported once, when the stream ended.
  ASSERT_TRUE(requests_.WaitFor(1));
  std::lock_guard<std::mutex> lock(requests_.mu);
  ASSERT_EQ(requests_.calls.size(), 1u);
  EXPECT_EQ(requests_.calls[0], (std::pair<std::string, int>("/stream", 200)));
}

TEST_F(HttpStreamTest, ClientCloseEndsTheStreamAndFreesItsSlot) {
  StartServer(1);
  {
    Client first(port());
    first.Send(kStreamRequest);
    ASSERT_TRUE(first.ReadUntil("\r\n\r\n"));
  }  // closed
  std::shared_ptr<TestStream> stream = streams_.Get(0);
  ASSERT_TRUE(stream);
  EXPECT_TRUE(stream->WaitCancelled(10s));
  ASSERT_TRUE(requests_.WaitFor(1));  // the end is reported, and the slot freed before that
  Client second(port());
  second.Send(kStreamRequest);
  ASSERT_TRUE(second.ReadUntil("\r\n\r\n"));
  EXPECT_EQ(second.received().rfind("HTTP/1.1 200", 0), 0u) << second.received();
}

TEST_F(HttpStreamTest, StreamsBeyondTheCapGet503WithRetryAfter) {
  StartServer(2);
  Client a(port()), b(port());
  a.Send(kStreamRequest);
  b.Send(kStreamRequest);
  ASSERT_TRUE(a.ReadUntil("\r\n\r\n"));
  ASSERT_TRUE(b.ReadUntil("\r\n\r\n"));
  Client c(port());
  c.Send(kStreamRequest);
  ASSERT_TRUE(c.ReadUntil("Too many streams\n"));
  EXPECT_EQ(c.received().rfind("HTTP/1.1 503", 0), 0u) << c.received();
  EXPECT_NE(c.received().find("Retry-After: 5\r\n"), std::string::npos) << c.received();
  std::shared_ptr<TestStream> refused = streams_.Get(2);
  ASSERT_TRUE(refused);
  EXPECT_TRUE(refused->cancelled());
  ASSERT_TRUE(requests_.WaitFor(1));
  {
    std::lock_guard<std::mutex> lock(requests_.mu);
    EXPECT_EQ(requests_.calls[0], (std::pair<std::string, int>("/stream", 503)));
  }
  // The two streams still flow (a and b were handled in either order), and an ordinary
  // request is still answered.
  streams_.Get(0)->Push("more\n");
  streams_.Get(1)->Push("more\n");
  ASSERT_TRUE(a.ReadUntil("more\n"));
  ASSERT_TRUE(b.ReadUntil("more\n"));
  EXPECT_EQ(testing::LoopbackExchange(
                port(), "GET /plain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .rfind("HTTP/1.1 200", 0),
            0u);
}

TEST_F(HttpStreamTest, StopEndsOpenStreams) {
  StartServer(8);
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(std::make_unique<Client>(port()));
    clients.back()->Send(kStreamRequest);
    ASSERT_TRUE(clients.back()->ReadUntil("\r\n\r\n"));
  }
  const auto start = std::chrono::steady_clock::now();
  server_->Stop();
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  std::printf("Stop() with 4 open streams took %.3f s\n", took.count());
  // Every stream was cancelled and its client saw the end by the time Stop() returned (not
  // later, when the server object is destroyed).
  for (size_t i = 0; i < 4; ++i) {
    std::shared_ptr<TestStream> stream = streams_.Get(i);
    ASSERT_TRUE(stream);
    EXPECT_TRUE(stream->cancelled()) << i;
    EXPECT_TRUE(clients[i]->ReadToEnd()) << i;
  }
  std::lock_guard<std::mutex> lock(requests_.mu);
  EXPECT_EQ(requests_.calls.size(), 4u);
}

TEST_F(HttpStreamTest, AClientThatDoesNotReadIsDroppedWithBoundedMemory) {
  streams_.endless = 16 << 10;  // Next always has 16 KiB more
  StartServer(4, /*timeout=*/500ms);
  Client lazy(port(), /*rcvbuf=*/4096);
  lazy.Send(kStreamRequest);  // and never reads
  std::shared_ptr<TestStream> stream = streams_.Get(0);
  ASSERT_TRUE(stream);
  // A write that cannot finish within the timeout ends the stream.
  EXPECT_TRUE(stream->WaitCancelled(20s));
  // The server took from the stream only what the sockets' buffers held and one batch: it
  // never drains a stream into memory faster than the client reads.
  EXPECT_LT(stream->taken(), size_t{16} << 20) << stream->taken();
  std::printf("taken from the stream of a client that never read: %zu bytes\n", stream->taken());
}

TEST_F(HttpStreamTest, LongTargetGets414BeforeRouting) {
  StartServer(4);
  const std::string target = "/stream?" + std::string(2100, 'a');
  std::string r = testing::LoopbackExchange(port(), "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(r.rfind("HTTP/1.1 414", 0), 0u) << r;
  EXPECT_NE(r.find("URI too long"), std::string::npos) << r;
  {
    std::unique_lock<std::mutex> lock(streams_.mu);
    EXPECT_TRUE(streams_.streams.empty());  // the handler never ran
  }
  ASSERT_TRUE(requests_.WaitFor(1));
  std::lock_guard<std::mutex> lock(requests_.mu);
  EXPECT_EQ(requests_.calls[0], (std::pair<std::string, int>(target, 414)));
}

TEST_F(HttpStreamTest, OnRequestSeesEveryReplyWithItsStatus) {
  StartServer(4);
  const std::string close = " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  testing::LoopbackExchange(port(), "GET /plain" + close);
  testing::LoopbackExchange(port(), "GET /nothing" + close);
  testing::LoopbackExchange(port(), "DELETE /plain" + close);
  ASSERT_TRUE(requests_.WaitFor(3));
  std::lock_guard<std::mutex> lock(requests_.mu);
  ASSERT_EQ(requests_.calls.size(), 3u);
  EXPECT_EQ(requests_.calls[0], (std::pair<std::string, int>("/plain", 200)));
  EXPECT_EQ(requests_.calls[1], (std::pair<std::string, int>("/nothing", 404)));
  EXPECT_EQ(requests_.calls[2], (std::pair<std::string, int>("/plain", 405)));
}

}  // namespace
}  // namespace waybill::node
