#include "node/rest/events.h"

#include <algorithm>
#include <cstdio>
#include <random>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <variant>

#include "chain/bech32.h"
#include "chain/block.h"
#include "chain/contract_state.h"
#include "chain/tx_assets.h"
#include "consensus/read_snapshot.h"
#include "node/rest/route_util.h"
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

// One SSE message with data_text one line of JSON (dump() escapes newlines).
std::string EventsSseText(std::string_view event, std::string_view id,
                          std::string_view data_text) {
  std::string out;
  out.reserve(event.size() + id.size() + data_text.size() + 24);
  out += "event: ";
  out += event;
  out += '\n';
  if (!id.empty()) {
    out += "id: ";
    out += id;
    out += '\n';
  }
  out += "data: ";
  out += data_text;
  out += "\n\n";
  return out;
}

std::string EventsSse(std::string_view event, std::string_view id, const RestJson& data) {
  return EventsSseText(event, id, EventsJsonText(data));
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

namespace {

std::string EventsEpoch() {
  std::random_device random;
  const uint64_t value = (uint64_t{random()} << 32) ^ random();
  char text[17];
  std::snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(value));
  return text;
}

std::string EventsId(const std::string& epoch, uint64_t sequence) {
  return epoch + "-" + std::to_string(sequence);
}

// The sequence of an id of this epoch; nullopt for anything else.
std::optional<uint64_t> EventsParseId(const std::string& epoch, std::string_view id) {
  if (id.size() <= epoch.size() + 1 || id.substr(0, epoch.size()) != epoch ||
      id[epoch.size()] != '-') {
    return std::nullopt;
  }
  const std::string_view digits = id.substr(epoch.size() + 1);
  if (digits.size() > 19) return std::nullopt;
  uint64_t sequence = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    sequence = sequence * 10 + static_cast<uint64_t>(c - '0');
  }
  return sequence;
}

// What an entry weighs in the window: its text and what it is matched by.
size_t EventsEntryBytes(const EventBroker::WindowEntry& entry) {
  size_t bytes = sizeof(EventBroker::WindowEntry) + entry.text.size();
  for (const EventBroker::Item& item : entry.items) {
    bytes += sizeof(EventBroker::Item) + item.accounts.size() * sizeof(chain::AccountId);
  }
  return bytes;
}

// The message of a window entry for one subscriber; nullopt when it does not match.
std::optional<std::string> EventsRender(const EventBroker::WindowEntry& entry,
                                        const EventSubscription& subscription,
                                        const std::string& id) {
  if (!entry.retract) {
    if (entry.items.empty() ||
        !subscription.Matches(entry.items[0].asset, entry.items[0].accounts)) {
      return std::nullopt;
    }
    return EventsSseText("event", id, entry.text);
  }
  RestJson txids = RestJson::array(), assets = RestJson::array();
  std::unordered_set<chain::Hash256, chain::Hash256Hasher> seen_txids, seen_assets;
  for (const EventBroker::Item& item : entry.items) {
    if (!subscription.Matches(item.asset, item.accounts)) continue;
    if (seen_txids.insert(item.txid).second) txids.push_back(item.txid.ToHex());
    if (seen_assets.insert(item.asset).second) assets.push_back(item.asset.ToHex());
  }
  if (assets.empty()) return std::nullopt;
  RestJson data = {{"block", entry.block.ToHex()},
                   {"height", entry.height},
                   {"txids", std::move(txids)},
                   {"assets", std::move(assets)}};
  return EventsSse("retract", id, data);
}

}  // namespace

EventBroker::EventBroker(SnapshotSource source, EventBrokerOptions options)
    : source_(std::move(source)), options_(options), epoch_(EventsEpoch()) {
  thread_ = std::thread([this] { Run(); });
}

EventBroker::EventBroker(consensus::Chainstate* chain, EventBrokerOptions options)
    : EventBroker([chain] { return chain->TakeSnapshot(); }, options) {}

EventBroker::~EventBroker() { Stop(); }

