// BIP-39 mnemonics (English word list only): entropy <-> words with the checksum, and the
// 64-byte seed (PBKDF2-HMAC-SHA512, 2048 rounds, salt "mnemonic" + passphrase) that BIP-32
// derives keys from (wallet/bip32.h).
//
// The word list is wallet/data/bip39_english.txt, embedded at build time (the build fails
// unless it holds 2,048 sorted words). Passphrases must be ASCII: Unicode NFKD normalization
// is not implemented, so a non-ASCII passphrase is refused rather than hashed in a form
// another wallet might not reproduce.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "chain/status.h"
#include "chain/types.h"
#include "wallet/secret.h"

namespace waybill::wallet::bip39 {

// The 2,048 words, in order (a word's index is its 11-bit value).
const std::vector<std::string_view>& EnglishWords();

// The words for entropy of 16, 20, 24, 28 or 32 bytes (12 to 24 words), single spaces.
// Invalid for any other length.
chain::Result<SecretString> MnemonicFromEntropy(chain::ByteSpan entropy);

// A new mnemonic from the OS CSPRNG (OpenSSL RAND_bytes).
// REQUIRES: words is 12, 15, 18, 21 or 24 (aborts otherwise: a programming error).
SecretString NewMnemonic(size_t words);

// The normalized form of typed or pasted words: lower case, single spaces, no leading or
// trailing space (any ASCII white space separates words). Invalid, in this order of checks:
//   "expected 12 or 24 words, got N" (15, 18 and 21 words are accepted too),
//   "word N 'xxx' is not in the BIP-39 English word list" (N counts from 1; with a
//     suggestion when the first four letters name a word, as they do for every BIP-39 word),
//   "checksum mismatch: a word is wrong or out of order".
// Longer input than kMaxMnemonicText is refused before it is split.
inline constexpr size_t kMaxMnemonicText = 4096;
chain::Result<SecretString> NormalizeMnemonic(std::string_view text);

// The 64-byte seed. The mnemonic is normalized first and must be valid (NormalizeMnemonic's
// errors); Invalid when the passphrase has a byte outside ASCII (see above).
chain::Result<SecretBytes> MnemonicToSeed(std::string_view mnemonic, std::string_view passphrase);

}  // namespace waybill::wallet::bip39
