#include "node/chain_adapters.h"

namespace waybill::node {

chain::Result<bool> ChainstateMempoolView::IsConfirmed(const chain::Hash256& txid) const {
  auto location = chain_->GetTxLocation(txid);
  if (!location.ok()) return location.status();
  return location->has_value();
}

}  // namespace waybill::node
