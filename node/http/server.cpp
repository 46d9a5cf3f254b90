#include "node/http/server.h"

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <array>
#include <cctype>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <unordered_map>
#include <vector>

namespace waybill::node {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using chain::LogLevel;
using chain::LogSink;
using chain::TokenBucket;

// A wrong password costs the client this long, which makes guessing a weak password over the
// socket slow. (A cookie is 256 random bits and needs no such help.)
constexpr std::chrono::milliseconds kAuthFailureDelay{250};
// How long Stop() lets requests in progress finish writing their responses.
constexpr std::chrono::seconds kStopGrace{5};
// After a failed accept (e.g. out of file descriptors) wait before trying again, so the loop
// does not spin.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};
// What a client refused for max_streams is told to wait before trying again.
constexpr char kStreamRetryAfterSeconds[] = "5";

class Session;

// router.Handle(request); a handler's exception (only allocation failures should get here:
// handlers answer errors with responses) becomes a 500.
HttpResponse HandleCaught(const HttpRouter& router, const HttpRequest& request) {
  try {
    return router.Handle(request);
  } catch (...) {
    HttpResponse response;
    response.status = 500;
    response.content_type = "text/plain; charset=utf-8";
    response.body = "Internal error\n";
    return response;
  }
}

std::string EndpointText(const std::string& host, uint16_t port) {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

// How a stream wakes its connection (HttpStream::SetWakeup) from any thread. Shared by the
// session and the function the stream holds, which may outlive the session: once closed (for
// good: Stop() closes it before it stops the io_context), a wakeup does nothing, so nothing
// is posted to an io_context that is stopping.
class StreamLink {
 public:
  void Open(std::function<void()> wake) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!closed_) wake_ = std::move(wake);
  }
  void Wake() {
    std::lock_guard<std::mutex> lock(mu_);
    if (wake_) wake_();
  }
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    wake_ = nullptr;
  }

 private:
  std::mutex mu_;
  // Guarded by mu_.
  std::function<void()> wake_;  // posts to the session's strand
  bool closed_ = false;
};

// The request as far as its header tells (for on_request when a reply comes from the header).
template <class Header>
HttpRequest RequestFromHeader(const Header& header, const std::string& remote_ip) {
  HttpRequest request;
  request.method = std::string(header.method_string());
  request.target = std::string(header.target());
  request.remote_address = remote_ip;
  for (const auto& field : header) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    request.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  request.authorization = std::string(request.Header("authorization"));
  request.content_type = std::string(request.Header("content-type"));
  return request;
}

// The server's state, shared by the sessions (which hold a pointer: the server outlives them,
// see Stop()).
struct ServerCore {
  ServerCore(HttpRouter r, HttpServerOptions o, LogSink* l)
      : router(std::move(r)), options(std::move(o)), log(l) {}

  void DoAccept();
  void OnAccept(beast::error_code ec, tcp::socket socket);
  void Unregister(Session* session);
  // The session's slot state (see HttpServerOptions): it has authenticated; it waits for a
  // request header (evictable while pending).
  void MarkAuthenticated(Session* session);
  void SetWaiting(Session* session, bool waiting);
  // Under mu: makes room for a new connection (closing pending ones that wait for a header
  // into *evicted); false if there is none.
  bool MakeRoomLocked(bool loopback, std::vector<std::shared_ptr<Session>>* evicted);
  // A stream slot (max_streams): false when all are taken.
  bool AcquireStream();
  void ReleaseStream();

  struct Slot {
    std::weak_ptr<Session> session;
    uint64_t seq = 0;  // accept order
    bool loopback = false;
    bool authenticated = false;
    bool waiting = true;   // reading a request header: may be evicted while pending
    bool evicted = false;  // being closed: no longer counted
  };
  // Logs a warning about something a client controls, at most a few per second.
  void WarnLimited(const std::string& message) {
    if (log == nullptr || !warn_limit.Allow()) return;
    uint64_t suppressed = warn_limit.TakeSuppressed();
    std::string text = message;
    if (suppressed > 0) text += " (" + std::to_string(suppressed) + " similar suppressed)";
    log->Log(LogLevel::kWarn, options.log_category, text);
  }

