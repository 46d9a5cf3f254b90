// The state rules of the asset operations (docs/PROTOCOL.md §9.2).
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "chain/amount.h"
#include "consensus/op_context.h"

namespace waybill::consensus {

using chain::Asset;
using chain::AssetEvent;
using chain::AssetStatus;
using chain::EventType;
using chain::Hash256;

ValidationResult ApplyOp(const OpContext& c, const chain::AssetIssueOp& op) {
  const Hash256 id = c.NewAssetIds().front();
  if (auto r = CheckNewAssetId(*c.state, id); !r.valid()) return r;
  Asset asset = c.NewAsset(id, op.quantity, op.unit, op.metadata, op.documents);
  if (auto r = c.Record(&asset, OpContext::Event(EventType::kIssue)); !r.valid()) return r;
  return ValidationResult::Valid();
}

ValidationResult ApplyOp(const OpContext& c, const chain::AssetTransferOp& op) {
  Asset asset;
  if (auto r = LoadOwnedAsset(*c.state, op.asset, c.actor(), &asset); !r.valid()) return r;
  // A no-op transfer would only add noise to the asset's history.
  if (op.to == c.actor()) return ValidationResult::Invalid(Reason::kTransferToSelf);
  asset.custodian = op.to;
  AssetEvent ev = OpContext::Event(EventType::kTransfer);
  ev.counterparty = op.to;
  if (auto r = c.Record(&asset, std::move(ev)); !r.valid()) return r;
  return ValidationResult::Valid();
}

namespace {

// The parent's metadata with the child's entries replacing or adding keys; both are sorted by
// key (§8.3), and so is the result.
std::vector<chain::MetadataEntry> ChildMetadata(const std::vector<chain::MetadataEntry>& parent,
                                                const std::vector<chain::MetadataEntry>& own) {
  std::vector<chain::MetadataEntry> out;
  out.reserve(parent.size() + own.size());
  auto p = parent.begin();
  auto o = own.begin();
  while (p != parent.end() || o != own.end()) {
    if (o == own.end() || (p != parent.end() && p->key < o->key)) {
      out.push_back(*p++);
    } else {
      if (p != parent.end() && p->key == o->key) ++p;  // the child's value replaces it
      out.push_back(*o++);
    }
  }
  return out;
}

ValidationResult CheckSplitSum(const chain::AssetSplitOp& op, const Asset& parent) {
  std::optional<chain::Quantity> sum = 0;
  for (const chain::SplitChild& child : op.children) {
    sum = chain::CheckedAdd(*sum, child.quantity, std::numeric_limits<chain::Quantity>::max());
    if (!sum) return ValidationResult::Invalid(Reason::kBadSplitSum, "children overflow");
  }
  if (*sum != parent.quantity) {
    return ValidationResult::Invalid(Reason::kBadSplitSum,
                                     "children sum to " + std::to_string(*sum) +
                                         ", parent holds " + std::to_string(parent.quantity));
  }
  return ValidationResult::Valid();
}

}  // namespace

ValidationResult ApplyOp(const OpContext& c, const chain::AssetSplitOp& op) {
  Asset parent;
  if (auto r = LoadOwnedAsset(*c.state, op.asset, c.actor(), &parent); !r.valid()) return r;
  if (auto r = CheckSplitSum(op, parent); !r.valid()) return r;
  std::vector<std::vector<chain::MetadataEntry>> metadata(op.children.size());
  for (size_t i = 0; i < op.children.size(); ++i) {
    metadata[i] = ChildMetadata(parent.metadata, op.children[i].metadata);
    if (metadata[i].size() > chain::kMaxMetadataEntries) {
      return ValidationResult::Invalid(
          Reason::kMetadataFull, "child " + std::to_string(i) + ": " +
                                    std::to_string(metadata[i].size()) +
                                    " entries with the parent's");
    }
  }
  const std::vector<Hash256> child_ids = c.NewAssetIds();
  for (const Hash256& child_id : child_ids) {
    if (auto r = CheckNewAssetId(*c.state, child_id); !r.valid()) return r;
  }
  parent.status = AssetStatus::kSplit;
  parent.children = child_ids;
  if (ValidationResult r = c.Record(&parent, OpContext::Event(EventType::kSplit, child_ids));
      !r.valid()) {
    return r;
  }
  for (size_t i = 0; i < child_ids.size(); ++i) {
    Asset child = c.NewAsset(child_ids[i], op.children[i].quantity, parent.unit,
                             std::move(metadata[i]), parent.documents);
    child.parents = {parent.id};
    if (ValidationResult r =
            c.Record(&child, OpContext::Event(EventType::kSplitChild, {parent.id}));
        !r.valid()) {
      return r;
    }
  }
  return ValidationResult::Valid();
}

namespace {

// A merge conserves its inputs: each has the output's unit (`merge-unit-mismatch`, the first
// other one named) and their quantities sum exactly to the output's (`merge-quantity-mismatch`,
// detail: the sum; a sum past 2^64 - 1 never matches). A change of unit or weight is a
// transformation (asset.transform).
ValidationResult CheckMergeBalance(const std::vector<Asset>& inputs,
                                   const chain::AssetMergeOp& op) {
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].unit != op.unit) {
      return ValidationResult::Invalid(Reason::kMergeUnitMismatch,
                                       "input " + std::to_string(i) + " " + inputs[i].id.ToHex() +
                                           " is in " + inputs[i].unit + ", the output in " +
                                           op.unit);
    }
  }
  std::optional<chain::Quantity> sum = 0;
  for (const Asset& in : inputs) {
    sum = chain::CheckedAdd(*sum, in.quantity, std::numeric_limits<chain::Quantity>::max());
    if (!sum) {
      return ValidationResult::Invalid(Reason::kMergeQuantityMismatch,
                                       "the inputs sum past 2^64 - 1");
    }
  }
  if (*sum != op.quantity) {
    return ValidationResult::Invalid(Reason::kMergeQuantityMismatch,
                                     "the inputs sum to " + std::to_string(*sum) +
                                         ", the output has " + std::to_string(op.quantity));
  }
  return ValidationResult::Valid();
}

}  // namespace

