// One HTTP/1.1 listener (Boost.Beast, kept inside server.cpp so that this header stays cheap to
// include): sessions with keep-alive, limits on the header, the body and the time of each
// step, slots that unauthenticated connections cannot fill, the 401 delay. What a request gets
// is the HttpRouter's business (router.h); the server only moves bytes between sockets and it.
// Several servers may run in one process, each with its own address, port, router and
// credentials (the JSON-RPC on loopback with a cookie; the public REST API on its own port).
//
// Security: bind to loopback unless told otherwise; credentials are checked on the header,
// before any body is read; a wrong password costs the client 250 ms; credentials are never
// logged; warnings about what clients do are rate-limited.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "chain/log.h"
#include "chain/status.h"
#include "node/http/router.h"

namespace waybill::node {

inline constexpr size_t kHttpDefaultMaxHeaderBytes = 8 << 10;
inline constexpr size_t kHttpDefaultMaxBodyBytes = 64 << 10;
// The most bytes of a stream's chunks written at once (see HttpServer).
inline constexpr size_t kHttpStreamBatchBytes = 64 << 10;

// Connection slots. A connection is "pending" until one of its requests is admitted with
// credentials (HttpAdmission::kAuthorized; on a listener without credentials, any request for
// a route that is not public), then "authenticated" for the rest of its life. A pending
// connection gets pre_auth_timeout to send a complete request header; a request refused for
// its credentials is answered 401 from its header alone, its body never read, and the
// connection closed. Of max_connections, pending connections may hold all but reserved_slots,
// and pending connections from addresses other than loopback all but 2 * reserved_slots.
// When a new connection would pass a cap, the oldest pending connection still waiting for its
// header is closed to make room (a non-loopback newcomer only ever displaces a non-loopback
// one); if there is none, the newcomer is closed.
struct HttpServerOptions {
  std::string bind_address = "127.0.0.1";
  uint16_t port = 0;            // 0: an ephemeral port, see HttpServer::port()
  size_t max_connections = 64;  // connections beyond are closed at once
  size_t reserved_slots = 8;    // see above; at most max_connections / 4 is used
  std::chrono::milliseconds pre_auth_timeout{1'000};  // for a pending connection's header
  std::chrono::milliseconds timeout{30'000};          // per read or write of a request/response
  int io_threads = 1;      // the sockets, and the handlers of routes placed on them
  int worker_threads = 4;  // run the other handlers, which may block (HttpRunOn)
  // A larger header gets 431, a larger body 413 (a route's own limit may be lower); the
  // connection is closed after either.
  size_t max_header_bytes = kHttpDefaultMaxHeaderBytes;
  size_t max_body_bytes = kHttpDefaultMaxBodyBytes;
  // A longer request target (path and query) gets 414 "URI too long" from its header alone,
  // before routing and credentials, and the connection is closed.
  size_t max_target_bytes = 2048;
  // Streamed responses (HttpResponse::stream) open at once; one more gets 503 with
  // Retry-After (its stream cancelled). A stream holds its connection slot for its lifetime.
  size_t max_streams = 32;
  // Called once per response the server sends (handler replies, 401, 413, 414, 431, 503 ...),
  // on an io thread, with the request (for a reply made from the header alone: method, target,
  // headers and address, no body), the response (its body as sent: empty for HEAD) and the
  // seconds from the end of reading the request to the end of writing the response; for a
  // stream, to its end. Not called for a connection closed without a reply. Must be quick and
  // thread-safe, and must not throw. May be empty.
  std::function<void(const HttpRequest&, const HttpResponse&, double seconds)> on_request;
  // How the logs name the listener: "cannot bind RPC to ...", "rejected RPC credentials from
  // ..." (name); "JSON-RPC listening on ..." (title); the log category ("rpc").
  std::string name = "HTTP";
  std::string title = "HTTP";
  std::string log_category = "http";
};

// The server. Threading: the sockets live on `io_threads` threads; each connection is served on
// its own strand (one request at a time, in order: pipelined requests wait in its read buffer).
// Where a request's handler runs is its route's choice (HttpAdmission::run_on, from the header):
// - HttpRunOn::kWorker: the request is handed to a pool of `worker_threads` threads that runs
//   HttpRouter::Handle (and so the handler, which may mine for seconds), then the response goes
//   back to the connection's strand to be written. A slow handler holds one worker, never an io
//   thread: other connections keep being read, answered (while workers are free) and timed out.
//   Requests beyond the free workers wait in the pool's queue.
// - HttpRunOn::kIoThread: Handle runs on the connection's strand as soon as the request is read,
//   and the write starts from there: no hand-off between threads. While it runs, the other
//   connections served by that io thread wait, so only handlers that never block belong there.
// Reading and writing never block an io thread whatever the client does: a client that sends
// slowly or does not read its replies holds its own connection only, until `timeout`.
//
// Streams (HttpResponse::stream): once the handler returned, a stream holds no worker. Its
// connection's strand calls Next(0) when the stream wakes it (HttpStream::SetWakeup) or every
// kHttpStreamPoll, gathers what is ready (up to kHttpStreamBatchBytes) and writes it; it
// calls Next again only when that write finished, so a client that does not read holds at
// most one batch here (the stream's own queue bounds the rest) and is closed when a write
// takes longer than `timeout`. A stream ends when Next returns nullopt, the client closes or
// sends anything (it is expected to only read), a write fails or times out, or Stop() runs;
// the stream is then cancelled, dropped and its connection closed.
class HttpServer {
 public:
  // REQUIRES: log (may be null) and whatever the router's handlers point to outlive the server.
  HttpServer(HttpRouter router, HttpServerOptions options, chain::LogSink* log);
  ~HttpServer();  // Stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts the threads. Invalid/IoError with a message such as
  // "cannot bind RPC to 127.0.0.1:19740: Address already in use".
  chain::Status Start();
  // Stops accepting, closes idle connections, cancels and closes streams at once, lets
  // requests in progress finish writing their responses for up to a grace period, then stops
  // and joins every thread. Idempotent. A
  // handler that is still running is waited for. REQUIRES: not called from a handler (it
  // would wait for itself); a handler that wants the server gone asks its owner instead, as
  // the RPC `stop` does through NodeContext::request_stop.
  void Stop();
  // The bound port (useful with port 0). REQUIRES: Start() succeeded.
  uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace waybill::node
