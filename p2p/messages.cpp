#include "p2p/messages.h"

#include <algorithm>
#include <cstring>

#include "chain/hash.h"

namespace waybill::p2p {
namespace {

using chain::Bytes;
using chain::ByteSpan;
using chain::Reader;
using chain::Result;
using chain::Status;
using chain::Writer;

constexpr std::array<std::string_view, kMsgTypeCount> kCommands = {
    "version", "verack",   "ping",       "pong",    "getaddr", "addr", "inv",
    "getdata", "notfound", "getheaders", "headers", "block",   "tx",   "mempool", "txs"};

bool PrintableAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

void EncodeInvItems(const std::vector<InvItem>& items, Writer& w) {
  w.CompactSize(items.size());
  for (const InvItem& item : items) {
    w.U8(static_cast<uint8_t>(item.type));
    w.Hash(item.hash);
  }
}

bool DecodeInvItems(Reader& r, std::vector<InvItem>* items) {
  uint64_t n = 0;
  if (!r.CompactSize(&n, kMaxInvEntries)) return false;
  items->resize(n);
  for (InvItem& item : *items) {
    uint8_t type = 0;
    if (!r.U8(&type) || !r.Hash(&item.hash)) return false;
    if (type != static_cast<uint8_t>(InvType::kTx) &&
        type != static_cast<uint8_t>(InvType::kBlock)) {
      return r.Fail("unknown inv type " + std::to_string(type));
    }
    item.type = static_cast<InvType>(type);
  }
  return true;
}

struct PayloadEncoder {
  Writer& w;
  void operator()(const VersionMsg& m) {
    w.U32(m.version);
    w.U64(m.services);
    w.U64(static_cast<uint64_t>(m.timestamp));
    w.Hash(m.genesis);
    w.U32(m.best_height);
    w.U16(m.listen_port);
    w.U64(m.nonce);
    Bytes addr;
    EncodeNetAddress(m.receiver, &addr);
    w.Raw(addr);
    w.String(m.user_agent);
  }
  void operator()(const VerackMsg&) {}
  void operator()(const PingMsg& m) { w.U64(m.nonce); }
  void operator()(const PongMsg& m) { w.U64(m.nonce); }
  void operator()(const GetAddrMsg&) {}
  void operator()(const AddrMsg& m) {
    w.CompactSize(m.entries.size());
    Bytes addr;
    for (const AddrEntry& e : m.entries) {
      w.U32(e.time);
      addr.clear();
      EncodeNetAddress(e.addr, &addr);
      w.Raw(addr);
    }
  }
  void operator()(const InvMsg& m) { EncodeInvItems(m.items, w); }
  void operator()(const GetDataMsg& m) { EncodeInvItems(m.items, w); }
  void operator()(const NotFoundMsg& m) { EncodeInvItems(m.items, w); }
  void operator()(const GetHeadersMsg& m) {
    w.CompactSize(m.locator.size());
    for (const chain::Hash256& h : m.locator) w.Hash(h);
    w.Hash(m.stop);
  }
  void operator()(const HeadersMsg& m) {
    w.CompactSize(m.headers.size());
    for (const chain::BlockHeader& h : m.headers) {
      auto bytes = h.Serialize();
      w.Raw(bytes);
    }
  }
  void operator()(const BlockMsg& m) { w.Raw(m.block.block.Serialize()); }
  void operator()(const TxMsg& m) { w.Raw(m.tx.Serialize()); }
  void operator()(const MempoolMsg&) {}
  void operator()(const TxsMsg& m) {
    w.CompactSize(m.txs.size());
    for (const chain::Transaction& tx : m.txs) w.VarBytes(tx.Serialize());
  }
};

Result<Message> DecodeVersion(Reader& r) {
  VersionMsg m;
  uint64_t timestamp = 0;
  if (!r.U32(&m.version) || !r.U64(&m.services) || !r.U64(&timestamp) || !r.Hash(&m.genesis) ||
      !r.U32(&m.best_height) || !r.U16(&m.listen_port) || !r.U64(&m.nonce) ||
      !DecodeNetAddress(r, &m.receiver) || !r.String(&m.user_agent, kMaxUserAgent)) {
    return Status::Invalid("version: " + r.error());
  }
  m.timestamp = static_cast<int64_t>(timestamp);
  if (!PrintableAscii(m.user_agent)) return Status::Invalid("version: user agent not printable");
  return Message(std::move(m));
}

Result<Message> DecodeAddr(Reader& r) {
  AddrMsg m;
  uint64_t n = 0;
  if (!r.CompactSize(&n, kMaxAddrEntries)) return Status::Invalid("addr: " + r.error());
  m.entries.resize(n);
  for (AddrEntry& e : m.entries) {
    if (!r.U32(&e.time) || !DecodeNetAddress(r, &e.addr)) {
      return Status::Invalid("addr: " + r.error());
    }
  }
  return Message(std::move(m));
}

template <typename T>
Result<Message> DecodeInvLike(Reader& r, std::string_view what) {
  T m;
  if (!DecodeInvItems(r, &m.items)) return Status::Invalid(std::string(what) + ": " + r.error());
  return Message(std::move(m));
}

Result<Message> DecodeGetHeaders(Reader& r) {
  GetHeadersMsg m;
  uint64_t n = 0;
  if (!r.CompactSize(&n, kMaxLocatorHashes)) return Status::Invalid("getheaders: " + r.error());
  if (n == 0) return Status::Invalid("getheaders: empty locator");
  m.locator.resize(n);
  for (chain::Hash256& h : m.locator) {
    if (!r.Hash(&h)) return Status::Invalid("getheaders: " + r.error());
  }
  if (!r.Hash(&m.stop)) return Status::Invalid("getheaders: " + r.error());
  return Message(std::move(m));
}

Result<Message> DecodeHeaders(Reader& r) {
  HeadersMsg m;
  uint64_t n = 0;
  if (!r.CompactSize(&n, kMaxHeadersPerMessage)) return Status::Invalid("headers: " + r.error());
  m.headers.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    ByteSpan bytes;
    if (!r.Span(chain::kHeaderSize, &bytes)) return Status::Invalid("headers: " + r.error());
    auto header = chain::DecodeHeader(bytes);
    if (!header.ok()) return Status::Invalid("headers: " + header.status().reason());
    m.headers.push_back(*header);
  }
  return Message(std::move(m));
}

// Strict: 1..kMaxTxsPerMessage txs, each a canonical tx of 1..kMaxTxSize bytes that fills its
// length exactly.
Result<Message> DecodeTxs(Reader& r) {
  TxsMsg m;
  uint64_t n = 0;
  if (!r.CompactSize(&n, kMaxTxsPerMessage)) return Status::Invalid("txs: " + r.error());
  if (n == 0) return Status::Invalid("txs: empty");
  m.txs.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t len = 0;
    ByteSpan bytes;
    if (!r.CompactSize(&len, chain::kMaxTxSize) || !r.Span(len, &bytes)) {
      return Status::Invalid("txs: " + r.error());
    }
    auto tx = chain::DecodeTransaction(bytes);
    if (!tx.ok()) return Status::Invalid("txs: tx " + std::to_string(i) + ": " + tx.status().reason());
    m.txs.push_back(std::move(*tx));
  }
  return Message(std::move(m));
}

