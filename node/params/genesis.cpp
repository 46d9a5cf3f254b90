#include "node/params/genesis.h"

#include <fstream>
#include <set>
#include <sstream>
#include <tuple>
#include <utility>

#include <nlohmann/json.hpp>

#include "chain/bech32.h"
#include "node/params/network.h"

namespace waybill::genesis {
extern const std::string_view kDevnetJson;
extern const std::string_view kRegtestJson;
extern const std::string_view kTestnetJson;
}  // namespace waybill::genesis

namespace waybill::node {
namespace {

using chain::Status;
using nlohmann::json;

Status Bad(const std::string& what) { return Status::Invalid("genesis file: " + what); }

// Reads a field that must be an integer in [lo, hi].
template <typename T>
Status ReadInt(const json& doc, const char* name, T lo, T hi, T* out) {
  auto it = doc.find(name);
  if (it == doc.end()) return Bad(std::string("missing field ") + name);
  if (!it->is_number_integer()) return Bad(std::string(name) + " must be an integer");
  if (it->is_number_unsigned()) {
    uint64_t v = it->get<uint64_t>();
    if (v > static_cast<uint64_t>(hi) || (lo > 0 && v < static_cast<uint64_t>(lo))) {
      return Bad(std::string(name) + " out of range");
    }
    *out = static_cast<T>(v);
  } else {
    int64_t v = it->get<int64_t>();
    if (v < static_cast<int64_t>(lo) || (v > 0 && static_cast<uint64_t>(v) >
                                                      static_cast<uint64_t>(hi))) {
      return Bad(std::string(name) + " out of range");
    }
    *out = static_cast<T>(v);
  }
  return Status::Ok();
}

// "0x1d00ffff" -> 0x1d00ffff.
Status ReadHex32(const json& doc, const char* name, uint32_t* out) {
  auto it = doc.find(name);
  if (it == doc.end() || !it->is_string()) {
    return Bad(std::string(name) + " must be a string like \"0x1d00ffff\"");
  }
  const std::string& s = it->get_ref<const std::string&>();
  if (s.size() != 10 || s[0] != '0' || s[1] != 'x') {
    return Bad(std::string(name) + " must be 0x and 8 hex digits");
  }
  auto bytes = chain::HexDecode(std::string_view(s).substr(2));
  if (!bytes) return Bad(std::string(name) + " must be 0x and 8 hex digits");
  *out = uint32_t{(*bytes)[0]} << 24 | uint32_t{(*bytes)[1]} << 16 | uint32_t{(*bytes)[2]} << 8 |
         uint32_t{(*bytes)[3]};
  return Status::Ok();
}

std::string Hex32(uint32_t v) {
  char buf[11];
  snprintf(buf, sizeof(buf), "0x%08x", v);
  return buf;
}

const std::set<std::string> kTopFields = {
    "protocol_version", "network",          "address_prefix",  "magic",          "pow_limit_bits",
    "target_block_time", "asert_half_life", "max_future_block_time", "block_reward",
    "halving_interval", "min_fee_per_byte", "max_block_size", "max_block_txs",
    "allow_mocktime",   "genesis",         "allocations",    "comment",
    "min_chain_work",   "units",           "yield_bounds",   "registrars",     "gas_price",
    "max_tx_gas",       "max_block_gas"};

// "0x" and the hex digits of v without leading zeros ("0x0" for zero).
std::string WorkHex(const chain::ArithU256& v) {
  std::string hex = v.ToHex();
  size_t first = hex.find_first_not_of('0');
  return "0x" + (first == std::string::npos ? std::string("0") : hex.substr(first));
}

// The required protocol_version: exactly the one this node runs. A file without it predates
// the field, so it defines a protocol-1 network.
Status ReadProtocolVersion(const json& doc, consensus::ChainParams* p) {
  constexpr uint32_t kRuns = consensus::kProtocolVersion;
  uint64_t version = 1;
  if (auto it = doc.find("protocol_version"); it != doc.end()) {
    if (!it->is_number_unsigned()) return Bad("protocol_version must be a positive integer");
    version = it->get<uint64_t>();
  }
  if (version == kRuns) {
    p->protocol_version = kRuns;
    return Status::Ok();
  }
  std::string what = "this genesis file defines a protocol-" + std::to_string(version) +
                     " network; waybilld runs protocol " + std::to_string(kRuns) + ": ";
  if (version < kRuns) {
    what += "use the new genesis files (devnet, regtest and testnet chains are reset by this "
            "upgrade)";
  } else {
    what += "use a waybilld that runs protocol " + std::to_string(version);
  }
  return Status::Invalid(what);
}

// The top-level scalar fields: names, magic, block timing, reward and size limits.
Status ReadScalars(const json& doc, consensus::ChainParams* p) {
  for (const char* name : {"network", "address_prefix"}) {
    auto it = doc.find(name);
    if (it == doc.end() || !it->is_string()) return Bad(std::string(name) + " must be a string");
  }
  p->network = doc["network"].get<std::string>();
  p->address_prefix = doc["address_prefix"].get<std::string>();
  if (Status s = ReadHex32(doc, "magic", &p->magic); !s.ok()) return s;
  if (Status s = ReadHex32(doc, "pow_limit_bits", &p->pow_limit_bits); !s.ok()) return s;
  constexpr int64_t kMaxI = INT64_MAX;
  constexpr uint64_t kMaxU = UINT64_MAX;
  for (auto [name, lo, out] :
       {std::tuple{"target_block_time", int64_t{1}, &p->target_block_time},
        std::tuple{"asert_half_life", int64_t{1}, &p->asert_half_life},
        std::tuple{"max_future_block_time", int64_t{0}, &p->max_future_block_time}}) {
    if (Status s = ReadInt<int64_t>(doc, name, lo, kMaxI, out); !s.ok()) return s;
  }
  for (auto [name, out] : {std::pair{"block_reward", &p->block_reward},
                           std::pair{"halving_interval", &p->halving_interval},
                           std::pair{"min_fee_per_byte", &p->min_fee_per_byte},
                           std::pair{"max_block_size", &p->max_block_size},
                           std::pair{"max_block_txs", &p->max_block_txs},
                           // Protocol 3; required (a missing one is named), ranges in Finalize.
                           std::pair{"gas_price", &p->gas_price},
                           std::pair{"max_tx_gas", &p->max_tx_gas},
                           std::pair{"max_block_gas", &p->max_block_gas}}) {
    if (Status s = ReadInt<uint64_t>(doc, name, 0, kMaxU, out); !s.ok()) return s;
  }
  return Status::Ok();
}

// The optional fields min_chain_work and allow_mocktime.
Status ReadOptional(const json& doc, consensus::ChainParams* p) {
  if (auto it = doc.find("min_chain_work"); it != doc.end()) {
    std::optional<chain::ArithU256> work;
    if (it->is_string()) work = chain::ArithU256::FromHex(it->get<std::string>());
    if (!work) return Bad("min_chain_work must be a string of 1 to 64 hex digits (\"0x...\")");
    p->min_chain_work = *work;
  }
  if (auto it = doc.find("allow_mocktime"); it != doc.end()) {
    if (!it->is_boolean()) return Bad("allow_mocktime must be true or false");
    p->allow_mocktime = it->get<bool>();
  }
  return Status::Ok();
}

// The "genesis" object: time, bits and nonce of the genesis header.
Status ReadGenesisHeader(const json& doc, consensus::ChainParams* p) {
  auto g = doc.find("genesis");
  if (g == doc.end() || !g->is_object()) return Bad("genesis must be an object");
  for (const auto& [key, value] : g->items()) {
    if (key != "time" && key != "bits" && key != "nonce") {
      return Bad("unknown field genesis." + key);
    }
  }
  if (Status s = ReadInt<uint32_t>(*g, "time", 0, UINT32_MAX, &p->genesis_time); !s.ok()) {
    return s;
  }
  if (Status s = ReadHex32(*g, "bits", &p->genesis_bits); !s.ok()) return s;
  return ReadInt<uint64_t>(*g, "nonce", 0, UINT64_MAX, &p->genesis_nonce);
}

// The "allocations" array. REQUIRES: p->address_prefix is read.
Status ReadAllocations(const json& doc, consensus::ChainParams* p) {
  auto allocs = doc.find("allocations");
  if (allocs == doc.end() || !allocs->is_array()) return Bad("allocations must be an array");
  for (const auto& a : *allocs) {
    if (!a.is_object()) return Bad("each allocation must be an object");
    for (const auto& [key, value] : a.items()) {
      if (key != "address" && key != "amount" && key != "comment") {
        return Bad("unknown field allocations[]." + key);
      }
    }
    auto addr = a.find("address");
    if (addr == a.end() || !addr->is_string()) return Bad("allocation address must be a string");
    auto account = chain::bech32::DecodeAddress(p->address_prefix, addr->get<std::string>());
    if (!account.ok()) return Bad("allocation address: " + account.status().reason());
    consensus::Allocation alloc;
    alloc.account = *account;
    if (Status s = ReadInt<uint64_t>(a, "amount", 1, chain::kMaxAmount, &alloc.amount); !s.ok()) {
      return s;
    }
    p->allocations.push_back(alloc);
  }
  return Status::Ok();
}

// The optional "units" object: unit -> scale (integer 0..9). The unit rule and the count are
// ChainParams::Finalize's.
Status ReadUnits(const json& doc, consensus::ChainParams* p) {
  auto units = doc.find("units");
  if (units == doc.end()) return Status::Ok();
  if (!units->is_object()) return Bad("units must be an object {\"unit\": scale, ...}");
  for (const auto& [unit, scale] : units->items()) {
    if (!scale.is_number_unsigned() || scale.get<uint64_t>() > chain::kMaxUnitScale) {
      return Bad("units: the scale of '" + unit + "' must be an integer 0..9");
    }
    p->units[unit] = static_cast<uint8_t>(scale.get<uint64_t>());
  }
  return Status::Ok();
}

// The optional "yield_bounds" array of {from, to, min_ppm, max_ppm}; a pair given twice is
// refused. The unit rule, the count and min_ppm <= max_ppm are ChainParams::Finalize's.
Status ReadYieldBounds(const json& doc, consensus::ChainParams* p) {
  auto bounds = doc.find("yield_bounds");
  if (bounds == doc.end()) return Status::Ok();
  if (!bounds->is_array()) return Bad("yield_bounds must be an array");
  for (const auto& b : *bounds) {
    if (!b.is_object()) return Bad("each yield bound must be an object");
    for (const auto& [key, value] : b.items()) {
      if (key != "from" && key != "to" && key != "min_ppm" && key != "max_ppm" &&
          key != "comment") {
        return Bad("unknown field yield_bounds[]." + key);
      }
    }
    auto from = b.find("from");
    auto to = b.find("to");
    if (from == b.end() || !from->is_string() || to == b.end() || !to->is_string()) {
      return Bad("yield bound from and to must be strings (units)");
    }
    consensus::YieldRange range;
    if (Status s = ReadInt<uint32_t>(b, "min_ppm", 0, UINT32_MAX, &range.min_ppm); !s.ok()) {
      return s;
    }
    if (Status s = ReadInt<uint32_t>(b, "max_ppm", 0, UINT32_MAX, &range.max_ppm); !s.ok()) {
      return s;
    }
    auto pair = std::pair{from->get<std::string>(), to->get<std::string>()};
    if (!p->yield_bounds.emplace(pair, range).second) {
      return Bad("yield_bounds: " + pair.first + " -> " + pair.second + " given twice");
    }
  }
  return Status::Ok();
}

// The optional "registrars" array of addresses. REQUIRES: p->address_prefix is read.
// Finalize() checks the count and that they are distinct.
Status ReadRegistrars(const json& doc, consensus::ChainParams* p) {
  auto list = doc.find("registrars");
  if (list == doc.end()) return Status::Ok();
  if (!list->is_array()) return Bad("registrars must be an array of addresses");
  if (list->size() > consensus::kMaxRegistrars) return Bad("more than 32 registrars");
  for (const auto& r : *list) {
    if (!r.is_string()) return Bad("each registrar must be an address string");
    auto account = chain::bech32::DecodeAddress(p->address_prefix, r.get<std::string>());
    if (!account.ok()) return Bad("registrar address: " + account.status().reason());
    p->registrars.push_back(*account);
  }
  return Status::Ok();
}

}  // namespace

chain::Result<consensus::ChainParams> ParseGenesisJson(std::string_view text) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Bad("not valid JSON");
  if (!doc.is_object()) return Bad("top level must be an object");
  for (const auto& [key, value] : doc.items()) {
    if (!kTopFields.count(key)) return Bad("unknown field " + key);
  }
  consensus::ChainParams p;
  for (auto* step : {&ReadProtocolVersion, &ReadScalars, &ReadOptional, &ReadGenesisHeader,
                     &ReadAllocations, &ReadUnits, &ReadYieldBounds, &ReadRegistrars}) {
    if (Status s = step(doc, &p); !s.ok()) return s;
  }
  if (Status s = p.Finalize(); !s.ok()) return s;
  return p;
}

