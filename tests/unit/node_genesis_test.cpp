// Genesis files: the embedded networks load, the commitment covers every parameter, and
// malformed files are refused with a reason.
#include "node/params/genesis.h"

#include <gtest/gtest.h>

#include <fstream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "chain/bech32.h"
#include "chain/schnorr.h"
#include "chain/serialize.h"

namespace waybill::node {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

TEST(Genesis, EmbeddedNetworksLoad) {
  for (const char* name : {"devnet", "regtest", "testnet"}) {
    auto p = EmbeddedGenesis(name);
    ASSERT_TRUE(p.ok()) << name << ": " << p.status().ToString();
    EXPECT_EQ(p->network, name);
    EXPECT_EQ(p->genesis.Id(), p->genesis_id);
    EXPECT_EQ(p->chain_id(), p->genesis_id);
  }
  EXPECT_FALSE(EmbeddedGenesis("mainnet").ok());
}

TEST(Genesis, EmbeddedMatchesTheFileInTheRepository) {
  auto embedded = EmbeddedGenesis("devnet");
  auto file = LoadGenesisFile(std::string(SOURCE_DIR) + "/genesis/devnet.json");
  ASSERT_TRUE(embedded.ok() && file.ok());
  EXPECT_EQ(embedded->genesis_id, file->genesis_id);
}

TEST(Genesis, DevKeysAreFundedOnDevnetAndRegtest) {
  for (const char* name : {"devnet", "regtest"}) {
    auto p = EmbeddedGenesis(name);
    ASSERT_TRUE(p.ok());
    ASSERT_EQ(p->allocations.size(), 10u);
    for (uint32_t i = 0; i < 10; ++i) {
      auto key = chain::SecretKey::FromBytes(chain::DevSecretKeyBytes(i).span());
      ASSERT_TRUE(key.has_value());
      EXPECT_EQ(p->allocations[i].account, key->PublicKey()) << name << " key " << i;
    }
  }
}

TEST(Genesis, RoundTripThroughJson) {
  auto p = EmbeddedGenesis("regtest");
  ASSERT_TRUE(p.ok());
  auto again = ParseGenesisJson(GenesisToJson(*p));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->genesis_id, p->genesis_id);
  EXPECT_EQ(again->allocations, p->allocations);
}

TEST(Genesis, MinChainWorkIsReadWrittenAndLeftOutOfTheCommitment) {
  std::string text = ReadFile(std::string(SOURCE_DIR) + "/genesis/regtest.json");
  auto base = ParseGenesisJson(text);
  ASSERT_TRUE(base.ok());
  EXPECT_TRUE(base->min_chain_work.IsZero());
  const std::string field = "\"min_chain_work\": \"0x0\"";
  ASSERT_NE(text.find(field), std::string::npos);
  std::string raised = text;
  raised.replace(raised.find(field), field.size(), "\"min_chain_work\": \"0x1F2e3d\"");
  auto p = ParseGenesisJson(raised);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->min_chain_work, chain::ArithU256(0x1f2e3d));
  EXPECT_EQ(p->genesis_id, base->genesis_id) << "policy, not part of the chain id";
  auto again = ParseGenesisJson(GenesisToJson(*p));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->min_chain_work, p->min_chain_work);
  for (const char* bad : {"\"0xg1\"", "\"\"", "12", "\"0x\""}) {
    std::string wrong = text;
    wrong.replace(wrong.find(field), field.size(), std::string("\"min_chain_work\": ") + bad);
    auto r = ParseGenesisJson(wrong);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().reason().find("min_chain_work"), std::string::npos);
  }
  // Optional: a file without it means 0.
  std::string without = text;
  without.replace(without.find(field), field.size() + 1, "");
  auto absent = ParseGenesisJson(without);
  ASSERT_TRUE(absent.ok()) << absent.status().ToString();
  EXPECT_TRUE(absent->min_chain_work.IsZero());
}

