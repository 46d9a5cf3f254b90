// One HTTP exchange with a server on 127.0.0.1, for the tests of node/http and the node: send
// the request, read until the server closes (so the request should say Connection: close).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <string>

namespace waybill::node::testing {

// The whole reply; empty if the connection failed. A receive waits at most timeout_s seconds,
// so a broken server fails the test instead of hanging it.
inline std::string LoopbackExchange(uint16_t port, const std::string& request, int timeout_s = 10) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{timeout_s, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string reply;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    char buf[4096];
    for (ssize_t n; (n = recv(fd, buf, sizeof(buf), 0)) > 0;) reply.append(buf, n);
  }
  close(fd);
  return reply;
}

// Standard base64 with padding (RFC 4648), for HTTP Basic credentials.
inline std::string Base64(const std::string& in) {
  static constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t n = uint8_t(in[i]) << 16;
    if (i + 1 < in.size()) n |= uint8_t(in[i + 1]) << 8;
    if (i + 2 < in.size()) n |= uint8_t(in[i + 2]);
    out += kB64[n >> 18 & 63];
    out += kB64[n >> 12 & 63];
    out += i + 1 < in.size() ? kB64[n >> 6 & 63] : '=';
    out += i + 2 < in.size() ? kB64[n & 63] : '=';
  }
  return out;
}

// A JSON POST to / with Connection: close and HTTP Basic credentials (auth: already base64).
inline std::string JsonPostRequest(const std::string& auth, const std::string& body) {
  return "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
         "Content-Type: application/json\r\nAuthorization: Basic " +
         auth + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

}  // namespace waybill::node::testing