void EventBroker::Stop() {
  std::vector<std::shared_ptr<EventSubscription>> live;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    live = LiveLocked();
    subscriptions_.clear();
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

EventBroker::WindowSize EventBroker::window_size() {
  std::lock_guard<std::mutex> lock(mu_);
  return WindowSize{window_.size(), window_bytes_};
}

std::string EventBroker::last_id() {
  std::lock_guard<std::mutex> lock(mu_);
  return EventsId(epoch_, next_sequence_ - 1);
}

void EventBroker::ForgetLocked() {
  window_.clear();
  window_bytes_ = 0;
  ++next_sequence_;
}

std::shared_ptr<HttpStream> EventBroker::Subscribe(const EventFilter& filter,
                                                   const std::optional<std::string>& last_event_id) {
  // Only an idle broker needs it (for its tip), but it is taken before the lock: a source may
  // wait for the chainstate's lock.
  std::shared_ptr<const consensus::ReadSnapshot> snap = source_();
  std::shared_ptr<EventSubscription> subscription;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || LiveLocked().size() >= options_.max_subscribers) return nullptr;
    if (idle_) {
      if (!snap) return nullptr;
      idle_ = false;
      resync_ = snap->tip();
      tip_id_ = snap->tip().id;
      tip_height_ = snap->tip().height;
    }
    last_live_ = std::chrono::steady_clock::now();
    subscription = std::make_shared<EventSubscription>(filter, options_);
    Replay replay;
    if (last_event_id) replay = ReplayLocked(*subscription, *last_event_id);
    const RestJson tip = {{"tip", tip_id_.ToHex()}, {"height", tip_height_}};
    subscription->Deliver(
        std::string("retry: ") + kEventsRetryMs + "\n" +
        EventsSse("hello", EventsId(epoch_, replay.from.value_or(next_sequence_ - 1)), tip));
    for (std::string& text : replay.messages) subscription->Deliver(std::move(text));
    if (!replay.reset_reason.empty()) {
      RestJson reset = tip;
      reset["reason"] = replay.reset_reason;
      subscription->Deliver(EventsSse("reset", EventsId(epoch_, next_sequence_ - 1), reset));
    }
    subscriptions_.push_back(subscription);
  }
  work_cv_.notify_one();  // an idle broker starts from resync_
  return subscription;
}

EventBroker::Replay EventBroker::ReplayLocked(const EventSubscription& subscription,
                                              const std::string& last_event_id) {
  Replay replay;
  const uint64_t last = next_sequence_ - 1;
  const uint64_t oldest = window_.empty() ? next_sequence_ : window_.front().sequence;
  const std::optional<uint64_t> from = EventsParseId(epoch_, last_event_id);
  if (!from) {
    replay.reset_reason = "unknown event id (another node's, or from before a restart)";
  } else if (*from > last) {
    replay.reset_reason = "unknown event id (newer than this stream)";
  } else if (*from + 1 < oldest) {
    replay.reset_reason = "the stream no longer holds what followed this event id";
  }
  if (!replay.reset_reason.empty()) return replay;
  size_t bytes = 0;
  for (const WindowEntry& entry : window_) {
    if (entry.sequence <= *from) continue;
    std::optional<std::string> text =
        EventsRender(entry, subscription, EventsId(epoch_, entry.sequence));
    if (!text) continue;
    bytes += text->size();
    replay.messages.push_back(std::move(*text));
  }
  // The hello, the replay and the next live messages must fit in the subscriber's queue.
  if (replay.messages.size() + 2 > options_.max_queue_messages / 2 ||
      bytes > options_.max_queue_bytes / 2) {
    replay.messages.clear();
    replay.reset_reason = "more happened since this event id than the stream replays";
    return replay;
  }
  replay.from = from;
  return replay;
}

void EventBroker::OnTipChanged(const consensus::TipChange& change) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    wanted_tip_ = change.tip.id;
    if (idle_) return;  // nobody listened for a while: no reads at all (e.g. during a sync)
    dirty_ = true;
  }
  work_cv_.notify_one();
}

bool EventBroker::WaitIdle(std::chrono::milliseconds limit) {
  std::unique_lock<std::mutex> lock(mu_);
  return idle_cv_.wait_for(lock, limit, [&] {
    return stopping_ || (!dirty_ && !resync_ && !busy_);
  });
}

