// Passphrases: a file, an environment variable, or the terminal with echo off.
#include "node/cli/passphrase.h"

#include <fcntl.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <optional>
#include <string>

#include "wallet/secret.h"

namespace waybill::cli {
namespace {

// A passphrase is a line a person types or a small file: larger input is refused rather than
// read into memory.
constexpr size_t kMaxPassphrase = 1024;

constexpr const char* kNoPassphrase =
    "no passphrase: run in a terminal, or give --passphrase-file FILE or set WAYBILL_PASSPHRASE";

// An empty string whose buffer holds kMaxPassphrase + 2 bytes, so that appending up to that
// never reallocates (a reallocation would leave an unwiped copy of the secret behind).
std::string SecretBuffer() {
  std::string s;
  s.reserve(kMaxPassphrase + 2);
  return s;
}

void StripOneNewline(std::string* s) {
  if (!s->empty() && s->back() == '\n') {
    s->pop_back();
    if (!s->empty() && s->back() == '\r') s->pop_back();
  }
}

// The passphrase in a file: its bytes, one trailing "\n" or "\r\n" stripped, nothing else.
wallet::SecretString ReadPassphraseFile(const std::string& path, std::string_view option) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw CliError("cannot open " + path + " (" + std::string(option) +
                   "): " + std::strerror(errno));
  }
  std::string text = SecretBuffer();
  char buf[256];
  bool too_long = false;
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      chain::SecureWipe(buf, sizeof(buf));
      ::close(fd);
      wallet::SecretString wipe(std::move(text));
      throw CliError("cannot read " + path + ": " + std::strerror(err));
    }
    if (n == 0) break;
    if (text.size() + static_cast<size_t>(n) > kMaxPassphrase + 2) {
      too_long = true;
      break;
    }
    text.append(buf, static_cast<size_t>(n));
  }
  chain::SecureWipe(buf, sizeof(buf));
  ::close(fd);
  StripOneNewline(&text);
  wallet::SecretString secret(std::move(text));
  if (too_long || secret.str().size() > kMaxPassphrase) {
    throw CliError(path + " (" + std::string(option) + "): a passphrase is at most " +
                   std::to_string(kMaxPassphrase) + " bytes");
  }
  return secret;
}

std::optional<wallet::SecretString> FromEnv(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return std::nullopt;
  std::string text = SecretBuffer();
  const size_t n = std::strlen(value);
  if (n > kMaxPassphrase) {
    throw CliError(std::string(name) + ": a passphrase is at most " +
                   std::to_string(kMaxPassphrase) + " bytes");
  }
  text.append(value, n);
  return wallet::SecretString(std::move(text));
}

// The terminal's settings while echo is off, for the signal handler that restores them. A
// process-wide value by necessity: a signal handler sees nothing else. Written before the
// handlers are installed and cleared after they are removed.
struct TtyRestore {
  int fd = -1;
  struct termios saved {};
};
TtyRestore g_tty_restore;

constexpr int kTtySignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP};

