#include "chain/custody.h"

#include <cassert>
#include <string>

#include "chain/state.h"

namespace waybill::chain {
namespace {

template <typename Source>
Result<CustodyPage> ListCustodyIn(const Source& source, const AccountId& custodian,
                                  const std::optional<Hash256>& after, size_t limit) {
  assert(limit >= 1);
  const std::string prefix = keys::CustodyPrefix(custodian);
  // The smallest key greater than after's: after's key with a zero byte appended.
  std::string start;
  if (after) start = keys::Custody(custodian, *after) + std::string(1, '\0');
  CustodyPage page;
  Status inner = Status::Ok();
  Status s = source.ScanFrom(prefix, start, [&](std::string_view key, ByteSpan) {
    AccountId owner;
    Hash256 asset;
    if (!keys::ParseCustody(key, &owner, &asset)) {
      inner = Status::Corruption("custody index: bad key " +
                                 HexEncode(ByteSpan(reinterpret_cast<const uint8_t*>(key.data()),
                                                    key.size())));
      return false;
    }
    if (page.assets.size() == limit) {
      page.more = true;
      return false;
    }
    page.assets.push_back(asset);
    return true;
  });
  if (!s.ok()) return s;
  if (!inner.ok()) return inner;
  return page;
}

}  // namespace

Result<CustodyPage> ListCustody(const Store& store, const AccountId& custodian,
                                const std::optional<Hash256>& after, size_t limit) {
  return ListCustodyIn(store, custodian, after, limit);
}

Result<CustodyPage> ListCustody(const StoreSnapshot& snapshot, const AccountId& custodian,
                                const std::optional<Hash256>& after, size_t limit) {
  return ListCustodyIn(snapshot, custodian, after, limit);
}

}  // namespace waybill::chain
