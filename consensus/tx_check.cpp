#include "consensus/tx_check.h"

#include <string>
#include <variant>

#include "chain/amount.h"
#include "contracts/bytecode.h"
#include "contracts/opcodes.h"
#include "contracts/validator.h"

namespace waybill::consensus {
namespace {

using chain::Transaction;

bool IsNameChar(uint8_t c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

// Key and claim names share one alphabet so that they are safe as index keys, URL path
// segments and JSON object keys without escaping.
bool IsValidName(std::string_view s, size_t max_len) {
  if (s.empty() || s.size() > max_len) return false;
  for (char c : s) {
    if (!IsNameChar(static_cast<uint8_t>(c))) return false;
  }
  return true;
}

bool InRange(uint8_t b, uint8_t lo, uint8_t hi) { return b >= lo && b <= hi; }

// Well-formed UTF-8 per RFC 3629 section 4 (the byte ranges there exclude overlong forms,
// surrogates and code points above U+10FFFF), plus no C0 controls or DEL: values are shown on
// explorer pages and printed labels, where invisible characters could hide what was signed.
bool IsValidText(std::string_view s, size_t max_len) {
  if (s.size() > max_len) return false;
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const uint8_t b = p[i];
    if (b < 0x80) {
      if (b < 0x20 || b == 0x7f) return false;
      ++i;
      continue;
    }
    size_t len;
    uint8_t lo = 0x80, hi = 0xbf;  // allowed range of the second byte
    if (InRange(b, 0xc2, 0xdf)) {
      len = 2;
    } else if (b == 0xe0) {
      len = 3;
      lo = 0xa0;
    } else if (InRange(b, 0xe1, 0xec) || InRange(b, 0xee, 0xef)) {
      len = 3;
    } else if (b == 0xed) {
      len = 3;
      hi = 0x9f;
    } else if (b == 0xf0) {
      len = 4;
      lo = 0x90;
    } else if (InRange(b, 0xf1, 0xf3)) {
      len = 4;
    } else if (b == 0xf4) {
      len = 4;
      hi = 0x8f;
    } else {
      return false;  // 0x80..0xc1 (continuation or overlong lead) and 0xf5..0xff
    }
    if (n - i < len) return false;
    if (!InRange(p[i + 1], lo, hi)) return false;
    for (size_t k = 2; k < len; ++k) {
      if (!InRange(p[i + k], 0x80, 0xbf)) return false;
    }
    i += len;
  }
  return true;
}

// A published entry's value is text and its commitment zero; a committed entry's value is
// empty (the encoding carries one or the other, so a decoded entry passes the last two).
ValidationResult CheckEntryBody(const chain::MetadataEntry& e) {
  switch (e.kind) {
    case chain::MetaKind::kPublished:
      if (!IsValidMetadataValue(e.value)) {
        return ValidationResult::Invalid(Reason::kBadMetadata, "bad value");
      }
      if (!e.commitment.IsZero()) {
        return ValidationResult::Invalid(Reason::kBadMetadata, "published with a commitment");
      }
      return ValidationResult::Valid();
    case chain::MetaKind::kCommitted:
      if (!e.value.empty()) {
        return ValidationResult::Invalid(Reason::kBadMetadata, "committed with a value");
      }
      return ValidationResult::Valid();
  }
  return ValidationResult::Invalid(Reason::kBadMetadata, "unknown kind");
}

ValidationResult CheckMetadata(const std::vector<chain::MetadataEntry>& md,
                               size_t max_entries = chain::kMaxMetadataEntries) {
  if (md.size() > max_entries) {
    return ValidationResult::Invalid(Reason::kBadMetadata, std::to_string(md.size()) + " entries");
  }
  for (size_t i = 0; i < md.size(); ++i) {
    const auto& e = md[i];
    if (!IsValidMetadataKey(e.key)) {
      return ValidationResult::Invalid(Reason::kBadMetadata,
                                       "entry " + std::to_string(i) + ": bad key");
    }
    // Strictly ascending keys give one canonical encoding per map and rule out duplicates.
    if (i > 0 && !(md[i - 1].key < e.key)) {
      return ValidationResult::Invalid(Reason::kBadMetadata,
                                       "entry " + std::to_string(i) + ": keys not ascending");
    }
    if (auto r = CheckEntryBody(e); !r.valid()) {
      return r.WithDetail("entry " + std::to_string(i) + ": " + r.detail());
    }
  }
  return ValidationResult::Valid();
}

ValidationResult CheckDocuments(const std::vector<chain::Hash256>& docs) {
  if (docs.size() > chain::kMaxDocuments) {
    return ValidationResult::Invalid(Reason::kBadDocuments,
                                     std::to_string(docs.size()) + " documents");
  }
  return ValidationResult::Valid();
}

ValidationResult CheckUnit(const std::string& unit) {
  if (!IsValidUnit(unit)) return ValidationResult::Invalid(Reason::kBadUnit);
  return ValidationResult::Valid();
}

// A contract run's arguments: the decoder's bounds (kMaxContractArgs, kMaxContractArgBytes,
// which equal the VM's), repeated for a tx built in memory.
// A run of code costs at least contracts::kRunBaseGas before its first instruction.
ValidationResult GasBelowBase(uint64_t gas_limit) {
  return ValidationResult::Invalid(Reason::kBadGasLimit,
                                   std::to_string(gas_limit) + " < the base intrinsic gas " +
                                       std::to_string(contracts::kRunBaseGas));
}

ValidationResult CheckContractArgs(const std::vector<chain::ContractArg>& args) {
  if (args.size() > chain::kMaxContractArgs) {
    return ValidationResult::Invalid(Reason::kBadContractArgs,
                                     std::to_string(args.size()) + " arguments");
  }
  for (size_t i = 0; i < args.size(); ++i) {
    const auto* bytes = std::get_if<chain::Bytes>(&args[i]);
    if (bytes != nullptr && bytes->size() > chain::kMaxContractArgBytes) {
      return ValidationResult::Invalid(
          Reason::kBadContractArgs,
          "argument " + std::to_string(i) + " has " + std::to_string(bytes->size()) + " bytes");
    }
  }
  return ValidationResult::Valid();
}

struct OpChecker {
  ValidationResult operator()(const chain::TransferOp& op) const {
    if (op.amount < 1 || op.amount > chain::kMaxAmount) {
      return ValidationResult::Invalid(Reason::kBadAmount, std::to_string(op.amount));
    }
    return ValidationResult::Valid();
  }

