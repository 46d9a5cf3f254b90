// Validation results: kInvalid is the input's fault (a peer's or a user's: say why, score
// the peer); kError is this node's fault (disk, corruption, a bug).
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "chain/status.h"
#include "consensus/reason.h"

namespace waybill::consensus {

class [[nodiscard]] ValidationResult {
 public:
  enum class Kind { kValid, kInvalid, kError };

  ValidationResult() = default;
  static ValidationResult Valid() { return {}; }
  // reason: the rule that failed (consensus/reason.h); detail: free text for people.
  static ValidationResult Invalid(Reason reason, std::string detail = {}) {
    return ValidationResult(Kind::kInvalid, reason, std::move(detail));
  }
  static ValidationResult Error(std::string detail) {
    return ValidationResult(Kind::kError, std::nullopt, std::move(detail));
  }
  // Maps a Status: Invalid -> Invalid(invalid_reason) with the Status's text as the detail,
  // other failures -> kError. A chain::Status has no rule code of its own (chain/ decodes and
  // stores; the rules are here), so its text is only ever a detail, never compared.
  static ValidationResult FromStatus(const chain::Status& s, Reason invalid_reason);

  bool valid() const { return kind_ == Kind::kValid; }
  bool invalid() const { return kind_ == Kind::kInvalid; }
  bool error() const { return kind_ == Kind::kError; }
  Kind kind() const { return kind_; }
  // The rule that failed: set exactly when invalid(). Act on this, not on reason().
  std::optional<Reason> code() const { return code_; }
  // The reported text: ReasonString(code) when invalid, kLocalErrorReason when error(), ""
  // when valid.
  std::string reason() const;
  const std::string& detail() const { return detail_; }
  // The same result with another detail (to say where in a block it happened).
  ValidationResult WithDetail(std::string detail) const {
    return ValidationResult(kind_, code_, std::move(detail));
  }
  // "reason: detail" or "reason".
  std::string ToString() const;

  static constexpr std::string_view kLocalErrorReason = "local-error";

 private:
  ValidationResult(Kind k, std::optional<Reason> code, std::string d)
      : kind_(k), code_(code), detail_(std::move(d)) {}
  Kind kind_ = Kind::kValid;
  std::optional<Reason> code_;
  std::string detail_;
};

}  // namespace waybill::consensus
