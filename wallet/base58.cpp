#include "wallet/base58.h"

#include <algorithm>
#include <cstring>

#include "chain/hash.h"

namespace waybill::wallet {
namespace {

constexpr std::string_view kAlphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

int DigitValue(char c) {
  const size_t pos = kAlphabet.find(c);
  return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

std::string Printable(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u <= 0x7e) return std::string("'") + c + "'";
  static constexpr char kHex[] = "0123456789abcdef";
  return std::string("byte 0x") + kHex[u >> 4] + kHex[u & 15];
}

}  // namespace

std::string EncodeBase58(chain::ByteSpan data) {
  const size_t zeros =
      std::find_if(data.begin(), data.end(), [](uint8_t b) { return b != 0; }) - data.begin();
  // log(256) / log(58) < 1.366: digits of the number, little-endian, base 58.
  std::vector<uint8_t> digits((data.size() - zeros) * 138 / 100 + 1, 0);
  size_t used = 0;
  for (size_t i = zeros; i < data.size(); ++i) {
    uint32_t carry = data[i];
    size_t j = 0;
    for (; j < used || carry; ++j) {
      carry += 256u * digits[j];
      digits[j] = static_cast<uint8_t>(carry % 58);
      carry /= 58;
    }
    used = j;
  }
  std::string out(zeros, '1');
  out.reserve(zeros + used);
  for (size_t j = used; j-- > 0;) out.push_back(kAlphabet[digits[j]]);
  chain::SecureWipe(digits.data(), digits.size());
  return out;
}

std::string EncodeBase58Check(chain::ByteSpan payload) {
  chain::Bytes buf(payload.begin(), payload.end());
  const chain::Hash256 check = chain::Sha256dHash(payload);
  buf.insert(buf.end(), check.bytes.begin(), check.bytes.begin() + 4);
  std::string out = EncodeBase58(buf);
  chain::SecureWipe(buf.data(), buf.size());
  return out;
}

chain::Result<chain::Bytes> DecodeBase58(std::string_view text) {
  if (text.size() > kMaxBase58Length) {
    return chain::Status::Invalid("too long for Base58: " + std::to_string(text.size()) +
                                  " characters (at most " + std::to_string(kMaxBase58Length) + ")");
  }
  const size_t ones =
      std::find_if(text.begin(), text.end(), [](char c) { return c != '1'; }) - text.begin();
  // log(58) / log(256) < 0.733: bytes of the number, little-endian.
  chain::Bytes bytes((text.size() - ones) * 733 / 1000 + 1, 0);
  size_t used = 0;
  for (size_t i = ones; i < text.size(); ++i) {
    const int value = DigitValue(text[i]);
    if (value < 0) {
      chain::SecureWipe(bytes.data(), bytes.size());
      return chain::Status::Invalid("not Base58: " + Printable(text[i]) + " at position " +
                                    std::to_string(i + 1));
    }
    uint32_t carry = static_cast<uint32_t>(value);
    size_t j = 0;
    for (; j < used || carry; ++j) {
      carry += 58u * bytes[j];
      bytes[j] = static_cast<uint8_t>(carry & 0xff);
      carry >>= 8;
    }
    used = j;
  }
  chain::Bytes out(ones + used, 0);
  std::reverse_copy(bytes.begin(), bytes.begin() + used, out.begin() + ones);
  chain::SecureWipe(bytes.data(), bytes.size());
  return out;
}

chain::Result<chain::Bytes> DecodeBase58Check(std::string_view text) {
  chain::Result<chain::Bytes> decoded = DecodeBase58(text);
  if (!decoded.ok()) return decoded;
  chain::Bytes& buf = decoded.value();
  if (buf.size() < 4) {
    chain::SecureWipe(buf.data(), buf.size());
    return chain::Status::Invalid("too short for Base58Check: no room for the checksum");
  }
  const chain::ByteSpan payload(buf.data(), buf.size() - 4);
  const chain::Hash256 check = chain::Sha256dHash(payload);
  if (std::memcmp(check.data(), buf.data() + payload.size(), 4) != 0) {
    chain::SecureWipe(buf.data(), buf.size());
    return chain::Status::Invalid("invalid checksum: a character is wrong or missing");
  }
  chain::SecureWipe(buf.data() + payload.size(), 4);
  buf.resize(payload.size());
  return decoded;
}

}  // namespace waybill::wallet
