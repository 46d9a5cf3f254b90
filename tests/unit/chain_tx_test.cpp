// Transactions and blocks: strict round trips of every operation, ids, signatures and limits,
// and round-trip properties over random txs, blocks and bytes (fixed seed, bounded counts).
#include "chain/tx.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "chain/block.h"
#include "chain/hash.h"
#include "tests/unit/chain_random.h"
#include "chain/serialize.h"

namespace waybill::chain {
namespace {

Hash256 H(uint8_t seed) {
  Hash256 h;
  for (size_t i = 0; i < h.bytes.size(); ++i) h.bytes[i] = static_cast<uint8_t>(seed * 7 + i);
  return h;
}

std::vector<MetadataEntry> FullMetadata() {
  std::vector<MetadataEntry> md;
  for (size_t i = 0; i < kMaxMetadataEntries; ++i) {
    md.push_back({std::string(kMaxMetadataKeyLen - 2, 'k') + std::to_string(10 + i),
                  std::string(kMaxMetadataValueLen, static_cast<char>('a' + i))});
  }
  return md;
}

std::vector<Hash256> Hashes(size_t n, uint8_t seed) {
  std::vector<Hash256> out;
  for (size_t i = 0; i < n; ++i) out.push_back(H(static_cast<uint8_t>(seed + i)));
  return out;
}

// A split child's metadata at its maximum: kMaxSplitChildMetadata entries of the longest key
// and value.
std::vector<MetadataEntry> FullChildMetadata() {
  std::vector<MetadataEntry> md = FullMetadata();
  md.resize(kMaxSplitChildMetadata);
  return md;
}

// One operation of each type, every field set (lists at their maximum; a split has the most
// children and its first child the most metadata: every child's at once would pass the tx
// size limit).
std::vector<Operation> AllOps() {
  AssetIssueOp issue{1'200'000, "kg", FullMetadata(), Hashes(kMaxDocuments, 50)};
  AssetSplitOp split{H(3), {}};
  for (size_t i = 0; i < kMaxSplitParts; ++i) split.children.push_back({1000 + i, {}});
  split.children[0].metadata = FullChildMetadata();
  AssetMergeOp merge{Hashes(kMaxMergeInputs, 80), 7, std::string(kMaxUnitLen, 'u'), FullMetadata(),
                     Hashes(kMaxDocuments, 120)};
  AssetAttestOp attest{H(4), std::string(kMaxClaimLen, 'c'), std::string(kMaxClaimValueLen, 'v'),
                       H(5)};
  AssetTransformOp transform{Hashes(kMaxTransformInputs, 140), {}};
  for (size_t i = 0; i < kMaxTransformOutputs; ++i) {
    TransformOutput out{830'000 + i, std::string(kMaxUnitLen, 'u'), {},
                        Hashes(i == 1 ? kMaxDocuments : 1, 160)};
    if (i == 0) out.metadata = FullMetadata();
    transform.outputs.push_back(std::move(out));
  }
  return {TransferOp{H(1), 123456789}, issue, AssetTransferOp{H(2), H(6)}, split, merge, attest,
          transform};
}

// The contract operations at their encoding's maxima: the most arguments, each of the longest
// bytes (a deploy's code then takes what is left of kMaxTxSize), and every call list full.
std::vector<ContractArg> FullArgs() {
  std::vector<ContractArg> args;
  for (size_t i = 0; i < kMaxContractArgs; ++i) {
    if (i % 2 == 0) {
      args.emplace_back(uint64_t{0xfedcba9876543210} - i);
    } else {
      args.emplace_back(Bytes(kMaxContractArgBytes, static_cast<uint8_t>(i)));
    }
  }
  return args;
}

ContractCallOp FullCall() {
  return ContractCallOp{H(9), std::string(kMaxContractEntryLen, 'e'), FullArgs(), 777,
                        Hashes(kMaxCallAssets, 30), 1'000'000};
}

Transaction MakeTx(Operation op) {
  Transaction tx;
  tx.chain_id = H(200);
  tx.sender = H(201);
  tx.nonce = 0x0102030405060708;
  tx.fee = 5000;
  tx.op = std::move(op);
  for (size_t i = 0; i < tx.signature.size(); ++i) tx.signature[i] = static_cast<uint8_t>(i);
  return tx;
}

// Offset of the op type byte: version, chain id, sender, nonce, fee.
constexpr size_t kOpTypeOffset = 2 + 32 + 32 + 8 + 8;

TEST(Transaction, EveryOpTypeRoundTrips) {
  auto ops = AllOps();
  ASSERT_EQ(ops.size(), 7u);
  for (size_t i = 0; i < ops.size(); ++i) {
    Transaction tx = MakeTx(ops[i]);
    EXPECT_EQ(static_cast<size_t>(TypeOf(tx.op)), i + 1);
    SCOPED_TRACE(OpTypeName(TypeOf(tx.op)));
    Bytes enc = tx.Serialize();
    EXPECT_EQ(enc[kOpTypeOffset], i + 1);
    EXPECT_EQ(enc.size(), tx.SerializeUnsigned().size() + 64);
    auto d = DecodeTransaction(enc);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    EXPECT_EQ(*d, tx);
    EXPECT_EQ(d->Serialize(), enc);
    EXPECT_EQ(d->Id(), tx.Id());

    // Every truncation fails; so does one extra byte.
    for (size_t n = 0; n < enc.size(); ++n) {
      EXPECT_FALSE(DecodeTransaction(ByteSpan(enc.data(), n)).ok()) << n;
    }
    Bytes longer = enc;
    longer.push_back(0);
    auto t = DecodeTransaction(longer);
    ASSERT_FALSE(t.ok());
    EXPECT_TRUE(t.status().IsInvalid());
    EXPECT_NE(t.status().reason().find("trailing"), std::string::npos);
  }
}

TEST(Transaction, ContractOpsRoundTrip) {
  ContractDeployOp deploy{Bytes(kMaxContractCodeSize, 0x5a), {}, 50'000};
  deploy.args = {uint64_t{7}, Bytes{1, 2, 3}, Bytes{}};
  for (Operation op : {Operation(deploy), Operation(ContractDeployOp{}), Operation(FullCall()),
                       Operation(ContractCallOp{H(9), "pay", {}, 0, {}, 1})}) {
    Transaction tx = MakeTx(op);
    SCOPED_TRACE(OpTypeName(TypeOf(tx.op)));
    const Bytes enc = tx.Serialize();
    EXPECT_EQ(enc[kOpTypeOffset], static_cast<uint8_t>(TypeOf(tx.op)));
    auto d = DecodeTransaction(enc);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    EXPECT_EQ(*d, tx);
    EXPECT_EQ(d->Serialize(), enc);
    for (size_t n = 0; n < enc.size(); n += (n < 256 ? 1 : 97)) {
      EXPECT_FALSE(DecodeTransaction(ByteSpan(enc.data(), n)).ok()) << n;
    }
  }
  EXPECT_EQ(TypeOf(Operation(ContractDeployOp{})), OpType::kContractDeploy);
  EXPECT_EQ(TypeOf(Operation(ContractCallOp{})), OpType::kContractCall);
  EXPECT_EQ(static_cast<int>(OpType::kContractDeploy), 11);
  EXPECT_EQ(static_cast<int>(OpType::kContractCall), 12);
}

// The layout of §3, byte for byte, for a call with one argument of each kind.
TEST(Transaction, ContractCallEncodingIsTheDocumentedOne) {
  const Transaction tx = MakeTx(ContractCallOp{H(9), "pay", {uint64_t{5}, Bytes{0xab}}, 3, {H(4)}, 9});
  const Bytes enc = tx.Serialize();
  Bytes want(enc.begin(), enc.begin() + kOpTypeOffset);
  want.push_back(12);
  const Hash256 contract = H(9);
  const Hash256 asset = H(4);
  want.insert(want.end(), contract.bytes.begin(), contract.bytes.end());
  want.insert(want.end(), {3, 'p', 'a', 'y', 2});
  want.insert(want.end(), {0, 5, 0, 0, 0, 0, 0, 0, 0});  // kind 0, u64 5
  want.insert(want.end(), {1, 1, 0xab});                 // kind 1, bytes(1) ab
  want.insert(want.end(), {3, 0, 0, 0, 0, 0, 0, 0, 1});  // coins 3, 1 asset
  want.insert(want.end(), asset.bytes.begin(), asset.bytes.end());
  want.insert(want.end(), {9, 0, 0, 0, 0, 0, 0, 0});      // gas_limit
  want.insert(want.end(), tx.signature.begin(), tx.signature.end());
  EXPECT_EQ(HexEncode(enc), HexEncode(want));
}

TEST(Transaction, ContractEncodingLimitsEnforced) {
  auto refusal = [](Operation op) {
    auto d = DecodeTransaction(MakeTx(std::move(op)).Serialize());
    return d.ok() ? std::string() : d.status().reason();
  };
  EXPECT_EQ(refusal(ContractDeployOp{Bytes(kMaxContractCodeSize, 1), {}, 0}), "");
  EXPECT_NE(refusal(ContractDeployOp{Bytes(kMaxContractCodeSize + 1, 1), {}, 0}), "");
  std::vector<ContractArg> args = FullArgs();
  EXPECT_EQ(refusal(ContractCallOp{H(1), "a", args, 0, {}, 1}), "");
  args.emplace_back(uint64_t{1});
  EXPECT_NE(refusal(ContractDeployOp{{}, args, 1}), "");
  EXPECT_NE(refusal(ContractCallOp{H(1), "a", args, 0, {}, 1}), "");
  EXPECT_NE(refusal(ContractCallOp{H(1), "a", {Bytes(kMaxContractArgBytes + 1, 0)}, 0, {}, 1}),
            "");
  EXPECT_EQ(refusal(ContractCallOp{H(1), std::string(kMaxContractEntryLen, 'a'), {}, 0, {}, 1}),
            "");
  EXPECT_NE(
      refusal(ContractCallOp{H(1), std::string(kMaxContractEntryLen + 1, 'a'), {}, 0, {}, 1}), "");
  EXPECT_NE(refusal(ContractCallOp{H(1), "a", {}, 0, Hashes(kMaxCallAssets + 1, 1), 1}), "");
}

TEST(Transaction, UnknownContractArgKindRejected) {
  for (Operation op : {Operation(ContractDeployOp{Bytes{1, 2}, {uint64_t{4}}, 1}),
                       Operation(ContractCallOp{H(9), "pay", {uint64_t{4}}, 0, {}, 1})}) {
    const Bytes enc = MakeTx(op).Serialize();
    // The argument list is the only place a 0x01 count is followed by kind 0 then u64 4.
    const Bytes arg = {1, 0, 4, 0, 0, 0, 0, 0, 0, 0};
    auto at = std::search(enc.begin() + kOpTypeOffset, enc.end(), arg.begin(), arg.end());
    ASSERT_NE(at, enc.end());
    const size_t kind = static_cast<size_t>(at - enc.begin()) + 1;
    for (uint8_t bad : {2, 3, 0x80, 0xff}) {
      Bytes b = enc;
      b[kind] = bad;
      auto d = DecodeTransaction(b);
      ASSERT_FALSE(d.ok()) << int(bad);
      EXPECT_NE(d.status().reason().find("unknown contract argument kind"), std::string::npos)
          << d.status().ToString();
    }
  }
}

TEST(Transaction, ContractIdIsTheDocumentedTaggedHash) {
  Writer w;
  w.Hash(H(1));
  w.Hash(H(2));
  w.U64(7);
  const AccountId id = ContractIdFor(H(1), H(2), 7);
  EXPECT_EQ(id, TaggedHash("Waybill/ContractId", w.bytes()));
  EXPECT_NE(ContractIdFor(H(3), H(2), 7), id);  // another chain
  EXPECT_NE(ContractIdFor(H(1), H(3), 7), id);  // another deployer
  EXPECT_NE(ContractIdFor(H(1), H(2), 8), id);  // another nonce
  // Not the id of an asset the same tx could create (another tag).
  EXPECT_NE(AssetIdFor(H(1), H(2), 7, 0), id);
  // A deploy creates no asset; a call creates none by itself (its code may: CallRecord).
  EXPECT_TRUE(NewAssetIds(MakeTx(ContractDeployOp{})).empty());
  EXPECT_TRUE(NewAssetIds(MakeTx(FullCall())).empty());
}

TEST(Transaction, EmptyListsRoundTrip) {
  for (Operation op :
       {Operation(AssetIssueOp{}), Operation(AssetMergeOp{{H(1), H(2)}, 0, "", {}, {}}),
        Operation(AssetAttestOp{})}) {
    Transaction tx = MakeTx(op);
    auto d = DecodeTransaction(tx.Serialize());
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    EXPECT_EQ(*d, tx);
  }
}

TEST(Transaction, OpNames) {
  EXPECT_STREQ(OpTypeName(OpType::kTransfer), "transfer");
  EXPECT_STREQ(OpTypeName(OpType::kAssetIssue), "asset.issue");
  EXPECT_STREQ(OpTypeName(OpType::kAssetTransfer), "asset.transfer");
  EXPECT_STREQ(OpTypeName(OpType::kAssetSplit), "asset.split");
  EXPECT_STREQ(OpTypeName(OpType::kAssetMerge), "asset.merge");
  EXPECT_STREQ(OpTypeName(OpType::kAssetAttest), "asset.attest");
  EXPECT_STREQ(OpTypeName(OpType::kAssetTransform), "asset.transform");
  EXPECT_STREQ(OpTypeName(OpType::kContractDeploy), "contract.deploy");
  EXPECT_STREQ(OpTypeName(OpType::kContractCall), "contract.call");
}

TEST(Transaction, IdCommitsToSignatureSigHashDoesNot) {
  Transaction tx = MakeTx(TransferOp{H(1), 10});
  Hash256 id = tx.Id();
  Hash256 sighash = tx.SigHash();
  tx.signature[63] ^= 1;
  EXPECT_NE(tx.Id(), id);
  EXPECT_EQ(tx.SigHash(), sighash);
  EXPECT_EQ(tx.Id(), TaggedHash(tags::kTxId, tx.Serialize()));
  EXPECT_EQ(tx.SigHash(), TaggedHash(tags::kTxSig, tx.SerializeUnsigned()));
  // Every signed field moves the sighash.
  Transaction other = tx;
  other.fee += 1;
  EXPECT_NE(other.SigHash(), sighash);
  other = tx;
  other.chain_id.bytes[0] ^= 1;
  EXPECT_NE(other.SigHash(), sighash);
  other = tx;
  other.nonce += 1;
  EXPECT_NE(other.SigHash(), sighash);
  other = tx;
  std::get<TransferOp>(other.op).amount += 1;
  EXPECT_NE(other.SigHash(), sighash);

  TxWithId with = MakeTxWithId(tx);
  EXPECT_EQ(with.id, tx.Id());
  EXPECT_EQ(with.size, tx.Serialize().size());
  EXPECT_EQ(with.tx, tx);
}

TEST(Transaction, UnknownOpTypeRejected) {
  Bytes enc = MakeTx(TransferOp{H(1), 10}).Serialize();
  for (uint8_t bad : {0, 13, 0x80, 0xff}) {
    Bytes b = enc;
    b[kOpTypeOffset] = bad;
    auto d = DecodeTransaction(b);
    ASSERT_FALSE(d.ok()) << int(bad);
    EXPECT_TRUE(d.status().IsInvalid());
    EXPECT_NE(d.status().reason().find("unknown operation type"), std::string::npos)
        << d.status().ToString();
  }
}

TEST(Transaction, WrongVersionRejected) {
  Transaction tx = MakeTx(TransferOp{H(1), 10});
  ASSERT_EQ(kTxVersion, 2);
  ASSERT_TRUE(DecodeTransaction(tx.Serialize()).ok());
  // Version 1 (protocol 1's txs) is undecodable like any other version.
  for (uint16_t v : {0, 1, 3, 0x100, 0x102, 0xffff}) {
    tx.version = v;
    auto d = DecodeTransaction(tx.Serialize());
    ASSERT_FALSE(d.ok()) << v;
    EXPECT_NE(d.status().reason().find("version"), std::string::npos) << d.status().ToString();
  }
}

TEST(Transaction, OversizeRejected) {
  Bytes enc = MakeTx(TransferOp{H(1), 10}).Serialize();
  Bytes big(kMaxTxSize + 1, 0);
  std::copy(enc.begin(), enc.end(), big.begin());
  auto d = DecodeTransaction(big);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().reason().find("exceeds"), std::string::npos) << d.status().ToString();
}

TEST(Transaction, EncodingLimitsEnforced) {
  auto rejects = [](Operation op) {
    auto d = DecodeTransaction(MakeTx(std::move(op)).Serialize());
    return !d.ok() && d.status().IsInvalid();
  };
  AssetIssueOp issue;
  issue.unit = std::string(kMaxUnitLen + 1, 'u');
  EXPECT_TRUE(rejects(issue));
  issue = AssetIssueOp{};
  issue.metadata.resize(kMaxMetadataEntries + 1);
  EXPECT_TRUE(rejects(issue));
  issue = AssetIssueOp{};
  issue.metadata = {{std::string(kMaxMetadataKeyLen + 1, 'k'), "v"}};
  EXPECT_TRUE(rejects(issue));
  issue = AssetIssueOp{};
  issue.metadata = {{"k", std::string(kMaxMetadataValueLen + 1, 'v')}};
  EXPECT_TRUE(rejects(issue));
  issue = AssetIssueOp{};
  issue.documents.resize(kMaxDocuments + 1);
  EXPECT_TRUE(rejects(issue));

  EXPECT_TRUE(rejects(AssetSplitOp{H(1), SplitChildren({5})}));
  EXPECT_TRUE(rejects(AssetSplitOp{H(1), SplitChildren(std::vector<Quantity>(kMaxSplitParts + 1, 1))}));
  EXPECT_FALSE(rejects(AssetSplitOp{H(1), SplitChildren({5, 6})}));
  AssetSplitOp labeled{H(1), SplitChildren({5, 6})};
  labeled.children[1].metadata = FullChildMetadata();
  EXPECT_FALSE(rejects(labeled));
  labeled.children[1].metadata.push_back({"zz", "v"});  // one entry more than a child may have
  EXPECT_TRUE(rejects(labeled));

  EXPECT_TRUE(rejects(AssetMergeOp{{H(1)}, 1, "kg", {}, {}}));
  EXPECT_TRUE(rejects(AssetMergeOp{Hashes(kMaxMergeInputs + 1, 1), 1, "kg", {}, {}}));

  EXPECT_TRUE(rejects(AssetAttestOp{H(1), std::string(kMaxClaimLen + 1, 'c'), "", {}}));
  EXPECT_TRUE(rejects(AssetAttestOp{H(1), "c", std::string(kMaxClaimValueLen + 1, 'v'), {}}));
}

TEST(Transaction, NonCanonicalLengthRejected) {
  Transaction tx = MakeTx(AssetIssueOp{5, "kg", {}, {}});
  Bytes enc = tx.Serialize();
  const size_t unit_len = kOpTypeOffset + 1 + 8;
  ASSERT_EQ(enc[unit_len], 2);
  enc[unit_len] = 0xfd;
  enc.insert(enc.begin() + unit_len + 1, {0x02, 0x00});
  auto d = DecodeTransaction(enc);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().reason().find("non-canonical"), std::string::npos);
}

TEST(Transaction, SingleByteMutationsDecodeStrictlyOrFail) {
  // Any decodable mutation must re-encode to exactly its bytes (one encoding per tx).
  Bytes enc = MakeTx(AllOps()[4]).Serialize();
  for (size_t i = 0; i < enc.size(); i += 3) {
    for (uint8_t x : {0x01, 0x80, 0xff}) {
      Bytes b = enc;
      b[i] ^= x;
      auto d = DecodeTransaction(b);
      if (d.ok()) {
        EXPECT_EQ(d->Serialize(), b) << i;
      }
    }
  }
}

TEST(Transaction, SignAndVerify) {
  auto key = SecretKey::FromBytes(H(42).span());
  ASSERT_TRUE(key.has_value());
  Transaction tx = MakeTx(AllOps()[1]);
  tx.sender = key->PublicKey();
  tx.Sign(*key);
  EXPECT_TRUE(tx.VerifySignature());
  auto d = DecodeTransaction(tx.Serialize());
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->VerifySignature());

