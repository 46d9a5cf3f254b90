# Turns wallet/data/bip39_english.txt into a C++ source at build time, so that the programs do
# not need the file at run time. Fails the build unless the list has exactly 2,048 words of
# a-z, sorted and distinct (wallet/bip39.cpp's lookups rely on the order).
# Run: cmake -DINPUT=<word list> -DOUTPUT=<.cpp> -P embed_wordlist.cmake
cmake_minimum_required(VERSION 3.25)
file(STRINGS "${INPUT}" words)
list(LENGTH words count)
if(NOT count EQUAL 2048)
  message(FATAL_ERROR "${INPUT}: ${count} words; BIP-39 needs 2048")
endif()
set(previous "")
set(body "")
foreach(word ${words})
  if(NOT word MATCHES "^[a-z]+$")
    message(FATAL_ERROR "${INPUT}: '${word}' is not a word of a-z")
  endif()
  if(NOT previous STREQUAL "" AND NOT previous STRLESS word)
    message(FATAL_ERROR "${INPUT}: '${word}' comes after '${previous}': not sorted")
  endif()
  set(previous "${word}")
  string(APPEND body "    \"${word}\",\n")
endforeach()
set(text "// Generated from wallet/data/bip39_english.txt by wallet/embed_wordlist.cmake. Do not edit.
#include <cstddef>
#include <string_view>

namespace waybill::wallet::bip39::internal {
extern const std::string_view kEnglishWords[2048];
const std::string_view kEnglishWords[2048] = {
${body}};
}  // namespace waybill::wallet::bip39::internal
")
file(WRITE "${OUTPUT}" "${text}")