size_t CompactSizeLength(uint64_t v) { return v < 253 ? 1 : v <= 0xffff ? 3 : v <= 0xffffffff ? 5 : 9; }

}  // namespace

bool TxsPayloadBuilder::Add(ByteSpan tx) {
  const size_t grown = CompactSizeLength(count_ + 1) + body_.size() +
                       CompactSizeLength(tx.size()) + tx.size();
  if (count_ >= kMaxTxsPerMessage || tx.empty() || grown > kMaxTxsPayload) return false;
  Writer w(&body_);
  w.VarBytes(tx);
  ++count_;
  return true;
}

Bytes TxsPayloadBuilder::Take() {
  Bytes out;
  out.reserve(CompactSizeLength(count_) + body_.size());
  Writer w(&out);
  w.CompactSize(count_);
  w.Raw(body_);
  body_.clear();
  count_ = 0;
  return out;
}

std::string_view CommandName(MsgType type) { return kCommands[static_cast<size_t>(type)]; }

std::optional<MsgType> ParseCommand(std::string_view command) {
  for (size_t i = 0; i < kCommands.size(); ++i) {
    if (kCommands[i] == command) return static_cast<MsgType>(i);
  }
  return std::nullopt;
}

size_t MaxPayloadSize(MsgType type, size_t max_block_size) {
  switch (type) {
    case MsgType::kBlock:
      return std::min(max_block_size, chain::kMaxBlockSizeHardLimit);
    case MsgType::kTx:
      return chain::kMaxTxSize;
    case MsgType::kTxs:
      return kMaxTxsPayload;
    case MsgType::kVersion:
      return 4 + 8 + 8 + 32 + 4 + 2 + 8 + 18 + 3 + kMaxUserAgent;
    case MsgType::kVerack:
    case MsgType::kGetAddr:
    case MsgType::kMempool:
      return 0;
    case MsgType::kPing:
    case MsgType::kPong:
      return 8;
    case MsgType::kAddr:
      return 3 + kMaxAddrEntries * 22;
    case MsgType::kGetHeaders:
      return 1 + kMaxLocatorHashes * 32 + 32;
    case MsgType::kHeaders:
      return 3 + kMaxHeadersPerMessage * chain::kHeaderSize;
    case MsgType::kInv:
    case MsgType::kGetData:
    case MsgType::kNotFound:
      return 5 + kMaxInvEntries * 33;
  }
  return 0;
}

