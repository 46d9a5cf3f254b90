#include "contracts/interpreter.h"

#include <cstring>
#include <memory>

#include "chain/hash.h"
#include "chain/schnorr.h"
#include "contracts/limits.h"
#include "contracts/opcodes.h"

namespace waybill::contracts {
namespace {

// A stack slot: an integer, or a byte string that points into memory which stays put for
// the whole call (the arena, the program's constants, the CallInput). Values are immutable,
// so DUP and SLICE share bytes instead of copying them.
struct Value {
  uint64_t num = 0;
  const uint8_t* data = nullptr;
  uint32_t len = 0;
  bool bytes = false;
  chain::ByteSpan span() const { return chain::ByteSpan(data, len); }
};

// What empty byte strings that no memory backs point at (never nullptr, so that pointer
// arithmetic on them, as SLICE does, stays defined).
constexpr uint8_t kNoBytes[1] = {0};

Value Int(uint64_t v) { return Value{v, nullptr, 0, false}; }
Value BytesAt(const uint8_t* data, size_t len) {
  return Value{0, len == 0 ? kNoBytes : data, static_cast<uint32_t>(len), true};
}

// The byte strings made during one call, in chunks that never move. The limit counts bytes
// asked for, so it does not depend on how they are laid out.
class Arena {
 public:
  // nullptr when the call's memory limit would be passed. REQUIRES: n <= kChunk.
  uint8_t* Alloc(size_t n) {
    if (n > kMaxMemoryBytes - total_) return nullptr;
    if (n == 0) return const_cast<uint8_t*>(kNoBytes);  // never written: n bytes are copied
    total_ += n;
    if (chunks_.empty() || kChunk - used_ < n) {
      chunks_.push_back(std::make_unique<uint8_t[]>(kChunk));
      used_ = 0;
    }
    uint8_t* p = chunks_.back().get() + used_;
    used_ += n;
    return p;
  }

 private:
  static constexpr size_t kChunk = 16 * 1024;
  static_assert(kMaxValueBytes <= kChunk);
  std::vector<std::unique_ptr<uint8_t[]>> chunks_;
  size_t used_ = 0;
  size_t total_ = 0;
};

uint16_t ReadU16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint64_t ReadU64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

class Machine {
 public:
  Machine(const ValidatedCode& code, const CallInput& input, Host& host)
      : code_(code), input_(input), host_(host), gas_left_(input.gas_limit) {}

  chain::Result<ExecResult> Run();

 private:
  // Each returns false when the call fails (Fail or a local fault was recorded).
  bool Loop(size_t pc);
  bool Slow(Op op, size_t pc, Value*& sp);
  bool BytesOp(Op op, Value*& sp);
  bool EnvOp(Op op, Value*& sp);
  bool StorageOp(Op op, Value*& sp);
  bool AssetOp(Op op, Value*& sp);
  bool EffectOp(Op op, Value*& sp);

  bool Fail(VmError e) {
    result_.outcome = Outcome::kVmError;
    result_.error = e;
    return false;
  }
  // Maps a Host status: OK -> true; a local fault is kept for Run to return.
  bool HostOk(const chain::Status& s) {
    if (s.ok()) return true;
    if (s.IsLocalError()) {
      local_error_ = s;
      return false;
    }
    if (s.IsNotFound()) return Fail(VmError::kUnknownAsset);
    result_.detail = s.reason();
    return Fail(VmError::kEffectRefused);
  }
  // Copies bytes into the arena as a value.
  bool Make(chain::ByteSpan bytes, Value* out) {
    if (bytes.size() > kMaxValueBytes) return Fail(VmError::kValueTooLong);
    uint8_t* p = arena_.Alloc(bytes.size());
    if (p == nullptr) return Fail(VmError::kMemoryLimit);
    if (!bytes.empty()) std::memcpy(p, bytes.data(), bytes.size());
    *out = BytesAt(p, bytes.size());
    return true;
  }
  bool ToId(const Value& v, Hash256* id) {
    if (!v.bytes) return Fail(VmError::kTypeMismatch);
    if (v.len != Hash256::kSize) return Fail(VmError::kBadId);
    std::memcpy(id->data(), v.data, Hash256::kSize);
    return true;
  }
  bool CountEffect() {
    if (effects_ >= kMaxEffectsPerCall) return Fail(VmError::kEffectLimit);
    ++effects_;
    return true;
  }

