#include "node/cli/args.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace waybill::cli {
namespace {

const OptionSpec* FindSpec(std::span<const OptionSpec> specs, std::string_view name) {
  for (const auto& s : specs) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

// Files the CLI reads (keys, genesis files) are small; refuse anything absurd.
constexpr std::streamsize kMaxReadFile = 64 << 20;

}  // namespace

Args Args::Parse(std::span<const std::string> words, std::span<const OptionSpec> specs) {
  Args args;
  bool options_done = false;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (options_done || w.size() < 2 || w.compare(0, 2, "--") != 0) {
      if (!options_done && w == "-h") {
        args.values_["help"].push_back("");
        continue;
      }
      args.positional_.push_back(w);
      continue;
    }
    if (w == "--") {
      options_done = true;
      continue;
    }
    std::string name = w.substr(2);
    std::optional<std::string> value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    if (name == "help") {
      args.values_["help"].push_back("");
      continue;
    }
    const OptionSpec* spec = FindSpec(specs, name);
    if (!spec) throw CliError("unknown option --" + name);
    if (spec->value_name.empty()) {
      if (value) throw CliError("option --" + name + " takes no value");
      value = "";
    } else if (!value && spec->optional_value) {
      const bool next_is_number = i + 1 < words.size() && !words[i + 1].empty() &&
                                  words[i + 1].find_first_not_of("0123456789") == std::string::npos;
      value = next_is_number ? words[++i] : "";
    } else if (!value) {
      if (i + 1 >= words.size()) {
        throw CliError("option --" + name + " needs a value (" + std::string(spec->value_name) +
                       ")");
      }
      value = words[++i];
    }
    auto& slot = args.values_[name];
    if (!slot.empty() && !spec->repeatable) throw CliError("option --" + name + " given twice");
    slot.push_back(*value);
  }
  return args;
}

bool Args::Has(std::string_view name) const { return values_.find(name) != values_.end(); }

std::optional<std::string> Args::Get(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::string Args::Require(std::string_view name) const {
  auto v = Get(name);
  if (!v) throw CliError("missing required option --" + std::string(name));
  return *v;
}

std::vector<std::string> Args::GetAll(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return {};
  return it->second;
}

std::vector<std::string> Args::GetList(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& v : GetAll(name)) {
    for (auto& part : SplitList(v, ',')) out.push_back(std::move(part));
  }
  return out;
}

std::string OptionsHelp(std::span<const OptionSpec> specs) {
  std::string out;
  for (const auto& s : specs) {
    std::string left = "  --" + std::string(s.name);
    if (!s.value_name.empty()) {
      left += s.optional_value ? " [" + std::string(s.value_name) + "]"
                               : " " + std::string(s.value_name);
    }
    left.resize(std::max<size_t>(left.size() + 2, 28), ' ');
    out += left + std::string(s.help) + (s.repeatable ? " (repeatable)" : "") + "\n";
  }
  return out;
}

std::vector<OptionSpec> AddOptions(std::vector<OptionSpec> specs,
                                   std::initializer_list<OptionSpec> more) {
  specs.insert(specs.end(), more.begin(), more.end());
  return specs;
}

uint64_t ParseU64(std::string_view text, std::string_view what) {
  if (text.empty() || text.size() > 20) {
    throw CliError(std::string(what) + ": expected a non-negative integer, got '" +
                   std::string(text) + "'");
  }
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      throw CliError(std::string(what) + ": expected a non-negative integer, got '" +
                     std::string(text) + "'");
    }
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) throw CliError(std::string(what) + ": too large");
    v = v * 10 + d;
  }
  return v;
}

uint32_t ParseU32HexOrDec(std::string_view text, std::string_view what) {
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    std::string_view hex = text.substr(2);
    if (hex.empty() || hex.size() > 8) throw CliError(std::string(what) + ": bad hex value");
    uint32_t v = 0;
    for (char c : hex) {
      int d = chain::HexDigitValue(c);
      if (d < 0) throw CliError(std::string(what) + ": bad hex value '" + std::string(text) + "'");
      v = v << 4 | static_cast<uint32_t>(d);
    }
    return v;
  }
  uint64_t v = ParseU64(text, what);
  if (v > UINT32_MAX) throw CliError(std::string(what) + ": too large");
  return static_cast<uint32_t>(v);
}

chain::Hash256 ParseHash(std::string_view text, std::string_view what) {
  auto h = chain::Hash256::FromHex(text);
  if (!h) {
    throw CliError(std::string(what) + ": expected 64 hex digits, got '" + std::string(text) + "'");
  }
  return *h;
}

std::vector<std::string> SplitList(std::string_view text, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t end = text.find(sep, start);
    std::string_view part = text.substr(start, end == std::string_view::npos ? end : end - start);
    if (!part.empty()) out.emplace_back(part);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CliError("cannot open " + path + ": " + std::strerror(errno));
  std::string data;
  char buf[4096];
  while (in.read(buf, sizeof(buf)) || in.gcount() > 0) {
    data.append(buf, static_cast<size_t>(in.gcount()));
    if (static_cast<std::streamsize>(data.size()) > kMaxReadFile) {
      throw CliError(path + " is too large");
    }
  }
  if (in.bad()) throw CliError("cannot read " + path);
  return data;
}

namespace {

void WriteExclusive(const std::string& path, const std::string& content, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    if (errno == EEXIST) throw CliError(path + " already exists; not overwriting it");
    throw CliError("cannot create " + path + ": " + std::strerror(errno));
  }
  // The umask may have narrowed the mode, never widened it; set it exactly.
  (void)::fchmod(fd, mode);
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      ::close(fd);
      ::unlink(path.c_str());
      throw CliError("cannot write " + path + ": " + std::strerror(err));
    }
    done += static_cast<size_t>(n);
  }
  bool ok = ::fsync(fd) == 0;
  int err = errno;
  if (::close(fd) != 0 && ok) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    ::unlink(path.c_str());
    throw CliError("cannot write " + path + ": " + std::strerror(err));
  }
}

}  // namespace

void WriteNewPrivateFile(const std::string& path, const std::string& content) {
  WriteExclusive(path, content, 0600);
}

void WriteNewFile(const std::string& path, const std::string& content) {
  WriteExclusive(path, content, 0644);
}

}  // namespace waybill::cli