chain::Result<consensus::ChainParams> LoadGenesisFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot open genesis file " + path);
  std::stringstream buf;
  buf << in.rdbuf();
  if (buf.str().size() > (64 << 20)) return Bad("larger than 64 MiB");
  return ParseGenesisJson(buf.str());
}

chain::Result<consensus::ChainParams> EmbeddedGenesis(std::string_view name) {
  if (name == "devnet") return ParseGenesisJson(genesis::kDevnetJson);
  if (name == "regtest") return ParseGenesisJson(genesis::kRegtestJson);
  if (name == "testnet") return ParseGenesisJson(genesis::kTestnetJson);
  return Status::Invalid(UnknownNetworkMessage(name));
}

std::string GenesisToJson(const consensus::ChainParams& p) {
  json doc = json::object();
  doc["protocol_version"] = p.protocol_version;
  doc["network"] = p.network;
  doc["address_prefix"] = p.address_prefix;
  doc["magic"] = Hex32(p.magic);
  doc["pow_limit_bits"] = Hex32(p.pow_limit_bits);
  doc["target_block_time"] = p.target_block_time;
  doc["asert_half_life"] = p.asert_half_life;
  doc["max_future_block_time"] = p.max_future_block_time;
  doc["block_reward"] = p.block_reward;
  doc["halving_interval"] = p.halving_interval;
  doc["min_fee_per_byte"] = p.min_fee_per_byte;
  doc["max_block_size"] = p.max_block_size;
  doc["max_block_txs"] = p.max_block_txs;
  doc["gas_price"] = p.gas_price;
  doc["max_tx_gas"] = p.max_tx_gas;
  doc["max_block_gas"] = p.max_block_gas;
  doc["allow_mocktime"] = p.allow_mocktime;
  doc["min_chain_work"] = WorkHex(p.min_chain_work);
  doc["genesis"] = {{"time", p.genesis_time}, {"bits", Hex32(p.genesis_bits)},
                    {"nonce", p.genesis_nonce}};
  json allocs = json::array();
  for (const auto& a : p.allocations) {
    allocs.push_back({{"address", chain::bech32::EncodeAddress(p.address_prefix, a.account)},
                      {"amount", a.amount}});
  }
  doc["allocations"] = allocs;
  json units = json::object();
  for (const auto& [unit, scale] : p.units) units[unit] = scale;
  doc["units"] = units;
  json bounds = json::array();
  for (const auto& [pair, range] : p.yield_bounds) {
    bounds.push_back({{"from", pair.first},
                      {"to", pair.second},
                      {"min_ppm", range.min_ppm},
                      {"max_ppm", range.max_ppm}});
  }
  doc["yield_bounds"] = bounds;
  json registrars = json::array();
  for (const auto& r : p.registrars) {
    registrars.push_back(chain::bech32::EncodeAddress(p.address_prefix, r));
  }
  doc["registrars"] = registrars;
  return doc.dump(2) + "\n";
}

}  // namespace waybill::node
