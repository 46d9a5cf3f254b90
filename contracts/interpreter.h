// The contract interpreter (docs/CONTRACTS.md "Execution"): runs validated code against a
// Host under a gas limit. Deterministic: the result, the gas used and the effects made
// through the Host depend only on the code, the CallInput and what the Host returns.
//
// Bounded for any input: gas bounds the instructions run (every block charges its gas on
// entry, and every block has at least one instruction of gas >= 1), the validator bounds the
// stack (max_stack_depth), and kMaxMemoryBytes bounds the byte strings made in one call.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "chain/contract_state.h"
#include "chain/status.h"
#include "chain/tx.h"
#include "chain/types.h"
#include "contracts/errors.h"
#include "contracts/host.h"
#include "contracts/limits.h"
#include "contracts/validator.h"

namespace waybill::contracts {

// An argument of a call: an integer or a byte string (at most kMaxValueBytes). The type the
// contract operations carry (chain/tx.h), so a decoded tx's arguments pass without a copy.
using Argument = chain::ContractArg;
// The encoding's bounds (chain/tx.h, chain/contract_state.h) hold what the VM may produce or
// accept: a decodable tx never exceeds the VM's argument limits, and every record the state
// transition writes decodes.
static_assert(chain::kMaxContractArgs == kMaxArguments);
static_assert(chain::kMaxContractArgBytes == kMaxValueBytes);
static_assert(chain::kMaxContractEntryLen == kMaxEntryNameBytes);
static_assert(chain::kMaxCallLogs >= kMaxLogsPerCall);
static_assert(chain::kMaxCallLogBytes >= kMaxLogBytes);
static_assert(chain::kMaxCallEffects >= kMaxEffectsPerCall);
static_assert(chain::kMaxStorageKeyBytes >= kMaxStorageKeyBytes);
static_assert(chain::kMaxStorageValueBytes >= kMaxValueBytes);

// What the caller knows about the call (everything else is read through the Host).
struct CallInput {
  std::string entry;
  std::vector<Argument> args;  // at most kMaxArguments
  AccountId self;              // the contract's id
  AccountId sender;
  uint64_t height = 0;  // of the block the call is in
  uint64_t time = 0;    // that block's header time
  uint64_t attached_coins = 0;
  std::vector<Hash256> attached_assets;
  uint64_t gas_limit = 0;
};

enum class Outcome : uint8_t { kSuccess, kVmError, kOutOfGas, kAborted };

struct ExecResult {
  Outcome outcome = Outcome::kSuccess;
  VmError error{};          // unless kSuccess (kOutOfGas, kAborted for those outcomes)
  std::string detail;       // kEffectRefused: the Host's reason
  size_t error_offset = 0;  // the code offset of the failing instruction (of the block, for gas)
  uint64_t abort_code = 0;  // kAborted: the value ABORT popped
  uint64_t gas_used = 0;    // the whole limit when out of gas
  std::vector<chain::Bytes> logs;
  size_t storage_writes = 0;

  bool ok() const { return outcome == Outcome::kSuccess; }
  // "ok", or e.g. "division-by-zero at code offset 7", "aborted (code 3) at code offset 9",
  // "effect-refused at code offset 12: insufficient balance".
  std::string ToString() const;
};

// Runs input.entry of code. The Status is not OK only for a local fault reported by the Host
// (host.h); every fault of the code or the input is an ExecResult.
// REQUIRES: code and input outlive the call.
chain::Result<ExecResult> Execute(const ValidatedCode& code, const CallInput& input, Host& host);

}  // namespace waybill::contracts
