#include "node/http/auth.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>
#include <utility>

#include "chain/hash.h"
#include "chain/types.h"
#include "node/http/message.h"

namespace waybill::node {
namespace {

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Strict RFC 4648 base64 (padding required, only at the end).
std::optional<std::string> DecodeBase64(std::string_view in) {
  if (in.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(in.size() / 4 * 3);
  for (size_t i = 0; i < in.size(); i += 4) {
    uint32_t n = 0;
    int pad = 0;
    for (size_t j = 0; j < 4; ++j) {
      char c = in[i + j];
      int v = 0;
      if (c == '=') {
        if (i + 4 != in.size() || j < 2) return std::nullopt;
        ++pad;
      } else {
        if (pad > 0) return std::nullopt;
        v = Base64Value(c);
        if (v < 0) return std::nullopt;
      }
      n = n << 6 | static_cast<uint32_t>(v);
    }
    out.push_back(static_cast<char>(n >> 16));
    if (pad < 2) out.push_back(static_cast<char>(n >> 8 & 0xff));
    if (pad < 1) out.push_back(static_cast<char>(n & 0xff));
  }
  return out;
}

chain::Hash256 HashOf(std::string_view s) {
  return chain::Sha256Hash(chain::ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

}  // namespace

bool CheckBasicAuth(std::string_view authorization, const AuthConfig& auth) {
  // An empty password would make the server open to anyone who guesses the user name.
  if (auth.password.empty()) return false;
  std::string_view value = TrimHttpSpaces(authorization);
  if (value.size() < 6 || !EqualsIgnoreCase(value.substr(0, 6), "basic ")) return false;
  std::optional<std::string> decoded = DecodeBase64(TrimHttpSpaces(value.substr(6)));
  if (!decoded) return false;
  std::string expected = auth.user + ":" + auth.password;
  // Hashing first makes both sides 32 bytes, so neither the length nor the position of the
  // first difference shows in the timing.
  chain::Hash256 a = HashOf(*decoded);
  chain::Hash256 b = HashOf(expected);
  OPENSSL_cleanse(decoded->data(), decoded->size());
  OPENSSL_cleanse(expected.data(), expected.size());
  return CRYPTO_memcmp(a.data(), b.data(), chain::Hash256::kSize) == 0;
}

CookieFile::CookieFile(std::string path, AuthConfig auth)
    : path_(std::move(path)), auth_(std::move(auth)) {}

CookieFile::~CookieFile() {
  ::unlink(path_.c_str());
  OPENSSL_cleanse(auth_.password.data(), auth_.password.size());
}

chain::Result<std::unique_ptr<CookieFile>> CookieFile::Create(const std::string& path) {
  std::array<uint8_t, 32> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
    return chain::Status::Internal("cannot create the RPC cookie: RAND_bytes failed");
  }
  AuthConfig auth{kUser, chain::HexEncode(random)};
  OPENSSL_cleanse(random.data(), random.size());

  // A stale cookie of an earlier run (killed before it could clean up) is removed; O_EXCL then
  // guarantees that the file written is a new one of ours, with our mode, and never a file or
  // symlink that someone else placed there.
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return chain::Status::IoError("cannot remove stale cookie file " + path + ": " +
                                  std::strerror(errno));
  }
  int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    return chain::Status::IoError("cannot create cookie file " + path + ": " +
                                  std::strerror(errno));
  }
  std::string content = auth.user + ":" + auth.password;
  std::string_view rest = content;
  bool ok = true;
  while (!rest.empty()) {
    ssize_t n = ::write(fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = false;
      break;
    }
    rest.remove_prefix(static_cast<size_t>(n));
  }
  int saved_errno = errno;
  OPENSSL_cleanse(content.data(), content.size());
  if (::close(fd) != 0) ok = false;
  if (!ok) {
    ::unlink(path.c_str());
    return chain::Status::IoError("cannot write cookie file " + path + ": " +
                                  std::strerror(saved_errno));
  }
  return std::unique_ptr<CookieFile>(new CookieFile(path, std::move(auth)));
}

}  // namespace waybill::node
