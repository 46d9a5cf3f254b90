// Buffers for secrets (seeds, private keys, mnemonics, passphrases) that wipe themselves
// (chain::SecureWipe) when destroyed, resized or moved from. Move-only, so a secret is never
// copied by accident; a copy that the caller makes (str(), data()) is the caller's to wipe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "chain/types.h"

namespace waybill::wallet {

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(size_t n);  // n zero bytes
  SecretBytes(const uint8_t* data, size_t n);
  ~SecretBytes();
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  uint8_t* data() { return data_.get(); }
  const uint8_t* data() const { return data_.get(); }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  chain::ByteSpan span() const { return chain::ByteSpan(data_.get(), size_); }
  // Keeps the first min(n, size()) bytes, zero-fills the rest; the old buffer is wiped.
  void resize(size_t n);

 private:
  void Wipe();

  std::unique_ptr<uint8_t[]> data_;
  size_t size_ = 0;
};

class SecretString {
 public:
  SecretString() = default;
  // Takes s: the caller's string is left empty, and its buffer (which, for a short string,
  // would otherwise keep the characters) is wiped.
  explicit SecretString(std::string&& s);
  ~SecretString();
  SecretString(SecretString&& other) noexcept;
  SecretString& operator=(SecretString&& other) noexcept;
  SecretString(const SecretString&) = delete;
  SecretString& operator=(const SecretString&) = delete;

  const std::string& str() const { return s_; }
  // For reading a secret in place (e.g. std::getline). Growing the string may leave copies
  // in freed memory: reserve() enough first.
  std::string* mutable_str() { return &s_; }
  bool empty() const { return s_.empty(); }
  size_t size() const { return s_.size(); }

 private:
  std::string s_;
};

// Wipes every byte of s's buffer (its capacity, not only its size), then clears it.
void WipeString(std::string& s);

}  // namespace waybill::wallet
