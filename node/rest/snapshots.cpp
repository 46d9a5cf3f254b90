#include "node/rest/snapshots.h"

#include <utility>

namespace waybill::node {

RestSnapshots::RestSnapshots(consensus::Chainstate* chain) : chain_(chain) { Refresh(); }

std::shared_ptr<const consensus::ReadSnapshot> RestSnapshots::Latest() const {
  std::lock_guard lock(mu_);
  return latest_;
}

void RestSnapshots::OnTipChanged(const consensus::TipChange&) { Refresh(); }

void RestSnapshots::Refresh() {
  // Two tip changes may refresh at once (their listeners run on their connecting threads):
  // one at a time, so the snapshot published last is the one taken last.
  std::lock_guard refreshing(refresh_mu_);
  std::shared_ptr<const consensus::ReadSnapshot> snapshot = chain_->TakeSnapshot();
  std::shared_ptr<const consensus::ReadSnapshot> old;
  {
    std::lock_guard lock(mu_);
    old = std::move(latest_);
    latest_ = std::move(snapshot);
  }
  // `old` (and its LevelDB snapshot) is released here, outside the lock.
}

}  // namespace waybill::node
