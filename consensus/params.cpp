#include "consensus/params.h"

#include <algorithm>
#include <set>

#include "chain/hash.h"
#include "chain/serialize.h"
#include "consensus/tx_check.h"

namespace waybill::consensus {
namespace {

bool ValidName(const std::string& s, bool allow_dash) {
  if (s.empty() || s.size() > 16) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (allow_dash && c == '-');
    if (!ok) return false;
  }
  return true;
}

chain::Status Bad(const std::string& what) { return chain::Status::Invalid("genesis: " + what); }

chain::Status CheckUnits(const chain::UnitScales& units) {
  if (units.size() > chain::kMaxUnits) {
    return Bad("units lists " + std::to_string(units.size()) + " units, at most " +
               std::to_string(chain::kMaxUnits));
  }
  for (const auto& [unit, scale] : units) {
    if (!IsValidUnit(unit)) {
      return Bad("units: '" + unit + "' is not a unit (1..16 bytes of 0x21..0x7e)");
    }
    if (scale > chain::kMaxUnitScale) {
      return Bad("units: the scale of '" + unit + "' must be 0..9");
    }
  }
  return chain::Status::Ok();
}

chain::Status CheckYieldBounds(const YieldBounds& bounds) {
  if (bounds.size() > kMaxYieldBounds) {
    return Bad("yield_bounds lists " + std::to_string(bounds.size()) + " bounds, at most " +
               std::to_string(kMaxYieldBounds));
  }
  for (const auto& [pair, range] : bounds) {
    const std::string name = "yield_bounds " + pair.first + " -> " + pair.second;
    if (!IsValidUnit(pair.first) || !IsValidUnit(pair.second)) {
      return Bad(name + ": from and to must be units (1..16 bytes of 0x21..0x7e)");
    }
    if (range.min_ppm > range.max_ppm) return Bad(name + ": min_ppm is above max_ppm");
  }
  return chain::Status::Ok();
}

// The ceiling of each gas field keeps gas_limit x gas_price and the block's sum of gas limits
// far from u64 overflow on any valid genesis (2^40 x 2^40 would not, but the fee check is
// overflow-checked anyway; the ceilings bound what a node may be asked to run).
constexpr uint64_t kMaxGasPrice = chain::kCoin;
constexpr uint64_t kMaxTxGasCeiling = uint64_t{1} << 40;
constexpr uint64_t kMaxBlockGasCeiling = uint64_t{1} << 48;

chain::Status CheckGas(uint64_t gas_price, uint64_t max_tx_gas, uint64_t max_block_gas) {
  if (gas_price < 1 || gas_price > kMaxGasPrice) {
    return Bad("gas_price must be 1.." + std::to_string(kMaxGasPrice));
  }
  if (max_tx_gas < 1 || max_tx_gas > kMaxTxGasCeiling) {
    return Bad("max_tx_gas must be 1.." + std::to_string(kMaxTxGasCeiling));
  }
  if (max_block_gas < max_tx_gas || max_block_gas > kMaxBlockGasCeiling) {
    return Bad("max_block_gas must be max_tx_gas (" + std::to_string(max_tx_gas) + ").." +
               std::to_string(kMaxBlockGasCeiling));
  }
  return chain::Status::Ok();
}

}  // namespace

chain::Bytes ChainParams::SerializeForCommitment() const {
  chain::Writer w;
  w.U32(protocol_version);
  w.String(network);
  w.String(address_prefix);
  w.U32(magic);
  w.U32(pow_limit_bits);
  w.U64(static_cast<uint64_t>(target_block_time));
  w.U64(static_cast<uint64_t>(asert_half_life));
  w.U64(static_cast<uint64_t>(max_future_block_time));
  w.U64(block_reward);
  w.U64(halving_interval);
  w.U64(min_fee_per_byte);
  w.U64(max_block_size);
  w.U64(max_block_txs);
  w.U8(allow_mocktime ? 1 : 0);
  w.CompactSize(allocations.size());
  for (const auto& a : allocations) {
    w.Hash(a.account);
    w.U64(a.amount);
  }
  // Appended by protocol 2's steps, in this order: units, yield_bounds, registrars.
  w.CompactSize(units.size());
  for (const auto& [unit, scale] : units) {
    w.String(unit);
    w.U8(scale);
  }
  w.CompactSize(yield_bounds.size());
  for (const auto& [pair, range] : yield_bounds) {
    w.String(pair.first);
    w.String(pair.second);
    w.U32(range.min_ppm);
    w.U32(range.max_ppm);
  }
  w.CompactSize(registrars.size());
  for (const auto& r : registrars) w.Hash(r);
  // Appended by protocol 3.
  w.U64(gas_price);
  w.U64(max_tx_gas);
  w.U64(max_block_gas);
  return w.Take();
}

