// wallet/signer.h: the development keys are the published ones (the embedded regtest genesis
// funds exactly their accounts), the same on every call; a KeySigner signs for its account.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "chain/bech32.h"
#include "wallet/signer.h"

namespace waybill::wallet {
namespace {

TEST(DevKeyTest, Deterministic) {
  std::set<chain::AccountId> accounts;
  for (uint32_t i = 0; i < 10; ++i) {
    auto a = DevKey(i);
    auto b = DevKey(i);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->bytes(), b->bytes());
    EXPECT_EQ(a->bytes(), chain::DevSecretKeyBytes(i).bytes);
    accounts.insert(a->PublicKey());
  }
  EXPECT_EQ(accounts.size(), 10u) << "ten different keys";
}

// The published vector: genesis/regtest.json allocates to dev keys 0..9, in order, and says so.
TEST(DevKeyTest, MatchesTheRegtestAllocations) {
  std::ifstream in(std::string(SOURCE_DIR) + "/genesis/regtest.json");
  ASSERT_TRUE(in) << "genesis/regtest.json";
  std::stringstream text;
  text << in.rdbuf();
  const nlohmann::json genesis = nlohmann::json::parse(text.str());
  const std::string hrp = genesis.at("address_prefix").get<std::string>();
  int checked = 0;
  for (const auto& alloc : genesis.at("allocations")) {
    const std::string comment = alloc.value("comment", "");
    if (comment.rfind("dev key ", 0) != 0) continue;
    const uint32_t index = static_cast<uint32_t>(std::stoul(comment.substr(8)));
    auto key = DevKey(index);
    ASSERT_TRUE(key.ok());
    auto account = chain::bech32::DecodeAddress(hrp, alloc.at("address").get<std::string>());
    ASSERT_TRUE(account.ok());
    EXPECT_EQ(key->PublicKey(), *account) << comment;
    ++checked;
  }
  EXPECT_EQ(checked, 10);
}

TEST(KeySignerTest, SignsForItsAccount) {
  auto dev = DevKey(3);
  ASSERT_TRUE(dev.ok());
  const chain::AccountId account = dev->PublicKey();
  const KeySigner signer(std::move(dev).value());
  EXPECT_EQ(signer.Account(), account);
  chain::Hash256 message;
  message.bytes.fill(0x42);
  const chain::Signature sig = signer.SignHash(message);
  EXPECT_TRUE(chain::VerifySchnorr(account, message.span(), sig));
  message.bytes[0] ^= 1;
  EXPECT_FALSE(chain::VerifySchnorr(account, message.span(), sig));
}

TEST(NewKeyTest, Random) { EXPECT_NE(NewKey().bytes(), NewKey().bytes()); }

}  // namespace
}  // namespace waybill::wallet