ValidationResult ApplyOp(const OpContext& c, const chain::AssetMergeOp& op) {
  std::vector<Asset> inputs(op.inputs.size());
  for (size_t i = 0; i < op.inputs.size(); ++i) {
    if (auto r = LoadOwnedAsset(*c.state, op.inputs[i], c.actor(), &inputs[i]); !r.valid()) {
      return r;
    }
  }
  if (auto r = CheckMergeBalance(inputs, op); !r.valid()) return r;
  const Hash256 out_id = c.NewAssetIds().front();
  if (auto r = CheckNewAssetId(*c.state, out_id); !r.valid()) return r;
  for (Asset& in : inputs) {
    in.status = AssetStatus::kMerged;
    in.children = {out_id};
    if (auto r = c.Record(&in, OpContext::Event(EventType::kMerge, {out_id})); !r.valid()) return r;
  }
  Asset out = c.NewAsset(out_id, op.quantity, op.unit, op.metadata, op.documents);
  out.parents = op.inputs;
  if (ValidationResult r = c.Record(&out, OpContext::Event(EventType::kMergeOutput, op.inputs));
      !r.valid()) {
    return r;
  }
  return ValidationResult::Valid();
}

ValidationResult ApplyOp(const OpContext& c, const chain::AssetAttestOp& op) {
  std::optional<Asset> asset;
  if (auto r = ReadAsset(*c.state, op.asset, &asset); !r.valid()) return r;
  if (!asset) return ValidationResult::Invalid(Reason::kUnknownAsset, op.asset.ToHex());
  // Closed assets stay attestable: an audit of a lot often comes after it was split.
  bool certified = false;
  if (auto r = HoldsEndorsement(c, c.sender(), chain::kCertifierRole, &certified); !r.valid()) {
    return r;
  }
  AssetEvent ev = OpContext::Event(EventType::kAttest);
  ev.attester_certified = certified ? 1 : 0;
  ev.claim = op.claim;
  ev.value = op.value;
  ev.document = op.document;
  if (auto r = c.Record(&*asset, std::move(ev)); !r.valid()) return r;
  // The attestation index: the newest attestation of this claim by this attester, which a
  // contract reads (ATTESTATION) with one index read and one event read.
  c.state->Put(chain::keys::Attestation(op.asset, op.claim, c.sender()),
               chain::EncodeSequence(asset->event_count - 1));
  return ValidationResult::Valid();
}

}  // namespace waybill::consensus
