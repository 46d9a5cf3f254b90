#include "chain/tx.h"

#include <algorithm>
#include <string>
#include <type_traits>

#include "chain/hash.h"
#include "chain/lists.h"
#include "chain/serialize.h"

namespace waybill::chain {
void WriteMetaBody(Writer& w, const MetadataEntry& e) {
  w.U8(static_cast<uint8_t>(e.kind));
  if (e.kind == MetaKind::kCommitted) {
    w.Hash(e.commitment);
  } else {
    w.String(e.value);
  }
}

bool ReadMetaBody(Reader& r, MetadataEntry* e) {
  uint8_t kind;
  if (!r.U8(&kind)) return false;
  switch (static_cast<MetaKind>(kind)) {
    case MetaKind::kPublished:
      e->kind = MetaKind::kPublished;
      return r.String(&e->value, kMaxMetadataValueLen);
    case MetaKind::kCommitted:
      e->kind = MetaKind::kCommitted;
      return r.Hash(&e->commitment);
  }
  return r.Fail("unknown metadata kind " + std::to_string(kind));
}

void WriteMetadata(Writer& w, const std::vector<MetadataEntry>& md) {
  w.CompactSize(md.size());
  for (const auto& e : md) {
    w.String(e.key);
    WriteMetaBody(w, e);
  }
}

void WriteHashes(Writer& w, const std::vector<Hash256>& hashes) {
  w.CompactSize(hashes.size());
  for (const auto& h : hashes) w.Hash(h);
}

bool ReadMetadata(Reader& r, std::vector<MetadataEntry>* md, uint64_t min, size_t max_entries) {
  uint64_t n;
  if (!r.CompactSize(&n, max_entries)) return false;
  if (n < min) return r.Fail("too few metadata entries: " + std::to_string(n));
  md->resize(n);
  for (auto& e : *md) {
    if (!r.String(&e.key, kMaxMetadataKeyLen) || !ReadMetaBody(r, &e)) return false;
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

void WriteContractArgs(Writer& w, const std::vector<ContractArg>& args) {
  w.CompactSize(args.size());
  for (const ContractArg& arg : args) {
    if (const auto* n = std::get_if<uint64_t>(&arg)) {
      w.U8(static_cast<uint8_t>(ContractArgKind::kInteger));
      w.U64(*n);
    } else {
      w.U8(static_cast<uint8_t>(ContractArgKind::kBytes));
      w.VarBytes(std::get<Bytes>(arg));
    }
  }
}

bool ReadContractArgs(Reader& r, std::vector<ContractArg>* args) {
  uint64_t n;
  if (!r.CompactSize(&n, kMaxContractArgs)) return false;
  args->resize(n);
  for (ContractArg& arg : *args) {
    uint8_t kind;
    if (!r.U8(&kind)) return false;
    switch (static_cast<ContractArgKind>(kind)) {
      case ContractArgKind::kInteger: {
        uint64_t v;
        if (!r.U64(&v)) return false;
        arg = v;
        continue;
      }
      case ContractArgKind::kBytes: {
        Bytes b;
        if (!r.VarBytes(&b, kMaxContractArgBytes)) return false;
        arg = std::move(b);
        continue;
      }
    }
    return r.Fail("unknown contract argument kind " + std::to_string(kind));
  }
  return true;
}

bool ReadContractDeploy(Reader& r, Operation* out) {
  ContractDeployOp op;
  if (!r.VarBytes(&op.code, kMaxContractCodeSize) || !ReadContractArgs(r, &op.args) ||
      !r.U64(&op.gas_limit)) {
    return false;
  }
  *out = std::move(op);
  return true;
}

bool ReadContractCall(Reader& r, Operation* out) {
  ContractCallOp op;
  if (!r.Hash(&op.contract) || !r.String(&op.entry, kMaxContractEntryLen) ||
      !ReadContractArgs(r, &op.args) || !r.U64(&op.coins) ||
      !ReadHashes(r, &op.assets, 0, kMaxCallAssets) || !r.U64(&op.gas_limit)) {
    return false;
  }
  *out = std::move(op);
  return true;
}

// The fields of a new asset, in the order every operation that creates one encodes them
// (asset.issue, asset.merge after its inputs, each output of asset.transform).
template <typename NewAsset>
void WriteNewAsset(Writer& w, const NewAsset& a) {
  w.U64(a.quantity);
  w.String(a.unit);
  WriteMetadata(w, a.metadata);
  WriteHashes(w, a.documents);
}

template <typename NewAsset>
bool ReadNewAsset(Reader& r, NewAsset* a) {
  return r.U64(&a->quantity) && r.String(&a->unit, kMaxUnitLen) &&
         ReadMetadata(r, &a->metadata) && ReadHashes(r, &a->documents, 0, kMaxDocuments);
}

struct OpWriter {
  Writer& w;
  void operator()(const TransferOp& op) {
    w.Hash(op.to);
    w.U64(op.amount);
  }
  void operator()(const AssetIssueOp& op) { WriteNewAsset(w, op); }
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
    WriteNewAsset(w, op);
  }
  void operator()(const AssetAttestOp& op) {
    w.Hash(op.asset);
    w.String(op.claim);
    w.String(op.value);
    w.Hash(op.document);
  }
  void operator()(const AssetTransformOp& op) {
    WriteHashes(w, op.inputs);
    w.CompactSize(op.outputs.size());
    for (const TransformOutput& out : op.outputs) WriteNewAsset(w, out);
  }
  void operator()(const PartyProfileOp& op) {
    w.String(op.name);
    w.String(op.role);
    WriteMetadata(w, op.identifiers);
    w.String(op.url);
    w.Hash(op.document);
  }
  void operator()(const PartyEndorseOp& op) {
    w.Hash(op.account);
    w.String(op.role);
    w.U8(static_cast<uint8_t>(op.action));
  }
  void operator()(const AssetCorrectOp& op) {
    w.Hash(op.asset);
    w.Hash(op.corrects);
    WriteMetadata(w, op.set);
    w.String(op.reason);
  }
  void operator()(const ContractDeployOp& op) {
    w.VarBytes(op.code);
    WriteContractArgs(w, op.args);
    w.U64(op.gas_limit);
  }
  void operator()(const ContractCallOp& op) {
    w.Hash(op.contract);
    w.String(op.entry);
    WriteContractArgs(w, op.args);
    w.U64(op.coins);
    WriteHashes(w, op.assets);
    w.U64(op.gas_limit);
  }
};

bool ReadTransform(Reader& r, AssetTransformOp* op) {
  uint64_t n;
  if (!ReadHashes(r, &op->inputs, kMinTransformInputs, kMaxTransformInputs) ||
      !r.CompactSize(&n, kMaxTransformOutputs)) {
    return false;
  }
  if (n < kMinTransformOutputs) return r.Fail("transform needs at least 1 output");
  op->outputs.resize(n);
  for (TransformOutput& out : op->outputs) {
    if (!ReadNewAsset(r, &out)) return false;
  }
  return true;
}

bool ReadPartyProfile(Reader& r, Operation* out) {
  PartyProfileOp op;
  if (!r.String(&op.name, kMaxPartyNameLen) || !r.String(&op.role, kMaxRoleLen) ||
      !ReadMetadata(r, &op.identifiers, 0, kMaxIdentifiers) || !r.String(&op.url, kMaxUrlLen) ||
      !r.Hash(&op.document)) {
    return false;
  }
  *out = std::move(op);
  return true;
}

bool ReadPartyEndorse(Reader& r, Operation* out) {
  PartyEndorseOp op;
  uint8_t action;
  if (!r.Hash(&op.account) || !r.String(&op.role, kMaxRoleLen) || !r.U8(&action)) return false;
  if (action != static_cast<uint8_t>(EndorseAction::kEndorse) &&
      action != static_cast<uint8_t>(EndorseAction::kRevoke)) {
    return r.Fail("unknown endorse action " + std::to_string(action));
  }
  op.action = static_cast<EndorseAction>(action);
  *out = std::move(op);
  return true;
}

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
      if (!ReadNewAsset(r, &op)) return false;
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
            !ReadMetadata(r, &child.metadata, 0, kMaxSplitChildMetadata)) {
          return false;
        }
      }
      *out = std::move(op);
      return true;
    }
    case OpType::kAssetMerge: {
      AssetMergeOp op;
      if (!ReadHashes(r, &op.inputs, kMinMergeInputs, kMaxMergeInputs) || !ReadNewAsset(r, &op)) {
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
    case OpType::kAssetTransform: {
      AssetTransformOp op;
      if (!ReadTransform(r, &op)) return false;
      *out = std::move(op);
      return true;
    }
    case OpType::kPartyProfile:
      return ReadPartyProfile(r, out);
    case OpType::kPartyEndorse:
      return ReadPartyEndorse(r, out);
    case OpType::kAssetCorrect: {
      AssetCorrectOp op;
      if (!r.Hash(&op.asset) || !r.Hash(&op.corrects) ||
          !ReadMetadata(r, &op.set, kMinCorrectEntries) ||
          !r.String(&op.reason, kMaxCorrectReasonLen)) {
        return false;
      }
      *out = std::move(op);
      return true;
    }
    case OpType::kContractDeploy:
      return ReadContractDeploy(r, out);
    case OpType::kContractCall:
      return ReadContractCall(r, out);
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
    case OpType::kAssetTransform:
      return "asset.transform";
    case OpType::kPartyProfile:
      return "party.profile";
    case OpType::kPartyEndorse:
      return "party.endorse";
    case OpType::kAssetCorrect:
      return "asset.correct";
    case OpType::kContractDeploy:
      return "contract.deploy";
    case OpType::kContractCall:
      return "contract.call";
  }
  return "unknown";
}

