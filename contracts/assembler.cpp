#include "contracts/assembler.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "chain/types.h"
#include "contracts/limits.h"
#include "contracts/opcodes.h"

namespace waybill::contracts {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Removes a ';' comment, outside string literals.
std::string_view StripComment(std::string_view line) {
  bool in_string = false;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '"' && (i == 0 || line[i - 1] != '\\')) in_string = !in_string;
    if (line[i] == ';' && !in_string) return line.substr(0, i);
  }
  return line;
}

// Splits off the first whitespace-separated word.
std::string_view NextWord(std::string_view* rest) {
  *rest = Trim(*rest);
  size_t end = 0;
  while (end < rest->size() && !std::isspace(static_cast<unsigned char>((*rest)[end]))) ++end;
  std::string_view word = rest->substr(0, end);
  *rest = Trim(rest->substr(end));
  return word;
}

std::optional<uint64_t> ParseInt(std::string_view s) {
  uint64_t v = 0;
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s.remove_prefix(2);
    base = 16;
  }
  if (s.empty()) return std::nullopt;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<chain::Bytes> ParseHex(std::string_view s) {
  if (s.size() % 2 != 0) return std::nullopt;
  chain::Bytes out;
  for (size_t i = 0; i < s.size(); i += 2) {
    int hi = chain::HexDigitValue(s[i]);
    int lo = chain::HexDigitValue(s[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<uint8_t>(hi * 16 + lo));
  }
  return out;
}

// "text" with \" \\ \n \xNN escapes, or 0x followed by hex digits (possibly none).
std::optional<chain::Bytes> ParseBytesLiteral(std::string_view s) {
  if (s.size() >= 2 && s.substr(0, 2) == "0x") return ParseHex(s.substr(2));
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return std::nullopt;
  s = s.substr(1, s.size() - 2);
  chain::Bytes out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out.push_back(static_cast<uint8_t>(s[i]));
      continue;
    }
    if (++i >= s.size()) return std::nullopt;
    if (s[i] == 'n') {
      out.push_back('\n');
    } else if (s[i] == '"' || s[i] == '\\') {
      out.push_back(static_cast<uint8_t>(s[i]));
    } else if (s[i] == 'x' && i + 2 < s.size()) {
      auto b = ParseHex(s.substr(i + 1, 2));
      if (!b || b->size() != 1) return std::nullopt;
      out.push_back((*b)[0]);
      i += 2;
    } else {
      return std::nullopt;
    }
  }
  return out;
}

bool IsLabelName(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
  });
}

class Assembler {
 public:
  explicit Assembler(std::vector<size_t>* lines) : lines_(lines) {}

  chain::Result<Program> Run(std::string_view source) {
    size_t line_no = 0;
    while (!source.empty()) {
      ++line_no;
      size_t nl = source.find('\n');
      std::string_view line = source.substr(0, nl);
      source = nl == std::string_view::npos ? std::string_view() : source.substr(nl + 1);
      line_ = line_no;
      std::string error = Line(Trim(StripComment(line)));
      if (!error.empty()) return Error(line_no, error);
    }
    if (!pending_entries_.empty()) return Error(line_no, "entry without an instruction after it");
    for (const auto& [at, label] : fixups_) {
      auto it = labels_.find(label.name);
      if (it == labels_.end()) return Error(label.line, "unknown label " + label.name);
      program_.code[at] = static_cast<uint8_t>(it->second);
      program_.code[at + 1] = static_cast<uint8_t>(it->second >> 8);
    }
    if (program_.entries.empty() && !program_.code.empty()) program_.entries = {Entry{"main", 0}};
    std::sort(program_.entries.begin(), program_.entries.end(),
              [](const Entry& a, const Entry& b) { return a.name < b.name; });
    if (lines_) lines_->resize(program_.code.size(), 0);
    return std::move(program_);
  }

 private:
  struct LabelUse {
    std::string name;
    size_t line = 0;
  };

  static chain::Status Error(size_t line, const std::string& reason) {
    return chain::Status::Invalid("line " + std::to_string(line) + ": " + reason);
  }

  // Returns an error text, or "" when the line is fine.
  std::string Line(std::string_view line) {
    if (line.empty()) return "";
    if (line.back() == ':') {
      std::string name(Trim(line.substr(0, line.size() - 1)));
      if (!IsLabelName(name)) return "bad label name";
      if (!labels_.emplace(name, program_.code.size()).second)
        return "label defined twice: " + name;
      return "";
    }
    std::string_view rest = line;
    std::string_view word = NextWord(&rest);
    if (word == ".const") return Const(rest);
    if (word == ".entry") {
      std::string name(NextWord(&rest));
      if (!rest.empty() || !IsValidEntryName(name)) return "bad entry name";
      pending_entries_.push_back(name);
      return "";
    }
    if (word == ".byte") {
      auto v = ParseInt(rest);
      if (!v || *v > 0xff) return "bad byte";
      Emit(static_cast<uint8_t>(*v));
      return "";
    }
    return Instruction(word, rest);
  }

  std::string Const(std::string_view rest) {
    std::string name(NextWord(&rest));
    if (!IsLabelName(name)) return "bad constant name";
    auto bytes = ParseBytesLiteral(rest);
    if (!bytes) return "bad constant value (\"text\" or 0xhex)";
    if (constants_.count(name)) return "constant defined twice: " + name;
    if (program_.constants.size() >= kMaxConstants) return "too many constants";
    constants_[name] = program_.constants.size();
    program_.constants.push_back(std::move(*bytes));
    return "";
  }

  void Emit(uint8_t byte) {
    for (std::string& name : pending_entries_) {
      program_.entries.push_back(
          Entry{std::move(name), static_cast<uint16_t>(program_.code.size())});
    }
    pending_entries_.clear();
    if (lines_) {
      lines_->resize(program_.code.size() + 1, 0);
      lines_->back() = line_;
    }
    program_.code.push_back(byte);
  }