  ValidationResult operator()(const chain::AssetIssueOp& op) const {
    return CheckNewAsset(op.quantity, op.unit, op.metadata, op.documents);
  }

  // The fields of an asset that an operation creates (issue, merge, each transform output).
  static ValidationResult CheckNewAsset(chain::Quantity quantity, const std::string& unit,
                                        const std::vector<chain::MetadataEntry>& metadata,
                                        const std::vector<chain::Hash256>& documents) {
    if (quantity < 1) return ValidationResult::Invalid(Reason::kBadQuantity, "zero");
    if (auto r = CheckUnit(unit); !r.valid()) return r;
    if (auto r = CheckMetadata(metadata); !r.valid()) return r;
    return CheckDocuments(documents);
  }

  // At most 16 ids: the quadratic scan is cheaper than a set.
  static ValidationResult CheckDistinct(const std::vector<chain::Hash256>& ids, Reason reason) {
    for (size_t i = 1; i < ids.size(); ++i) {
      for (size_t j = 0; j < i; ++j) {
        if (ids[i] == ids[j]) {
          return ValidationResult::Invalid(reason, "inputs " + std::to_string(j) + " and " +
                                                       std::to_string(i) + " are the same");
        }
      }
    }
    return ValidationResult::Valid();
  }

  ValidationResult operator()(const chain::AssetTransferOp&) const {
    return ValidationResult::Valid();
  }

  ValidationResult operator()(const chain::AssetSplitOp& op) const {
    if (op.children.size() < chain::kMinSplitParts || op.children.size() > chain::kMaxSplitParts) {
      return ValidationResult::Invalid(Reason::kBadSplit,
                                       std::to_string(op.children.size()) + " children");
    }
    for (size_t i = 0; i < op.children.size(); ++i) {
      const chain::SplitChild& child = op.children[i];
      if (child.quantity < 1) {
        return ValidationResult::Invalid(Reason::kBadSplit,
                                         "child " + std::to_string(i) + " is zero");
      }
      if (auto r = CheckMetadata(child.metadata, chain::kMaxSplitChildMetadata); !r.valid()) {
        return r.WithDetail("child " + std::to_string(i) + ": " + r.detail());
      }
    }
    // Whether the children sum to the parent's quantity, and how many entries each child's
    // metadata has once merged with the parent's, depend on the parent: the state transition
    // checks them ("bad-split-sum", "bad-metadata").
    return ValidationResult::Valid();
  }