  // Fixed after construction.
  const HttpRouter router;
  const HttpServerOptions options;
  LogSink* const log;

  TokenBucket warn_limit{2, 10};

  std::mutex mu;
  std::condition_variable sessions_changed;
  // Guarded by mu.
  std::unordered_map<Session*, Slot> sessions;
  uint64_t next_seq = 0;
  size_t streams = 0;  // streamed responses in progress
  bool stopping = false;

  // Serializes Start() and Stop() with each other.
  std::mutex lifecycle_mu;
  bool started = false;  // guarded by lifecycle_mu
  bool stopped = false;  // guarded by lifecycle_mu

  // Declared after the session registry: destroying the io_context may destroy the last
  // sessions, which unregister themselves.
  net::io_context ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  // The acceptor and its retry timer share a strand, so Stop() can close it from any thread.
  net::strand<net::io_context::executor_type> accept_strand{net::make_strand(ioc)};
  tcp::acceptor acceptor{accept_strand};
  net::steady_timer accept_retry{accept_strand};
  uint16_t bound_port = 0;
  // Declared after ioc: destroyed first, so requests it abandons (holding sessions, whose
  // sockets belong to ioc) are gone before ioc is.
  std::unique_ptr<net::thread_pool> workers;
  std::vector<std::thread> io_threads;
};

