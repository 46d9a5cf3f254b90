// Why a header, block or tx was refused: one code per rule, defined here once for every layer.
// Consensus and the mempool (node/mempool.h) produce these; the layers above act on the code
// (node/net_bridge.cpp turns it into a peer verdict, the RPC into an error), never on its text.
// ReasonString gives the text the node reports (RPC `submitblock`, `sendrawtransaction`, logs):
// docs/PROTOCOL.md §8 and §9 state them, and they never change.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace waybill::consensus {

enum class Reason : unsigned char {
  // Headers (docs/PROTOCOL.md §8.1, §12.4).
  kBadVersion,        // header or tx version unknown
  kHighHash,          // proof of work does not meet `bits`, or `bits` is above the pow limit
  kPrevBlkNotFound,   // the parent is unknown: not (yet) an offence
  kBadPrevBlk,        // the parent is invalid
  kBadHeight,         // the height would overflow
  kBadDiffBits,       // `bits` is not the ASERT value
  kTimeTooOld,        // time <= median time past
  kTimeTooNew,        // time > clock + drift: may become valid later
  kDuplicateInvalid,  // already known, and known invalid
  kLowWorkHeaders,    // a peer's header chain stayed below the presync threshold
  kPresyncMismatch,   // a redownloaded header differs from the presync's
  // Blocks (§8.2).
  kBadBlockEncoding,
  kBadBlockSize,
  kBadBlockTxs,
  kBadMerkleRoot,
  kDuplicateTx,
  kBadSignature,  // blocks and the mempool
  kFeeOverflow,
  kRewardOverflow,
  kBlockGasLimit,  // the gas limits of the block's contract txs sum past max_block_gas
  // Transactions, context-free (§8.3).
  kBadFee,
  kBadAmount,
  kBadQuantity,
  kBadUnit,
  kBadMetadata,
  kBadDocuments,
  kBadSplit,
  kBadMergeInputs,
  kBadClaim,
  kBadProfile,  // party.profile name, role or url; party.endorse role
  kBadGln,      // a `gln` identifier that is not a GS1 GLN
  kBadTransformInputs,
  kBadContractCode,   // contract.deploy code the VM's validator refuses (detail: its reason)
  kBadContractArgs,   // too many or too long arguments, repeated call assets, or args/gas
                      // given to a deploy without `init`
  kBadContractEntry,  // contract.call entry not 1..32 bytes of [a-z0-9_]
  kBadGasLimit,       // gas_limit 0 where code runs
  // The state transition (§9): these depend on the state the tx meets.
  kBadChainId,
  kNonceReused,
  kNonceGap,  // an earlier nonce of the sender is missing: may become valid later
  kFeeTooLow,
  kInsufficientBalance,
  kBalanceOverflow,
  kAssetExists,
  kUnknownAsset,
  kAssetClosed,
  kNotCustodian,
  kTransferToSelf,
  kBadSplitSum,
  kNotRegistrar,     // party.endorse by an account that is not a registrar of the network
  kNoProfile,        // party.endorse of an account without a profile
  kAlreadyEndorsed,  // endorsing a (role, registrar) already in force
  kNotEndorsed,      // revoking a (role, registrar) not in force
  kNotCustodianOrIssuer,  // asset.correct by neither the custodian nor the issuer
  kUnknownEvent,          // asset.correct's `corrects` is no correctable event of the asset
  kMergeUnitMismatch,
  kMergeQuantityMismatch,
  kYieldOutOfBounds,
  kGasLimitTooHigh,  // a contract tx's gas_limit above the network's max_tx_gas
  kUnknownContract,  // contract.call of an id with no contract
  kContractExists,   // contract.deploy whose id is taken (only on a hash collision)
  // A correction, or a split child's entries merged with its parent's, would leave more than 16
  // metadata entries. Not bad-metadata: it depends on the asset (whose metadata a correction
  // may change), so an honest peer may relay such a tx and must not be scored for it.
  kMetadataFull,
  kBadGenesisAllocation,  // genesis file: allocations overflow
  // Chainstate commands (RPC invalidateblock, reconsiderblock, verifychain).
  kBlockNotFound,
  kCannotInvalidateGenesis,
  kBadLink,  // a stored block does not match its index
  // The mempool's policy (node/mempool.h): this node's limits, not consensus rules.
  kTxTooLarge,
  kTxnAlreadyInMempool,
  kTxnAlreadyKnown,  // confirmed on the active chain
  kTooManyPending,
  kMempoolFull,  // keep last: kReasonCount counts up to it
};

inline constexpr size_t kReasonCount = static_cast<size_t>(Reason::kMempoolFull) + 1;

