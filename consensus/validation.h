// Validation results: kInvalid is the input's fault (a peer's or a user's: say why, score
// the peer); kError is this node's fault (disk, corruption, a bug).
#pragma once

#include <string>
#include <utility>

#include "chain/status.h"

namespace waybill::consensus {

class [[nodiscard]] ValidationResult {
 public:
  enum class Kind { kValid, kInvalid, kError };

  ValidationResult() = default;
  static ValidationResult Valid() { return {}; }
  // reason: a short stable code ("bad-nonce", "bad-merkle-root", ...), detail: free text.
  static ValidationResult Invalid(std::string reason, std::string detail = {}) {
    return ValidationResult(Kind::kInvalid, std::move(reason), std::move(detail));
  }
  static ValidationResult Error(std::string detail) {
    return ValidationResult(Kind::kError, "local-error", std::move(detail));
  }
  // Maps a Status: Invalid -> kInvalid, other failures -> kError.
  static ValidationResult FromStatus(const chain::Status& s, std::string invalid_reason);

  bool valid() const { return kind_ == Kind::kValid; }
  bool invalid() const { return kind_ == Kind::kInvalid; }
  bool error() const { return kind_ == Kind::kError; }
  Kind kind() const { return kind_; }
  const std::string& reason() const { return reason_; }
  const std::string& detail() const { return detail_; }
  // "reason: detail" or "reason".
  std::string ToString() const;

 private:
  ValidationResult(Kind k, std::string r, std::string d)
      : kind_(k), reason_(std::move(r)), detail_(std::move(d)) {}
  Kind kind_ = Kind::kValid;
  std::string reason_;
  std::string detail_;
};

}  // namespace waybill::consensus
