#include "wallet/bip39.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <utility>

#include "chain/hash.h"

namespace waybill::wallet::bip39 {
namespace internal {
// The generated source (wallet/embed_wordlist.cmake) defines it.
extern const std::string_view kEnglishWords[2048];
}  // namespace internal

namespace {

constexpr size_t kWordCount = 2048;
constexpr size_t kMaxEntropy = 32;
constexpr size_t kMaxQuoted = 24;  // characters of a bad word quoted in an error

bool AcceptedWordCount(size_t n) { return n >= 12 && n <= 24 && n % 3 == 0; }

// The index of word in the list, or -1.
int WordIndex(std::string_view word) {
  const auto& words = EnglishWords();
  const auto it = std::lower_bound(words.begin(), words.end(), word);
  if (it == words.end() || *it != word) return -1;
  return static_cast<int>(it - words.begin());
}

// Every BIP-39 English word is fixed by its first four letters.
std::string Suggestion(std::string_view word) {
  if (word.size() < 4) return "";
  const auto& words = EnglishWords();
  const std::string_view prefix = word.substr(0, 4);
  const auto it = std::lower_bound(words.begin(), words.end(), prefix);
  if (it == words.end() || it->substr(0, 4) != prefix) return "";
  return " (did you mean '" + std::string(*it) + "'?)";
}

std::string Quoted(std::string_view word) {
  std::string out;
  for (char c : word.substr(0, kMaxQuoted)) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u >= 0x20 && u < 0x7f ? c : '?');
  }
  if (word.size() > kMaxQuoted) out += "...";
  return "'" + out + "'";
}

// Bits [11*i, 11*i + 11) of buf, big-endian.
uint32_t Get11(const uint8_t* buf, size_t i) {
  uint32_t v = 0;
  for (size_t b = 11 * i; b < 11 * i + 11; ++b) v = (v << 1) | ((buf[b / 8] >> (7 - b % 8)) & 1);
  return v;
}

void Put11(uint8_t* buf, size_t i, uint32_t v) {
  for (size_t k = 0; k < 11; ++k) {
    const size_t b = 11 * i + k;
    if ((v >> (10 - k)) & 1) buf[b / 8] |= static_cast<uint8_t>(0x80 >> (b % 8));
  }
}

// The words of text, lower-cased into out (wiped by its owner). Nothing else is allocated.
void SplitLower(std::string_view text, std::vector<SecretString>* out) {
  size_t i = 0;
  while (i < text.size()) {
    const auto is_space = [&](size_t k) {
      return text[k] == ' ' || (text[k] >= '\t' && text[k] <= '\r');
    };
    while (i < text.size() && is_space(i)) ++i;
    const size_t start = i;
    while (i < text.size() && !is_space(i)) ++i;
    if (i == start) break;
    std::string word(text.substr(start, i - start));
    for (char& c : word) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    out->emplace_back(std::move(word));
  }
}

}  // namespace

const std::vector<std::string_view>& EnglishWords() {
  static const std::vector<std::string_view> words(internal::kEnglishWords,
                                                   internal::kEnglishWords + kWordCount);
  return words;
}

chain::Result<SecretString> MnemonicFromEntropy(chain::ByteSpan entropy) {
  const size_t n = entropy.size();
  if (n < 16 || n > kMaxEntropy || n % 4 != 0) {
    return chain::Status::Invalid("BIP-39 entropy is 16, 20, 24, 28 or 32 bytes, not " +
                                  std::to_string(n));
  }
  // The entropy, then its checksum: the first n/4 bits of its SHA-256 (at most 8).
  std::array<uint8_t, kMaxEntropy + 1> buf{};
  std::copy(entropy.begin(), entropy.end(), buf.begin());
  chain::Hash256 check = chain::Sha256Hash(entropy);
  buf[n] = check.bytes[0];
  const size_t words = (n * 8 + n / 4) / 11;
  std::string text;
  text.reserve(words * 9);
  for (size_t i = 0; i < words; ++i) {
    if (i) text.push_back(' ');
    text.append(EnglishWords()[Get11(buf.data(), i)]);
  }
  chain::SecureWipe(buf.data(), buf.size());
  chain::SecureWipe(check.data(), check.kSize);
  return SecretString(std::move(text));
}

