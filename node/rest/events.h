// The live event stream (docs/API.md "Event stream"): GET /v1/events/stream?asset=ID or
// ?account=ADDR as Server-Sent Events. The EventBroker listens to the chainstate's tip
// changes, reads the asset events of each connected block from a snapshot on its own thread,
// and hands each subscriber the messages that match its filter: `event` for an event of a
// connected block, `retract` for a block that left the chain.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "chain/types.h"
#include "consensus/chainstate.h"
#include "node/http/message.h"
#include "node/rest/rest.h"

namespace waybill::node {

// What a subscriber asks for: the events of one asset, or those of one account (as the
// event's actor or counterparty, or as the custodian of the event's asset).
struct EventFilter {
  enum class Kind { kAsset, kAccount };
  Kind kind = Kind::kAsset;
  chain::Hash256 id;  // the asset id or the account id
};

struct EventBrokerOptions {
  size_t max_subscribers = 32;  // one more is refused (503)
  // A subscriber's queue of messages not yet taken by the server. Past either bound the
  // subscriber gets `event: overflow` and its stream ends (the client reconnects).
  size_t max_queue_messages = 256;
  size_t max_queue_bytes = 1 << 20;
  // Tip changes waiting for the broker thread. Past it every subscriber overflows (they missed
  // events) and the backlog is dropped.
  size_t max_pending_changes = 1024;
  // Connected blocks remembered with what was published for them, so that a retract goes to
  // the subscribers that saw the block's events (older blocks: see EventBroker).
  size_t remembered_blocks = 512;
  std::chrono::milliseconds keepalive{15'000};  // ": keepalive" after this long without output
};

class EventSubscription;

// Thread-safe. OnTipChanged runs on the connecting thread: it only copies the block ids into a
// bounded queue (nothing when there is no subscriber) and returns; the broker thread reads the
// blocks and events from a ReadSnapshot. Messages for a connected block list each asset event
// whose txid is one of the block's txs, for the assets the block's txs touch
// (chain::AssetsTouched), in the block's tx order; a block no longer on the active chain when
// the broker reads it is skipped (its retract follows). A retract goes to the subscribers
// that were sent events of the block; for a block connected before the broker saw it (or one
// older than remembered_blocks), to those whose asset the block's txs touch or whose account
// sent one of them or holds a touched asset.
class EventBroker : public consensus::ChainstateListener {
 public:
  // Starts the broker thread. REQUIRES: chain outlives the broker.
  explicit EventBroker(consensus::Chainstate* chain, EventBrokerOptions options = {});
  ~EventBroker() override;  // Stop()
  EventBroker(const EventBroker&) = delete;
  EventBroker& operator=(const EventBroker&) = delete;

  // Ends every subscription (their streams end), then joins the thread. Idempotent.
  void Stop();

  void OnTipChanged(const consensus::TipChange& change) override;

  // A new subscription, its first message `hello` with the current tip; nullptr when
  // max_subscribers are open (or the broker is stopped).
  std::shared_ptr<HttpStream> Subscribe(const EventFilter& filter);
  size_t subscribers();
  // Waits until the tip changes queued so far are published (tests). False after `limit`.
  bool WaitIdle(std::chrono::milliseconds limit);

 private:
  struct Pending {
    std::vector<chain::Hash256> connected;     // oldest first
    std::vector<chain::Hash256> disconnected;  // newest first
  };
  // What was published for a connected block: per message, the accounts and asset it matched.
  struct Published {
    uint32_t height = 0;
    struct Item {
      chain::Hash256 txid;
      chain::Hash256 asset;
      std::vector<chain::AccountId> accounts;  // actor, counterparty, custodian
    };
    std::vector<Item> items;
  };
  void Run();
  void Process(const Pending& pending);
  void PublishConnected(const consensus::ReadSnapshot& snap, const chain::Hash256& block);
  void PublishRetract(const consensus::ReadSnapshot& snap, const chain::Hash256& block);
  // The live subscriptions (expired and ended ones pruned). REQUIRES: mu_ held.
  std::vector<std::shared_ptr<EventSubscription>> LiveLocked();
  void Remember(const chain::Hash256& block, Published published);

  // Fixed after construction.
  consensus::Chainstate* const chain_;
  const EventBrokerOptions options_;

  std::mutex mu_;
  std::condition_variable work_cv_;  // pending_ grew, or stopping_
  std::condition_variable idle_cv_;  // the thread finished what was pending
  // Guarded by mu_.
  std::deque<Pending> pending_;
  bool busy_ = false;  // the thread is processing a Pending
  bool stopping_ = false;
  std::vector<std::weak_ptr<EventSubscription>> subscriptions_;

  // The broker thread's own (no lock).
  std::unordered_map<chain::Hash256, Published, chain::Hash256Hasher> published_;
  std::deque<chain::Hash256> published_order_;

  std::thread thread_;  // started by Start()
};

// GET /v1/events/stream (RestContext::events; 503 when it is null or full).
void RegisterEventRoutes(RestRoutes& routes);

}  // namespace waybill::node
