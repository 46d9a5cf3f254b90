#include "node/rest/events.h"

#include <algorithm>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "chain/bech32.h"
#include "chain/block.h"
#include "chain/tx_assets.h"
#include "consensus/read_snapshot.h"
#include "node/rpc/json_convert.h"

namespace waybill::node {
namespace {

// Next() hands the server at most about this much at once (one message may be more).
constexpr size_t kEventsNextBytes = 64 << 10;
// Events of one asset read backwards looking for a block's events, at most. An asset with
// more events in one block than this (not a real chain) has the rest left out of the stream.
constexpr uint32_t kEventsScanLimit = 4096;
constexpr uint32_t kEventsScanPage = 32;
// What EventSource waits before reconnecting (sent in `hello`).
constexpr char kEventsRetryMs[] = "3000";
constexpr char kEventsRetryAfterSeconds[] = "5";

std::string EventsJsonText(const RestJson& data) {
  // Strings from the chain (claims, metadata) need not be UTF-8: replaced, never thrown on.
  return data.dump(-1, ' ', false, RestJson::error_handler_t::replace);
}

// One SSE message. data is one line of JSON (dump() escapes newlines).
std::string EventsSse(std::string_view event, const std::string& id, const RestJson& data) {
  std::string out = "event: ";
  out += event;
  out += '\n';
  if (!id.empty()) out += "id: " + id + "\n";
  out += "data: " + EventsJsonText(data) + "\n\n";
  return out;
}

const std::string kEventsOverflow =
    "event: overflow\ndata: {\"reason\":\"the client did not keep up; reconnect\"}\n\n";

// The events of asset (whose record is `asset`) at height, oldest first, read backwards from
// its newest event.
chain::Result<std::vector<chain::AssetEvent>> EventsAtHeight(const consensus::ReadSnapshot& snap,
                                                             const chain::Asset& asset,
                                                             uint32_t height) {
  std::vector<chain::AssetEvent> found;
  uint32_t end = asset.event_count;
  uint32_t scanned = 0;
  while (end > 0 && scanned < kEventsScanLimit) {
    const uint32_t from = end > kEventsScanPage ? end - kEventsScanPage : 0;
    auto page = snap.GetAssetEvents(asset.id, from, end - from);
    if (!page.ok()) return page.status();
    bool older_seen = false;
    for (auto it = page->rbegin(); it != page->rend(); ++it) {
      if (it->height == height) found.push_back(std::move(*it));
      if (it->height < height) older_seen = true;
    }
    if (older_seen) break;
    scanned += end - from;
    end = from;
  }
  std::reverse(found.begin(), found.end());
  return found;
}

}  // namespace

// One subscriber's stream: a bounded queue of SSE messages the broker fills and the server
// drains. Thread-safe.
class EventSubscription : public HttpStream {
 public:
  EventSubscription(const EventFilter& filter, const EventBrokerOptions& options)
      : filter_(filter),
        max_messages_(options.max_queue_messages),
        max_bytes_(options.max_queue_bytes),
        keepalive_(options.keepalive),
        last_output_(std::chrono::steady_clock::now()) {}

  bool Matches(const chain::Hash256& asset, const std::vector<chain::AccountId>& accounts) const {
    if (filter_.kind == EventFilter::Kind::kAsset) return asset == filter_.id;
    return std::find(accounts.begin(), accounts.end(), filter_.id) != accounts.end();
  }

