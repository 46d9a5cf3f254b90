// What the overlay needs from the node: the chain, the mempool and validation. p2p/ owns this
// interface (the consumer owns it, as in btcd); node/ implements it over the chainstate and
// the mempool, and tests implement it with a fake. Everything here is called from the
// overlay's one message thread; implementations must be thread-safe with respect to the rest
// of the node, not with respect to each other's calls.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "chain/arith_uint256.h"
#include "chain/block.h"
#include "chain/tx.h"
#include "chain/types.h"

namespace waybill::p2p {

// The outcome of handing the node a header, block or tx from a peer.
struct Verdict {
  enum class Kind {
    kAccepted,  // new and valid: relay it
    kKnown,     // already had it: nothing to do
    kOrphan,    // not accepted yet, not the peer's fault: it builds on something this node
                // lacks (a tx after a nonce of its sender not seen here, a block or header whose
                // parent is unknown); it may pass once that arrives: keep or retry, no score
    kRejected,  // not accepted, but not the peer's fault (e.g. a nonce already used, a full
                // mempool, a header too far in the future): no score
    kInvalid,   // breaks a rule: the peer sent something no honest node would; `score` applies
    kError,     // this node's own fault (disk); never scored against the peer
  };
  Kind kind = Kind::kAccepted;
  int score = 0;       // misbehaviour points for kInvalid (100 = ban)
  std::string reason;  // for people (logs, ban reasons): act on `kind`, never on this text

  static Verdict Accepted() { return {}; }
  static Verdict Known() { return {Kind::kKnown, 0, {}}; }
  static Verdict Orphan(std::string why) { return {Kind::kOrphan, 0, std::move(why)}; }
  static Verdict Rejected(std::string why) { return {Kind::kRejected, 0, std::move(why)}; }
  static Verdict Invalid(int score, std::string why) {
    return {Kind::kInvalid, score, std::move(why)};
  }
  static Verdict Error(std::string why) { return {Kind::kError, 0, std::move(why)}; }
  bool accepted() const { return kind == Kind::kAccepted; }
};

struct ChainSummary {
  chain::Hash256 tip;  // the active chain's tip
  uint32_t height = 0;
  chain::Hash256 best_header;  // the most-work valid header known (>= the tip)
  uint32_t best_header_height = 0;
};

struct HeaderInfo {
  uint32_t height = 0;
  chain::ArithU256 chain_work;
  bool have_data = false;
  bool in_active_chain = false;
  bool failed = false;
};

// The result of AcceptHeaders.
struct HeadersVerdict {
  Verdict verdict;       // of the first header that was not accepted, else Accepted
  size_t accepted = 0;   // headers accepted (or already known) before it
  bool connects = true;  // false: the first header's parent is unknown
  chain::Hash256 last;   // id of the last header accepted (or known)
  // AcceptHeadersFrom: the peer's chain is being weighed before it is stored (presync,
  // docs/PROTOCOL.md §12.4); its next getheaders should start after `resume`.
  std::optional<chain::Hash256> resume;
  bool redownload = false;  // the weighed chain had enough work: ask for it again now
};

class NodeInterface {
 public:
  virtual ~NodeInterface() = default;

  virtual ChainSummary GetChainSummary() = 0;
  virtual std::optional<HeaderInfo> GetHeaderInfo(const chain::Hash256& id) = 0;
  // A block locator from the best header's parent: hashes going back exponentially, ending at
  // genesis (docs/PROTOCOL.md §12.4).
  virtual std::vector<chain::Hash256> GetLocator() = 0;
  // The active chain's headers after the first locator hash it knows (genesis if none), up to
  // `max` or through `stop`.
  virtual std::vector<chain::BlockHeader> GetHeadersAfter(
      const std::vector<chain::Hash256>& locator, const chain::Hash256& stop, size_t max) = 0;
  // Checks each header (proof of work, difficulty, time) and adds it to the block tree,
  // without its body. Stops at the first header that is not accepted.
  virtual HeadersVerdict AcceptHeaders(const std::vector<chain::BlockHeader>& headers) = 0;
  // Headers from a peer: as AcceptHeaders, but a chain with too little work is weighed in the
  // peer's presync and stored only once it has enough (docs/PROTOCOL.md §12.4); a peer whose
  // chain never gets there ends with an invalid verdict ("low-work-headers"). The default,
  // for fakes, trusts the peer.
  virtual HeadersVerdict AcceptHeadersFrom(uint64_t /*peer*/,
                                           const std::vector<chain::BlockHeader>& headers) {
    return AcceptHeaders(headers);
  }
  // The peer is gone: forget its presync.
  virtual void ForgetHeadersFrom(uint64_t /*peer*/) {}
  // Blocks to fetch so that the chain can move towards `target` (a header already accepted):
  // the first ones without data on its chain after the fork with the active chain, in
  // height order, at most `max`, no higher than the tip's height + `window`, skipping those
  // for which `skip` returns true (already requested).
  virtual std::vector<chain::Hash256> BlocksToDownload(
      const chain::Hash256& target, size_t max, uint32_t window,
      const std::function<bool(const chain::Hash256&)>& skip) = 0;
  // Validates, stores and (if it extends the best chain) connects a block.
  virtual Verdict ProcessBlock(const chain::DecodedBlock& block) = 0;
  // A block's serialized bytes, if this node has them.
  virtual std::optional<chain::Bytes> ReadBlock(const chain::Hash256& id) = 0;

  virtual Verdict AcceptTx(const chain::Transaction& tx) = 0;
  // The txs of one message, in order, each with its id and size as chain::MakeTxWithId gives
  // them (the caller has computed them already), as if by AcceptTx one after the other (what
  // the default does): one verdict per tx, in order. An implementation may check their
  // signatures together (in parallel) before admitting them in order.
  virtual std::vector<Verdict> AcceptTxs(std::vector<chain::TxWithId> txs) {
    std::vector<Verdict> verdicts;
    verdicts.reserve(txs.size());
    for (const chain::TxWithId& txw : txs) verdicts.push_back(AcceptTx(txw.tx));
    return verdicts;
  }
  // In the mempool or confirmed on the active chain.
  virtual bool HaveTx(const chain::Hash256& txid) = 0;
  // A mempool tx's serialized bytes.
  virtual std::optional<chain::Bytes> GetMempoolTx(const chain::Hash256& txid) = 0;
  virtual std::vector<chain::Hash256> MempoolTxids() = 0;
};

}  // namespace waybill::p2p