SecretString NewMnemonic(size_t words) {
  if (!AcceptedWordCount(words)) std::abort();
  std::array<uint8_t, kMaxEntropy> entropy;
  const size_t n = words * 4 / 3;
  // Without the OS CSPRNG there is no safe mnemonic (as chain::SecretKey::Generate).
  if (RAND_bytes(entropy.data(), static_cast<int>(n)) != 1) std::abort();
  chain::Result<SecretString> mnemonic = MnemonicFromEntropy(chain::ByteSpan(entropy.data(), n));
  chain::SecureWipe(entropy.data(), entropy.size());
  if (!mnemonic.ok()) std::abort();  // unreachable: n is a valid length
  return std::move(mnemonic).value();
}

chain::Result<SecretString> NormalizeMnemonic(std::string_view text) {
  if (text.size() > kMaxMnemonicText) {
    return chain::Status::Invalid("too long for a mnemonic: " + std::to_string(text.size()) +
                                  " characters");
  }
  std::vector<SecretString> words;
  SplitLower(text, &words);
  if (!AcceptedWordCount(words.size())) {
    return chain::Status::Invalid("expected 12 or 24 words, got " + std::to_string(words.size()));
  }
  std::array<uint8_t, kMaxEntropy + 1> buf{};
  std::string normalized;
  normalized.reserve(words.size() * 9);
  for (size_t i = 0; i < words.size(); ++i) {
    const int index = WordIndex(words[i].str());
    if (index < 0) {
      chain::SecureWipe(buf.data(), buf.size());
      WipeString(normalized);
      return chain::Status::Invalid("word " + std::to_string(i + 1) + " " + Quoted(words[i].str()) +
                                    " is not in the BIP-39 English word list" +
                                    Suggestion(words[i].str()));
    }
    Put11(buf.data(), i, static_cast<uint32_t>(index));
    if (i) normalized.push_back(' ');
    normalized.append(words[i].str());
  }
  const size_t n = words.size() * 4 / 3;  // entropy bytes
  const size_t check_bits = n / 4;
  chain::Hash256 check = chain::Sha256Hash(chain::ByteSpan(buf.data(), n));
  const uint8_t mask = static_cast<uint8_t>(0xff << (8 - check_bits));
  const bool match = (check.bytes[0] & mask) == (buf[n] & mask);
  chain::SecureWipe(buf.data(), buf.size());
  chain::SecureWipe(check.data(), check.kSize);
  if (!match) {
    WipeString(normalized);
    return chain::Status::Invalid("checksum mismatch: a word is wrong or out of order");
  }
  return SecretString(std::move(normalized));
}

chain::Result<SecretBytes> MnemonicToSeed(std::string_view mnemonic, std::string_view passphrase) {
  chain::Result<SecretString> normalized = NormalizeMnemonic(mnemonic);
  if (!normalized.ok()) return normalized.status();
  for (char c : passphrase) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      return chain::Status::Invalid(
          "the BIP-39 passphrase must be ASCII (Unicode normalization is not implemented)");
    }
  }
  std::string salt_text = "mnemonic";
  salt_text.reserve(salt_text.size() + passphrase.size());
  salt_text.append(passphrase);
  const SecretString salt(std::move(salt_text));
  SecretBytes seed(64);
  const std::string& words = normalized->str();
  if (PKCS5_PBKDF2_HMAC(words.data(), static_cast<int>(words.size()),
                        reinterpret_cast<const unsigned char*>(salt.str().data()),
                        static_cast<int>(salt.size()), 2048, EVP_sha512(),
                        static_cast<int>(seed.size()), seed.data()) != 1) {
    return chain::Status::Internal("PBKDF2-HMAC-SHA512 failed (OpenSSL)");
  }
  return seed;
}

}  // namespace waybill::wallet::bip39