extern "C" void RestoreTtyAndReraise(int sig) {
  if (g_tty_restore.fd >= 0) {
    (void)::tcsetattr(g_tty_restore.fd, TCSAFLUSH, &g_tty_restore.saved);
    (void)::write(g_tty_restore.fd, "\n", 1);
  }
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

// /dev/tty, opened for one question and closed (and its echo restored) on every path.
class Terminal {
 public:
  static std::optional<Terminal> Open() {
    int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    return Terminal(fd);
  }
  Terminal(Terminal&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  Terminal& operator=(Terminal&&) = delete;
  ~Terminal() {
    if (fd_ >= 0) ::close(fd_);
  }

  void Write(std::string_view text) const {
    while (!text.empty()) {
      ssize_t n = ::write(fd_, text.data(), text.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      text.remove_prefix(static_cast<size_t>(n));
    }
  }

  // One line typed after prompt; echo off when secret (restored before returning, also on a
  // signal). nullopt at end of input.
  std::optional<wallet::SecretString> ReadLine(std::string_view prompt, bool secret) const {
    // Echo goes off before the prompt shows, so nothing typed after the prompt is echoed;
    // TCSANOW keeps what was typed ahead.
    EchoOff guard(fd_, secret);
    Write(prompt);
    std::string line = SecretBuffer();
    bool too_long = false;
    bool eof = true;
    char c;
    while (true) {
      ssize_t n = ::read(fd_, &c, 1);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      if (c == '\n') {
        eof = false;
        break;
      }
      if (line.size() < kMaxPassphrase + 1) line.push_back(c); else too_long = true;
    }
    chain::SecureWipe(&c, 1);
    if (secret) Write("\n");
    if (!line.empty() && line.back() == '\r') line.pop_back();
    wallet::SecretString result(std::move(line));
    if (too_long || result.str().size() > kMaxPassphrase) {
      throw CliError("a passphrase is at most " + std::to_string(kMaxPassphrase) + " bytes");
    }
    if (eof && result.empty()) return std::nullopt;
    return result;
  }

 private:
  explicit Terminal(int fd) : fd_(fd) {}

  // Echo off for its lifetime (when on), with signal handlers that restore it first.
  class EchoOff {
   public:
    EchoOff(int fd, bool on) {
      if (!on || ::tcgetattr(fd, &g_tty_restore.saved) != 0) return;
      g_tty_restore.fd = fd;
      struct sigaction sa {};
      sa.sa_handler = RestoreTtyAndReraise;
      sigemptyset(&sa.sa_mask);
      for (size_t i = 0; i < std::size(kTtySignals); ++i) {
        ::sigaction(kTtySignals[i], &sa, &old_[i]);
      }
      struct termios quiet = g_tty_restore.saved;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      active_ = ::tcsetattr(fd, TCSANOW, &quiet) == 0;
      if (!active_) Uninstall();
    }
    ~EchoOff() {
      if (!active_) return;
      (void)::tcsetattr(g_tty_restore.fd, TCSANOW, &g_tty_restore.saved);
      Uninstall();
    }
    EchoOff(const EchoOff&) = delete;
    EchoOff& operator=(const EchoOff&) = delete;

   private:
    void Uninstall() {
      for (size_t i = 0; i < std::size(kTtySignals); ++i) {
        ::sigaction(kTtySignals[i], &old_[i], nullptr);
      }
      g_tty_restore.fd = -1;
    }
    bool active_ = false;
    struct sigaction old_[std::size(kTtySignals)] {};
  };

  int fd_;
};

// A passphrase typed on the terminal: once, or twice when confirm (the two must match).
// nullopt when there is no terminal.
std::optional<wallet::SecretString> FromTerminal(std::string_view prompt, bool confirm) {
  auto tty = Terminal::Open();
  if (!tty) return std::nullopt;
  auto first = tty->ReadLine(std::string(prompt) + ": ", true);
  if (!first) throw CliError("no passphrase typed (end of input)");
  if (confirm) {
    auto again = tty->ReadLine("Again, to confirm: ", true);
    if (!again || again->str() != first->str()) {
      throw CliError("the two passphrases differ; nothing was changed");
    }
  }
  return first;
}

wallet::SecretString NonEmpty(wallet::SecretString s) {
  if (s.empty()) throw CliError("the passphrase must not be empty");
  return s;
}

}  // namespace

std::vector<OptionSpec> PassphraseOptions() {
  return {{"passphrase-file", "FILE", false,
           "read the wallet's passphrase from FILE (one trailing newline stripped); else env "
           "WAYBILL_PASSPHRASE, else the terminal"}};
}

std::vector<OptionSpec> NewPassphraseOptions() {
  return {{"new-passphrase-file", "FILE", false,
           "read the new passphrase from FILE; else env WAYBILL_NEW_PASSPHRASE, else the "
           "terminal (twice)"}};
}

std::vector<OptionSpec> SeedPassphraseOptions() {
  return {{"seed-passphrase-file", "FILE", false,
           "BIP-39 passphrase (\"25th word\") from FILE; else env WAYBILL_SEED_PASSPHRASE"},
          {"seed-passphrase", "", false, "ask the BIP-39 passphrase on the terminal (twice)"}};
}

wallet::SecretString ReadPassphrase(const Args& args, std::string_view prompt, bool confirm) {
  if (auto path = args.Get("passphrase-file")) {
    return NonEmpty(ReadPassphraseFile(*path, "--passphrase-file"));
  }
  if (auto env = FromEnv("WAYBILL_PASSPHRASE")) return NonEmpty(std::move(*env));
  if (auto typed = FromTerminal(prompt, confirm)) return NonEmpty(std::move(*typed));
  throw CliError(kNoPassphrase);
}

wallet::SecretString ReadNewPassphrase(const Args& args) {
  if (auto path = args.Get("new-passphrase-file")) {
    return NonEmpty(ReadPassphraseFile(*path, "--new-passphrase-file"));
  }
  if (auto env = FromEnv("WAYBILL_NEW_PASSPHRASE")) return NonEmpty(std::move(*env));
  if (auto typed = FromTerminal("New passphrase", true)) return NonEmpty(std::move(*typed));
  throw CliError(
      "no new passphrase: run in a terminal, or give --new-passphrase-file FILE or set "
      "WAYBILL_NEW_PASSPHRASE");
}

wallet::SecretString ReadSeedPassphrase(const Args& args) {
  if (auto path = args.Get("seed-passphrase-file")) {
    return ReadPassphraseFile(*path, "--seed-passphrase-file");
  }
  if (auto env = FromEnv("WAYBILL_SEED_PASSPHRASE")) return std::move(*env);
  if (args.Has("seed-passphrase")) {
    if (auto typed = FromTerminal("BIP-39 passphrase (25th word)", true)) return std::move(*typed);
    throw CliError("--seed-passphrase asks on the terminal, and there is none: give "
                   "--seed-passphrase-file FILE or set WAYBILL_SEED_PASSPHRASE");
  }
  return wallet::SecretString();
}

bool HasTerminal() { return Terminal::Open().has_value(); }

bool Confirm(std::string_view question) {
  auto tty = Terminal::Open();
  if (!tty) return false;
  auto answer = tty->ReadLine(std::string(question) + " [y/N] ", false);
  if (!answer) return false;
  const std::string& a = answer->str();
  return a == "y" || a == "Y" || a == "yes" || a == "YES" || a == "Yes";
}

}  // namespace waybill::cli