TEST(Genesis, EveryParameterChangesTheChainId) {
  auto base = EmbeddedGenesis("regtest");
  ASSERT_TRUE(base.ok());
  std::vector<std::function<void(consensus::ChainParams&)>> edits = {
      [](auto& p) { p.network = "regtest2"; },
      [](auto& p) { p.address_prefix = "wbx"; },
      [](auto& p) { p.magic ^= 1; },
      [](auto& p) { p.target_block_time += 1; },
      [](auto& p) { p.asert_half_life += 1; },
      [](auto& p) { p.max_future_block_time -= 1; },
      [](auto& p) { p.block_reward += 1; },
      [](auto& p) { p.halving_interval += 1; },
      [](auto& p) { p.min_fee_per_byte += 1; },
      [](auto& p) { p.max_block_size += 1; },
      [](auto& p) { p.max_block_txs += 1; },
      [](auto& p) { p.allow_mocktime = !p.allow_mocktime; },
      [](auto& p) { p.allocations[3].amount += 1; },
      [](auto& p) { p.genesis_time += 1; },
      [](auto& p) { p.genesis_nonce += 1; },
      [](auto& p) { p.units["kg"] = 2; },
      [](auto& p) { p.units["box"] = 0; },  // a scale of 0 listed differs from one absent
      [](auto& p) { p.units.erase("pcs"); },
      [](auto& p) { p.yield_bounds.begin()->second.min_ppm += 1; },
      [](auto& p) { p.yield_bounds.begin()->second.max_ppm -= 1; },
      [](auto& p) { p.yield_bounds[{"kg", "l"}] = {1, 2}; },
      [](auto& p) { p.yield_bounds.clear(); },
      [](auto& p) { p.gas_price += 1; },
      [](auto& p) { p.max_tx_gas += 1; },
      [](auto& p) { p.max_block_gas += 1; },
  };
  for (size_t i = 0; i < edits.size(); ++i) {
    consensus::ChainParams p = *base;
    edits[i](p);
    ASSERT_TRUE(p.Finalize().ok()) << "edit " << i << ": " << p.Finalize().ToString();
    EXPECT_NE(p.genesis_id, base->genesis_id) << "edit " << i;
  }
}

TEST(Genesis, ProtocolVersionIsRequiredAndIsThree) {
  const std::string good = ReadFile(std::string(SOURCE_DIR) + "/genesis/regtest.json");
  auto base = ParseGenesisJson(good);
  ASSERT_TRUE(base.ok()) << base.status().ToString();
  EXPECT_EQ(base->protocol_version, 3u);
  // The first field of the commitment: u32 little-endian.
  const chain::Bytes commitment = base->SerializeForCommitment();
  ASSERT_GE(commitment.size(), 4u);
  EXPECT_EQ(chain::Bytes(commitment.begin(), commitment.begin() + 4), (chain::Bytes{3, 0, 0, 0}));
  EXPECT_NE(GenesisToJson(*base).find("\"protocol_version\": 3"), std::string::npos);

  const std::string field = "\"protocol_version\": 3,";
  ASSERT_NE(good.find(field), std::string::npos);
  const auto old_network = [](int n) {
    return "this genesis file defines a protocol-" + std::to_string(n) +
           " network; waybilld runs protocol 3: use the new genesis files (devnet, regtest and "
           "testnet chains are reset by this upgrade)";
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", old_network(1)},
      {"\"protocol_version\": 1,", old_network(1)},
      {"\"protocol_version\": 2,", old_network(2)},
      {"\"protocol_version\": 4,",
       "this genesis file defines a protocol-4 network; waybilld runs protocol 3: use a waybilld "
       "that runs protocol 4"},
      {"\"protocol_version\": \"3\",", "protocol_version must be a positive integer"},
      {"\"protocol_version\": -3,", "protocol_version must be a positive integer"},
  };
  for (const auto& [replacement, message] : cases) {
    std::string text = good;
    text.replace(text.find(field), field.size(), replacement);
    auto p = ParseGenesisJson(text);
    ASSERT_FALSE(p.ok()) << "accepted: " << replacement;
    EXPECT_NE(p.status().reason().find(message), std::string::npos) << p.status().reason();
  }
  // Params made in code are checked too.
  consensus::ChainParams p = *base;
  p.protocol_version = 2;
  EXPECT_FALSE(p.Finalize().ok());
}

