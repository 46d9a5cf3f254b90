#include "node/rpc/whitelist.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace waybill::node {

chain::Result<RpcWhitelist> RpcWhitelist::Parse(const std::vector<std::string>& entries,
                                                std::optional<bool> default_deny,
                                                std::set<std::string> full_access) {
  RpcWhitelist w;
  w.default_deny_ = default_deny.value_or(!entries.empty());
  w.full_access_.insert(full_access.begin(), full_access.end());
  for (const std::string& entry : entries) {
    const size_t colon = entry.find(':');
    if (colon == std::string::npos || colon == 0) {
      return chain::Status::Invalid("--rpcwhitelist must be USER:method,method (got \"" +
                                    entry.substr(0, 80) + "\")");
    }
    const std::string user = entry.substr(0, colon);
    std::set<std::string> methods;
    std::string current;
    for (char c : entry.substr(colon + 1)) {
      if (c == ',' || c == ' ' || c == '\t') {
        if (!current.empty()) methods.insert(std::move(current));
        current.clear();
      } else {
        current.push_back(c);
      }
    }
    if (!current.empty()) methods.insert(std::move(current));
    auto it = w.lists_.find(user);
    if (it == w.lists_.end()) {
      w.lists_.emplace(user, std::move(methods));
    } else {
      std::set<std::string> both;
      std::set_intersection(it->second.begin(), it->second.end(), methods.begin(), methods.end(),
                            std::inserter(both, both.begin()));
      it->second = std::move(both);
    }
  }
  return w;
}

bool RpcWhitelist::Allowed(std::string_view user, std::string_view method) const {
  auto it = lists_.find(user);
  if (it != lists_.end()) return it->second.count(std::string(method)) > 0;
  return !default_deny_ || full_access_.count(user) > 0;
}

std::vector<std::string> RpcWhitelist::Users() const {
  std::vector<std::string> users;
  for (const auto& [user, methods] : lists_) users.push_back(user);
  return users;
}

}  // namespace waybill::node