  ValidationResult operator()(const chain::AssetMergeOp& op) const {
    if (op.inputs.size() < chain::kMinMergeInputs || op.inputs.size() > chain::kMaxMergeInputs) {
      return ValidationResult::Invalid(Reason::kBadMergeInputs,
                                       std::to_string(op.inputs.size()) + " inputs");
    }
    if (auto r = CheckDistinct(op.inputs, Reason::kBadMergeInputs); !r.valid()) return r;
    return CheckNewAsset(op.quantity, op.unit, op.metadata, op.documents);
  }

  ValidationResult operator()(const chain::AssetTransformOp& op) const {
    if (op.inputs.size() < chain::kMinTransformInputs ||
        op.inputs.size() > chain::kMaxTransformInputs) {
      return ValidationResult::Invalid(Reason::kBadTransformInputs,
                                       std::to_string(op.inputs.size()) + " inputs");
    }
    if (op.outputs.size() < chain::kMinTransformOutputs ||
        op.outputs.size() > chain::kMaxTransformOutputs) {
      return ValidationResult::Invalid(Reason::kBadTransformInputs,
                                       std::to_string(op.outputs.size()) + " outputs");
    }
    if (auto r = CheckDistinct(op.inputs, Reason::kBadTransformInputs); !r.valid()) return r;
    for (size_t i = 0; i < op.outputs.size(); ++i) {
      const chain::TransformOutput& out = op.outputs[i];
      if (auto r = CheckNewAsset(out.quantity, out.unit, out.metadata, out.documents); !r.valid()) {
        return r.WithDetail("output " + std::to_string(i) + (r.detail().empty() ? "" : ": ") +
                            r.detail());
      }
    }
    return ValidationResult::Valid();
  }

  ValidationResult operator()(const chain::PartyProfileOp& op) const {
    if (op.name.empty() || !IsValidText(op.name, chain::kMaxPartyNameLen)) {
      return ValidationResult::Invalid(Reason::kBadProfile, "bad name");
    }
    if (!IsValidName(op.role, chain::kMaxRoleLen)) {
      return ValidationResult::Invalid(Reason::kBadProfile, "bad role");
    }
    if (op.identifiers.size() > chain::kMaxIdentifiers) {
      return ValidationResult::Invalid(Reason::kBadMetadata,
                                       std::to_string(op.identifiers.size()) + " identifiers");
    }
    if (auto r = CheckMetadata(op.identifiers); !r.valid()) return r;
    for (const auto& id : op.identifiers) {
      // A profile says who a party is: its identifiers are public (a commitment would
      // identify no one, and a committed GLN could not be checked).
      if (id.kind != chain::MetaKind::kPublished) {
        return ValidationResult::Invalid(Reason::kBadProfile, "identifier " + id.key +
                                                                  " is committed, not published");
      }
      if (id.key == "gln" && !IsValidGln(id.value)) {
        return ValidationResult::Invalid(Reason::kBadGln, id.value);
      }
    }
    if (!IsValidText(op.url, chain::kMaxUrlLen)) {
      return ValidationResult::Invalid(Reason::kBadProfile, "bad url");
    }
    return ValidationResult::Valid();
  }

  ValidationResult operator()(const chain::PartyEndorseOp& op) const {
    if (!IsValidName(op.role, chain::kMaxRoleLen)) {
      return ValidationResult::Invalid(Reason::kBadProfile, "bad role");
    }
    return ValidationResult::Valid();
  }

  ValidationResult operator()(const chain::AssetAttestOp& op) const {
    if (!IsValidName(op.claim, chain::kMaxClaimLen)) {
      return ValidationResult::Invalid(Reason::kBadClaim, "bad claim type");
    }
    if (!IsValidText(op.value, chain::kMaxClaimValueLen)) {
      return ValidationResult::Invalid(Reason::kBadClaim, "bad claim value");
    }
    return ValidationResult::Valid();
  }

