#include "node/cli/testnet_state.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>

namespace waybill::cli::testnet {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

}  // namespace

// ---- What runs: DIR/testnet.json ----

std::string RpcUrl(const NodeInfo& n) {
  return "http://" + n.ip + ":" + std::to_string(n.rpc_port);
}

std::string P2pEndpoint(const NodeInfo& n) { return n.ip + ":" + std::to_string(n.p2p_port); }

Json StateToJson(const State& s) {
  Json nodes = Json::array();
  for (const NodeInfo& n : s.nodes) {
    nodes.push_back({{"index", n.index},
                     {"pid", n.pid},
                     {"ip", n.ip},
                     {"rpcport", n.rpc_port},
                     {"p2pport", n.p2p_port},
                     {"rpc", RpcUrl(n)},
                     {"p2p", P2pEndpoint(n)},
                     {"datadir", n.datadir},
                     {"seed", n.seed},
                     {"miner", n.miner},
                     {"miner_address", n.miner_address},
                     {"args", n.args}});
  }
  return {{"format", kStateFormat},
          {"network", s.network},
          {"genesis", s.genesis},
          {"waybilld", s.waybilld},
          {"block_interval", s.block_interval},
          {"pacer_pid", s.pacer_pid},
          {"nodes", nodes}};
}

// Written whole to a temporary file and renamed, so a reader never sees half of it.
void SaveState(const fs::path& dir, const State& s) {
  const fs::path path = dir / kStateFile;
  const fs::path tmp = dir / (std::string(kStateFile) + ".tmp");
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << StateToJson(s).dump(2) << "\n";
    out.flush();
    if (!out) throw CliError("cannot write " + tmp.string() + ": " + std::strerror(errno));
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw CliError("cannot write " + path.string() + ": " + ec.message());
}

// nullopt when there is no state file; CliError when it exists but cannot be read.
std::optional<State> LoadState(const fs::path& dir) {
  const fs::path path = dir / kStateFile;
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::nullopt;
  const std::string text = ReadFile(path.string());
  Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  const std::string bad = path.string() + ": not a testnet state file";
  if (doc.is_discarded() || !doc.is_object() || doc.value("format", 0) != kStateFormat ||
      !doc.contains("nodes") || !doc["nodes"].is_array()) {
    throw CliError(bad + " (remove it if no node of it runs)");
  }
  State s;
  try {
    s.network = doc.value("network", "");
    s.genesis = doc.value("genesis", "");
    s.waybilld = doc.value("waybilld", "");
    s.block_interval = doc.value("block_interval", uint64_t{0});
    s.pacer_pid = doc.value("pacer_pid", pid_t{0});
    for (const Json& j : doc["nodes"]) {
      NodeInfo n;
      n.index = j.at("index").get<int>();
      n.pid = j.at("pid").get<pid_t>();
      n.ip = j.at("ip").get<std::string>();
      n.rpc_port = j.at("rpcport").get<uint16_t>();
      n.p2p_port = j.at("p2pport").get<uint16_t>();
      n.datadir = j.at("datadir").get<std::string>();
      n.seed = j.value("seed", false);
      n.miner = j.value("miner", false);
      n.miner_address = j.value("miner_address", "");
      n.network = s.network;
      if (j.contains("args")) n.args = j.at("args").get<std::vector<std::string>>();
      s.nodes.push_back(std::move(n));
    }
  } catch (const Json::exception& e) {
    throw CliError(bad + ": " + e.what());
  }
  return s;
}

void RemoveState(const fs::path& dir) {
  std::error_code ec;
  fs::remove(dir / kStateFile, ec);
  if (ec) throw CliError("cannot remove " + (dir / kStateFile).string() + ": " + ec.message());
}

// ---- Processes ----

// True while pid is a process that has not exited (a zombie has).
bool ProcessRunning(pid_t pid) {
  if (pid <= 0) return false;
  if (::kill(pid, 0) != 0 && errno != EPERM) return false;
  // Linux: the state is the field after the parenthesised command name; 'Z' is a zombie,
  // which nobody may have reaped yet (a container's init need not).
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (stat && std::getline(stat, line)) {
    size_t close = line.rfind(')');
    if (close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z') {
      return false;
    }
  }
  return true;
}

