#include "node/http/auth.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
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

// The user and password of "Basic base64(user:password)"; nullopt if the header is not such.
// The caller wipes the result.
std::optional<std::string> DecodeBasic(std::string_view authorization) {
  std::string_view value = TrimHttpSpaces(authorization);
  if (value.size() < 6 || !EqualsIgnoreCase(value.substr(0, 6), "basic ")) return std::nullopt;
  return DecodeBase64(TrimHttpSpaces(value.substr(6)));
}

std::array<uint8_t, 32> HmacSha256(std::string_view key, std::string_view message) {
  std::array<uint8_t, 32> out{};
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), out.data(), &size);
  return out;
}

}  // namespace

std::optional<std::string> BasicAuthUser(std::string_view authorization) {
  std::optional<std::string> decoded = DecodeBasic(authorization);
  if (!decoded) return std::nullopt;
  const size_t colon = decoded->find(':');
  std::optional<std::string> user;
  if (colon != std::string::npos) user = decoded->substr(0, colon);
  OPENSSL_cleanse(decoded->data(), decoded->size());
  return user;
}

chain::Result<RpcAuthCredential> ParseRpcAuth(std::string_view line) {
  const size_t colon = line.find(':');
  const size_t dollar = line.find('$');
  if (colon == std::string_view::npos || dollar == std::string_view::npos || dollar < colon) {
    return chain::Status::Invalid("--rpcauth must be USER:SALT$HASH (see `waybill rpcauth`)");
  }
  RpcAuthCredential c;
  c.user = std::string(line.substr(0, colon));
  c.salt = std::string(line.substr(colon + 1, dollar - colon - 1));
  std::string_view hex = line.substr(dollar + 1);
  if (c.user.empty()) return chain::Status::Invalid("--rpcauth: the user name is empty");
  if (c.salt.empty() || c.salt.find(':') != std::string::npos) {
    return chain::Status::Invalid("--rpcauth for user " + c.user +
                                  ": the salt must be non-empty and contain no ':'");
  }
  std::optional<chain::Bytes> hash = chain::HexDecode(hex);
  if (hex.size() != 64 || !hash || hash->size() != 32) {
    return chain::Status::Invalid("--rpcauth for user " + c.user +
                                  ": the hash must be 64 hex digits (HMAC-SHA256)");
  }
  std::copy(hash->begin(), hash->end(), c.hash.begin());
  return c;
}

std::string RpcAuthHash(std::string_view salt, std::string_view password) {
  return chain::HexEncode(HmacSha256(salt, password));
}

std::optional<std::string> NewRpcAuthSalt() {
  std::array<uint8_t, 16> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) return std::nullopt;
  return chain::HexEncode(random);
}

std::optional<std::string> Credentials::Authenticate(std::string_view authorization) const {
  if (plain_ && CheckBasicAuth(authorization, *plain_)) return plain_->user;
  if (rpcauth_.empty()) return std::nullopt;
  std::optional<std::string> decoded = DecodeBasic(authorization);
  if (!decoded) return std::nullopt;
  std::optional<std::string> user;
  const size_t colon = decoded->find(':');
  if (colon != std::string::npos) {
    const std::string_view name = std::string_view(*decoded).substr(0, colon);
    const std::string_view password = std::string_view(*decoded).substr(colon + 1);
    for (const RpcAuthCredential& c : rpcauth_) {
      if (c.user != name) continue;
      std::array<uint8_t, 32> got = HmacSha256(c.salt, password);
      const bool match = CRYPTO_memcmp(got.data(), c.hash.data(), got.size()) == 0;
      OPENSSL_cleanse(got.data(), got.size());
      if (match) {
        user = c.user;
        break;
      }
    }
  }
  OPENSSL_cleanse(decoded->data(), decoded->size());
  return user;
}

bool CheckBasicAuth(std::string_view authorization, const AuthConfig& auth) {
  // An empty password would make the server open to anyone who guesses the user name.
  if (auth.password.empty()) return false;
  std::optional<std::string> decoded = DecodeBasic(authorization);
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