  // The code must pass the VM's validator (its reason and offset are the detail). With an
  // `init` entry the deploy runs it and needs gas; without one there is nothing to run.
  ValidationResult operator()(const chain::ContractDeployOp& op) const {
    if (op.code.size() > chain::kMaxContractCodeSize) {
      return ValidationResult::Invalid(Reason::kBadContractCode,
                                       std::to_string(op.code.size()) + " bytes");
    }
    contracts::ValidateResult v = contracts::ValidateBytecode(op.code);
    if (const auto* err = std::get_if<contracts::DeployError>(&v)) {
      return ValidationResult::Invalid(Reason::kBadContractCode, err->ToString());
    }
    const auto& code = std::get<std::shared_ptr<const contracts::ValidatedCode>>(v);
    if (auto r = CheckContractArgs(op.args); !r.valid()) return r;
    if (!code->FindEntry("init")) {
      if (!op.args.empty() || op.gas_limit != 0) {
        return ValidationResult::Invalid(Reason::kBadContractArgs,
                                         "arguments or gas for code without init");
      }
      return ValidationResult::Valid();
    }
    if (op.gas_limit < contracts::kRunBaseGas) return GasBelowBase(op.gas_limit);
    return ValidationResult::Valid();
  }

  ValidationResult operator()(const chain::ContractCallOp& op) const {
    if (!contracts::IsValidEntryName(op.entry)) {
      return ValidationResult::Invalid(Reason::kBadContractEntry);
    }
    if (auto r = CheckContractArgs(op.args); !r.valid()) return r;
    if (op.coins > chain::kMaxAmount) {
      return ValidationResult::Invalid(Reason::kBadAmount, std::to_string(op.coins) + " coins");
    }
    if (op.assets.size() > chain::kMaxCallAssets) {
      return ValidationResult::Invalid(Reason::kBadContractArgs,
                                       std::to_string(op.assets.size()) + " assets");
    }
    if (auto r = CheckDistinct(op.assets, Reason::kBadContractArgs); !r.valid()) return r;
    if (op.gas_limit < contracts::kRunBaseGas) return GasBelowBase(op.gas_limit);
    return ValidationResult::Valid();
  }

  ValidationResult operator()(const chain::AssetCorrectOp& op) const {
    if (op.set.size() < chain::kMinCorrectEntries) {
      return ValidationResult::Invalid(Reason::kBadMetadata, "a correction sets no entry");
    }
    if (auto r = CheckMetadata(op.set); !r.valid()) return r;
    if (!IsValidText(op.reason, chain::kMaxCorrectReasonLen)) {
      return ValidationResult::Invalid(Reason::kBadMetadata, "reason is not text");
    }
    return ValidationResult::Valid();
  }
};

}  // namespace

bool IsValidMetadataKey(std::string_view key) {
  return IsValidName(key, chain::kMaxMetadataKeyLen);
}

bool IsValidMetadataValue(std::string_view value) {
  return IsValidText(value, chain::kMaxMetadataValueLen);
}

bool IsValidUnit(std::string_view unit) {
  if (unit.empty() || unit.size() > chain::kMaxUnitLen) return false;
  for (char c : unit) {
    const auto b = static_cast<uint8_t>(c);
    if (b < 0x21 || b > 0x7e) return false;
  }
  return true;
}

bool IsValidGln(std::string_view gln) {
  constexpr size_t kGlnDigits = 13;
  if (gln.size() != kGlnDigits) return false;
  for (char c : gln) {
    if (c < '0' || c > '9') return false;
  }
  int sum = 0;
  // The rightmost data digit (index 11) weighs 3, the next 1, and so on.
  for (size_t i = 0; i + 1 < kGlnDigits; ++i) {
    const int weight = (kGlnDigits - 2 - i) % 2 == 0 ? 3 : 1;
    sum += weight * (gln[i] - '0');
  }
  return (10 - sum % 10) % 10 == gln[kGlnDigits - 1] - '0';
}

ValidationResult CheckTransaction(const Transaction& tx) {
  if (tx.version != chain::kTxVersion) {
    return ValidationResult::Invalid(Reason::kBadVersion, std::to_string(tx.version));
  }
  if (tx.fee > chain::kMaxAmount) {
    return ValidationResult::Invalid(Reason::kBadFee, std::to_string(tx.fee));
  }
  return std::visit(OpChecker{}, tx.op);
}

}  // namespace waybill::consensus
