#include "p2p/connman.h"

#include <algorithm>
#include <atomic>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <unordered_map>
#include <vector>

#include "p2p/addrman.h"
#include "p2p/connection.h"

namespace waybill::p2p {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using detail::Connection;
using chain::LogLevel;
using chain::Status;
using Strand = net::strand<net::io_context::executor_type>;

constexpr auto kTickInterval = std::chrono::milliseconds(20);
constexpr int64_t kMaintainIntervalMs = 500;
constexpr int64_t kSeedRetryMs = 30'000;
constexpr int64_t kAutoRedialMs = 30'000;
constexpr int64_t kSaveIntervalMs = 15 * 60 * 1000;
constexpr size_t kMaxPendingDials = 2;
constexpr auto kCallTimeout = std::chrono::seconds(10);
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(500);
constexpr int kMaxPendingEvictions = 8;  // newcomers waiting for an inbound slot

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

NetAddress FromEndpoint(const tcp::endpoint& ep) {
  NetAddress a;
  net::ip::address ip = ep.address();
  if (ip.is_v4()) {
    a = NetAddress::FromIPv4(ip.to_v4().to_uint(), ep.port());
  } else {
    net::ip::address_v6 v6 = ip.to_v6();
    if (v6.is_v4_mapped()) {
      a = NetAddress::FromIPv4(net::ip::make_address_v4(net::ip::v4_mapped, v6).to_uint(),
                               ep.port());
    } else {
      auto bytes = v6.to_bytes();
      std::copy(bytes.begin(), bytes.end(), a.ip.begin());
      a.port = ep.port();
    }
  }
  return a;
}

tcp::endpoint ToEndpoint(const NetAddress& a) {
  if (a.IsIPv4()) return tcp::endpoint(net::ip::address_v4(a.IPv4()), a.port);
  net::ip::address_v6::bytes_type bytes;
  std::copy(a.ip.begin(), a.ip.end(), bytes.begin());
  return tcp::endpoint(net::ip::address_v6(bytes), a.port);
}

NetAddress IpOnly(NetAddress a) {
  a.port = 0;
  return a;
}


}  // namespace

class Connman::Impl : public Transport, public Connection::Owner {
 public:
  Impl(ConnmanOptions options, NodeInterface* node, chain::LogSink* log)
      : options_(std::move(options)), node_(node), log_(log) {}

  ~Impl() override { Stop(); }

  Status Start();
  void Stop();

  // Transport (message thread).
  void Send(PeerId peer, const Message& msg) override {
    SendFrame(peer, std::make_shared<const chain::Bytes>(EncodeMessage(options_.magic, msg)));
  }
  void SendRaw(PeerId peer, MsgType type, chain::Bytes payload) override {
    SendFrame(peer,
              std::make_shared<const chain::Bytes>(EncodeFrame(options_.magic, type, payload)));
  }
  size_t SendQueueBytes(PeerId peer) override {
    auto conn = FindConn(peer);
    return conn ? conn->QueuedBytes() : 0;
  }
  bool HasPendingInput(PeerId peer) override {
    auto conn = FindConn(peer);
    return conn && conn->HasUndelivered();
  }
  void Disconnect(PeerId peer, Why why, const std::string& reason) override;
  void PeerListensAt(PeerId peer, const NetAddress& addr) override { listening_at_[peer] = addr; }

