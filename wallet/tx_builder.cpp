#include "wallet/tx_builder.h"

#include <limits>
#include <string>
#include <utility>
#include <variant>

namespace waybill::wallet {

chain::Operation MakeTransfer(const chain::AccountId& to, chain::Amount amount) {
  return chain::TransferOp{to, amount};
}

chain::Result<chain::Operation> MakeIssue(NewAsset asset) {
  auto metadata = chain::SortMetadata(std::move(asset.metadata));
  if (!metadata.ok()) return metadata.status();
  chain::AssetIssueOp op;
  op.quantity = asset.quantity;
  op.unit = std::move(asset.unit);
  op.metadata = std::move(*metadata);
  op.documents = std::move(asset.documents);
  return chain::Operation(std::move(op));
}

chain::Operation MakeAssetTransfer(const chain::Hash256& asset, const chain::AccountId& to) {
  return chain::AssetTransferOp{asset, to};
}

chain::Operation MakeSplit(const chain::Hash256& asset, std::vector<chain::Quantity> quantities) {
  return chain::AssetSplitOp{asset, chain::SplitChildren(quantities)};
}

chain::Result<chain::Operation> MakeSplit(const chain::Hash256& asset,
                                          std::vector<chain::SplitChild> children) {
  for (size_t i = 0; i < children.size(); ++i) {
    auto metadata = chain::SortMetadata(std::move(children[i].metadata));
    if (!metadata.ok()) {
      return chain::Status::Invalid("child " + std::to_string(i) + ": " +
                                    metadata.status().reason());
    }
    children[i].metadata = std::move(*metadata);
  }
  return chain::Operation(chain::AssetSplitOp{asset, std::move(children)});
}

chain::Result<chain::Operation> MakeLabeledSplit(const chain::Hash256& asset, uint64_t n,
                                                 chain::Quantity each, const std::string& key) {
  if (n < chain::kMinSplitParts || n > chain::kMaxSplitParts) {
    return chain::Status::Invalid("a split has " + std::to_string(chain::kMinSplitParts) + ".." +
                                  std::to_string(chain::kMaxSplitParts) + " children, not " +
                                  std::to_string(n));
  }
  if (each == 0) return chain::Status::Invalid("each child needs a positive quantity");
  if (!chain::CheckedMul(each, n, std::numeric_limits<chain::Quantity>::max())) {
    return chain::Status::Invalid(std::to_string(n) + " x " + std::to_string(each) +
                                  " overflows a quantity");
  }
  std::vector<chain::SplitChild> children;
  children.reserve(n);
  for (uint64_t i = 1; i <= n; ++i) {
    std::string label = std::to_string(i);
    label.insert(0, label.size() < 6 ? 6 - label.size() : 0, '0');
    children.push_back(chain::SplitChild{each, {chain::MetadataEntry{key, std::move(label)}}});
  }
  return MakeSplit(asset, std::move(children));
}

chain::Result<chain::Operation> MakeMerge(std::vector<chain::Hash256> inputs, NewAsset output) {
  auto metadata = chain::SortMetadata(std::move(output.metadata));
  if (!metadata.ok()) return metadata.status();
  chain::AssetMergeOp op;
  op.inputs = std::move(inputs);
  op.quantity = output.quantity;
  op.unit = std::move(output.unit);
  op.metadata = std::move(*metadata);
  op.documents = std::move(output.documents);
  return chain::Operation(std::move(op));
}

chain::Result<chain::Operation> MakeTransform(std::vector<chain::Hash256> inputs,
                                             std::vector<NewAsset> outputs) {
  chain::AssetTransformOp op;
  op.inputs = std::move(inputs);
  for (size_t i = 0; i < outputs.size(); ++i) {
    auto metadata = chain::SortMetadata(std::move(outputs[i].metadata));
    if (!metadata.ok()) {
      return chain::Status::Invalid("output " + std::to_string(i) + ": " +
                                    metadata.status().reason());
    }
    op.outputs.push_back(chain::TransformOutput{outputs[i].quantity, std::move(outputs[i].unit),
                                                std::move(*metadata),
                                                std::move(outputs[i].documents)});
  }
  return chain::Operation(std::move(op));
}

chain::Operation MakeAttest(const chain::Hash256& asset, std::string claim, std::string value,
                            std::optional<chain::Hash256> document) {
  chain::AssetAttestOp op;
  op.asset = asset;
  op.claim = std::move(claim);
  op.value = std::move(value);
  op.document = document.value_or(chain::Hash256());  // zero: no document
  return op;
}

chain::Result<chain::Operation> MakeCorrect(const chain::Hash256& asset,
                                            const chain::Hash256& corrects,
                                            std::vector<chain::MetadataEntry> set,
                                            std::string reason) {
  auto sorted = chain::SortMetadata(std::move(set));
  if (!sorted.ok()) return sorted.status();
  chain::AssetCorrectOp op;
  op.asset = asset;
  op.corrects = corrects;
  op.set = std::move(*sorted);
  op.reason = std::move(reason);
  return chain::Operation(std::move(op));
}

chain::Result<chain::Operation> MakeProfile(Profile profile) {
  auto identifiers = chain::SortMetadata(std::move(profile.identifiers));
  if (!identifiers.ok()) return identifiers.status();
  chain::PartyProfileOp op;
  op.name = std::move(profile.name);
  op.role = std::move(profile.role);
  op.identifiers = std::move(*identifiers);
  op.url = std::move(profile.url);
  op.document = profile.document.value_or(chain::Hash256());
  return chain::Operation(std::move(op));
}

chain::Operation MakeEndorse(const chain::AccountId& account, std::string role, bool revoke) {
  chain::PartyEndorseOp op;
  op.account = account;
  op.role = std::move(role);
  op.action = revoke ? chain::EndorseAction::kRevoke : chain::EndorseAction::kEndorse;
  return op;
}

chain::Operation MakeContractDeploy(chain::Bytes code, std::vector<chain::ContractArg> args,
                                    uint64_t gas_limit) {
  chain::ContractDeployOp op;
  op.code = std::move(code);
  op.args = std::move(args);
  op.gas_limit = gas_limit;
  return op;
}

chain::Operation MakeContractCall(ContractCall call) {
  chain::ContractCallOp op;
  op.contract = call.contract;
  op.entry = std::move(call.entry);
  op.args = std::move(call.args);
  op.coins = call.coins;
  op.assets = std::move(call.assets);
  op.gas_limit = call.gas_limit;
  return op;
}

uint64_t GasLimitOf(const chain::Operation& op) {
  if (const auto* deploy = std::get_if<chain::ContractDeployOp>(&op)) return deploy->gas_limit;
  if (const auto* call = std::get_if<chain::ContractCallOp>(&op)) return call->gas_limit;
  return 0;
}

chain::Result<chain::Amount> GasFee(const chain::Transaction& tx, uint64_t gas_price) {
  auto fee = chain::CheckedMul(GasLimitOf(tx.op), gas_price);
  if (!fee || *fee > chain::kMaxAmount) {
    return chain::Status::Invalid("the gas fee (gas limit x gas price) is too large: gas limit " +
                                  std::to_string(GasLimitOf(tx.op)) + ", gas price " +
                                  std::to_string(gas_price));
  }
  return *fee;
}

chain::Result<chain::Amount> SizeFee(const chain::Transaction& tx, chain::Amount fee_per_byte) {
  auto fee = chain::CheckedMul(fee_per_byte, tx.Serialize().size());
  if (!fee || *fee > chain::kMaxAmount) {
    return chain::Status::Invalid("the fee (size x fee rate) is too large: fee rate " +
                                  std::to_string(fee_per_byte));
  }
  return *fee;
}

chain::Result<chain::Transaction> BuildTx(const chain::AccountId& sender, chain::Operation op,
                                          const TxParams& params) {
  chain::Transaction tx;
  tx.chain_id = params.chain_id;
  tx.sender = sender;
  tx.nonce = params.nonce;
  tx.op = std::move(op);
  // The decoder is the one definition of what encodes: a tx it refuses is refused here.
  if (auto decoded = chain::DecodeTransaction(tx.Serialize()); !decoded.ok()) {
    return chain::Status::Invalid("the transaction would not decode: " + decoded.status().reason());
  }
  if (params.fee) {
    if (*params.fee > chain::kMaxAmount) return chain::Status::Invalid("the fee is too large");
    tx.fee = *params.fee;
  } else {
    auto size_fee = SizeFee(tx, params.fee_per_byte);
    if (!size_fee.ok()) return size_fee.status();
    auto gas_fee = GasFee(tx, params.gas_price);
    if (!gas_fee.ok()) return gas_fee.status();
    auto fee = chain::CheckedAdd(*size_fee, *gas_fee);
    if (!fee || *fee > chain::kMaxAmount) return chain::Status::Invalid("the fee is too large");
    tx.fee = *fee;
  }
  return tx;
}

chain::Result<SignedTx> SignTx(const Signer& signer, chain::Transaction tx) {
  if (signer.Account() != tx.sender) {
    return chain::Status::Invalid("the key is not the sender's (key " + signer.Account().ToHex() +
                                  ", sender " + tx.sender.ToHex() + ")");
  }
  tx.signature = signer.SignHash(tx.SigHash());
  if (!tx.VerifySignature()) {
    return chain::Status::Internal("the signature does not verify");
  }
  SignedTx out;
  out.raw = tx.Serialize();
  out.txid = tx.Id();
  out.new_assets = chain::NewAssetIds(tx);
  if (std::holds_alternative<chain::ContractDeployOp>(tx.op)) {
    out.new_contract = chain::ContractIdFor(tx.chain_id, tx.sender, tx.nonce);
  }
  out.tx = std::move(tx);
  return out;
}

}  // namespace waybill::wallet
