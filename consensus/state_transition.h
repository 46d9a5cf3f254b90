// The state transition: applying a tx or a block to the state (accounts, assets, events,
// tx index) through a StateCache, whose changes become the WriteBatch and the undo data.
// Signatures are not checked here (ConnectBlock checks them in parallel beforehand; the
// mempool checks them on entry).
#pragma once

#include <cstdint>
#include <span>

#include "chain/block.h"
#include "chain/state_cache.h"
#include "chain/tx.h"
#include "consensus/params.h"
#include "consensus/validation.h"

namespace waybill::consensus {

class CodeCache;

struct BlockContext {
  chain::Hash256 block_id;
  uint32_t height = 0;
  uint32_t time = 0;
  // Validated contract code (code_cache.h); null: every run reads and validates its code. It
  // changes no result, only the time a contract run takes.
  CodeCache* code_cache = nullptr;
};

// The gas limit a tx reserves: a contract tx's gas_limit, 0 for every other operation. A
// block's sum of these is at most ChainParams::max_block_gas (`block-gas-limit`); block
// assembly keeps to it.
uint64_t TxGasLimit(const chain::Transaction& tx);

// Applies one tx on top of state: chain id, nonce, fee, balances and the operation's rules.
// On success the tx's writes are in *state and *fee_out holds its fee; on failure *state is
// untouched and the result says why (kInvalid) or that the store failed (kError).
ValidationResult ApplyTransaction(const ChainParams& params, const BlockContext& ctx,
                                  const chain::TxWithId& tx, uint32_t index_in_block,
                                  chain::StateCache* state, chain::Amount* fee_out);

// Applies every tx of a block in order (after checking the block's gas: TxGasLimit), then credits reward + fees to the miner and records
// the height index ('h' || height -> block id). Does not check PoW, header rules or
// signatures. On failure *state may hold partial writes; the caller discards it.
ValidationResult ApplyBlockTransactions(const ChainParams& params, const BlockContext& ctx,
                                        const chain::Block& block,
                                        std::span<const chain::Hash256> txids,
                                        chain::StateCache* state);
// The same, with the tx sizes the decoder recorded (block.tx_sizes) instead of encoding each
// tx again to learn its size; a block without them (built in memory) is encoded.
ValidationResult ApplyBlockTransactions(const ChainParams& params, const BlockContext& ctx,
                                        const chain::DecodedBlock& block, chain::StateCache* state);

// The genesis state: the allocations and the height index of block 0.
ValidationResult ApplyGenesis(const ChainParams& params, chain::StateCache* state);

}  // namespace waybill::consensus
