// Proof bundles (docs/PROTOCOL.md §14): everything a third party needs to check an asset's
// provenance with no node and no trust in whoever served the file — the active chain's headers,
// and every signed tx of the asset's lineage (itself and its ancestors back to the origin lots,
// and the other inputs of a merge or transform that consumed one of them) with its RFC 6962
// audit path. The format, the builder and the verifier.
//
// The verifier proves: the headers link from the network's genesis with valid ASERT bits, proof
// of work and timestamps (optionally at least a given total work); each tx is in the block at
// its height, is signed by its sender for this network, and passes the context-free rules; and
// replaying the txs in chain order with the network's own operation rules (ApplyOp) rebuilds
// every lineage asset from origin issues, with custody, quantities (split, merge, transform)
// and event chains as the bundle states them. An event that contract code made rests on a
// claim: the bundle carries the effects the serving node's call record lists, and the verifier
// applies them under the same rules (ApplyContractEffect) without running the code, so it
// proves the call tx is in the chain and signed and that the claimed effects obey custody,
// conservation and lineage, not that the code made them (ProofReport::claims names those txs).
// It does NOT prove: that no event exists after
// the ones shown (a server can leave out the newest custody change or a later block); that the
// headers are the chain with the most work (only that they carry the work counted); account
// balances or nonces; whether an attester was an endorsed certifier; that a profile is its
// party's newest. Pure: no Boost, no JSON, no chainstate (the `waybill` program links this).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "chain/arith_uint256.h"
#include "chain/block.h"
#include "chain/contract_state.h"
#include "chain/state.h"
#include "chain/status.h"
#include "chain/store.h"
#include "chain/tx.h"
#include "chain/types.h"
#include "consensus/params.h"