// Protocol 3's gas fields: required, named when missing, in range, written back, and appended
// to the commitment after the registrars (u64 each, §6).
TEST(Genesis, GasFields) {
  const std::string good = ReadFile(std::string(SOURCE_DIR) + "/genesis/regtest.json");
  for (const char* name : {"devnet", "regtest", "testnet"}) {
    auto p = EmbeddedGenesis(name);
    ASSERT_TRUE(p.ok()) << name;
    EXPECT_EQ(p->gas_price, 1u) << name;
    EXPECT_EQ(p->max_tx_gas, 5'000'000u) << name;
    EXPECT_EQ(p->max_block_gas, 400'000'000u) << name;
  }
  auto base = ParseGenesisJson(good);
  ASSERT_TRUE(base.ok());
  const chain::Bytes commitment = base->SerializeForCommitment();
  chain::Writer tail;
  tail.U64(1);
  tail.U64(5'000'000);
  tail.U64(400'000'000);
  ASSERT_GE(commitment.size(), 24u);
  EXPECT_EQ(chain::Bytes(commitment.end() - 24, commitment.end()), tail.bytes());
  const std::string json = GenesisToJson(*base);
  for (const char* field :
       {"\"gas_price\": 1,", "\"max_tx_gas\": 5000000,", "\"max_block_gas\": 400000000,"}) {
    EXPECT_NE(json.find(field), std::string::npos) << field;
  }

  const auto refusal = [&](const std::string& from, const std::string& to) {
    std::string text = good;
    const size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at == std::string::npos) return std::string("not found");
    text.replace(at, from.size(), to);
    auto p = ParseGenesisJson(text);
    return p.ok() ? std::string() : p.status().reason();
  };
  for (const char* name : {"gas_price", "max_tx_gas", "max_block_gas"}) {
    const std::string line = "  \"" + std::string(name) + "\": ";
    const size_t at = good.find(line);
    ASSERT_NE(at, std::string::npos) << name;
    const std::string whole = good.substr(at, good.find('\n', at) + 1 - at);
    EXPECT_EQ(refusal(whole, ""), "genesis file: missing field " + std::string(name));
  }
  EXPECT_NE(refusal("\"gas_price\": 1,", "\"gas_price\": 0,").find("gas_price must be"),
            std::string::npos);
  EXPECT_NE(refusal("\"gas_price\": 1,", "\"gas_price\": 100000001,").find("gas_price"),
            std::string::npos);
  EXPECT_NE(refusal("\"max_tx_gas\": 5000000,", "\"max_tx_gas\": 0,").find("max_tx_gas must"),
            std::string::npos);
  EXPECT_NE(refusal("\"max_tx_gas\": 5000000,", "\"max_tx_gas\": 400000001,")
                .find("max_block_gas must be max_tx_gas"),
            std::string::npos);
  EXPECT_NE(refusal("\"max_block_gas\": 400000000,", "\"max_block_gas\": 4999999,")
                .find("max_block_gas must be"),
            std::string::npos);
  EXPECT_NE(refusal("\"gas_price\": 1,", "\"gas_price\": -1,").find("gas_price"),
            std::string::npos);
  EXPECT_EQ(refusal("\"max_block_gas\": 400000000,", "\"max_block_gas\": 5000000,"), "");

  // The fee a contract tx owes: size fee + gas_limit x gas_price, overflow = none.
  consensus::ChainParams p = *base;
  p.gas_price = 3;
  EXPECT_EQ(p.MinContractFee(100, 10), std::optional<chain::Amount>(100 * 1 + 30));
  EXPECT_EQ(p.MinContractFee(100, uint64_t{1} << 62), std::nullopt);
}

