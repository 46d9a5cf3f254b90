#!/usr/bin/env python3
"""A split at retail scale on a live node (docs/PROTOCOL.md §9.2, plan §6): 1.5 t of coffee
(1,500,000 g) into 1,000 bags of 1,500 g, each labeled bag=000001..001000, in ONE tx made with
`waybill tx split --bags`; the wrong sum refused by the CLI before signing and by the node
(`bad-split-sum`); per-child metadata from --children-file replacing the parent's keys."""

import json
import os

from framework import (JSONRPCError, WaybillTestFramework, assert_equal, assert_true, log)


class SplitTest(WaybillTestFramework):
    time_limit = 120

    def run_test(self):
        node = self.nodes[0]
        rpc = node.rpc
        key, address = self.dev_key(1)
        miner = self.dev_key(9)[1]

        log("issue 1,500,000 g")
        issue = node.cli_json("tx", "issue", "--key", key, "--json", "--quantity", 1_500_000,
                              "--unit", "g", "--meta", "lot=L-2026-17", "--meta", "origin=PE")
        lot = issue["assets"][0]
        rpc.generatetoaddress(1, miner)

        log("a wrong sum: refused by the CLI before signing, and by the node")
        err = node.cli("tx", "split", "--key", key, "--asset", lot, "--bags", 1000, "--each", 1501,
                       expect_fail=True)
        # The CLI's own check (the node's bad-split-sum would name the numbers too).
        assert_true("1000 children sum to 1501000" in err and "holds 1500000" in err and
                    "sendrawtransaction" not in err, f"CLI sum check: {err}")
        err = node.cli("tx", "split", "--key", key, "--asset", lot, "--bags", 1001, "--each", 1,
                       expect_fail=True)
        assert_true("2..1000 children" in err, f"1,001 children: {err}")
        assert_equal(rpc.getrawmempool(), [], "nothing sent")
        # Offline (--dry-run --nonce: no node asked), the node's rule is what refuses it.
        nonce = rpc.getaccount(address)["pending_nonce"]
        dry = node.cli_json("tx", "split", "--key", key, "--json", "--asset", lot, "--dry-run",
                            "--nonce", nonce, "--quantities", "1000000,400000")
        try:
            rpc.sendrawtransaction(dry["hex"])
            raise AssertionError("an unbalanced split was accepted")
        except JSONRPCError as e:
            assert_true("bad-split-sum" in e.message, f"node's reason: {e.message}")

        log("1,000 labeled bags in one tx")
        split = node.cli_json("tx", "split", "--key", key, "--json", "--asset", lot,
                              "--bags", 1000, "--each", 1500)
        assert_equal(len(split["assets"]), 1000, "1,000 new asset ids")
        assert_true(split["size"] < 65536, f"within the tx limit: {split['size']} bytes")
        assert_equal(rpc.getrawmempool(), [split["txid"]], "one tx")
        rpc.generatetoaddress(1, miner)
        assert_equal(rpc.getrawmempool(), [], "mined")

        bag500 = rpc.getasset(split["assets"][499])
        assert_equal(bag500["quantity"], 1500)
        assert_equal(bag500["unit"], "g")
        assert_equal(bag500["parents"], [lot])
        assert_equal(bag500["metadata"], [{"key": "bag", "value": "000500"},
                                          {"key": "lot", "value": "L-2026-17"},
                                          {"key": "origin", "value": "PE"}],
                     "the bag's label with the parent's metadata")
        parent = rpc.getasset(lot)
        assert_equal(parent["status"], "split")
        assert_equal(parent["children"], split["assets"], "the parent lists every bag")
        history = rpc.getassethistory(lot)
        events = history["events"] if isinstance(history, dict) else history
        assert_equal([e["type"] for e in events], ["issue", "split"])
        assert_equal(len(events[1]["related"]), 1000, "the split event relates 1,000 bags")
        assert_equal(events[1]["related"], split["assets"])
        tx = rpc.getrawtransaction(split["txid"], True)
        op = tx["op"] if "op" in tx else tx["tx"]["op"]
        assert_equal(op["children"][499], {"asset": split["assets"][499], "quantity": 1500,
                                           "metadata": [{"key": "bag", "value": "000500"}]})

        log("--children-file: a child's own keys replace the parent's")
        path = os.path.join(self.tmpdir, "children.json")
        with open(path, "w") as f:
            json.dump([{"quantity": 1000, "metadata": {"serial": "SN-1"}},
                       {"quantity": 500, "metadata": {"bag": "000500-b", "serial": "SN-2"}}], f)
        halves = node.cli_json("tx", "split", "--key", key, "--json", "--asset",
                               split["assets"][499], "--children-file", path)
        rpc.generatetoaddress(1, miner)
        second = rpc.getasset(halves["assets"][1])
        assert_equal(second["metadata"], [{"key": "bag", "value": "000500-b"},
                                          {"key": "lot", "value": "L-2026-17"},
                                          {"key": "origin", "value": "PE"},
                                          {"key": "serial", "value": "SN-2"}])
        assert_equal(rpc.getasset(halves["assets"][0])["metadata"][0],
                     {"key": "bag", "value": "000500"}, "a key it does not give stays")


if __name__ == "__main__":
    SplitTest().main()
