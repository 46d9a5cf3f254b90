// ToVerdict (node/net_bridge.h): what each rule outcome costs the peer that relayed the object
// (docs/PROTOCOL.md §12.7), for every reason code and every kind of object.
#include "node/net_bridge.h"

#include <gtest/gtest.h>

#include <set>

namespace waybill::node {
namespace {

using consensus::Reason;
using consensus::ValidationResult;
using p2p::Verdict;

// Tx rules an honest peer may fail: they depend on the state or on this node's mempool.
const std::set<Reason> kTxStateReasons = {
    Reason::kNonceReused,     Reason::kInsufficientBalance, Reason::kNotCustodian,
    Reason::kUnknownAsset,    Reason::kAssetClosed,         Reason::kAssetExists,
    Reason::kBalanceOverflow, Reason::kFeeOverflow,         Reason::kMempoolFull,
    Reason::kTooManyPending,  Reason::kTransferToSelf,      Reason::kBadSplitSum,
    Reason::kNotCustodianOrIssuer, Reason::kUnknownEvent,
    Reason::kMergeUnitMismatch, Reason::kMergeQuantityMismatch, Reason::kYieldOutOfBounds,
    Reason::kNotRegistrar,    Reason::kNoProfile,           Reason::kAlreadyEndorsed,
    Reason::kNotEndorsed,
    Reason::kMetadataFull,      Reason::kUnknownContract,     Reason::kContractExists,
};

TEST(NetBridgeTest, TxVerdictForEveryReason) {
  for (size_t i = 0; i < consensus::kReasonCount; ++i) {
    const auto reason = static_cast<Reason>(i);
    const Verdict v = ToVerdict(ValidationResult::Invalid(reason, "detail"), NetObject::kTx);
    const std::string text(consensus::ReasonString(reason));
    if (reason == Reason::kNonceGap) {
      EXPECT_EQ(v.kind, Verdict::Kind::kOrphan) << text;
      EXPECT_EQ(v.score, 0) << text;
    } else if (reason == Reason::kTxnAlreadyInMempool || reason == Reason::kTxnAlreadyKnown) {
      EXPECT_EQ(v.kind, Verdict::Kind::kKnown) << text;
    } else if (kTxStateReasons.count(reason)) {
      EXPECT_EQ(v.kind, Verdict::Kind::kRejected) << text;
      EXPECT_EQ(v.score, 0) << text;
      EXPECT_EQ(v.reason, text);
    } else {
      EXPECT_EQ(v.kind, Verdict::Kind::kInvalid) << text;
      EXPECT_EQ(v.score, 100) << text;
      EXPECT_EQ(v.reason, text + ": detail");
    }
  }
}

TEST(NetBridgeTest, HeaderAndBlockVerdictForEveryReason) {
  for (NetObject what : {NetObject::kHeader, NetObject::kBlock}) {
    for (size_t i = 0; i < consensus::kReasonCount; ++i) {
      const auto reason = static_cast<Reason>(i);
      const Verdict v = ToVerdict(ValidationResult::Invalid(reason), what);
      const std::string text(consensus::ReasonString(reason));
      if (reason == Reason::kPrevBlkNotFound) {
        EXPECT_EQ(v.kind, Verdict::Kind::kOrphan) << text;
        EXPECT_EQ(v.score, 0) << text;
      } else if (reason == Reason::kTimeTooNew) {
        // A clock that lags ours is not an offence.
        EXPECT_EQ(v.kind, Verdict::Kind::kRejected) << text;
        EXPECT_EQ(v.score, 0) << text;
      } else {
        // A block with a tx that fails any rule, state-dependent or not, is invalid.
        EXPECT_EQ(v.kind, Verdict::Kind::kInvalid) << text;
        EXPECT_EQ(v.score, 100) << text;
      }
    }
  }
}

TEST(NetBridgeTest, ValidAndLocalErrors) {
  for (NetObject what : {NetObject::kHeader, NetObject::kBlock, NetObject::kTx}) {
    EXPECT_EQ(ToVerdict(ValidationResult::Valid(), what).kind, Verdict::Kind::kAccepted);
    const Verdict e = ToVerdict(ValidationResult::Error("disk"), what);
    EXPECT_EQ(e.kind, Verdict::Kind::kError);
    EXPECT_EQ(e.score, 0);
    EXPECT_EQ(e.reason, "local-error: disk");
  }
}

}  // namespace
}  // namespace waybill::node