  // Queues a message; past the queue's bounds, the overflow message replaces the queue and
  // the stream ends after it.
  void Deliver(std::string message) {
    std::function<void()> wakeup;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (cancelled_ || overflowed_) return;
      if (queue_.size() + 1 > max_messages_ || bytes_ + message.size() > max_bytes_) {
        OverflowLocked();
      } else {
        bytes_ += message.size();
        queue_.push_back(std::move(message));
      }
      wakeup = wakeup_;
    }
    cv_.notify_all();
    if (wakeup) wakeup();
  }
  void Overflow() {
    std::function<void()> wakeup;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (cancelled_ || overflowed_) return;
      OverflowLocked();
      wakeup = wakeup_;
    }
    cv_.notify_all();
    if (wakeup) wakeup();
  }
  // Cancelled, or overflowed: takes no more messages.
  bool ended() {
    std::lock_guard<std::mutex> lock(mu_);
    return cancelled_ || overflowed_;
  }

  std::optional<std::string> Next(std::chrono::milliseconds wait) override {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, wait, [&] { return cancelled_ || !queue_.empty(); });
    if (cancelled_) return std::nullopt;
    const auto now = std::chrono::steady_clock::now();
    if (!queue_.empty()) {
      std::string out;
      while (!queue_.empty() &&
             (out.empty() || out.size() + queue_.front().size() <= kEventsNextBytes)) {
        bytes_ -= queue_.front().size();
        out += queue_.front();
        queue_.pop_front();
      }
      last_output_ = now;
      return out;
    }
    if (overflowed_) return std::nullopt;  // the overflow message went out
    if (now - last_output_ >= keepalive_) {
      last_output_ = now;
      return std::string(": keepalive\n\n");
    }
    return std::string();
  }
  void Cancel() override {
    std::function<void()> wakeup;
    {
      std::lock_guard<std::mutex> lock(mu_);
      cancelled_ = true;
      queue_.clear();
      bytes_ = 0;
      wakeup = std::move(wakeup_);
      wakeup_ = nullptr;
    }
    cv_.notify_all();
    if (wakeup) wakeup();  // the server sees the end now, not at its next poll
  }
  void SetWakeup(std::function<void()> wakeup) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!cancelled_) wakeup_ = std::move(wakeup);
  }

 private:
  void OverflowLocked() {
    overflowed_ = true;
    queue_.clear();
    queue_.push_back(kEventsOverflow);
    bytes_ = kEventsOverflow.size();
  }

  // Fixed after construction.
  const EventFilter filter_;
  const size_t max_messages_;
  const size_t max_bytes_;
  const std::chrono::milliseconds keepalive_;

  std::mutex mu_;
  std::condition_variable cv_;
  // Guarded by mu_.
  std::deque<std::string> queue_;
  size_t bytes_ = 0;
  bool overflowed_ = false;
  bool cancelled_ = false;
  std::function<void()> wakeup_;
  std::chrono::steady_clock::time_point last_output_;
};

EventBroker::EventBroker(consensus::Chainstate* chain, EventBrokerOptions options)
    : chain_(chain), options_(options) {
  thread_ = std::thread([this] { Run(); });
}

EventBroker::~EventBroker() { Stop(); }

void EventBroker::Stop() {
  std::vector<std::shared_ptr<EventSubscription>> live;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    live = LiveLocked();
    subscriptions_.clear();
    pending_.clear();
  }
  work_cv_.notify_all();
  idle_cv_.notify_all();
  for (auto& subscription : live) subscription->Cancel();
  if (thread_.joinable()) thread_.join();
}

std::vector<std::shared_ptr<EventSubscription>> EventBroker::LiveLocked() {
  std::vector<std::shared_ptr<EventSubscription>> live;
  std::vector<std::weak_ptr<EventSubscription>> kept;
  for (auto& weak : subscriptions_) {
    auto subscription = weak.lock();
    if (!subscription || subscription->ended()) continue;
    kept.push_back(weak);
    live.push_back(std::move(subscription));
  }
  subscriptions_ = std::move(kept);
  return live;
}

size_t EventBroker::subscribers() {
  std::lock_guard<std::mutex> lock(mu_);
  return LiveLocked().size();
}

std::shared_ptr<HttpStream> EventBroker::Subscribe(const EventFilter& filter) {
  const consensus::TipInfo tip = chain_->Tip();
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_ || LiveLocked().size() >= options_.max_subscribers) return nullptr;
  auto subscription = std::make_shared<EventSubscription>(filter, options_);
  RestJson hello = {{"tip", tip.id.ToHex()}, {"height", tip.height}};
  subscription->Deliver(std::string("retry: ") + kEventsRetryMs + "\n" +
                        EventsSse("hello", "", hello));
  subscriptions_.push_back(subscription);
  return subscription;
}

void EventBroker::OnTipChanged(const consensus::TipChange& change) {
  std::vector<std::shared_ptr<EventSubscription>> lost;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    std::vector<std::shared_ptr<EventSubscription>> live = LiveLocked();
    if (live.empty()) return;  // nobody listens: no reads at all (e.g. during a sync)
    if (pending_.size() >= options_.max_pending_changes) {
      // The thread fell this far behind: the subscribers would miss events. They are told
      // to reconnect, and the backlog goes.
      pending_.clear();
      lost = std::move(live);
    } else {
      pending_.push_back(Pending{change.connected_blocks, change.disconnected_blocks});
    }
  }
  for (auto& subscription : lost) subscription->Overflow();
  work_cv_.notify_one();
}

