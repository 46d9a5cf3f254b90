// The interpreter: every opcode and each of its error paths, gas accounting, the Host's
// refusals and local faults, and abuse (loops, memory, storage and signature spam).
#include <gtest/gtest.h>

#include "chain/schnorr.h"
#include "contracts/limits.h"
#include "tests/unit/contracts_test_util.h"

namespace waybill::contracts {
namespace {

using testing::B;
using testing::CodeBuilder;
using testing::FakeHost;
using testing::Id;
using testing::MustValidate;

class InterpreterTest : public ::testing::Test {
 protected:
  ExecResult Run(const CodeBuilder& b, uint64_t gas = 10'000'000) {
    auto code = MustValidate(b.Build());
    input.gas_limit = gas;
    auto r = Execute(*code, input, host);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ExecResult{};
  }
  // Runs b then ABORT: the integer on top is the abort code.
  uint64_t Int(CodeBuilder b) {
    b.Add(Op::kAbort);
    ExecResult r = Run(b);
    EXPECT_EQ(r.outcome, Outcome::kAborted) << r.ToString();
    return r.abort_code;
  }
  // Runs b then LOG, STOP: the bytes on top are the log line.
  chain::Bytes Bytes(CodeBuilder b) {
    b.Add(Op::kLog).Add(Op::kStop);
    ExecResult r = Run(b);
    EXPECT_TRUE(r.ok()) << r.ToString();
    return r.logs.empty() ? chain::Bytes{0xee} : r.logs[0];
  }
  // Runs b then STOP and expects error e at the instruction at offset at.
  void ExpectError(CodeBuilder b, VmError e, std::optional<size_t> at = std::nullopt) {
    size_t end = b.size();
    b.Add(Op::kStop);
    ExecResult r = Run(b);
    EXPECT_EQ(r.outcome, Outcome::kVmError) << r.ToString();
    EXPECT_EQ(r.error, e) << r.ToString();
    if (at) {
      EXPECT_EQ(r.error_offset, *at) << r.ToString();
    }
    (void)end;
  }

  void SetUp() override {
    input.entry = "main";
    input.self = Id(0xc0);
    input.sender = Id(0x5e);
    input.height = 77;
    input.time = 1'700'000'000;
  }