  Transaction t = tx;
  t.fee += 1;
  EXPECT_FALSE(t.VerifySignature());
  t = tx;
  t.chain_id.bytes[31] ^= 1;  // another network
  EXPECT_FALSE(t.VerifySignature());
  t = tx;
  t.signature[0] ^= 1;
  EXPECT_FALSE(t.VerifySignature());
  t = tx;
  t.sender = SecretKey::Generate().PublicKey();
  EXPECT_FALSE(t.VerifySignature());

  // Signing again (fresh randomness) still verifies and keeps the sighash.
  Hash256 sighash = tx.SigHash();
  Transaction again = tx;
  again.Sign(*key);
  EXPECT_TRUE(again.VerifySignature());
  EXPECT_EQ(again.SigHash(), sighash);
}

TEST(Transaction, AssetIdsAreDistinct) {
  const Hash256 chain = H(9);
  EXPECT_NE(AssetIdFor(chain, H(1), 0, 0), AssetIdFor(chain, H(1), 0, 1));
  EXPECT_NE(AssetIdFor(chain, H(1), 0, 0), AssetIdFor(chain, H(1), 1, 0));
  EXPECT_NE(AssetIdFor(chain, H(1), 0, 0), AssetIdFor(chain, H(2), 0, 0));
  EXPECT_EQ(AssetIdFor(chain, H(1), 5, 2), AssetIdFor(chain, H(1), 5, 2));
}

