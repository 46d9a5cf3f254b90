#!/usr/bin/env python3
"""A reorg across contract calls restores the contract state exactly (issue 13).

Two nodes with IPs of their own (127.0.0.61, .62), linked. The escrow is deployed and mined
on both. The link is cut (setban both ways). Node 0 then mines two blocks: the escrow's setup
(the collateral attached) with a deploy of a second contract, then the escrow's pay (the
price to F, the collateral back to E), a call that aborts (E's claim of the closed escrow)
and an order on the second contract (coins attached). Node 1 mines three empty blocks.
Healed, node 0 follows node 1's longer chain and must be exactly where it was before its two
blocks: the escrow's storage, balance, holdings and recent calls, the accounts' balances and
nonces, the collateral's custodian and history, and no second contract. The replaced calls
return to node 0's mempool (as any tx of a disconnected block does) and, mined again, give
the same records (outcome, gas_used, logs, effects) and the same contract state as before
the reorg."""

from contract_util import ContractTestFramework
from framework import COIN, JSONRPCError, Node, assert_equal, assert_true, log, wait_until

IPS = ["127.0.0.61", "127.0.0.62"]


class ContractReorgTest(ContractTestFramework):
    num_nodes = 2
    time_limit = 600

    def make_node(self, index):
        return Node(index, self, ["--maxoutbound=0"], bind_ip=IPS[index])

    def run_test(self):
        n0, n1 = self.nodes
        self.require_contracts()
        e, f, buyer = self.party(1), self.party(2), self.party(3)
        self.connect_nodes(n0, n1)

        log("the escrow and its collateral, on both nodes")
        esc, dep = self.deploy(n0, e, "escrow")
        collateral = self.issue(n0, e, 7, meta="lot=reorg")
        self.mine(n0, [dep])
        self.sync_blocks(timeout=60)
        self.accounts = [e["address"], f["address"], buyer["address"], esc]
        before = self.state(n0, esc, collateral)
        assert_equal(self.state(n1, esc, collateral), before, "node 1 agrees before the split")

        log("cut the link")
        for i, j in ((0, 1), (1, 0)):
            self.nodes[i].rpc.setban(IPS[j], "add")
        wait_until(lambda: not self.is_connected(n0, n1) and not self.is_connected(n1, n0),
                   timeout=30, what="the link cut")

        log("node 0: two blocks of contract txs")
        deadline = n0.rpc.getblockcount() + 40
        pod, dep2 = self.deploy(n0, buyer, "payment_on_delivery")
        first = [self.call(n0, e, esc, "setup", [f["address"], 3 * COIN, deadline],
                           assets=[collateral]), dep2]
        self.mine(n0, first)
        order = self.call(n0, buyer, pod, "order", [f["address"], "0x" + collateral, deadline],
                          coins=COIN)
        second = [self.call(n0, e, esc, "pay", coins=3 * COIN),
                  self.call(n0, e, esc, "claim"),  # closed by the pay before it: aborts 3
                  order]
        self.mine(n0, second)
        replaced = first + second
        records = {t: self.record(n0, t) for t in replaced}
        assert_equal(records[second[0]]["outcome"], "success", "pay")
        assert_equal((records[second[1]]["outcome"], records[second[1]].get("abort_code")),
                     ("aborted", 3), "a claim of the closed escrow")
        assert_equal(n0.rpc.getasset(collateral)["custodian"], e["address"])
        after = self.state(n0, esc, collateral)
        pod_after = self.contract_view(n0, pod)
        assert_true(after != before, "the calls changed the state")

        log("node 1: three empty blocks; heal")
        n1.rpc.generatetoaddress(3, self.miner["address"])
        for node in self.nodes:
            node.rpc.clearbanned()
        self.connect_nodes(n0, n1)
        tip = self.sync_blocks(timeout=120)
        assert_equal(tip, n1.rpc.getbestblockhash())

        log("node 0 is back where it was before its two blocks")
        assert_equal(self.state(n0, esc, collateral), before, "state after the reorg")
        try:
            n0.rpc.getcontract(pod)
            raise AssertionError("the contract deployed in a replaced block still exists")
        except JSONRPCError as err:
            log(f"  the second contract is gone: {err.message}")
        wait_until(lambda: set(replaced) <= set(n0.rpc.getrawmempool()), timeout=60,
                   what="the replaced contract txs back in node 0's mempool")

        log("mined again: the same records and state")
        n0.rpc.generatetoaddress(1, self.miner["address"])
        self.sync_blocks(timeout=60)
        pending = set(n0.rpc.getrawmempool())
        assert_equal(sorted(set(replaced) & pending), [], "every replaced tx mined again")
        for t in replaced:
            assert_equal(self.record(n0, t), records[t], f"record of {t} mined again")
            assert_equal(self.record(n1, t), records[t], f"record of {t} on node 1")
        again = self.state(n0, esc, collateral)
        for key in after:
            assert_equal(again[key], after[key], f"{key} as before the reorg")
        pod_again = self.contract_view(n0, pod)
        pod_again.pop("height")
        pod_after.pop("height")
        assert_equal(pod_again, pod_after, "the second contract as before the reorg")
        assert_equal(self.state(n1, esc, collateral), again, "node 1 agrees")
        verify = n0.rpc.verifychain()
        assert_true(verify["ok"] and not verify["problems"], f"verifychain: {verify}")

    def state(self, node, contract, asset):
        """The escrow, the accounts and the collateral (balances leave out the miner, whose
        rewards differ between the branches)."""
        history = node.rpc.getassethistory(asset)["events"]
        return {
            "contract": self.contract_view(node, contract),
            "balances": {a: node.rpc.getaccount(a)["balance"] for a in self.accounts},
            "nonces": {a: node.rpc.getaccount(a)["nonce"] for a in self.accounts},
            "custodian": node.rpc.getasset(asset)["custodian"],
            "history": [(ev["type"], ev["txid"], ev["actor"], ev["counterparty"])
                        for ev in history],
        }


if __name__ == "__main__":
    ContractReorgTest().main()