  CallInput input;
  FakeHost host;
};

TEST_F(InterpreterTest, StackOps) {
  EXPECT_EQ(Int(CodeBuilder().Push(5)), 5u);
  EXPECT_EQ(Int(CodeBuilder().Push(0x1122334455667788)), 0x1122334455667788u);
  EXPECT_EQ(Int(CodeBuilder().Push(1).Push(2).Add(Op::kPop)), 1u);
  EXPECT_EQ(Int(CodeBuilder().Push(1).Push(2).Add(Op::kSwap1)), 1u);
  EXPECT_EQ(Int(CodeBuilder().Push(1).Push(2).Add(Op::kDup2)), 1u);
  // DUPn copies the nth value, SWAPn exchanges the top with the (n+1)th.
  for (int n = 1; n <= 8; ++n) {
    CodeBuilder dup, swap;
    for (int i = 0; i <= 8; ++i) dup.Push(100 + i), swap.Push(100 + i);
    dup.Add(static_cast<Op>(static_cast<int>(Op::kDup1) + n - 1));
    EXPECT_EQ(Int(dup), 108u - (n - 1)) << n;
    swap.Add(static_cast<Op>(static_cast<int>(Op::kSwap1) + n - 1));
    EXPECT_EQ(Int(swap), 108u - n) << n;
  }
  EXPECT_EQ(Bytes(CodeBuilder().PushString("abc")), B("abc"));
}

TEST_F(InterpreterTest, Arithmetic) {
  auto bin = [&](uint64_t a, uint64_t b, Op op) {
    return Int(CodeBuilder().Push(a).Push(b).Add(op));
  };
  EXPECT_EQ(bin(7, 5, Op::kAdd), 12u);
  EXPECT_EQ(bin(7, 5, Op::kSub), 2u);
  EXPECT_EQ(bin(7, 5, Op::kMul), 35u);
  EXPECT_EQ(bin(7, 5, Op::kDiv), 1u);
  EXPECT_EQ(bin(7, 5, Op::kMod), 2u);
  EXPECT_EQ(bin(3, 4, Op::kShl), 48u);
  EXPECT_EQ(bin(48, 4, Op::kShr), 3u);
  EXPECT_EQ(bin(1ull << 63, 1, Op::kShl), 0u);  // bits shifted out are lost
  EXPECT_EQ(bin(0b1100, 0b1010, Op::kAnd), 0b1000u);
  EXPECT_EQ(bin(0b1100, 0b1010, Op::kOr), 0b1110u);
  EXPECT_EQ(bin(0b1100, 0b1010, Op::kXor), 0b0110u);
  EXPECT_EQ(bin(3, 4, Op::kLt), 1u);
  EXPECT_EQ(bin(4, 4, Op::kLt), 0u);
  EXPECT_EQ(bin(5, 4, Op::kGt), 1u);
  EXPECT_EQ(bin(4, 4, Op::kGt), 0u);
  EXPECT_EQ(bin(4, 4, Op::kEq), 1u);
  EXPECT_EQ(bin(4, 5, Op::kEq), 0u);
  EXPECT_EQ(Int(CodeBuilder().Push(0).Add(Op::kNot)), ~uint64_t{0});
  EXPECT_EQ(Int(CodeBuilder().Push(0).Add(Op::kIsZero)), 1u);
  EXPECT_EQ(Int(CodeBuilder().Push(9).Add(Op::kIsZero)), 0u);
}

TEST_F(InterpreterTest, ArithmeticErrors) {
  const uint64_t max = ~uint64_t{0};
  // The failing instruction is the last one: offset = size - 1.
  auto expect = [&](uint64_t a, uint64_t b, Op op, VmError e) {
    CodeBuilder c;
    c.Push(a).Push(b);
    size_t at = c.size();
    ExpectError(c.Add(op), e, at);
  };
  expect(max, 1, Op::kAdd, VmError::kOverflow);
  expect(0, 1, Op::kSub, VmError::kOverflow);
  expect(max, 2, Op::kMul, VmError::kOverflow);
  expect(1, 0, Op::kDiv, VmError::kDivisionByZero);
  expect(1, 0, Op::kMod, VmError::kDivisionByZero);
  expect(1, 64, Op::kShl, VmError::kShiftOutOfRange);
  expect(1, max, Op::kShr, VmError::kShiftOutOfRange);
  // Every integer opcode refuses bytes, on either side.
  for (Op op : {Op::kAdd, Op::kSub, Op::kMul, Op::kDiv, Op::kMod, Op::kShl, Op::kShr, Op::kAnd,
                Op::kOr, Op::kXor, Op::kLt, Op::kGt, Op::kEq}) {
    ExpectError(CodeBuilder().PushString("x").Push(1).Add(op), VmError::kTypeMismatch);
    ExpectError(CodeBuilder().Push(1).PushString("x").Add(op), VmError::kTypeMismatch);
  }
  for (Op op : {Op::kNot, Op::kIsZero, Op::kJumpIf, Op::kAbort}) {
    CodeBuilder c;
    c.PushString("x");
    if (op == Op::kJumpIf) {
      c.Jump(op, "end").Label("end");
    } else {
      c.Add(op);
    }
    ExpectError(c, VmError::kTypeMismatch);
  }
}

TEST_F(InterpreterTest, BytesOps) {
  EXPECT_EQ(Int(CodeBuilder().PushString("abcd").Add(Op::kLen)), 4u);
  EXPECT_EQ(Bytes(CodeBuilder().PushString("ab").PushString("cd").Add(Op::kConcat)), B("abcd"));
  EXPECT_EQ(Bytes(CodeBuilder().PushString("abcdef").Push(1).Push(3).Add(Op::kSlice)), B("bcd"));
  EXPECT_EQ(Bytes(CodeBuilder().PushString("abc").Push(3).Push(0).Add(Op::kSlice)), B(""));
  EXPECT_EQ(Int(CodeBuilder().PushString("ab").PushString("ab").Add(Op::kBytesEq)), 1u);
  EXPECT_EQ(Int(CodeBuilder().PushString("ab").PushString("abc").Add(Op::kBytesEq)), 0u);
  EXPECT_EQ(Bytes(CodeBuilder().Push(0x0102).Add(Op::kIntToBytes)),
            (chain::Bytes{0, 0, 0, 0, 0, 0, 1, 2}));
  EXPECT_EQ(Int(CodeBuilder().PushBytes({1, 2}).Add(Op::kBytesToInt)), 0x0102u);
  EXPECT_EQ(Int(CodeBuilder().PushBytes({}).Add(Op::kBytesToInt)), 0u);
  EXPECT_EQ(Int(CodeBuilder().Push(0x1234).Add(Op::kIntToBytes).Add(Op::kBytesToInt)), 0x1234u);
  EXPECT_EQ(Int(CodeBuilder().PushString("x").Add(Op::kIsBytes)), 1u);
  EXPECT_EQ(Int(CodeBuilder().Push(1).Add(Op::kIsBytes)), 0u);
  chain::Hash256 h = chain::Sha256Hash(B("abc"));
  EXPECT_EQ(Bytes(CodeBuilder().PushString("abc").Add(Op::kSha256)),
            chain::Bytes(h.bytes.begin(), h.bytes.end()));
}

TEST_F(InterpreterTest, BytesErrors) {
  ExpectError(CodeBuilder().PushString("abc").Push(2).Push(2).Add(Op::kSlice),
              VmError::kSliceOutOfRange);
  ExpectError(CodeBuilder().PushString("abc").Push(4).Push(0).Add(Op::kSlice),
              VmError::kSliceOutOfRange);
  ExpectError(CodeBuilder().PushString("abc").Push(1).Push(~uint64_t{0}).Add(Op::kSlice),
              VmError::kSliceOutOfRange);
  ExpectError(CodeBuilder().PushBytes(chain::Bytes(9, 1)).Add(Op::kBytesToInt),
              VmError::kIntTooLong);
  chain::Bytes big(kMaxValueBytes, 7);
  ExpectError(CodeBuilder().PushBytes(big).PushString("x").Add(Op::kConcat),
              VmError::kValueTooLong);
  for (Op op : {Op::kLen, Op::kBytesToInt, Op::kSha256}) {
    ExpectError(CodeBuilder().Push(1).Add(op), VmError::kTypeMismatch);
  }
  ExpectError(CodeBuilder().PushString("x").Add(Op::kIntToBytes), VmError::kTypeMismatch);
  ExpectError(CodeBuilder().PushString("x").Push(1).Add(Op::kConcat), VmError::kTypeMismatch);
  ExpectError(CodeBuilder().Push(1).PushString("x").Add(Op::kBytesEq), VmError::kTypeMismatch);
  ExpectError(CodeBuilder().Push(1).Push(0).Push(0).Add(Op::kSlice), VmError::kTypeMismatch);
  ExpectError(CodeBuilder().PushString("x").PushString("").Push(0).Add(Op::kSlice),
              VmError::kTypeMismatch);
}

TEST_F(InterpreterTest, SignatureCheck) {
  auto key = chain::SecretKey::FromBytes(chain::DevSecretKeyBytes(1).span());
  ASSERT_TRUE(key);
  chain::Bytes msg = B("release lot 7");
  chain::Signature sig = key->Sign(msg);
  const chain::AccountId account = key->PublicKey();
  chain::Bytes pub(account.bytes.begin(), account.bytes.end());
  chain::Bytes s(sig.begin(), sig.end());
  EXPECT_EQ(Int(CodeBuilder().PushBytes(pub).PushBytes(msg).PushBytes(s).Add(Op::kSigCheck)), 1u);
  chain::Bytes bad = s;
  bad[10] ^= 1;
  EXPECT_EQ(Int(CodeBuilder().PushBytes(pub).PushBytes(msg).PushBytes(bad).Add(Op::kSigCheck)), 0u);
  EXPECT_EQ(Int(CodeBuilder().PushBytes(pub).PushString("other").PushBytes(s).Add(Op::kSigCheck)),
            0u);
  ExpectError(CodeBuilder().PushString("k").PushBytes(msg).PushBytes(s).Add(Op::kSigCheck),
              VmError::kBadId);
  ExpectError(CodeBuilder().PushBytes(pub).PushBytes(msg).PushString("s").Add(Op::kSigCheck),
              VmError::kBadSignature);
  ExpectError(CodeBuilder().PushBytes(pub).Push(1).PushBytes(s).Add(Op::kSigCheck),
              VmError::kTypeMismatch);
}

TEST_F(InterpreterTest, ControlFlow) {
  // JUMPI takes the branch on non-zero and falls through on zero.
  for (uint64_t cond : {0, 1, 2}) {
    CodeBuilder c;
    c.Push(cond).Jump(Op::kJumpIf, "yes").Push(10).Add(Op::kAbort);
    c.Label("yes").Push(20).Add(Op::kAbort);
    ExecResult r = Run(c);
    EXPECT_EQ(r.abort_code, cond ? 20u : 10u);
  }
  CodeBuilder c;
  c.Jump(Op::kJump, "end").Push(1).Add(Op::kAbort).Label("end").Add(Op::kStop);
  EXPECT_TRUE(Run(c).ok());
  // ABORT's code and offset.
  CodeBuilder a;
  a.Push(3).Push(4).Add(Op::kAbort);
  ExecResult r = Run(a);
  EXPECT_EQ(r.outcome, Outcome::kAborted);
  EXPECT_EQ(r.error, VmError::kAborted);
  EXPECT_EQ(r.abort_code, 4u);
  EXPECT_EQ(r.error_offset, 4u);
  EXPECT_EQ(r.ToString(), "aborted (code 4) at code offset 4");
}

TEST_F(InterpreterTest, EntriesAndArguments) {
  CodeBuilder c;
  c.EntryHere("first").Push(1).Add(Op::kAbort).EntryHere("second").Push(2).Add(Op::kAbort);
  input.entry = "second";
  EXPECT_EQ(Run(c).abort_code, 2u);
  input.entry = "third";
  ExecResult r = Run(c);
  EXPECT_EQ(r.error, VmError::kNoSuchEntry);
  EXPECT_EQ(r.gas_used, 0u);

  input.entry = "main";
  input.args = {uint64_t{42}, B("hello")};
  EXPECT_EQ(Int(CodeBuilder().Add(Op::kArgCount)), 2u);
  EXPECT_EQ(Int(CodeBuilder().Push(0).Add(Op::kArg)), 42u);
  EXPECT_EQ(Bytes(CodeBuilder().Push(1).Add(Op::kArg)), B("hello"));
  ExpectError(CodeBuilder().Push(2).Add(Op::kArg), VmError::kArgumentIndex);
  ExpectError(CodeBuilder().PushString("0").Add(Op::kArg), VmError::kTypeMismatch);

  input.args = std::vector<Argument>(kMaxArguments + 1, uint64_t{1});
  EXPECT_EQ(Run(CodeBuilder().Add(Op::kStop)).error, VmError::kBadArguments);
  input.args = {chain::Bytes(kMaxValueBytes + 1, 0)};
  EXPECT_EQ(Run(CodeBuilder().Add(Op::kStop)).error, VmError::kBadArguments);
}

TEST_F(InterpreterTest, Environment) {
  input.attached_coins = 500;
  input.attached_assets = {Id(0xa1), Id(0xa2)};
  host.balance = 1234;
  auto id = [](const chain::Hash256& h) { return chain::Bytes(h.bytes.begin(), h.bytes.end()); };
  EXPECT_EQ(Bytes(CodeBuilder().Add(Op::kSelf)), id(input.self));
  EXPECT_EQ(Bytes(CodeBuilder().Add(Op::kSender)), id(input.sender));
  EXPECT_EQ(Int(CodeBuilder().Add(Op::kHeight)), 77u);
  EXPECT_EQ(Int(CodeBuilder().Add(Op::kTime)), 1'700'000'000u);
  EXPECT_EQ(Int(CodeBuilder().Add(Op::kAttachedCoins)), 500u);
  EXPECT_EQ(Int(CodeBuilder().Add(Op::kAttachedAssetCount)), 2u);
  EXPECT_EQ(Bytes(CodeBuilder().Push(1).Add(Op::kAttachedAsset)), id(Id(0xa2)));
  ExpectError(CodeBuilder().Push(2).Add(Op::kAttachedAsset), VmError::kAttachmentIndex);
  ExpectError(CodeBuilder().PushString("").Add(Op::kAttachedAsset), VmError::kTypeMismatch);
  EXPECT_EQ(Int(CodeBuilder().Add(Op::kBalance)), 1234u);
}

TEST_F(InterpreterTest, Storage) {
  CodeBuilder put;
  put.PushString("k").PushString("v1").Add(Op::kStoragePut).PushString("k").Add(Op::kStorageGet);
  EXPECT_EQ(Bytes(put), B("v1"));
  EXPECT_EQ(host.storage.at(B("k")), B("v1"));
  EXPECT_EQ(Bytes(CodeBuilder().PushString("absent").Add(Op::kStorageGet)), B(""));
  // Writing empty bytes erases.
  EXPECT_TRUE(
      Run(CodeBuilder().PushString("k").PushString("").Add(Op::kStoragePut).Add(Op::kStop)).ok());
  EXPECT_EQ(host.storage.count(B("k")), 0u);

  std::string long_key(kMaxStorageKeyBytes + 1, 'k');
  ExpectError(CodeBuilder().PushString(long_key).Add(Op::kStorageGet), VmError::kStorageKeyTooLong);
  ExpectError(CodeBuilder().PushString(long_key).PushString("v").Add(Op::kStoragePut),
              VmError::kStorageKeyTooLong);
  ExpectError(CodeBuilder().Push(1).Add(Op::kStorageGet), VmError::kTypeMismatch);
  ExpectError(CodeBuilder().PushString("k").Push(1).Add(Op::kStoragePut), VmError::kTypeMismatch);
}

TEST_F(InterpreterTest, StorageSpamStopsAtTheWriteLimit) {
  // A loop writing forever: the write limit stops it, not the gas.
  CodeBuilder c;
  c.Label("loop").PushString("k").PushString("v").Add(Op::kStoragePut).Jump(Op::kJump, "loop");
  ExecResult r = Run(c, 100'000'000);
  EXPECT_EQ(r.error, VmError::kStorageWriteLimit);
  EXPECT_EQ(r.storage_writes, kMaxStorageWritesPerCall);
}

TEST_F(InterpreterTest, AssetReads) {
  chain::Hash256 a = Id(0xa1);
  host.assets[a] = AssetFacts{host.self, 1200, "kg", 0};
  host.metadata[{a, B("gtin")}] = B("0123");
  host.attestations[{a, B("temp"), Id(0x77)}] = B("4C");
  chain::Bytes aid(a.bytes.begin(), a.bytes.end());
  chain::Bytes sensor(32, 0x77);
  EXPECT_EQ(Bytes(CodeBuilder().PushBytes(aid).Add(Op::kCustodian)), chain::Bytes(32, 0xc0));
  EXPECT_EQ(Int(CodeBuilder().PushBytes(aid).Add(Op::kQuantity)), 1200u);
  EXPECT_EQ(Bytes(CodeBuilder().PushBytes(aid).Add(Op::kUnit)), B("kg"));
  EXPECT_EQ(Int(CodeBuilder().PushBytes(aid).Add(Op::kStatus)), 0u);
  EXPECT_EQ(Int(CodeBuilder().PushBytes(aid).Add(Op::kHolds)), 1u);
  EXPECT_EQ(Int(CodeBuilder().PushBytes(chain::Bytes(32, 9)).Add(Op::kHolds)), 0u);
  // META and ATTESTATION push the value and then whether it was found.
  EXPECT_EQ(Int(CodeBuilder().PushBytes(aid).PushString("gtin").Add(Op::kMeta)), 1u);
  EXPECT_EQ(Bytes(CodeBuilder().PushBytes(aid).PushString("gtin").Add(Op::kMeta).Add(Op::kPop)),
            B("0123"));
  EXPECT_EQ(Int(CodeBuilder().PushBytes(aid).PushString("lot").Add(Op::kMeta)), 0u);
  EXPECT_EQ(
      Int(CodeBuilder().PushBytes(aid).PushString("temp").PushBytes(sensor).Add(Op::kAttestation)),
      1u);
  EXPECT_EQ(Bytes(CodeBuilder()
                      .PushBytes(aid)
                      .PushString("temp")
                      .PushBytes(sensor)
                      .Add(Op::kAttestation)
                      .Add(Op::kPop)),
            B("4C"));
  EXPECT_EQ(Int(CodeBuilder()
                    .PushBytes(aid)
                    .PushString("temp")
                    .PushBytes(chain::Bytes(32, 1))
                    .Add(Op::kAttestation)),
            0u);

  chain::Bytes unknown(32, 0x99);
  for (Op op : {Op::kCustodian, Op::kQuantity, Op::kUnit, Op::kStatus}) {
    ExpectError(CodeBuilder().PushBytes(unknown).Add(op), VmError::kUnknownAsset);
    ExpectError(CodeBuilder().PushString("short").Add(op), VmError::kBadId);
    ExpectError(CodeBuilder().Push(1).Add(op), VmError::kTypeMismatch);
  }
  ExpectError(CodeBuilder().PushBytes(unknown).PushString("k").Add(Op::kMeta),
              VmError::kUnknownAsset);
  ExpectError(CodeBuilder().PushBytes(aid).Push(1).Add(Op::kMeta), VmError::kTypeMismatch);
  ExpectError(CodeBuilder().PushBytes(aid).PushString("c").PushString("x").Add(Op::kAttestation),
              VmError::kBadId);
}

TEST_F(InterpreterTest, Effects) {
  chain::Hash256 a = Id(0xa1);
  host.assets[a] = AssetFacts{host.self, 1200, "kg", 0};
  host.balance = 100;
  chain::Bytes aid(a.bytes.begin(), a.bytes.end());
  chain::Bytes to(32, 0x42);

  EXPECT_TRUE(Run(CodeBuilder().PushBytes(to).Push(60).Add(Op::kSendCoins).Add(Op::kStop)).ok());
  EXPECT_EQ(host.balance, 40u);
  ExecResult r = Run(CodeBuilder().PushBytes(to).Push(41).Add(Op::kSendCoins).Add(Op::kStop));
  EXPECT_EQ(r.error, VmError::kEffectRefused);
  EXPECT_EQ(r.detail, "insufficient balance");
  EXPECT_EQ(r.ToString(), "effect-refused at code offset 4: insufficient balance");

  // SPLIT leaves the two children, MERGE one output; the contract holds them all.
  CodeBuilder split;
  split.PushBytes(aid).Push(200).Add(Op::kSplit).Add(Op::kMerge).Add(Op::kQuantity);
  EXPECT_EQ(Int(split), 1200u);
  EXPECT_EQ(host.assets[a].status, 1);
  ExpectError(CodeBuilder().PushBytes(aid).Push(1).Add(Op::kSplit), VmError::kEffectRefused);
  ExpectError(CodeBuilder().PushBytes(aid).PushBytes(aid).Add(Op::kMerge), VmError::kEffectRefused);

  chain::Hash256 b = Id(0xb1);
  host.assets[b] = AssetFacts{host.self, 5, "kg", 0};
  chain::Bytes bid(b.bytes.begin(), b.bytes.end());
  EXPECT_TRUE(
      Run(CodeBuilder().PushBytes(to).PushBytes(bid).Add(Op::kSendAsset).Add(Op::kStop)).ok());
  EXPECT_EQ(host.assets[b].custodian, Id(0x42));
  ExpectError(CodeBuilder().PushBytes(to).PushBytes(bid).Add(Op::kSendAsset),
              VmError::kEffectRefused);
  ExpectError(CodeBuilder().PushString("to").Push(1).Add(Op::kSendCoins), VmError::kBadId);
  ExpectError(CodeBuilder().PushBytes(to).PushString("1").Add(Op::kSendCoins),
              VmError::kTypeMismatch);

  EXPECT_EQ(Bytes(CodeBuilder().PushString("paid")), B("paid"));
  ExpectError(CodeBuilder().Push(1).Add(Op::kLog), VmError::kTypeMismatch);
  ExpectError(CodeBuilder().PushBytes(chain::Bytes(kMaxLogBytes + 1, 1)).Add(Op::kLog),
              VmError::kLogTooLong);
}

TEST_F(InterpreterTest, LogAndEffectLimits) {
  CodeBuilder logs;
  logs.Label("loop").PushString("x").Add(Op::kLog).Jump(Op::kJump, "loop");
  ExecResult r = Run(logs);
  EXPECT_EQ(r.error, VmError::kLogLimit);
  EXPECT_EQ(r.logs.size(), kMaxLogsPerCall);

  host.balance = 1'000'000;
  CodeBuilder sends;
  sends.Label("loop")
      .PushBytes(chain::Bytes(32, 1))
      .Push(1)
      .Add(Op::kSendCoins)
      .Jump(Op::kJump, "loop");
  r = Run(sends, 10'000'000);
  EXPECT_EQ(r.error, VmError::kEffectLimit);
  EXPECT_EQ(host.sent.size(), kMaxEffectsPerCall);
}

TEST_F(InterpreterTest, HostFaults) {
  // A local fault is not the contract's: Execute returns it.
  host.fail_next = chain::Status::IoError("disk");
  auto code = MustValidate(CodeBuilder().Add(Op::kBalance).Add(Op::kStop).Build());
  input.gas_limit = 1000;
  auto r = Execute(*code, input, host);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), chain::Status::Code::kIoError);
  // A refusal is.
  host.fail_next = chain::Status::Invalid("no");
  r = Execute(*code, input, host);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->error, VmError::kEffectRefused);
  EXPECT_EQ(r->detail, "no");
}