TEST(Genesis, MalformedFilesAreRefusedWithAReason) {
  std::string good = ReadFile(std::string(SOURCE_DIR) + "/genesis/regtest.json");
  ASSERT_TRUE(ParseGenesisJson(good).ok());
  auto expect_error = [&](const std::string& from, const std::string& to,
                          const std::string& reason) {
    std::string bad = good;
    auto pos = bad.find(from);
    ASSERT_NE(pos, std::string::npos) << from;
    bad.replace(pos, from.size(), to);
    auto p = ParseGenesisJson(bad);
    ASSERT_FALSE(p.ok()) << "accepted: " << to;
    EXPECT_NE(p.status().reason().find(reason), std::string::npos) << p.status().reason();
  };
  expect_error("\"network\"", "\"netwrk\"", "unknown field netwrk");
  expect_error("\"target_block_time\": 1", "\"target_block_time\": 0", "target_block_time");
  expect_error("\"target_block_time\": 1", "\"target_block_time\": 1.5", "integer");
  expect_error("\"magic\": \"0x57425201\"", "\"magic\": \"57425201\"", "magic");
  expect_error("\"pow_limit_bits\": \"0x207fffff\"", "\"pow_limit_bits\": \"0x00000000\"",
               "pow_limit_bits");
  expect_error("wbr1qsw937m5fumr2l4fdzz46d0sux785zcfzepeqe6qhrjansl4ntazssryj4u",
               "wbd1qsw937m5fumr2l4fdzz46d0sux785zcfzepeqe6qhrjansl4ntazsxu737m",
               "wrong address prefix");
  expect_error("\"amount\": 100000000000000", "\"amount\": 0", "amount");
  expect_error("\"amount\": 100000000000000", "\"amount\": -5", "amount");
  EXPECT_FALSE(ParseGenesisJson("{").ok());
  EXPECT_FALSE(ParseGenesisJson("[]").ok());
  EXPECT_FALSE(ParseGenesisJson("").ok());
  EXPECT_FALSE(LoadGenesisFile("/nonexistent/genesis.json").ok());
}

TEST(Genesis, UnitsAndYieldBounds) {
  auto p = EmbeddedGenesis("regtest");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->units, (chain::UnitScales{{"g", 0}, {"kg", 3}, {"l", 3}, {"ml", 0}, {"pcs", 0},
                                         {"t", 3}}));
  EXPECT_EQ(p->ScaleOf("kg"), 3);
  EXPECT_EQ(p->ScaleOf("crate"), 0);
  ASSERT_NE(p->FindYieldBound("kg", "kg"), nullptr);
  EXPECT_EQ(*p->FindYieldBound("kg", "kg"), (consensus::YieldRange{500'000, 1'000'000}));
  EXPECT_EQ(p->FindYieldBound("kg", "t"), nullptr);
  auto again = ParseGenesisJson(GenesisToJson(*p));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->units, p->units);
  EXPECT_EQ(again->yield_bounds, p->yield_bounds);

  // The order of the file does not change the commitment: both tables are committed sorted.
  std::string good = ReadFile(std::string(SOURCE_DIR) + "/genesis/regtest.json");
  const std::string units = R"("units": {)";
  auto reordered = good;
  reordered.replace(reordered.find(units), units.size(), R"("units": {"zz": 1, )");
  auto a = ParseGenesisJson(reordered);
  reordered = good;
  reordered.replace(reordered.find(units), units.size(), R"("units": {)");
  reordered.replace(reordered.find(R"("t": 3)"), 6, R"("t": 3, "zz": 1)");
  auto b = ParseGenesisJson(reordered);
  ASSERT_TRUE(a.ok() && b.ok()) << a.status().ToString() << b.status().ToString();
  EXPECT_EQ(a->genesis_id, b->genesis_id);
  EXPECT_NE(a->genesis_id, p->genesis_id);

  // Absent fields are empty tables.
  consensus::ChainParams none = *p;
  none.units.clear();
  none.yield_bounds.clear();
  ASSERT_TRUE(none.Finalize().ok());
  std::string json = GenesisToJson(none);
  auto empty = ParseGenesisJson(json);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->units.empty());
  EXPECT_EQ(empty->genesis_id, none.genesis_id);
}

