#!/usr/bin/env python3
"""Contract abuse over RPC, each stopped at its limit with a clear reason (issue 13):

- an infinite loop ends out-of-gas having used exactly its gas limit: simulated with
  `callcontract`, and mined (nonce and whole fee consumed), also at the genesis max_tx_gas;
  a gas limit below the code's intrinsic gas ends out-of-gas the same way before the code
  runs, and one below the base intrinsic gas is refused (bad-gas-limit);
- storage spam ends with the VM error storage-write-limit and a growing value with
  value-too-long at the CONCAT's offset, nothing written;
- a call whose gas_limit is above the genesis max_tx_gas is refused by sendrawtransaction
  (gas-limit-too-high), by callcontract (that reason, or its gas_limit parameter out of range)
  and by `waybill contract call`; a fee below size + gas_limit x gas_price is
  fee-too-low; a call of an unknown contract is unknown-contract; a bad entry name is
  bad-contract-entry;
- bytecode that fails validation is refused at deploy with the reason and the offset
  (unknown-opcode, stack-underflow, bad-magic), by the node (a tx signed here, as a client
  that skips the checks would send it) and by `waybill contract deploy`; a deploy of code
  without `init` that names a gas limit is bad-contract-args;
- more contract txs of max_tx_gas than a block's max_block_gas holds: the miner fills a
  block up to the bound and mines the rest in the next.

The txs the CLI would refuse to build are encoded and signed here (contract_util.py, checked
against docs/PROTOCOL.md Appendix A)."""

import os

from contract_util import (RUN_BASE_GAS, SPIN_ASM, ContractTestFramework, account_of,
                           bytecode, call_op, deploy_op, storage_map)
from framework import (JSONRPCError, assert_equal, assert_raises_rpc_error, assert_true, log)


# Writes keys 0, 1, 2, ... (8-byte values) until a limit stops it.
SPAM_ASM = """.entry spam
  PUSH 0
loop:
  DUP1
  ITOB
  DUP1
  SSTORE
  PUSH 1
  ADD
  JUMP loop

; Doubles a value until it is too long. CONCAT is 3 bytes past the entry.
.entry grow
  PUSHC "xxxxxxxx"
again:
  DUP1
  CONCAT
  JUMP again
"""


