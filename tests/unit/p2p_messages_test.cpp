#include <gtest/gtest.h>

#include <cstdint>
#include <utility>

#include "chain/hash.h"
#include "chain/merkle.h"
#include "chain/schnorr.h"
#include "chain/serialize.h"
#include "p2p/messages.h"

namespace waybill::p2p {
namespace {

constexpr uint32_t kMagic = 0x57425201;
constexpr size_t kMaxBlock = 4'000'000;

chain::Hash256 H(uint8_t fill) {
  chain::Hash256 h;
  h.bytes.fill(fill);
  return h;
}

chain::Transaction SignedTransfer(uint64_t nonce) {
  auto key = chain::SecretKey::FromBytes(H(7).span());
  chain::Transaction tx;
  tx.chain_id = H(1);
  tx.sender = key->PublicKey();
  tx.nonce = nonce;
  tx.fee = 200;
  tx.op = chain::TransferOp{H(2), 5000};
  tx.Sign(*key);
  return tx;
}

void ExpectRoundTrip(const Message& msg) {
  chain::Bytes payload = EncodePayload(msg);
  auto back = DecodePayload(TypeOf(msg), payload, kMaxBlock);
  ASSERT_TRUE(back.ok()) << CommandName(TypeOf(msg)) << ": " << back.status().ToString();
  EXPECT_EQ(*back, msg) << CommandName(TypeOf(msg));
  EXPECT_EQ(EncodePayload(*back), payload);
  // And through a frame.
  chain::Bytes frame = EncodeMessage(kMagic, msg);
  ASSERT_GE(frame.size(), kFrameHeaderSize);
  auto header =
      DecodeFrameHeader(chain::ByteSpan(frame.data(), kFrameHeaderSize), kMagic, kMaxBlock);
  ASSERT_TRUE(header.ok()) << header.status().ToString();
  EXPECT_EQ(header->command, CommandName(TypeOf(msg)));
  EXPECT_EQ(header->length, payload.size());
  EXPECT_EQ(header->checksum, PayloadChecksum(payload));
  EXPECT_EQ(chain::Bytes(frame.begin() + kFrameHeaderSize, frame.end()), payload);
  EXPECT_EQ(frame, EncodeFrame(kMagic, TypeOf(msg), payload));
}

TEST(P2pMessagesTest, EveryMessageRoundTrips) {
  VersionMsg v;
  v.timestamp = 1'763'900'000;
  v.genesis = H(9);
  v.best_height = 1234;
  v.listen_port = 18541;
  v.nonce = 0x0102030405060708ull;
  v.receiver = *NetAddress::Parse("127.0.0.5:3000", 0);
  v.user_agent = "/waybill:0.1.0/";
  ExpectRoundTrip(v);
  ExpectRoundTrip(VerackMsg{});
  ExpectRoundTrip(PingMsg{42});
  ExpectRoundTrip(PongMsg{43});
  ExpectRoundTrip(GetAddrMsg{});
  ExpectRoundTrip(AddrMsg{{AddrEntry{100, *NetAddress::Parse("10.1.2.3:9", 0)},
                           AddrEntry{200, *NetAddress::Parse("[2001:db8::1]:80", 0)}}});
  ExpectRoundTrip(InvMsg{{InvItem{InvType::kTx, H(3)}, InvItem{InvType::kBlock, H(4)}}});
  ExpectRoundTrip(GetDataMsg{{InvItem{InvType::kBlock, H(5)}}});
  ExpectRoundTrip(NotFoundMsg{{InvItem{InvType::kTx, H(6)}}});
  ExpectRoundTrip(GetHeadersMsg{{H(1), H(2), H(3)}, chain::Hash256{}});
  chain::BlockHeader header;
  header.prev = H(1);
  header.merkle_root = H(2);
  header.miner = H(3);
  header.time = 1'763'900'000;
  header.bits = 0x207fffff;
  header.nonce = 77;
  ExpectRoundTrip(HeadersMsg{{header, header}});
  ExpectRoundTrip(TxMsg{SignedTransfer(0)});
  chain::Block block;
  block.header = header;
  block.txs = {SignedTransfer(0), SignedTransfer(1)};
  auto decoded = chain::DecodeBlock(block.Serialize());
  ASSERT_TRUE(decoded.ok());
  ExpectRoundTrip(BlockMsg{*decoded});
  ExpectRoundTrip(MempoolMsg{});
  ExpectRoundTrip(TxsMsg{{SignedTransfer(0), SignedTransfer(1), SignedTransfer(2)}});
  // A full inventory message (EncodeMessage sizes its buffer from the item count).
  InvMsg full;
  for (size_t i = 0; i < kMaxInvEntries; ++i) {
    full.items.push_back(InvItem{i % 3 ? InvType::kTx : InvType::kBlock, H(static_cast<uint8_t>(i))});
  }
  ExpectRoundTrip(full);
  ExpectRoundTrip(GetDataMsg{full.items});
}

TEST(P2pMessagesTest, CommandNamesAreUniqueAndParse) {
  for (size_t i = 0; i < kMsgTypeCount; ++i) {
    auto type = static_cast<MsgType>(i);
    auto parsed = ParseCommand(CommandName(type));
    ASSERT_TRUE(parsed.has_value()) << CommandName(type);
    EXPECT_EQ(*parsed, type);
    EXPECT_LE(CommandName(type).size(), kCommandSize);
  }
  EXPECT_FALSE(ParseCommand("sendcmpct").has_value());
}

// A frame header with the given fields.
chain::Bytes Header(uint32_t magic, const char* command, size_t command_len, uint32_t length) {
  chain::Writer w;
  w.U32(magic);
  uint8_t cmd[kCommandSize] = {};
  std::memcpy(cmd, command, command_len);
  w.Raw(chain::ByteSpan(cmd, kCommandSize));
  w.U32(length);
  w.U32(0);
  return w.Take();
}

TEST(P2pMessagesTest, FrameHeaderRules) {
  auto ok = DecodeFrameHeader(Header(kMagic, "ping", 4, 8), kMagic, kMaxBlock);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->command, "ping");

