#include "chain/block.h"

#include "chain/hash.h"
#include "chain/serialize.h"

namespace waybill::chain {

std::array<uint8_t, kHeaderSize> BlockHeader::Serialize() const {
  Bytes buf;
  buf.reserve(kHeaderSize);
  Writer w(&buf);
  w.U32(version);
  w.Hash(prev);
  w.Hash(merkle_root);
  w.Hash(miner);
  w.U32(time);
  w.U32(bits);
  w.U64(nonce);
  std::array<uint8_t, kHeaderSize> out;
  std::memcpy(out.data(), buf.data(), kHeaderSize);
  return out;
}

Hash256 BlockHeader::Id() const {
  auto bytes = Serialize();
  return Sha256dHash(bytes);
}

namespace {
bool ReadHeader(Reader& r, BlockHeader* h) {
  return r.U32(&h->version) && r.Hash(&h->prev) && r.Hash(&h->merkle_root) &&
         r.Hash(&h->miner) && r.U32(&h->time) && r.U32(&h->bits) && r.U64(&h->nonce);
}
}  // namespace

Result<BlockHeader> DecodeHeader(ByteSpan data) {
  Reader r(data);
  BlockHeader h;
  (void)ReadHeader(r, &h);
  if (Status s = r.Finish("header"); !s.ok()) return s;
  return h;
}

Bytes Block::Serialize() const {
  Writer w;
  auto hb = header.Serialize();
  w.Raw(hb);
  w.CompactSize(txs.size());
  for (const auto& tx : txs) w.VarBytes(tx.Serialize());
  return w.Take();
}

Result<DecodedBlock> DecodeBlock(ByteSpan data, size_t max_size) {
  if (data.size() > max_size) {
    return Status::Invalid("block: size " + std::to_string(data.size()) + " exceeds " +
                           std::to_string(max_size));
  }
  Reader r(data);
  DecodedBlock out;
  out.size = data.size();
  uint64_t n = 0;
  // Each tx takes at least its fixed fields, which bounds n before anything is reserved.
  constexpr uint64_t kMinTxEncoding = 1 + 150;
  if (ReadHeader(r, &out.block.header) && r.CompactSize(&n, data.size() / kMinTxEncoding)) {
    out.block.txs.reserve(n);
    out.txids.reserve(n);
    out.tx_sizes.reserve(n);
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t len;
      ByteSpan tx_bytes;
      if (!r.CompactSize(&len, kMaxTxSize) || !r.Span(len, &tx_bytes)) break;
      auto tx = DecodeTransaction(tx_bytes);
      if (!tx.ok()) {
        return Status::Invalid("block: tx " + std::to_string(i) + ": " + tx.status().reason());
      }
      out.txids.push_back(TaggedHash(tags::kTxId, tx_bytes));
      out.tx_sizes.push_back(static_cast<uint32_t>(tx_bytes.size()));
      out.block.txs.push_back(std::move(tx).value());
    }
  }
  if (Status s = r.Finish("block"); !s.ok()) return s;
  // The encoding is canonical (minimal lengths, no trailing bytes), so these bytes are
  // exactly what block.Serialize() would rebuild.
  out.encoded.assign(data.begin(), data.end());
  return out;
}

}  // namespace waybill::chain
