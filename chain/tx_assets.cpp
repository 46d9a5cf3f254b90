#include "chain/tx_assets.h"

#include <algorithm>
#include <type_traits>
#include <variant>

namespace waybill::chain {
namespace {

// Each once, in first-seen order (a malformed merge may name an input twice).
std::vector<Hash256> Unique(const std::vector<Hash256>& ids) {
  std::vector<Hash256> unique;
  unique.reserve(ids.size());
  for (const Hash256& id : ids) {
    if (std::find(unique.begin(), unique.end(), id) == unique.end()) unique.push_back(id);
  }
  return unique;
}

}  // namespace

std::vector<Hash256> AssetsTouched(const Transaction& tx) {
  std::vector<Hash256> ids = std::visit(
      [](const auto& op) -> std::vector<Hash256> {
        using Op = std::decay_t<decltype(op)>;
        if constexpr (std::is_same_v<Op, AssetTransferOp> || std::is_same_v<Op, AssetSplitOp> ||
                      std::is_same_v<Op, AssetAttestOp> || std::is_same_v<Op, AssetCorrectOp>) {
          return {op.asset};
        } else if constexpr (std::is_same_v<Op, AssetMergeOp> ||
                             std::is_same_v<Op, AssetTransformOp>) {
          return op.inputs;
        } else if constexpr (std::is_same_v<Op, ContractCallOp>) {
          // Only the attachments: what the contract's code then touches (assets it sends,
          // splits or merges) is known after execution, from the call's record
          // (chain/contract_state.h CallRecord::effects), not from the tx.
          return op.assets;
        } else {
          return {};
        }
      },
      tx.op);
  for (const Hash256& id : NewAssetIds(tx)) ids.push_back(id);
  return Unique(ids);
}

std::vector<Hash256> AssetsTouched(const Transaction& tx, const CallRecord& record) {
  std::vector<Hash256> ids = AssetsTouched(tx);
  for (const ContractEffect& effect : record.effects) {
    switch (effect.kind) {
      case ContractEffectKind::kCoins:
        break;
      case ContractEffectKind::kAsset:
      case ContractEffectKind::kSplit:
        ids.push_back(effect.asset);
        break;
      case ContractEffectKind::kMerge:
        ids.push_back(effect.asset);
        ids.push_back(effect.with);
        break;
    }
    for (const Hash256& id : effect.created) ids.push_back(id);
  }
  return Unique(ids);
}

}  // namespace waybill::chain