  const ValidatedCode& code_;
  const CallInput& input_;
  Host& host_;
  uint64_t gas_left_;
  Arena arena_;
  std::vector<Value> stack_;
  size_t effects_ = 0;
  ExecResult result_;
  chain::Status local_error_;
};

chain::Result<ExecResult> Machine::Run() {
  std::optional<size_t> entry = code_.FindEntry(input_.entry);
  bool args_ok = input_.args.size() <= kMaxArguments;
  for (const Argument& a : input_.args) {
    if (const auto* b = std::get_if<chain::Bytes>(&a); b && b->size() > kMaxValueBytes) {
      args_ok = false;
    }
  }
  if (!entry) {
    Fail(VmError::kNoSuchEntry);
  } else if (!args_ok) {
    Fail(VmError::kBadArguments);
  } else {
    stack_.resize(code_.max_stack_depth() + 1);
    size_t pc = code_.program().entries[*entry].offset;
    if (!Loop(pc) && !local_error_.ok()) return local_error_;
  }
  result_.gas_used =
      result_.outcome == Outcome::kOutOfGas ? input_.gas_limit : input_.gas_limit - gas_left_;
  return std::move(result_);
}

#define VM_FAIL(e)             \
  do {                         \
    result_.error_offset = pc; \
    return Fail(e);            \
  } while (0)

#define VM_INT2()                                          \
  Value& a = sp[-2];                                       \
  const Value& b = sp[-1];                                 \
  if (a.bytes || b.bytes) VM_FAIL(VmError::kTypeMismatch); \
  --sp

// Runs from pc until the call ends. The validator guarantees: every instruction reached is
// whole, every block reached starts at a known block, and the stack never underflows or
// passes max_stack_depth, so only types, values and gas are checked here.
//
// Dispatch is by labels as values (GCC and Clang): each handler ends in its own indirect
// jump, which the branch predictor learns per handler (bench_vm: see docs/BENCHMARKS.md).
bool Machine::Loop(size_t pc) {
  const uint8_t* const code = code_.code().data();
  const std::span<const BasicBlock> blocks = code_.blocks();
  Value* sp = stack_.data();
  size_t end = 0;

  void* table[256];
  for (void*& t : table) t = &&op_slow;
  table[static_cast<uint8_t>(Op::kStop)] = &&op_stop;
  table[static_cast<uint8_t>(Op::kJump)] = &&op_jump;
  table[static_cast<uint8_t>(Op::kJumpIf)] = &&op_jumpi;
  table[static_cast<uint8_t>(Op::kPush1)] = &&op_push1;
  table[static_cast<uint8_t>(Op::kPush8)] = &&op_push8;
  table[static_cast<uint8_t>(Op::kPop)] = &&op_pop;
  for (int i = 0; i < 8; ++i) {
    table[static_cast<uint8_t>(Op::kDup1) + i] = &&op_dup;
    table[static_cast<uint8_t>(Op::kSwap1) + i] = &&op_swap;
  }
  table[static_cast<uint8_t>(Op::kAdd)] = &&op_add;
  table[static_cast<uint8_t>(Op::kSub)] = &&op_sub;
  table[static_cast<uint8_t>(Op::kMul)] = &&op_mul;
  table[static_cast<uint8_t>(Op::kDiv)] = &&op_div;
  table[static_cast<uint8_t>(Op::kMod)] = &&op_mod;
  table[static_cast<uint8_t>(Op::kShl)] = &&op_shl;
  table[static_cast<uint8_t>(Op::kShr)] = &&op_shr;
  table[static_cast<uint8_t>(Op::kAnd)] = &&op_and;
  table[static_cast<uint8_t>(Op::kOr)] = &&op_or;
  table[static_cast<uint8_t>(Op::kXor)] = &&op_xor;
  table[static_cast<uint8_t>(Op::kLt)] = &&op_lt;
  table[static_cast<uint8_t>(Op::kGt)] = &&op_gt;
  table[static_cast<uint8_t>(Op::kEq)] = &&op_eq;
  table[static_cast<uint8_t>(Op::kNot)] = &&op_not;
  table[static_cast<uint8_t>(Op::kIsZero)] = &&op_iszero;

// Continues n bytes on: within the block, or into the next block (which charges its gas).
#define VM_NEXT(n)             \
  do {                         \
    pc += (n);                 \
    if (pc >= end) goto block; \
    goto* table[code[pc]];     \
  } while (0)

block : {
  const BasicBlock& b = blocks[code_.BlockAt(pc)];
  if (gas_left_ < b.gas) {
    gas_left_ = 0;
    result_.outcome = Outcome::kOutOfGas;
    result_.error = VmError::kOutOfGas;
    result_.error_offset = pc;
    return false;
  }
  gas_left_ -= b.gas;
  end = b.end;
  goto* table[code[pc]];
}

op_stop:
  return true;
op_jump:
  pc = ReadU16(code + pc + 1);
  goto block;
op_jumpi:
  --sp;
  if (sp->bytes) VM_FAIL(VmError::kTypeMismatch);
  if (sp->num != 0) {
    pc = ReadU16(code + pc + 1);
    goto block;
  }
  VM_NEXT(3);
op_push1:
  *sp++ = Int(code[pc + 1]);
  VM_NEXT(2);
op_push8:
  *sp++ = Int(ReadU64(code + pc + 1));
  VM_NEXT(9);
op_pop:
  --sp;
  VM_NEXT(1);
op_dup : {
  const int n = code[pc] - static_cast<int>(Op::kDup1) + 1;
  *sp = sp[-n];
  ++sp;
  VM_NEXT(1);
}
op_swap : {
  const int n = code[pc] - static_cast<int>(Op::kSwap1) + 1;
  std::swap(sp[-1], sp[-1 - n]);
  VM_NEXT(1);
}
op_add : {
  VM_INT2();
  if (__builtin_add_overflow(a.num, b.num, &a.num)) VM_FAIL(VmError::kOverflow);
  VM_NEXT(1);
}
op_sub : {
  VM_INT2();
  if (a.num < b.num) VM_FAIL(VmError::kOverflow);
  a.num -= b.num;
  VM_NEXT(1);
}
op_mul : {
  VM_INT2();
  if (__builtin_mul_overflow(a.num, b.num, &a.num)) VM_FAIL(VmError::kOverflow);
  VM_NEXT(1);
}
op_div : {
  VM_INT2();
  if (b.num == 0) VM_FAIL(VmError::kDivisionByZero);
  a.num /= b.num;
  VM_NEXT(1);
}
op_mod : {
  VM_INT2();
  if (b.num == 0) VM_FAIL(VmError::kDivisionByZero);
  a.num %= b.num;
  VM_NEXT(1);
}
op_shl : {
  VM_INT2();
  if (b.num >= 64) VM_FAIL(VmError::kShiftOutOfRange);
  a.num <<= b.num;
  VM_NEXT(1);
}
op_shr : {
  VM_INT2();
  if (b.num >= 64) VM_FAIL(VmError::kShiftOutOfRange);
  a.num >>= b.num;
  VM_NEXT(1);
}
op_and : {
  VM_INT2();
  a.num &= b.num;
  VM_NEXT(1);
}
op_or : {
  VM_INT2();
  a.num |= b.num;
  VM_NEXT(1);
}
op_xor : {
  VM_INT2();
  a.num ^= b.num;
  VM_NEXT(1);
}
op_lt : {
  VM_INT2();
  a.num = a.num < b.num;
  VM_NEXT(1);
}
op_gt : {
  VM_INT2();
  a.num = a.num > b.num;
  VM_NEXT(1);
}
op_eq : {
  VM_INT2();
  a.num = a.num == b.num;
  VM_NEXT(1);
}
op_not:
  if (sp[-1].bytes) VM_FAIL(VmError::kTypeMismatch);
  sp[-1].num = ~sp[-1].num;
  VM_NEXT(1);
op_iszero:
  if (sp[-1].bytes) VM_FAIL(VmError::kTypeMismatch);
  sp[-1].num = sp[-1].num == 0;
  VM_NEXT(1);
op_slow : {
  const Op op = static_cast<Op>(code[pc]);
  if (!Slow(op, pc, sp)) {
    result_.error_offset = pc;
    return false;
  }
  if (op == Op::kAbort) return false;
  VM_NEXT(1 + ImmediateSize(InfoOf(op).immediate));
}
#undef VM_NEXT
}

#undef VM_INT2

// The instructions that are not on the hot path of an arithmetic loop.
bool Machine::Slow(Op op, size_t pc, Value*& sp) {
  (void)pc;
  switch (op) {
    case Op::kAbort: {
      const Value& code = *--sp;
      if (code.bytes) return Fail(VmError::kTypeMismatch);
      result_.outcome = Outcome::kAborted;
      result_.error = VmError::kAborted;
      result_.abort_code = code.num;
      result_.error_offset = pc;
      return true;  // Loop stops on kAbort
    }
    case Op::kPushC: {
      const chain::Bytes& c = code_.program().constants[code_.code()[pc + 1]];
      *sp++ = BytesAt(c.data(), c.size());
      return true;
    }
    case Op::kLen:
    case Op::kConcat:
    case Op::kSlice:
    case Op::kBytesEq:
    case Op::kIntToBytes:
    case Op::kBytesToInt:
    case Op::kIsBytes:
    case Op::kSha256:
    case Op::kSigCheck:
      return BytesOp(op, sp);
    case Op::kStorageGet:
    case Op::kStoragePut:
      return StorageOp(op, sp);
    case Op::kSelf:
    case Op::kSender:
    case Op::kArgCount:
    case Op::kArg:
    case Op::kHeight:
    case Op::kTime:
    case Op::kAttachedCoins:
    case Op::kAttachedAssetCount:
    case Op::kAttachedAsset:
    case Op::kBalance:
      return EnvOp(op, sp);
    case Op::kHolds:
    case Op::kCustodian:
    case Op::kQuantity:
    case Op::kUnit:
    case Op::kStatus:
    case Op::kMeta:
    case Op::kAttestation:
      return AssetOp(op, sp);
    case Op::kSendCoins:
    case Op::kSendAsset:
    case Op::kSplit:
    case Op::kMerge:
    case Op::kLog:
      return EffectOp(op, sp);
    default:
      // Every other opcode is handled in Loop; an unknown one cannot pass the validator.
      local_error_ = chain::Status::Internal("contract VM: opcode without a handler");
      return false;
  }
}

bool Machine::BytesOp(Op op, Value*& sp) {
  switch (op) {
    case Op::kLen: {
      Value& a = sp[-1];
      if (!a.bytes) return Fail(VmError::kTypeMismatch);
      a = Int(a.len);
      return true;
    }
    case Op::kIsBytes:
      sp[-1] = Int(sp[-1].bytes ? 1 : 0);
      return true;
    case Op::kConcat: {
      const Value& a = sp[-2];
      const Value& b = sp[-1];
      if (!a.bytes || !b.bytes) return Fail(VmError::kTypeMismatch);
      size_t n = size_t{a.len} + b.len;
      if (n > kMaxValueBytes) return Fail(VmError::kValueTooLong);
      uint8_t* p = arena_.Alloc(n);
      if (p == nullptr) return Fail(VmError::kMemoryLimit);
      if (a.len) std::memcpy(p, a.data, a.len);
      if (b.len) std::memcpy(p + a.len, b.data, b.len);
      --sp;
      sp[-1] = BytesAt(p, n);
      return true;
    }
    case Op::kSlice: {  // bytes start length
      const Value& s = sp[-3];
      const Value& start = sp[-2];
      const Value& len = sp[-1];
      if (!s.bytes || start.bytes || len.bytes) return Fail(VmError::kTypeMismatch);
      if (start.num > s.len || len.num > s.len - start.num) {
        return Fail(VmError::kSliceOutOfRange);
      }
      Value out = BytesAt(s.data + start.num, len.num);
      sp -= 2;
      sp[-1] = out;
      return true;
    }
    case Op::kBytesEq: {
      const Value& a = sp[-2];
      const Value& b = sp[-1];
      if (!a.bytes || !b.bytes) return Fail(VmError::kTypeMismatch);
      bool eq = a.len == b.len && (a.len == 0 || std::memcmp(a.data, b.data, a.len) == 0);
      --sp;
      sp[-1] = Int(eq ? 1 : 0);
      return true;
    }
    case Op::kIntToBytes: {
      Value& a = sp[-1];
      if (a.bytes) return Fail(VmError::kTypeMismatch);
      uint8_t be[8];
      for (int i = 0; i < 8; ++i) be[i] = static_cast<uint8_t>(a.num >> (56 - 8 * i));
      return Make(chain::ByteSpan(be, 8), &a);
    }
    case Op::kBytesToInt: {
      Value& a = sp[-1];
      if (!a.bytes) return Fail(VmError::kTypeMismatch);
      if (a.len > 8) return Fail(VmError::kIntTooLong);
      uint64_t v = 0;
      for (size_t i = 0; i < a.len; ++i) v = (v << 8) | a.data[i];
      a = Int(v);
      return true;
    }
    case Op::kSha256: {
      Value& a = sp[-1];
      if (!a.bytes) return Fail(VmError::kTypeMismatch);
      Hash256 h = chain::Sha256Hash(a.span());
      return Make(h.span(), &a);
    }
    case Op::kSigCheck: {  // pubkey message signature
      const Value& key = sp[-3];
      const Value& msg = sp[-2];
      const Value& sig = sp[-1];
      if (!key.bytes || !msg.bytes || !sig.bytes) return Fail(VmError::kTypeMismatch);
      if (key.len != Hash256::kSize) return Fail(VmError::kBadId);
      if (sig.len != 64) return Fail(VmError::kBadSignature);
      AccountId pubkey = Hash256::FromSpan(key.span());
      chain::Signature s;
      std::memcpy(s.data(), sig.data, 64);
      bool good = chain::VerifySchnorr(pubkey, msg.span(), s);
      sp -= 2;
      sp[-1] = Int(good ? 1 : 0);
      return true;
    }
    default:
      return false;
  }
}

bool Machine::StorageOp(Op op, Value*& sp) {
  if (op == Op::kStorageGet) {
    Value& key = sp[-1];
    if (!key.bytes) return Fail(VmError::kTypeMismatch);
    if (key.len > kMaxStorageKeyBytes) return Fail(VmError::kStorageKeyTooLong);
    auto value = host_.StorageGet(key.span());
    if (!HostOk(value.status())) return false;
    return Make(*value, &key);
  }
  const Value& key = sp[-2];
  const Value& value = sp[-1];
  if (!key.bytes || !value.bytes) return Fail(VmError::kTypeMismatch);
  if (key.len > kMaxStorageKeyBytes) return Fail(VmError::kStorageKeyTooLong);
  if (result_.storage_writes >= kMaxStorageWritesPerCall) {
    return Fail(VmError::kStorageWriteLimit);
  }
  if (!HostOk(host_.StoragePut(key.span(), value.span()))) return false;
  ++result_.storage_writes;
  sp -= 2;
  return true;
}

bool Machine::EnvOp(Op op, Value*& sp) {
  switch (op) {
    case Op::kSelf:
      *sp++ = BytesAt(input_.self.data(), Hash256::kSize);
      return true;
    case Op::kSender:
      *sp++ = BytesAt(input_.sender.data(), Hash256::kSize);
      return true;
    case Op::kArgCount:
      *sp++ = Int(input_.args.size());
      return true;
    case Op::kHeight:
      *sp++ = Int(input_.height);
      return true;
    case Op::kTime:
      *sp++ = Int(input_.time);
      return true;
    case Op::kAttachedCoins:
      *sp++ = Int(input_.attached_coins);
      return true;
    case Op::kAttachedAssetCount:
      *sp++ = Int(input_.attached_assets.size());
      return true;
    case Op::kArg: {
      Value& i = sp[-1];
      if (i.bytes) return Fail(VmError::kTypeMismatch);
      if (i.num >= input_.args.size()) return Fail(VmError::kArgumentIndex);
      const Argument& arg = input_.args[i.num];
      if (const auto* n = std::get_if<uint64_t>(&arg)) {
        i = Int(*n);
      } else {
        const chain::Bytes& b = std::get<chain::Bytes>(arg);
        i = BytesAt(b.data(), b.size());
      }
      return true;
    }
    case Op::kAttachedAsset: {
      Value& i = sp[-1];
      if (i.bytes) return Fail(VmError::kTypeMismatch);
      if (i.num >= input_.attached_assets.size()) return Fail(VmError::kAttachmentIndex);
      i = BytesAt(input_.attached_assets[i.num].data(), Hash256::kSize);
      return true;
    }
    case Op::kBalance: {
      auto balance = host_.Balance();
      if (!HostOk(balance.status())) return false;
      *sp++ = Int(*balance);
      return true;
    }
    default:
      return false;
  }
}

bool Machine::AssetOp(Op op, Value*& sp) {
  if (op == Op::kMeta || op == Op::kAttestation) {
    int n = op == Op::kMeta ? 2 : 3;
    Value* args = sp - n;
    Hash256 asset;
    if (!ToId(args[0], &asset)) return false;
    if (!args[1].bytes) return Fail(VmError::kTypeMismatch);
    chain::Result<std::optional<chain::Bytes>> found = std::optional<chain::Bytes>();
    if (op == Op::kMeta) {
      found = host_.Metadata(asset, args[1].span());
    } else {
      AccountId attester;
      if (!ToId(args[2], &attester)) return false;
      found = host_.Attestation(asset, args[1].span(), attester);
    }
    if (!HostOk(found.status())) return false;
    Value value = BytesAt(kNoBytes, 0);
    if (found->has_value() && !Make(**found, &value)) return false;
    sp = args + 2;
    args[0] = value;
    args[1] = Int(found->has_value() ? 1 : 0);
    return true;
  }
  Value& a = sp[-1];
  Hash256 asset;
  if (!ToId(a, &asset)) return false;
  auto facts = host_.GetAsset(asset);
  if (op == Op::kHolds && facts.status().IsNotFound()) {
    a = Int(0);
    return true;
  }
  if (!HostOk(facts.status())) return false;
  switch (op) {
    case Op::kHolds:
      a = Int(facts->custodian == input_.self && facts->status == 0);
      return true;
    case Op::kCustodian:
      return Make(facts->custodian.span(), &a);
    case Op::kQuantity:
      a = Int(facts->quantity);
      return true;
    case Op::kStatus:
      a = Int(facts->status);
      return true;
    case Op::kUnit: {
      const std::string& u = facts->unit;
      return Make(chain::ByteSpan(reinterpret_cast<const uint8_t*>(u.data()), u.size()), &a);
    }
    default:
      return false;
  }
}

bool Machine::EffectOp(Op op, Value*& sp) {
  if (op == Op::kLog) {
    const Value& line = sp[-1];
    if (!line.bytes) return Fail(VmError::kTypeMismatch);
    if (line.len > kMaxLogBytes) return Fail(VmError::kLogTooLong);
    if (result_.logs.size() >= kMaxLogsPerCall) return Fail(VmError::kLogLimit);
    result_.logs.emplace_back(line.data, line.data + line.len);
    --sp;
    return true;
  }
  Value& a = sp[-2];
  Value& b = sp[-1];
  switch (op) {
    case Op::kSendCoins: {  // to amount
      AccountId to;
      if (!ToId(a, &to)) return false;
      if (b.bytes) return Fail(VmError::kTypeMismatch);
      if (!CountEffect() || !HostOk(host_.SendCoins(to, b.num))) return false;
      sp -= 2;
      return true;
    }
    case Op::kSendAsset: {  // to asset
      AccountId to;
      Hash256 asset;
      if (!ToId(a, &to) || !ToId(b, &asset)) return false;
      if (!CountEffect() || !HostOk(host_.SendAsset(to, asset))) return false;
      sp -= 2;
      return true;
    }
    case Op::kSplit: {  // asset quantity -> first second
      Hash256 asset;
      if (!ToId(a, &asset)) return false;
      if (b.bytes) return Fail(VmError::kTypeMismatch);
      if (!CountEffect()) return false;
      auto ids = host_.Split(asset, b.num);
      if (!HostOk(ids.status())) return false;
      return Make((*ids)[0].span(), &a) && Make((*ids)[1].span(), &b);
    }
    case Op::kMerge: {  // a b -> merged
      Hash256 x, y;
      if (!ToId(a, &x) || !ToId(b, &y)) return false;
      if (!CountEffect()) return false;
      auto merged = host_.Merge(x, y);
      if (!HostOk(merged.status())) return false;
      --sp;
      return Make(merged->span(), &a);
    }
    default:
      return false;
  }
}

}  // namespace

std::string ExecResult::ToString() const {
  if (ok()) return "ok";
  std::string s(VmErrorString(error));
  if (outcome == Outcome::kAborted) s += " (code " + std::to_string(abort_code) + ")";
  s += " at code offset " + std::to_string(error_offset);
  if (!detail.empty()) s += ": " + detail;
  return s;
}

chain::Result<ExecResult> Execute(const ValidatedCode& code, const CallInput& input, Host& host) {
  return Machine(code, input, host).Run();
}

}  // namespace waybill::contracts
