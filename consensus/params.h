// Chain parameters, read from a genesis file (node/ parses the JSON; consensus stays free
// of JSON). docs/PROTOCOL.md "Genesis" gives the file and the commitment.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chain/amount.h"
#include "chain/arith_uint256.h"
#include "chain/block.h"
#include "chain/quantity.h"
#include "chain/types.h"

namespace waybill::consensus {

// The protocol (the consensus rules and the encodings) this node runs. A network's genesis file
// names the one it runs (ChainParams::protocol_version); the node refuses any other
// (docs/PROTOCOL.md "Version history").
inline constexpr uint32_t kProtocolVersion = 3;

struct Allocation {
  chain::AccountId account;
  chain::Amount amount = 0;
  bool operator==(const Allocation&) const = default;
};

// The bound a network sets on the yield of a transformation from one unit to another
// (docs/PROTOCOL.md §6 `yield_bounds`, §9.2 asset.transform), in parts per million of real
// amounts (quantity / 10^scale): min_ppm <= 10^6 * out / in <= max_ppm.
struct YieldRange {
  uint32_t min_ppm = 0;
  uint32_t max_ppm = 0;
  bool operator==(const YieldRange&) const = default;
};
inline constexpr size_t kMaxYieldBounds = 64;
// (from unit, to unit) -> range; sorted by the pair, so each pair is there once.
using YieldBounds = std::map<std::pair<std::string, std::string>, YieldRange>;
// At most this many registrars (accounts that may endorse party profiles) per network.
inline constexpr size_t kMaxRegistrars = 32;

struct ChainParams {
  uint32_t protocol_version = kProtocolVersion;  // Finalize() refuses any other
  std::string network;         // "devnet", "regtest", ...: 1..16 chars [a-z0-9-]
  std::string address_prefix;  // Bech32m human-readable part, 1..16 chars [a-z0-9]
  uint32_t magic = 0;          // network magic for P2P framing
  uint32_t pow_limit_bits = 0;
  int64_t target_block_time = 0;      // seconds, > 0
  int64_t asert_half_life = 0;        // seconds, > 0
  int64_t max_future_block_time = 0;  // seconds a header may be ahead of the node's clock
  chain::Amount block_reward = 0;     // base units at height 1
  uint64_t halving_interval = 0;      // blocks; 0 = the reward never halves
  chain::Amount min_fee_per_byte = 0;
  uint64_t max_block_size = 0;        // bytes of the serialized block
  uint64_t max_block_txs = 0;
  bool allow_mocktime = false;        // regtest only: setmocktime is accepted
  std::vector<Allocation> allocations;
  chain::UnitScales units;    // at most chain::kMaxUnits; each a valid unit, scale 0..9
  YieldBounds yield_bounds;   // at most kMaxYieldBounds; units valid, min_ppm <= max_ppm
  // The registrars of the network (genesis `registrars`): distinct, at most kMaxRegistrars, in
  // the file's order. Only they may send party.endorse.
  std::vector<chain::AccountId> registrars;
  // Contracts (protocol 3, §6): the price of a unit of gas in base units (>= 1), the most gas
  // one contract tx may reserve (gas_limit, >= 1) and the most all the contract txs of a block
  // may reserve together (>= max_tx_gas). A contract tx's fee covers its size fee plus
  // gas_limit x gas_price (MinContractFee).
  uint64_t gas_price = 0;
  uint64_t max_tx_gas = 0;
  uint64_t max_block_gas = 0;
  uint32_t genesis_time = 0;
  uint32_t genesis_bits = 0;
  uint64_t genesis_nonce = 0;
  // Node policy, not consensus, and not in the genesis commitment (so it can be raised as the
  // network's chain grows without changing the chain id): a header chain with less total work
  // is never stored (docs/PROTOCOL.md §12.4 "Presync"). 0: only the tip's work counts.
  chain::ArithU256 min_chain_work;

  // Derived by Finalize(): the genesis block, its id (= the chain id) and the pow limit.
  chain::BlockHeader genesis;
  chain::Hash256 genesis_id;
  chain::ArithU256 pow_limit;

  // Canonical encoding of everything above except the derived fields: the preimage of the
  // genesis commitment.
  chain::Bytes SerializeForCommitment() const;
  // Checks the ranges and computes the derived fields. Invalid with a reason if a value is
  // out of range.
  chain::Status Finalize();
  const chain::Hash256& chain_id() const { return genesis_id; }
  chain::Amount RewardAt(uint64_t height) const;
  // The decimal scale of unit on this network (0 for a unit the table does not list).
  uint8_t ScaleOf(std::string_view unit) const { return chain::ScaleOf(units, unit); }
  // The yield bound of (from, to), or null when the network sets none.
  const YieldRange* FindYieldBound(const std::string& from, const std::string& to) const;
  // The minimum fee of a tx of this many bytes.
  std::optional<chain::Amount> MinFee(size_t tx_size) const;
  // The minimum fee of a contract tx of this many bytes reserving gas_limit gas: MinFee plus
  // gas_limit x gas_price; nullopt when that overflows (the tx is then refused as fee-too-low).
  std::optional<chain::Amount> MinContractFee(size_t tx_size, uint64_t gas_limit) const;
  bool IsRegistrar(const chain::AccountId& account) const;
};

}  // namespace waybill::consensus
