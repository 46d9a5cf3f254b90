#include "chain/tx.h"

#include <algorithm>
#include <string>

#include "chain/hash.h"
#include "chain/lists.h"
#include "chain/serialize.h"

namespace waybill::chain {
void WriteMetadata(Writer& w, const std::vector<MetadataEntry>& md) {
  w.CompactSize(md.size());
  for (const auto& e : md) {
    w.String(e.key);
    w.String(e.value);
  }
}

void WriteHashes(Writer& w, const std::vector<Hash256>& hashes) {
  w.CompactSize(hashes.size());
  for (const auto& h : hashes) w.Hash(h);
}

bool ReadMetadata(Reader& r, std::vector<MetadataEntry>* md, uint64_t max_entries) {
  uint64_t n;
  if (!r.CompactSize(&n, max_entries)) return false;
  md->resize(n);
  for (auto& e : *md) {
    if (!r.String(&e.key, kMaxMetadataKeyLen) || !r.String(&e.value, kMaxMetadataValueLen)) {
      return false;
    }
  }
  return true;
}

bool ReadHashes(Reader& r, std::vector<Hash256>* out, uint64_t min, uint64_t max) {
  uint64_t n;
  if (!r.CompactSize(&n, max)) return false;
  if (n < min) return r.Fail("too few entries: " + std::to_string(n));
  out->resize(n);
  for (auto& h : *out) {
    if (!r.Hash(&h)) return false;
  }
  return true;
}

namespace {

struct OpWriter {
  Writer& w;
  void operator()(const TransferOp& op) {
    w.Hash(op.to);
    w.U64(op.amount);
  }
  void operator()(const AssetIssueOp& op) {
    w.U64(op.quantity);
    w.String(op.unit);
    WriteMetadata(w, op.metadata);
    WriteHashes(w, op.documents);
  }
  void operator()(const AssetTransferOp& op) {
    w.Hash(op.asset);
    w.Hash(op.to);
  }
  void operator()(const AssetSplitOp& op) {
    w.Hash(op.asset);
    w.CompactSize(op.children.size());
    for (const SplitChild& child : op.children) {
      w.U64(child.quantity);
      WriteMetadata(w, child.metadata);
    }
  }
  void operator()(const AssetMergeOp& op) {
    WriteHashes(w, op.inputs);
    w.U64(op.quantity);
    w.String(op.unit);
    WriteMetadata(w, op.metadata);
    WriteHashes(w, op.documents);
  }
  void operator()(const AssetAttestOp& op) {
    w.Hash(op.asset);
    w.String(op.claim);
    w.String(op.value);
    w.Hash(op.document);
  }
};

bool ReadOp(Reader& r, Operation* out) {
  uint8_t type;
  if (!r.U8(&type)) return false;
  switch (static_cast<OpType>(type)) {
    case OpType::kTransfer: {
      TransferOp op;
      if (!r.Hash(&op.to) || !r.U64(&op.amount)) return false;
      *out = std::move(op);
      return true;
    }
    case OpType::kAssetIssue: {
      AssetIssueOp op;
      if (!r.U64(&op.quantity) || !r.String(&op.unit, kMaxUnitLen) ||
          !ReadMetadata(r, &op.metadata) || !ReadHashes(r, &op.documents, 0, kMaxDocuments)) {
        return false;
      }
      *out = std::move(op);
      return true;
    }
    case OpType::kAssetTransfer: {
      AssetTransferOp op;
      if (!r.Hash(&op.asset) || !r.Hash(&op.to)) return false;
      *out = std::move(op);
      return true;
    }
    case OpType::kAssetSplit: {
      AssetSplitOp op;
      uint64_t n;
      if (!r.Hash(&op.asset) || !r.CompactSize(&n, kMaxSplitParts)) return false;
      if (n < kMinSplitParts) return r.Fail("split needs at least 2 parts");
      op.children.resize(n);
      for (SplitChild& child : op.children) {
        if (!r.U64(&child.quantity) ||
            !ReadMetadata(r, &child.metadata, kMaxSplitChildMetadata)) {
          return false;
        }
      }
      *out = std::move(op);
      return true;
    }
    case OpType::kAssetMerge: {
      AssetMergeOp op;
      if (!ReadHashes(r, &op.inputs, kMinMergeInputs, kMaxMergeInputs) || !r.U64(&op.quantity) ||
          !r.String(&op.unit, kMaxUnitLen) || !ReadMetadata(r, &op.metadata) ||
          !ReadHashes(r, &op.documents, 0, kMaxDocuments)) {
        return false;
      }
      *out = std::move(op);
      return true;
    }
    case OpType::kAssetAttest: {
      AssetAttestOp op;
      if (!r.Hash(&op.asset) || !r.String(&op.claim, kMaxClaimLen) ||
          !r.String(&op.value, kMaxClaimValueLen) || !r.Hash(&op.document)) {
        return false;
      }
      *out = std::move(op);
      return true;
    }
  }
  return r.Fail("unknown operation type " + std::to_string(type));
}

// Room for a whole transfer (187 bytes) and most asset operations, so that encoding a tx is
// one allocation rather than one per doubling of the buffer.
constexpr size_t kSerializeReserve = 256;

void WriteUnsigned(Writer& w, const Transaction& tx) {
  w.U16(tx.version);
  w.Hash(tx.chain_id);
  w.Hash(tx.sender);
  w.U64(tx.nonce);
  w.U64(tx.fee);
  w.U8(static_cast<uint8_t>(TypeOf(tx.op)));
  std::visit(OpWriter{w}, tx.op);
}

}  // namespace

const char* OpTypeName(OpType type) {
  switch (type) {
    case OpType::kTransfer:
      return "transfer";
    case OpType::kAssetIssue:
      return "asset.issue";
    case OpType::kAssetTransfer:
      return "asset.transfer";
    case OpType::kAssetSplit:
      return "asset.split";
    case OpType::kAssetMerge:
      return "asset.merge";
    case OpType::kAssetAttest:
      return "asset.attest";
  }
  return "unknown";
}

OpType TypeOf(const Operation& op) {
  // The variant's alternatives are declared in wire-code order starting at 1.
  return static_cast<OpType>(op.index() + 1);
}

Bytes Transaction::SerializeUnsigned() const {
  Bytes out;
  out.reserve(kSerializeReserve);
  Writer w(&out);
  WriteUnsigned(w, *this);
  return out;
}

Bytes Transaction::Serialize() const {
  Bytes out;
  out.reserve(kSerializeReserve);
  Writer w(&out);
  WriteUnsigned(w, *this);
  w.Raw(signature);
  return out;
}

Hash256 Transaction::Id() const {
  Bytes b = Serialize();
  return TaggedHash(tags::kTxId, b);
}

Hash256 Transaction::SigHash() const {
  Bytes b = SerializeUnsigned();
  return TaggedHash(tags::kTxSig, b);
}

void Transaction::Sign(const SecretKey& key) {
  Hash256 msg = SigHash();
  signature = key.Sign(msg.span());
}

bool Transaction::VerifySignature() const {
  Hash256 msg = SigHash();
  return VerifySchnorr(sender, msg.span(), signature);
}

Result<Transaction> DecodeTransaction(ByteSpan data) {
  if (data.size() > kMaxTxSize) {
    return Status::Invalid("tx: size " + std::to_string(data.size()) + " exceeds " +
                           std::to_string(kMaxTxSize));
  }
  Reader r(data);
  Transaction tx;
  if (r.U16(&tx.version) && tx.version != kTxVersion) {
    r.Fail("unsupported tx version " + std::to_string(tx.version));
  }
  (void)(r.Hash(&tx.chain_id) && r.Hash(&tx.sender) && r.U64(&tx.nonce) && r.U64(&tx.fee) &&
         ReadOp(r, &tx.op) && r.Raw(tx.signature.size(), tx.signature.data()));
  if (Status s = r.Finish("tx"); !s.ok()) return s;
  return tx;
}

Hash256 AssetIdFor(const Hash256& chain_id, const AccountId& sender, uint64_t nonce,
                   uint32_t index) {
  Writer w;
  w.Hash(chain_id);
  w.Hash(sender);
  w.U64(nonce);
  w.U32(index);
  return TaggedHash(tags::kAssetId, w.bytes());
}

std::vector<Hash256> NewAssetIds(const Transaction& tx) {
  uint32_t count = 0;
  if (std::holds_alternative<AssetIssueOp>(tx.op) || std::holds_alternative<AssetMergeOp>(tx.op)) {
    count = 1;
  } else if (const auto* split = std::get_if<AssetSplitOp>(&tx.op)) {
    count = static_cast<uint32_t>(split->children.size());
  }
  std::vector<Hash256> ids;
  ids.reserve(count);
  for (uint32_t i = 0; i < count; ++i)
    ids.push_back(AssetIdFor(tx.chain_id, tx.sender, tx.nonce, i));
  return ids;
}

std::vector<SplitChild> SplitChildren(const std::vector<Quantity>& quantities) {
  std::vector<SplitChild> children;
  children.reserve(quantities.size());
  for (Quantity q : quantities) children.push_back(SplitChild{q, {}});
  return children;
}

Result<std::vector<MetadataEntry>> SortMetadata(std::vector<MetadataEntry> entries) {
  if (entries.size() > kMaxMetadataEntries) {
    return Status::Invalid("at most " + std::to_string(kMaxMetadataEntries) +
                           " metadata entries, got " + std::to_string(entries.size()));
  }
  for (const MetadataEntry& e : entries) {
    if (e.key.empty() || e.key.size() > kMaxMetadataKeyLen) {
      return Status::Invalid("metadata key '" + e.key + "' must be 1.." +
                             std::to_string(kMaxMetadataKeyLen) + " bytes");
    }
    if (e.value.size() > kMaxMetadataValueLen) {
      return Status::Invalid("metadata value of '" + e.key + "' is longer than " +
                             std::to_string(kMaxMetadataValueLen) + " bytes");
    }
  }
  std::sort(entries.begin(), entries.end(),
            [](const MetadataEntry& a, const MetadataEntry& b) { return a.key < b.key; });
  for (size_t i = 1; i < entries.size(); ++i) {
    if (entries[i].key == entries[i - 1].key) {
      return Status::Invalid("metadata key '" + entries[i].key + "' given twice");
    }
  }
  return entries;
}

TxWithId MakeTxWithId(Transaction tx) {
  Bytes b = tx.Serialize();
  TxWithId out{std::move(tx), TaggedHash(tags::kTxId, b), b.size()};
  return out;
}

}  // namespace waybill::chain