// The preimage of docs/PROTOCOL.md §2, built byte by byte here and hashed with plain SHA-256
// (tagged_hash(tag, m) = SHA-256(SHA-256(tag) || SHA-256(tag) || m)), not with the code under
// test's Writer or TaggedHash.
Hash256 IndependentAssetId(const Hash256& chain, const Hash256& sender, uint64_t nonce,
                           uint32_t index) {
  const std::string tag = "Waybill/AssetId";
  const Hash256 tag_hash = Sha256Hash(ByteSpan(reinterpret_cast<const uint8_t*>(tag.data()),
                                               tag.size()));
  Bytes pre(tag_hash.bytes.begin(), tag_hash.bytes.end());
  pre.insert(pre.end(), tag_hash.bytes.begin(), tag_hash.bytes.end());
  pre.insert(pre.end(), chain.bytes.begin(), chain.bytes.end());
  pre.insert(pre.end(), sender.bytes.begin(), sender.bytes.end());
  for (int i = 0; i < 8; ++i) pre.push_back(static_cast<uint8_t>(nonce >> (8 * i)));
  for (int i = 0; i < 4; ++i) pre.push_back(static_cast<uint8_t>(index >> (8 * i)));
  return Sha256Hash(pre);
}

TEST(Transaction, AssetIdsDependOnTheChain) {
  const Hash256 devnet = H(9);
  const Hash256 testnet = H(10);
  EXPECT_NE(AssetIdFor(devnet, H(1), 7, 0), AssetIdFor(testnet, H(1), 7, 0));
  EXPECT_EQ(AssetIdFor(devnet, H(1), 7, 0), IndependentAssetId(devnet, H(1), 7, 0));
  EXPECT_EQ(AssetIdFor(testnet, H(1), 7, 0), IndependentAssetId(testnet, H(1), 7, 0));
  EXPECT_EQ(AssetIdFor(testnet, H(3), 0x0102030405060708, 0x0a0b0c0d),
            IndependentAssetId(testnet, H(3), 0x0102030405060708, 0x0a0b0c0d));

  // NewAssetIds takes the chain id from the tx.
  Transaction tx;
  tx.sender = H(1);
  tx.nonce = 7;
  tx.op = AssetSplitOp{H(4), SplitChildren({1, 2})};
  tx.chain_id = devnet;
  const std::vector<Hash256> on_devnet = NewAssetIds(tx);
  tx.chain_id = testnet;
  const std::vector<Hash256> on_testnet = NewAssetIds(tx);
  EXPECT_EQ(on_devnet, (std::vector<Hash256>{IndependentAssetId(devnet, H(1), 7, 0),
                                             IndependentAssetId(devnet, H(1), 7, 1)}));
  EXPECT_EQ(on_testnet, (std::vector<Hash256>{IndependentAssetId(testnet, H(1), 7, 0),
                                              IndependentAssetId(testnet, H(1), 7, 1)}));
}