  // Connection::Owner (I/O thread).
  // Each frame is stamped with its arrival here, on the I/O thread, so the peer logic judges
  // rates by when frames came and not by when the message thread got to them.
  void OnFrame(const std::shared_ptr<Connection>& conn, std::shared_ptr<Message> msg,
               size_t bytes) override {
    Post([this, conn, msg = std::move(msg), bytes, arrival = SteadyMs()] {
      peerman_->OnMessage(conn->id(), *msg, arrival);
      conn->Delivered(bytes);
    });
  }
  void OnUnknownFrame(const std::shared_ptr<Connection>& conn, const std::string& command,
                      size_t bytes) override {
    Post([this, conn, command, bytes, arrival = SteadyMs()] {
      peerman_->OnUnknownMessage(conn->id(), command, bytes, arrival);
      conn->Delivered(bytes);
    });
  }
  void OnFrameError(const std::shared_ptr<Connection>& conn, int score,
                    const std::string& reason) override {
    if (score <= 0) {
      Log(LogLevel::kDebug, "peer " + conn->remote().ToString() + ": " + reason);
      return;
    }
    Post([this, id = conn->id(), score, reason] { peerman_->OnBadFrame(id, score, reason); });
  }
  void OnClosed(const std::shared_ptr<Connection>& conn, const std::string& why) override {
    {
      std::lock_guard lock(mu_);
      conns_.erase(conn->id());
    }
    Log(LogLevel::kDebug, "connection " + std::to_string(conn->id()) + " to " +
                              conn->remote().ToString() + " closed: " + why);
    Post([this, id = conn->id()] {
      listening_at_.erase(id);
      peers_.erase(id);
      peerman_->OnDisconnected(id);
    });
  }

  // Public API.
  void NotifyBlocksConnected(std::vector<chain::BlockHeader> headers) {
    PostNotification(
        [this, headers = std::move(headers)] { peerman_->OnBlocksConnected(headers); });
  }
  void NotifyLocalTxs(std::vector<chain::Hash256> txids) {
    PostNotification([this, txids = std::move(txids)] {
      for (const chain::Hash256& txid : txids) peerman_->OnLocalTx(txid);
    });
  }
  std::vector<PeerInfo> GetPeerInfo();
  NetworkInfo GetNetworkInfo();
  size_t ConnectionCount() {
    std::lock_guard lock(mu_);
    return conns_.size();
  }
  Status AddNode(const NetAddress& addr, const std::string& command);
  bool DisconnectMatching(const std::function<bool(const Connection&)>& match,
                          const std::string& why);
  void Ban(const NetAddress& ip, int64_t seconds, const std::string& reason);
  bool Unban(const NetAddress& ip) {
    bool removed = bans_->Unban(ip);
    SaveBans();
    return removed;
  }
  std::vector<BanEntry> ListBanned() { return bans_->List(UnixNow()); }
  void ClearBanned() {
    bans_->Clear();
    SaveBans();
  }
  std::optional<NetAddress> ListenAddress() const {
    std::lock_guard lock(mu_);
    return bound_;
  }

 private:
  void Log(LogLevel level, const std::string& msg) {
    if (log_ && log_->Enabled(level)) log_->Log(level, "net", msg);
  }
  std::shared_ptr<Connection> FindConn(PeerId id) {
    std::lock_guard lock(mu_);
    auto it = conns_.find(id);
    return it == conns_.end() ? nullptr : it->second;
  }
  void SendFrame(PeerId peer, std::shared_ptr<const chain::Bytes> frame) {
    if (auto conn = FindConn(peer)) conn->Send(std::move(frame));
  }

  // Runs fn on the message thread.
  void Post(std::function<void()> fn) {
    {
      std::lock_guard lock(queue_mu_);
      if (stopping_) return;
      queue_.push_back(std::move(fn));
    }
    queue_cv_.notify_one();
  }
  // The same for the node's notifications, which have no reader to pause: bounded, and
  // dropped beyond the bound (anti-entropy and header sync repair what a drop loses).
  void PostNotification(std::function<void()> fn) {
    {
      std::lock_guard lock(queue_mu_);
      if (stopping_ || queue_.size() >= options_.max_events) return;
      queue_.push_back(std::move(fn));
    }
    queue_cv_.notify_one();
  }
  // Runs fn on the message thread and waits for its result (bounded wait).
  template <typename F>
  std::optional<std::invoke_result_t<F>> Call(F fn) {
    auto promise = std::make_shared<std::promise<std::invoke_result_t<F>>>();
    auto future = promise->get_future();
    Post([promise, fn = std::move(fn)]() mutable { promise->set_value(fn()); });
    if (future.wait_for(kCallTimeout) != std::future_status::ready) return std::nullopt;
    return future.get();
  }

