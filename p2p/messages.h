// The wire messages of the overlay and their framing (docs/PROTOCOL.md "P2P messages").
// Pure codecs: no sockets, no state. Every count and length is bounded before anything is
// allocated, encodings are canonical (minimal CompactSize, no trailing bytes) and decoders
// return errors, never throw.
//
// A frame is a 24-byte header followed by the payload:
//   u32 magic || command (12 bytes, ASCII [a-z], NUL-padded) || u32 length || checksum (4)
// checksum = the first 4 bytes of SHA-256d(payload).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "chain/block.h"
#include "chain/serialize.h"
#include "chain/status.h"
#include "chain/tx.h"
#include "chain/types.h"
#include "p2p/net_address.h"

namespace waybill::p2p {

// The p2p handshake's version (docs/PROTOCOL.md §12.1), apart from the consensus protocol
// version of genesis files and chain ids (consensus::kProtocolVersion, still 3).
inline constexpr uint32_t kProtocolVersion = 4;
// Protocol 3 reset every network (new genesis commitments), so older peers are on other chains.
inline constexpr uint32_t kMinProtocolVersion = 3;
// From this version on a peer understands `txs` (several txs in one message); an older peer
// is sent one `tx` per tx.
inline constexpr uint32_t kTxBatchVersion = 4;
// The disconnect reason given to a peer whose version is below kMinProtocolVersion.
inline constexpr std::string_view kObsoleteVersionReason = "obsolete-version";
inline constexpr size_t kFrameHeaderSize = 24;
inline constexpr size_t kCommandSize = 12;

// Bounds of the message contents.
inline constexpr size_t kMaxUserAgent = 256;
inline constexpr size_t kMaxAddrEntries = 1000;
inline constexpr size_t kMaxInvEntries = 50'000;
inline constexpr size_t kMaxLocatorHashes = 101;
inline constexpr size_t kMaxHeadersPerMessage = 2000;
// A txs message: 1..kMaxTxsPerMessage txs, each 1..chain::kMaxTxSize bytes, kMaxTxsPayload
// bytes in all (so any one tx fits).
inline constexpr size_t kMaxTxsPerMessage = 1000;
inline constexpr size_t kMaxTxsPayload = 1 << 20;
// Payload bound of every message but block (the network's max_block_size) and tx.
inline constexpr size_t kMaxSmallPayload = 5 + kMaxInvEntries * 33;

enum class MsgType : uint8_t {
  kVersion,
  kVerack,
  kPing,
  kPong,
  kGetAddr,
  kAddr,
  kInv,
  kGetData,
  kNotFound,
  kGetHeaders,
  kHeaders,
  kBlock,
  kTx,
  kMempool,
  kTxs,  // protocol 4
};
inline constexpr size_t kMsgTypeCount = 15;

// "version", "verack", ... (the command field's text).
std::string_view CommandName(MsgType type);
// nullopt for a command this node does not know (ignored, not an error).
std::optional<MsgType> ParseCommand(std::string_view command);

struct FrameHeader {
  uint32_t magic = 0;
  std::string command;  // without the NUL padding
  uint32_t length = 0;
  std::array<uint8_t, 4> checksum{};
};

// Why a frame header was refused. The connection scores each (docs/PROTOCOL.md §12.7).
enum class FrameError : uint8_t {
  kWrongMagic,  // another network's node: not an offence
  kMalformed,   // wrong size, or a command that is not [a-z]{1,12} followed only by NULs
  kOversized,   // the length exceeds the bound of its command
};

// A decoded frame header, or the FrameError and a text for people saying why there is none.
class [[nodiscard]] FrameHeaderResult {
 public:
  FrameHeaderResult(FrameHeader header) : header_(std::move(header)) {}  // NOLINT: implicit
  FrameHeaderResult(FrameError error, std::string why)
      : error_(error), why_(chain::Status::Invalid(std::move(why))) {}

  bool ok() const { return header_.has_value(); }
  // REQUIRES: ok().
  const FrameHeader& operator*() const& { return *header_; }
  FrameHeader& operator*() & { return *header_; }
  const FrameHeader* operator->() const { return &*header_; }
  // REQUIRES: !ok(). Act on this, not on the text.
  FrameError error() const { return error_; }
  // OK, or Invalid with the text ("wrong network magic", "bad command name", ...).
  chain::Status status() const { return ok() ? chain::Status::Ok() : why_; }

