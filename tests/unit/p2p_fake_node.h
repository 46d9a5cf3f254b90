// The part of a fake p2p::NodeInterface that the peer manager's unit tests and its fuzz target
// (fuzz/peer_manager.cpp) share: a block tree without proof of work (each block's work is 1,
// so the longest chain wins), the block data it has, and a mempool map. What each one decides
// differently (which headers, blocks and txs it accepts, which headers count as failed, how it
// answers getheaders) stays in its own subclass. No GoogleTest here: the fuzz target links it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "chain/block.h"
#include "chain/hash.h"
#include "chain/schnorr.h"
#include "chain/tx.h"
#include "p2p/node_interface.h"

namespace waybill::p2p::testing {

// A hash with every byte set to fill.
inline chain::Hash256 H(uint8_t fill) {
  chain::Hash256 h;
  h.bytes.fill(fill);
  return h;
}

// A transfer signed by the key whose secret bytes are all key_fill (on no real network).
inline chain::Transaction SignedTx(uint64_t nonce, uint8_t key_fill = 7) {
  auto key = chain::SecretKey::FromBytes(H(key_fill).span());
  chain::Transaction tx;
  tx.chain_id = H(1);
  tx.sender = key->PublicKey();
  tx.nonce = nonce;
  tx.fee = 200;
  tx.op = chain::TransferOp{H(2), 5000 + nonce};
  tx.Sign(*key);
  return tx;
}

class FakeNodeBase : public NodeInterface {
 public:
  struct Entry {
    chain::BlockHeader header;
    uint32_t height;
    bool have_data;
  };

  // Holds the genesis block (time 1000) as the active chain.
  FakeNodeBase() {
    genesis.time = 1000;
    genesis_id = genesis.Id();
    entries[genesis_id] = {genesis, 0, true};
    active = {genesis_id};
  }

  std::optional<HeaderInfo> GetHeaderInfo(const chain::Hash256& id) override {
    auto it = entries.find(id);
    if (it == entries.end()) return std::nullopt;
    HeaderInfo info;
    info.height = it->second.height;
    info.chain_work = chain::ArithU256(it->second.height + 1);
    info.have_data = it->second.have_data;
    info.in_active_chain = info.height < active.size() && active[info.height] == id;
    info.failed = IsFailed(id);
    return info;
  }
  std::optional<chain::Bytes> ReadBlock(const chain::Hash256& id) override {
    auto it = entries.find(id);
    if (it == entries.end() || !it->second.have_data) return std::nullopt;
    return chain::Block{it->second.header, {}}.Serialize();
  }
  bool HaveTx(const chain::Hash256& txid) override { return mempool.count(txid) > 0; }
  std::optional<chain::Bytes> GetMempoolTx(const chain::Hash256& txid) override {
    auto it = mempool.find(txid);
    if (it == mempool.end()) return std::nullopt;
    return it->second.Serialize();
  }
  std::vector<chain::Hash256> MempoolTxids() override {
    std::vector<chain::Hash256> out;
    for (const auto& [id, tx] : mempool) out.push_back(id);
    return out;
  }

  chain::BlockHeader genesis;
  chain::Hash256 genesis_id;
  std::map<chain::Hash256, Entry> entries;
  std::vector<chain::Hash256> active;
  std::map<chain::Hash256, chain::Transaction> mempool;

 protected:
  // Whether GetHeaderInfo reports the header as failed (known invalid).
  virtual bool IsFailed(const chain::Hash256& id) const = 0;
};

}  // namespace waybill::p2p::testing
