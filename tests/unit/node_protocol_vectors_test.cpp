// The worked example of docs/PROTOCOL.md, Appendix A: if this fails, the code and the
// specification disagree and one of them must change.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "chain/bech32.h"
#include "chain/merkle.h"
#include "chain/tx.h"
#include "node/params/genesis.h"

namespace waybill {
namespace {

using chain::HexEncode;

TEST(ProtocolVectors, AppendixA) {
  std::ifstream in(std::string(SOURCE_DIR) + "/genesis/regtest.json");
  std::stringstream text;
  text << in.rdbuf();
  auto p = node::ParseGenesisJson(text.str());
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(HexEncode(p->SerializeForCommitment()),
            "0300000007726567746573740377627201524257ffff7f200100000000000000100e000000000000803a09000000000000f2052a010000009600000000000000010000000000000000093d0000000000204e000000000000010a838b1f6e89e6c6afd52d10aba6be1c378f416122c8720ce8171cbb387eb35f4500407a10f35a000019e9cf067c7b158f2c313cee9db8eed693d56ff2da9782d73c40c5e2746308d000407a10f35a00004775ed5a4d34bc3d6ddcb671ae9e59718349946721bb9d5d096b93dee5c95ea600407a10f35a0000cf96206286967160ba973659bd3f5d02151bece959d693a9e137e35ffedc48e700407a10f35a0000fcf6da2d476f19e475e569ea4174da62f260fc66c9471b16289bd370f736758c00407a10f35a0000d8cfba6d9b80ab649b9cba43df6896e7b433291db51103e9560e4e1f1eac531000407a10f35a00001745df5e20e6e17b73e757c8ab61f1e491c57752d2fa3255bb0496c8eccf613d00407a10f35a0000da858eec43efc8041278f07d0331e57e37b30a3702d48df3fb10126abc36e99f00407a10f35a000071a46ed5c2c15a0949f5bce5fbfda8487ed38ee91042bc19dbe296f8ed0f5cd700407a10f35a0000dd98e1e22bc0f68b945a2602af9fa9de7fe72210ca5340a094f793bef7fabef800407a10f35a000006016700026b6703016c03026d6c00037063730001740301026b67026b6720a1070040420f0001dd98e1e22bc0f68b945a2602af9fa9de7fe72210ca5340a094f793bef7fabef80100000000000000404b4c00000000000084d71700000000");
  EXPECT_EQ(p->genesis.merkle_root.ToHex(),
            "b6daf7b7a157434d9d1e57b49bb2601d62da7e5ff3b45243a77f1a196cc23ba0");
  auto header = p->genesis.Serialize();
  EXPECT_EQ(HexEncode(header),
            "010000000000000000000000000000000000000000000000000000000000000000000000b6daf7b7a157434d9d1e57b49bb2601d62da7e5ff3b45243a77f1a196cc23ba00000000000000000000000000000000000000000000000000000000000000000c0732169ffff7f200000000000000000");
  EXPECT_EQ(p->genesis_id.ToHex(), "bed843846ff2c39559f161e6131bcf8ae4d32e2802c381e2278bb596ecac3943");

  auto k0 = chain::SecretKey::FromBytes(chain::DevSecretKeyBytes(0).span());
  auto k1 = chain::SecretKey::FromBytes(chain::DevSecretKeyBytes(1).span());
  ASSERT_TRUE(k0 && k1);
  EXPECT_EQ(HexEncode(k0->bytes()), "a0910c561a048d64c528ccee2d747bf0e1b8e5c034845d8e3ce8066d3a5be3ab");
  EXPECT_EQ(k0->PublicKey().ToHex(), "838b1f6e89e6c6afd52d10aba6be1c378f416122c8720ce8171cbb387eb35f45");
  EXPECT_EQ(chain::bech32::EncodeAddress("wbr", k0->PublicKey()),
            "wbr1qsw937m5fumr2l4fdzz46d0sux785zcfzepeqe6qhrjansl4ntazssryj4u");

  chain::Transaction tx;
  tx.chain_id = p->chain_id();
  tx.sender = k0->PublicKey();
  tx.nonce = 0;
  tx.fee = 1000;
  tx.op = chain::TransferOp{k1->PublicKey(), 100000000};
  EXPECT_EQ(HexEncode(tx.SerializeUnsigned()),
            "0200bed843846ff2c39559f161e6131bcf8ae4d32e2802c381e2278bb596ecac3943838b1f6e89e6c6afd52d10aba6be1c378f416122c8720ce8171cbb387eb35f450000000000000000e8030000000000000119e9cf067c7b158f2c313cee9db8eed693d56ff2da9782d73c40c5e2746308d000e1f50500000000");
  chain::Hash256 sighash = tx.SigHash();
  EXPECT_EQ(sighash.ToHex(), "9046d475914bb6f08a115781d518724e35a5eff8bc3db89e615ef6df4d0b41ce");
  tx.signature = k0->Sign(sighash.span(), std::array<uint8_t, 32>{});
  EXPECT_EQ(HexEncode(tx.signature),
            "ef6af87100d20718a4d1ad0552773e545a56ca2ab4c98c7776ebc439c7ce5e67cb2605bfc9bfd894f5bc84cdc67b27b3115e7eaa86c91c06695c12bfe29261a9");
  EXPECT_TRUE(tx.VerifySignature());
  EXPECT_EQ(tx.Serialize().size(), 187u);
  EXPECT_EQ(tx.Id().ToHex(), "e7bf1a358f675e18f6974e088389377d2ac1bf304ee66db4f4ecb7d59b06fbf4");
  EXPECT_EQ(chain::BlockMerkleRoot(std::vector<chain::Hash256>{tx.Id()}).ToHex(),
            "0bffa66f309b9c5bb90ffc66249120ad0ebdb654145dea016e11a969e77da2b8");
  EXPECT_EQ(chain::BlockMerkleRoot(std::vector<chain::Hash256>{}).ToHex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(chain::AssetIdFor(p->chain_id(), k0->PublicKey(), 0, 0).ToHex(),
            "07f64c79876c4b02a8bf3032e9088e8f4a59d3e68083062f155a29e7edabb976");
  EXPECT_EQ(chain::ContractIdFor(p->chain_id(), k0->PublicKey(), 0).ToHex(),
            "42344d5c14eeaa4f9ed47ca4685a68c41cbde23c3536b226980b52a7813069ec");
}

}  // namespace
}  // namespace waybill