FrameHeaderResult DecodeFrameHeader(ByteSpan data, uint32_t magic, size_t max_block_size) {
  if (data.size() != kFrameHeaderSize) {
    return {FrameError::kMalformed, "frame header: wrong size"};
  }
  Reader r(data);
  FrameHeader h;
  uint8_t command[kCommandSize];
  if (!r.U32(&h.magic) || !r.Raw(kCommandSize, command) || !r.U32(&h.length) ||
      !r.Raw(4, h.checksum.data())) {
    return {FrameError::kMalformed, "frame header: " + r.error()};
  }
  if (h.magic != magic) return {FrameError::kWrongMagic, "wrong network magic"};
  size_t len = 0;
  while (len < kCommandSize && command[len] != 0) {
    if (command[len] < 'a' || command[len] > 'z') {
      return {FrameError::kMalformed, "bad command name"};
    }
    ++len;
  }
  if (len == 0) return {FrameError::kMalformed, "empty command name"};
  for (size_t i = len; i < kCommandSize; ++i) {
    if (command[i] != 0) return {FrameError::kMalformed, "bad command padding"};
  }
  h.command.assign(reinterpret_cast<const char*>(command), len);
  auto type = ParseCommand(h.command);
  size_t bound = type ? MaxPayloadSize(*type, max_block_size) : kMaxSmallPayload;
  if (h.length > bound) {
    return {FrameError::kOversized, h.command + ": payload of " + std::to_string(h.length) +
                                        " bytes exceeds " + std::to_string(bound)};
  }
  return h;
}

std::array<uint8_t, 4> PayloadChecksum(ByteSpan payload) {
  chain::Hash256 h = chain::Sha256dHash(payload);
  return {h.bytes[0], h.bytes[1], h.bytes[2], h.bytes[3]};
}

namespace {

// The frame's header for this payload: magic, command, length, checksum.
void WriteFrameHeader(uint32_t magic, MsgType type, ByteSpan payload, Bytes* out) {
  Writer w(out);
  w.U32(magic);
  uint8_t command[kCommandSize] = {};
  std::string_view name = CommandName(type);
  std::memcpy(command, name.data(), name.size());
  w.Raw(ByteSpan(command, kCommandSize));
  w.U32(static_cast<uint32_t>(payload.size()));
  w.Raw(PayloadChecksum(payload));
}

}  // namespace

