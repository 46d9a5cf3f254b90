#include "wallet/secret.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace waybill::wallet {

SecretBytes::SecretBytes(size_t n) : data_(n ? new uint8_t[n]() : nullptr), size_(n) {}

SecretBytes::SecretBytes(const uint8_t* data, size_t n) : SecretBytes(n) {
  if (n) std::memcpy(data_.get(), data, n);
}

SecretBytes::~SecretBytes() { Wipe(); }

SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : data_(std::move(other.data_)), size_(std::exchange(other.size_, 0)) {}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    Wipe();
    data_ = std::move(other.data_);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

void SecretBytes::resize(size_t n) {
  SecretBytes bigger(n);
  if (n && size_) std::memcpy(bigger.data(), data_.get(), std::min(n, size_));
  *this = std::move(bigger);
}

void SecretBytes::Wipe() {
  if (data_) chain::SecureWipe(data_.get(), size_);
  data_.reset();
  size_ = 0;
}

void WipeString(std::string& s) {
  // data()[0, capacity()) holds every character the buffer ever held (the byte at capacity()
  // is only ever a terminator).
  if (s.capacity()) chain::SecureWipe(s.data(), s.capacity());
  s.clear();
}

// Moving a long string hands its heap buffer over; a short one is copied out of the source's
// inline buffer, which the move leaves holding the characters: hence the wipe of the source.
SecretString::SecretString(std::string&& s) : s_(std::move(s)) { WipeString(s); }

SecretString::~SecretString() { WipeString(s_); }

SecretString::SecretString(SecretString&& other) noexcept : s_(std::move(other.s_)) {
  WipeString(other.s_);
}

SecretString& SecretString::operator=(SecretString&& other) noexcept {
  if (this != &other) {
    WipeString(s_);
    s_ = std::move(other.s_);
    WipeString(other.s_);
  }
  return *this;
}

}  // namespace waybill::wallet
