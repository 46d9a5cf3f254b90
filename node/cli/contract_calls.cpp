// `waybill contract deploy|call|show|run`: the contract commands that talk to a node. deploy
// and call build, sign and send a tx as `waybill tx` does (tx_build.h); run asks the node to
// execute a call without sending anything (callcontract); show reads getcontract.
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "chain/bech32.h"
#include "contracts/opcodes.h"
#include "contracts/validator.h"
#include "node/cli/amount.h"
#include "node/cli/commands.h"
#include "node/cli/contract_args.h"
#include "node/cli/tx_build.h"
#include "node/cli/wallet_access.h"

namespace waybill::cli {
namespace {

const Json& ContractMember(const Json& obj, const char* name) {
  static const Json kNull;  // immutable
  const Json* v = Field(obj, name);
  return v ? *v : kNull;
}

std::string ContractStr(const Json& obj, const char* name) {
  const Json& v = ContractMember(obj, name);
  return v.is_string() ? v.get<std::string>() : "";
}

uint64_t ContractU64(const Json& obj, const char* name) {
  const Json& v = ContractMember(obj, name);
  return v.is_number_unsigned() ? v.get<uint64_t>() : 0;
}

Json ContractArgsJson(const std::vector<contracts::Argument>& args) {
  Json out = Json::array();
  for (const contracts::Argument& a : args) {
    if (const auto* n = std::get_if<uint64_t>(&a)) {
      out.push_back(*n);
    } else {
      out.push_back({{"hex", chain::HexEncode(std::get<chain::Bytes>(a))}});
    }
  }
  return out;
}

// --gas N, or nullopt.
std::optional<uint64_t> ContractGasOption(const Args& args) {
  if (auto gas = args.Get("gas")) return ParseU64(*gas, "--gas");
  return std::nullopt;
}

// The call that `call` and `run` describe with CONTRACT ENTRY and the options.
wallet::ContractCall ContractCallFromArgs(const Args& args, const TxEnv& env) {
  if (args.positional().size() != 2) throw CliError("expected CONTRACT ENTRY");
  wallet::ContractCall call;
  call.contract = Recipient(args, args.positional()[0], env, "CONTRACT");
  call.entry = args.positional()[1];
  if (!contracts::IsValidEntryName(call.entry)) {
    throw CliError("ENTRY " + call.entry + ": an entry name is 1..32 characters of [a-z0-9_]");
  }
  call.args = ParseContractArgs(args, env.hrp);
  if (auto coins = args.Get("attach-coins")) {
    call.coins = OrThrow(ParseCoinAmount(*coins, "--attach-coins"), "error");
  }
  for (const std::string& id : args.GetList("attach-asset")) {
    call.assets.push_back(ParseHash(id, "--attach-asset"));
  }
  return call;
}

Json GetContractJson(RpcClient& client, const Args& args, const std::string& address, Json params) {
  auto reply = client.Call("getcontract", params);
  if (reply.ok() && reply->ok) return reply->result;
  if (reply.ok() && reply->code == -5) {
    throw CliError("no contract " + address +
                   " on this network (check the address, or "
                   "--network)");
  }
  return CallRpc(client, args, "getcontract", params);
}

// The gas limit of a call: --gas, else the entry's static bound (getcontract), which no run
// of the entry can pass; an entry that loops has none, and then --gas is required.
uint64_t ContractCallGas(RpcClient& client, const Args& args, const std::string& address,
                         const std::string& entry) {
  if (auto gas = ContractGasOption(args)) return *gas;
  const Json contract = GetContractJson(client, args, address, Json::array({address, 0, 0, 0}));
  for (const Json& e : ContractMember(contract, "entries")) {
    if (ContractStr(e, "name") != entry) continue;
    const Json& bound = ContractMember(e, "gas_bound");
    if (bound.is_number_unsigned()) return bound.get<uint64_t>();
    throw CliError("entry " + entry +
                   " has no static gas bound (it can loop): give --gas N "
                   "(waybill contract run shows the gas a call uses now)");
  }
  throw CliError("contract " + address + " has no entry " + entry);
}

Json ContractCallParams(const wallet::ContractCall& call, const TxEnv& env,
                        const std::optional<chain::AccountId>& sender,
                        std::optional<uint64_t> gas) {
  Json assets = Json::array();
  for (const chain::Hash256& id : call.assets) assets.push_back(id.ToHex());
  Json params = {{"contract", chain::bech32::EncodeAddress(env.hrp, call.contract)},
                 {"entry", call.entry},
                 {"args", ContractArgsJson(call.args)},
                 {"coins", call.coins},
                 {"assets", assets}};
  if (gas) params["gas_limit"] = *gas;
  if (sender) params["sender"] = chain::bech32::EncodeAddress(env.hrp, *sender);
  return params;
}

// "coins 1.5 WBL to wbr1...", "asset ID to wbr1...", "split ID into A, B", "merge ID into C".
std::string EffectLine(const Args& args, const Json& e, const TxEnv& env) {
  const std::string kind = ContractStr(e, "kind");
  auto who = [&](const std::string& address) {
    auto id = chain::bech32::ParseAccount(env.hrp, address);
    return id.ok() ? DisplayAccountOf(args, *id, env.hrp) : address;
  };
  std::string created;
  for (const Json& id : ContractMember(e, "created")) {
    created += (created.empty() ? "" : ", ") + (id.is_string() ? id.get<std::string>() : "");
  }
  if (kind == "coins") {
    return "coins " + FormatCoins(ContractU64(e, "amount")) + " to " + who(ContractStr(e, "to"));
  }
  if (kind == "asset")
    return "asset " + ContractStr(e, "asset") + " to " + who(ContractStr(e, "to"));
  return kind + " " + ContractStr(e, "asset") + " into " + created;
}

// The lines of a call record (callcontract's result, a getcontract call), indented.
void PrintCallRecord(const Args& args, const Json& record, const TxEnv& env,
                     const std::string& indent) {
  std::cout << indent << "outcome:  " << ContractStr(record, "message") << "\n"
            << indent << "gas used: " << ContractU64(record, "gas_used") << " of "
            << ContractU64(record, "gas_limit") << "\n";
  for (const Json& e : ContractMember(record, "effects")) {
    std::cout << indent << "effect:   " << EffectLine(args, e, env) << "\n";
  }
  for (const Json& log : ContractMember(record, "logs")) {
    const std::string text = ContractStr(log, "text");
    std::cout << indent << "log:      "
              << (ContractMember(log, "text").is_string() ? "\"" + text + "\""
                                                          : "0x" + ContractStr(log, "hex"))
              << "\n";
  }
}

std::string ContractAddressArg(const Args& args, const TxEnv& env) {
  if (args.positional().empty()) throw CliError("missing CONTRACT (its address)");
  return chain::bech32::EncodeAddress(env.hrp,
                                      Recipient(args, args.positional()[0], env, "CONTRACT"));
}

// The tx of op signed, sent (unless --dry-run) and printed.
int ContractSubmit(const Args& args, TxSender& sender, std::optional<RpcClient>& client,
                   const TxEnv& env, chain::Operation op, const std::string& what) {
  if (env.gas_price == 0 && wallet::GasLimitOf(op) > 0 && !args.Has("fee")) {
    throw CliError(
        "the node did not report its gas price (getblockchaininfo gas_price): give "
        "--fee, or use a node of protocol 3");
  }
  chain::Transaction tx = BuildUnsigned(std::move(op), args, env, sender.account, client);
  if (client) CheckFunds(*client, args, env, tx);
  std::vector<wallet::Disclosure> none;
  const Submitted s = SignAndSubmit(args, sender, std::move(tx), client, &none);
  const std::optional<chain::AccountId>& contract = s.signed_tx.new_contract;
  if (args.Has("json")) {
    Json out = SubmittedJson(s, env.hrp);
    if (contract) out["contract"] = chain::bech32::EncodeAddress(env.hrp, *contract);
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  if (!s.sent) std::cout << chain::HexEncode(s.signed_tx.raw) << "\n";
  if (contract) {
    std::cout << "contract " << chain::bech32::EncodeAddress(env.hrp, *contract) << " deployed";
  } else {
    std::cout << what;
  }
  std::cout << " in tx " << s.signed_tx.txid.ToHex() << " (fee " << FormatCoins(s.signed_tx.tx.fee)
            << ")" << (s.sent ? "" : " (not sent: --dry-run)") << "\n";
  if (s.confirmation) std::cout << ConfirmationLine(*s.confirmation) << "\n";
  return 0;
}

}  // namespace

int ContractDeploy(const Args& args) {
  if (args.positional().size() != 1) throw CliError("expected FILE (.asm, or bytecode)");
  const chain::Bytes code = ContractCodeOf(args.positional()[0]);
  auto validated = contracts::ValidateBytecode(code);
  if (auto* e = std::get_if<contracts::DeployError>(&validated)) {
    throw CliError("invalid bytecode: " + e->ToString());
  }
  const auto& vc = *std::get<std::shared_ptr<const contracts::ValidatedCode>>(validated);
  TxSender sender = ResolveTxSender(args);
  std::optional<RpcClient> client;
  const TxEnv env = ResolveEnv(args, &client);
  std::vector<contracts::Argument> init_args = ParseContractArgs(args, env.hrp);
  uint64_t gas = 0;
  if (std::optional<size_t> init = vc.FindEntry("init")) {
    if (auto given = ContractGasOption(args)) {
      gas = *given;
    } else if (auto bound = vc.StaticGasBound(*init)) {
      gas = contracts::IntrinsicGas(code.size()) + *bound;
    } else {
      throw CliError("the code's init can loop (no static gas bound): give --gas N");
    }
  } else if (!init_args.empty() || args.Has("gas")) {
    throw CliError(
        "the code has no init entry: nothing runs at deploy, so --arg and --gas "
        "have no use");
  }
  return ContractSubmit(args, sender, client, env,
                        wallet::MakeContractDeploy(code, std::move(init_args), gas), "");
}

int ContractCall(const Args& args) {
  TxSender sender = ResolveTxSender(args);
  std::optional<RpcClient> client(MakeRpcClient(args));
  TxEnv env = EnvFromNode(*client, args);
  if (auto id = args.Get("chain-id")) env.chain_id = ParseHash(*id, "--chain-id");
  if (auto rate = args.Get("fee-rate")) env.fee_rate = ParseU64(*rate, "--fee-rate");
  wallet::ContractCall call = ContractCallFromArgs(args, env);
  const std::string address = chain::bech32::EncodeAddress(env.hrp, call.contract);
  call.gas_limit = ContractCallGas(*client, args, address, call.entry);
  // A call that would fail now still costs its fee: say so before anything is signed.
  if (!args.Has("force")) {
    const Json result = CallRpc(*client, args, "callcontract",
                                ContractCallParams(call, env, sender.account, call.gas_limit));
    if (ContractMember(result, "valid") == false) {
      throw CliError("the node would refuse this call: " + ContractStr(result, "reason") +
                     " (nothing was sent)");
    }
    if (ContractStr(result, "outcome") != "success") {
      throw CliError("the call would fail now: " + ContractStr(result, "message") +
                     "; a failed call still costs its fee (nothing was sent; --force sends it)");
    }
  }
  const std::string what = "called " + call.entry + " of contract " + address;
  return ContractSubmit(args, sender, client, env, wallet::MakeContractCall(std::move(call)), what);
}

int ContractRun(const Args& args) {
  RpcClient client = MakeRpcClient(args);
  const TxEnv env = EnvFromNode(client, args);
  const wallet::ContractCall call = ContractCallFromArgs(args, env);
  std::optional<chain::AccountId> from;
  if (auto text = args.Get("from")) from = Recipient(args, *text, env, "--from");
  const Json result = CallRpc(client, args, "callcontract",
                              ContractCallParams(call, env, from, ContractGasOption(args)));
  if (args.Has("json")) {
    std::cout << result.dump(2) << "\n";
    return 0;
  }
  if (ContractMember(result, "valid") == false) {
    std::cout << "refused: " << ContractStr(result, "reason")
              << " (a tx of this call would be invalid)\n";
    return 1;
  }
  PrintCallRecord(args, result, env, "");
  return ContractStr(result, "outcome") == "success" ? 0 : 1;
}

int ContractShow(const Args& args) {
  RpcClient client = MakeRpcClient(args);
  const TxEnv env = EnvFromNode(client, args);
  const std::string address = ContractAddressArg(args, env);
  Json params = Json::array({address});
  params.push_back(args.Has("storage") ? ParseU64(*args.Get("storage"), "--storage") : 100);
  params.push_back(args.Has("calls") ? ParseU64(*args.Get("calls"), "--calls") : 10);
  const Json c = GetContractJson(client, args, address, params);
  if (args.Has("json")) {
    std::cout << c.dump(2) << "\n";
    return 0;
  }
  auto who = [&](const std::string& a) {
    auto id = chain::bech32::ParseAccount(env.hrp, a);
    return id.ok() ? DisplayAccountOf(args, *id, env.hrp) : a;
  };
  std::cout << "contract " << address << "\n"
            << "  deployed: by " << who(ContractStr(c, "deployer")) << " in block "
            << ContractU64(c, "height") << ", tx " << ContractStr(c, "deploy_txid") << "\n"
            << "  code:     " << ContractU64(c, "code_size")
            << " bytes, stack depth <= " << ContractU64(c, "max_stack_depth") << "\n";
  for (const Json& e : ContractMember(c, "entries")) {
    const Json& bound = ContractMember(e, "gas_bound");
    std::cout << "  entry:    " << ContractStr(e, "name") << " (offset " << ContractU64(e, "offset")
              << ", gas "
              << (bound.is_number_unsigned() ? "<= " + std::to_string(bound.get<uint64_t>())
                                             : std::string("unbounded: it can loop"))
              << ")\n";
  }
  std::cout << "  balance:  " << FormatCoins(ContractU64(c, "balance")) << "\n";
  for (const Json& a : ContractMember(c, "assets")) {
    std::cout << "  holds:    asset " << ContractStr(a, "asset") << " (" << ContractStr(a, "amount")
              << " " << ContractStr(a, "unit") << ")\n";
  }
  for (const Json& s : ContractMember(c, "storage")) {
    const std::string key = ContractMember(s, "key_text").is_string()
                                ? ContractStr(s, "key_text")
                                : "0x" + ContractStr(s, "key_hex");
    std::cout << "  storage:  " << key << " = 0x" << ContractStr(s, "value_hex") << "\n";
  }
  if (ContractMember(c, "storage_truncated") == true)
    std::cout << "  storage:  ... (--storage N)\n";
  std::cout << "  calls:    " << ContractU64(c, "call_count") << " in all"
            << (ContractMember(c, "calls").empty() ? "" : "; newest first:") << "\n";
  for (const Json& call : ContractMember(c, "calls")) {
    const Json& record = ContractMember(call, "call");
    std::cout << "    tx " << ContractStr(call, "txid") << "  " << ContractStr(record, "entry")
              << "\n";
    PrintCallRecord(args, record, env, "      ");
  }
  return 0;
}

}  // namespace waybill::cli
