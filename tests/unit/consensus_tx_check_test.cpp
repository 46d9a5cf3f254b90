#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "chain/amount.h"
#include "chain/tx.h"
#include "consensus/tx_check.h"

namespace waybill::consensus {
namespace {

using chain::AssetAttestOp;
using chain::AssetIssueOp;
using chain::AssetMergeOp;
using chain::AssetSplitOp;
using chain::AssetTransferOp;
using chain::Hash256;
using chain::MetadataEntry;
using chain::Transaction;
using chain::TransferOp;

Hash256 H(uint8_t b) {
  Hash256 h;
  h.bytes.fill(b);
  return h;
}

Transaction Tx(chain::Operation op) {
  Transaction tx;
  tx.sender = H(1);
  tx.fee = 1000;
  tx.op = std::move(op);
  return tx;
}

AssetIssueOp Issue() {
  AssetIssueOp op;
  op.quantity = 1200;
  op.unit = "kg";
  op.metadata = {{"gtin", "09506000134352"}, {"lot", "L-2024-17"}, {"origin", "Côte d'Ivoire"}};
  op.documents = {H(9)};
  return op;
}

AssetMergeOp Merge() {
  AssetMergeOp op;
  op.inputs = {H(2), H(3)};
  op.quantity = 10;
  op.unit = "pallet";
  return op;
}

// The reason of CheckTransaction, or "valid".
std::string Check(const Transaction& tx) {
  ValidationResult r = CheckTransaction(tx);
  EXPECT_FALSE(r.error());
  return r.valid() ? "valid" : r.reason();
}

std::string CheckIssueMetadata(std::vector<MetadataEntry> md) {
  AssetIssueOp op = Issue();
  op.metadata = std::move(md);
  return Check(Tx(op));
}

std::string CheckValue(const std::string& value) { return CheckIssueMetadata({{"k", value}}); }

std::string CheckUnit(const std::string& unit) {
  AssetIssueOp op = Issue();
  op.unit = unit;
  return Check(Tx(op));
}

TEST(TxCheck, ValidOperations) {
  EXPECT_EQ(Check(Tx(TransferOp{H(2), 1})), "valid");
  EXPECT_EQ(Check(Tx(TransferOp{H(2), chain::kMaxAmount})), "valid");
  EXPECT_EQ(Check(Tx(Issue())), "valid");
  EXPECT_EQ(Check(Tx(AssetTransferOp{H(2), H(3)})), "valid");
  EXPECT_EQ(Check(Tx(AssetSplitOp{H(2), chain::SplitChildren({1, UINT64_MAX})})), "valid");
  EXPECT_EQ(Check(Tx(Merge())), "valid");
  EXPECT_EQ(Check(Tx(AssetAttestOp{H(2), "temperature.max", "4.2 °C", H(5)})), "valid");
  EXPECT_EQ(Check(Tx(AssetAttestOp{H(2), "ok", "", Hash256{}})), "valid");
}

TEST(TxCheck, Version) {
  Transaction tx = Tx(TransferOp{H(2), 1});
  EXPECT_EQ(Check(tx), "valid");
  for (uint16_t v : {0, 1, 3}) {
    tx.version = v;
    EXPECT_EQ(Check(tx), "bad-version") << v;
  }
}

TEST(TxCheck, Amount) {
  EXPECT_EQ(Check(Tx(TransferOp{H(2), 0})), "bad-amount");
  EXPECT_EQ(Check(Tx(TransferOp{H(2), chain::kMaxAmount + 1})), "bad-amount");
  EXPECT_EQ(Check(Tx(TransferOp{H(2), UINT64_MAX})), "bad-amount");
}

TEST(TxCheck, Fee) {
  Transaction tx = Tx(TransferOp{H(2), 1});
  tx.fee = 0;
  EXPECT_EQ(Check(tx), "valid");  // the minimum fee depends on params: the state transition
  tx.fee = chain::kMaxAmount;
  EXPECT_EQ(Check(tx), "valid");
  tx.fee = chain::kMaxAmount + 1;
  EXPECT_EQ(Check(tx), "bad-fee");
}

TEST(TxCheck, Quantity) {
  AssetIssueOp issue = Issue();
  issue.quantity = 0;
  EXPECT_EQ(Check(Tx(issue)), "bad-quantity");
  issue.quantity = UINT64_MAX;
  EXPECT_EQ(Check(Tx(issue)), "valid");
  AssetMergeOp merge = Merge();
  merge.quantity = 0;
  EXPECT_EQ(Check(Tx(merge)), "bad-quantity");
}

TEST(TxCheck, Unit) {
  EXPECT_EQ(CheckUnit("t"), "valid");
  EXPECT_EQ(CheckUnit("!~"), "valid");
  EXPECT_EQ(CheckUnit(std::string(16, 'x')), "valid");
  EXPECT_EQ(CheckUnit(""), "bad-unit");
  EXPECT_EQ(CheckUnit(std::string(17, 'x')), "bad-unit");
  EXPECT_EQ(CheckUnit("metric ton"), "bad-unit");  // 0x20
  EXPECT_EQ(CheckUnit("kg\x7f"), "bad-unit");
  EXPECT_EQ(CheckUnit("kg\t"), "bad-unit");
  EXPECT_EQ(CheckUnit("\xc2\xb5g"), "bad-unit");  // µg: not ASCII
  AssetMergeOp merge = Merge();
  merge.unit = "";
  EXPECT_EQ(Check(Tx(merge)), "bad-unit");
}

TEST(TxCheck, MetadataKeys) {
  EXPECT_EQ(CheckIssueMetadata({}), "valid");
  EXPECT_EQ(CheckIssueMetadata({{"a-b", ""}, {"a.b", ""}, {"a_b", ""}, {"b", ""}, {"b0", ""}}),
            "valid");
  EXPECT_EQ(CheckIssueMetadata({{std::string(32, 'z'), "v"}}), "valid");
  EXPECT_EQ(CheckIssueMetadata({{"", "v"}}), "bad-metadata");
  EXPECT_EQ(CheckIssueMetadata({{std::string(33, 'z'), "v"}}), "bad-metadata");
  EXPECT_EQ(CheckIssueMetadata({{"GTIN", "v"}}), "bad-metadata");  // uppercase
  EXPECT_EQ(CheckIssueMetadata({{"Lot", "v"}}), "bad-metadata");
  EXPECT_EQ(CheckIssueMetadata({{"lot no", "v"}}), "bad-metadata");
  EXPECT_EQ(CheckIssueMetadata({{"lot/no", "v"}}), "bad-metadata");
  EXPECT_EQ(CheckIssueMetadata({{"lot", "1"}, {"gtin", "2"}}), "bad-metadata");  // unsorted
  EXPECT_EQ(CheckIssueMetadata({{"lot", "1"}, {"lot", "1"}}), "bad-metadata");   // duplicate
  EXPECT_EQ(CheckIssueMetadata({{"a.b", "1"}, {"a-b", "1"}}), "bad-metadata");   // '.' > '-'
  std::vector<MetadataEntry> many;
  for (char c = 'a'; c < 'a' + 17; ++c) many.push_back({std::string(1, c), ""});
  EXPECT_EQ(CheckIssueMetadata(many), "bad-metadata");
  many.pop_back();
  EXPECT_EQ(CheckIssueMetadata(many), "valid");
  AssetMergeOp merge = Merge();
  merge.metadata = {{"b", ""}, {"a", ""}};
  EXPECT_EQ(Check(Tx(merge)), "bad-metadata");
}

TEST(TxCheck, MetadataValuesUtf8) {
  EXPECT_EQ(CheckValue(""), "valid");
  EXPECT_EQ(CheckValue(std::string(256, 'v')), "valid");
  EXPECT_EQ(CheckValue(std::string(257, 'v')), "bad-metadata");
  EXPECT_EQ(CheckValue("caf\xc3\xa9"), "valid");       // é, 2 bytes
  EXPECT_EQ(CheckValue("\xc2\x80"), "valid");          // U+0080, smallest 2-byte
  EXPECT_EQ(CheckValue("\xe2\x82\xac"), "valid");      // €, 3 bytes
  EXPECT_EQ(CheckValue("\xe0\xa0\x80"), "valid");      // U+0800, smallest 3-byte
  EXPECT_EQ(CheckValue("\xed\x9f\xbf"), "valid");      // U+D7FF, below surrogates
  EXPECT_EQ(CheckValue("\xee\x80\x80"), "valid");      // U+E000, above surrogates
  EXPECT_EQ(CheckValue("\xef\xbf\xbf"), "valid");      // U+FFFF
  EXPECT_EQ(CheckValue("\xf0\x9f\x8d\x8c"), "valid");  // 🍌, 4 bytes
  EXPECT_EQ(CheckValue("\xf0\x90\x80\x80"), "valid");  // U+10000
  EXPECT_EQ(CheckValue("\xf4\x8f\xbf\xbf"), "valid");  // U+10FFFF
  // Overlong forms.
  EXPECT_EQ(CheckValue("\xc0\x80"), "bad-metadata");
  EXPECT_EQ(CheckValue("\xc1\xbf"), "bad-metadata");
  EXPECT_EQ(CheckValue("\xe0\x80\x80"), "bad-metadata");
  EXPECT_EQ(CheckValue("\xe0\x9f\xbf"), "bad-metadata");
  EXPECT_EQ(CheckValue("\xf0\x80\x80\x80"), "bad-metadata");
  EXPECT_EQ(CheckValue("\xf0\x8f\xbf\xbf"), "bad-metadata");
  // Surrogates.
  EXPECT_EQ(CheckValue("\xed\xa0\x80"), "bad-metadata");
  EXPECT_EQ(CheckValue("\xed\xbf\xbf"), "bad-metadata");
  // Above U+10FFFF.
  EXPECT_EQ(CheckValue("\xf4\x90\x80\x80"), "bad-metadata");
  EXPECT_EQ(CheckValue("\xf5\x80\x80\x80"), "bad-metadata");
  EXPECT_EQ(CheckValue("\xff"), "bad-metadata");
  // Truncated sequences and stray continuation bytes.
  EXPECT_EQ(CheckValue("\xc3"), "bad-metadata");
  EXPECT_EQ(CheckValue("caf\xc3"), "bad-metadata");
  EXPECT_EQ(CheckValue("\xe2\x82"), "bad-metadata");
  EXPECT_EQ(CheckValue("\xf0\x9f\x8d"), "bad-metadata");
  EXPECT_EQ(CheckValue("\x80"), "bad-metadata");
  EXPECT_EQ(CheckValue("\xe2\x28\xac"), "bad-metadata");
  EXPECT_EQ(CheckValue("\xf0\x9f\x8d\x28"), "bad-metadata");
}

TEST(TxCheck, MetadataValuesControlCharacters) {
  EXPECT_EQ(CheckValue(" !~"), "valid");
  EXPECT_EQ(CheckValue(std::string("a\0b", 3)), "bad-metadata");
  EXPECT_EQ(CheckValue("a\x01"), "bad-metadata");
  EXPECT_EQ(CheckValue("line\nbreak"), "bad-metadata");
  EXPECT_EQ(CheckValue("tab\there"), "bad-metadata");
  EXPECT_EQ(CheckValue("\x1f"), "bad-metadata");
  EXPECT_EQ(CheckValue("del\x7f"), "bad-metadata");
}

TEST(TxCheck, Documents) {
  AssetIssueOp op = Issue();
  op.documents.assign(chain::kMaxDocuments, H(7));
  EXPECT_EQ(Check(Tx(op)), "valid");
  op.documents.push_back(H(7));
  EXPECT_EQ(Check(Tx(op)), "bad-documents");
}

TEST(TxCheck, Split) {
  EXPECT_EQ(Check(Tx(AssetSplitOp{H(2), chain::SplitChildren({0, 5})})), "bad-split");
  EXPECT_EQ(Check(Tx(AssetSplitOp{H(2), chain::SplitChildren({5, 0})})), "bad-split");
  EXPECT_EQ(Check(Tx(AssetSplitOp{H(2), chain::SplitChildren({5})})), "bad-split");
  const std::vector<uint64_t> most(chain::kMaxSplitParts, 1);
  EXPECT_EQ(Check(Tx(AssetSplitOp{H(2), chain::SplitChildren(most)})), "valid");
  std::vector<uint64_t> too_many = most;
  too_many.push_back(1);
  EXPECT_EQ(Check(Tx(AssetSplitOp{H(2), chain::SplitChildren(too_many)})), "bad-split");
}

TEST(TxCheck, MergeInputs) {
  AssetMergeOp op = Merge();
  op.inputs = {H(2), H(3), H(2)};
  EXPECT_EQ(Check(Tx(op)), "bad-merge-inputs");
  op.inputs = {H(2), H(2)};
  EXPECT_EQ(Check(Tx(op)), "bad-merge-inputs");
  op.inputs = {H(2)};
  EXPECT_EQ(Check(Tx(op)), "bad-merge-inputs");
  op.inputs.clear();
  for (uint8_t i = 0; i < 16; ++i) op.inputs.push_back(H(i));
  EXPECT_EQ(Check(Tx(op)), "valid");
  op.inputs.push_back(H(16));
  EXPECT_EQ(Check(Tx(op)), "bad-merge-inputs");
}

TEST(TxCheck, Claim) {
  auto check = [](std::string claim, std::string value) {
    return Check(Tx(AssetAttestOp{H(2), std::move(claim), std::move(value), Hash256{}}));
  };
  EXPECT_EQ(check(std::string(32, 'c'), "v"), "valid");
  EXPECT_EQ(check("", "v"), "bad-claim");
  EXPECT_EQ(check(std::string(33, 'c'), "v"), "bad-claim");
  EXPECT_EQ(check("Temperature", "v"), "bad-claim");
  EXPECT_EQ(check("temp max", "v"), "bad-claim");
  EXPECT_EQ(check("temp", std::string(256, 'v')), "valid");
  EXPECT_EQ(check("temp", std::string(257, 'v')), "bad-claim");
  EXPECT_EQ(check("temp", "\xc0\xaf"), "bad-claim");
  EXPECT_EQ(check("temp", "4\n5"), "bad-claim");
}

TEST(TxCheck, ValidatorsExposed) {
  EXPECT_TRUE(IsValidMetadataKey("gtin"));
  EXPECT_FALSE(IsValidMetadataKey("GTIN"));
  EXPECT_TRUE(IsValidMetadataValue("Côte d'Ivoire"));
  EXPECT_FALSE(IsValidMetadataValue("\xed\xa0\x80"));
  EXPECT_TRUE(IsValidUnit("kg"));
  EXPECT_FALSE(IsValidUnit("k g"));
}

}  // namespace
}  // namespace waybill::consensus
