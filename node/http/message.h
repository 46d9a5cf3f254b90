// The plain request and response that an HTTP handler sees: no Boost in sight, so that a
// library mounting handlers (node/rpc/, the REST API) does not compile Beast or Asio, and a
// handler can be tested as a function without a socket.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace waybill::node {

// The parts of an HTTP request that a handler looks at.
struct HttpRequest {
  std::string method;         // "POST", "GET", ... as sent (methods are case-sensitive)
  std::string target;         // "/", "/health", "/rest/tx/ab?x=1": path and query as sent
  std::string authorization;  // the Authorization header, empty if absent
  std::string content_type;   // the Content-Type header, empty if absent
  std::string body;
  // Every header as received, names in lower case, in order (the fields above included).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string remote_address;  // the client's IP address ("127.0.0.1", "::1"); "" if unknown

  // The first header of that name (lower case); "" when absent.
  std::string_view Header(std::string_view lower_name) const;
};

// A response body produced over time (Server-Sent Events): the server writes the status line
// and the headers, then each chunk Next() returns, until Next() returns nullopt, the client
// goes away, a write times out or the server stops (see HttpServer). Thread-safe: the server
// calls Next() on its io threads, Cancel() and SetWakeup() from any thread.
class HttpStream {
 public:
  virtual ~HttpStream() = default;
  // Blocks up to `wait` for more bytes. Returns the bytes to send ("" = nothing yet), or
  // nullopt at the end. The server only ever passes 0: then Next must not block (no disk, no
  // lock held for long).
  virtual std::optional<std::string> Next(std::chrono::milliseconds wait) = 0;
  // Client gone / server stopping: Next returns nullopt soon after. Idempotent.
  virtual void Cancel() = 0;
  // The server passes a function for the stream to call, from any thread, when Next may have
  // more to give (so a stream is read as soon as it has something, not when next polled). The
  // function only posts work, never blocks; it may be called after the stream ended (it then
  // does nothing). A stream that never calls it is still polled every kHttpStreamPoll.
  virtual void SetWakeup(std::function<void()> wakeup) { (void)wakeup; }
};

// How often the server calls Next(0) on a stream that has not woken it: what a stream waits
// at most for its timer-driven output (an SSE keepalive) to go out.
inline constexpr std::chrono::milliseconds kHttpStreamPoll{1'000};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";             // empty: no Content-Type
  std::string body;                                          // empty for 204
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  // How metrics name the route that answered ("/v1/assets/{id}"); "" when none did.
  std::string route;
  // Set: a streamed reply (status 200): body is ignored; the headers go out without a
  // Content-Length, with Cache-Control: no-store and Connection: close, then the stream's
  // chunks until it ends, and the connection is closed (the close ends the body).
  std::shared_ptr<HttpStream> stream;
};

// A text/plain response: `text` and a newline.
HttpResponse PlainResponse(int status, std::string text);

// s without leading and trailing spaces and tabs (HTTP's optional whitespace).
std::string_view TrimHttpSpaces(std::string_view s);
// ASCII case-insensitive equality (header values such as "Basic" or a media type).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
// True if a Content-Type value names media_type, in any case, with or without parameters:
// MediaTypeIs("Application/JSON; charset=utf-8", "application/json").
bool MediaTypeIs(std::string_view content_type, std::string_view media_type);

}  // namespace waybill::node
