// The state rule of asset.transform (docs/PROTOCOL.md §9.2): inputs closed into outputs of any
// units, with the network's yield bound for the pair of units where one is set.
#include <string>
#include <utility>
#include <vector>

#include "chain/quantity.h"
#include "consensus/op_context.h"

namespace waybill::consensus {

using chain::Asset;
using chain::AssetStatus;
using chain::EventType;
using chain::Hash256;

namespace {

std::string Decimal(unsigned __int128 v) {
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  } while (v != 0);
  return digits;
}

// When every input has unit F and every output unit T and the network bounds (F, T): the
// yield of real amounts must lie within it (`yield-out-of-bounds`, detail: the yield in ppm).
// Mixed units on either side: no bound applies.
ValidationResult CheckYield(const ChainParams& params, const std::vector<Asset>& inputs,
                            const chain::AssetTransformOp& op) {
  chain::UnitSum in, out;
  for (const Asset& a : inputs) in.Add(a.quantity, a.unit);
  for (const chain::TransformOutput& o : op.outputs) out.Add(o.quantity, o.unit);
  if (!in.single() || !out.single()) return ValidationResult::Valid();
  const YieldRange* bound = params.FindYieldBound(in.unit, out.unit);
  if (bound == nullptr) return ValidationResult::Valid();
  const uint8_t scale_in = params.ScaleOf(in.unit);
  const uint8_t scale_out = params.ScaleOf(out.unit);
  if (chain::YieldWithin(in.total, scale_in, out.total, scale_out, bound->min_ppm,
                         bound->max_ppm)) {
    return ValidationResult::Valid();
  }
  const auto ppm = chain::YieldPpm(in.total, scale_in, out.total, scale_out);
  return ValidationResult::Invalid(
      Reason::kYieldOutOfBounds,
      "yield " + (ppm ? std::to_string(*ppm) : std::string("above 2^64 - 1")) + " ppm (" +
          Decimal(out.total) + " " + out.unit + " from " + Decimal(in.total) + " " + in.unit +
          "), bounds " + std::to_string(bound->min_ppm) + ".." + std::to_string(bound->max_ppm));
}

}  // namespace

ValidationResult ApplyOp(const OpContext& c, const chain::AssetTransformOp& op) {
  std::vector<Asset> inputs(op.inputs.size());
  for (size_t i = 0; i < op.inputs.size(); ++i) {
    if (auto r = LoadOwnedAsset(*c.state, op.inputs[i], c.sender(), &inputs[i]); !r.valid()) {
      return r;
    }
  }
  if (auto r = CheckYield(c.params, inputs, op); !r.valid()) return r;
  const std::vector<Hash256> out_ids = chain::NewAssetIds(c.tx.tx);
  for (const Hash256& id : out_ids) {
    if (auto r = CheckNewAssetId(*c.state, id); !r.valid()) return r;
  }
  for (Asset& in : inputs) {
    in.status = AssetStatus::kTransformed;
    in.children = out_ids;
    if (ValidationResult r = c.Record(&in, OpContext::Event(EventType::kTransform, out_ids));
        !r.valid()) {
      return r;
    }
  }
  for (size_t i = 0; i < out_ids.size(); ++i) {
    const chain::TransformOutput& o = op.outputs[i];
    Asset out = c.NewAsset(out_ids[i], o.quantity, o.unit, o.metadata, o.documents);
    out.parents = op.inputs;
    if (ValidationResult r =
            c.Record(&out, OpContext::Event(EventType::kTransformOutput, op.inputs));
        !r.valid()) {
      return r;
    }
  }
  return ValidationResult::Valid();
}

}  // namespace waybill::consensus