bool EventBroker::WaitIdle(std::chrono::milliseconds limit) {
  std::unique_lock<std::mutex> lock(mu_);
  return idle_cv_.wait_for(lock, limit,
                           [&] { return stopping_ || (pending_.empty() && !busy_); });
}

void EventBroker::Run() {
  for (;;) {
    Pending pending;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_cv_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
      if (stopping_) return;
      pending = std::move(pending_.front());
      pending_.pop_front();
      busy_ = true;
    }
    Process(pending);
    {
      std::lock_guard<std::mutex> lock(mu_);
      busy_ = false;
    }
    idle_cv_.notify_all();
  }
}

void EventBroker::Process(const Pending& pending) {
  std::shared_ptr<const consensus::ReadSnapshot> snap = chain_->TakeSnapshot();
  if (!snap) return;
  for (const chain::Hash256& block : pending.disconnected) PublishRetract(*snap, block);
  for (const chain::Hash256& block : pending.connected) PublishConnected(*snap, block);
}

void EventBroker::Remember(const chain::Hash256& block, Published published) {
  if (options_.remembered_blocks == 0) return;
  if (published_.count(block) == 0) {
    published_order_.push_back(block);
    while (published_order_.size() > options_.remembered_blocks) {
      published_.erase(published_order_.front());
      published_order_.pop_front();
    }
  }
  published_[block] = std::move(published);
}

namespace {

// One asset event found for a connected block, with what a filter matches it by.
struct EventsFound {
  size_t tx_index = 0;
  chain::AssetEvent event;
  std::vector<chain::AccountId> accounts;  // actor, counterparty, the asset's custodian
};

// The asset events of a block on the snapshot's active chain, in tx order; nullopt when the
// block cannot be read (then nothing is published for it).
std::optional<std::vector<EventsFound>> EventsOfBlock(const consensus::ReadSnapshot& snap,
                                                      const chain::Hash256& block,
                                                      uint32_t height) {
  auto bytes = snap.ReadBlock(block);
  if (!bytes.ok()) return std::nullopt;
  auto decoded = chain::DecodeBlock(*bytes);
  if (!decoded.ok()) return std::nullopt;
  std::unordered_map<chain::Hash256, size_t, chain::Hash256Hasher> tx_index;
  std::vector<chain::Hash256> assets;
  std::unordered_set<chain::Hash256, chain::Hash256Hasher> seen;
  for (size_t i = 0; i < decoded->block.txs.size(); ++i) {
    tx_index.emplace(decoded->txids[i], i);
    for (const chain::Hash256& asset : chain::AssetsTouched(decoded->block.txs[i])) {
      if (seen.insert(asset).second) assets.push_back(asset);
    }
  }
  std::vector<EventsFound> found;
  for (const chain::Hash256& id : assets) {
    auto asset = snap.GetAsset(id);
    if (!asset.ok() || !asset->has_value()) continue;
    auto events = EventsAtHeight(snap, **asset, height);
    if (!events.ok()) continue;
    for (chain::AssetEvent& event : *events) {
      auto it = tx_index.find(event.txid);
      if (it == tx_index.end()) continue;
      EventsFound f;
      f.tx_index = it->second;
      f.accounts = {event.actor, (*asset)->custodian};
      if (!event.counterparty.IsZero()) f.accounts.push_back(event.counterparty);
      f.event = std::move(event);
      found.push_back(std::move(f));
    }
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const EventsFound& a, const EventsFound& b) { return a.tx_index < b.tx_index; });
  return found;
}

}  // namespace

void EventBroker::PublishConnected(const consensus::ReadSnapshot& snap,
                                   const chain::Hash256& block) {
  auto header = snap.GetHeader(block);
  if (!header.ok() || !header->has_value() || !(*header)->in_active_chain) {
    Remember(block, Published{});  // already gone again: nothing published, nothing to retract
    return;
  }
  const uint32_t height = (*header)->height;
  auto found = EventsOfBlock(snap, block, height);
  if (!found) return;  // unreadable: retracted from what the block's txs touch, if it goes
  std::vector<std::shared_ptr<EventSubscription>> live;
  {
    std::lock_guard<std::mutex> lock(mu_);
    live = LiveLocked();
  }
  const std::string hrp = snap.params().address_prefix;
  Published published;
  published.height = height;
  for (const EventsFound& f : *found) {
    const chain::AssetEvent& event = f.event;
    published.items.push_back(Published::Item{event.txid, event.asset, f.accounts});
    std::string message;
    for (auto& subscription : live) {
      if (!subscription->Matches(event.asset, f.accounts)) continue;
      if (message.empty()) {
        RestJson data = {{"block", block.ToHex()},
                         {"height", height},
                         {"asset", event.asset.ToHex()},
                         {"event", EventToJson(event, hrp)}};
        const std::string id =
            std::to_string(height) + ":" + event.txid.ToHex() + ":" + event.asset.ToHex();
        message = EventsSse("event", id, data);
      }
      subscription->Deliver(message);
    }
  }
  Remember(block, std::move(published));
}

