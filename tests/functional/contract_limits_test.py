#!/usr/bin/env python3
"""Contract abuse cases over a live regtest node, each stopped at its limit with a clear reason
(issue 13 "Abuse"; contract_abuse_test.py has the loop, storage, value and gas-bound cases):

- deep stack: the stack depth is static (docs/CONTRACTS.md "The stack"), so code that pushes
  past 256 values is refused at deploy (`bad-contract-code`, `stack-overflow` at the offset of
  the 257th push; a loop that pushes each round, `stack-mismatch` at the loop's start), by the
  node and by `waybill contract deploy`; 256 values deploy and run; the node stays up;
- a contract that sends coins or an asset to itself: `effect-refused` with the host's reason
  `transfer-to-self`, the attachments given back;
- no re-entrancy: there is no opcode that calls a contract. Contract A sends an asset it holds
  and coins to contract B: A's call succeeds, B's code does not run (no call record, storage
  empty, call count 0), B holds what it was sent; the REST event stream announces the asset's
  transfer with A as actor to the asset's and B's subscribers (the asset is no attachment of
  that call: only A's call record names it);
- signature-check spam at the block limit: max_block_gas / max_tx_gas calls whose code loops
  on SIGCHECK (a valid signature, the costly case) with gas_limit = max_tx_gas fill one block;
  every call ends out-of-gas with its whole limit, the block is accepted, and a second node
  syncs it to the same tip. How long each node took to connect it is logged, never asserted.

No gas figure is written here: the bounds come from getblockchaininfo, and gas is compared in
relations (out of gas uses the whole limit, gas_used <= gas_limit)."""

import os
import time

from contract_util import (ContractTestFramework, account_of, bytecode, call_op, deploy_op,
                           schnorr_sign, storage_map, xonly_pubkey)
from framework import (COIN, assert_equal, assert_raises_rpc_error, assert_true, log)
from rest_events_test import SseClient

MAX_STACK = 256  # docs/CONTRACTS.md "Limits": stack depth (a protocol constant, not gas)
PUSH1_SIZE = 2  # PUSH1 and its immediate byte

# keep: holds what is attached. forward: sends asset arg 1 (which it holds) to arg 0, and the
# attached coins too. selfcoins / selfasset: send the attachment to the contract itself.
FORWARDER_ASM = """.entry keep
  STOP
.entry forward
  PUSH 0
  ARG
  PUSH 1
  ARG
  SENDASSET
  PUSH 0
  ARG
  ATTCOINS
  SENDCOINS
  STOP
.entry selfcoins
  SELF
  ATTCOINS
  SENDCOINS
  STOP
.entry selfasset
  SELF
  PUSH 0
  ATTASSET
  SENDASSET
  STOP
"""

# Marks that it ran: any call of it writes "ran".
MARKER_ASM = """.entry main
  PUSHC "ran"
  PUSH 1
  ITOB
  SSTORE
  STOP
"""

# Verifies one signature per round until its gas runs out.
SIGSPAM_ASM = """.const key 0x{key}
.const msg 0x{msg}
.const sig 0x{sig}
.entry spam
loop:
  PUSHC key
  PUSHC msg
  PUSHC sig
  SIGCHECK
  POP
  JUMP loop
"""


def pushes_asm(count):
    return "\n".join(["  PUSH 0"] * count + ["  STOP", ""])


