#include "node/config.h"

#include <arpa/inet.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "chain/bech32.h"
#include "chain/schnorr.h"
#include "node/http/auth.h"
#include "node/params/genesis.h"
#include "node/rpc/whitelist.h"
#include "p2p/net_address.h"

namespace waybill::node {
namespace {

namespace po = boost::program_options;
using chain::Status;

constexpr char kDefaultConfName[] = "waybill.conf";
// The miner runs at most this many hashing threads (node/mining/miner.h: "clamped to 1..256"); a
// larger count is refused here rather than silently cut there.
constexpr int64_t kMaxMinerThreads = 256;

// Options only the command line may give.
po::options_description CommandLineOnly() {
  po::options_description d("General");
  // One option per line reads better than the formatter's packing of this call chain.
  // clang-format off
  d.add_options()
      ("help,h", "Print this help and exit.")
      ("version", "Print the version and exit.")
      ("conf", po::value<std::string>()->value_name("FILE"),
       "Config file of key=value lines (default: <datadir>/waybill.conf, read if present).")
      ("reindex",
       "Rebuild the chain state, undo data, indexes and tip from the stored blocks, "
       "validating them again from genesis (repairs a damaged database first).");
  // clang-format on
  return d;
}

// Options allowed on the command line and in the config file. Numbers are read as strings
// and checked here, so a bad value gets a message that names the option and the range
// (program_options would also wrap "-1" around for an unsigned type).
po::options_description Settings() {
  po::options_description d("Node");
  // clang-format off
  d.add_options()
      ("datadir", po::value<std::string>()->value_name("DIR"),
       "Data directory (default: ~/.waybill); a network's files go in DIR/<network>/.")
      ("network", po::value<std::string>()->value_name("NAME"),
       "Embedded network: devnet, regtest or testnet (default: devnet); another network: "
       "--genesis.")
      ("genesis", po::value<std::string>()->value_name("FILE"),
       "Genesis file of another network (conflicts with --network).")
      ("rpcbind", po::value<std::string>()->value_name("ADDR"),
       "Address the JSON-RPC server binds to (default: 127.0.0.1).")
      ("rpcport", po::value<std::string>()->value_name("PORT"),
       "JSON-RPC port (default: devnet 19740, regtest 19741, testnet 19742, other 19743).")
      ("rpcuser", po::value<std::string>()->value_name("USER"),
       "JSON-RPC user name (with --rpcpassword; default: cookie authentication).")
      ("rpcpassword", po::value<std::string>()->value_name("PASS"),
       "JSON-RPC password (with --rpcuser).")
      ("rpcauth", po::value<std::vector<std::string>>()->composing()->value_name("USER:SALT$HASH"),
       "A JSON-RPC user and the salted HMAC-SHA256 of its password, as `waybill rpcauth USER` "
       "prints it (repeatable).")
      ("rpcwhitelist", po::value<std::vector<std::string>>()->composing()->value_name("USER:METHODS"),
       "The only JSON-RPC methods USER may call, separated by commas (repeatable; repeated for "
       "one user: the intersection).")
      ("rpcwhitelistdefault", po::value<bool>()->value_name("0|1"),
       "1: an --rpcauth user without --rpcwhitelist may call no method (default: 1 if any "
       "--rpcwhitelist is given, else 0). The cookie user and --rpcuser keep every method "
       "unless whitelisted.")
      ("rest", po::value<bool>()->implicit_value(true)->value_name("0|1"),
       "Serve the public read-only REST API and the explorer page (default: 0).")
      ("restbind", po::value<std::string>()->value_name("ADDR"),
       "Address the REST API binds to (default: 127.0.0.1).")
      ("restport", po::value<std::string>()->value_name("PORT"),
       "REST API port (default: devnet 19750, regtest 19751, testnet 19752, other 19753).")
      ("restratelimit", po::value<std::string>()->value_name("N"),
       "REST requests a second per client IP, in bursts of up to 2N; beyond, 429 with "
       "Retry-After. 0: no limit (e.g. behind a proxy that limits, or for a benchmark) "
       "(default: 50).")
      ("resturl", po::value<std::string>()->value_name("URL"),
       "Public base URL of the REST API, as clients reach it (e.g. behind a proxy), for links "
       "and QR codes (default: http://RESTBIND:RESTPORT).")
      ("loglevel", po::value<std::string>()->value_name("LEVEL"),
       "error, warn, info, debug or trace (default: info).")
      ("printtoconsole", po::value<bool>()->implicit_value(true)->value_name("0|1"),
       "Also log to stderr (default: 1).")
      ("mine", po::value<bool>()->implicit_value(true)->value_name("0|1"),
       "Mine blocks (default: 0).")
      ("miner-address", po::value<std::string>()->value_name("ADDR"),
       "Address that receives mined rewards (required with --mine, except on devnet).")
      ("miner-threads", po::value<std::string>()->value_name("N"),
       "Mining threads, 1..256 (default: 1).")
      ("maxmempool", po::value<std::string>()->value_name("MB"),
       "Mempool size limit in MiB (default: 64).")
      ("verify-threads", po::value<std::string>()->value_name("N"),
       "Signature verification threads (default: the number of CPUs).")
      ("checkblocks", po::value<std::string>()->value_name("N"),
       "Blocks of the active chain re-read and checked at startup; 0: none (default: 6).")
      ("persistmempool", po::value<bool>()->implicit_value(true)->value_name("0|1"),
       "Save the mempool to mempool.dat at a clean stop and load it at start (default: 1).")
      ("listen", po::value<bool>()->implicit_value(true)->value_name("0|1"),
       "Accept P2P connections (default: 1, on --bind).")
      ("bind", po::value<std::string>()->value_name("ADDR"),
       "Address to accept P2P connections on; outbound connections leave from it too unless "
       "it is 0.0.0.0 or :: (default: 127.0.0.1, loopback only).")
      ("port", po::value<std::string>()->value_name("PORT"),
       "P2P port (default: devnet 19840, regtest 19841, testnet 19842, other 19843).")
      ("connect", po::value<std::vector<std::string>>()->composing()->value_name("ADDR"),
       "Connect only to this peer (IP[:PORT]; repeatable). No other outbound connections.")
      ("addnode", po::value<std::vector<std::string>>()->composing()->value_name("ADDR"),
       "Also keep a connection to this peer (IP[:PORT]; repeatable).")
      ("seed", po::value<std::vector<std::string>>()->composing()->value_name("ADDR"),
       "A peer to learn addresses from at start (IP[:PORT]; repeatable).")
      ("maxconnections", po::value<std::string>()->value_name("N"),
       "Most P2P connections in all; inbound ones get what --maxoutbound leaves (default: 72).")
      ("maxoutbound", po::value<std::string>()->value_name("N"),
       "Outbound connections to keep (default: 8).")
      ("bantime", po::value<std::string>()->value_name("SECONDS"),
       "How long a misbehaving peer's IP stays banned (default: 86400).")
      ("mempoolsync", po::value<std::string>()->value_name("SECONDS"),
       "Mempool anti-entropy with a random peer this often; 0: never (default: 30).")
      ("rotateinterval", po::value<std::string>()->value_name("SECONDS"),
       "Replace one outbound peer this often; 0: never (default: 600).");
  // clang-format on
  return d;
}

std::optional<std::string> Get(const po::variables_map& vm, const char* name) {
  auto it = vm.find(name);
  if (it == vm.end() || it->second.empty()) return std::nullopt;
  return it->second.as<std::string>();
}

// Reads an integer option in [lo, hi]; leaves *out alone when the option is absent.
Status ReadInt(const po::variables_map& vm, const char* name, int64_t lo, int64_t hi,
               int64_t* out) {
  std::optional<std::string> text = Get(vm, name);
  if (!text) return Status::Ok();
  int64_t v = 0;
  const char* begin = text->data();
  const char* end = begin + text->size();
  auto [ptr, ec] = std::from_chars(begin, end, v);
  if (ec != std::errc() || ptr != end || text->empty() || v < lo || v > hi) {
    return Status::Invalid("--" + std::string(name) + ": expected an integer from " +
                           std::to_string(lo) + " to " + std::to_string(hi) + ", got '" + *text +
                           "'");
  }
  *out = v;
  return Status::Ok();
}

bool IsIpAddress(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

// "~" and "~/x" are expanded (a config file gets no shell to do it); the result is absolute.
chain::Result<std::string> ResolveDatadir(const std::optional<std::string>& given) {
  std::string path = given.value_or(DefaultDataDir());
  if (path.empty()) return Status::Invalid("--datadir: must not be empty");
  if (path == "~" || path.rfind("~/", 0) == 0) {
    const char* home = std::getenv("HOME");
    if (home == nullptr || *home == '\0') {
      return Status::Invalid("--datadir: cannot expand ~ (HOME is not set); give a path");
    }
    path = std::string(home) + path.substr(1);
  }
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(path, ec);
  if (ec) return Status::Invalid("--datadir: " + path + ": " + ec.message());
  return abs.lexically_normal().string();
}

chain::AccountId DevKeyAccount(uint32_t index) {
  chain::Hash256 secret = chain::DevSecretKeyBytes(index);
  auto key = chain::SecretKey::FromBytes(secret.span());
  // The dev keys are fixed, published values, all valid: a failure here is a build defect.
  return key ? key->PublicKey() : chain::AccountId{};
}

std::vector<std::string> GetList(const po::variables_map& vm, const char* name) {
  auto it = vm.find(name);
  if (it == vm.end() || it->second.empty()) return {};
  return it->second.as<std::vector<std::string>>();
}

Status ReadPeers(const po::variables_map& vm, const char* name, uint16_t default_port,
                 std::vector<p2p::NetAddress>* out) {
  for (const std::string& text : GetList(vm, name)) {
    auto addr = p2p::NetAddress::Parse(text, default_port);
    if (!addr || !addr->IsValid()) {
      return Status::Invalid("--" + std::string(name) + ": expected IP or IP:PORT, got '" + text +
                             "' (names are not resolved)");
    }
    if (std::find(out->begin(), out->end(), *addr) == out->end()) out->push_back(*addr);
  }
  return Status::Ok();
}

Status ValidateP2p(const po::variables_map& vm, Config* c) {
  P2pConfig& p = c->p2p;
  if (vm.count("listen")) p.listen = vm["listen"].as<bool>();
  int64_t port = DefaultP2pPort(c->network);
  if (Status s = ReadInt(vm, "port", 0, 65535, &port); !s.ok()) return s;
  p.port = static_cast<uint16_t>(port);
  if (auto bind = Get(vm, "bind")) {
    auto addr = p2p::NetAddress::ParseIp(*bind);
    if (!addr) return Status::Invalid("--bind: not an IP address: " + *bind);
    p.bind = *addr;
  }
  p.bind.port = p.port;
  if (Status s = ReadPeers(vm, "connect", p.port, &p.connect); !s.ok()) return s;
  if (Status s = ReadPeers(vm, "addnode", p.port, &p.addnode); !s.ok()) return s;
  if (Status s = ReadPeers(vm, "seed", p.port, &p.seed); !s.ok()) return s;
  int64_t max_connections = 72, max_outbound = 8;
  if (Status s = ReadInt(vm, "maxconnections", 0, 4096, &max_connections); !s.ok()) return s;
  if (Status s = ReadInt(vm, "maxoutbound", 0, 64, &max_outbound); !s.ok()) return s;
  p.max_outbound = static_cast<size_t>(std::min(max_outbound, max_connections));
  p.max_inbound = static_cast<size_t>(max_connections) - p.max_outbound;
  int64_t ban = 86400, sync = 30, rotate = 600;
  if (Status s = ReadInt(vm, "bantime", 1, int64_t{10} * 365 * 86400, &ban); !s.ok()) return s;
  if (Status s = ReadInt(vm, "mempoolsync", 0, 86400, &sync); !s.ok()) return s;
  if (Status s = ReadInt(vm, "rotateinterval", 0, 86400 * 7, &rotate); !s.ok()) return s;
  p.ban_seconds = ban;
  p.mempool_sync_seconds = sync;
  p.rotate_seconds = rotate;
  return Status::Ok();
}

Status ValidateNetwork(const po::variables_map& vm, Config* c) {
  std::optional<std::string> network = Get(vm, "network");
  std::optional<std::string> genesis = Get(vm, "genesis");
  if (network && genesis) {
    return Status::Invalid("--genesis and --network conflict: a genesis file is the network");
  }
  if (genesis) {
    auto params = LoadGenesisFile(*genesis);
    if (!params.ok()) return Status::Invalid("--genesis: " + params.status().reason());
    c->params = std::move(*params);
    std::error_code ec;
    c->genesis_file = std::filesystem::absolute(*genesis, ec).lexically_normal().string();
    if (ec) c->genesis_file = *genesis;
  } else {
    auto params = EmbeddedGenesis(network.value_or("devnet"));
    if (!params.ok()) return Status::Invalid("--network: " + params.status().reason());
    c->params = std::move(*params);
  }
  c->network = c->params.network;
  return Status::Ok();
}

Status ValidateRpc(const po::variables_map& vm, Config* c) {
  if (auto bind = Get(vm, "rpcbind")) {
    if (!IsIpAddress(*bind)) return Status::Invalid("--rpcbind: not an IP address: " + *bind);
    c->rpc_bind = *bind;
  }
  int64_t port = DefaultRpcPort(c->network);
  if (Status s = ReadInt(vm, "rpcport", 0, 65535, &port); !s.ok()) return s;
  c->rpc_port = static_cast<uint16_t>(port);
  std::optional<std::string> user = Get(vm, "rpcuser");
  std::optional<std::string> password = Get(vm, "rpcpassword");
  if (user.has_value() != password.has_value()) {
    return Status::Invalid("--rpcuser and --rpcpassword go together (or neither: cookie auth)");
  }
  if (user) {
    if (user->empty() || user->find(':') != std::string::npos) {
      return Status::Invalid("--rpcuser: must be non-empty and contain no ':'");
    }
    if (password->empty()) return Status::Invalid("--rpcpassword: must not be empty");
    c->rpc_user = *user;
    c->rpc_password = *password;
  }
  c->rpc_auth = GetList(vm, "rpcauth");
  for (const std::string& line : c->rpc_auth) {
    auto parsed = ParseRpcAuth(line);
    if (!parsed.ok()) return parsed.status();
  }
  c->rpc_whitelist = GetList(vm, "rpcwhitelist");
  if (vm.count("rpcwhitelistdefault")) {
    c->rpc_whitelist_default = vm["rpcwhitelistdefault"].as<bool>();
  }
  if (auto w = RpcWhitelist::Parse(c->rpc_whitelist, c->rpc_whitelist_default, {}); !w.ok()) {
    return w.status();
  }
  return Status::Ok();
}

Status ValidateRest(const po::variables_map& vm, Config* c) {
  if (vm.count("rest")) c->rest = vm["rest"].as<bool>();
  if (auto bind = Get(vm, "restbind")) {
    if (!IsIpAddress(*bind)) return Status::Invalid("--restbind: not an IP address: " + *bind);
    c->rest_bind = *bind;
  }
  int64_t port = DefaultRestPort(c->network);
  if (Status s = ReadInt(vm, "restport", 0, 65535, &port); !s.ok()) return s;
  c->rest_port = static_cast<uint16_t>(port);
  int64_t rate = c->rest_rate_limit;
  if (Status s = ReadInt(vm, "restratelimit", 0, 1'000'000, &rate); !s.ok()) return s;
  c->rest_rate_limit = static_cast<uint32_t>(rate);
  if (auto url = Get(vm, "resturl")) {
    std::string u = *url;
    while (!u.empty() && u.back() == '/') u.pop_back();
    bool scheme = u.rfind("http://", 0) == 0 || u.rfind("https://", 0) == 0;
    bool clean = u.find_first_of(" \t\r\n\"<>?#") == std::string::npos;
    if (!scheme || !clean || u.size() > 200) {
      return Status::Invalid("--resturl: expected an http:// or https:// URL without query, got '" +
                             *url + "'");
    }
    c->rest_url = u;
  }
  return Status::Ok();
}

Status ValidateLogging(const po::variables_map& vm, Config* c) {
  if (auto level = Get(vm, "loglevel")) {
    auto parsed = ParseLogLevel(*level);
    if (!parsed) {
      return Status::Invalid("--loglevel: expected error, warn, info, debug or trace, got '" +
                             *level + "'");
    }
    c->log_level = *parsed;
  }
  if (vm.count("printtoconsole")) c->print_to_console = vm["printtoconsole"].as<bool>();
  return Status::Ok();
}

Status ValidateMining(const po::variables_map& vm, Config* c) {
  if (vm.count("mine")) c->mine = vm["mine"].as<bool>();
  if (auto address = Get(vm, "miner-address")) {
    auto account = chain::bech32::DecodeAddress(c->params.address_prefix, *address);
    if (!account.ok()) {
      return Status::Invalid("--miner-address: not a " + c->params.address_prefix +
                             " address: " + account.status().reason());
    }
    c->miner_account = *account;
  } else if (c->mine) {
    if (c->network != "devnet") {
      return Status::Invalid("--mine requires --miner-address on " + c->network);
    }
    c->miner_account = DevKeyAccount(0);
    c->notes.push_back("no --miner-address: mining to devnet dev key 0, " +
                       chain::bech32::EncodeAddress(c->params.address_prefix, *c->miner_account));
  }
  int64_t miner_threads = 1;
  if (Status s = ReadInt(vm, "miner-threads", 1, kMaxMinerThreads, &miner_threads); !s.ok()) {
    return s;
  }
  c->miner_threads = static_cast<int>(miner_threads);
  return Status::Ok();
}

Status ValidateResources(const po::variables_map& vm, Config* c) {
  int64_t mempool_mb = 64;
  if (Status s = ReadInt(vm, "maxmempool", 1, 1 << 20, &mempool_mb); !s.ok()) return s;
  c->max_mempool_mb = static_cast<size_t>(mempool_mb);
  int64_t verify_threads = std::max(1u, std::thread::hardware_concurrency());
  if (Status s = ReadInt(vm, "verify-threads", 1, 1024, &verify_threads); !s.ok()) return s;
  c->verify_threads = static_cast<size_t>(verify_threads);
  int64_t check_blocks = c->check_blocks;
  if (Status s = ReadInt(vm, "checkblocks", 0, UINT32_MAX, &check_blocks); !s.ok()) return s;
  c->check_blocks = static_cast<uint32_t>(check_blocks);
  c->reindex = vm.count("reindex") > 0;
  if (vm.count("persistmempool")) c->persist_mempool = vm["persistmempool"].as<bool>();
  return Status::Ok();
}

// Each step may use what the ones before it set (the network first: ports and addresses
// depend on it).
Status Validate(const po::variables_map& vm, Config* c) {
  for (Status (*step)(const po::variables_map&, Config*) :
       {ValidateNetwork, ValidateRpc, ValidateRest, ValidateLogging, ValidateMining, ValidateResources,
        ValidateP2p}) {
    if (Status s = step(vm, c); !s.ok()) return s;
  }
  return Status::Ok();
}

// The config file: --conf, else <datadir>/waybill.conf if it exists. Either must be a regular
// file: a directory would otherwise open and read as an empty file. Its settings go into *vm
// after the command line's (which win); sets config->conf_file. Returns the data folder, which
// the file may set (useful with --conf). May throw po::error.
chain::Result<std::string> ReadConfigFile(const po::options_description& settings,
                                          po::variables_map* vm, Config* config) {
  auto datadir = ResolveDatadir(Get(*vm, "datadir"));
  if (!datadir.ok()) return datadir.status();
  std::optional<std::string> conf = Get(*vm, "conf");
  std::string conf_path =
      conf.value_or((std::filesystem::path(*datadir) / kDefaultConfName).string());
  // An explicit file is named as the option; the default one as "config file PATH".
  const std::string unreadable =
      conf ? "--conf: cannot read " + conf_path : "config file " + conf_path + ": cannot read it";
  std::error_code ec;
  const std::filesystem::file_status st = std::filesystem::status(conf_path, ec);
  if (!std::filesystem::exists(st)) {
    if (conf) return Status::Invalid(unreadable);
    return datadir;
  }
  if (!std::filesystem::is_regular_file(st)) {
    return Status::Invalid((conf ? "--conf: cannot read " : "config file ") + conf_path +
                           ": not a regular file");
  }
  std::ifstream in(conf_path);
  if (!in) return Status::Invalid(unreadable);
  try {
    po::store(po::parse_config_file(in, settings), *vm);
  } catch (const po::error& e) {
    return Status::Invalid("config file " + conf_path + ": " + e.what());
  }
  config->conf_file = conf_path;
  // A datadir given only in the file counts; one on the command line was stored first and so
  // still wins.
  return ResolveDatadir(Get(*vm, "datadir"));
}

chain::Result<Config> ParseConfigOrThrow(int argc, const char* const* argv) {
  Config config;
  po::options_description cli_only = CommandLineOnly();
  po::options_description settings = Settings();
  po::options_description all;
  all.add(cli_only).add(settings);

  po::variables_map vm;
  // Unknown options and stray words are collected rather than thrown, so the message can name
  // them ("too many positional options" would not). No guessing: an abbreviation of an option
  // ("--miner-t") is unknown, as it is in the config file, and a future option cannot change
  // what an abbreviation meant.
  po::parsed_options parsed =
      po::command_line_parser(argc, argv)
          .options(all)
          .style(po::command_line_style::default_style & ~po::command_line_style::allow_guessing)
          .allow_unregistered()
          .run();
  std::vector<std::string> unknown =
      po::collect_unrecognized(parsed.options, po::include_positional);
  if (!unknown.empty()) return Status::Invalid("unknown option or argument '" + unknown[0] + "'");
  po::store(parsed, vm);
  if (vm.count("help")) {
    std::ostringstream out;
    out << "Usage: waybilld [options]\n\n"
        << "Options may also be given in the config file as key=value lines (without the\n"
        << "leading --); the command line wins.\n\n"
        << all;
    config.show_help = true;
    config.help_text = out.str();
    return config;
  }
  if (vm.count("version")) {
    config.show_version = true;
    return config;
  }

  auto datadir = ReadConfigFile(settings, &vm, &config);
  if (!datadir.ok()) return datadir.status();
  config.datadir = *datadir;

  if (Status s = Validate(vm, &config); !s.ok()) return s;
  return config;
}

}  // namespace

chain::Result<Config> ParseConfig(int argc, const char* const* argv) {
  try {
    return ParseConfigOrThrow(argc, argv);
  } catch (const po::error& e) {
    // e.g. "unrecognised option '--foo'", "the argument ('x') for option '--mine' is
    // invalid".
    return Status::Invalid(e.what());
  } catch (const std::exception& e) {
    return Status::Invalid(std::string("cannot read the configuration: ") + e.what());
  }
}

}  // namespace waybill::node
