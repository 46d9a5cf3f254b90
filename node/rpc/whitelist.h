// Which JSON-RPC methods each user may call (--rpcwhitelist, --rpcwhitelistdefault), as
// Bitcoin Core's rpcwhitelist: an operator hands out a read-only credential (an --rpcauth user
// allowed getblockchaininfo, getblock, getasset, ...) without stop, invalidateblock or setban.
//
//   --rpcwhitelist USER:method,method   USER may call only these methods. Repeated for the
//                                        same user: the intersection of the lists. "USER:"
//                                        allows nothing.
//   --rpcwhitelistdefault 0|1           1: a user without a whitelist may call nothing. Unset:
//                                        1 when any --rpcwhitelist is given, else 0 (Core's rule).
// Unlike Core, the default never applies to the full-access users the node names (the cookie
// user and --rpcuser): they keep every method unless a --rpcwhitelist names them.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "chain/status.h"

namespace waybill::node {

class RpcWhitelist {
 public:
  // An empty whitelist: everyone may call everything.
  RpcWhitelist() = default;
  // entries: the --rpcwhitelist values; default_deny: --rpcwhitelistdefault (nullopt: unset);
  // full_access: users the default never applies to. Invalid naming the entry unless every
  // entry is USER:METHODS with a non-empty USER; METHODS are separated by commas and/or spaces.
  static chain::Result<RpcWhitelist> Parse(const std::vector<std::string>& entries,
                                           std::optional<bool> default_deny,
                                           std::set<std::string> full_access);
  bool Allowed(std::string_view user, std::string_view method) const;
  // The users that have a list (for the log: never their methods' secrets, there are none).
  std::vector<std::string> Users() const;

 private:
  std::map<std::string, std::set<std::string>, std::less<>> lists_;
  bool default_deny_ = false;
  std::set<std::string, std::less<>> full_access_;
};

}  // namespace waybill::node