// --- Properties over random values and random bytes (fixed seed, bounded counts) ---

class Random : public testing::RandomValues {
 public:
  using RandomValues::RandomValues;

  Operation Op() {
    switch (Between(0, 8)) {
      case 0:
        return TransferOp{Hash(), U64()};
      case 1:
        return AssetIssueOp{U64(), String(kMaxUnitLen), Metadata(), Hashes(0, kMaxDocuments)};
      case 2:
        return AssetTransferOp{Hash(), Hash()};
      case 3: {
        // Up to 64 children with short metadata, so that every random tx fits kMaxTxSize.
        AssetSplitOp op{Hash(), std::vector<SplitChild>(Between(kMinSplitParts, 64))};
        for (SplitChild& child : op.children) {
          child.quantity = U64();
          child.metadata.resize(Between(0, kMaxSplitChildMetadata));
          for (auto& e : child.metadata) e = {String(16), String(32)};
        }
        return op;
      }
      case 4:
        return AssetMergeOp{Hashes(kMinMergeInputs, kMaxMergeInputs), U64(), String(kMaxUnitLen),
                            Metadata(), Hashes(0, kMaxDocuments)};
      case 5:
        return AssetAttestOp{Hash(), String(kMaxClaimLen), String(kMaxClaimValueLen), Hash()};
      case 7: {
        ContractDeployOp op{Data(4096), Args(), U64()};
        return op;
      }
      case 8:
        return ContractCallOp{Hash(), String(kMaxContractEntryLen), Args(), U64(),
                              Hashes(0, kMaxCallAssets), U64()};
      default: {
        AssetTransformOp op{Hashes(kMinTransformInputs, kMaxTransformInputs), {}};
        op.outputs.resize(Between(kMinTransformOutputs, kMaxTransformOutputs));
        // Metadata on the first output only: 16 full maps would pass kMaxTxSize.
        for (auto& o : op.outputs) {
          o = TransformOutput{U64(), String(kMaxUnitLen), {}, Hashes(0, kMaxDocuments)};
        }
        op.outputs.front().metadata = Metadata();
        return op;
      }
    }
  }
  // Up to 16 arguments of either kind; bytes of at most 256, so every random tx fits.
  std::vector<ContractArg> Args() {
    std::vector<ContractArg> args(Between(0, kMaxContractArgs));
    for (ContractArg& a : args) {
      if (Between(0, 1) == 0) {
        a = U64();
      } else {
        a = Data(256);
      }
    }
    return args;
  }
  Transaction Tx() {
    Transaction tx;
    tx.chain_id = Hash();
    tx.sender = Hash();
    tx.nonce = U64();
    tx.fee = U64();
    tx.op = Op();
    for (auto& b : tx.signature) b = static_cast<uint8_t>(U64());
    return tx;
  }
  BlockHeader Header() {
    BlockHeader h;
    h.version = U32();
    h.prev = Hash();
    h.merkle_root = Hash();
    h.miner = Hash();
    h.time = U32();
    h.bits = U32();
    h.nonce = U64();
    return h;
  }
};

