// The proof bundle's encoding (docs/PROTOCOL.md §14) and the report's text.
#include "consensus/proof.h"

#include <algorithm>
#include <string>

#include "chain/serialize.h"

namespace waybill::consensus {

namespace {

// Smallest encodings, for the count-against-remaining-bytes bounds: a tx entry is
// height, position, count (12) + path count (1) + tx length (1) + the smallest tx (158);
// an asset entry is its id (32) + event count (1) + one index (4); a call is its entry (4) +
// effect count (1).
constexpr size_t kMinProofTxBytes = 12 + 1 + 1 + 158;
constexpr size_t kMinProofAssetBytes = 32 + 1 + 4;
constexpr size_t kMinProofCallBytes = 4 + 1;

bool ReadCount(chain::Reader* r, uint64_t* n, uint64_t max, size_t min_item, const char* what) {
  if (!r->CompactSize(n, max)) return false;
  if (min_item > 0 && *n > r->remaining() / min_item) {
    return r->Fail(std::string("truncated ") + what + " (" + std::to_string(*n) + " declared)");
  }
  return true;
}

bool ReadProofTx(chain::Reader* r, ProofTx* t) {
  if (!r->U32(&t->height) || !r->U32(&t->position) || !r->U32(&t->block_tx_count)) return false;
  uint64_t n = 0;
  if (!ReadCount(r, &n, kMaxProofPath, 32, "audit path")) return false;
  t->path.resize(n);
  for (auto& h : t->path) {
    if (!r->Hash(&h)) return false;
  }
  return r->VarBytes(&t->tx, chain::kMaxTxSize);
}

bool ReadProofAsset(chain::Reader* r, ProofAsset* a, size_t tx_count) {
  if (!r->Hash(&a->id)) return false;
  uint64_t n = 0;
  if (!r->CompactSize(&n, tx_count)) return false;
  if (n == 0) return r->Fail("asset without events");
  if (n > r->remaining() / 4) return r->Fail("truncated event list");
  a->events.resize(n);
  for (auto& e : a->events) {
    if (!r->U32(&e)) return false;
  }
  return true;
}

bool ReadProofCall(chain::Reader* r, ProofCall* c) {
  if (!r->U32(&c->entry)) return false;
  uint64_t n = 0;
  if (!ReadCount(r, &n, kMaxProofCallEffects, chain::kMinContractEffectBytes, "effects")) {
    return false;
  }
  c->effects.resize(n);
  for (auto& e : c->effects) {
    if (!chain::ReadContractEffect(*r, &e)) return false;
  }
  return true;
}

bool ReadProofCalls(chain::Reader* r, std::vector<ProofCall>* calls) {
  uint64_t n = 0;
  if (!ReadCount(r, &n, kMaxProofCalls, kMinProofCallBytes, "calls")) return false;
  calls->resize(n);
  for (size_t i = 0; i < calls->size(); ++i) {
    if (!ReadProofCall(r, &(*calls)[i])) return false;
    if (i > 0 && (*calls)[i].entry <= (*calls)[i - 1].entry) {
      return r->Fail("call entries not strictly increasing");
    }
  }
  return true;
}

}  // namespace

chain::Bytes EncodeProofBundle(const ProofBundle& b) {
  chain::Writer w;
  w.Raw(chain::ByteSpan(kProofMagic, sizeof(kProofMagic)));
  w.U8(kProofVersion);
  w.Hash(b.chain_id);
  w.Hash(b.subject);
  w.CompactSize(b.headers.size());
  for (const auto& h : b.headers) w.Raw(h.Serialize());
  w.CompactSize(b.txs.size());
  for (const auto& t : b.txs) {
    w.U32(t.height);
    w.U32(t.position);
    w.U32(t.block_tx_count);
    w.CompactSize(t.path.size());
    for (const auto& h : t.path) w.Hash(h);
    w.VarBytes(t.tx);
  }
  w.CompactSize(b.assets.size());
  for (const auto& a : b.assets) {
    w.Hash(a.id);
    w.CompactSize(a.events.size());
    for (uint32_t e : a.events) w.U32(e);
  }
  w.CompactSize(b.profiles.size());
  for (uint32_t p : b.profiles) w.U32(p);
  w.CompactSize(b.calls.size());
  for (const auto& c : b.calls) {
    w.U32(c.entry);
    w.CompactSize(c.effects.size());
    for (const auto& e : c.effects) chain::WriteContractEffect(w, e);
  }
  return w.Take();
}

chain::Result<ProofBundle> DecodeProofBundle(chain::ByteSpan data) {
  if (data.size() > kMaxProofBytes) {
    return chain::Status::Invalid("proof bundle of " + std::to_string(data.size()) +
                                  " bytes exceeds " + std::to_string(kMaxProofBytes));
  }
  chain::Reader r(data);
  uint8_t magic[4] = {};
  if (!r.Raw(4, magic)) return r.Finish("proof bundle");
  if (!std::equal(magic, magic + 4, kProofMagic)) {
    return chain::Status::Invalid("not a proof bundle (bad magic)");
  }
  uint8_t version = 0;
  if (!r.U8(&version)) return r.Finish("proof bundle");
  if (version != kProofVersion) {
    // Version 1 was only made on protocol 2 chains, whose chain ids are gone (§14.1).
    const std::string why = version == 1 ? " is of a protocol 2 chain" : " unknown";
    return chain::Status::Invalid("proof bundle version " + std::to_string(version) + why +
                                  " (this verifier reads version " +
                                  std::to_string(kProofVersion) + ")");
  }
  ProofBundle b;
  uint64_t n = 0;
  if (!r.Hash(&b.chain_id) || !r.Hash(&b.subject) ||
      !ReadCount(&r, &n, kMaxProofHeaders, chain::kHeaderSize, "headers")) {
    return r.Finish("proof bundle");
  }
  b.headers.resize(n);
  for (auto& h : b.headers) {
    chain::ByteSpan raw;
    if (!r.Span(chain::kHeaderSize, &raw)) return r.Finish("proof bundle");
    auto decoded = chain::DecodeHeader(raw);
    if (!decoded.ok()) return decoded.status();
    h = *decoded;
  }
  if (!ReadCount(&r, &n, kMaxProofTxs, kMinProofTxBytes, "txs")) return r.Finish("proof bundle");
  b.txs.resize(n);
  for (auto& t : b.txs) {
    if (!ReadProofTx(&r, &t)) return r.Finish("proof bundle");
  }
  if (!ReadCount(&r, &n, kMaxProofAssets, kMinProofAssetBytes, "assets")) {
    return r.Finish("proof bundle");
  }
  if (n == 0) return chain::Status::Invalid("proof bundle without assets");
  b.assets.resize(n);
  for (auto& a : b.assets) {
    if (!ReadProofAsset(&r, &a, b.txs.size())) return r.Finish("proof bundle");
  }
  if (!ReadCount(&r, &n, kMaxProofProfiles, 4, "profiles")) return r.Finish("proof bundle");
  b.profiles.resize(n);
  for (auto& p : b.profiles) {
    if (!r.U32(&p)) return r.Finish("proof bundle");
  }
  if (!ReadProofCalls(&r, &b.calls)) return r.Finish("proof bundle");
  if (chain::Status s = r.Finish("proof bundle"); !s.ok()) return s;
  return b;
}

const char* ProofCheckName(ProofCheck check) {
  switch (check) {
    case ProofCheck::kGenesis: return "genesis";
    case ProofCheck::kLink: return "link";
    case ProofCheck::kDifficulty: return "difficulty";
    case ProofCheck::kPow: return "pow";
    case ProofCheck::kTime: return "time";
    case ProofCheck::kMinWork: return "min-work";
    case ProofCheck::kTxDecode: return "tx-decode";
    case ProofCheck::kChainId: return "chain-id";
    case ProofCheck::kSignature: return "signature";
    case ProofCheck::kTxRule: return "tx-rule";
    case ProofCheck::kHeight: return "height";
    case ProofCheck::kMerkle: return "merkle";
    case ProofCheck::kOrder: return "order";
    case ProofCheck::kReference: return "reference";
    case ProofCheck::kCustody: return "custody";
    case ProofCheck::kConservation: return "conservation";
    case ProofCheck::kLineage: return "lineage";
    case ProofCheck::kRule: return "rule";
    case ProofCheck::kChaining: return "chaining";
    case ProofCheck::kSubject: return "subject";
    case ProofCheck::kProfile: return "profile";
  }
  return "unknown";
}

std::string ProofReport::Describe() const {
  if (ok) return "verified";
  std::string out = std::string(ProofCheckName(check)) + ": " + detail;
  std::string where;
  const chain::Hash256 zero{};
  if (asset != zero) where += "asset " + asset.ToHex();
  if (txid != zero) where += (where.empty() ? "" : ", ") + std::string("tx ") + txid.ToHex();
  if (tx_index >= 0) where += (where.empty() ? "" : ", ") + std::string("entry ") +
                              std::to_string(tx_index);
  if (header_height >= 0) {
    where += (where.empty() ? "" : ", ") + std::string("header ") + std::to_string(header_height);
  }
  if (!where.empty()) out += " (" + where + ")";
  return out;
}

chain::ArithU256 ProofReport::WorkSince(uint32_t height) const {
  if (height == 0 || height > tip_height || cumulative_work.size() <= tip_height) return total_work;
  chain::ArithU256 w = total_work;
  w -= cumulative_work[height - 1];
  return w;
}

}  // namespace waybill::consensus
