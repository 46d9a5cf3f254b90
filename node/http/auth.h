// HTTP Basic authentication against one set of credentials, and the cookie file that holds
// random ones (as bitcoind's .cookie): what a listener that is not public checks.
//
// Security: credentials are compared in constant time and never logged; the cookie file is
// mode 0600, random each start, and never written through a file someone else placed.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

// The user name of an Authorization header "Basic base64(user:password)" (what precedes the
// first ':'); nullopt if the header is not such. Says nothing about the password: call it only
// on a request whose credentials were checked (the router did, for every route that is not
// public).
std::optional<std::string> BasicAuthUser(std::string_view authorization);

// One --rpcauth credential, as Bitcoin Core's: "USER:SALT$HASH" where HASH is the hex
// HMAC-SHA256 of the password keyed with SALT (the salt's characters as written, as Core's
// share/rpcauth/rpcauth.py does). The password itself is never stored.
struct RpcAuthCredential {
  std::string user;
  std::string salt;
  std::array<uint8_t, 32> hash{};
};
// Invalid with what is wrong (never echoing the hash) unless line is USER:SALT$HASH with a
// non-empty USER (no ':'), a non-empty SALT (no '$', no ':') and HASH of 64 hex digits.
chain::Result<RpcAuthCredential> ParseRpcAuth(std::string_view line);
// HMAC-SHA256(key = salt, message = password), in lower-case hex: what `waybill rpcauth` prints.
std::string RpcAuthHash(std::string_view salt, std::string_view password);
// A new random salt: 32 hex digits from RAND_bytes; nullopt if RAND_bytes fails.
std::optional<std::string> NewRpcAuthSalt();

// Every set of credentials one listener accepts: the cookie's or --rpcuser's (`plain`, may be
// absent) and any number of --rpcauth ones. Secret: never log it.
class Credentials {
 public:
  Credentials() = default;
  explicit Credentials(AuthConfig plain) : plain_(std::move(plain)) {}
  void Add(RpcAuthCredential credential) { rpcauth_.push_back(std::move(credential)); }
  // The user whose credentials the Authorization header carries, or nullopt if they match
  // none. Each comparison is constant-time (CRYPTO_memcmp of equal-length digests); every
  // --rpcauth credential of the named user is checked.
  std::optional<std::string> Authenticate(std::string_view authorization) const;
  bool empty() const { return !plain_ && rpcauth_.empty(); }

 private:
  std::optional<AuthConfig> plain_;
  std::vector<RpcAuthCredential> rpcauth_;
};

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