// Cut points to try on an encoding of n bytes: the ends and a few in between.
std::vector<size_t> Cuts(Random& rnd, size_t n) {
  std::vector<size_t> cuts = {0, n - 1};
  for (int i = 0; i < 8; ++i) cuts.push_back(rnd.Between(0, n - 1));
  return cuts;
}

constexpr uint64_t kSeed = 0x5761796269'6c6cULL;  // fixed: a failure reproduces

TEST(TxProperties, EncodeThenDecodeGivesTheTxBack) {
  Random rnd(kSeed);
  for (int i = 0; i < 400; ++i) {
    const Transaction tx = rnd.Tx();
    const Bytes enc = tx.Serialize();
    auto d = DecodeTransaction(enc);
    ASSERT_TRUE(d.ok()) << i << ": " << d.status().ToString();
    EXPECT_EQ(*d, tx) << i;
    EXPECT_EQ(d->Serialize(), enc) << i;
    // The id and size describe exactly these bytes.
    const TxWithId txw = MakeTxWithId(tx);
    EXPECT_EQ(txw.size, enc.size());
    EXPECT_EQ(txw.id, tx.Id());
    EXPECT_LE(enc.size(), kMaxTxSize);
    // The fixed fields come first, then the op type.
    EXPECT_EQ(enc[kOpTypeOffset], static_cast<uint8_t>(TypeOf(tx.op)));
    // No truncation decodes, and neither does one byte more.
    for (size_t n : Cuts(rnd, enc.size())) {
      EXPECT_FALSE(DecodeTransaction(ByteSpan(enc.data(), n)).ok()) << i << " cut at " << n;
    }
    Bytes longer = enc;
    longer.push_back(static_cast<uint8_t>(rnd.U64()));
    EXPECT_FALSE(DecodeTransaction(longer).ok()) << i;
  }
}