  void MessageLoop();
  // What Maintain decides from: a snapshot of the connections and dials under mu_.
  struct DialView {
    std::set<NetAddress> connected;  // with the listening addresses of inbound peers
    std::vector<std::shared_ptr<Connection>> auto_outbound;
    std::set<NetAddress> pending;
    std::vector<NetAddress> manual;  // --connect, then the added nodes
  };
  void Maintain();
  DialView SnapshotDialView();
  bool Dialable(const DialView& view, const NetAddress& a, int64_t unix_now) const;
  void DialManualPeers(const DialView& view, int64_t now, int64_t unix_now);
  void MaybeRotateOutbound(const DialView& view, int64_t now);
  std::optional<NetAddress> PickOutboundTarget(const DialView& view, int64_t now, int64_t unix_now);
  void Dial(const NetAddress& addr, bool manual);
  void DialFailed(const NetAddress& addr, bool manual, const std::string& why);
  void Register(tcp::socket socket, const NetAddress& remote, bool inbound, bool manual);
  // Every inbound slot is taken: on the message thread, evict an inbound peer for the
  // newcomer (p2p/eviction.h), or refuse it if every one is protected.
  void AcceptByEviction(std::shared_ptr<tcp::socket> socket, const NetAddress& remote);
  void DoAccept();
  void SaveBans() {
    if (options_.banlist_file.empty()) return;
    if (Status s = bans_->SaveFile(options_.banlist_file); !s.ok()) {
      Log(LogLevel::kWarn, "cannot save bans: " + s.ToString());
      if (options_.on_save_error) options_.on_save_error(s);
    }
  }
  void SaveAddresses() {
    if (options_.peers_file.empty() || !addrman_) return;
    if (Status s = addrman_->SaveFile(options_.peers_file); !s.ok()) {
      Log(LogLevel::kWarn, "cannot save the address book: " + s.ToString());
      if (options_.on_save_error) options_.on_save_error(s);
    }
  }

  // Fixed after construction (or in Start, before any thread runs).
  ConnmanOptions options_;
  NodeInterface* const node_;
  chain::LogSink* const log_;
  std::unique_ptr<AddrMan> addrman_;
  std::unique_ptr<BanList> bans_;
  std::unique_ptr<PeerManager> peerman_;

  net::io_context io_;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
  Strand accept_strand_{net::make_strand(io_)};
  tcp::acceptor acceptor_{accept_strand_};
  net::steady_timer accept_retry_{accept_strand_};
  std::thread io_thread_;
  std::thread message_thread_;
  std::mutex lifecycle_mu_;
  bool started_ = false;  // guarded by lifecycle_mu_
  bool stopped_ = false;  // guarded by lifecycle_mu_

  mutable std::mutex mu_;
  // Guarded by mu_.
  std::unordered_map<PeerId, std::shared_ptr<Connection>> conns_;
  PeerId next_id_ = 1;
  std::set<NetAddress> pending_dials_;
  std::set<NetAddress> addnodes_;
  std::optional<NetAddress> bound_;
  std::atomic<int> pending_evictions_{0};  // AcceptByEviction tasks not yet run

  // The message thread's own (no lock needed).
  std::set<NetAddress> self_addresses_;
  std::map<PeerId, NetAddress> listening_at_;  // of inbound peers, as their versions said
  // Every peer the peer logic knows (from OnConnected to OnDisconnected): address, inbound.
  std::map<PeerId, std::pair<NetAddress, bool>> peers_;
  std::map<NetAddress, int64_t> last_dial_ms_;
  int64_t next_maintain_ms_ = 0;
  int64_t next_rotate_ms_ = 0;
  int64_t next_save_ms_ = 0;
  std::mt19937_64 rng_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  // Guarded by queue_mu_.
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
};