TEST_F(InterpreterTest, GasIsChargedPerBlock) {
  // PUSH1 1, PUSH1 2, ADD, STOP: one block, 1 + 1 + 2 + 1 = 5.
  CodeBuilder c;
  c.Push(1).Push(2).Add(Op::kAdd).Add(Op::kStop);
  EXPECT_EQ(Run(c, 5).gas_used, 5u);
  EXPECT_TRUE(Run(c, 5).ok());
  ExecResult r = Run(c, 4);
  EXPECT_EQ(r.outcome, Outcome::kOutOfGas);
  EXPECT_EQ(r.gas_used, 4u);
  EXPECT_EQ(r.error_offset, 0u);
  // A failure mid-block has charged the whole block: PUSH1 1, PUSH1 0, DIV, STOP = 7.
  CodeBuilder d;
  d.Push(1).Push(0).Add(Op::kDiv).Add(Op::kStop);
  r = Run(d, 100);
  EXPECT_EQ(r.error, VmError::kDivisionByZero);
  EXPECT_EQ(r.gas_used, 7u);
  // The gas used matches the validator's bound for code without backward jumps.
  CodeBuilder e;
  e.Add(Op::kHeight).Jump(Op::kJumpIf, "odd").Push(1).Add(Op::kPop).Label("odd").Add(Op::kStop);
  auto code = MustValidate(e.Build());
  ASSERT_TRUE(code->StaticGasBound(0));
  input.height = 0;
  EXPECT_EQ(Run(e).gas_used, *code->StaticGasBound(0));
  EXPECT_EQ(*code->StaticGasBound(0), 2u + 3u + 1u + 1u + 1u);
}