TEST(TxProperties, BytesThatDecodeAreTheCanonicalEncoding) {
  // Random bytes and mutated encodings: whatever decodes re-encodes to exactly its input (one
  // encoding per tx, so ids cannot be malleated), and decodes again to the same tx.
  Random rnd(kSeed + 1);
  int decoded = 0;
  for (int i = 0; i < 3000; ++i) {
    Bytes data = i % 3 == 0 ? rnd.Data(400) : rnd.Mutate(rnd.Tx().Serialize());
    if (i % 3 == 0 && data.size() >= 2) {
      data[0] = static_cast<uint8_t>(kTxVersion);  // so that random bytes get past it
      data[1] = static_cast<uint8_t>(kTxVersion >> 8);
    }
    auto d = DecodeTransaction(data);
    if (!d.ok()) {
      EXPECT_TRUE(d.status().IsInvalid()) << i << ": " << d.status().ToString();
      continue;
    }
    ++decoded;
    EXPECT_EQ(d->Serialize(), data) << i;
    EXPECT_EQ(MakeTxWithId(*d).size, data.size()) << i;
  }
  // The property was exercised, not skipped: most single-field mutations still decode.
  EXPECT_GT(decoded, 1000);
}

TEST(BlockProperties, EncodeThenDecodeGivesTheBlockBack) {
  Random rnd(kSeed + 2);
  for (int i = 0; i < 60; ++i) {
    Block block;
    block.header = rnd.Header();
    for (size_t n = rnd.Between(0, 6); n > 0; --n) block.txs.push_back(rnd.Tx());
    const Bytes enc = block.Serialize();
    auto d = DecodeBlock(enc);
    ASSERT_TRUE(d.ok()) << i << ": " << d.status().ToString();
    EXPECT_EQ(d->block, block);
    EXPECT_EQ(d->block.Serialize(), enc);
    EXPECT_EQ(d->size, enc.size());
    ASSERT_EQ(d->txids.size(), block.txs.size());
    size_t body = 0;
    for (size_t t = 0; t < block.txs.size(); ++t) {
      EXPECT_EQ(d->txids[t], block.txs[t].Id());
      body += d->tx_sizes.at(t);
    }
    // Header, the tx count, and each tx with its length prefix (1, 3 or 5 bytes: a tx is at
    // most 64 KiB): nothing else.
    EXPECT_GE(enc.size(), kHeaderSize + 1 + body + block.txs.size());
    EXPECT_LE(enc.size(), kHeaderSize + 1 + body + 5 * block.txs.size());
    auto h = DecodeHeader(ByteSpan(enc.data(), kHeaderSize));
    ASSERT_TRUE(h.ok());
    EXPECT_EQ(*h, block.header);
    EXPECT_EQ(h->Id(), Sha256dHash(ByteSpan(enc.data(), kHeaderSize)));
    for (size_t n : Cuts(rnd, enc.size())) {
      EXPECT_FALSE(DecodeBlock(ByteSpan(enc.data(), n)).ok()) << i << " cut at " << n;
    }
    for (size_t n : Cuts(rnd, kHeaderSize)) {
      EXPECT_FALSE(DecodeHeader(ByteSpan(enc.data(), n)).ok()) << i << " cut at " << n;
    }
  }
}

