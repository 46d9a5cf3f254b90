#!/usr/bin/env python3
"""A network split in two and healed: the most-work branch wins everywhere.

Four nodes with IPs of their own (127.0.0.31-34) in a line 0 - 1 - 2 - 3 (addnode onetry,
every node --maxoutbound=0 so the links are exactly these; --mempoolsync=2). Before the
split, dev key 1 issues an asset, mined and seen by all.

The cut: every node bans (setban) the IPs of the other group's nodes, so the 1 - 2 link drops
and neither side may dial or accept the other; listbanned shows it. Then, apart:
  - group X = {0, 1} (the losing side): dev key 1 hands the asset to A (dev key 2), dev key 4
    sends a plain transfer to dev key 5; node 1 mines 2 blocks with both;
  - group Y = {2, 3} (the winning side): dev key 1 hands the asset to B (dev key 3) with the
    same nonce as the transfer to A, dev key 6 sends a plain transfer; node 3 mines 4 blocks.
Heal: clearbanned on all four, node 1 dials node 2. Every node ends on Y's tip (X's tip is a
valid-fork in getchaintips of nodes 0 and 1); the plain transfer of X, still valid, is back
in every mempool (X's nodes return it from the reorg, anti-entropy and relay carry it to Y);
the transfer to A is in no mempool (its nonce is spent); node 0 mines the plain transfer
into the best chain. Everywhere, the asset's one custodian is B, and the coin supply (all
dev keys' and both miners' balances) equals the allocations plus the rewards of the chain."""

from framework import (Node, WaybillTestFramework, assert_equal, assert_true, check_custody,
                       log, wait_until)

IPS = ["127.0.0.31", "127.0.0.32", "127.0.0.33", "127.0.0.34"]
X, Y = (0, 1), (2, 3)