Status Connman::Impl::Start() {
  std::lock_guard lifecycle(lifecycle_mu_);
  if (started_) return Status::Internal("Connman::Start called twice");
  started_ = true;
  rng_.seed(options_.seed ? options_.seed : std::random_device{}());

  AddrManOptions book_options;
  book_options.seed = options_.seed;
  if (!options_.peers_file.empty()) {
    auto loaded = AddrMan::LoadFile(options_.peers_file, book_options);
    if (loaded.ok()) {
      addrman_ = std::move(*loaded);
      Log(LogLevel::kInfo, "address book: " + std::to_string(addrman_->size()) +
                               " addresses from " + options_.peers_file);
    } else if (!loaded.status().IsNotFound()) {
      Log(LogLevel::kWarn,
          "ignoring the address book " + options_.peers_file + ": " + loaded.status().ToString());
    }
  }
  if (!addrman_) addrman_ = std::make_unique<AddrMan>(book_options);
  if (!options_.banlist_file.empty()) {
    auto loaded = BanList::LoadFile(options_.banlist_file);
    if (loaded.ok()) {
      bans_ = std::move(*loaded);
    } else if (!loaded.status().IsNotFound()) {
      Log(LogLevel::kWarn,
          "ignoring the ban list " + options_.banlist_file + ": " + loaded.status().ToString());
    }
  }
  if (!bans_) bans_ = std::make_unique<BanList>();
  // Serving one block while up to the soft limit is queued must never trip the hard bound.
  options_.send_queue_limit =
      std::max(options_.send_queue_limit,
               options_.peer.send_queue_soft_limit + options_.max_block_size + (1 << 20));
  options_.send_queue_pause = std::min(options_.send_queue_pause, options_.send_queue_limit);
  const int64_t unix_now = UnixNow();
  for (const NetAddress& seed : options_.seeds) addrman_->Add(seed, seed, unix_now, unix_now);
  {
    std::lock_guard lock(mu_);
    addnodes_.insert(options_.addnodes.begin(), options_.addnodes.end());
  }

  if (options_.listen) {
    boost::system::error_code ec;
    tcp::endpoint ep = ToEndpoint(*options_.listen);
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      return Status::Invalid("cannot listen on " + options_.listen->ToString() + ": " +
                             ec.message());
    }
    NetAddress bound = FromEndpoint(acceptor_.local_endpoint(ec));
    {
      std::lock_guard lock(mu_);
      bound_ = bound;
    }
    options_.peer.listen_port = bound.port;
    self_addresses_.insert(bound);
    Log(LogLevel::kInfo, "listening for peers on " + bound.ToString());
  } else {
    options_.peer.listen_port = 0;
  }

  peerman_ = std::make_unique<PeerManager>(options_.peer, node_, this, addrman_.get(), log_,
                                           SteadyMs, UnixNow, options_.seed);
  work_.emplace(net::make_work_guard(io_));
  io_thread_ = std::thread([this] { io_.run(); });
  message_thread_ = std::thread([this] { MessageLoop(); });
  if (options_.listen) net::post(accept_strand_, [this] { DoAccept(); });
  return Status::Ok();
}

void Connman::Impl::Stop() {
  std::lock_guard lifecycle(lifecycle_mu_);
  if (!started_ || stopped_) return;
  stopped_ = true;
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
    queue_.clear();
  }
  queue_cv_.notify_all();
  if (message_thread_.joinable()) message_thread_.join();
  // Nothing runs the peer logic any more: close the sockets, then stop the I/O thread.
  net::post(accept_strand_, [this] {
    boost::system::error_code ignored;
    accept_retry_.cancel();
    acceptor_.close(ignored);
  });
  std::vector<std::shared_ptr<Connection>> conns;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, conn] : conns_) conns.push_back(conn);
  }
  for (auto& conn : conns) conn->Close("shutting down");
  conns.clear();
  work_.reset();
  // Give the closes a moment to run, then stop whatever is still pending.
  for (int i = 0; i < 50 && !io_.stopped(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::lock_guard lock(mu_);
    if (conns_.empty()) break;
  }
  io_.stop();
  if (io_thread_.joinable()) io_thread_.join();
  {
    std::lock_guard lock(mu_);
    conns_.clear();
  }
  SaveAddresses();
  SaveBans();
}

