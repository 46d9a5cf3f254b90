// P2P message decoders: the frame header and every payload type. The first input byte picks
// the message type, the rest is the payload.
#include "fuzz/fuzz.h"
#include "p2p/messages.h"

using namespace waybill;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr uint32_t kMagic = 0x57425201;
  constexpr size_t kMaxBlock = 4'000'000;
  if (size >= p2p::kFrameHeaderSize) {
    auto header =
        p2p::DecodeFrameHeader(chain::ByteSpan(data, p2p::kFrameHeaderSize), kMagic, kMaxBlock);
    if (header.ok()) {
      FUZZ_CHECK(header->magic == kMagic);
      FUZZ_CHECK(!header->command.empty() && header->command.size() <= p2p::kCommandSize);
      auto type = p2p::ParseCommand(header->command);
      FUZZ_CHECK(header->length <=
                 (type ? p2p::MaxPayloadSize(*type, kMaxBlock) : p2p::kMaxSmallPayload));
    }
  }
  if (size == 0) return 0;
  auto type = static_cast<p2p::MsgType>(data[0] % p2p::kMsgTypeCount);
  chain::ByteSpan payload(data + 1, size - 1);
  auto msg = p2p::DecodePayload(type, payload, kMaxBlock);
  if (!msg.ok()) return 0;
  FUZZ_CHECK(p2p::TypeOf(*msg) == type);
  // Canonical: what decodes re-encodes to exactly the input, and the frame round-trips.
  chain::Bytes again = p2p::EncodePayload(*msg);
  FUZZ_CHECK(again == chain::Bytes(payload.begin(), payload.end()));
  chain::Bytes frame = p2p::EncodeMessage(kMagic, *msg);
  auto header = p2p::DecodeFrameHeader(chain::ByteSpan(frame.data(), p2p::kFrameHeaderSize), kMagic,
                                       kMaxBlock);
  FUZZ_CHECK(header.ok());
  FUZZ_CHECK(header->length == again.size());
  FUZZ_CHECK(header->checksum == p2p::PayloadChecksum(again));
  return 0;
}