void EventBroker::Run() {
  // A snapshot that does not show the newest tip change yet (its source is refreshed by
  // another listener) is read again, a few times, a moment later.
  constexpr int kBehindRetries = 50;
  constexpr auto kBehindWait = std::chrono::milliseconds(20);
  // How often a broker with a view looks whether its subscribers are gone (linger).
  constexpr auto kLiveCheck = std::chrono::milliseconds(1000);
  int behind_retries = 0;
  for (;;) {
    std::optional<consensus::TipInfo> resync;
    chain::Hash256 wanted;
    {
      std::unique_lock<std::mutex> lock(mu_);
      auto work = [&] { return stopping_ || dirty_ || resync_.has_value(); };
      if (idle_) {
        work_cv_.wait(lock, work);
      } else {
        work_cv_.wait_for(lock, behind_retries > 0 ? kBehindWait : kLiveCheck, work);
      }
      if (stopping_) return;
      const auto now = std::chrono::steady_clock::now();
      if (!LiveLocked().empty()) last_live_ = now;
      if (!idle_ && !resync_ && subscriptions_.empty() && now - last_live_ >= options_.linger) {
        // Nobody listened for linger: no more reads, and every id published so far is reset.
        idle_ = true;
        dirty_ = false;
        behind_retries = 0;
        ForgetLocked();
        view_.clear();
        idle_cv_.notify_all();
        continue;
      }
      if (!dirty_ && !resync_ && behind_retries == 0) continue;  // a live check only
      resync = std::move(resync_);
      resync_.reset();
      dirty_ = false;
      wanted = wanted_tip_;
      busy_ = true;
    }
    if (resync) view_.assign(1, ViewBlock{resync->id, resync->height, {}});
    std::shared_ptr<const consensus::ReadSnapshot> snap = source_();
    if (snap) CatchUp(*snap);
    const bool behind = snap && !wanted.IsZero() && snap->tip().id != wanted;
    behind_retries = behind && behind_retries < kBehindRetries ? behind_retries + 1 : 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      busy_ = false;
    }
    idle_cv_.notify_all();
  }
}

void EventBroker::CatchUp(const consensus::ReadSnapshot& snap) {
  const consensus::TipInfo& tip = snap.tip();
  if (view_.empty()) view_.push_back(ViewBlock{tip.id, tip.height, {}});
  // The newest block of the view still on the snapshot's active chain.
  size_t keep = view_.size();
  while (keep > 0) {
    const ViewBlock& block = view_[keep - 1];
    if (block.height <= tip.height && snap.BlockHashAt(block.height) == block.id) break;
    --keep;
  }
  if (keep == 0) return Gap(snap, "the chain changed deeper than the stream remembers");
  for (size_t i = view_.size(); i > keep; --i) PublishRetract(view_[i - 1], view_[i - 2]);
  view_.resize(keep);
  const uint32_t from = view_.back().height + 1;
  if (tip.height < from) return;
  if (tip.height - from + 1 > options_.max_catchup_blocks) {
    return Gap(snap, "more blocks connected at once than the stream publishes");
  }
  for (uint32_t height = from; height <= tip.height; ++height) {
    std::optional<chain::Hash256> id = snap.BlockHashAt(height);
    if (!id) return Gap(snap, "a block of the chain could not be read");
    PublishConnected(snap, *id, height);
  }
}

void EventBroker::Gap(const consensus::ReadSnapshot& snap, std::string_view reason) {
  view_.assign(1, ViewBlock{snap.tip().id, snap.tip().height, {}});
  std::vector<std::shared_ptr<EventSubscription>> live;
  std::string message;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ForgetLocked();
    tip_id_ = snap.tip().id;
    tip_height_ = snap.tip().height;
    live = LiveLocked();
    RestJson reset = {{"tip", tip_id_.ToHex()}, {"height", tip_height_}, {"reason", reason}};
    message = EventsSse("reset", EventsId(epoch_, next_sequence_ - 1), reset);
  }
  for (auto& subscription : live) subscription->Deliver(message);
}