// One connection: reads requests one at a time (HTTP/1.1 keep-alive, no pipelining of
// handler calls), hands each to the worker pool, writes the response, reads the next. Every
// member is touched only on the connection's strand.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, ServerCore* server)
      : stream_(std::move(socket)),
        delay_timer_(stream_.get_executor()),
        poll_timer_(stream_.get_executor()),
        server_(server) {
    beast::error_code ec;
    tcp::endpoint remote = stream_.socket().remote_endpoint(ec);
    if (!ec) {
      remote_ = EndpointText(remote.address().to_string(), remote.port());
      remote_ip_ = remote.address().to_string();
    }
  }
  ~Session() {
    // Normally EndStream() ran; not when the io_context was stopped with this session queued.
    link_->Close();
    if (body_stream_) body_stream_->Cancel();
    if (holds_stream_slot_) server_->ReleaseStream();
    server_->Unregister(this);
  }

  void Run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::DoRead, shared_from_this()));
  }

  // From any thread: close now if idle or streaming, else right after the response in
  // progress. A stream stops waking the session before this returns.
  void Shutdown() {
    link_->Close();
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      self->shutting_down_ = true;
      if (self->body_stream_) return self->EndStream();
      if (!self->busy_) self->stream_.close();
    });
  }

 private:
  void DoRead() {
    if (shutting_down_) return DoClose();
    head_ = false;
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(server_->options.max_header_bytes));
    // Until the route is known, the largest body the server takes: the parser checks a
    // Content-Length against it as soon as the header is complete.
    body_limit_ = server_->options.max_body_bytes;
    parser_->body_limit(body_limit_);
    // A pending connection has a short deadline for its whole header, however it trickles.
    stream_.expires_after(authenticated_ ? server_->options.timeout
                                         : server_->options.pre_auth_timeout);
    // Only a pending connection can be evicted, so only its waiting matters (and an
    // authenticated one skips the server's lock on every request).
    if (!authenticated_) server_->SetWaiting(this, true);
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::OnReadHeader, shared_from_this()));
  }

  void OnReadHeader(beast::error_code ec, size_t) {
    if (!authenticated_) server_->SetWaiting(this, false);
    if (ec) return OnReadError(ec);
    read_done_ = std::chrono::steady_clock::now();
    // Credentials are checked on the header, before any body is read: a client without them
    // cannot make the server read, hold or parse a body.
    const auto& header = parser_->get();
    if (header.target().size() > server_->options.max_target_bytes) {
      server_->WarnLimited("request target over the limit from " + remote_);
      return SendFromHeader(PlainResponse(414, "URI too long"));
    }
    const auto credentials = header[http::field::authorization];
    const HttpAdmission admission = server_->router.Admit(
        std::string_view(header.method_string().data(), header.method_string().size()),
        std::string_view(header.target().data(), header.target().size()),
        std::string_view(credentials.data(), credentials.size()));
    if (admission.access == HttpAdmission::Access::kRefused) {
      return SendFromHeader(server_->router.Unauthorized());
    }
    run_on_ = admission.run_on;
    if (admission.access == HttpAdmission::Access::kAuthorized && !authenticated_) {
      authenticated_ = true;
      server_->MarkAuthenticated(this);
    }
    if (admission.max_body_bytes && *admission.max_body_bytes < body_limit_) {
      // The parser checked a Content-Length against the server's limit only; a chunked body
      // is checked chunk by chunk against this.
      body_limit_ = *admission.max_body_bytes;
      parser_->body_limit(body_limit_);
      if (parser_->content_length().value_or(0) > body_limit_) {
        return OnReadError(http::error::body_limit);
      }
    }
    // curl and others wait (up to a second) for this before sending a large body.
    auto expect = parser_->get()[http::field::expect];
    if (beast::iequals(expect, "100-continue")) {
      continue_.emplace(http::status::continue_, parser_->get().version());
      stream_.expires_after(server_->options.timeout);
      http::async_write(stream_, *continue_,
                        beast::bind_front_handler(&Session::OnWriteContinue, shared_from_this()));
      return;
    }
    DoReadBody();
  }

  // Answers from the header alone and closes the connection after the reply (the body, if
  // any, is never read).
  void SendFromHeader(HttpResponse response) {
    const auto& header = parser_->get();
    busy_ = true;
    version_ = header.version();
    keep_alive_ = false;
    head_ = header.method() == http::verb::head;
    if (server_->options.on_request) request_ = RequestFromHeader(header, remote_ip_);
    parser_.reset();
    Send(std::move(response), /*close=*/true);
  }

  void OnWriteContinue(beast::error_code ec, size_t) {
    if (ec) return DoClose();
    DoReadBody();
  }

  void DoReadBody() {
    stream_.expires_after(server_->options.timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, size_t) {
    if (ec) return OnReadError(ec);
    // The handler may take long (mining); no deadline while it runs, a fresh one for the write.
    stream_.expires_never();
    read_done_ = std::chrono::steady_clock::now();
    busy_ = true;
    auto& message = parser_->get();
    version_ = message.version();
    keep_alive_ = message.keep_alive();
    head_ = message.method() == http::verb::head;
    HttpRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    request.authorization = std::string(message[http::field::authorization]);
    request.content_type = std::string(message[http::field::content_type]);
    request.body = std::move(message.body());
    request.remote_address = remote_ip_;
    for (const auto& field : message) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      request.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    parser_.reset();
    if (run_on_ == HttpRunOn::kIoThread) {
      HttpResponse response = HandleCaught(server_->router, request);
      if (server_->options.on_request) request_ = std::move(request);
      return Send(std::move(response), /*close=*/false);
    }
    net::post(*server_->workers, [self = shared_from_this(), request = std::move(request)]() mutable {
      HttpResponse response = HandleCaught(self->server_->router, request);
      net::post(self->stream_.get_executor(), [self, request = std::move(request),
                                               response = std::move(response)]() mutable {
        if (self->server_->options.on_request) self->request_ = std::move(request);
        self->Send(std::move(response), /*close=*/false);
      });
    });
  }

  void OnReadError(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == net::error::operation_aborted ||
        ec == beast::error::timeout || ec == net::error::eof) {
      return DoClose();
    }
    busy_ = true;
    read_done_ = std::chrono::steady_clock::now();
    // The start line may have been read before the error.
    head_ = parser_ && parser_->get().method() == http::verb::head;
    if (parser_ && server_->options.on_request) {
      request_ = RequestFromHeader(parser_->get(), remote_ip_);
    }
    // The connection is closed after these replies: the parser state or the unread rest of an
    // oversized body make the stream unusable.
    if (ec == http::error::body_limit) {
      server_->WarnLimited("request body over the limit from " + remote_);
      return Send(
          PlainResponse(413, "Request body larger than " + std::to_string(body_limit_) + " bytes"),
          /*close=*/true);
    }
    if (ec == http::error::header_limit) {
      server_->WarnLimited("request header over the limit from " + remote_);
      return Send(PlainResponse(431, "Request header too large"), /*close=*/true);
    }
    // Any other HTTP syntax error.
    if (ec.category() == http::make_error_code(http::error::bad_method).category()) {
      return Send(PlainResponse(400, "Bad request"), /*close=*/true);
    }
    DoClose();
  }

  void Send(HttpResponse response, bool close) {
    if (response.status == 401) {
      if (!delayed_) {
        server_->WarnLimited("rejected " + server_->options.name + " credentials from " + remote_);
        delayed_ = true;
        delay_timer_.expires_after(kAuthFailureDelay);
        delay_timer_.async_wait(
            [self = shared_from_this(), response = std::move(response),
             close](beast::error_code) mutable { self->Send(std::move(response), close); });
        return;
      }
    }
    delayed_ = false;
    if (response.stream) return StartStream(std::move(response));
    response_.emplace(static_cast<http::status>(response.status), version_ ? version_ : 11);
    response_->set(http::field::server, "waybill");
    if (!response.content_type.empty()) {
      response_->set(http::field::content_type, response.content_type);
    }
    for (const auto& [name, value] : response.headers) response_->set(name, value);
    response_->body() = std::move(response.body);
    response_->keep_alive(keep_alive_ && !close && !shutting_down_);
    response_->prepare_payload();
    // A reply to HEAD is the headers that the same GET would get, Content-Length included
    // (RFC 9110 9.3.2), and no body: the client reads none, so any would be taken for the
    // start of the next reply on the connection.
    if (head_) response_->body().clear();
    sent_ = std::move(response);  // its body is in response_ until written
    stream_.expires_after(server_->options.timeout);
    http::async_write(stream_, *response_,
                      beast::bind_front_handler(&Session::OnWrite, shared_from_this()));
  }

  void OnWrite(beast::error_code ec, size_t) {
    busy_ = false;
    if (!ec) {
      sent_.body = std::move(response_->body());
      Report();
    }
    sent_ = HttpResponse{};
    request_ = HttpRequest{};
    if (ec || !response_->keep_alive() || shutting_down_) return DoClose();
    response_.reset();
    DoRead();
  }

  // on_request for the reply in sent_.
  void Report() {
    if (!server_->options.on_request) return;
    const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - read_done_;
    server_->options.on_request(request_, sent_, seconds.count());
  }

  // A streamed reply (see HttpServer): the header, then the stream's chunks until it ends.
  void StartStream(HttpResponse response) {
    if (!server_->AcquireStream()) {
      response.stream->Cancel();
      server_->WarnLimited("refused a stream from " + remote_ + ": " +
                           std::to_string(server_->options.max_streams) + " streams open");
      HttpResponse busy = PlainResponse(503, "Too many streams");
      busy.headers.emplace_back("Retry-After", kStreamRetryAfterSeconds);
      busy.route = std::move(response.route);
      return Send(std::move(busy), /*close=*/false);
    }
    holds_stream_slot_ = true;
    body_stream_ = std::move(response.stream);
    http::response<http::empty_body> head(static_cast<http::status>(response.status),
                                          version_ ? version_ : 11);
    head.set(http::field::server, "waybill");
    if (!response.content_type.empty()) head.set(http::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) head.set(name, value);
    head.set(http::field::cache_control, "no-store");
    // No Content-Length and no chunked coding: the body ends when the connection closes (RFC
    // 9112 6.3), which every HTTP/1.x client, EventSource and curl included, reads as is.
    head.keep_alive(false);
    std::ostringstream text;
    text << head.base();
    stream_out_ = text.str();
    response.body.clear();
    sent_ = std::move(response);
    sent_.stream = body_stream_;
    link_->Open([weak = weak_from_this(), executor = stream_.get_executor()] {
      net::post(executor, [weak] {
        if (auto self = weak.lock()) self->OnStreamWake();
      });
    });
    if (shutting_down_) return EndStream();
    body_stream_->SetWakeup([link = link_] { link->Wake(); });
    // The client only reads from now on: anything it sends, or its close, ends the stream.
    stream_.socket().async_read_some(
        net::buffer(discard_), [self = shared_from_this()](beast::error_code, size_t) {
          if (!self->stream_ended_) self->EndStream();
        });
    WriteStream();
  }

  // Takes what the stream has ready (up to a batch) and writes it, or waits for a wakeup.
  void PumpStream() {
    if (stream_ended_) return;
    while (stream_out_.size() < kHttpStreamBatchBytes) {
      std::optional<std::string> chunk = body_stream_->Next(std::chrono::milliseconds(0));
      if (!chunk) {
        stream_done_ = true;
        break;
      }
      if (chunk->empty()) break;
      stream_out_ += *chunk;
    }
    if (!stream_out_.empty()) return WriteStream();
    if (stream_done_) return EndStream();
    poll_timer_.expires_after(kHttpStreamPoll);
    poll_timer_.async_wait([self = shared_from_this()](beast::error_code) { self->PumpStream(); });
  }

  void WriteStream() {
    stream_writing_ = true;
    stream_.expires_after(server_->options.timeout);
    net::async_write(stream_, net::buffer(stream_out_),
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       self->stream_writing_ = false;
                       self->stream_.expires_never();
                       if (self->stream_ended_) return;
                       if (ec) {
                         self->server_->WarnLimited("stream to " + self->remote_ +
                                                    " ended: " + ec.message());
                         return self->EndStream();
                       }
                       self->stream_out_.clear();
                       if (self->head_ || self->stream_done_) return self->EndStream();
                       self->PumpStream();
                     });
  }

  // The stream has more: read it now rather than at the next poll (the cancelled wait does).
  void OnStreamWake() {
    if (!stream_ended_ && !stream_writing_) poll_timer_.cancel();
  }

  void EndStream() {
    if (stream_ended_) return;
    stream_ended_ = true;
    link_->Close();
    body_stream_->Cancel();
    poll_timer_.cancel();
    server_->ReleaseStream();
    holds_stream_slot_ = false;
    Report();
    sent_ = HttpResponse{};
    request_ = HttpRequest{};
    body_stream_.reset();
    DoClose();
  }

  void DoClose() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
    // The last handler holding shared_from_this() returns, and the session is destroyed.
  }

  beast::tcp_stream stream_;
  net::steady_timer delay_timer_;
  net::steady_timer poll_timer_;  // a stream's next Next(0) when not woken
  ServerCore* const server_;
  const std::shared_ptr<StreamLink> link_ = std::make_shared<StreamLink>();
  std::string remote_ = "?";
  std::string remote_ip_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::empty_body>> continue_;
  std::optional<http::response<http::string_body>> response_;
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool head_ = false;           // the current request is a HEAD: its reply has no body
  bool busy_ = false;           // a request is being handled or its response written
  bool shutting_down_ = false;  // the server is stopping: no further requests
  bool delayed_ = false;        // the 401 delay has been served for the current response
  bool authenticated_ = false;  // a request of this connection had valid credentials
  size_t body_limit_ = 0;       // the body limit of the current request
  HttpRunOn run_on_ = HttpRunOn::kWorker;  // where the current request's handler runs
  // For on_request: the current request (when on_request is set), when it was read, and the
  // reply being written (its body moved to response_ meanwhile).
  HttpRequest request_;
  std::chrono::steady_clock::time_point read_done_;
  HttpResponse sent_;
  // A streamed reply in progress (StartStream).
  std::shared_ptr<HttpStream> body_stream_;
  std::string stream_out_;  // being written: the header, then a batch of chunks
  std::array<char, 512> discard_{};
  bool holds_stream_slot_ = false;
  bool stream_writing_ = false;
  bool stream_done_ = false;   // Next returned nullopt: end once stream_out_ is written
  bool stream_ended_ = false;  // EndStream ran
};

