// Command-line parsing for the `waybill` CLI: options of the form --name VALUE, --name=VALUE
// or --flag, positional words, and "--" to end the options. Strict: an option the command does
// not know is an error, never ignored.
//
// The CLI reports every user error by throwing CliError, which main() catches and prints
// (exit code 1). The exception never leaves the `waybill` program: library calls below it
// return Status/Result values as everywhere else.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "chain/types.h"

namespace waybill::cli {

struct CliError : std::runtime_error {
  explicit CliError(const std::string& message) : std::runtime_error(message) {}
};

struct OptionSpec {
  std::string_view name;        // without the leading "--"
  std::string_view value_name;  // empty for a flag
  bool repeatable = false;
  std::string_view help;
  // The value may be left out (`--wait` or `--wait 3`): then the option takes the next word
  // only when it is all digits, and its value is "" when it takes none.
  bool optional_value = false;
};

class Args {
 public:
  // Parses words (argv without the program and command names). A word is an option only if
  // it starts with "--" and comes before a lone "--"; "-h" is --help. An option with an
  // optional value takes the next word only when it is all digits. Throws CliError for
  // an unknown option, a missing value, a flag given a value, or a repeated single option.
  static Args Parse(std::span<const std::string> words, std::span<const OptionSpec> specs);

  const std::vector<std::string>& positional() const { return positional_; }
  bool Has(std::string_view name) const;
  // The value of a single option, if given.
  std::optional<std::string> Get(std::string_view name) const;
  // The value of a required option; throws CliError naming it when absent.
  std::string Require(std::string_view name) const;
  // Every value of a repeatable option, in order.
  std::vector<std::string> GetAll(std::string_view name) const;
  // Same, with each value also split at commas ("--doc A,B" = "--doc A --doc B").
  std::vector<std::string> GetList(std::string_view name) const;

 private:
  std::vector<std::string> positional_;
  std::map<std::string, std::vector<std::string>, std::less<>> values_;
};

// Prints "  --name VALUE   help" lines.
std::string OptionsHelp(std::span<const OptionSpec> specs);
// specs followed by more: how a command adds its own options to a shared set.
std::vector<OptionSpec> AddOptions(std::vector<OptionSpec> specs,
                                   std::initializer_list<OptionSpec> more);

// Strict decimal u64: digits only, no sign or spaces, no overflow. `what` names the value in
// the error message.
uint64_t ParseU64(std::string_view text, std::string_view what);
// Like ParseU64 but also accepts 0x-prefixed hex (for bits and magic values).
uint32_t ParseU32HexOrDec(std::string_view text, std::string_view what);
chain::Hash256 ParseHash(std::string_view text, std::string_view what);
std::vector<std::string> SplitList(std::string_view text, char sep);

// Whole files, for keys and genesis files. Throw CliError with the path and the OS reason.
std::string ReadFile(const std::string& path);
// Creates path with mode 0600, failing (CliError) if it exists: never overwrites.
void WriteNewPrivateFile(const std::string& path, const std::string& content);
// Creates path with mode 0644, failing (CliError) if it exists.
void WriteNewFile(const std::string& path, const std::string& content);

}  // namespace waybill::cli