TEST(BlockProperties, BytesThatDecodeAreTheCanonicalEncoding) {
  Random rnd(kSeed + 3);
  int decoded = 0;
  for (int i = 0; i < 600; ++i) {
    Block block;
    block.header = rnd.Header();
    for (size_t n = rnd.Between(0, 3); n > 0; --n) block.txs.push_back(rnd.Tx());
    const Bytes data = i % 4 == 0 ? rnd.Data(600) : rnd.Mutate(block.Serialize());
    auto d = DecodeBlock(data);
    if (!d.ok()) continue;
    ++decoded;
    EXPECT_EQ(d->block.Serialize(), data) << i;
    EXPECT_EQ(d->size, data.size()) << i;
    ASSERT_EQ(d->txids.size(), d->block.txs.size());
    for (size_t t = 0; t < d->block.txs.size(); ++t) EXPECT_EQ(d->txids[t], d->block.txs[t].Id());
  }
  EXPECT_GT(decoded, 200);
}

BlockHeader MakeHeader() {
  BlockHeader h;
  h.version = kHeaderVersion;
  h.prev = H(1);
  h.merkle_root = H(2);
  h.miner = H(3);
  h.time = 1'700'000'000;
  h.bits = 0x1d00ffff;
  h.nonce = 0xdeadbeefcafef00d;
  return h;
}

