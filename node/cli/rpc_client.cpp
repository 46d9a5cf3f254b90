#include "node/cli/rpc_client.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <optional>

#include "node/cli/args.h"

namespace waybill::cli {
namespace {

using chain::Status;
using Clock = std::chrono::steady_clock;

constexpr size_t kMaxResponseBytes = 512u << 20;

std::string Base64(std::string_view in) {
  static constexpr char kTable[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = uint32_t{static_cast<uint8_t>(in[i])} << 16 |
                 uint32_t{static_cast<uint8_t>(in[i + 1])} << 8 | static_cast<uint8_t>(in[i + 2]);
    out += kTable[v >> 18];
    out += kTable[(v >> 12) & 63];
    out += kTable[(v >> 6) & 63];
    out += kTable[v & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint32_t{static_cast<uint8_t>(in[i])} << 16;
    out += kTable[v >> 18];
    out += kTable[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v = uint32_t{static_cast<uint8_t>(in[i])} << 16 |
                 uint32_t{static_cast<uint8_t>(in[i + 1])} << 8;
    out += kTable[v >> 18];
    out += kTable[(v >> 12) & 63];
    out += kTable[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

// A connected socket, closed on destruction.
class Socket {
 public:
  Socket() = default;
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(Socket&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Socket& operator=(Socket&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

int MillisLeft(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() <= 0) return 0;
  return static_cast<int>(std::min<int64_t>(left.count(), 60'000));
}

// Waits until fd is ready for `events` or the deadline passes. False on timeout.
bool WaitFor(int fd, short events, Clock::time_point deadline) {
  while (true) {
    int ms = MillisLeft(deadline);
    if (ms == 0) return false;
    pollfd p{fd, events, 0};
    int r = ::poll(&p, 1, ms);
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) return true;  // let the following call report the error
  }
}

chain::Result<Socket> Connect(const std::string& host, uint16_t port, Clock::time_point deadline) {
  std::string where = host + ":" + std::to_string(port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int gai = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res);
  if (gai != 0) {
    return Status::Invalid("cannot resolve " + host + ": " + ::gai_strerror(gai));
  }
  std::string last_error = "no address";
  std::optional<Socket> connected;
  for (addrinfo* ai = res; ai && !connected; ai = ai->ai_next) {
    Socket s(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol));
    if (s.fd() < 0) {
      last_error = std::strerror(errno);
      continue;
    }
    int flags = ::fcntl(s.fd(), F_GETFL, 0);
    ::fcntl(s.fd(), F_SETFL, flags | O_NONBLOCK);
    int r = ::connect(s.fd(), ai->ai_addr, ai->ai_addrlen);
    if (r != 0 && errno != EINPROGRESS) {
      last_error = std::strerror(errno);
      continue;
    }
    if (r != 0) {
      if (!WaitFor(s.fd(), POLLOUT, deadline)) {
        last_error = "connection timed out";
        continue;
      }
      int err = 0;
      socklen_t len = sizeof(err);
      if (::getsockopt(s.fd(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
      if (err != 0) {
        last_error = std::strerror(err);
        continue;
      }
    }
    connected = std::move(s);
  }
  ::freeaddrinfo(res);
  if (!connected) {
    return Status::IoError("could not connect to the server " + where + " (" + last_error +
                           "); is waybilld running with RPC on this port?");
  }
  return std::move(*connected);
}

Status SendAll(int fd, std::string_view data, Clock::time_point deadline) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      if (!WaitFor(fd, POLLOUT, deadline)) return Status::Invalid("timed out sending request");
      continue;
    }
    return Status::Invalid(std::string("send failed: ") + std::strerror(errno));
  }
  return Status::Ok();
}

struct HttpResponse {
  int status = 0;
  std::string body;
};

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// Decodes a chunked body; nullopt while incomplete, or *bad on a malformed one.
std::optional<std::string> Dechunk(std::string_view raw, bool* bad) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t eol = raw.find("\r\n", pos);
    if (eol == std::string_view::npos) return std::nullopt;
    std::string_view size_line = raw.substr(pos, eol - pos);
    size_t semi = size_line.find(';');
    if (semi != std::string_view::npos) size_line = size_line.substr(0, semi);
    size_t size = 0;
    if (size_line.empty() || size_line.size() > 12) {
      *bad = true;
      return std::nullopt;
    }
    for (char c : size_line) {
      int d = chain::HexDigitValue(c);
      if (d < 0) {
        *bad = true;
        return std::nullopt;
      }
      size = size * 16 + static_cast<size_t>(d);
    }
    pos = eol + 2;
    if (size == 0) return out;  // trailers, if any, are ignored
    if (raw.size() < pos + size + 2) return std::nullopt;
    out.append(raw.substr(pos, size));
    pos += size + 2;
  }
}

// How the body of a response ends, from its header.
struct BodyFraming {
  // Not std::optional: GCC warns (falsely) that its value may be used uninitialized.
  bool has_length = false;
  size_t content_length = 0;
  bool chunked = false;
};

std::string_view TrimBlanks(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  return value;
}

// The status code of a status line such as "HTTP/1.1 200 OK".
chain::Result<int> ParseStatusLine(std::string_view status_line) {
  size_t sp = status_line.find(' ');
  if (status_line.substr(0, 5) != "HTTP/" || sp == std::string_view::npos ||
      status_line.size() < sp + 4) {
    return Status::Invalid("not an HTTP response");
  }
  int status = 0;
  for (size_t i = sp + 1; i < sp + 4; ++i) {
    char c = status_line[i];
    if (c < '0' || c > '9') return Status::Invalid("bad HTTP status line");
    status = status * 10 + (c - '0');
  }
  return status;
}

// Applies one header line to the framing; other headers are ignored.
Status ParseHeaderLine(std::string_view line, BodyFraming* framing) {
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return Status::Ok();
  std::string name = Lower(std::string(line.substr(0, colon)));
  std::string_view value = TrimBlanks(line.substr(colon + 1));
  if (name == "content-length") {
    size_t len = 0;
    for (char c : value) {
      if (c < '0' || c > '9' || len > kMaxResponseBytes) {
        return Status::Invalid("bad Content-Length");
      }
      len = len * 10 + static_cast<size_t>(c - '0');
    }
    framing->content_length = len;
    framing->has_length = true;
  } else if (name == "transfer-encoding" &&
             Lower(std::string(value)).find("chunked") != std::string::npos) {
    framing->chunked = true;
  }
  return Status::Ok();
}

// Parses the response head (without the blank line that ends it): status and framing.
Status ParseHead(std::string_view head, HttpResponse* resp, BodyFraming* framing) {
  size_t line_end = head.find("\r\n");
  auto status = ParseStatusLine(head.substr(0, line_end));
  if (!status.ok()) return status.status();
  resp->status = *status;
  size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    size_t eol = head.find("\r\n", pos);
    std::string_view line = head.substr(pos, eol == std::string_view::npos ? eol : eol - pos);
    pos = eol == std::string_view::npos ? head.size() : eol + 2;
    if (Status s = ParseHeaderLine(line, framing); !s.ok()) return s;
  }
  if (framing->chunked) framing->has_length = false;
  return Status::Ok();
}

// True when `body` holds the whole body (then moved to resp->body); false to read more.
chain::Result<bool> TakeCompleteBody(std::string_view body, const BodyFraming& framing,
                                     HttpResponse* resp) {
  if (framing.has_length && body.size() >= framing.content_length) {
    resp->body = std::string(body.substr(0, framing.content_length));
    return true;
  }
  if (!framing.chunked) return false;
  bool bad = false;
  auto decoded = Dechunk(body, &bad);
  if (bad) return Status::Invalid("malformed chunked HTTP response");
  if (!decoded) return false;
  resp->body = std::move(*decoded);
  return true;
}

// Receives what is available into *data. 0 when the server closed the connection.
chain::Result<size_t> ReceiveSome(int fd, Clock::time_point deadline, std::string* data) {
  char buf[16384];
  while (true) {
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n >= 0) {
      data->append(buf, static_cast<size_t>(n));
      return static_cast<size_t>(n);
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      return Status::Invalid(std::string("receive failed: ") + std::strerror(errno));
    }
    if (!WaitFor(fd, POLLIN, deadline)) {
      return Status::Invalid("timed out waiting for the server's response");
    }
  }
}

chain::Result<HttpResponse> ReadResponse(int fd, Clock::time_point deadline) {
  std::string data;
  size_t header_end = std::string::npos;
  HttpResponse resp;
  BodyFraming framing;
  while (true) {
    if (header_end != std::string::npos) {
      auto done = TakeCompleteBody(std::string_view(data).substr(header_end), framing, &resp);
      if (!done.ok()) return done.status();
      if (*done) return resp;
    }
    auto n = ReceiveSome(fd, deadline, &data);
    if (!n.ok()) return n.status();
    if (*n == 0) {  // the server closed the connection
      if (header_end == std::string::npos) {
        return Status::Invalid("the server closed the connection without a response");
      }
      if (framing.has_length || framing.chunked) return Status::Invalid("truncated HTTP response");
      resp.body = data.substr(header_end);
      return resp;
    }
    if (data.size() > kMaxResponseBytes) return Status::Invalid("HTTP response too large");
    if (header_end != std::string::npos) continue;
    size_t end = data.find("\r\n\r\n");
    if (end == std::string::npos) {
      if (data.size() > 64 * 1024) return Status::Invalid("HTTP response header too large");
      continue;
    }
    header_end = end + 4;
    if (Status s = ParseHead(std::string_view(data).substr(0, end), &resp, &framing); !s.ok()) {
      return s;
    }
  }
}

}  // namespace

namespace {

std::string RequestText(const RpcConnection& conn, const std::string& body) {
  std::string host_header = conn.host.find(':') != std::string::npos
                                ? "[" + conn.host + "]:" + std::to_string(conn.port)
                                : conn.host + ":" + std::to_string(conn.port);
  std::string req = "POST / HTTP/1.1\r\nHost: " + host_header + "\r\n";
  if (!conn.user.empty() || !conn.password.empty()) {
    req += "Authorization: Basic " + Base64(conn.user + ":" + conn.password) + "\r\n";
  }
  req += "Content-Type: application/json\r\nAccept: application/json\r\nConnection: close\r\n";
  req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  req += body;
  return req;
}

// The JSON-RPC reply in an HTTP response body.
chain::Result<RpcReply> ParseReply(const HttpResponse& resp) {
  Json reply = Json::parse(resp.body, nullptr, /*allow_exceptions=*/false);
  if (reply.is_discarded() || !reply.is_object() ||
      (!reply.contains("result") && !reply.contains("error"))) {
    std::string snippet = resp.body.substr(0, 200);
    return Status::Invalid("unexpected HTTP " + std::to_string(resp.status) +
                           " response from the server: " + snippet);
  }
  RpcReply out;
  auto err = reply.find("error");
  if (err != reply.end() && !err->is_null()) {
    out.ok = false;
    if (err->is_object()) {
      auto code = err->find("code");
      if (code != err->end() && code->is_number_integer()) out.code = code->get<int>();
      auto msg = err->find("message");
      out.message = msg != err->end() && msg->is_string() ? msg->get<std::string>() : err->dump();
    } else {
      out.message = err->dump();
    }
    return out;
  }
  out.ok = true;
  out.result = reply.value("result", Json());
  return out;
}

}  // namespace

chain::Result<RpcReply> RpcClient::Call(const std::string& method, const Json& params,
                                        RpcFailure* failure) const {
  RpcFailure ignored;
  RpcFailure& why = failure ? *failure : ignored;
  why = RpcFailure::kOther;
  Json request = {{"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", params}};
  std::string body = request.dump(-1, ' ', false, Json::error_handler_t::replace);
  auto deadline = Clock::now() + std::chrono::seconds(std::max(conn_.timeout_seconds, 1));
  auto sock = Connect(conn_.host, conn_.port, deadline);
  if (!sock.ok()) {
    if (sock.status().IsLocalError()) why = RpcFailure::kUnreachable;
    return sock.status();
  }
  if (Status s = SendAll(sock->fd(), RequestText(conn_, body), deadline); !s.ok()) return s;
  auto resp = ReadResponse(sock->fd(), deadline);
  if (!resp.ok()) return resp.status();
  if (resp->status == 401) {
    why = RpcFailure::kUnauthorized;
    return Status::Invalid(
        "authorization failed (HTTP 401): incorrect --rpcuser/--rpcpassword, or the cookie in "
        "--datadir is not this node's");
  }
  if (resp->status == 403) return Status::Invalid("forbidden (HTTP 403)");
  auto reply = ParseReply(*resp);
  if (reply.ok()) why = RpcFailure::kNone;
  return reply;
}

Status RpcClient::ReloadCookie() {
  if (conn_.cookie_path.empty()) return Status::Invalid("the credentials are not from a cookie");
  std::string user, password;
  if (Status s = ReadCookie(conn_.cookie_path, &user, &password); !s.ok()) return s;
  conn_.user = std::move(user);
  conn_.password = std::move(password);
  return Status::Ok();
}

Status ReadCookie(const std::string& path, std::string* user, std::string* password) {
  std::ifstream in(path);
  if (!in) {
    return Status::Invalid("cannot read the RPC cookie " + path + " (" + std::strerror(errno) +
                           "); is waybilld running on this network with this --datadir?");
  }
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n' || line.back() == ' ')) {
    line.pop_back();
  }
  size_t colon = line.find(':');
  if (colon == std::string::npos) return Status::Invalid("malformed RPC cookie " + path);
  *user = line.substr(0, colon);
  *password = line.substr(colon + 1);
  return Status::Ok();
}

}  // namespace waybill::cli
