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
            "0300000007726567746573740377627201524257ffff7f200100000000000000100e000000000000803a09000000000000f2052a010000009600000000000000010000000000000000093d0000000000204e000000000000010a838b1f6e89e6c6afd52d10aba6be1c378f416122c8720ce8171cbb387eb35f4500407a10f35a000019e9cf067c7b158f2c313cee9db8eed693d56ff2da9782d73c40c5e2746308d000407a10f35a00004775ed5a4d34bc3d6ddcb671ae9e59718349946721bb9d5d096b93dee5c95ea600407a10f35a0000cf96206286967160ba973659bd3f5d02151bece959d693a9e137e35ffedc48e700407a10f35a0000fcf6da2d476f19e475e569ea4174da62f260fc66c9471b16289bd370f736758c00407a10f35a0000d8cfba6d9b80ab649b9cba43df6896e7b433291db51103e9560e4e1f1eac531000407a10f35a00001745df5e20e6e17b73e757c8ab61f1e491c57752d2fa3255bb0496c8eccf613d00407a10f35a0000da858eec43efc8041278f07d0331e57e37b30a3702d48df3fb10126abc36e99f00407a10f35a000071a46ed5c2c15a0949f5bce5fbfda8487ed38ee91042bc19dbe296f8ed0f5cd700407a10f35a0000dd98e1e22bc0f68b945a2602af9fa9de7fe72210ca5340a094f793bef7fabef800407a10f35a000006016700026b6703016c03026d6c00037063730001740301026b67026b6720a1070040420f0001dd98e1e22bc0f68b945a2602af9fa9de7fe72210ca5340a094f793bef7fabef8010000000000000040420f0000000000002d310100000000");
  EXPECT_EQ(p->genesis.merkle_root.ToHex(),
            "1448b7c95f6c39ca56ce4b794ca27882d586cabf05e4a7c81fe5e7fc89decc9d");
  auto header = p->genesis.Serialize();
  EXPECT_EQ(HexEncode(header),
            "0100000000000000000000000000000000000000000000000000000000000000000000001448b7c95f6c39ca56ce4b794ca27882d586cabf05e4a7c81fe5e7fc89decc9d0000000000000000000000000000000000000000000000000000000000000000c0732169ffff7f200000000000000000");
  EXPECT_EQ(p->genesis_id.ToHex(), "38ea6d439be1464bea13a74ab6c984c4d685a50bd6f39a7fe68f7e6f6203481d");

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
            "020038ea6d439be1464bea13a74ab6c984c4d685a50bd6f39a7fe68f7e6f6203481d838b1f6e89e6c6afd52d10aba6be1c378f416122c8720ce8171cbb387eb35f450000000000000000e8030000000000000119e9cf067c7b158f2c313cee9db8eed693d56ff2da9782d73c40c5e2746308d000e1f50500000000");
  chain::Hash256 sighash = tx.SigHash();
  EXPECT_EQ(sighash.ToHex(), "94c4b0fbf7b91f84ee998c8d7a5c0e1c40a316f20414320dbbd8b2d1e0c68792");
  tx.signature = k0->Sign(sighash.span(), std::array<uint8_t, 32>{});
  EXPECT_EQ(HexEncode(tx.signature),
            "a787c6edbfdd20434ba888968b5fe13fe09ec897a9b63725fa6b5e571377f61c8f53ca08ae4b00aa71b246d19aa16a5a4c04fd4cc0a1112e1a713fd4bbe5a720");
  EXPECT_TRUE(tx.VerifySignature());
  EXPECT_EQ(tx.Serialize().size(), 187u);
  EXPECT_EQ(tx.Id().ToHex(), "43629bec593c022957bc175cb7dbc710e2787c6eb3b3d535cbba25c65701abbf");
  EXPECT_EQ(chain::BlockMerkleRoot(std::vector<chain::Hash256>{tx.Id()}).ToHex(),
            "a7f2ac0d75f8c98db1c1a0d2339d5985d9f6c1b518addcf7ae43ee2280dca28e");
  EXPECT_EQ(chain::BlockMerkleRoot(std::vector<chain::Hash256>{}).ToHex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(chain::AssetIdFor(p->chain_id(), k0->PublicKey(), 0, 0).ToHex(),
            "010caf462607f16c274f3f13f1a16e22a143046303427f6c34c4d43fd9d16189");
}

}  // namespace
}  // namespace waybill
