#include "chain/custody.h"

#include <string>

#include "chain/index_page.h"
#include "chain/state.h"

namespace waybill::chain {
namespace {

Result<CustodyPage> ListCustodyIn(const KvScanner& source, const AccountId& custodian,
                                  const std::optional<Hash256>& after, size_t limit) {
  std::optional<std::string> after_key;
  if (after) after_key = keys::Custody(custodian, *after);
  return ReadAssetIdPage<CustodyPage>(source, "custody index", keys::CustodyPrefix(custodian),
                                      after_key, limit, [](std::string_view key, Hash256* asset) {
                                        AccountId owner;
                                        return keys::ParseCustody(key, &owner, asset);
                                      });
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
