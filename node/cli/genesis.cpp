// `waybill genesis`: make a genesis file for a new network, show a genesis file's ids.
#include <ctime>
#include <iostream>

#include "chain/bech32.h"
#include "chain/hash.h"
#include "node/cli/commands.h"
#include "node/params/genesis.h"

namespace waybill::cli {
namespace {

constexpr const char* kGenesisHelp =
    "Usage:\n"
    "  waybill genesis new --network NAME --prefix HRP --out FILE [options]\n"
    "      Writes a genesis file for a new network (never overwrites FILE) and prints its\n"
    "      chain id. Defaults follow genesis/testnet.json: 30 s blocks, ASERT half-life\n"
    "      3600 s, bits 0x1e00ffff, pow limit 0x1f00ffff, reward 50 coins.\n"
    "  waybill genesis show FILE | --network NAME\n"
    "      Prints the network, address prefix, chain id (= genesis block id) and\n"
    "      allocations of a genesis file or an embedded network.\nOptions:\n";

std::vector<OptionSpec> NewOptions() {
  return {
      {"network", "NAME", false, "network name, 1..16 chars of [a-z0-9-] (required)"},
      {"prefix", "HRP", false, "address prefix, 1..16 chars of [a-z0-9] (required)"},
      {"out", "FILE", false, "genesis file to create (required)"},
      {"block-time", "S", false, "target block time in seconds (default 30)"},
      {"half-life", "S", false, "ASERT half-life in seconds (default 3600)"},
      {"bits", "0x..", false, "genesis target, compact form (default 0x1e00ffff)"},
      {"pow-limit", "0x..", false, "easiest target allowed (default 0x1f00ffff or --bits)"},
      {"alloc", "ADDR=AMOUNT", true, "initial balance in base units (address in HRP)"},
      {"registrar", "ADDR", true, "an account that may endorse party profiles (at most 32)"},
      {"reward", "N", false, "block reward in base units (default 5000000000)"},
      {"halving", "BLOCKS", false, "reward halving interval, 0 = never (default 1000000)"},
      {"min-fee", "N", false, "minimum fee per byte (default 1)"},
      {"max-future", "S", false, "max seconds a block may be ahead (default 7200)"},
      {"max-block-size", "BYTES", false, "default 4000000"},
      {"max-block-txs", "N", false, "default 20000"},
      {"gas-price", "N", false, "base units per unit of contract gas (default 1)"},
      {"max-tx-gas", "N", false, "gas limit of one contract tx (default 1000000)"},
      {"max-block-gas", "N", false, "gas limits of a block's contract txs (default 20000000)"},
      {"magic", "0x..", false, "P2P network magic (default derived from the name)"},
      {"time", "UNIX", false, "genesis time (default now)"},
      {"nonce", "N", false, "genesis nonce (default 0)"},
      {"mocktime", "", false, "allow setmocktime (test networks only)"},
      {"units", "U=S,...", false,
       "decimal scale of each unit, 0..9 (default g=0,kg=3,l=3,ml=0,pcs=0,t=3; \"\" for none)"},
  };
}

std::vector<OptionSpec> ShowOptions() {
  return {{"network", "NAME", false, "an embedded network instead of a file"},
          {"json", "", false, "(default) print JSON"}};
}

int64_t Seconds(const Args& args, std::string_view name, int64_t def) {
  auto v = args.Get(name);
  if (!v) return def;
  uint64_t s = ParseU64(*v, "--" + std::string(name));
  if (s > (uint64_t{1} << 40)) throw CliError("--" + std::string(name) + " too large");
  return static_cast<int64_t>(s);
}

uint64_t Number(const Args& args, std::string_view name, uint64_t def) {
  auto v = args.Get(name);
  return v ? ParseU64(*v, "--" + std::string(name)) : def;
}

// --units "kg=3,t=3" (the default table when absent, none when empty).
chain::UnitScales ParseUnits(const Args& args) {
  const std::string text = args.Get("units").value_or("g=0,kg=3,l=3,ml=0,pcs=0,t=3");
  chain::UnitScales units;
  for (const std::string& entry : SplitList(text, ',')) {
    size_t eq = entry.find('=');
    if (eq == std::string::npos) throw CliError("--units entries must be UNIT=SCALE: '" + entry + "'");
    uint64_t scale = ParseU64(entry.substr(eq + 1), "--units scale");
    if (scale > chain::kMaxUnitScale) throw CliError("--units scale must be 0..9: '" + entry + "'");
    units[entry.substr(0, eq)] = static_cast<uint8_t>(scale);
  }
  return units;
}

int New(const Args& args) {
  if (!args.positional().empty()) {
    throw CliError("genesis new takes no arguments (unexpected '" + args.positional()[0] + "')");
  }
  consensus::ChainParams p;
  p.protocol_version = consensus::kProtocolVersion;  // written to the file
  p.network = args.Require("network");
  p.address_prefix = args.Require("prefix");
  const std::string out = args.Require("out");
  p.target_block_time = Seconds(args, "block-time", 30);
  p.asert_half_life = Seconds(args, "half-life", 3600);
  p.max_future_block_time = Seconds(args, "max-future", 7200);
  p.genesis_bits = ParseU32HexOrDec(args.Get("bits").value_or("0x1e00ffff"), "--bits");
  if (auto limit = args.Get("pow-limit")) {
    p.pow_limit_bits = ParseU32HexOrDec(*limit, "--pow-limit");
  } else {
    // The easier of the default limit and --bits, so that --bits alone always works.
    p.pow_limit_bits = 0x1f00ffff;
    auto def = chain::TargetFromBits(p.pow_limit_bits);
    auto start = chain::TargetFromBits(p.genesis_bits);
    if (def && start && *start > *def) p.pow_limit_bits = p.genesis_bits;
  }
  p.block_reward = Number(args, "reward", 50 * chain::kCoin);
  p.halving_interval = Number(args, "halving", 1'000'000);
  p.min_fee_per_byte = Number(args, "min-fee", 1);
  p.max_block_size = Number(args, "max-block-size", 4'000'000);
  p.max_block_txs = Number(args, "max-block-txs", 20'000);
  // The shipped networks' values (genesis/README.md).
  p.gas_price = Number(args, "gas-price", 1);
  p.max_tx_gas = Number(args, "max-tx-gas", 1'000'000);
  p.max_block_gas = Number(args, "max-block-gas", 20'000'000);
  p.allow_mocktime = args.Has("mocktime");
  uint64_t now = static_cast<uint64_t>(std::time(nullptr));
  uint64_t time = Number(args, "time", now);
  if (time > UINT32_MAX) throw CliError("--time must fit 32 bits");
  p.genesis_time = static_cast<uint32_t>(time);
  p.genesis_nonce = Number(args, "nonce", 0);
  if (auto magic = args.Get("magic")) {
    p.magic = ParseU32HexOrDec(*magic, "--magic");
  } else {
    // "WB" and two bytes that differ between networks.
    chain::Hash256 h = chain::Sha256Hash(
        chain::ByteSpan(reinterpret_cast<const uint8_t*>(p.network.data()), p.network.size()));
    p.magic = 0x57420000u | uint32_t{h.bytes[0]} << 8 | h.bytes[1];
  }
  for (const std::string& a : args.GetList("alloc")) {
    size_t eq = a.find('=');
    if (eq == std::string::npos) throw CliError("--alloc must be ADDR=AMOUNT, got '" + a + "'");
    consensus::Allocation alloc;
    alloc.account = ParseAccount(a.substr(0, eq), p.address_prefix, "--alloc");
    alloc.amount = ParseU64(a.substr(eq + 1), "--alloc amount");
    p.allocations.push_back(alloc);
  }
  p.units = ParseUnits(args);
  for (const std::string& r : args.GetList("registrar")) {
    p.registrars.push_back(ParseAccount(r, p.address_prefix, "--registrar"));
  }
  if (chain::Status s = p.Finalize(); !s.ok()) throw CliError(s.reason());
  std::string json = node::GenesisToJson(p);
  // Round-trip through the node's own parser: what is written must load.
  auto check = node::ParseGenesisJson(json);
  if (!check.ok() || check->genesis_id != p.genesis_id) {
    throw CliError("internal error: the genesis file does not round-trip: " +
                   check.status().reason());
  }
  WriteNewFile(out, json);
  std::cout << p.chain_id().ToHex() << "\n";
  return 0;
}

int Show(const Args& args) {
  consensus::ChainParams p;
  const auto& pos = args.positional();
  if (pos.size() > 1) throw CliError("usage: waybill genesis show FILE");
  if (pos.size() == 1) {
    if (args.Has("network")) throw CliError("give a FILE or --network, not both");
    auto loaded = node::LoadGenesisFile(pos[0]);
    if (!loaded.ok()) throw CliError(loaded.status().reason());
    p = std::move(loaded).value();
  } else if (auto network = args.Get("network")) {
    auto loaded = node::EmbeddedGenesis(*network);
    if (!loaded.ok()) throw CliError(loaded.status().reason());
    p = std::move(loaded).value();
  } else {
    throw CliError("usage: waybill genesis show FILE (or --network NAME)");
  }
  chain::Amount total = 0;
  Json allocs = Json::array();
  for (const auto& a : p.allocations) {
    total += a.amount;  // Finalize checked the sum
    allocs.push_back({{"address", chain::bech32::EncodeAddress(p.address_prefix, a.account)},
                      {"amount", a.amount}});
  }
  char bits[11];
  std::snprintf(bits, sizeof(bits), "0x%08x", p.genesis_bits);
  Json out = {{"protocol_version", p.protocol_version},
              {"network", p.network},
              {"address_prefix", p.address_prefix},
              {"chain_id", p.chain_id().ToHex()},
              {"genesis_id", p.genesis_id.ToHex()},
              {"genesis_time", p.genesis_time},
              {"genesis_bits", bits},
              {"target_block_time", p.target_block_time},
              {"block_reward", p.block_reward},
              {"gas_price", p.gas_price},
              {"max_tx_gas", p.max_tx_gas},
              {"max_block_gas", p.max_block_gas},
              {"allocated", total},
              {"allocations", allocs}};
  Json registrars = Json::array();
  for (const auto& r : p.registrars) {
    registrars.push_back(chain::bech32::EncodeAddress(p.address_prefix, r));
  }
  out["registrars"] = std::move(registrars);
  std::cout << out.dump(2) << "\n";
  return 0;
}

}  // namespace

int RunGenesis(std::span<const std::string> words) {
  constexpr std::string_view kNames[] = {"new", "show"};
  auto options_of = [](std::string_view sub) {
    return sub == "new" ? NewOptions() : ShowOptions();
  };
  int rc = 0;
  auto sub = ParseSubcommand(words, "genesis", kGenesisHelp, kNames, options_of, NewOptions(), &rc);
  if (!sub) return rc;
  return sub->name == "new" ? New(sub->args) : Show(sub->args);
}

}  // namespace waybill::cli