void ServerCore::MarkAuthenticated(Session* session) {
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = sessions.find(session); it != sessions.end()) it->second.authenticated = true;
}

void ServerCore::SetWaiting(Session* session, bool waiting) {
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = sessions.find(session); it != sessions.end()) it->second.waiting = waiting;
}

bool ServerCore::MakeRoomLocked(bool loopback, std::vector<std::shared_ptr<Session>>* evicted) {
  const size_t max = options.max_connections;
  const size_t reserved = std::min(options.reserved_slots, max / 4);
  const size_t pending_cap = max - reserved;
  const size_t remote_cap = max - 2 * reserved;
  for (;;) {
    size_t live = 0, pending = 0, remote_pending = 0;
    Slot* oldest = nullptr;  // the oldest pending slot that waits for a header
    for (auto& [ptr, slot] : sessions) {
      if (slot.evicted) continue;
      ++live;
      if (slot.authenticated) continue;
      ++pending;
      if (!slot.loopback) ++remote_pending;
      if (slot.waiting && (loopback || !slot.loopback) && (!oldest || slot.seq < oldest->seq)) {
        oldest = &slot;
      }
    }
    if (live < max && pending < pending_cap && (loopback || remote_pending < remote_cap)) {
      return true;
    }
    if (oldest == nullptr) return false;
    oldest->evicted = true;
    if (auto victim = oldest->session.lock()) evicted->push_back(std::move(victim));
  }
}