void EventBroker::PublishRetract(const consensus::ReadSnapshot& snap,
                                 const chain::Hash256& block) {
  Published published;
  if (auto it = published_.find(block); it != published_.end()) {
    published = std::move(it->second);
    published_.erase(it);
    published_order_.erase(
        std::find(published_order_.begin(), published_order_.end(), block));
  } else {
    // Not seen connected by this broker: what the block's txs touch, as the snapshot has it.
    auto header = snap.GetHeader(block);
    auto bytes = snap.ReadBlock(block);
    if (!header.ok() || !header->has_value() || !bytes.ok()) return;
    auto decoded = chain::DecodeBlock(*bytes);
    if (!decoded.ok()) return;
    published.height = (*header)->height;
    for (size_t i = 0; i < decoded->block.txs.size(); ++i) {
      const chain::Transaction& tx = decoded->block.txs[i];
      for (const chain::Hash256& id : chain::AssetsTouched(tx)) {
        Published::Item item{decoded->txids[i], id, {tx.sender}};
        auto asset = snap.GetAsset(id);
        if (asset.ok() && asset->has_value()) item.accounts.push_back((*asset)->custodian);
        published.items.push_back(std::move(item));
      }
    }
  }
  if (published.items.empty()) return;
  std::vector<std::shared_ptr<EventSubscription>> live;
  {
    std::lock_guard<std::mutex> lock(mu_);
    live = LiveLocked();
  }
  for (auto& subscription : live) {
    RestJson txids = RestJson::array(), assets = RestJson::array();
    std::unordered_set<chain::Hash256, chain::Hash256Hasher> seen_txids, seen_assets;
    for (const Published::Item& item : published.items) {
      if (!subscription->Matches(item.asset, item.accounts)) continue;
      if (seen_txids.insert(item.txid).second) txids.push_back(item.txid.ToHex());
      if (seen_assets.insert(item.asset).second) assets.push_back(item.asset.ToHex());
    }
    if (assets.empty()) continue;
    RestJson data = {{"block", block.ToHex()},
                     {"height", published.height},
                     {"txids", std::move(txids)},
                     {"assets", std::move(assets)}};
    subscription->Deliver(EventsSse("retract", "", data));
  }
}

namespace {

HttpResponse EventsStreamRoute(const RestContext& ctx, const RestRequest& req) {
  if (ctx.events == nullptr || ctx.params == nullptr) {
    return Problem(503, "Unavailable", "the event stream is not enabled on this node");
  }
  const std::optional<std::string> asset = req.Query("asset");
  const std::optional<std::string> account = req.Query("account");
  if (asset.has_value() == account.has_value()) {
    return Problem(400, "Bad parameter", "give exactly one of asset=ID or account=ADDRESS");
  }
  EventFilter filter;
  if (asset) {
    auto id = chain::Hash256::FromHex(*asset);
    if (!id || asset->size() != 64) {
      return Problem(400, "Malformed id", "asset id must be 64 hex digits");
    }
    filter.kind = EventFilter::Kind::kAsset;
    filter.id = *id;
  } else {
    auto id = chain::bech32::ParseAccount(ctx.params->address_prefix, *account);
    if (!id.ok()) return Problem(400, "Malformed address", id.status().reason());
    filter.kind = EventFilter::Kind::kAccount;
    filter.id = *id;
  }
  std::shared_ptr<HttpStream> stream = ctx.events->Subscribe(filter);
  if (!stream) {
    HttpResponse busy = Problem(503, "Too many streams", "too many event streams are open");
    busy.headers.emplace_back("Retry-After", kEventsRetryAfterSeconds);
    return busy;
  }
  HttpResponse response;
  response.content_type = "text/event-stream";
  // A proxy in front (nginx) would otherwise buffer the stream.
  response.headers.emplace_back("X-Accel-Buffering", "no");
  response.stream = std::move(stream);
  return response;
}

}  // namespace

void RegisterEventRoutes(RestRoutes& routes) {
  routes.Add("GET", "/v1/events/stream", EventsStreamRoute);
}

}  // namespace waybill::node