void Connman::Impl::MessageLoop() {
  auto next_tick = std::chrono::steady_clock::now();
  while (true) {
    std::function<void()> task;
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait_until(lock, next_tick, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      if (!queue_.empty()) {
        task = std::move(queue_.front());
        queue_.pop_front();
      }
    }
    if (task) task();
    if (std::chrono::steady_clock::now() >= next_tick) {
      peerman_->OnTick();
      Maintain();
      next_tick = std::chrono::steady_clock::now() + kTickInterval;
    }
  }
}

void Connman::Impl::Disconnect(PeerId peer, Why why, const std::string& reason) {
  // The socket may be closed already (a bad frame closes it at once), but the peer logic
  // still knows the peer until OnDisconnected: the ban must hold either way.
  auto known = peers_.find(peer);
  if (known != peers_.end()) {
    const auto& [remote, inbound] = known->second;
    if (why == Why::kMisbehaved) {
      Ban(remote, 0, reason);
    } else if (why == Why::kSelf && !inbound) {
      self_addresses_.insert(remote);
    }
  }
  if (auto conn = FindConn(peer)) conn->Close(reason);
}

void Connman::Impl::Ban(const NetAddress& ip, int64_t seconds, const std::string& reason) {
  const int64_t until = UnixNow() + (seconds > 0 ? seconds : options_.ban_seconds);
  bans_->Ban(IpOnly(ip), until, reason);
  Log(LogLevel::kInfo, "banned " + IpOnly(ip).IpString() + " for " +
                           std::to_string(until - UnixNow()) + " s: " + reason);
  SaveBans();
  const NetAddress key = IpOnly(ip);
  DisconnectMatching([&](const Connection& c) { return IpOnly(c.remote()) == key; }, "banned");
}

bool Connman::Impl::DisconnectMatching(const std::function<bool(const Connection&)>& match,
                                       const std::string& why) {
  std::vector<std::shared_ptr<Connection>> hits;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, conn] : conns_) {
      if (match(*conn)) hits.push_back(conn);
    }
  }
  for (auto& conn : hits) conn->Close(why);
  return !hits.empty();
}

void Connman::Impl::Maintain() {
  const int64_t now = SteadyMs();
  if (now < next_maintain_ms_) return;
  next_maintain_ms_ = now + kMaintainIntervalMs;
  const int64_t unix_now = UnixNow();
  if (next_save_ms_ == 0) next_save_ms_ = now + kSaveIntervalMs;
  if (now >= next_save_ms_) {
    next_save_ms_ = now + kSaveIntervalMs;
    SaveAddresses();
  }
  const DialView view = SnapshotDialView();
  DialManualPeers(view, now, unix_now);
  if (!options_.connect.empty()) return;  // --connect: no other outbound peers
  MaybeRotateOutbound(view, now);

  size_t pending_auto = 0;
  for (const NetAddress& a : view.pending) {
    pending_auto += !std::count(view.manual.begin(), view.manual.end(), a);
  }
  if (view.auto_outbound.size() + pending_auto >= options_.max_outbound ||
      pending_auto >= kMaxPendingDials) {
    return;
  }
  std::optional<NetAddress> target = PickOutboundTarget(view, now, unix_now);
  if (!target) return;
  last_dial_ms_[*target] = now;
  if (last_dial_ms_.size() > 10'000) last_dial_ms_.clear();  // bounded; only a retry pacing
  addrman_->Attempt(*target, unix_now);
  Dial(*target, /*manual=*/false);
}

Connman::Impl::DialView Connman::Impl::SnapshotDialView() {
  DialView view;
  std::set<NetAddress> addnodes;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, conn] : conns_) {
      view.connected.insert(conn->remote());
      if (!conn->inbound() && !conn->manual()) view.auto_outbound.push_back(conn);
    }
    view.pending = pending_dials_;
    addnodes = addnodes_;
  }
  // A node already connected to us inbound is not dialed again.
  for (const auto& [id, addr] : listening_at_) view.connected.insert(addr);
  view.manual.assign(options_.connect.begin(), options_.connect.end());
  view.manual.insert(view.manual.end(), addnodes.begin(), addnodes.end());
  return view;
}

