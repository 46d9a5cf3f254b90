// Errors as values. A Status is OK or carries a code and a human-readable reason.
// Decoders, validation and storage return these; nothing that a peer, a user or a file can
// cause is reported by throwing across a module boundary.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace waybill::chain {

class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk,
    kInvalid,      // the input is wrong: a peer's or a user's fault (bad bytes, bad tx)
    kNotFound,     // a lookup found nothing
    kCorruption,   // stored data does not decode: a local fault
    kIoError,      // the disk or the OS failed: a local fault
    kInternal,     // a bug or an impossible state: a local fault
  };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status Invalid(std::string reason) { return Status(Code::kInvalid, std::move(reason)); }
  static Status NotFound(std::string reason) { return Status(Code::kNotFound, std::move(reason)); }
  static Status Corruption(std::string reason) {
    return Status(Code::kCorruption, std::move(reason));
  }
  static Status IoError(std::string reason) { return Status(Code::kIoError, std::move(reason)); }
  static Status Internal(std::string reason) { return Status(Code::kInternal, std::move(reason)); }

  bool ok() const { return code_ == Code::kOk; }
  bool IsInvalid() const { return code_ == Code::kInvalid; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  // True for faults of this node (disk, corruption, bug), as opposed to bad input.
  bool IsLocalError() const {
    return code_ == Code::kCorruption || code_ == Code::kIoError || code_ == Code::kInternal;
  }
  Code code() const { return code_; }
  const std::string& reason() const { return reason_; }
  std::string ToString() const;

 private:
  Status(Code code, std::string reason) : code_(code), reason_(std::move(reason)) {}
  Code code_ = Code::kOk;
  std::string reason_;
};

// A value or a Status explaining why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}   // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(v_); }
  // REQUIRES: ok().
  const T& value() const& { return std::get<T>(v_); }
  T& value() & { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }
  // Returns OK when a value is held.
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace waybill::chain