void EventBroker::Publish(std::vector<WindowEntry> entries, const ViewBlock& tip) {
  std::vector<std::shared_ptr<EventSubscription>> live;
  std::vector<std::string> ids;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (WindowEntry& entry : entries) {
      entry.sequence = next_sequence_++;
      ids.push_back(EventsId(epoch_, entry.sequence));
      entry.bytes = EventsEntryBytes(entry);
      window_bytes_ += entry.bytes;
      window_.push_back(entry);
      while (!window_.empty() && (window_.size() > options_.window_messages ||
                                  window_bytes_ > options_.window_bytes)) {
        window_bytes_ -= window_.front().bytes;
        window_.pop_front();
      }
    }
    tip_id_ = tip.id;
    tip_height_ = tip.height;
    live = LiveLocked();
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    for (auto& subscription : live) {
      std::optional<std::string> text = EventsRender(entries[i], *subscription, ids[i]);
      if (text) subscription->Deliver(std::move(*text));
    }
  }
}

namespace {

// One asset event found for a connected block, with what a filter matches it by.
struct EventsFound {
  size_t tx_index = 0;
  chain::AssetEvent event;
  std::vector<chain::AccountId> accounts;  // actor, counterparty, the asset's custodian
};

// The assets whose events tx wrote: for a contract tx also those its code moved (its call
// record's effects; the record stays in the state while its block is on the active chain).
// A record that cannot be read leaves them out (the tx's own assets are still published).
std::vector<chain::Hash256> TxAssets(const consensus::ReadSnapshot& snap,
                                     const chain::Transaction& tx, const chain::Hash256& txid) {
  if (!std::holds_alternative<chain::ContractCallOp>(tx.op) &&
      !std::holds_alternative<chain::ContractDeployOp>(tx.op)) {
    return chain::AssetsTouched(tx);
  }
  auto record = chain::ReadCallRecord(snap.state(), txid);
  if (!record.ok() || !record->has_value()) return chain::AssetsTouched(tx);
  return chain::AssetsTouched(tx, **record);
}

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
    for (const chain::Hash256& asset : TxAssets(snap, decoded->block.txs[i], decoded->txids[i])) {
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
                                   const chain::Hash256& block, uint32_t height) {
  ViewBlock view{block, height, {}};
  std::vector<WindowEntry> entries;
  // Unreadable: nothing is published for it (its retract, if it goes, names nothing either).
  if (std::optional<std::vector<EventsFound>> found = EventsOfBlock(snap, block, height)) {
    const std::string hrp = snap.params().address_prefix;
    for (const EventsFound& f : *found) {
      const chain::AssetEvent& event = f.event;
      Item item{event.txid, event.asset, f.accounts};
      view.published.push_back(item);
      RestJson data = {{"block", block.ToHex()},
                       {"height", height},
                       {"asset", event.asset.ToHex()},
                       {"event", EventToJson(event, hrp, RestEventYield(snap, event))}};
      WindowEntry entry;
      entry.text = EventsJsonText(data);
      entry.items.push_back(std::move(item));
      entries.push_back(std::move(entry));
    }
  }
  view_.push_back(std::move(view));
  while (view_.size() > options_.remembered_blocks && view_.size() > 1) view_.pop_front();
  Publish(std::move(entries), view_.back());
}

void EventBroker::PublishRetract(const ViewBlock& block, const ViewBlock& parent) {
  std::vector<WindowEntry> entries;
  if (!block.published.empty()) {
    WindowEntry entry;
    entry.retract = true;
    entry.block = block.id;
    entry.height = block.height;
    entry.items = block.published;
    entries.push_back(std::move(entry));
  }
  Publish(std::move(entries), parent);
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
  // EventSource sends the header on a reconnect; the parameter is for polyfills that cannot.
  std::optional<std::string> last_event_id = req.Query("last_event_id");
  if (last_event_id && last_event_id->empty()) last_event_id.reset();
  if (const std::string_view header = req.Header("last-event-id"); !header.empty()) {
    last_event_id = std::string(header);
  }
  std::shared_ptr<HttpStream> stream = ctx.events->Subscribe(filter, last_event_id);
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