TEST(Genesis, BadUnitsAndYieldBoundsAreRefused) {
  std::string good = ReadFile(std::string(SOURCE_DIR) + "/genesis/regtest.json");
  auto reason = [&](const std::string& from, const std::string& to) {
    std::string bad = good;
    auto pos = bad.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    if (pos == std::string::npos) return std::string();
    bad.replace(pos, from.size(), to);
    auto p = ParseGenesisJson(bad);
    return p.ok() ? std::string("accepted") : p.status().reason();
  };
  auto has = [](const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
  };
  EXPECT_TRUE(has(reason(R"("kg": 3)", R"("kg": 10)"), "scale of 'kg' must be an integer 0..9"));
  EXPECT_TRUE(has(reason(R"("kg": 3)", R"("kg": -1)"), "scale of 'kg'"));
  EXPECT_TRUE(has(reason(R"("kg": 3)", R"("kg": "3")"), "scale of 'kg'"));
  EXPECT_TRUE(has(reason(R"("kg": 3)", R"("k g": 3)"), "'k g' is not a unit"));
  EXPECT_TRUE(has(reason(R"("kg": 3)", R"("": 3)"), "'' is not a unit"));
  EXPECT_TRUE(has(reason(R"("kg": 3)", R"("seventeen-bytes-x": 3)"), "is not a unit"));
  EXPECT_TRUE(has(reason(R"("units": {)", R"("units": 7, "comment": {)"), "units must be an object"));
  std::string many;
  for (int i = 0; i < 58; ++i) many += "\"u" + std::to_string(i) + "\": 0, ";
  EXPECT_EQ(reason(R"("units": {)", R"("units": {)" + many), "accepted");  // 64 units
  many += "\"u58\": 0, ";  // 65 units with the six of the file
  EXPECT_TRUE(has(reason(R"("units": {)", R"("units": {)" + many), "at most 64"));

  EXPECT_TRUE(has(reason(R"("min_ppm": 500000)", R"("min_ppm": 1000001)"),
                  "min_ppm is above max_ppm"));
  EXPECT_TRUE(has(reason(R"("min_ppm": 500000)", R"("min_ppm": 4294967296)"), "min_ppm"));
  EXPECT_TRUE(has(reason(R"("min_ppm": 500000)", R"("min_ppm": -1)"), "min_ppm"));
  EXPECT_TRUE(has(reason(R"("from": "kg")", R"("from": "k g")"), "must be units"));
  EXPECT_TRUE(has(reason(R"("from": "kg")", R"("from": 5)"), "must be strings"));
  EXPECT_TRUE(has(reason(R"("from": "kg")", R"("frm": "kg")"), "unknown field yield_bounds[].frm"));
  EXPECT_TRUE(has(reason(R"("yield_bounds": [)",
                         R"("yield_bounds": [{"from":"kg","to":"kg","min_ppm":1,"max_ppm":2},)"),
                  "kg -> kg given twice"));
  std::string bounds;
  for (int i = 0; i < 64; ++i) {
    bounds += R"({"from":"u)" + std::to_string(i) + R"(","to":"kg","min_ppm":1,"max_ppm":2},)";
  }
  EXPECT_TRUE(has(reason(R"("yield_bounds": [)", R"("yield_bounds": [)" + bounds), "at most 64"));
}

}  // namespace
}  // namespace waybill::node
