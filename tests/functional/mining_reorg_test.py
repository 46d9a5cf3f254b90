#!/usr/bin/env python3
"""Reorgs on one node with invalidateblock / reconsiderblock.

Block 6 issues an asset and hands it to A. Invalidating block 6 returns both txs to the
mempool. A competing block 6' (built here in Python) holds the same issue tx but a transfer
to B with the same nonce, and 7' extends it. Reconsidering block 6 leaves it inactive (less
work). Then the branches are switched back and forth, and after each switch the asset has
exactly one custodian, the mempool holds what the active chain lacks, and the coin supply
equals allocations plus rewards."""

import json

from framework import (JSONRPCError, WaybillTestFramework, assert_equal, assert_true,
                       build_block, check_custody, header_fields, log, wait_until)


class MiningReorgTest(WaybillTestFramework):
    def run_test(self):
        node = self.nodes[0]
        rpc = node.rpc
        self.dev = [self.dev_key(i) for i in range(10)]
        issuer_key, issuer = self.dev[1]
        _, a_addr = self.dev[2]
        _, b_addr = self.dev[3]
        miner_key, miner = self.new_key("miner")
        miner_hex = json.loads(self.run_cli(["key", "address", "--key", miner_key,
                                             "--network", "regtest", "--json"]))["account"]

        log("mine 5 blocks")
        rpc.generatetoaddress(5, miner)
        self.check_supply(rpc, miner)

        log("block 6: issue an asset and transfer it to A")
        nonce = rpc.getaccount(issuer)["nonce"]
        issue = self.signed(node, "issue", issuer_key, nonce, "--quantity", 500, "--unit", "pcs",
                            "--meta", "sku=widget")
        asset = issue["assets"][0]
        to_a = self.signed(node, "asset-transfer", issuer_key, nonce + 1, "--asset", asset,
                           "--to", a_addr)
        to_b = self.signed(node, "asset-transfer", issuer_key, nonce + 1, "--asset", asset,
                           "--to", b_addr)
        assert_true(to_a["txid"] != to_b["txid"], "two different transfers, same nonce")
        for tx in (issue, to_a):
            assert_equal(rpc.sendrawtransaction(tx["hex"]), tx["txid"], "sendrawtransaction")
        try:
            rpc.sendrawtransaction(to_b["hex"])
            raise AssertionError("the mempool took a second tx with the same nonce")
        except JSONRPCError as e:
            log(f"  conflicting transfer refused by the mempool: {e.message}")
        block6 = rpc.generatetoaddress(1, miner)[0]
        assert_equal(sorted(rpc.getblock(block6)["tx"]), sorted([issue["txid"], to_a["txid"]]))
        assert_equal(rpc.getasset(asset)["custodian"], a_addr, "A holds the asset")
        block5 = rpc.getblockhash(5)

        log("invalidateblock 6: its txs return to the mempool")
        rpc.invalidateblock(block6)
        assert_equal(rpc.getblockcount(), 5)
        assert_equal(rpc.getbestblockhash(), block5)
        wait_until(lambda: sorted(rpc.getrawmempool()) == sorted([issue["txid"], to_a["txid"]]),
                   timeout=30, what="disconnected txs back in the mempool")
        try:
            rpc.getasset(asset)
            raise AssertionError("the asset outlived the block that issued it")
        except JSONRPCError as e:
            assert_equal(e.code, -5, "unknown asset code")
        self.check_supply(rpc, miner)

        log("competing branch: 6' (issue + transfer to B), 7'")
        template = header_fields(rpc.getblocktemplate(miner)["header"])
        assert_equal(template["prev"], block5, "template on block 5")
        block6b_hex, block6b = build_block(block5, miner_hex, template["time"],
                                           template["bits"], [issue["hex"], to_b["hex"]])
        result = rpc.submitblock(block6b_hex)
        assert_true(result in (None, "", "accepted"), f"submitblock 6': {result!r}")
        assert_equal(rpc.getbestblockhash(), block6b, "6' is the tip")
        wait_until(lambda: rpc.getrawmempool() == [], timeout=30,
                   what="the transfer to A leaves the mempool (its nonce is used)")
        block7b = rpc.generatetoaddress(1, miner)[0]
        assert_equal(rpc.getasset(asset)["custodian"], b_addr, "B holds the asset")
        self.check_supply(rpc, miner)

        log("reconsiderblock 6: less work, stays inactive")
        rpc.reconsiderblock(block6)
        assert_equal(rpc.getbestblockhash(), block7b, "7' stays the tip")
        assert_equal(rpc.getblockcount(), 7)
        tips = {t["hash"]: t for t in rpc.getchaintips()}
        assert_true(block6 in tips and tips[block6]["status"] != "active",
                    f"block 6 is an inactive tip: {tips.get(block6)}")
        assert_equal(tips[block7b]["status"], "active")
        check_custody(rpc, asset, b_addr, [a_addr, b_addr, issuer])
        self.check_supply(rpc, miner)

        log("switch back: invalidate 6', extend block 6 with two blocks")
        rpc.invalidateblock(block6b)
        assert_equal(rpc.getbestblockhash(), block6, "block 6 is the tip again")
        assert_equal(rpc.getasset(asset)["custodian"], a_addr, "A holds the asset again")
        wait_until(lambda: to_b["txid"] not in rpc.getrawmempool(), timeout=30,
                   what="the transfer to B cannot return (nonce used by the transfer to A)")
        rpc.generatetoaddress(2, miner)
        assert_equal(rpc.getblockcount(), 8)
        check_custody(rpc, asset, a_addr, [a_addr, b_addr, issuer])
        self.check_supply(rpc, miner)

        log("reconsider 6': 7 < 8 blocks of work, A's branch stays active")
        rpc.reconsiderblock(block6b)
        assert_equal(rpc.getblockcount(), 8)
        check_custody(rpc, asset, a_addr, [a_addr, b_addr, issuer])
        self.check_supply(rpc, miner)
        verify = rpc.verifychain()
        assert_true(verify["ok"] and not verify["problems"], f"verifychain: {verify}")

    def signed(self, node, command, key, nonce, *args):
        """A signed tx (not sent): {"txid", "hex", "assets", ...}."""
        return json.loads(node.cli("tx", command, "--key", key, "--nonce", nonce, "--dry-run",
                                   "--json", *args))

    def check_supply(self, rpc, miner):
        """Balances of every account that ever held coins = allocations + block rewards."""
        super().check_supply(rpc, [addr for _, addr in self.dev] + [miner])


if __name__ == "__main__":
    MiningReorgTest().main()