  std::string Instruction(std::string_view word, std::string_view rest) {
    std::string mnemonic(word);
    std::transform(mnemonic.begin(), mnemonic.end(), mnemonic.begin(), [](char c) {
      return static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    });
    if (mnemonic == "PUSH") {  // the shortest integer push
      auto v = ParseInt(rest);
      if (!v) return "PUSH takes an integer";
      mnemonic = *v <= 0xff ? "PUSH1" : "PUSH8";
    }
    std::optional<Op> op = OpByMnemonic(mnemonic);
    if (!op) return "unknown mnemonic " + std::string(word);
    const OpInfo& info = InfoOf(*op);
    if (info.immediate == Immediate::kNone) {
      if (!rest.empty()) return mnemonic + " takes no operand";
      Emit(static_cast<uint8_t>(*op));
      return "";
    }
    if (rest.empty()) return mnemonic + " needs an operand";
    return Operand(*op, info.immediate, rest);
  }

  std::string Operand(Op op, Immediate imm, std::string_view operand) {
    std::string name(InfoOf(op).mnemonic);
    switch (imm) {
      case Immediate::kInt8:
      case Immediate::kInt64: {
        auto v = ParseInt(operand);
        if (!v || (imm == Immediate::kInt8 && *v > 0xff)) return "bad integer for " + name;
        Emit(static_cast<uint8_t>(op));
        for (size_t i = 0; i < ImmediateSize(imm); ++i)
          program_.code.push_back(static_cast<uint8_t>(*v >> (8 * i)));
        return "";
      }
      case Immediate::kConst: {
        std::optional<size_t> index;
        if (auto it = constants_.find(std::string(operand)); it != constants_.end()) {
          index = it->second;
        } else if (auto bytes = ParseBytesLiteral(operand)) {  // an inline constant
          if (program_.constants.size() >= kMaxConstants) return "too many constants";
          index = program_.constants.size();
          program_.constants.push_back(std::move(*bytes));
        } else if (auto v = ParseInt(operand); v && *v < program_.constants.size()) {
          index = *v;
        }
        if (!index) return "unknown constant " + std::string(operand);
        Emit(static_cast<uint8_t>(op));
        program_.code.push_back(static_cast<uint8_t>(*index));
        return "";
      }
      case Immediate::kTarget: {
        if (!IsLabelName(operand)) return "bad label " + std::string(operand);
        Emit(static_cast<uint8_t>(op));
        fixups_.emplace_back(program_.code.size(), LabelUse{std::string(operand), line_});
        program_.code.push_back(0);
        program_.code.push_back(0);
        return "";
      }
      case Immediate::kNone:
        break;
    }
    return "bad operand";
  }

  Program program_;
  std::map<std::string, size_t> labels_;
  std::map<std::string, size_t> constants_;
  std::vector<std::string> pending_entries_;
  std::vector<std::pair<size_t, LabelUse>> fixups_;
  size_t line_ = 0;
  std::vector<size_t>* lines_;  // may be null
};

std::string HexOf(chain::ByteSpan bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string s = "0x";
  for (uint8_t b : bytes) {
    s += kDigits[b >> 4];
    s += kDigits[b & 15];
  }
  return s;
}

}  // namespace

chain::Result<Program> Assemble(std::string_view source) { return Assembler(nullptr).Run(source); }

chain::Result<Program> Assemble(std::string_view source, std::vector<size_t>* lines) {
  if (lines) lines->clear();
  return Assembler(lines).Run(source);
}

std::string Disassemble(const Program& program) {
  const chain::Bytes& code = program.code;
  std::string out;
  for (size_t i = 0; i < program.constants.size(); ++i) {
    out += ".const c" + std::to_string(i) + " " + HexOf(program.constants[i]) + "\n";
  }
  // Labels at jump targets of whole instructions.
  std::set<size_t> targets;
  for (size_t pc = 0; pc < code.size();) {
    const OpInfo& info = InfoOf(code[pc]);
    size_t next = pc + 1 + ImmediateSize(info.immediate);
    if (!info.known() || next > code.size()) break;
    if (info.immediate == Immediate::kTarget) targets.insert(code[pc + 1] | (code[pc + 2] << 8));
    pc = next;
  }
  for (size_t pc = 0; pc < code.size();) {
    for (const Entry& e : program.entries) {
      if (e.offset == pc) out += ".entry " + e.name + "\n";
    }
    if (targets.count(pc)) out += "L" + std::to_string(pc) + ":\n";
    const OpInfo& info = InfoOf(code[pc]);
    size_t size = 1 + ImmediateSize(info.immediate);
    if (!info.known() || pc + size > code.size()) {
      out += "  .byte " + HexOf(chain::ByteSpan(&code[pc], 1)) + "\n";
      ++pc;
      continue;
    }
    out += "  " + std::string(info.mnemonic);
    const uint8_t* imm = &code[pc + 1];
    switch (info.immediate) {
      case Immediate::kNone:
        break;
      case Immediate::kInt8:
        out += " " + std::to_string(imm[0]);
        break;
      case Immediate::kConst:
        out += " c" + std::to_string(imm[0]);
        break;
      case Immediate::kTarget:
        out += " L" + std::to_string(imm[0] | (imm[1] << 8));
        break;
      case Immediate::kInt64: {
        uint64_t v = 0;
        for (int i = 7; i >= 0; --i) v = (v << 8) | imm[i];
        out += " " + std::to_string(v);
        break;
      }
    }
    out += "\n";
    pc += size;
  }
  return out;
}

}  // namespace waybill::contracts
