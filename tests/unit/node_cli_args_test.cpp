// Options with an optional value (`--wait [N]`, node/cli/args.h): the next word is taken only
// when it is all digits.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "node/cli/args.h"
#include "node/cli/wait.h"

namespace waybill::cli {
namespace {

Args ParseWords(std::vector<std::string> words) {
  std::vector<OptionSpec> specs = WaitOptions();
  specs.push_back({"json", "", false, "json"});
  specs.push_back({"to", "ADDR", false, "to"});
  return Args::Parse(words, specs);
}

TEST(CliArgs, OptionalValueTakesDigitsOnly) {
  Args a = ParseWords({"--wait", "3", "--json"});
  EXPECT_EQ(a.Get("wait"), "3");
  EXPECT_TRUE(a.Has("json"));
  EXPECT_TRUE(a.positional().empty());

  a = ParseWords({"--wait", "--json"});
  EXPECT_TRUE(a.Has("wait"));
  EXPECT_EQ(a.Get("wait"), "");
  EXPECT_TRUE(a.Has("json"));

  a = ParseWords({"--wait", "abc12"});  // not all digits: a positional word
  EXPECT_EQ(a.Get("wait"), "");
  ASSERT_EQ(a.positional().size(), 1u);
  EXPECT_EQ(a.positional()[0], "abc12");

  a = ParseWords({"--wait"});  // last word
  EXPECT_EQ(a.Get("wait"), "");
  a = ParseWords({"--wait=5"});
  EXPECT_EQ(a.Get("wait"), "5");
  a = ParseWords({"--wait", ""});  // an empty word is no value
  EXPECT_EQ(a.Get("wait"), "");
  EXPECT_EQ(a.positional().size(), 1u);
}

TEST(CliArgs, WaitConfirmations) {
  EXPECT_EQ(WaitConfirmations(ParseWords({"--json"})), std::nullopt);
  EXPECT_EQ(WaitConfirmations(ParseWords({"--wait"})), 1u);
  EXPECT_EQ(WaitConfirmations(ParseWords({"--wait", "6"})), 6u);
  EXPECT_THROW(WaitConfirmations(ParseWords({"--wait", "0"})), CliError);
  EXPECT_THROW(WaitConfirmations(ParseWords({"--wait", "1001"})), CliError);
  EXPECT_THROW(WaitConfirmations(ParseWords({"--wait-timeout", "5"})), CliError);
  EXPECT_THROW(WaitConfirmations(ParseWords({"--wait", "--wait-timeout", "0"})), CliError);
  EXPECT_EQ(WaitConfirmations(ParseWords({"--wait", "--wait-timeout", "5"})), 1u);
}

TEST(CliArgs, OptionalValueInHelp) {
  const std::string help = OptionsHelp(WaitOptions());
  EXPECT_NE(help.find("--wait [N]"), std::string::npos) << help;
  EXPECT_NE(help.find("--wait-timeout SECONDS"), std::string::npos) << help;
}

}  // namespace
}  // namespace waybill::cli
