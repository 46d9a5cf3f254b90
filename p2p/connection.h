// One TCP connection of the connection manager (p2p/connman.cpp, its only includer): reads
// frames with deadlines and hands them to its owner, and writes what the owner sends from a
// bounded queue, pausing reading while too much is undelivered or unsent. A peer that does
// not read is dropped: when a frame would take its send queue past the hard bound, or when
// the queue stays above the pause level for longer than the drain deadline. Internal to p2p/:
// it brings Boost.Asio with it, which stays out of every other translation unit.
#pragma once

#include <array>
#include <atomic>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "chain/types.h"
#include "p2p/connman.h"
#include "p2p/messages.h"
#include "p2p/net_address.h"

namespace waybill::p2p::detail {

namespace net = boost::asio;
using tcp = net::ip::tcp;

// Misbehaviour points for a frame header that does not decode (docs/PROTOCOL.md §12.7).
inline int FrameErrorScore(FrameError error) {
  switch (error) {
    case FrameError::kWrongMagic:
      return 0;  // another network's node, or a port scan: not an offence
    case FrameError::kMalformed:
    case FrameError::kOversized:
      return 100;
  }
  return 100;
}

// One TCP connection. Every member but the atomics is touched only on the strand. The owner
// holds a shared_ptr while the connection is registered; handlers hold one while pending.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  class Owner {
   public:
    virtual ~Owner() = default;
    // On the I/O thread; the owner calls Delivered(bytes) once it has processed msg.
    virtual void OnFrame(const std::shared_ptr<Connection>& conn, std::shared_ptr<Message> msg,
                         size_t bytes) = 0;
    virtual void OnFrameError(const std::shared_ptr<Connection>& conn, int score,
                              const std::string& reason) = 0;
    // A frame with a valid header and an unknown command (its payload is dropped). Counted
    // as undelivered like a message: the owner calls Delivered(bytes) once it has counted it.
    virtual void OnUnknownFrame(const std::shared_ptr<Connection>& conn,
                                const std::string& command, size_t bytes) = 0;
    virtual void OnClosed(const std::shared_ptr<Connection>& conn, const std::string& why) = 0;
  };

  Connection(tcp::socket socket, PeerId id, const NetAddress& remote, bool inbound, bool manual,
             Owner* owner, const ConnmanOptions& options)
      : id_(id),
        remote_(remote),
        inbound_(inbound),
        manual_(manual),
        connected_unix_(std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count()),
        owner_(owner),
        options_(options),
        executor_(socket.get_executor()),
        socket_(std::move(socket)),
        read_timer_(executor_),
        write_timer_(executor_),
        drain_timer_(executor_) {}

  PeerId id() const { return id_; }
  const NetAddress& remote() const { return remote_; }
  bool inbound() const { return inbound_; }
  bool manual() const { return manual_; }
  int64_t connected_unix() const { return connected_unix_; }
  size_t QueuedBytes() const { return queued_bytes_.load(); }
  bool HasUndelivered() const { return undelivered_bytes_.load() > 0; }
  uint64_t BytesSent() const { return bytes_sent_.load(); }
  uint64_t BytesReceived() const { return bytes_received_.load(); }

  void Start() {
    net::post(executor_, [self = shared_from_this()] { self->ReadHeader(); });
  }

  // Any thread. Frames sent in a burst reach the strand in one handler (one wake-up of the
  // I/O thread rather than one per frame) and leave in as few writes as the limits allow.
  // A frame that would take the queue past options.send_queue_limit is dropped and the
  // connection closed: a peer that reads too slowly for what it asks cannot pin more.
  void Send(std::shared_ptr<const chain::Bytes> frame) {
    if (overflowed_.load()) return;
    if (queued_bytes_.load() + frame->size() > options_.send_queue_limit) {
      if (!overflowed_.exchange(true)) {
        Close("send queue over " + std::to_string(options_.send_queue_limit) +
              " bytes: the peer does not read");
      }
      return;
    }
    queued_bytes_ += frame->size();
    bool post = false;
    {
      std::lock_guard lock(outbox_mu_);
      outbox_.push_back(std::move(frame));
      post = !outbox_posted_;
      outbox_posted_ = true;
    }
    if (post) net::post(executor_, [self = shared_from_this()] { self->TakeOutbox(); });
  }

  void Close(std::string why) {
    net::post(executor_, [self = shared_from_this(), why = std::move(why)] { self->DoClose(why); });
  }

  // The owner processed a message of this many bytes. Wakes the strand only if reading is
  // paused: ReadHeader sets the flag before it re-checks the limits, and both sides use
  // sequentially consistent atomics, so a pause cannot miss the decrement that ends it.
  void Delivered(size_t bytes) {
    undelivered_bytes_ -= bytes;
    if (reading_paused_.load()) {
      net::post(executor_, [self = shared_from_this()] { self->MaybeResume(); });
    }
  }

 private:
  bool OverLimits() const {
    return undelivered_bytes_.load() > options_.recv_queue_limit ||
           queued_bytes_.load() > options_.send_queue_pause;
  }

  // On the strand. Output above the pause level must drain below it within the deadline,
  // or the peer is a slow reader and is dropped. Re-armed each time the level is crossed.
  void CheckDrain() {
    if (closed_) return;
    const bool over = queued_bytes_.load() > options_.send_queue_pause;
    if (over == drain_armed_) return;
    drain_armed_ = over;
    ++drain_generation_;
    if (!over) {
      drain_timer_.cancel();
      return;
    }
    drain_timer_.expires_after(std::chrono::milliseconds(options_.send_drain_timeout_ms));
    drain_timer_.async_wait(net::bind_executor(
        executor_, [self = shared_from_this(), generation = drain_generation_](
                       const boost::system::error_code& ec) {
          if (ec || generation != self->drain_generation_ || !self->drain_armed_) return;
          self->DoClose("slow reader: send queue above " +
                        std::to_string(self->options_.send_queue_pause) + " bytes for " +
                        std::to_string(self->options_.send_drain_timeout_ms) + " ms");
        }));
  }

  void ArmTimer(net::steady_timer& timer, int64_t ms, const char* what) {
    timer.expires_after(std::chrono::milliseconds(ms));
    timer.async_wait(net::bind_executor(
        executor_, [self = shared_from_this(), what](const boost::system::error_code& ec) {
          if (!ec) self->DoClose(std::string(what) + " timed out");
        }));
  }

  void ReadHeader() {
    if (closed_) return;
    if (OverLimits()) {
      reading_paused_.store(true);  // resumed by Delivered() or a finished write
      if (OverLimits()) return;
      reading_paused_.store(false);  // a Delivered() came in between
    }
    // A peer must send something (at least a ping reply) well within this.
    ArmTimer(read_timer_, options_.peer.idle_timeout_ms + options_.io_timeout_ms, "read");
    net::async_read(socket_, net::buffer(header_),
                    net::bind_executor(
                        executor_, [self = shared_from_this()](const boost::system::error_code& ec,
                                                               size_t) { self->OnHeader(ec); }));
  }

  void OnHeader(const boost::system::error_code& ec) {
    read_timer_.cancel();
    if (closed_) return;
    if (ec) return DoClose(ec == net::error::eof ? "closed by peer" : ec.message());
    auto header = DecodeFrameHeader(header_, options_.magic, options_.max_block_size);
    if (!header.ok()) {
      // The stream cannot be resynchronized after a bad header: score it and close.
      const std::string reason = header.status().reason();
      owner_->OnFrameError(shared_from_this(), FrameErrorScore(header.error()), reason);
      return DoClose(reason);
    }
    frame_ = std::move(*header);
    payload_.resize(frame_.length);
    if (payload_.empty()) return OnPayload({});
    ArmTimer(read_timer_, options_.io_timeout_ms, "payload read");
    net::async_read(socket_, net::buffer(payload_),
                    net::bind_executor(
                        executor_, [self = shared_from_this()](const boost::system::error_code& ec,
                                                               size_t) { self->OnPayload(ec); }));
  }

  void OnPayload(const boost::system::error_code& ec) {
    read_timer_.cancel();
    if (closed_) return;
    if (ec) return DoClose(ec == net::error::eof ? "closed by peer" : ec.message());
    const size_t frame_bytes = kFrameHeaderSize + payload_.size();
    bytes_received_ += frame_bytes;
    auto type = ParseCommand(frame_.command);
    if (!type) {
      // A command of a newer protocol: skipped, but counted against the peer's budget.
      undelivered_bytes_ += frame_bytes;
      owner_->OnUnknownFrame(shared_from_this(), frame_.command, frame_bytes);
      payload_.clear();
      payload_.shrink_to_fit();
      return ReadHeader();
    }
    if (PayloadChecksum(payload_) != frame_.checksum) {
      owner_->OnFrameError(shared_from_this(), 100, frame_.command + ": bad checksum");
      return ReadHeader();
    }
    auto msg = DecodePayload(*type, payload_, options_.max_block_size);
    if (!msg.ok()) {
      owner_->OnFrameError(shared_from_this(), 100, "malformed " + msg.status().reason());
      return ReadHeader();
    }
    undelivered_bytes_ += frame_bytes;
    owner_->OnFrame(shared_from_this(), std::make_shared<Message>(std::move(*msg)), frame_bytes);
    payload_.clear();
    payload_.shrink_to_fit();  // a 4 MB block buffer should not stay with an idle peer
    ReadHeader();
  }

  // On the strand: moves what Send queued to the send queue.
  void TakeOutbox() {
    std::deque<std::shared_ptr<const chain::Bytes>> taken;
    {
      std::lock_guard lock(outbox_mu_);
      taken.swap(outbox_);
      outbox_posted_ = false;
    }
    for (auto& frame : taken) {
      if (closed_) {
        queued_bytes_ -= frame->size();
      } else {
        send_queue_.push_back(std::move(frame));
      }
    }
    CheckDrain();
    if (!closed_ && !writing_) WriteNext();
  }

  // Writes the frames at the front of the queue in one gathered write: at most
  // kMaxFramesPerWrite frames, and more than one only while they add up to at most
  // kMaxBytesPerWrite, so a big block is still one write of its own.
  static constexpr size_t kMaxFramesPerWrite = 64;
  static constexpr size_t kMaxBytesPerWrite = 256 << 10;

  void WriteNext() {
    if (closed_ || send_queue_.empty()) {
      writing_ = false;
      MaybeResume();
      return;
    }
    writing_ = true;
    write_buffers_.clear();
    size_t bytes = 0;
    for (const auto& frame : send_queue_) {
      if (write_buffers_.size() == kMaxFramesPerWrite) break;
      if (!write_buffers_.empty() && bytes + frame->size() > kMaxBytesPerWrite) break;
      write_buffers_.push_back(net::buffer(*frame));
      bytes += frame->size();
    }
    ArmTimer(write_timer_, options_.io_timeout_ms, "write");
    net::async_write(socket_, write_buffers_,
                     net::bind_executor(executor_, [self = shared_from_this()](
                                                       const boost::system::error_code& ec,
                                                       size_t n) { self->OnWrite(ec, n); }));
  }

  void OnWrite(const boost::system::error_code& ec, size_t n) {
    write_timer_.cancel();
    if (closed_) return;
    if (ec) return DoClose("write: " + ec.message());
    bytes_sent_ += n;
    for (size_t i = 0; i < write_buffers_.size(); ++i) {
      queued_bytes_ -= send_queue_.front()->size();
      send_queue_.pop_front();
    }
    write_buffers_.clear();
    CheckDrain();
    WriteNext();
  }

  void MaybeResume() {
    if (reading_paused_.load() && !closed_ && !OverLimits()) {
      reading_paused_.store(false);
      ReadHeader();
    }
  }

  void DoClose(const std::string& why) {
    if (closed_) return;
    closed_ = true;
    read_timer_.cancel();
    write_timer_.cancel();
    drain_timer_.cancel();
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    for (const auto& frame : send_queue_) queued_bytes_ -= frame->size();
    send_queue_.clear();
    {
      // Frames that Send queued after this point are dropped by TakeOutbox.
      std::lock_guard lock(outbox_mu_);
      for (const auto& frame : outbox_) queued_bytes_ -= frame->size();
      outbox_.clear();
    }
    owner_->OnClosed(shared_from_this(), why);
  }

  // Fixed after construction.
  const PeerId id_;
  const NetAddress remote_;
  const bool inbound_;
  const bool manual_;
  const int64_t connected_unix_;
  Owner* const owner_;
  const ConnmanOptions& options_;
  // The socket's executor: a strand of its own (the socket is created on one), so the
  // connection's handlers never run concurrently.
  const net::any_io_executor executor_;

  std::atomic<size_t> queued_bytes_{0};       // accepted by Send, not yet written
  std::atomic<size_t> undelivered_bytes_{0};  // handed to the owner, not yet processed
  std::atomic<uint64_t> bytes_sent_{0};
  std::atomic<uint64_t> bytes_received_{0};
  std::atomic<bool> overflowed_{false};  // a Send found the queue full: closing

  // On the strand only.
  tcp::socket socket_;
  net::steady_timer read_timer_;
  net::steady_timer write_timer_;
  net::steady_timer drain_timer_;
  bool drain_armed_ = false;       // output is above the pause level; the timer runs
  uint64_t drain_generation_ = 0;  // tells a stale expiry from the current one
  std::array<uint8_t, kFrameHeaderSize> header_{};
  FrameHeader frame_;
  chain::Bytes payload_;
  std::deque<std::shared_ptr<const chain::Bytes>> send_queue_;
  std::vector<net::const_buffer> write_buffers_;  // the frames of the write in flight
  bool writing_ = false;
  bool closed_ = false;
  // Set on the strand, read by Delivered() on the owner's thread.
  std::atomic<bool> reading_paused_{false};

  std::mutex outbox_mu_;
  // Guarded by outbox_mu_: frames from Send() not yet on the strand, and whether a
  // TakeOutbox() is posted.
  std::deque<std::shared_ptr<const chain::Bytes>> outbox_;
  bool outbox_posted_ = false;
};

}  // namespace waybill::p2p::detail