class P2PPartitionTest(WaybillTestFramework):
    num_nodes = 4
    time_limit = 300

    def make_node(self, index):
        return Node(index, self, ["--mempoolsync=2", "--maxoutbound=0"], bind_ip=IPS[index])

    def run_test(self):
        n = self.nodes
        self.dev = [self.dev_key(i) for i in range(10)]
        issuer_key, issuer = self.dev[1]
        _, a_addr = self.dev[2]
        _, b_addr = self.dev[3]
        _, self.miner_x = self.new_key("miner_x")
        _, self.miner_y = self.new_key("miner_y")

        log("line 0 - 1 - 2 - 3")
        for i in range(3):
            self.connect_nodes(n[i], n[i + 1])
        n[0].rpc.generatetoaddress(3, self.miner_x)
        self.sync_blocks(timeout=30)

        log("before the split: issue an asset, mined and seen by all")
        issue = n[0].cli_json("tx", "issue", "--key", issuer_key, "--quantity", 1200,
                              "--unit", "kg", "--meta", "lot=P-7", "--json")
        asset = issue["assets"][0]
        self.sync_mempools(timeout=30)
        n[3].rpc.generatetoaddress(1, self.miner_y)
        self.sync_blocks(timeout=30)
        for node in n:
            assert_equal(node.rpc.getasset(asset)["custodian"], issuer, f"node{node.index}")
        self.check_supply_all()
        split_height = n[0].rpc.getblockcount()

        log("cut: each node bans the other group's IPs")
        for i in X:
            for j in Y:
                n[i].rpc.setban(IPS[j], "add")
                n[j].rpc.setban(IPS[i], "add")
        for i in range(4):
            others = sorted(IPS[j] for j in (Y if i in X else X))
            assert_equal(sorted(e["address"] for e in n[i].rpc.listbanned()), others,
                         f"node{i} listbanned")
        wait_until(lambda: not self.is_connected(n[1], n[2]) and
                   not self.is_connected(n[2], n[1]), timeout=10, what="the 1 - 2 link cut")
        for i in range(4):
            for p in n[i].rpc.getpeerinfo():
                ip = p["addr"].rsplit(":", 1)[0]
                assert_true(ip not in [IPS[j] for j in (Y if i in X else X)],
                            f"node{i} still talks to {p['addr']}")

        log("group X (losing): asset to A, a plain transfer; node 1 mines 2 blocks")
        to_a = n[0].cli_json("tx", "asset-transfer", "--key", issuer_key, "--asset", asset,
                             "--to", a_addr, "--json")
        plain_x = n[1].cli_json("tx", "transfer", "--key", self.dev[4][0], "--to",
                                self.dev[5][1], "--amount", "12345base", "--json")
        self.sync_mempools([n[0], n[1]], timeout=30)
        n[1].rpc.generatetoaddress(2, self.miner_x)
        tip_x = self.sync_blocks([n[0], n[1]], timeout=30)
        mined_x = n[0].rpc.getblock(n[0].rpc.getblockhash(split_height + 1))["tx"]
        assert_equal(sorted(mined_x), sorted([to_a["txid"], plain_x["txid"]]), "X's block")
        assert_equal(n[0].rpc.getasset(asset)["custodian"], a_addr, "A holds it on X")

        log("group Y (winning): asset to B with the same nonce; node 3 mines 4 blocks")
        to_b = n[2].cli_json("tx", "asset-transfer", "--key", issuer_key, "--asset", asset,
                             "--to", b_addr, "--json")
        assert_equal(to_b["nonce"], to_a["nonce"], "the two transfers share a nonce")
        plain_y = n[3].cli_json("tx", "transfer", "--key", self.dev[6][0], "--to",
                                self.dev[7][1], "--amount", "54321base", "--json")
        self.sync_mempools([n[2], n[3]], timeout=30)
        n[3].rpc.generatetoaddress(4, self.miner_y)
        tip_y = self.sync_blocks([n[2], n[3]], timeout=30)
        assert_equal(n[2].rpc.getasset(asset)["custodian"], b_addr, "B holds it on Y")
        assert_equal(n[0].rpc.getbestblockhash(), tip_x, "X did not see Y's blocks")

        log("heal: clearbanned, node 1 dials node 2")
        for node in n:
            node.rpc.clearbanned()
            assert_equal(node.rpc.listbanned(), [], f"node{node.index} bans cleared")
        self.connect_nodes(n[1], n[2])
        assert_equal(self.sync_blocks(timeout=60, what="every node on Y's tip"), tip_y)
        for node in n:
            assert_equal(node.rpc.getblockcount(), split_height + 4, f"node{node.index}")
        for i in X:
            tips = {t["hash"]: t for t in n[i].rpc.getchaintips()}
            assert_true(tip_x in tips and tips[tip_x]["status"] == "valid-fork",
                        f"node{i}: X's tip is a valid fork: {tips.get(tip_x)}")
            assert_equal(tips[tip_y]["status"], "active", f"node{i}: Y's tip active")

        log("X's plain transfer is back in every mempool; the transfer to A in none")
        pool = self.sync_mempools(timeout=60, what="the same mempool everywhere")
        assert_equal(pool, [plain_x["txid"]], "the mempool: X's still-valid tx only")
        for node in n:
            assert_true(to_a["txid"] not in node.rpc.getrawmempool(), "transfer to A gone")

        log("node 0 mines it into the best chain")
        block = n[0].rpc.generatetoaddress(1, self.miner_x)[0]
        assert_equal(n[0].rpc.getblock(block)["tx"], [plain_x["txid"]], "the new block")
        self.sync_blocks(timeout=30)
        self.sync_mempools(timeout=30)
        for node in n:
            assert_equal(node.rpc.getrawmempool(), [], f"node{node.index} mempool")
            for tx in (plain_x, plain_y, to_b):
                info = node.rpc.getrawtransaction(tx["txid"], 1)
                assert_true(info.get("blockhash"), f"node{node.index}: {tx['txid']} confirmed")
            assert_equal(node.rpc.getaccount(self.dev[4][1])["nonce"], 1, "dev 4's nonce")

        log("one custodian everywhere; supply conserved")
        for node in n:
            check_custody(node.rpc, asset, b_addr, [issuer, a_addr, b_addr])
        self.check_supply_all()

    def check_supply_all(self):
        """On every node: balances of every account that ever held coins = allocations +
        the block rewards of its chain."""
        holders = [addr for _, addr in self.dev] + [self.miner_x, self.miner_y]
        for node in self.nodes:
            self.check_supply(node.rpc, holders, f"node{node.index}: ")


if __name__ == "__main__":
    P2PPartitionTest().main()