namespace waybill::consensus {

class ReadSnapshot;

inline constexpr uint8_t kProofMagic[4] = {'W', 'B', 'P', 'F'};
inline constexpr uint8_t kProofVersion = 2;
// Decoder bounds (§14), each checked before anything is allocated.
inline constexpr size_t kMaxProofBytes = 64 * 1024 * 1024;
inline constexpr size_t kMaxProofHeaders = 500'000;
inline constexpr size_t kMaxProofTxs = 20'000;
inline constexpr size_t kMaxProofAssets = 5'000;
inline constexpr size_t kMaxProofPath = 32;
inline constexpr size_t kMaxProofProfiles = 1'000;
inline constexpr size_t kMaxProofCalls = kMaxProofTxs;
inline constexpr size_t kMaxProofCallEffects = chain::kMaxCallEffects;

// One tx of the bundle with where it sits in the active chain.
struct ProofTx {
  uint32_t height = 0;          // of its block, 1..tip
  uint32_t position = 0;        // its index in the block
  uint32_t block_tx_count = 0;  // the block's number of txs (the Merkle tree's size)
  std::vector<chain::Hash256> path;  // RFC 9162 audit path, sibling nearest the leaf first
  chain::Bytes tx;                   // the full signed encoding (§3)
  bool operator==(const ProofTx&) const = default;
};

// A lineage asset and the txs of its events, by index into ProofBundle::txs, in event order.
struct ProofAsset {
  chain::Hash256 id;
  std::vector<uint32_t> events;
  bool operator==(const ProofAsset&) const = default;
};

// A claim about a contract tx of the bundle (contract.call or contract.deploy): the effects its
// code made, in order, as the serving node's call record (chain::CallRecord) lists them.
struct ProofCall {
  uint32_t entry = 0;  // index into ProofBundle::txs
  std::vector<chain::ContractEffect> effects;
  bool operator==(const ProofCall&) const = default;
};

struct ProofBundle {
  chain::Hash256 chain_id;
  chain::Hash256 subject;
  std::vector<chain::BlockHeader> headers;  // heights 1..tip of the active chain
  std::vector<ProofTx> txs;                 // chain order: (height, position) increasing
  std::vector<ProofAsset> assets;           // the lineage, the subject first
  std::vector<uint32_t> profiles;           // indexes into txs of party.profile txs
  std::vector<ProofCall> calls;             // one per contract tx entry, entries increasing
  bool operator==(const ProofBundle&) const = default;
};

chain::Bytes EncodeProofBundle(const ProofBundle& bundle);
// Strict: bounds before allocation, no trailing bytes, input at most kMaxProofBytes.
chain::Result<ProofBundle> DecodeProofBundle(chain::ByteSpan data);

// What a bundle is built from: the active chain at one moment. The consumer owns the
// interface; proof_build.cpp adapts a ReadSnapshot to it, tests adapt what they have.
class ProofSource {
 public:
  virtual ~ProofSource() = default;
  virtual const ChainParams& params() const = 0;
  virtual uint32_t tip_height() const = 0;
  // The state at the tip (chain/state.h keys): assets, events, tx index, parties.
  virtual const chain::KvReader& state() const = 0;
  // Heights from..to inclusive of the active chain.
  virtual chain::Result<std::vector<chain::BlockHeader>> ActiveHeaders(uint32_t from,
                                                                       uint32_t to) const = 0;
  virtual chain::Result<chain::Bytes> ReadBlock(const chain::Hash256& id) const = 0;
};

struct ProofLimits {
  size_t max_assets = kMaxProofAssets;
  size_t max_txs = kMaxProofTxs;
  size_t max_bytes = kMaxProofBytes;
  bool include_profiles = true;  // the newest party.profile tx of each actor, where one exists
};

// NotFound when the asset does not exist; Invalid ("lineage too large: ...") when the lineage
// passes a limit; a local error when the store fails.
chain::Result<ProofBundle> BuildProofBundle(const ProofSource& source, const chain::Hash256& asset,
                                            const ProofLimits& limits = {});
// The same on a node's snapshot (consensus/read_snapshot.h): its tip, state and blocks.
chain::Result<ProofBundle> BuildProofBundle(const ReadSnapshot& snapshot,
                                            const chain::Hash256& asset,
                                            const ProofLimits& limits = {});

// The checks, in the order the verifier runs them; the first that fails is reported.
enum class ProofCheck {
  kGenesis,       // the bundle's chain id is not this network's genesis
  kLink,          // a header's prev is not the previous header's id (or its version is wrong)
  kDifficulty,    // a header's bits are not the ASERT bits its parent requires
  kPow,           // a header's id does not meet its target
  kTime,          // a header's time is not above the median of the previous 11
  kMinWork,       // the headers' total work is below the required minimum
  kTxDecode,      // a tx does not decode
  kChainId,       // a tx is of another network
  kSignature,     // a tx's signature does not verify
  kTxRule,        // a tx breaks a context-free rule (§8.3)
  kHeight,        // a tx names a height the headers do not have
  kMerkle,        // a tx's audit path does not lead to its header's Merkle root
  kOrder,         // the txs are not in chain order, or one appears twice
  kReference,     // an index into the txs is out of range, a tx is referenced by nothing, a
                  // contract tx has no claim or a claim names a tx that is not a contract tx
  kCustody,       // replay: the signer is not the asset's custodian (or issuer for a correct)
  kConservation,  // replay: quantities or units not conserved (split, merge, transform yield)
  kLineage,       // replay: an asset used before it exists, closed, or a parent not in the bundle
  kRule,          // replay: any other rule of §9.2
  kChaining,      // an asset's events differ from those the bundle lists (order, ids, prev links)
  kSubject,       // the subject is not the first lineage asset
  kProfile,       // a profile index names a tx that is not a party.profile
};
const char* ProofCheckName(ProofCheck check);

// A profile the bundle carries (signed and included, not proven newest).
struct ProofParty {
  std::string name;
  std::string role;
  uint32_t height = 0;
};

// A contract tx whose effects the verifier took from the bundle's claim (ProofCall), not from
// running the code: every event of that tx rests on it (the effects', and the attachments',
// which move only when the call succeeds).
struct ProofClaim {
  chain::AccountId contract;
  std::string entry;  // the entry called; "init" for a deploy
  std::vector<chain::ContractEffect> applied;  // the claimed effects on lineage assets, in order
};

struct ProofReport {
  bool ok = false;
  // On failure: the check, and where (zero ids / -1 when not about one asset, tx or header).
  ProofCheck check = ProofCheck::kGenesis;
  chain::Hash256 asset;
  chain::Hash256 txid;
  int64_t tx_index = -1;      // index into ProofBundle::txs
  int64_t header_height = -1;
  std::string detail;

  // On success: the replayed lineage (the subject first) and the chain facts the story needs.
  std::vector<chain::Asset> assets;
  std::map<chain::Hash256, std::vector<chain::AssetEvent>> events;  // by asset, in order
  std::map<chain::AccountId, ProofParty> parties;
  std::map<chain::Hash256, ProofClaim> claims;  // by txid: the contract txs of the lineage
  uint32_t tip_height = 0;
  chain::Hash256 tip_id;
  chain::ArithU256 total_work;  // genesis included
  // cumulative_work[h] = the work of blocks 0..h (genesis included).
  std::vector<chain::ArithU256> cumulative_work;

  // Whether the event is one that rests on a claim (made by a contract tx of claims).
  bool RestsOnClaim(const chain::AssetEvent& e) const { return claims.count(e.txid) > 0; }
  // "check: detail (asset A, tx T)" — the one line a user reads.
  std::string Describe() const;
  // The work of the blocks from height to the tip. REQUIRES: ok, height <= tip_height.
  chain::ArithU256 WorkSince(uint32_t height) const;
};

// Checks everything the bundle claims against the network's parameters (see the top of this
// file for what that proves). min_work: the least total work (genesis included) the headers
// must carry; zero = no minimum.
ProofReport VerifyProofBundle(const ProofBundle& bundle, const ChainParams& params,
                              const chain::ArithU256& min_work = 0);

}  // namespace waybill::consensus