class ContractAbuseTest(ContractTestFramework):
    time_limit = 600

    def run_test(self):
        node = self.nodes[0]
        self.require_contracts()
        self.user = self.party(4)
        self.max_tx_gas = self.genesis["max_tx_gas"]
        self.max_block_gas = self.genesis["max_block_gas"]

        spin, d1 = self.deploy(node, self.user, self.write("spin.asm", SPIN_ASM))
        spam, d2 = self.deploy(node, self.user, self.write("spam.asm", SPAM_ASM))
        self.mine(node, [d1, d2])
        self.spin = spin

        self.infinite_loop(node, spin)
        self.limits(node, spam)
        self.gas_limit_too_high(node, spin)
        self.bad_bytecode(node)
        self.block_gas(node, spin)

    def write(self, name, text):
        path = os.path.join(self.tmpdir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def simulate(self, node, contract, entry, gas_limit, sender=None, args=()):
        return super().simulate(node, contract=contract, entry=entry, args=list(args), coins=0,
                                assets=[], gas_limit=gas_limit,
                                sender=(sender or self.user)["address"])

    def infinite_loop(self, node, spin):
        log("infinite loop: out of gas at exactly its limit")
        # From the base intrinsic gas up: below the code's intrinsic gas (base + 100 per byte)
        # nothing runs, above it the loop runs out; both use exactly the limit.
        for gas in (RUN_BASE_GAS, RUN_BASE_GAS + 1, RUN_BASE_GAS + 2, RUN_BASE_GAS + 77_777):
            rec = self.simulate(node, spin, "spin", gas)
            assert_equal((rec["outcome"], rec["gas_used"], rec["gas_limit"]),
                         ("out-of-gas", gas, gas), f"callcontract spin with gas {gas}")
            assert_true(rec.get("valid", True), "a call that runs out of gas is a valid tx")
        log("  below the base intrinsic gas: refused")
        rec = self.simulate(node, spin, "spin", RUN_BASE_GAS - 1)
        assert_equal(rec.get("valid"), False, f"callcontract below the base: {rec}")
        assert_true("bad-gas-limit" in rec.get("reason", ""), f"reason: {rec}")
        op = call_op(self.account(spin), "spin", gas_limit=RUN_BASE_GAS - 1)
        assert_raises_rpc_error(None, "bad-gas-limit", self.send_raw_signed, node, self.user,
                                op, self.contract_fee(op, RUN_BASE_GAS - 1))
        balance, nonce = self.balance(node, self.user), self.nonce(node, self.user)
        txid = self.call(node, self.user, spin, "spin", gas=150_001)
        self.mine(node, [txid])
        rec = self.record(node, txid)
        self.check_record(rec, "out-of-gas", 150_001)
        fee = self.fee_of(node, txid)
        assert_true(fee >= 150_001 * self.genesis["gas_price"], f"fee {fee} covers the gas")
        assert_equal(self.balance(node, self.user), balance - fee, "the whole fee is paid")
        assert_equal(self.nonce(node, self.user), nonce + 1, "the nonce is consumed")

        log(f"  at the genesis bound: gas_limit = max_tx_gas = {self.max_tx_gas}")
        op = call_op(self.account(spin), "spin", gas_limit=self.max_tx_gas)
        txid = self.send_raw_signed(node, self.user, op, self.contract_fee(op, self.max_tx_gas))
        self.mine(node, [txid])
        self.check_record(self.record(node, txid), "out-of-gas", self.max_tx_gas)

    def limits(self, node, spam):
        log("storage spam and a growing value stop at their limits, nothing written")
        rec = self.simulate(node, spam, "spam", self.max_tx_gas)
        assert_equal((rec["outcome"], rec.get("error")), ("vm-error", "storage-write-limit"),
                     f"storage spam: {rec}")
        txid = self.call(node, self.user, spam, "spam", gas=self.max_tx_gas)
        self.mine(node, [txid])
        rec = self.record(node, txid)
        assert_equal((rec["outcome"], rec.get("error")), ("vm-error", "storage-write-limit"))
        assert_true(rec["gas_used"] < rec["gas_limit"], "stopped by the limit, not the gas")
        assert_equal(storage_map(node.rpc.getcontract(spam)), {}, "no write kept")

        grow = [e["offset"] for e in node.rpc.getcontract(spam)["entries"]
                if e["name"] == "grow"]
        rec = self.simulate(node, spam, "grow", 400_000)
        assert_equal((rec["outcome"], rec.get("error"), rec.get("error_offset")),
                     ("vm-error", "value-too-long", grow[0] + 3), f"a growing value: {rec}")

    def gas_limit_too_high(self, node, spin):
        log("gas_limit above max_tx_gas: refused")
        too_high = self.max_tx_gas + 1
        op = call_op(self.account(spin), "spin", gas_limit=too_high)
        assert_raises_rpc_error(None, "gas-limit-too-high", self.send_raw_signed, node,
                                self.user, op, self.contract_fee(op, too_high))
        try:
            rec = self.simulate(node, spin, "spin", too_high)
            assert_equal(rec.get("valid"), False, f"callcontract above max_tx_gas: {rec}")
            assert_true("gas-limit-too-high" in rec.get("reason", ""), f"reason: {rec}")
        except JSONRPCError as e:  # refused as a parameter out of range: names gas_limit
            assert_true("gas-limit-too-high" in e.message or "gas_limit" in e.message,
                        f"callcontract error: {e.message}")
        err = node.cli("contract", "call", spin, "spin", "--key", self.user["key"], "--gas",
                       too_high, expect_fail=True)
        assert_true(any(w in err for w in ("gas-limit-too-high", "max_tx_gas", "gas_limit")),
                    f"the CLI names the bound: {err}")

        log("  fee below size + gas, unknown contract, bad entry name")
        gas = RUN_BASE_GAS
        op = call_op(self.account(spin), "spin", gas_limit=gas)
        assert_raises_rpc_error(None, "fee-too-low", self.send_raw_signed, node, self.user, op,
                                self.contract_fee(op, gas) - 1)
        op = call_op("ab" * 32, "spin", gas_limit=gas)
        assert_raises_rpc_error(None, "unknown-contract", self.send_raw_signed, node,
                                self.user, op, self.contract_fee(op, gas))
        op = call_op(self.account(spin), "Spin", gas_limit=gas)
        assert_raises_rpc_error(None, "bad-contract-entry", self.send_raw_signed, node,
                                self.user, op, self.contract_fee(op, gas))
        assert_equal(node.rpc.getrawmempool(), [], "nothing refused is pending")

    def bad_bytecode(self, node):
        log("bytecode that fails validation: refused at deploy with the reason and offset")
        # (bytecode, reason, whether `contract deploy` can read the file as bytecode: a file
        # without the magic is not one)
        cases = [
            (bytecode([("main", 0)], [0x10, 0x05, 0xFF]), "unknown-opcode at code offset 2",
             True),
            (bytecode([("main", 0)], [0x10, 0x01, 0x30, 0x00]),
             "stack-underflow at code offset 2", True),
            (b"WBVN" + bytecode([("main", 0)], [0x00])[4:], "bad-magic at byte 0", False),
        ]
        for code, reason, via_cli in cases:
            op = deploy_op(code)
            e = assert_raises_rpc_error(None, "bad-contract-code", self.send_raw_signed, node,
                                        self.user, op, self.contract_fee(op, 0))
            assert_true(reason in e.message, f"{reason!r} in {e.message!r}")
            if not via_cli:
                continue
            path = self.write("bad.wbvm", "")
            with open(path, "wb") as f:
                f.write(code)
            err = node.cli("contract", "deploy", path, "--key", self.user["key"],
                           expect_fail=True)
            assert_true(reason in err, f"the CLI names {reason!r}: {err}")
        good = bytecode([("main", 0)], [0x00])
        op = deploy_op(good, gas_limit=1)
        assert_raises_rpc_error(None, "bad-contract-args", self.send_raw_signed, node,
                                self.user, op, self.contract_fee(op, 1))
        assert_equal(node.rpc.getrawmempool(), [], "nothing refused is pending")

    def block_gas(self, node, spin):
        per_block = self.max_block_gas // self.max_tx_gas
        count = per_block + 1
        if count > 400:  # a sender may have 500 pending txs
            log(f"  skipped: {count} txs to fill a block (max_block_gas / max_tx_gas)")
            return
        log(f"{count} calls of max_tx_gas: {per_block} fit under max_block_gas "
            f"{self.max_block_gas}")
        nonce = node.rpc.getaccount(self.user["address"])["pending_nonce"]
        op = call_op(self.account(spin), "spin", gas_limit=self.max_tx_gas)
        fee = self.contract_fee(op, self.max_tx_gas)
        txids = [self.send_raw_signed(node, self.user, op, fee, nonce=nonce + i)
                 for i in range(count)]
        first = self.mine(node)[0]
        mined = [t for t in node.rpc.getblock(first)["tx"] if t in txids]
        assert_equal(mined, txids[:per_block], "the block holds what its gas bound allows")
        assert_equal(sorted(node.rpc.getrawmempool()), sorted(txids[per_block:]),
                     "the rest waits")
        self.mine(node, txids[per_block:])
        for t in txids:
            assert_equal(self.record(node, t)["gas_used"], self.max_tx_gas)

    @staticmethod
    def account(address):
        return account_of(address)


if __name__ == "__main__":
    ContractAbuseTest().main()
