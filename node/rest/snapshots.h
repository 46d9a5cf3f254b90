// The chain snapshot REST requests read: the newest one, taken when the tip last changed, so a
// request never waits for the chainstate's lock (which a block being connected holds for the
// whole connect). docs/API.md "REST API": replies show the tip as of the last tip change. The
// figures that move between tip changes (the best header while headers arrive) are not kept
// here: Chainstate::Figures() publishes them without that lock.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>

#include "consensus/chainstate.h"
#include "consensus/read_snapshot.h"

namespace waybill::node {

class RestSnapshots : public consensus::ChainstateListener {
 public:
  // Takes the first snapshot (waits for the chainstate's lock once). REQUIRES: chain outlives
  // this object, and every snapshot handed out is released before the chain closes (the REST
  // server stops first).
  explicit RestSnapshots(consensus::Chainstate* chain);

  // The snapshot of the newest tip change; never waits for the chainstate's lock.
  std::shared_ptr<const consensus::ReadSnapshot> Latest() const;

  // Takes a new snapshot. Runs on the connecting thread after the chainstate's lock is
  // released (ChainstateListener), so taking the lock here only waits for a later block.
  void OnTipChanged(const consensus::TipChange& change) override;

 private:
  void Refresh();

  consensus::Chainstate* const chain_;
  std::mutex refresh_mu_;  // held by Refresh() from taking a snapshot to publishing it
  mutable std::mutex mu_;
  std::shared_ptr<const consensus::ReadSnapshot> latest_;  // guarded by mu_
};

}  // namespace waybill::node
