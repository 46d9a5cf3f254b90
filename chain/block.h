// Block headers and blocks. Byte layout: docs/PROTOCOL.md "Blocks".
#pragma once

#include <cstdint>
#include <vector>

#include "chain/status.h"
#include "chain/tx.h"
#include "chain/types.h"

namespace waybill::chain {

inline constexpr size_t kHeaderSize = 116;
// Hard decoder bounds; the genesis file sets the (smaller) consensus limits.
inline constexpr size_t kMaxBlockSizeHardLimit = 32 * 1024 * 1024;
inline constexpr uint32_t kHeaderVersion = 1;

struct BlockHeader {
  uint32_t version = kHeaderVersion;
  Hash256 prev;         // id of the parent block; zero in the genesis block
  Hash256 merkle_root;  // RFC 6962 root over the tx ids (genesis: the parameter commitment)
  AccountId miner;      // receives the block reward and the fees
  uint32_t time = 0;    // seconds since the Unix epoch
  uint32_t bits = 0;    // compact target
  uint64_t nonce = 0;

  bool operator==(const BlockHeader&) const = default;

  // Exactly kHeaderSize bytes. The nonce is last so a miner hashes the first 64 bytes once
  // (the midstate) and only the second 64-byte block per nonce.
  std::array<uint8_t, kHeaderSize> Serialize() const;
  Hash256 Id() const;  // SHA-256d of Serialize()
};

Result<BlockHeader> DecodeHeader(ByteSpan data);

struct Block {
  BlockHeader header;
  std::vector<Transaction> txs;

  bool operator==(const Block&) const = default;
  // header || CompactSize(n) || n x (CompactSize(len) || tx)
  Bytes Serialize() const;
};

// A decoded block with every tx id computed once.
struct DecodedBlock {
  Block block;
  std::vector<Hash256> txids;
  size_t size = 0;
  // What DecodeBlock saw on the way, so that validating the block needs no re-encoding.
  // Empty in a block built in memory (the miner's); users fall back to encoding then. Like
  // txids, they describe `block` as decoded: whoever changes `block` clears them. (`= {}`
  // lets callers aggregate-initialize only the fields above without a warning.)
  std::vector<uint32_t> tx_sizes = {};  // [i] == block.txs[i].Serialize().size()
  Bytes encoded = {};                   // == block.Serialize()
};

// Strict decoder bounded by max_size (the network's block size limit).
Result<DecodedBlock> DecodeBlock(ByteSpan data, size_t max_size = kMaxBlockSizeHardLimit);

}  // namespace waybill::chain