TEST_F(InterpreterTest, InfiniteLoopStopsAtItsGas) {
  CodeBuilder c;
  c.Label("loop").Jump(Op::kJump, "loop");
  ExecResult r = Run(c, 1'000'001);
  EXPECT_EQ(r.outcome, Outcome::kOutOfGas);
  EXPECT_EQ(r.gas_used, 1'000'001u);
}

TEST_F(InterpreterTest, MemoryLimitStopsDoublingBytes) {
  // x = x || x grows to the value limit; then CONCAT of two maximal constants repeatedly
  // until the call's memory is spent.
  CodeBuilder grow;
  grow.PushString("ab").Label("loop").Add(Op::kDup1).Add(Op::kConcat).Jump(Op::kJump, "loop");
  EXPECT_EQ(Run(grow).error, VmError::kValueTooLong);
  CodeBuilder spam;
  spam.Label("loop")
      .PushBytes(chain::Bytes(kMaxValueBytes / 2, 1))
      .Add(Op::kDup1)
      .Add(Op::kConcat)
      .Add(Op::kPop)
      .Jump(Op::kJump, "loop");
  ExecResult r = Run(spam, 100'000'000);
  EXPECT_EQ(r.error, VmError::kMemoryLimit);
}

TEST_F(InterpreterTest, SignatureSpamStopsAtItsGas) {
  chain::Bytes pub(32, 2), sig(64, 3);
  CodeBuilder c;
  c.Label("loop")
      .PushBytes(pub)
      .PushString("m")
      .PushBytes(sig)
      .Add(Op::kSigCheck)
      .Add(Op::kPop)
      .Jump(Op::kJump, "loop");
  uint64_t per_round = 2 + 2 + 2 + InfoOf(Op::kSigCheck).gas + 1 + 2;
  ExecResult r = Run(c, per_round * 20 + 1);
  EXPECT_EQ(r.outcome, Outcome::kOutOfGas);
}

TEST_F(InterpreterTest, DeepStackIsBoundedByTheValidator) {
  CodeBuilder c;
  for (size_t i = 0; i < kMaxStackDepth; ++i) c.Push(1);
  c.Add(Op::kStop);
  auto code = MustValidate(c.Build());
  EXPECT_EQ(code->max_stack_depth(), kMaxStackDepth);
  EXPECT_TRUE(Run(c).ok());
}

}  // namespace
}  // namespace waybill::contracts