Bytes EncodeFrame(uint32_t magic, MsgType type, ByteSpan payload) {
  Bytes out;
  out.reserve(kFrameHeaderSize + payload.size());
  WriteFrameHeader(magic, type, payload, &out);
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

void EncodeNetAddress(const NetAddress& addr, Bytes* out) {
  Writer w(out);
  w.Raw(ByteSpan(addr.ip.data(), addr.ip.size()));
  w.U16(addr.port);
}

bool DecodeNetAddress(Reader& r, NetAddress* out) {
  return r.Raw(out->ip.size(), out->ip.data()) && r.U16(&out->port);
}

MsgType TypeOf(const Message& msg) { return static_cast<MsgType>(msg.index()); }

Bytes EncodePayload(const Message& msg) {
  Writer w;
  std::visit(PayloadEncoder{w}, msg);
  return w.Take();
}

Bytes EncodeMessage(uint32_t magic, const Message& msg) {
  // The payload is written once, after room for the header, into a buffer sized for the
  // inventory messages (the ones sent per tx and peer); the header goes in front.
  Bytes out(kFrameHeaderSize);
  size_t items = 0;
  if (const auto* inv = std::get_if<InvMsg>(&msg)) items = inv->items.size();
  if (const auto* get = std::get_if<GetDataMsg>(&msg)) items = get->items.size();
  out.reserve(kFrameHeaderSize + 9 + items * (1 + 32));
  {
    Writer w(&out);
    std::visit(PayloadEncoder{w}, msg);
  }
  const ByteSpan payload(out.data() + kFrameHeaderSize, out.size() - kFrameHeaderSize);
  Bytes header;
  header.reserve(kFrameHeaderSize);
  WriteFrameHeader(magic, TypeOf(msg), payload, &header);
  std::memcpy(out.data(), header.data(), kFrameHeaderSize);
  return out;
}

Result<Message> DecodePayload(MsgType type, ByteSpan payload, size_t max_block_size) {
  if (payload.size() > MaxPayloadSize(type, max_block_size)) {
    return Status::Invalid(std::string(CommandName(type)) + ": payload too large");
  }
  // Block and tx have decoders of their own that reject trailing bytes.
  if (type == MsgType::kBlock) {
    auto block = chain::DecodeBlock(payload, max_block_size);
    if (!block.ok()) return Status::Invalid("block: " + block.status().reason());
    return Message(BlockMsg{std::move(*block)});
  }
  if (type == MsgType::kTx) {
    auto tx = chain::DecodeTransaction(payload);
    if (!tx.ok()) return Status::Invalid("tx: " + tx.status().reason());
    return Message(TxMsg{std::move(*tx)});
  }
  Reader r(payload);
  Result<Message> msg = Status::Internal("unhandled message type");
  switch (type) {
    case MsgType::kVersion:
      msg = DecodeVersion(r);
      break;
    case MsgType::kVerack:
      msg = Message(VerackMsg{});
      break;
    case MsgType::kPing: {
      PingMsg m;
      if (!r.U64(&m.nonce)) return Status::Invalid("ping: " + r.error());
      msg = Message(m);
      break;
    }
    case MsgType::kPong: {
      PongMsg m;
      if (!r.U64(&m.nonce)) return Status::Invalid("pong: " + r.error());
      msg = Message(m);
      break;
    }
    case MsgType::kGetAddr:
      msg = Message(GetAddrMsg{});
      break;
    case MsgType::kAddr:
      msg = DecodeAddr(r);
      break;
    case MsgType::kInv:
      msg = DecodeInvLike<InvMsg>(r, "inv");
      break;
    case MsgType::kGetData:
      msg = DecodeInvLike<GetDataMsg>(r, "getdata");
      break;
    case MsgType::kNotFound:
      msg = DecodeInvLike<NotFoundMsg>(r, "notfound");
      break;
    case MsgType::kGetHeaders:
      msg = DecodeGetHeaders(r);
      break;
    case MsgType::kHeaders:
      msg = DecodeHeaders(r);
      break;
    case MsgType::kMempool:
      msg = Message(MempoolMsg{});
      break;
    case MsgType::kTxs:
      msg = DecodeTxs(r);
      break;
    case MsgType::kBlock:
    case MsgType::kTx:
      break;
  }
  if (!msg.ok()) return msg;
  if (!r.AtEnd()) {
    return Status::Invalid(std::string(CommandName(type)) + ": trailing bytes");
  }
  return msg;
}

}  // namespace waybill::p2p
