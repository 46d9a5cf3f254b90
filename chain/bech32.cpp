#include "chain/bech32.h"

#include <array>

namespace waybill::chain::bech32 {
namespace {

constexpr std::string_view kCharset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
constexpr uint32_t kBech32Const = 1;
constexpr uint32_t kBech32mConst = 0x2bc830a3;
constexpr size_t kMaxLength = 90;
constexpr size_t kChecksumLength = 6;
constexpr uint8_t kAddressVersion = 0;
// The address version plus 32 bytes regrouped into 5-bit values (256 bits -> 52 values).
constexpr size_t kAddressDataLength = 1 + (32 * 8 + 4) / 5;

// Value of a lowercase data character, or -1.
constexpr std::array<int8_t, 128> kCharValues = [] {
  std::array<int8_t, 128> values{};
  values.fill(-1);
  for (size_t i = 0; i < kCharset.size(); ++i) {
    values[static_cast<uint8_t>(kCharset[i])] = static_cast<int8_t>(i);
  }
  return values;
}();

char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ToLower(c);
  return out;
}

// BCH checksum over GF(32) of BIP-173.
uint32_t PolyMod(const std::vector<uint8_t>& values) {
  static constexpr uint32_t kGenerator[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd,
                                             0x2a1462b3};
  uint32_t chk = 1;
  for (uint8_t v : values) {
    const uint32_t top = chk >> 25;
    chk = (chk & 0x1ffffff) << 5 ^ v;
    for (int i = 0; i < 5; ++i) {
      if ((top >> i) & 1) chk ^= kGenerator[i];
    }
  }
  return chk;
}

// The hrp's high bits, a zero, then its low bits: the prefix the checksum covers.
std::vector<uint8_t> ExpandHrp(std::string_view hrp) {
  std::vector<uint8_t> out;
  out.reserve(hrp.size() * 2 + 1);
  for (char c : hrp) out.push_back(static_cast<uint8_t>(c) >> 5);
  out.push_back(0);
  for (char c : hrp) out.push_back(static_cast<uint8_t>(c) & 31);
  return out;
}

uint32_t Constant(Encoding encoding) {
  return encoding == Encoding::kBech32 ? kBech32Const : kBech32mConst;
}

// A string that has the shape of Bech32, before its checksum is checked.
struct Parsed {
  std::string hrp;              // lowercase
  std::vector<uint8_t> values;  // 5-bit data values followed by the 6 checksum values
};

Result<Parsed> Parse(std::string_view str) {
  if (str.size() > kMaxLength) return Status::Invalid("longer than 90 characters");
  bool lower = false;
  bool upper = false;
  for (char ch : str) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 33 || c > 126) return Status::Invalid("character out of range");
    if (c >= 'a' && c <= 'z') lower = true;
    if (c >= 'A' && c <= 'Z') upper = true;
  }
  if (lower && upper) return Status::Invalid("mixed case");
  const size_t sep = str.rfind('1');
  if (sep == std::string_view::npos) return Status::Invalid("no separator");
  if (sep == 0) return Status::Invalid("empty prefix");
  if (str.size() - sep - 1 < kChecksumLength) return Status::Invalid("checksum too short");
  Parsed parsed;
  parsed.hrp = ToLower(str.substr(0, sep));
  parsed.values.reserve(str.size() - sep - 1);
  for (char ch : str.substr(sep + 1)) {
    const int8_t v = kCharValues[static_cast<uint8_t>(ToLower(ch))];  // ch < 127 checked above
    if (v < 0) return Status::Invalid("invalid data character");
    parsed.values.push_back(static_cast<uint8_t>(v));
  }
  return parsed;
}

// Which checksum the string carries, if any.
std::optional<Encoding> ChecksumEncoding(const Parsed& parsed) {
  std::vector<uint8_t> all = ExpandHrp(parsed.hrp);
  all.insert(all.end(), parsed.values.begin(), parsed.values.end());
  const uint32_t check = PolyMod(all);
  if (check == kBech32Const) return Encoding::kBech32;
  if (check == kBech32mConst) return Encoding::kBech32m;
  return std::nullopt;
}

}  // namespace

std::string Encode(Encoding encoding, std::string_view hrp, const std::vector<uint8_t>& data) {
  const std::string lower_hrp = ToLower(hrp);
  std::vector<uint8_t> values = ExpandHrp(lower_hrp);
  values.insert(values.end(), data.begin(), data.end());
  values.resize(values.size() + kChecksumLength, 0);
  const uint32_t checksum = PolyMod(values) ^ Constant(encoding);

  std::string out = lower_hrp;
  out.reserve(lower_hrp.size() + 1 + data.size() + kChecksumLength);
  out.push_back('1');
  for (uint8_t v : data) out.push_back(kCharset[v & 31]);
  for (size_t i = 0; i < kChecksumLength; ++i) {
    out.push_back(kCharset[(checksum >> (5 * (kChecksumLength - 1 - i))) & 31]);
  }
  return out;
}

std::optional<Decoded> Decode(std::string_view str) {
  Result<Parsed> parsed = Parse(str);
  if (!parsed.ok()) return std::nullopt;
  const std::optional<Encoding> encoding = ChecksumEncoding(*parsed);
  if (!encoding) return std::nullopt;
  Decoded out{*encoding, std::move(parsed->hrp), std::move(parsed->values)};
  out.data.resize(out.data.size() - kChecksumLength);
  return out;
}

