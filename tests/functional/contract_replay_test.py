#!/usr/bin/env python3
"""Contract calls replayed by a second node (issue 13: "the same calls replayed on a second
node give the same state and gas").

Node 0 alone deploys the escrow, payment-on-delivery and a spinning contract and mines, in
blocks, calls of every outcome: successes with coins and assets attached and sent, an abort
(the attached coins given back), an out-of-gas call, a call of an entry that does not exist
(vm-error no-such-entry), several calls of one contract in one block. Node 1 then starts
with an empty data dir, syncs the chain from node 0 and must hold the same contract state
(getcontract: code, storage, balance, holdings, recent calls with their records), the same
call record (outcome, gas_used, logs, effects) for every contract tx, and the same accounts
and asset histories. Node 1 is then restarted with --reindex (the blocks replayed from its
own files) and must still agree."""

import os

from contract_util import SPIN_ASM, ContractTestFramework
from framework import COIN, assert_equal, assert_true, log


class ContractReplayTest(ContractTestFramework):
    time_limit = 600

    def run_test(self):
        node = self.nodes[0]
        self.require_contracts()
        e, f, buyer = self.party(1), self.party(2), self.party(3)
        self.contract_txs = []

        log("node 0: deploy three contracts")
        esc, d1 = self.deploy(node, e, "escrow")
        pod, d2 = self.deploy(node, buyer, "payment_on_delivery")
        spin_path = os.path.join(self.tmpdir, "spin.asm")
        with open(spin_path, "w") as out:
            out.write(SPIN_ASM)
        spin, d3 = self.deploy(node, f, spin_path)
        lots = [self.issue(node, e, 5 + i, meta=f"lot=replay-{i}") for i in range(2)]
        self.mine(node, [d1, d2, d3])
        self.contract_txs += [d1, d2, d3]

        log("node 0: calls of every outcome")
        deadline = node.rpc.getblockcount() + 30
        txs = [self.call(node, e, esc, "setup", [f["address"], 4 * COIN, deadline],
                         assets=[lots[0]]),
               self.call(node, f, esc, "claim", coins=COIN),         # aborted 7
               self.call(node, buyer, pod, "order", [f["address"], "0x" + lots[1], deadline],
                         coins=2 * COIN),
               self.call(node, f, spin, "spin", gas=140_001),         # out of gas
               self.call(node, f, esc, "no_such_entry")]              # vm-error
        self.mine(node, txs)
        self.contract_txs += txs
        outcomes = [self.record(node, t)["outcome"] for t in txs]
        assert_equal(outcomes, ["success", "aborted", "success", "out-of-gas", "vm-error"],
                     "the outcomes on node 0")
        assert_equal(self.record(node, txs[3])["gas_used"], 140_001)
        assert_equal(self.record(node, txs[4]).get("error"), "no-such-entry")

        txs = [self.call(node, e, esc, "pay", coins=4 * COIN),
               self.submit(node, ["tx", "asset-transfer", "--key", e["key"], "--asset",
                                  lots[1], "--to", buyer["address"]])]
        self.mine(node, txs)
        release = self.call(node, f, pod, "release")
        self.mine(node, [release])
        self.contract_txs += [txs[0], release]
        assert_equal(self.record(node, release)["outcome"], "success")
        node.rpc.generatetoaddress(1, self.miner["address"])

        self.contracts = [esc, pod, spin]
        self.accounts = [e["address"], f["address"], buyer["address"], self.miner["address"],
                         esc, pod, spin]
        self.assets = lots
        expected = self.snapshot(node)

        log("node 1: a fresh node syncs the chain from node 0")
        other = self.add_node()
        self.connect_nodes(other, node)
        self.sync_blocks(timeout=120)
        self.compare(expected, self.snapshot(other), "node 1 after sync")

        log("node 1: restarted with --reindex")
        other.stop()
        other.start(extra_args=["--reindex"], timeout=120)
        assert_equal(other.rpc.getbestblockhash(), node.rpc.getbestblockhash(), "same tip")
        self.compare(expected, self.snapshot(other), "node 1 after --reindex")
        verify = other.rpc.verifychain()
        assert_true(verify["ok"] and not verify["problems"], f"verifychain: {verify}")

    def snapshot(self, node):
        """Everything the contract txs wrote, as node sees it."""
        return {
            "tip": node.rpc.getbestblockhash(),
            "contracts": {c: node.rpc.getcontract(c) for c in self.contracts},
            "records": {t: self.record(node, t) for t in self.contract_txs},
            "accounts": {a: node.rpc.getaccount(a)["balance"] for a in self.accounts},
            "nonces": {a: node.rpc.getaccount(a)["nonce"] for a in self.accounts},
            "assets": {a: node.rpc.getasset(a) for a in self.assets},
            "histories": {a: node.rpc.getassethistory(a) for a in self.assets},
        }

    @staticmethod
    def compare(expected, got, what):
        for key in expected:
            if key in ("assets", "histories"):
                for asset in expected[key]:
                    assert_equal(ContractReplayTest.strip_parties(got[key][asset]),
                                 ContractReplayTest.strip_parties(expected[key][asset]),
                                 f"{what}: {key} of {asset}")
                continue
            if isinstance(expected[key], dict):
                for item in expected[key]:
                    assert_equal(got[key][item], expected[key][item], f"{what}: {key} {item}")
            else:
                assert_equal(got[key], expected[key], f"{what}: {key}")
        gas = [r["gas_used"] for r in got["records"].values()]
        log(f"  {what}: same state; gas used by the contract txs {gas}")

    @staticmethod
    def strip_parties(value):
        """Drops the party summaries (who an account is *now*, not replayed state)."""
        if isinstance(value, dict):
            return {k: ContractReplayTest.strip_parties(v) for k, v in value.items()
                    if not k.endswith("_party")}
        if isinstance(value, list):
            return [ContractReplayTest.strip_parties(v) for v in value]
        return value


if __name__ == "__main__":
    ContractReplayTest().main()