  auto wrong_magic = DecodeFrameHeader(Header(0x57424401, "ping", 4, 8), kMagic, kMaxBlock);
  ASSERT_FALSE(wrong_magic.ok());
  EXPECT_EQ(wrong_magic.status().reason(), "wrong network magic");

  // Not [a-z], NUL inside the name, empty name.
  EXPECT_FALSE(DecodeFrameHeader(Header(kMagic, "PING", 4, 8), kMagic, kMaxBlock).ok());
  EXPECT_FALSE(DecodeFrameHeader(Header(kMagic, "pi\0g", 4, 8), kMagic, kMaxBlock).ok());
  EXPECT_FALSE(DecodeFrameHeader(Header(kMagic, "", 0, 0), kMagic, kMaxBlock).ok());
  // Oversized for its command, checked before any payload is read.
  EXPECT_FALSE(DecodeFrameHeader(Header(kMagic, "ping", 4, 9), kMagic, kMaxBlock).ok());
  EXPECT_FALSE(DecodeFrameHeader(Header(kMagic, "verack", 6, 1), kMagic, kMaxBlock).ok());
  EXPECT_TRUE(DecodeFrameHeader(Header(kMagic, "block", 5, kMaxBlock), kMagic, kMaxBlock).ok());
  EXPECT_FALSE(
      DecodeFrameHeader(Header(kMagic, "block", 5, kMaxBlock + 1), kMagic, kMaxBlock).ok());
  EXPECT_FALSE(
      DecodeFrameHeader(Header(kMagic, "tx", 2, chain::kMaxTxSize + 1), kMagic, kMaxBlock).ok());
  // Unknown commands are framed (so they can be skipped) within the small bound.
  EXPECT_TRUE(DecodeFrameHeader(Header(kMagic, "future", 6, 100), kMagic, kMaxBlock).ok());
  EXPECT_FALSE(
      DecodeFrameHeader(Header(kMagic, "future", 6, kMaxSmallPayload + 1), kMagic, kMaxBlock).ok());
  // Wrong size input.
  EXPECT_FALSE(DecodeFrameHeader(chain::Bytes(23, 0), kMagic, kMaxBlock).ok());
}

// The connection scores a refused header by its FrameError, never by its text.
TEST(P2pMessagesTest, FrameHeaderErrorsAreTyped) {
  auto error = [](const chain::Bytes& header) {
    auto r = DecodeFrameHeader(header, kMagic, kMaxBlock);
    EXPECT_FALSE(r.ok());
    EXPECT_FALSE(r.status().ok());
    return r.error();
  };
  EXPECT_EQ(error(Header(0x57424401, "ping", 4, 8)), FrameError::kWrongMagic);
  EXPECT_EQ(error(Header(kMagic, "PING", 4, 8)), FrameError::kMalformed);
  EXPECT_EQ(error(Header(kMagic, "pi\0g", 4, 8)), FrameError::kMalformed);
  EXPECT_EQ(error(Header(kMagic, "", 0, 0)), FrameError::kMalformed);
  EXPECT_EQ(error(chain::Bytes(23, 0)), FrameError::kMalformed);
  EXPECT_EQ(error(Header(kMagic, "ping", 4, 9)), FrameError::kOversized);
  EXPECT_EQ(error(Header(kMagic, "future", 6, kMaxSmallPayload + 1)), FrameError::kOversized);
  // Another network's magic wins over any other fault of the header.
  EXPECT_EQ(error(Header(0x57424401, "PING", 4, 1 << 30)), FrameError::kWrongMagic);
}

TEST(P2pMessagesTest, ChecksumIsSha256dPrefix) {
  chain::Bytes payload = {1, 2, 3};
  chain::Hash256 h = chain::Sha256dHash(payload);
  auto sum = PayloadChecksum(payload);
  EXPECT_EQ(sum[0], h.bytes[0]);
  EXPECT_EQ(sum[3], h.bytes[3]);
  // Of the empty payload: SHA-256d("") starts 5df6e0e2 (as Bitcoin's verack).
  auto empty = PayloadChecksum({});
  EXPECT_EQ(chain::HexEncode(empty), "5df6e0e2");
}

TEST(P2pMessagesTest, DecodersRejectBadPayloads) {
  auto fails = [](MsgType type, const chain::Bytes& payload) {
    return !DecodePayload(type, payload, kMaxBlock).ok();
  };
  // Trailing bytes.
  EXPECT_TRUE(fails(MsgType::kVerack, {0}));
  EXPECT_TRUE(fails(MsgType::kPing, chain::Bytes(9, 0)));
  // Truncated.
  EXPECT_TRUE(fails(MsgType::kPing, chain::Bytes(7, 0)));
  // An inv type that does not exist.
  chain::Bytes inv = {1, 3};
  inv.resize(2 + 32);
  EXPECT_TRUE(fails(MsgType::kInv, inv));
  // Counts beyond their bounds, refused before allocating.
  const std::pair<MsgType, uint64_t> bounds[] = {{MsgType::kGetData, kMaxInvEntries},
                                                 {MsgType::kAddr, kMaxAddrEntries},
                                                 {MsgType::kHeaders, kMaxHeadersPerMessage},
                                                 {MsgType::kGetHeaders, kMaxLocatorHashes}};
  for (const auto& [type, bound] : bounds) {
    chain::Writer w;
    w.CompactSize(bound + 1);
    EXPECT_TRUE(fails(type, w.Take())) << "a count of " << bound + 1;
  }
  // Non-minimal CompactSize.
  EXPECT_TRUE(fails(MsgType::kInv, {0xfd, 0x01, 0x00}));
  // An empty locator.
  {
    chain::Writer w;
    w.CompactSize(0);
    w.Hash(chain::Hash256{});
    EXPECT_TRUE(fails(MsgType::kGetHeaders, w.Take()));
  }
  // A user agent with a control character.
  {
    VersionMsg v;
    v.user_agent = "bad\nagent";
    EXPECT_TRUE(fails(MsgType::kVersion, EncodePayload(v)));
  }
  // A tx or block that does not decode.
  EXPECT_TRUE(fails(MsgType::kTx, {1, 2, 3}));
  EXPECT_TRUE(fails(MsgType::kBlock, {1, 2, 3}));
}

TEST(P2pMessagesTest, NetAddressEncoding) {
  chain::Bytes out;
  EncodeNetAddress(*NetAddress::Parse("1.2.3.4:258", 0), &out);
  EXPECT_EQ(chain::HexEncode(out), "00000000000000000000ffff010203040201");
}

TEST(P2pMessagesTest, TxsPayloadBuilderMatchesTheEncoder) {
  TxsMsg msg{{SignedTransfer(5), SignedTransfer(6)}};
  TxsPayloadBuilder builder;
  for (const chain::Transaction& tx : msg.txs) ASSERT_TRUE(builder.Add(tx.Serialize()));
  EXPECT_EQ(builder.count(), 2u);
  EXPECT_EQ(builder.Take(), EncodePayload(msg));
  EXPECT_EQ(builder.count(), 0u);  // empty again
  EXPECT_FALSE(builder.Add(chain::Bytes{}));
}

TEST(P2pMessagesTest, TxsPayloadBuilderStopsAtItsBounds) {
  // By count: kMaxTxsPerMessage small txs fit, one more does not.
  const chain::Bytes small = SignedTransfer(1).Serialize();
  TxsPayloadBuilder by_count;
  for (size_t i = 0; i < kMaxTxsPerMessage; ++i) ASSERT_TRUE(by_count.Add(small)) << i;
  EXPECT_FALSE(by_count.Add(small));
  chain::Bytes full = by_count.Take();
  EXPECT_LE(full.size(), kMaxTxsPayload);
  EXPECT_TRUE(DecodePayload(MsgType::kTxs, full, kMaxBlock).ok());
  // By bytes: maximal txs until the next would pass kMaxTxsPayload; whatever was built decodes
  // as far as the framing goes (these are not real txs, so the frame header is checked).
  const chain::Bytes big(chain::kMaxTxSize, 0x01);
  TxsPayloadBuilder by_bytes;
  size_t added = 0;
  while (by_bytes.Add(big)) ++added;
  EXPECT_EQ(added, kMaxTxsPayload / (chain::kMaxTxSize + 5));
  chain::Bytes payload = by_bytes.Take();
  EXPECT_LE(payload.size(), kMaxTxsPayload);
  chain::Bytes frame = EncodeFrame(kMagic, MsgType::kTxs, payload);
  EXPECT_TRUE(
      DecodeFrameHeader(chain::ByteSpan(frame.data(), kFrameHeaderSize), kMagic, kMaxBlock).ok());
}

TEST(P2pMessagesTest, TxsDecoderRejectsBadBatches) {
  auto fails = [](const chain::Bytes& payload) {
    return !DecodePayload(MsgType::kTxs, payload, kMaxBlock).ok();
  };
  const chain::Bytes tx = SignedTransfer(3).Serialize();
  auto batch = [&](uint64_t count, const std::vector<chain::Bytes>& txs) {
    chain::Writer w;
    w.CompactSize(count);
    for (const chain::Bytes& t : txs) w.VarBytes(t);
    return w.Take();
  };
  EXPECT_FALSE(fails(batch(2, {tx, tx})));
  EXPECT_TRUE(fails(batch(0, {})));                       // empty
  EXPECT_TRUE(fails(batch(3, {tx, tx})));                 // truncated: a tx missing
  EXPECT_TRUE(fails(batch(kMaxTxsPerMessage + 1, {tx})));  // count over the bound
  chain::Bytes cut = batch(1, {tx});
  cut.pop_back();
  EXPECT_TRUE(fails(cut));  // truncated inside the tx
  chain::Bytes trailing = batch(1, {tx});
  trailing.push_back(0);
  EXPECT_TRUE(fails(trailing));  // a byte after the last tx
  // A length over kMaxTxSize, refused before reading it.
  {
    chain::Writer w;
    w.CompactSize(1);
    w.CompactSize(chain::kMaxTxSize + 1);
    EXPECT_TRUE(fails(w.Take()));
  }
  // A tx with a byte too many inside its length: its own decoder refuses the trailing byte.
  chain::Bytes longer = tx;
  longer.push_back(0);
  EXPECT_TRUE(fails(batch(1, {longer})));
  EXPECT_TRUE(fails(batch(1, {chain::Bytes{1, 2, 3}})));  // not a tx
  // Oversized: the frame header is refused past kMaxTxsPayload, and so is the payload.
  chain::Bytes header_bytes = Header(kMagic, "txs", 3, kMaxTxsPayload + 1);
  auto header = DecodeFrameHeader(header_bytes, kMagic, kMaxBlock);
  ASSERT_FALSE(header.ok());
  EXPECT_EQ(header.error(), FrameError::kOversized);
  EXPECT_TRUE(fails(chain::Bytes(kMaxTxsPayload + 1, 0)));
}

}  // namespace
}  // namespace waybill::p2p