chain::Status ChainParams::Finalize() {
  if (protocol_version != kProtocolVersion) {
    return Bad("protocol_version is " + std::to_string(protocol_version) + ", this node runs " +
               std::to_string(kProtocolVersion));
  }
  if (!ValidName(network, true)) return Bad("network must be 1..16 chars of [a-z0-9-]");
  if (!ValidName(address_prefix, false)) {
    return Bad("address_prefix must be 1..16 chars of [a-z0-9]");
  }
  if (target_block_time < 1 || target_block_time > 86400) {
    return Bad("target_block_time must be 1..86400 seconds");
  }
  if (asert_half_life < 1 || asert_half_life > (int64_t{1} << 31)) {
    return Bad("asert_half_life must be 1..2^31 seconds");
  }
  if (max_future_block_time < 0 || max_future_block_time > 7 * 86400) {
    return Bad("max_future_block_time must be 0..604800 seconds");
  }
  if (block_reward > chain::kMaxAmount) return Bad("block_reward too large");
  if (min_fee_per_byte > chain::kCoin) return Bad("min_fee_per_byte too large");
  if (max_block_size < 1024 || max_block_size > chain::kMaxBlockSizeHardLimit) {
    return Bad("max_block_size must be 1024..33554432");
  }
  if (max_block_txs < 1 || max_block_txs > 1'000'000) {
    return Bad("max_block_txs must be 1..1000000");
  }
  auto limit = chain::TargetFromBits(pow_limit_bits);
  if (!limit) return Bad("pow_limit_bits is not a valid target");
  auto start = chain::TargetFromBits(genesis_bits);
  if (!start || *start > *limit) return Bad("genesis bits must be a valid target <= pow limit");
  if (allocations.size() > 100'000) return Bad("too many allocations");
  std::set<chain::AccountId> seen;
  chain::Amount total = 0;
  for (const auto& a : allocations) {
    if (a.amount == 0) return Bad("allocation of zero");
    if (!seen.insert(a.account).second) return Bad("duplicate allocation account");
    auto sum = chain::CheckedAdd(total, a.amount);
    if (!sum) return Bad("allocations exceed the maximum amount");
    total = *sum;
  }
  if (chain::Status s = CheckUnits(units); !s.ok()) return s;
  if (chain::Status s = CheckYieldBounds(yield_bounds); !s.ok()) return s;
  if (registrars.size() > kMaxRegistrars) return Bad("more than 32 registrars");
  if (std::set<chain::AccountId>(registrars.begin(), registrars.end()).size() !=
      registrars.size()) {
    return Bad("duplicate registrar");
  }
  if (chain::Status s = CheckGas(gas_price, max_tx_gas, max_block_gas); !s.ok()) return s;

  pow_limit = *limit;
  genesis = chain::BlockHeader{};
  genesis.version = chain::kHeaderVersion;
  genesis.merkle_root = chain::TaggedHash(chain::tags::kGenesis, SerializeForCommitment());
  genesis.time = genesis_time;
  genesis.bits = genesis_bits;
  genesis.nonce = genesis_nonce;
  genesis_id = genesis.Id();
  return chain::Status::Ok();
}

chain::Amount ChainParams::RewardAt(uint64_t height) const {
  if (halving_interval == 0) return block_reward;
  uint64_t halvings = height / halving_interval;
  if (halvings >= 64) return 0;
  return block_reward >> halvings;
}

const YieldRange* ChainParams::FindYieldBound(const std::string& from,
                                              const std::string& to) const {
  auto it = yield_bounds.find({from, to});
  return it == yield_bounds.end() ? nullptr : &it->second;
}

bool ChainParams::IsRegistrar(const chain::AccountId& account) const {
  return std::find(registrars.begin(), registrars.end(), account) != registrars.end();
}

std::optional<chain::Amount> ChainParams::MinFee(size_t tx_size) const {
  return chain::CheckedMul(min_fee_per_byte, tx_size);
}

std::optional<chain::Amount> ChainParams::MinContractFee(size_t tx_size, uint64_t gas_limit) const {
  std::optional<chain::Amount> size_fee = MinFee(tx_size);
  std::optional<chain::Amount> gas_fee = chain::CheckedMul(gas_limit, gas_price);
  if (!size_fee || !gas_fee) return std::nullopt;
  return chain::CheckedAdd(*size_fee, *gas_fee);
}

}  // namespace waybill::consensus
