// `waybill rpc METHOD [ARGS...]`: one JSON-RPC call, printed like bitcoin-cli does.
#include <iostream>

#include "node/cli/commands.h"

namespace waybill::cli {
namespace {

constexpr const char* kRpcHelp =
    "Usage: waybill rpc [options] METHOD [ARGS...]\n"
    "  Calls METHOD on a running waybilld. Each ARG is taken as JSON when it parses as JSON\n"
    "  (numbers, true/false/null, arrays, objects, \"quoted strings\"), else as a string.\n"
    "  Prints a string result bare, anything else as indented JSON, nothing for null.\n"
    "  On an error prints the node's message to stderr and exits with code 1.\n"
    "  Put -- before an argument that starts with --.\n"
    "  waybill rpc help lists the node's methods.\nOptions:\n";

// An argument that parses as JSON is passed as that value, anything else as a string.
Json ParseRpcArg(const std::string& arg) {
  Json v = Json::parse(arg, nullptr, /*allow_exceptions=*/false);
  if (v.is_discarded()) return Json(arg);
  return v;
}

}  // namespace

int RunRpc(std::span<const std::string> words) {
  std::vector<OptionSpec> specs = ConnectionOptions();
  Args args = Args::Parse(words, specs);
  if (args.Has("help") || args.positional().empty()) {
    (args.Has("help") ? std::cout : std::cerr) << kRpcHelp << OptionsHelp(specs);
    return args.Has("help") ? 0 : 1;
  }
  const auto& pos = args.positional();
  Json params = Json::array();
  for (size_t i = 1; i < pos.size(); ++i) params.push_back(ParseRpcArg(pos[i]));
  RpcClient client = MakeRpcClient(args);
  Json result = CallRpc(client, args, pos[0], params);
  if (result.is_string()) {
    std::cout << result.get_ref<const std::string&>() << "\n";
  } else if (!result.is_null()) {
    std::cout << result.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
  }
  return 0;
}

}  // namespace waybill::cli