class ContractLimitsTest(ContractTestFramework):
    time_limit = 600
    rest = True  # every node serves the REST API (the event stream)

    def run_test(self):
        node = self.nodes[0]
        self.require_contracts()
        self.user = self.party(5)
        info = node.rpc.getblockchaininfo()
        self.max_tx_gas = info["max_tx_gas"]
        self.max_block_gas = info["max_block_gas"]

        self.deep_stack(node)
        forwarder, marker = self.deploy_pair(node)
        self.send_to_self(node, forwarder)
        self.no_reentrancy(node, forwarder, marker)
        self.sigcheck_spam(node)

    def write(self, name, text):
        path = os.path.join(self.tmpdir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def deep_stack(self, node):
        log("deep stack: refused at deploy (stack heights are static), 256 values run")
        over = pushes_asm(MAX_STACK + 1)
        reason = f"stack-overflow at code offset {MAX_STACK * PUSH1_SIZE}"
        code = bytecode([("main", 0)], [0x10, 0x00] * (MAX_STACK + 1) + [0x00])
        op = deploy_op(code)
        e = assert_raises_rpc_error(None, "bad-contract-code", self.send_raw_signed, node,
                                    self.user, op, self.contract_fee(op, 0))
        assert_true(reason in e.message, f"{reason!r} in {e.message!r}")
        err = node.cli("contract", "deploy", self.write("over.asm", over), "--key",
                       self.user["key"], expect_fail=True)
        assert_true(reason in err, f"the CLI names {reason!r}: {err}")

        loop = ".entry grow\nloop:\n  PUSH 1\n  JUMP loop\n"
        err = node.cli("contract", "deploy", self.write("grow.asm", loop), "--key",
                       self.user["key"], expect_fail=True)
        assert_true("stack-mismatch at code offset 0" in err,
                    f"a loop that pushes each round: {err}")
        assert_equal(node.rpc.getrawmempool(), [], "nothing refused is pending")

        full, txid = self.deploy(node, self.user, self.write("full.asm", pushes_asm(MAX_STACK)))
        self.mine(node, [txid])
        assert_equal(node.rpc.getcontract(full)["max_stack_depth"], MAX_STACK,
                     "the validator's depth")
        call = self.call(node, self.user, full, "main")
        self.mine(node, [call])
        self.check_record(self.record(node, call), "success")
        assert_true(node.rpc.getblockchaininfo()["blocks"] > 0, "the node is up")

    def deploy_pair(self, node):
        forwarder, d1 = self.deploy(node, self.user, self.write("fwd.asm", FORWARDER_ASM))
        marker, d2 = self.deploy(node, self.user, self.write("marker.asm", MARKER_ASM))
        self.mine(node, [d1, d2])
        return forwarder, marker

    def send_to_self(self, node, forwarder):
        log("a contract sending to itself: effect-refused, transfer-to-self")
        lot = self.issue(node, self.user, 3)
        self.mine(node)
        balance = self.balance(node, forwarder)
        txs = [self.call(node, self.user, forwarder, "selfcoins", coins=COIN),
               self.call(node, self.user, forwarder, "selfasset", assets=[lot])]
        self.mine(node, txs)
        for txid in txs:
            rec = self.record(node, txid)
            self.check_record(rec, "vm-error")
            assert_equal(rec.get("error"), "effect-refused", f"error of {rec}")
            assert_true(rec.get("detail", "").startswith("transfer-to-self"),
                        f"the host's reason: {rec}")
        assert_equal(self.balance(node, forwarder), balance, "the attached coins went back")
        assert_equal(node.rpc.getasset(lot)["custodian"], self.user["address"],
                     "the attached asset went back")

    def no_reentrancy(self, node, forwarder, marker):
        log("no calls between contracts: A sends to B, B's code does not run")
        lot = self.issue(node, self.user, 7)
        self.mine(node)
        keep = self.call(node, self.user, forwarder, "keep", assets=[lot])
        self.mine(node, [keep])
        assert_equal(node.rpc.getasset(lot)["custodian"], forwarder, "A holds the lot")
        before = node.rpc.getcontract(marker)
        assert_equal(before["call_count"], 0, "B never called")

        by_asset = SseClient(node.restport, f"asset={lot}")
        by_b = SseClient(node.restport, f"account={marker}")
        try:
            for client in (by_asset, by_b):
                assert_equal(client.next_message()["event"], "hello", "the stream's first")
            txid = self.call(node, self.user, forwarder, "forward", args=[marker, "0x" + lot],
                             coins=2 * COIN)
            self.mine(node, [txid])
            rec = self.record(node, txid)
            self.check_record(rec, "success")
            self.check_effects(rec, [{"kind": "asset", "to": marker, "asset": lot},
                                     {"kind": "coins", "to": marker, "amount": 2 * COIN}])
            for client in (by_asset, by_b):
                msg = client.next_message()
                assert_equal(msg["event"], "event", f"the transfer announced: {msg}")
                event = msg["data"]["event"]
                assert_equal((msg["data"]["asset"], event["txid"], event["type"]),
                             (lot, txid, "transfer"), f"the event: {msg}")
                assert_equal((event["actor"], event["counterparty"]), (forwarder, marker),
                             "the contract is the actor, B the counterparty")
        finally:
            by_asset.close()
            by_b.close()

        after = node.rpc.getcontract(marker)
        assert_equal(after["call_count"], 0, "B's code did not run: no call counted")
        assert_equal(after["calls"], [], "no call record of B")
        assert_equal(storage_map(after), {}, "B's storage is untouched")
        assert_equal(after["balance"], before["balance"] + 2 * COIN, "B holds the coins")
        assert_equal(node.rpc.getasset(lot)["custodian"], marker, "B holds the lot")

    def sigcheck_spam(self, node):
        per_block = self.max_block_gas // self.max_tx_gas
        if per_block > 400:  # a sender may have 500 pending txs
            log(f"  skipped: {per_block} txs to fill a block (max_block_gas / max_tx_gas)")
            return
        log(f"signature-check spam: {per_block} calls of max_tx_gas {self.max_tx_gas} fill "
            f"max_block_gas {self.max_block_gas}")
        other = self.add_node()
        self.connect_nodes(other, node)
        self.sync_blocks(timeout=120)

        signer = self.party(6)
        msg = bytes(range(32))
        source = SIGSPAM_ASM.format(key=xonly_pubkey(signer["secret"]).hex(), msg=msg.hex(),
                                    sig=schnorr_sign(msg, signer["secret"]).hex())
        spam, d = self.deploy(node, self.user, self.write("sigspam.asm", source))
        self.mine(node, [d])
        trial = self.simulate(node, contract=spam, entry="spam", args=[], coins=0, assets=[],
                              gas_limit=self.max_tx_gas, sender=self.user["address"])
        assert_equal(trial["outcome"], "out-of-gas", f"the loop runs out of gas: {trial}")

        op = call_op(account_of(spam), "spam", gas_limit=self.max_tx_gas)
        fee = self.contract_fee(op, self.max_tx_gas)
        nonce = node.rpc.getaccount(self.user["address"])["pending_nonce"]
        txids = [self.send_raw_signed(node, self.user, op, fee, nonce=nonce + i)
                 for i in range(per_block)]
        self.sync_blocks(timeout=120)  # same tip before the block, so the timing is its own

        start = time.monotonic()
        block = self.mine(node, txids)[0]
        mined = time.monotonic() - start
        self.sync_blocks(timeout=300, what="node 1 has the signature-check block")
        relayed = time.monotonic() - start
        log(f"  node 0 mined and connected it in {mined:.2f} s; node 1 had it "
            f"{relayed:.2f} s after the mining started (informational)")
        assert_equal(node.rpc.getbestblockhash(), block, "the block is the tip")
        assert_equal(other.rpc.getbestblockhash(), block, "node 1 synced it")
        in_block = [t for t in node.rpc.getblock(block)["tx"] if t in txids]
        assert_equal(len(in_block), per_block, "every call in the one block")
        for txid in txids:
            for n in (node, other):
                rec = self.record(n, txid)
                self.check_record(rec, "out-of-gas", self.max_tx_gas)
        for i, n in enumerate((node, other)):
            log(f"  node {i} reconnected it in {self.reconnect_seconds(n, block):.2f} s "
                f"(invalidateblock, then timed reconsiderblock; informational)")
        self.sync_blocks(timeout=120)
        assert_equal(other.rpc.getbestblockhash(), block, "both back on the block")

    @staticmethod
    def reconnect_seconds(node, block):
        node.rpc.invalidateblock(block)
        start = time.monotonic()
        node.rpc.reconsiderblock(block)
        elapsed = time.monotonic() - start
        assert_equal(node.rpc.getbestblockhash(), block, "reconsiderblock connects it again")
        return elapsed


if __name__ == "__main__":
    ContractLimitsTest().main()