TEST(Block, HeaderRoundTrip) {
  BlockHeader h = MakeHeader();
  auto bytes = h.Serialize();
  static_assert(sizeof(bytes) == kHeaderSize);
  auto d = DecodeHeader(bytes);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(*d, h);
  EXPECT_EQ(h.Id(), Sha256dHash(bytes));
  // The nonce is the last 8 bytes, little-endian.
  EXPECT_EQ(bytes[kHeaderSize - 8], 0x0d);
  EXPECT_EQ(bytes[kHeaderSize - 1], 0xde);

  EXPECT_FALSE(DecodeHeader(ByteSpan(bytes.data(), kHeaderSize - 1)).ok());
  Bytes longer(bytes.begin(), bytes.end());
  longer.push_back(0);
  EXPECT_FALSE(DecodeHeader(longer).ok());
  BlockHeader other = h;
  other.nonce += 1;
  EXPECT_NE(other.Id(), h.Id());
}

TEST(Block, RoundTripWithSeveralTxs) {
  Block block;
  block.header = MakeHeader();
  for (const auto& op : AllOps()) block.txs.push_back(MakeTx(op));
  block.txs[0].nonce = 99;
  Bytes enc = block.Serialize();
  auto d = DecodeBlock(enc);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->block, block);
  EXPECT_EQ(d->size, enc.size());
  ASSERT_EQ(d->txids.size(), block.txs.size());
  for (size_t i = 0; i < block.txs.size(); ++i) EXPECT_EQ(d->txids[i], block.txs[i].Id());
  EXPECT_EQ(d->block.Serialize(), enc);
  // What the decoder records so that validation need not encode again.
  EXPECT_EQ(d->encoded, enc);
  ASSERT_EQ(d->tx_sizes.size(), block.txs.size());
  for (size_t i = 0; i < block.txs.size(); ++i) {
    EXPECT_EQ(d->tx_sizes[i], block.txs[i].Serialize().size()) << i;
  }

  // No txs at all.
  Block empty;
  empty.header = MakeHeader();
  auto de = DecodeBlock(empty.Serialize());
  ASSERT_TRUE(de.ok()) << de.status().ToString();
  EXPECT_TRUE(de->block.txs.empty());
  EXPECT_TRUE(de->tx_sizes.empty());
  EXPECT_EQ(de->encoded, empty.Serialize());

  // Truncations and a trailing byte fail.
  for (size_t n : {size_t{0}, kHeaderSize, kHeaderSize + 1, enc.size() / 2, enc.size() - 1}) {
    EXPECT_FALSE(DecodeBlock(ByteSpan(enc.data(), n)).ok()) << n;
  }
  Bytes longer = enc;
  longer.push_back(0);
  EXPECT_FALSE(DecodeBlock(longer).ok());

  // The size limit is enforced.
  auto small = DecodeBlock(enc, enc.size() - 1);
  ASSERT_FALSE(small.ok());
  EXPECT_NE(small.status().reason().find("exceeds"), std::string::npos);
  EXPECT_TRUE(DecodeBlock(enc, enc.size()).ok());
}

TEST(Block, TxCountBeyondDataFailsCleanly) {
  Block block;
  block.header = MakeHeader();
  block.txs.push_back(MakeTx(TransferOp{H(1), 1}));
  Bytes enc = block.Serialize();
  ASSERT_EQ(enc[kHeaderSize], 1);

  // A count the data cannot hold: small, large and the largest CompactSize.
  for (uint64_t count : {uint64_t{2}, uint64_t{1000}, uint64_t{0xffffffff}, UINT64_MAX}) {
    SCOPED_TRACE(count);
    Writer w;
    w.Raw(ByteSpan(enc.data(), kHeaderSize));
    w.CompactSize(count);
    w.Raw(ByteSpan(enc.data() + kHeaderSize + 1, enc.size() - kHeaderSize - 1));
    auto d = DecodeBlock(w.bytes());
    ASSERT_FALSE(d.ok());
    EXPECT_TRUE(d.status().IsInvalid());
  }

  // A tx whose length prefix claims more than the block holds.
  Bytes bad = enc;
  bad[kHeaderSize + 1] = 0xfd;  // the tx length becomes 3 bytes reading into the tx
  EXPECT_FALSE(DecodeBlock(bad).ok());

  // A tx that does not decode inside a well-framed block.
  Block broken = block;
  Bytes framed = broken.Serialize();
  framed[kHeaderSize + 1 + 1 + kOpTypeOffset] = 0x42;  // count, tx length, then the op type
  auto d = DecodeBlock(framed);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().reason().find("tx 0"), std::string::npos) << d.status().ToString();
}

}  // namespace
}  // namespace waybill::chain