OpType TypeOf(const Operation& op) {
  // The variant's alternatives are declared in wire-code order starting at 1.
  static_assert(std::variant_size_v<Operation> == static_cast<size_t>(OpType::kContractCall));
  static_assert(std::is_same_v<std::variant_alternative_t<6, Operation>, AssetTransformOp>);
  static_assert(std::is_same_v<std::variant_alternative_t<9, Operation>, AssetCorrectOp>);
  static_assert(std::is_same_v<std::variant_alternative_t<10, Operation>, ContractDeployOp>);
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
  } else if (const auto* transform = std::get_if<AssetTransformOp>(&tx.op)) {
    count = static_cast<uint32_t>(transform->outputs.size());
  }
  std::vector<Hash256> ids;
  ids.reserve(count);
  for (uint32_t i = 0; i < count; ++i)
    ids.push_back(AssetIdFor(tx.chain_id, tx.sender, tx.nonce, i));
  return ids;
}

AccountId ContractIdFor(const Hash256& chain_id, const AccountId& deployer, uint64_t nonce) {
  Writer w;
  w.Hash(chain_id);
  w.Hash(deployer);
  w.U64(nonce);
  return TaggedHash(tags::kContractId, w.bytes());
}

Hash256 MetaCommitment(const Hash256& salt, std::string_view key, std::string_view value) {
  Writer w;
  w.Hash(salt);
  w.String(key);
  w.String(value);
  return TaggedHash(tags::kMetaCommit, w.bytes());
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
    if (e.kind == MetaKind::kCommitted && !e.value.empty()) {
      return Status::Invalid("committed metadata entry '" + e.key + "' carries its value");
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