// True if pid runs and has `arg` on its command line. Where /proc is available that tells
// our process from one the system has given the pid to since; elsewhere the pid is trusted.
bool IsOurProcess(pid_t pid, const std::string& want) {
  if (!ProcessRunning(pid)) return false;
  std::ifstream cmdline("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  if (!cmdline) return true;
  std::string all((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
  size_t start = 0;
  while (start < all.size()) {
    size_t end = all.find('\0', start);
    if (end == std::string::npos) end = all.size();
    if (all.compare(start, end - start, want) == 0) return true;
    start = end + 1;
  }
  return false;
}

std::string PacerArg(const fs::path& dir) { return "--dir=" + dir.string(); }

bool LockHeld(const std::string& lock_path) {
  int fd = ::open(lock_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool held = ::flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);  // also drops our lock, if we got it
  return held;
}

bool NodeRunning(const NodeInfo& n) { return LockHeld(node::LockPath(n.datadir, n.network)); }

pid_t RunningPid(const NodeInfo& n) {
  if (!NodeRunning(n)) return 0;
  std::ifstream in(node::PidFilePath(n.datadir, n.network));
  long long pid = 0;
  if (in >> pid && pid > 0 && pid <= INT32_MAX && ProcessRunning(static_cast<pid_t>(pid))) {
    return static_cast<pid_t>(pid);
  }
  return IsOurProcess(n.pid, "--datadir=" + n.datadir) ? n.pid : 0;
}

std::string Quote(const std::string& word) {
  if (!word.empty() && word.find_first_of(" \t\"'\\$") == std::string::npos) return word;
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Starts exe in a session of its own (no terminal, so no SIGHUP or ^C from it) with stdin
// from /dev/null and stdout and stderr appended to log_path. The process stays our child
// until this program exits, then belongs to init: `up` can waitpid it, later commands cannot.
pid_t Spawn(const std::string& exe, const std::vector<std::string>& args,
            const std::string& log_path) {
  int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log < 0) throw CliError("cannot open " + log_path + ": " + std::strerror(errno));
  std::time_t now = std::time(nullptr);
  char when[32];
  std::strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  std::string banner = std::string("===== ") + when + " waybill testnet up: " + Quote(exe);
  for (const std::string& a : args) banner += " " + Quote(a);
  banner += "\n";
  if (::write(log, banner.data(), banner.size()) < 0) {
    // The banner is a courtesy; the node's own output still goes to the file.
  }
  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  int report[2];
  if (devnull < 0 || ::pipe2(report, O_CLOEXEC) != 0) {
    int e = errno;
    ::close(log);
    if (devnull >= 0) ::close(devnull);
    throw CliError(std::string("cannot start a process: ") + std::strerror(e));
  }
  // Built before fork: the child may only make async-signal-safe calls.
  std::vector<std::string> words;
  words.push_back(exe);
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  std::cout.flush();
  std::cerr.flush();
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setsid();
    ::dup2(devnull, 0);
    ::dup2(log, 1);
    ::dup2(log, 2);
    ::execv(argv[0], argv.data());
    int e = errno;
    ssize_t ignored = ::write(report[1], &e, sizeof(e));
    (void)ignored;
    ::_exit(127);
  }
  int fork_errno = errno;
  ::close(report[1]);
  ::close(log);
  ::close(devnull);
  if (pid < 0) {
    ::close(report[0]);
    throw CliError(std::string("cannot start a process: fork: ") + std::strerror(fork_errno));
  }
  // The pipe closes on a successful exec (CLOEXEC) and carries errno on a failed one.
  int exec_errno = 0;
  ssize_t n;
  do {
    n = ::read(report[0], &exec_errno, sizeof(exec_errno));
  } while (n < 0 && errno == EINTR);
  ::close(report[0]);
  if (n == static_cast<ssize_t>(sizeof(exec_errno))) {
    ::waitpid(pid, nullptr, 0);
    throw CliError("cannot run " + exe + ": " + std::strerror(exec_errno));
  }
  return pid;
}

// Waits until none of pids runs, up to `seconds`. Reaps those that are our children.
void WaitForExit(const std::vector<pid_t>& pids, double seconds) {
  auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  while (true) {
    bool any = false;
    for (pid_t pid : pids) {
      ::waitpid(pid, nullptr, WNOHANG);  // ECHILD when not ours: harmless
      any = any || ProcessRunning(pid);
    }
    if (!any || Clock::now() >= deadline) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// The last `lines` lines of a file, for an error report; empty if it cannot be read.
std::string Tail(const std::string& path, size_t lines) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  std::streamoff from = std::max<std::streamoff>(0, size - 16384);
  in.seekg(from);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> all;
  std::istringstream split(text);
  for (std::string line; std::getline(split, line);) all.push_back(line);
  if (from > 0 && !all.empty()) all.erase(all.begin());  // a partial first line
  size_t start = all.size() > lines ? all.size() - lines : 0;
  std::string out;
  for (size_t i = start; i < all.size(); ++i) out += "  | " + all[i] + "\n";
  return out;
}

void PrintLogTails(const NodeInfo& n) {
  for (const std::string& path :
       {n.datadir + "/" + kStdoutLog, node::NetworkDir(n.datadir, n.network) + "/debug.log"}) {
    std::string tail = Tail(path, 20);
    if (tail.empty()) continue;
    std::cerr << "----- node " << n.index << ": " << path << " (last lines)\n" << tail;
  }
}

// ---- Ports and addresses ----

// errno of binding a TCP socket to ip:port (0 when it could be bound). SO_REUSEADDR as the
// node's own listeners, so a port in TIME_WAIT counts as free, as it is for them.
int TryBind(const std::string& ip, uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  ::inet_pton(AF_INET, ip.c_str(), &addr.sin_addr);
  int result = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 ? 0 : errno;
  ::close(fd);
  return result;
}

// ---- RPC to a node ----

chain::Result<RpcReply> NodeCall(const NodeInfo& n, const std::string& method, const Json& params,
                                 int timeout) {
  RpcConnection conn;
  conn.host = n.ip;
  conn.port = n.rpc_port;
  conn.timeout_seconds = timeout;
  const std::string cookie = node::CookiePath(n.datadir, n.network);
  if (chain::Status s = ReadCookie(cookie, &conn.user, &conn.password); !s.ok()) return s;
  return RpcClient(std::move(conn)).Call(method, params);
}

// The result of a call, or nullopt with *error set.
std::optional<Json> NodeResult(const NodeInfo& n, const std::string& method, std::string* error,
                               const Json& params, int timeout) {
  auto reply = NodeCall(n, method, params, timeout);
  if (!reply.ok()) {
    *error = reply.status().reason();
    return std::nullopt;
  }
  if (!reply->ok) {
    *error = method + ": " + reply->message;
    return std::nullopt;
  }
  return std::move(reply->result);
}

}  // namespace waybill::cli::testnet