std::optional<std::vector<uint8_t>> ConvertBits(const std::vector<uint8_t>& in, int from_bits,
                                                int to_bits, bool pad) {
  if (from_bits < 1 || from_bits > 8 || to_bits < 1 || to_bits > 8) return std::nullopt;
  const uint32_t max_value = (1u << to_bits) - 1;
  const uint32_t max_acc = (1u << (from_bits + to_bits - 1)) - 1;
  uint32_t acc = 0;
  int bits = 0;
  std::vector<uint8_t> out;
  out.reserve((in.size() * from_bits + to_bits - 1) / to_bits);
  for (uint8_t v : in) {
    if ((v >> from_bits) != 0) return std::nullopt;
    acc = ((acc << from_bits) | v) & max_acc;
    bits += from_bits;
    while (bits >= to_bits) {
      bits -= to_bits;
      out.push_back(static_cast<uint8_t>((acc >> bits) & max_value));
    }
  }
  if (pad) {
    if (bits > 0) out.push_back(static_cast<uint8_t>((acc << (to_bits - bits)) & max_value));
  } else if (bits >= from_bits || ((acc << (to_bits - bits)) & max_value) != 0) {
    // Without padding, leftover bits must be fewer than one input group and all zero, or the
    // encoding would not be the unique one for its bytes.
    return std::nullopt;
  }
  return out;
}

std::optional<SegwitAddress> DecodeSegwit(std::string_view hrp, std::string_view addr) {
  const std::optional<Decoded> dec = Decode(addr);
  if (!dec || dec->hrp != ToLower(hrp) || dec->data.empty()) return std::nullopt;
  const int version = dec->data[0];
  if (version > 16) return std::nullopt;
  // BIP-350: v0 keeps Bech32, every later version uses Bech32m.
  const Encoding expected = version == 0 ? Encoding::kBech32 : Encoding::kBech32m;
  if (dec->encoding != expected) return std::nullopt;
  std::optional<std::vector<uint8_t>> program =
      ConvertBits(std::vector<uint8_t>(dec->data.begin() + 1, dec->data.end()), 5, 8, false);
  if (!program || program->size() < 2 || program->size() > 40) return std::nullopt;
  if (version == 0 && program->size() != 20 && program->size() != 32) return std::nullopt;
  return SegwitAddress{version, std::move(*program)};
}

std::optional<std::string> EncodeSegwit(std::string_view hrp, int version,
                                        const std::vector<uint8_t>& program) {
  if (version < 0 || version > 16) return std::nullopt;
  std::optional<std::vector<uint8_t>> values = ConvertBits(program, 8, 5, true);
  if (!values) return std::nullopt;
  values->insert(values->begin(), static_cast<uint8_t>(version));
  std::string out = Encode(version == 0 ? Encoding::kBech32 : Encoding::kBech32m, hrp, *values);
  // Decoding back checks everything Encode assumes (hrp, program length, total length).
  if (!DecodeSegwit(hrp, out)) return std::nullopt;
  return out;
}

std::string EncodeAddress(std::string_view hrp, const AccountId& account) {
  std::vector<uint8_t> values = {kAddressVersion};
  const std::optional<std::vector<uint8_t>> id =
      ConvertBits(std::vector<uint8_t>(account.bytes.begin(), account.bytes.end()), 8, 5, true);
  values.insert(values.end(), id->begin(), id->end());  // 8 -> 5 with padding cannot fail
  return Encode(Encoding::kBech32m, hrp, values);
}

Result<AccountId> DecodeAddress(std::string_view hrp, std::string_view address) {
  Result<Parsed> parsed = Parse(address);
  if (!parsed.ok()) return Status::Invalid("malformed address: " + parsed.status().reason());
  // The prefix is checked before the checksum: an address of another network has a valid
  // checksum, and saying which network it is for is the useful answer.
  const std::string expected_hrp = ToLower(hrp);
  if (parsed->hrp != expected_hrp) {
    return Status::Invalid("wrong address prefix: expected " + expected_hrp + ", got " +
                           parsed->hrp);
  }
  const std::optional<Encoding> encoding = ChecksumEncoding(*parsed);
  if (!encoding) return Status::Invalid("bad checksum");
  if (*encoding != Encoding::kBech32m) {
    return Status::Invalid("not a Bech32m address (it has a Bech32 checksum)");
  }
  std::vector<uint8_t>& data = parsed->values;
  data.resize(data.size() - kChecksumLength);
  if (data.empty()) return Status::Invalid("wrong length: no data");
  if (data[0] != kAddressVersion) {
    return Status::Invalid("unsupported address version " + std::to_string(data[0]));
  }
  if (data.size() != kAddressDataLength) {
    return Status::Invalid("wrong length: " + std::to_string(data.size()) +
                           " data characters, expected " + std::to_string(kAddressDataLength));
  }
  const std::optional<std::vector<uint8_t>> bytes =
      ConvertBits(std::vector<uint8_t>(data.begin() + 1, data.end()), 5, 8, false);
  if (!bytes || bytes->size() != AccountId::kSize) {
    return Status::Invalid("non-zero padding bits");
  }
  return AccountId::FromSpan(*bytes);
}

Result<AccountId> ParseAccount(std::string_view hrp, std::string_view text) {
  if (text.size() == 64) {
    if (auto id = Hash256::FromHex(text)) return *id;
  }
  return DecodeAddress(hrp, text);
}

}  // namespace waybill::chain::bech32
