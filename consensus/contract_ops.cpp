// The state rules of contract.deploy and contract.call (docs/PROTOCOL.md §9.2), and the dry run
// of a call (contract_sim.h) on the same code path.
//
// Each run of code (a deploy's init, a call) happens on a nested overlay of the tx's: when the
// run fails (VM error, out of gas, aborted) the overlay is dropped, which undoes the
// attachments and every effect; the tx stays valid (its nonce and fee are consumed) and its
// CallRecord says why. A run is charged contracts::IntrinsicGas of its code's size before its
// first instruction; a call whose gas_limit does not cover it never reads its code. Validated
// code is kept in the block context's CodeCache (when there is one) by code hash.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "chain/amount.h"
#include "chain/contract_state.h"
#include "consensus/code_cache.h"
#include "consensus/contract_host.h"
#include "consensus/contract_sim.h"
#include "consensus/op_context.h"
#include "consensus/tx_check.h"
#include "contracts/interpreter.h"
#include "contracts/opcodes.h"
#include "contracts/validator.h"

namespace waybill::consensus {

using chain::AccountId;
using chain::CallRecord;
using chain::ContractRecord;
using chain::StateCache;
using contracts::ValidatedCode;

namespace {

constexpr std::string_view kInitEntry = "init";

// Validates code and caches the result under code_hash (the callers looked in the cache
// first). Returns the validator's refusal, if any.
std::optional<contracts::DeployError> ValidateAndCache(CodeCache* cache,
                                                       const chain::Hash256& code_hash,
                                                       chain::ByteSpan code,
                                                       std::shared_ptr<const ValidatedCode>* out) {
  contracts::ValidateResult v = contracts::ValidateBytecode(code);
  if (auto* err = std::get_if<contracts::DeployError>(&v)) return *err;
  *out = std::get<std::shared_ptr<const ValidatedCode>>(std::move(v));
  if (cache != nullptr) cache->Insert(code_hash, *out);
  return std::nullopt;
}

// The code of a contract to run: from the cache, else read ('q') and validated, and cached.
// Stored code that is missing, not of its recorded size or fails validation is a local fault
// (the store changed under us), never the caller's.
ValidationResult LoadCode(const OpContext& c, const AccountId& id, const ContractRecord& record,
                          std::shared_ptr<const ValidatedCode>* out) {
  CodeCache* cache = c.block.code_cache;
  if (cache != nullptr && (*out = cache->Find(record.code_hash))) return ValidationResult::Valid();
  auto bytes = chain::ReadContractCode(*c.state, id);
  if (!bytes.ok()) return StoreError(bytes.status());
  if (!*bytes || (*bytes)->size() != record.code_size) {
    return ValidationResult::Error("stored code of contract " + id.ToHex() +
                                   " is missing or not of its recorded size");
  }
  if (auto err = ValidateAndCache(cache, record.code_hash, **bytes, out)) {
    return ValidationResult::Error("stored code of contract " + id.ToHex() +
                                   " fails validation: " + err->ToString());
  }
  return ValidationResult::Valid();
}

ValidationResult ReadContractRecord(const StateCache& state, const AccountId& id,
                                    std::optional<ContractRecord>* out) {
  auto r = chain::ReadContract(state, id);
  if (!r.ok()) return StoreError(r.status());
  *out = std::move(r).value();
  return ValidationResult::Valid();
}

// A run whose gas_limit is below its intrinsic gas: out of gas before its first instruction,
// having used the whole limit.
void OutOfGasBeforeRun(uint64_t gas_limit, CallRecord* record) {
  record->outcome = static_cast<uint8_t>(contracts::Outcome::kOutOfGas);
  record->error = static_cast<uint8_t>(contracts::VmError::kOutOfGas);
  record->gas_used = gas_limit;
  record->gas_limit = gas_limit;
}

// Runs input on c.state (the run's overlay) with input.gas_limit - intrinsic for the VM, and
// fills *record with the outcome; logs and effects only on success (they are undone
// otherwise). Valid whatever the outcome; Error for a store fault.
// REQUIRES: input.gas_limit >= intrinsic.
ValidationResult RunCode(const OpContext& c, const ValidatedCode& code, uint64_t intrinsic,
                         contracts::CallInput input, CallRecord* record) {
  record->gas_limit = input.gas_limit;
  input.gas_limit -= intrinsic;
  ContractHost host(c, input.self);
  auto result = contracts::Execute(code, input, host);
  if (!result.ok()) return StoreError(result.status());
  const contracts::ExecResult& r = *result;
  record->outcome = static_cast<uint8_t>(r.outcome);
  record->error = r.ok() ? 0 : static_cast<uint8_t>(r.error);
  record->detail = chain::TruncateCallDetail(r.detail);
  record->error_offset = static_cast<uint32_t>(r.error_offset);
  record->abort_code = r.abort_code;
  record->gas_used = intrinsic + r.gas_used;  // <= gas_limit: the VM used at most its limit
  // A failed run's logs and effects are undone with it (docs/CONTRACTS.md "Execution").
  if (r.ok()) {
    record->logs = r.logs;
    record->effects = host.effects();
  }
  return ValidationResult::Valid();
}

contracts::CallInput Input(const OpContext& c, const AccountId& contract, std::string entry,
                           const std::vector<chain::ContractArg>& args, uint64_t gas_limit) {
  contracts::CallInput in;
  in.entry = std::move(entry);
  in.args = args;
  in.self = contract;
  in.sender = c.sender();
  in.height = c.block.height;
  in.time = c.block.time;
  in.gas_limit = gas_limit;
  return in;
}

// Moves a call's attachments from the sender to the contract on c.state (the run's overlay),
// under the rules of a coin transfer and of asset.transfer (the sender acts): a refusal makes
// the tx invalid.
ValidationResult Attach(const OpContext& c, const chain::ContractCallOp& op) {
  if (op.coins > 0) {
    auto sender = c.state->GetAccount(c.sender());
    if (!sender.ok()) return StoreError(sender.status());
    const std::optional<chain::Amount> left = chain::CheckedSub(sender->balance, op.coins);
    if (!left) {
      return ValidationResult::Invalid(
          Reason::kInsufficientBalance,
          "balance " + std::to_string(sender->balance) + ", attaching " + std::to_string(op.coins));
    }
    sender->balance = *left;
    c.state->PutAccount(c.sender(), *sender);
    if (auto r = ApplyOp(c, chain::TransferOp{op.contract, op.coins}); !r.valid()) return r;
  }
  for (const chain::Hash256& asset : op.assets) {
    if (auto r = ApplyOp(c, chain::AssetTransferOp{asset, op.contract}); !r.valid()) return r;
  }
  return ValidationResult::Valid();
}

// A call on c.state (the tx's overlay, or the dry run's): the run's record into *record. The
// run's writes are merged into c.state when it succeeds. Invalid: the tx is refused
// (unknown-contract, an attachment's rules).
ValidationResult RunCall(const OpContext& c, const chain::ContractCallOp& op, CallRecord* record) {
  std::optional<ContractRecord> contract;
  if (auto r = ReadContractRecord(*c.state, op.contract, &contract); !r.valid()) return r;
  if (!contract) return ValidationResult::Invalid(Reason::kUnknownContract, op.contract.ToHex());

  StateCache run(c.state);
  const ContractScope attachments{};  // the sender acts; the events get contract event ids
  OpContext rc = c;
  rc.state = &run;
  rc.contract = &attachments;
  if (auto r = Attach(rc, op); !r.valid()) return r;

  record->contract = op.contract;
  record->entry = op.entry;
  const uint64_t intrinsic = contracts::IntrinsicGas(contract->code_size);
  if (op.gas_limit < intrinsic) {
    OutOfGasBeforeRun(op.gas_limit, record);
    return ValidationResult::Valid();
  }
  std::shared_ptr<const ValidatedCode> code;
  if (auto r = LoadCode(c, op.contract, *contract, &code); !r.valid()) return r;
  contracts::CallInput in = Input(c, op.contract, op.entry, op.args, op.gas_limit);
  in.attached_coins = op.coins;
  in.attached_assets = op.assets;
  if (auto r = RunCode(rc, *code, intrinsic, std::move(in), record); !r.valid()) return r;
  if (record->outcome == static_cast<uint8_t>(contracts::Outcome::kSuccess)) {
    std::move(run).MergeInto(c.state);
  }
  return ValidationResult::Valid();
}

// The validated form of a deploy's code: from the cache, else validated (CheckTransaction did
// it already; without a cache this is the second time) and cached.
ValidationResult DeployCode(const OpContext& c, const chain::ContractDeployOp& op,
                            const chain::Hash256& code_hash,
                            std::shared_ptr<const ValidatedCode>* out) {
  CodeCache* cache = c.block.code_cache;
  if (cache != nullptr && (*out = cache->Find(code_hash))) return ValidationResult::Valid();
  if (auto err = ValidateAndCache(cache, code_hash, op.code, out)) {
    return ValidationResult::Invalid(Reason::kBadContractCode, err->ToString());
  }
  return ValidationResult::Valid();
}

}  // namespace

ValidationResult ApplyOp(const OpContext& c, const chain::ContractCallOp& op) {
  CallRecord record;
  if (auto r = RunCall(c, op, &record); !r.valid()) return r;
  // Whatever the outcome: the call is the contract's next in order, and its record is kept.
  auto calls = chain::ReadContractCallCount(*c.state, op.contract);
  if (!calls.ok()) return StoreError(calls.status());
  // New keys (StateCache::PutNew): the call list's next sequence, and the tx's own record.
  c.state->PutNew(chain::keys::ContractCall(op.contract, *calls),
                  chain::Bytes(c.tx.id.bytes.begin(), c.tx.id.bytes.end()));
  c.state->Put(chain::keys::ContractCallCount(op.contract), chain::EncodeCallCount(*calls + 1));
  c.state->PutNew(chain::keys::CallRecord(c.tx.id), chain::EncodeCallRecord(record));
  return ValidationResult::Valid();
}

ValidationResult ApplyOp(const OpContext& c, const chain::ContractDeployOp& op) {
  const AccountId id = chain::ContractIdFor(c.params.chain_id(), c.sender(), c.tx.tx.nonce);
  std::optional<ContractRecord> existing;
  if (auto r = ReadContractRecord(*c.state, id, &existing); !r.valid()) return r;
  if (existing) return ValidationResult::Invalid(Reason::kContractExists, id.ToHex());

  ContractRecord contract;
  contract.deployer = c.sender();
  contract.deploy_txid = c.tx.id;
  contract.height = c.block.height;
  contract.code_hash = chain::ContractCodeHash(op.code);
  contract.code_size = static_cast<uint32_t>(op.code.size());  // <= kMaxContractCodeSize
  std::shared_ptr<const ValidatedCode> code;
  if (auto r = DeployCode(c, op, contract.code_hash, &code); !r.valid()) return r;

  CallRecord record;
  record.contract = id;
  if (!code->FindEntry(kInitEntry)) {
    c.state->Put(chain::keys::Contract(id), chain::EncodeContractRecord(contract));
    c.state->Put(chain::keys::ContractCode(id), op.code);
  } else {
    // init runs as a call by the deployer without attachments, on an overlay that holds the
    // contract: if it fails (out of gas before it starts included), no contract is created.
    record.entry = std::string(kInitEntry);
    const uint64_t intrinsic = contracts::IntrinsicGas(contract.code_size);
    if (op.gas_limit < intrinsic) {
      OutOfGasBeforeRun(op.gas_limit, &record);
    } else {
      StateCache run(c.state);
      run.Put(chain::keys::Contract(id), chain::EncodeContractRecord(contract));
      run.Put(chain::keys::ContractCode(id), op.code);
      OpContext rc = c;
      rc.state = &run;
      contracts::CallInput in = Input(c, id, record.entry, op.args, op.gas_limit);
      if (auto r = RunCode(rc, *code, intrinsic, std::move(in), &record); !r.valid()) return r;
      if (record.outcome == static_cast<uint8_t>(contracts::Outcome::kSuccess)) {
        std::move(run).MergeInto(c.state);
      }
    }
  }
  c.state->PutNew(chain::keys::CallRecord(c.tx.id), chain::EncodeCallRecord(record));
  return ValidationResult::Valid();
}

ValidationResult SimulateContractCall(const ChainParams& params, const BlockContext& block,
                                      const AccountId& sender, const chain::ContractCallOp& op,
                                      const chain::KvReader& state, CallRecord* out) {
  chain::Transaction tx;
  tx.chain_id = params.chain_id();
  tx.sender = sender;
  tx.op = op;
  if (auto r = CheckTransaction(tx); !r.valid()) return r;
  if (auto r = CheckGasLimit(params, op.gas_limit); !r.valid()) return r;
  const chain::Hash256 no_txid{};
  const TxView view{tx, no_txid, 0};
  StateCache overlay(&state);
  const OpContext c{params, block, view, &overlay};
  *out = CallRecord{};
  return RunCall(c, op, out);
}

}  // namespace waybill::consensus
