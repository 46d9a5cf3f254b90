// The live event stream (docs/API.md "Event stream"): GET /v1/events/stream?asset=ID or
// ?account=ADDR as Server-Sent Events. The EventBroker listens to the chainstate's tip
// changes, reads the asset events of each connected block from a snapshot on its own thread,
// and hands each subscriber the messages that match its filter: `event` for an event of a
// connected block, `retract` for a block that left the chain. Every message has an id; the
// newest messages stay in a bounded window, so a client that reconnects with Last-Event-ID is
// sent what it missed (or `reset` when the window no longer reaches back to its id).
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
#include <string_view>
#include <thread>
#include <vector>

#include "chain/types.h"
#include "consensus/chainstate.h"
#include "consensus/read_snapshot.h"
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
  // subscriber gets `event: overflow` and its stream ends (the client reconnects, with its
  // Last-Event-ID, and is sent the rest from the window).
  size_t max_queue_messages = 256;
  size_t max_queue_bytes = 1 << 20;
  // The replay window: the newest messages of every filter (`event` and `retract`). Past
  // either bound the oldest leave it. window_bytes counts each message's text and what it is
  // matched by.
  size_t window_messages = 4096;
  size_t window_bytes = 4 << 20;
  // The blocks of the active chain the broker remembers, newest last, with what was published
  // for each (a retract goes to those who were sent the block's events). A reorg deeper than
  // this, or more than max_catchup_blocks connected between two reads, is a gap: every
  // subscriber gets `reset` and the window is emptied.
  size_t remembered_blocks = 512;
  size_t max_catchup_blocks = 1024;
  // After the last subscriber is gone the broker goes on publishing into the window this long
  // (so a client that reconnects finds what it missed); then it reads no block until the next
  // subscription (a sync reads nothing for nobody), and every earlier id is reset.
  std::chrono::milliseconds linger{60'000};
  std::chrono::milliseconds keepalive{15'000};  // ": keepalive" after this long without output
};

class EventSubscription;

// Thread-safe. OnTipChanged runs on the connecting thread: it only notes the new tip and wakes
// the broker thread (nothing while the broker is idle, see linger). The broker thread reads the
// chain from a ReadSnapshot of its snapshot source, never through the chainstate's lock: it
// compares the snapshot's active chain with the blocks it published, retracts those no longer
// on it (newest first) and publishes the new ones (oldest first). Messages for a connected
// block list each asset event whose txid is one of the block's txs, for the assets the block's
// txs touch (chain::AssetsTouched; for a contract tx with its call record, so the assets its
// code sent, split or merged are included), in the block's tx order.
//
// Message ids: "<epoch>-<sequence>", the epoch random per broker (a restart changes it), the
// sequence counting every message published (all filters), so a subscriber sees gaps in it.
class EventBroker : public consensus::ChainstateListener {
 public:
  // The newest snapshot of the chain (waybilld: RestSnapshots::Latest, which a listener before
  // the broker refreshes at each tip change); nullptr when there is none.
  using SnapshotSource = std::function<std::shared_ptr<const consensus::ReadSnapshot>()>;

  // Starts the broker thread. REQUIRES: what source reads outlives the broker.
  explicit EventBroker(SnapshotSource source, EventBrokerOptions options = {});
  // Snapshots from chain->TakeSnapshot() (that takes the chainstate's lock for a moment).
  explicit EventBroker(consensus::Chainstate* chain, EventBrokerOptions options = {});
  ~EventBroker() override;  // Stop()
  EventBroker(const EventBroker&) = delete;
  EventBroker& operator=(const EventBroker&) = delete;

  // Ends every subscription (their streams end), then joins the thread. Idempotent.
  void Stop();

  void OnTipChanged(const consensus::TipChange& change) override;

  // A new subscription. Its first message is `hello` with the broker's tip and, as its id, the
  // position the stream starts from. With last_event_id (the client's Last-Event-ID): the
  // window's messages after it that match the filter follow, then live ones; `reset` instead
  // when that id is not one of this broker's within the window (older, unknown, from before a
  // restart) or what follows it would not fit in the subscriber's queue. nullptr when
  // max_subscribers are open (or the broker is stopped).
  std::shared_ptr<HttpStream> Subscribe(const EventFilter& filter,
                                        const std::optional<std::string>& last_event_id = {});
  size_t subscribers();
  // Waits until the tip changes seen so far are published (tests). False after `limit`.
  bool WaitIdle(std::chrono::milliseconds limit);

  // What the replay window holds now (tests: its bounds).
  struct WindowSize {
    size_t messages = 0;
    size_t bytes = 0;
  };
  WindowSize window_size();
  // The id of the newest message published ("<epoch>-<sequence>").
  std::string last_id();

  // What a message was published for: per event, the accounts and asset it is matched by.
  struct Item {
    chain::Hash256 txid;
    chain::Hash256 asset;
    std::vector<chain::AccountId> accounts;  // actor, counterparty, custodian
  };
  // One message of the window. An event's text is the same for every subscriber; a retract's
  // is made per subscriber from the items that match it.
  struct WindowEntry {
    uint64_t sequence = 0;
    bool retract = false;
    std::string text;          // `event`: its data, one line of JSON
    chain::Hash256 block;      // `retract`
    uint32_t height = 0;       // `retract`
    std::vector<Item> items;   // `event`: one
    size_t bytes = 0;
  };

 private:
  // A block of the broker's view of the active chain.
  struct ViewBlock {
    chain::Hash256 id;
    uint32_t height = 0;
    std::vector<Item> published;
  };
  void Run();
  // Brings the view to the snapshot's active chain, publishing what changed.
  void CatchUp(const consensus::ReadSnapshot& snap);
  void PublishConnected(const consensus::ReadSnapshot& snap, const chain::Hash256& block,
                        uint32_t height);
  // parent: the block before it in the view.
  void PublishRetract(const ViewBlock& block, const ViewBlock& parent);
  // Appends entries to the window (assigning their sequences) and delivers them to the live
  // subscribers. tip: the broker's tip after them.
  void Publish(std::vector<WindowEntry> entries, const ViewBlock& tip);
  // A gap: the view restarts at the snapshot's tip, the window is emptied and every live
  // subscriber gets `reset`.
  void Gap(const consensus::ReadSnapshot& snap, std::string_view reason);
  // Empties the window and spends one sequence number, so that every earlier id is older than
  // the window. REQUIRES: mu_ held.
  void ForgetLocked();
  // The live subscriptions (expired and ended ones pruned). REQUIRES: mu_ held.
  std::vector<std::shared_ptr<EventSubscription>> LiveLocked();
  // What a new subscription with Last-Event-ID is sent after its hello: the window's messages
  // after the id that match it, or a reset (with its reason). REQUIRES: mu_ held.
  struct Replay {
    std::optional<uint64_t> from;  // set: the id was valid and is replayed from
    std::vector<std::string> messages;
    std::string reset_reason;
  };
  Replay ReplayLocked(const EventSubscription& subscription, const std::string& last_event_id);

  // Fixed after construction.
  const SnapshotSource source_;
  const EventBrokerOptions options_;
  const std::string epoch_;

  std::mutex mu_;
  std::condition_variable work_cv_;  // dirty_ or resync_, or stopping_
  std::condition_variable idle_cv_;  // the thread finished what was asked
  // Guarded by mu_.
  bool dirty_ = false;                // a tip change not read yet
  chain::Hash256 wanted_tip_;         // the newest tip change's tip
  bool busy_ = false;                 // the thread is catching up
  bool stopping_ = false;
  bool idle_ = true;                  // no view kept (linger passed, or never subscribed)
  std::optional<consensus::TipInfo> resync_;  // where a subscription found an idle broker
  chain::Hash256 tip_id_;             // the broker's tip: the newest block it published
  uint32_t tip_height_ = 0;
  std::chrono::steady_clock::time_point last_live_;  // when a subscriber was last seen
  std::vector<std::weak_ptr<EventSubscription>> subscriptions_;
  std::deque<WindowEntry> window_;
  size_t window_bytes_ = 0;
  uint64_t next_sequence_ = 1;

  // The broker thread's own (no lock): the view of the active chain, oldest first.
  std::deque<ViewBlock> view_;

  std::thread thread_;
};

// GET /v1/events/stream (RestContext::events; 503 when it is null or full).
void RegisterEventRoutes(RestRoutes& routes);

}  // namespace waybill::node