 private:
  std::optional<FrameHeader> header_;
  FrameError error_ = FrameError::kMalformed;
  chain::Status why_;
};

// Decodes the 24 header bytes: kWrongMagic if the magic is not `magic`, kMalformed if the
// command is not canonical (not [a-z]{1,12} followed only by NULs), kOversized if the length
// exceeds the bound of its command (MaxPayloadSize; unknown commands: kMaxSmallPayload).
FrameHeaderResult DecodeFrameHeader(chain::ByteSpan data, uint32_t magic, size_t max_block_size);
// The largest payload accepted for a command.
size_t MaxPayloadSize(MsgType type, size_t max_block_size);
std::array<uint8_t, 4> PayloadChecksum(chain::ByteSpan payload);
// Header and payload.
chain::Bytes EncodeFrame(uint32_t magic, MsgType type, chain::ByteSpan payload);

// Service bits in version.services.
inline constexpr uint64_t kServiceFullNode = 1;  // serves blocks and txs

struct VersionMsg {
  uint32_t version = kProtocolVersion;
  uint64_t services = kServiceFullNode;
  int64_t timestamp = 0;  // sender's clock, Unix seconds
  chain::Hash256 genesis;
  uint32_t best_height = 0;
  uint16_t listen_port = 0;  // 0: the sender accepts no connections
  uint64_t nonce = 0;        // random per connection: detects connections to ourselves
  NetAddress receiver;       // the address the sender sees the receiver at
  std::string user_agent;    // printable ASCII, at most kMaxUserAgent bytes
  bool operator==(const VersionMsg&) const = default;
};
struct VerackMsg {
  bool operator==(const VerackMsg&) const = default;
};
struct PingMsg {
  uint64_t nonce = 0;
  bool operator==(const PingMsg&) const = default;
};
struct PongMsg {
  uint64_t nonce = 0;
  bool operator==(const PongMsg&) const = default;
};
struct GetAddrMsg {
  bool operator==(const GetAddrMsg&) const = default;
};
struct AddrEntry {
  uint32_t time = 0;  // last seen, Unix seconds
  NetAddress addr;
  bool operator==(const AddrEntry&) const = default;
};
struct AddrMsg {
  std::vector<AddrEntry> entries;  // at most kMaxAddrEntries
  bool operator==(const AddrMsg&) const = default;
};

enum class InvType : uint8_t { kTx = 1, kBlock = 2 };
struct InvItem {
  InvType type = InvType::kTx;
  chain::Hash256 hash;
  bool operator==(const InvItem&) const = default;
};
// inv, getdata and notfound share one layout: at most kMaxInvEntries items.
struct InvMsg {
  std::vector<InvItem> items;
  bool operator==(const InvMsg&) const = default;
};
struct GetDataMsg {
  std::vector<InvItem> items;
  bool operator==(const GetDataMsg&) const = default;
};
struct NotFoundMsg {
  std::vector<InvItem> items;
  bool operator==(const NotFoundMsg&) const = default;
};
struct GetHeadersMsg {
  std::vector<chain::Hash256> locator;  // 1..kMaxLocatorHashes, newest first
  chain::Hash256 stop;                  // zero: as many as one message holds
  bool operator==(const GetHeadersMsg&) const = default;
};
struct HeadersMsg {
  std::vector<chain::BlockHeader> headers;  // at most kMaxHeadersPerMessage, in chain order
  bool operator==(const HeadersMsg&) const = default;
};
struct BlockMsg {
  chain::DecodedBlock block;
  bool operator==(const BlockMsg& o) const { return block.block == o.block.block; }
};
struct TxMsg {
  chain::Transaction tx;
  bool operator==(const TxMsg&) const = default;
};
// Several txs, the answer to a getdata of several (protocol >= kTxBatchVersion). Encoded as
// CompactSize count, then per tx CompactSize length || the tx's encoding.
struct TxsMsg {
  std::vector<chain::Transaction> txs;
  bool operator==(const TxsMsg&) const = default;
};
// Builds a txs payload from already encoded txs (a mempool's), without decoding them.
class TxsPayloadBuilder {
 public:
  // False (and nothing added) if the message already holds kMaxTxsPerMessage txs or the tx
  // would take the payload past kMaxTxsPayload.
  bool Add(chain::ByteSpan tx);
  size_t count() const { return count_; }
  // The payload; the builder is empty afterwards.
  chain::Bytes Take();

 private:
  chain::Bytes body_;
  size_t count_ = 0;
};
// Asks for an inv of the receiver's whole mempool (anti-entropy).
struct MempoolMsg {
  bool operator==(const MempoolMsg&) const = default;
};

using Message =
    std::variant<VersionMsg, VerackMsg, PingMsg, PongMsg, GetAddrMsg, AddrMsg, InvMsg, GetDataMsg,
                 NotFoundMsg, GetHeadersMsg, HeadersMsg, BlockMsg, TxMsg, MempoolMsg, TxsMsg>;

MsgType TypeOf(const Message& msg);
chain::Bytes EncodePayload(const Message& msg);
// Strict decoder of a payload of the given type; max_block_size bounds a block message.
chain::Result<Message> DecodePayload(MsgType type, chain::ByteSpan payload, size_t max_block_size);
// The whole frame of a message.
chain::Bytes EncodeMessage(uint32_t magic, const Message& msg);

// For messages that need them.
void EncodeNetAddress(const NetAddress& addr, chain::Bytes* out);
bool DecodeNetAddress(chain::Reader& reader, NetAddress* out);

}  // namespace waybill::p2p
