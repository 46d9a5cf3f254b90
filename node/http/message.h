// The plain request and response that an HTTP handler sees: no Boost in sight, so that a
// library mounting handlers (node/rpc/, the REST API) does not compile Beast or Asio, and a
// handler can be tested as a function without a socket.
#pragma once

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

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";             // empty: no Content-Type
  std::string body;                                          // empty for 204
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  // How metrics name the route that answered ("/v1/assets/{id}"); "" when none did.
  std::string route;
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
