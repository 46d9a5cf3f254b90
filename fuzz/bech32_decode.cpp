#include <string>

#include "chain/bech32.h"
#include "fuzz/fuzz.h"

using namespace waybill::chain;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string s(reinterpret_cast<const char*>(data), size);
  if (auto d = bech32::Decode(s)) {
    std::string lower;
    for (char c : s) lower += (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    FUZZ_CHECK(bech32::Encode(d->encoding, d->hrp, d->data) == lower);
  }
  auto hrp_end = s.rfind('1');
  std::string hrp = hrp_end == std::string::npos ? "wbd" : s.substr(0, hrp_end);
  if (auto account = bech32::DecodeAddress(hrp, s); account.ok()) {
    std::string lower;
    for (char c : s) lower += (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    std::string hrp_lower;
    for (char c : hrp) hrp_lower += (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    FUZZ_CHECK(bech32::EncodeAddress(hrp_lower, *account) == lower);
  }
  return 0;
}