bool Connman::Impl::Dialable(const DialView& view, const NetAddress& a, int64_t unix_now) const {
  return !view.connected.count(a) && !view.pending.count(a) && !self_addresses_.count(a) &&
         !bans_->IsBanned(a, unix_now);
}

// Manual peers: redialed whenever they are not connected.
void Connman::Impl::DialManualPeers(const DialView& view, int64_t now, int64_t unix_now) {
  for (const NetAddress& a : view.manual) {
    if (!Dialable(view, a, unix_now)) continue;
    auto last = last_dial_ms_.find(a);
    if (last != last_dial_ms_.end() && now - last->second < options_.manual_retry_ms) continue;
    last_dial_ms_[a] = now;
    Dial(a, /*manual=*/true);
  }
}

void Connman::Impl::MaybeRotateOutbound(const DialView& view, int64_t now) {
  if (options_.rotate_interval_ms <= 0) return;
  if (next_rotate_ms_ == 0) next_rotate_ms_ = now + options_.rotate_interval_ms;
  if (now < next_rotate_ms_) return;
  next_rotate_ms_ = now + options_.rotate_interval_ms;
  const auto& outbound = view.auto_outbound;
  if (outbound.size() >= options_.max_outbound && !outbound.empty()) {
    const auto& victim = outbound[rng_() % outbound.size()];
    Log(LogLevel::kDebug, "rotating outbound peer " + victim->remote().ToString());
    victim->Close("rotation");
  }
}

std::optional<NetAddress> Connman::Impl::PickOutboundTarget(const DialView& view, int64_t now,
                                                            int64_t unix_now) {
  // Seeds first while we know little; afterwards they are ordinary entries of the book.
  if (view.auto_outbound.size() < 2 || addrman_->size() < options_.max_outbound * 2) {
    for (const NetAddress& seed : options_.seeds) {
      auto last = last_dial_ms_.find(seed);
      if (!Dialable(view, seed, unix_now) ||
          (last != last_dial_ms_.end() && now - last->second < kSeedRetryMs)) {
        continue;
      }
      return seed;
    }
  }
  const std::optional<NetAddress> bound = ListenAddress();
  // An address dialed a moment ago (it refused us, say) waits its turn.
  auto recently_dialed = [&](const NetAddress& a) {
    auto last = last_dial_ms_.find(a);
    return last != last_dial_ms_.end() && now - last->second < kAutoRedialMs;
  };
  return addrman_->Select(
      false,
      [&](const NetAddress& a) {
        return !Dialable(view, a, unix_now) || recently_dialed(a) || (bound && a == *bound);
      },
      unix_now);
}

void Connman::Impl::Dial(const NetAddress& addr, bool manual) {
  {
    std::lock_guard lock(mu_);
    if (!pending_dials_.insert(addr).second) return;
  }
  net::post(io_, [this, addr, manual] {
    auto socket = std::make_shared<tcp::socket>(net::make_strand(io_));
    tcp::endpoint ep = ToEndpoint(addr);
    boost::system::error_code ec;
    socket->open(ep.protocol(), ec);
    if (!ec && options_.bind_outbound && options_.listen &&
        options_.listen->IsIPv4() == addr.IsIPv4() && !options_.listen->IsUnspecified()) {
      NetAddress source = *options_.listen;
      source.port = 0;
      socket->bind(ToEndpoint(source), ec);
    }
    if (ec) return DialFailed(addr, manual, ec.message());
    auto timer = std::make_shared<net::steady_timer>(socket->get_executor());
    timer->expires_after(std::chrono::milliseconds(options_.connect_timeout_ms));
    timer->async_wait([socket](const boost::system::error_code& e) {
      if (!e) {
        boost::system::error_code ignored;
        socket->close(ignored);
      }
    });
    socket->async_connect(
        ep, [this, socket, timer, addr, manual](const boost::system::error_code& e) {
          timer->cancel();
          if (e)
            return DialFailed(addr, manual,
                              e == net::error::operation_aborted ? std::string("connect timed out")
                                                                 : e.message());
          Register(std::move(*socket), addr, /*inbound=*/false, manual);
        });
  });
}