bool ServerCore::AcquireStream() {
  std::lock_guard<std::mutex> lock(mu);
  if (streams >= options.max_streams) return false;
  ++streams;
  return true;
}

void ServerCore::ReleaseStream() {
  std::lock_guard<std::mutex> lock(mu);
  --streams;
}

void ServerCore::Unregister(Session* session) {
  {
    std::lock_guard<std::mutex> lock(mu);
    sessions.erase(session);
  }
  sessions_changed.notify_all();
}

void ServerCore::DoAccept() {
  // A fresh strand per connection: its handlers never run concurrently with each other, but
  // different connections may run on different io threads.
  acceptor.async_accept(net::make_strand(ioc),
                        beast::bind_front_handler(&ServerCore::OnAccept, this));
}

void ServerCore::OnAccept(beast::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor.is_open()) return;  // stopping
  if (ec) {
    WarnLimited("accept failed: " + ec.message());
    accept_retry.expires_after(kAcceptRetryDelay);
    accept_retry.async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec && acceptor.is_open()) DoAccept();
    });
    return;
  }
  beast::error_code remote_ec;
  net::ip::address remote = socket.remote_endpoint(remote_ec).address();
  if (remote.is_v6() && remote.to_v6().is_v4_mapped()) {
    remote = net::ip::make_address_v4(net::ip::v4_mapped, remote.to_v6());
  }
  const bool loopback = !remote_ec && remote.is_loopback();
  std::shared_ptr<Session> session;
  std::vector<std::shared_ptr<Session>> evicted;
  {
    // Checked and registered under one lock, so Stop() sees every session it must close.
    std::lock_guard<std::mutex> lock(mu);
    if (!stopping && MakeRoomLocked(loopback, &evicted)) {
      session = std::make_shared<Session>(std::move(socket), this);
      Slot slot;
      slot.session = session;
      slot.seq = next_seq++;
      slot.loopback = loopback;
      sessions.emplace(session.get(), std::move(slot));
    }
  }
  if (!evicted.empty()) {
    WarnLimited("closed " + std::to_string(evicted.size()) + " " + options.name +
                " connection(s) that sent no authenticated request, to make room");
  }
  for (auto& victim : evicted) victim->Shutdown();
  evicted.clear();
  if (!session) {
    // Closing at once costs nothing and tells the client to come back later; answering with
    // a 503 would need a write, and so resources, for a connection we cannot afford.
    WarnLimited("refused another " + options.name +
                " connection: " + std::to_string(options.max_connections) + " connections open");
    beast::error_code ignored;
    socket.close(ignored);
  } else {
    session->Run();
  }
  DoAccept();
}

}  // namespace

