// Reason codes (consensus/reason.h): each has its own reported text, the text reads back to the
// code, ValidationResult derives its text from the code, and docs/PROTOCOL.md names every text.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "consensus/reason.h"
#include "consensus/validation.h"

namespace waybill::consensus {
namespace {

Reason At(size_t i) { return static_cast<Reason>(i); }

TEST(ReasonTest, EveryCodeHasItsOwnNonEmptyText) {
  std::set<std::string_view> seen;
  for (size_t i = 0; i < kReasonCount; ++i) {
    const std::string_view text = ReasonString(At(i));
    EXPECT_FALSE(text.empty()) << "code " << i;
    EXPECT_TRUE(seen.insert(text).second) << "code " << i << " repeats \"" << text << "\"";
    // Short lowercase words joined by '-': safe in JSON, logs and a Markdown table.
    for (char c : text) {
      EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')
          << "\"" << text << "\"";
    }
  }
  // kReasonCount reaches the last code: one past it is no code. (A code added after the last
  // without moving kReasonCount would have a text here.)
  EXPECT_TRUE(ReasonString(At(kReasonCount)).empty());
}

TEST(ReasonTest, TextReadsBackToItsCode) {
  for (size_t i = 0; i < kReasonCount; ++i) {
    const auto back = ReasonFromString(ReasonString(At(i)));
    ASSERT_TRUE(back.has_value()) << ReasonString(At(i));
    EXPECT_EQ(*back, At(i)) << ReasonString(At(i));
  }
  EXPECT_FALSE(ReasonFromString("").has_value());
  EXPECT_FALSE(ReasonFromString("nonce-gap ").has_value());
  EXPECT_FALSE(ReasonFromString("NONCE-GAP").has_value());
  EXPECT_FALSE(ReasonFromString(ValidationResult::kLocalErrorReason).has_value());
}

// The texts are on the wire (RPC) and in tests and docs of other implementations: a few pinned.
TEST(ReasonTest, ReportedTextsDoNotChange) {
  EXPECT_EQ(ReasonString(Reason::kNonceGap), "nonce-gap");
  EXPECT_EQ(ReasonString(Reason::kPrevBlkNotFound), "prev-blk-not-found");
  EXPECT_EQ(ReasonString(Reason::kBadPrevBlk), "bad-prevblk");
  EXPECT_EQ(ReasonString(Reason::kBadDiffBits), "bad-diffbits");
  EXPECT_EQ(ReasonString(Reason::kTxnAlreadyInMempool), "txn-already-in-mempool");
  EXPECT_EQ(ReasonString(Reason::kTxnAlreadyKnown), "txn-already-known");
  EXPECT_EQ(ReasonString(Reason::kMempoolFull), "mempool-full");
}

TEST(ValidationResultTest, TextDerivesFromTheCode) {
  const ValidationResult valid = ValidationResult::Valid();
  EXPECT_FALSE(valid.code().has_value());
  EXPECT_EQ(valid.reason(), "");
  EXPECT_EQ(valid.ToString(), "valid");

  const ValidationResult gap = ValidationResult::Invalid(Reason::kNonceGap, "expected 1, got 2");
  EXPECT_TRUE(gap.invalid());
  EXPECT_EQ(gap.code(), Reason::kNonceGap);
  EXPECT_EQ(gap.reason(), "nonce-gap");
  EXPECT_EQ(gap.ToString(), "nonce-gap: expected 1, got 2");
  EXPECT_EQ(ValidationResult::Invalid(Reason::kBadUnit).ToString(), "bad-unit");

  const ValidationResult error = ValidationResult::Error("disk full");
  EXPECT_TRUE(error.error());
  EXPECT_FALSE(error.code().has_value());
  EXPECT_EQ(error.reason(), "local-error");
  EXPECT_EQ(error.ToString(), "local-error: disk full");
}

TEST(ValidationResultTest, WithDetailKeepsKindAndCode) {
  const ValidationResult r =
      ValidationResult::Invalid(Reason::kBadSignature, "x").WithDetail("tx 3: x");
  EXPECT_TRUE(r.invalid());
  EXPECT_EQ(r.code(), Reason::kBadSignature);
  EXPECT_EQ(r.ToString(), "bad-signature: tx 3: x");
  const ValidationResult e = ValidationResult::Error("disk").WithDetail("tx 3: disk");
  EXPECT_TRUE(e.error());
  EXPECT_FALSE(e.code().has_value());
}

TEST(ValidationResultTest, FromStatusTakesTheGivenCode) {
  EXPECT_TRUE(ValidationResult::FromStatus(chain::Status::Ok(), Reason::kBadBlockEncoding).valid());
  const ValidationResult bad = ValidationResult::FromStatus(
      chain::Status::Invalid("block: truncated"), Reason::kBadBlockEncoding);
  EXPECT_EQ(bad.code(), Reason::kBadBlockEncoding);
  EXPECT_EQ(bad.ToString(), "bad-block-encoding: block: truncated");
  const ValidationResult io =
      ValidationResult::FromStatus(chain::Status::IoError("read"), Reason::kBadBlockEncoding);
  EXPECT_TRUE(io.error());
  EXPECT_FALSE(io.code().has_value());
}

std::string ReadProtocolMd() {
  std::ifstream in(std::string(SOURCE_DIR) + "/docs/PROTOCOL.md");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// So that an independent implementation can return the same texts: PROTOCOL.md §8.4 ("Reject reasons") lists every reason the node can report: each code's text
// must appear in backticks in that section (not just anywhere in the document).
TEST(ReasonTest, ProtocolMdReasonTableNamesEveryReason) {
  const std::string doc = ReadProtocolMd();
  ASSERT_FALSE(doc.empty()) << "cannot read " << SOURCE_DIR << "/docs/PROTOCOL.md";
  const size_t begin = doc.find("### 8.4 Reject reasons");
  ASSERT_NE(begin, std::string::npos) << "docs/PROTOCOL.md has no section 8.4 Reject reasons";
  const size_t end = doc.find("\n## ", begin);
  const std::string section = doc.substr(begin, end == std::string::npos ? end : end - begin);
  for (size_t i = 0; i < kReasonCount; ++i) {
    const std::string quoted = "`" + std::string(ReasonString(At(i))) + "`";
    EXPECT_NE(section.find(quoted), std::string::npos) << quoted << " is not in PROTOCOL.md §8.4";
  }
}

}  // namespace
}  // namespace waybill::consensus