void Connman::Impl::DialFailed(const NetAddress& addr, bool manual, const std::string& why) {
  {
    std::lock_guard lock(mu_);
    pending_dials_.erase(addr);
  }
  Log(manual ? LogLevel::kInfo : LogLevel::kDebug,
      "cannot connect to " + addr.ToString() + ": " + why);
}

void Connman::Impl::Register(tcp::socket socket, const NetAddress& remote, bool inbound,
                             bool manual) {
  boost::system::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  std::shared_ptr<Connection> conn;
  {
    std::lock_guard lock(mu_);
    if (!inbound) pending_dials_.erase(remote);
    const PeerId id = next_id_++;
    conn = std::make_shared<Connection>(std::move(socket), id, remote, inbound, manual, this,
                                        options_);
    conns_.emplace(id, conn);
  }
  Post([this, id = conn->id(), remote, inbound] {
    peers_[id] = {remote, inbound};
    peerman_->OnConnected(id, remote, inbound);
  });
  conn->Start();
}

void Connman::Impl::DoAccept() {
  acceptor_.async_accept(
      net::make_strand(io_), [this](const boost::system::error_code& ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
        if (ec) {
          // Out of descriptors, say: wait a little instead of spinning.
          Log(LogLevel::kWarn, "accept: " + ec.message());
          accept_retry_.expires_after(kAcceptRetryDelay);
          accept_retry_.async_wait(
              net::bind_executor(accept_strand_, [this](const boost::system::error_code& e) {
                if (!e) DoAccept();
              }));
          return;
        }
        boost::system::error_code rec;
        tcp::endpoint ep = socket.remote_endpoint(rec);
        if (rec) {
          DoAccept();
          return;
        }
        NetAddress remote = FromEndpoint(ep);
        size_t inbound = 0;
        {
          std::lock_guard lock(mu_);
          for (auto& [id, conn] : conns_) inbound += conn->inbound();
        }
        boost::system::error_code ignored;
        if (bans_->IsBanned(remote, UnixNow())) {
          Log(LogLevel::kDebug, "refused banned " + remote.ToString());
          socket.close(ignored);
        } else if (inbound >= options_.max_inbound) {
          AcceptByEviction(std::make_shared<tcp::socket>(std::move(socket)), remote);
        } else {
          Register(std::move(socket), remote, /*inbound=*/true, /*manual=*/false);
        }
        DoAccept();
      });
}

void Connman::Impl::AcceptByEviction(std::shared_ptr<tcp::socket> socket,
                                     const NetAddress& remote) {
  // Connections whose OnConnected is queued before this task are known to the peer logic by
  // the time it runs; each newcomer evicts at most one peer, so the count stays at the cap
  // (over it only while victims close). Newcomers waiting for a decision are bounded too.
  if (pending_evictions_.fetch_add(1) >= kMaxPendingEvictions) {
    pending_evictions_.fetch_sub(1);
    Log(LogLevel::kDebug, "refused " + remote.ToString() + ": inbound connections full");
    boost::system::error_code ignored;
    socket->close(ignored);
    return;
  }
  Post([this, socket, remote] {
    pending_evictions_.fetch_sub(1);
    if (options_.max_inbound > 0 && peerman_->EvictInbound()) {
      Register(std::move(*socket), remote, /*inbound=*/true, /*manual=*/false);
      return;
    }
    Log(LogLevel::kDebug, "refused " + remote.ToString() + ": inbound connections full");
    boost::system::error_code ignored;
    socket->close(ignored);
  });
}

