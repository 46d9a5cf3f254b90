#!/usr/bin/env python3
"""listassets (docs/API.md "Accounts and assets") on a live regtest node: the open assets in an
account's custody from the custody index, as getasset shows them, by asset id. Issue, transfer
to another key, split, merge: each account lists exactly what getasset says it holds. A reorg
(invalidateblock) restores the previous listing, reconsiderblock the later one. Paging with
limit 1 walks every asset once through "next"; wrong params get the usual errors."""

import json

from framework import (WaybillTestFramework, assert_equal, assert_raises_rpc_error,
                       assert_true, log)


class ListAssetsTest(WaybillTestFramework):
    def tx(self, key, command, *args):
        return json.loads(self.nodes[0].cli("tx", command, "--key", key, "--json", *args))

    def mine(self):
        return self.nodes[0].rpc.generatetoaddress(1, self.miner)[0]

    def listed(self, address, **kw):
        """The asset ids of one listassets page, checking that each entry is getasset's."""
        rpc = self.nodes[0].rpc
        page = rpc.listassets(address, kw.get("after"), kw.get("limit"))
        assert_equal(page["address"], address, "the address echoed")
        ids = [a["asset"] for a in page["assets"]]
        for entry in page["assets"]:
            assert_equal(entry, rpc.getasset(entry["asset"]), "an entry is getasset's object")
            assert_equal(entry["custodian"], address, "held by the account")
            assert_equal(entry["status"], "open", "open")
        assert_equal(ids, sorted(ids), "by asset id")
        return ids, page["next"]

    def holdings(self, *addresses):
        out = {}
        for a in addresses:
            ids, nxt = self.listed(a)
            assert_equal(nxt, None, "one page holds them all")
            out[a] = ids
        return out

    def run_test(self):
        node = self.nodes[0]
        rpc = node.rpc
        alice_key, alice = self.dev_key(1)
        bob_key, bob = self.dev_key(2)
        _, self.miner = self.new_key("miner")

        log("nothing held yet")
        assert_equal(self.holdings(alice, bob), {alice: [], bob: []})

        log("alice issues two lots")
        a = self.tx(alice_key, "issue", "--quantity", 100, "--unit", "pcs")["assets"][0]
        b = self.tx(alice_key, "issue", "--quantity", 60, "--unit", "pcs")["assets"][0]
        self.mine()
        assert_equal(self.holdings(alice, bob), {alice: sorted([a, b]), bob: []})

        log("alice hands lot a to bob")
        self.tx(alice_key, "asset-transfer", "--asset", a, "--to", bob)
        self.mine()
        assert_equal(self.holdings(alice, bob), {alice: [b], bob: [a]})

        log("alice splits lot b in three: the parent leaves her listing, the children join it")
        bags = self.tx(alice_key, "split", "--asset", b, "--quantities", "20,20,20")["assets"]
        self.mine()
        assert_equal(self.holdings(alice, bob), {alice: sorted(bags), bob: [a]})

        log("bob issues lot c and merges a and c")
        c = self.tx(bob_key, "issue", "--quantity", 40, "--unit", "pcs")["assets"][0]
        self.mine()
        assert_equal(self.holdings(bob)[bob], sorted([a, c]))
        merged = self.tx(bob_key, "merge", "--inputs", f"{a},{c}", "--quantity", 140,
                         "--unit", "pcs")["assets"][0]
        self.mine()
        before = self.holdings(alice, bob)
        assert_equal(before, {alice: sorted(bags), bob: [merged]})

        log("a block moving a bag to bob, then invalidateblock: the listing as before")
        self.tx(alice_key, "asset-transfer", "--asset", bags[0], "--to", bob)
        moved_block = self.mine()
        after = self.holdings(alice, bob)
        assert_equal(after, {alice: sorted(bags[1:]), bob: sorted([merged, bags[0]])})
        rpc.invalidateblock(moved_block)
        assert_equal(self.holdings(alice, bob), before, "the reorg restores the listing")
        rpc.reconsiderblock(moved_block)
        assert_equal(rpc.getbestblockhash(), moved_block)
        assert_equal(self.holdings(alice, bob), after, "reconnected")

        log("pages of one asset walk alice's assets once, by next")
        walked, after_id = [], None
        for _ in range(10):
            ids, after_id = self.listed(alice, after=after_id, limit=1)
            assert_equal(len(ids), 1, "one asset a page")
            walked += ids
            if after_id is None:
                break
            assert_equal(after_id, ids[-1], "next is the page's last id")
        assert_equal(walked, sorted(bags[1:]), "every asset once")
        ids, nxt = self.listed(alice, after=walked[0], limit=1000)
        assert_equal((ids, nxt), (walked[1:], None), "after is exclusive")
        status, text = rpc.post(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "listassets",
                                            "params": {"address": alice, "limit": 1}}))
        assert_equal((status, json.loads(text)["result"]["next"]), (200, walked[0]),
                     "named params")

        log("wrong params get the usual errors")
        assert_raises_rpc_error(-5, "Invalid address", rpc.listassets, "wbr1notanaddress")
        assert_raises_rpc_error(-8, None, rpc.listassets, alice, None, 0)
        assert_raises_rpc_error(-8, None, rpc.listassets, alice, None, 1001)
        assert_raises_rpc_error(-8, None, rpc.listassets, alice, "zz")
        assert_true(rpc.listassets(alice, None, 1000)["next"] is None, "limit 1000 allowed")


if __name__ == "__main__":
    ListAssetsTest().main()