struct HttpServer::Impl : ServerCore {
  using ServerCore::ServerCore;
};

HttpServer::HttpServer(HttpRouter router, HttpServerOptions options, LogSink* log)
    : impl_(std::make_unique<Impl>(std::move(router), std::move(options), log)) {}

HttpServer::~HttpServer() { Stop(); }

chain::Status HttpServer::Start() {
  ServerCore& s = *impl_;
  std::lock_guard<std::mutex> lifecycle(s.lifecycle_mu);
  if (s.started) return chain::Status::Internal(s.options.name + " server started twice");
  const std::string where = EndpointText(s.options.bind_address, s.options.port);
  beast::error_code ec;
  net::ip::address address = net::ip::make_address(s.options.bind_address, ec);
  if (ec) {
    return chain::Status::Invalid("cannot bind " + s.options.name + " to " + where +
                                  ": not an IP address");
  }
  tcp::endpoint endpoint(address, s.options.port);
  auto fail = [&](const beast::error_code& error) {
    beast::error_code ignored;
    s.acceptor.close(ignored);
    return chain::Status::IoError("cannot bind " + s.options.name + " to " + where + ": " +
                                  error.message());
  };
  s.acceptor.open(endpoint.protocol(), ec);
  if (ec) return fail(ec);
  // Lets a restarted node bind while old connections linger in TIME_WAIT. On Linux it does
  // not allow two listeners on one port, so "Address already in use" still shows.
  s.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) return fail(ec);
  s.acceptor.bind(endpoint, ec);
  if (ec) return fail(ec);
  s.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return fail(ec);
  s.bound_port = s.acceptor.local_endpoint(ec).port();
  if (ec) return fail(ec);

  s.workers = std::make_unique<net::thread_pool>(std::max(1, s.options.worker_threads));
  s.work.emplace(s.ioc.get_executor());
  s.DoAccept();
  for (int i = 0; i < std::max(1, s.options.io_threads); ++i) {
    s.io_threads.emplace_back([&s] {
      for (;;) {
        try {
          s.ioc.run();
          return;
        } catch (const std::exception& e) {
          // Handlers report errors as error_codes; only allocation failures land here.
          if (s.log != nullptr) s.log->Log(LogLevel::kError, s.options.log_category, e.what());
        }
      }
    });
  }
  s.started = true;
  if (s.log != nullptr) {
    s.log->Log(
        LogLevel::kInfo, s.options.log_category,
        s.options.title + " listening on " + EndpointText(s.options.bind_address, s.bound_port));
  }
  return chain::Status::Ok();
}