std::vector<PeerInfo> Connman::Impl::GetPeerInfo() {
  auto states = Call([this] { return peerman_->Peers(); });
  std::vector<PeerInfo> out;
  if (!states) return out;
  std::lock_guard lock(mu_);
  for (PeerState& s : *states) {
    PeerInfo info;
    auto it = conns_.find(s.id);
    if (it != conns_.end()) {
      info.bytes_sent = it->second->BytesSent();
      info.bytes_received = it->second->BytesReceived();
      info.connected_unix = it->second->connected_unix();
      info.manual = it->second->manual();
    }
    info.state = std::move(s);
    out.push_back(std::move(info));
  }
  return out;
}

NetworkInfo Connman::Impl::GetNetworkInfo() {
  NetworkInfo info;
  {
    std::lock_guard lock(mu_);
    info.listening = bound_;
    for (auto& [id, conn] : conns_) {
      (conn->inbound() ? info.inbound : info.outbound)++;
      info.bytes_sent += conn->BytesSent();
      info.bytes_received += conn->BytesReceived();
    }
  }
  info.known_addresses = addrman_ ? addrman_->size() : 0;
  info.banned = bans_ ? bans_->List(UnixNow()).size() : 0;
  return info;
}

Status Connman::Impl::AddNode(const NetAddress& addr, const std::string& command) {
  if (!addr.IsValid()) return Status::Invalid("not a valid peer address: " + addr.ToString());
  if (command == "add") {
    std::lock_guard lock(mu_);
    if (!addnodes_.insert(addr).second) return Status::Invalid("node already added");
    return Status::Ok();
  }
  if (command == "remove") {
    std::lock_guard lock(mu_);
    if (!addnodes_.erase(addr)) return Status::Invalid("node has not been added");
    return Status::Ok();
  }
  if (command == "onetry") {
    Dial(addr, /*manual=*/true);
    return Status::Ok();
  }
  return Status::Invalid("command must be add, remove or onetry");
}

Connman::Connman(ConnmanOptions options, NodeInterface* node, chain::LogSink* log)
    : impl_(std::make_unique<Impl>(std::move(options), node, log)) {}
Connman::~Connman() = default;
Status Connman::Start() { return impl_->Start(); }
void Connman::Stop() { impl_->Stop(); }
void Connman::NotifyBlocksConnected(std::vector<chain::BlockHeader> headers) {
  impl_->NotifyBlocksConnected(std::move(headers));
}
void Connman::NotifyLocalTxs(std::vector<chain::Hash256> txids) {
  impl_->NotifyLocalTxs(std::move(txids));
}
std::vector<PeerInfo> Connman::GetPeerInfo() { return impl_->GetPeerInfo(); }
NetworkInfo Connman::GetNetworkInfo() { return impl_->GetNetworkInfo(); }
size_t Connman::ConnectionCount() { return impl_->ConnectionCount(); }
Status Connman::AddNode(const NetAddress& addr, const std::string& command) {
  return impl_->AddNode(addr, command);
}
bool Connman::DisconnectNode(const NetAddress& addr) {
  return impl_->DisconnectMatching(
      [&](const Connection& c) {
        return addr.port == 0 ? IpOnly(c.remote()) == IpOnly(addr) : c.remote() == addr;
      },
      "disconnected by RPC");
}
bool Connman::DisconnectNode(PeerId id) {
  return impl_->DisconnectMatching([&](const Connection& c) { return c.id() == id; },
                                   "disconnected by RPC");
}
void Connman::Ban(const NetAddress& ip, int64_t seconds, const std::string& reason) {
  impl_->Ban(ip, seconds, reason);
}
bool Connman::Unban(const NetAddress& ip) { return impl_->Unban(ip); }
std::vector<BanEntry> Connman::ListBanned() { return impl_->ListBanned(); }
void Connman::ClearBanned() { impl_->ClearBanned(); }
std::optional<NetAddress> Connman::ListenAddress() const { return impl_->ListenAddress(); }

}  // namespace waybill::p2p