// The reported text of a code; empty for a value outside the enum.
constexpr std::string_view ReasonString(Reason reason) {
  switch (reason) {
    case Reason::kBadVersion:
      return "bad-version";
    case Reason::kHighHash:
      return "high-hash";
    case Reason::kPrevBlkNotFound:
      return "prev-blk-not-found";
    case Reason::kBadPrevBlk:
      return "bad-prevblk";
    case Reason::kBadHeight:
      return "bad-height";
    case Reason::kBadDiffBits:
      return "bad-diffbits";
    case Reason::kTimeTooOld:
      return "time-too-old";
    case Reason::kTimeTooNew:
      return "time-too-new";
    case Reason::kDuplicateInvalid:
      return "duplicate-invalid";
    case Reason::kLowWorkHeaders:
      return "low-work-headers";
    case Reason::kPresyncMismatch:
      return "presync-mismatch";
    case Reason::kBadBlockEncoding:
      return "bad-block-encoding";
    case Reason::kBadBlockSize:
      return "bad-block-size";
    case Reason::kBadBlockTxs:
      return "bad-block-txs";
    case Reason::kBadMerkleRoot:
      return "bad-merkle-root";
    case Reason::kDuplicateTx:
      return "duplicate-tx";
    case Reason::kBadSignature:
      return "bad-signature";
    case Reason::kFeeOverflow:
      return "fee-overflow";
    case Reason::kRewardOverflow:
      return "reward-overflow";
    case Reason::kBlockGasLimit:
      return "block-gas-limit";
    case Reason::kBadFee:
      return "bad-fee";
    case Reason::kBadAmount:
      return "bad-amount";
    case Reason::kBadQuantity:
      return "bad-quantity";
    case Reason::kBadUnit:
      return "bad-unit";
    case Reason::kBadMetadata:
      return "bad-metadata";
    case Reason::kBadDocuments:
      return "bad-documents";
    case Reason::kBadSplit:
      return "bad-split";
    case Reason::kBadMergeInputs:
      return "bad-merge-inputs";
    case Reason::kBadClaim:
      return "bad-claim";
    case Reason::kBadProfile:
      return "bad-profile";
    case Reason::kBadGln:
      return "bad-gln";
    case Reason::kBadTransformInputs:
      return "bad-transform-inputs";
    case Reason::kBadContractCode:
      return "bad-contract-code";
    case Reason::kBadContractArgs:
      return "bad-contract-args";
    case Reason::kBadContractEntry:
      return "bad-contract-entry";
    case Reason::kBadGasLimit:
      return "bad-gas-limit";
    case Reason::kBadChainId:
      return "bad-chain-id";
    case Reason::kNonceReused:
      return "nonce-reused";
    case Reason::kNonceGap:
      return "nonce-gap";
    case Reason::kFeeTooLow:
      return "fee-too-low";
    case Reason::kInsufficientBalance:
      return "insufficient-balance";
    case Reason::kBalanceOverflow:
      return "balance-overflow";
    case Reason::kAssetExists:
      return "asset-exists";
    case Reason::kUnknownAsset:
      return "unknown-asset";
    case Reason::kAssetClosed:
      return "asset-closed";
    case Reason::kNotCustodian:
      return "not-custodian";
    case Reason::kTransferToSelf:
      return "transfer-to-self";
    case Reason::kBadSplitSum:
      return "bad-split-sum";
    case Reason::kNotRegistrar:
      return "not-registrar";
    case Reason::kNoProfile:
      return "no-profile";
    case Reason::kAlreadyEndorsed:
      return "already-endorsed";
    case Reason::kNotEndorsed:
      return "not-endorsed";
    case Reason::kNotCustodianOrIssuer:
      return "not-custodian-or-issuer";
    case Reason::kUnknownEvent:
      return "unknown-event";
    case Reason::kMergeUnitMismatch:
      return "merge-unit-mismatch";
    case Reason::kMergeQuantityMismatch:
      return "merge-quantity-mismatch";
    case Reason::kYieldOutOfBounds:
      return "yield-out-of-bounds";
    case Reason::kGasLimitTooHigh:
      return "gas-limit-too-high";
    case Reason::kUnknownContract:
      return "unknown-contract";
    case Reason::kContractExists:
      return "contract-exists";
    case Reason::kMetadataFull:
      return "metadata-full";
    case Reason::kBadGenesisAllocation:
      return "bad-genesis-allocation";
    case Reason::kBlockNotFound:
      return "block-not-found";
    case Reason::kCannotInvalidateGenesis:
      return "cannot-invalidate-genesis";
    case Reason::kBadLink:
      return "bad-link";
    case Reason::kTxTooLarge:
      return "tx-too-large";
    case Reason::kTxnAlreadyInMempool:
      return "txn-already-in-mempool";
    case Reason::kTxnAlreadyKnown:
      return "txn-already-known";
    case Reason::kTooManyPending:
      return "too-many-pending";
    case Reason::kMempoolFull:
      return "mempool-full";
  }
  return {};
}

// The code whose ReasonString is `text`, if any (for tools and tests reading reported text
// back; the node itself never decides anything from the text).
std::optional<Reason> ReasonFromString(std::string_view text);

}  // namespace waybill::consensus
