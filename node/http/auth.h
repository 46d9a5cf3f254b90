// HTTP Basic authentication against one set of credentials, and the cookie file that holds
// random ones (as bitcoind's .cookie): what a listener that is not public checks.
//
// Security: credentials are compared in constant time and never logged; the cookie file is
// mode 0600, random each start, and never written through a file someone else placed.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "chain/status.h"

namespace waybill::node {

// The one set of credentials a listener accepts: the cookie's (user "__cookie__") or
// configured ones (--rpcuser/--rpcpassword). Secret: never log it.
struct AuthConfig {
  std::string user;
  std::string password;
};

// True if `authorization` (an Authorization header) is "Basic base64(user:password)" matching
// auth: scheme in any case, spaces around allowed, strict RFC 4648 base64. An empty configured
// password matches nothing. The comparison takes the same time wherever the first difference
// is (SHA-256 of both, CRYPTO_memcmp).
bool CheckBasicAuth(std::string_view authorization, const AuthConfig& auth);

// The cookie file, e.g. <datadir>/<network>/.cookie: "__cookie__:" and 64 hex digits from RAND_bytes,
// mode 0600. Created by Create() (a stale file is removed first; creation uses O_EXCL and
// O_NOFOLLOW so nothing else's file is ever written through), removed when the object is
// destroyed (and the password wiped from memory).
class CookieFile {
 public:
  static constexpr char kUser[] = "__cookie__";
  // IoError naming the path if the file cannot be removed, created or written.
  static chain::Result<std::unique_ptr<CookieFile>> Create(const std::string& path);
  ~CookieFile();
  CookieFile(const CookieFile&) = delete;
  CookieFile& operator=(const CookieFile&) = delete;

  const AuthConfig& auth() const { return auth_; }
  const std::string& path() const { return path_; }

 private:
  CookieFile(std::string path, AuthConfig auth);
  const std::string path_;
  AuthConfig auth_;
};

}  // namespace waybill::node