void HttpServer::Stop() {
  ServerCore& s = *impl_;
  std::lock_guard<std::mutex> lifecycle(s.lifecycle_mu);
  if (!s.started || s.stopped) return;
  s.stopped = true;

  // The listening socket closes first (on its strand, waited for), so a client that connects
  // from now on is refused by the kernel rather than accepted and dropped.
  std::promise<void> acceptor_closed;
  net::post(s.accept_strand, [&s, &acceptor_closed] {
    beast::error_code ignored;
    s.acceptor.close(ignored);
    s.accept_retry.cancel();
    acceptor_closed.set_value();
  });
  acceptor_closed.get_future().wait_for(kStopGrace);
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    s.stopping = true;
    for (auto& [ptr, weak] : s.sessions) {
      if (auto session = weak.session.lock()) live.push_back(std::move(session));
    }
  }
  for (auto& session : live) session->Shutdown();
  live.clear();  // or the wait below would wait for ourselves
  {
    std::unique_lock<std::mutex> lock(s.mu);
    s.sessions_changed.wait_for(lock, kStopGrace, [&s] { return s.sessions.empty(); });
  }
  s.work.reset();
  s.ioc.stop();
  for (auto& thread : s.io_threads) thread.join();
  s.io_threads.clear();
  beast::error_code ignored;
  s.acceptor.close(ignored);  // in case the posted close never ran; no io thread is left
  // Requests not yet started are dropped; a handler already running is waited for.
  s.workers->stop();
  s.workers->join();
  if (s.log != nullptr) {
    s.log->Log(LogLevel::kInfo, s.options.log_category, s.options.title + " server stopped");
  }
}

uint16_t HttpServer::port() const { return impl_->bound_port; }

}  // namespace waybill::node
