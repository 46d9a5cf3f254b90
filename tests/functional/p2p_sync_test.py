#!/usr/bin/env python3
"""Headers-first initial sync of 2,000 blocks, and catching up after a restart.

Node 0 mines 2,000 blocks alone, 60 txs among them (3 transfers every 100 blocks). Then a
fresh node 1 starts with --addnode=<node 0> and syncs everything: polled every 20 ms,
getblockchaininfo never shows blocks > headers, and some poll shows headers ahead of blocks
(headers first); node 1 ends with node 0's tip, the same balances and nonces, and the txs in
the blocks they were mined in.

Then node 1 stops, node 0 mines 50 more (with a tx), and node 1 restarts with the same
options: its --addnode brings it back by itself and it catches up. Then node 0 stops, node 1
mines 50 (with a tx), node 0 restarts with no peer options at all: node 1 redials it
(--addnode, every 2 s) and node 0 catches up too."""

import time

from framework import (WaybillTestFramework, assert_equal, assert_greater_equal, assert_true,
                       log, wait_until)

BLOCKS = 2000


class P2PSyncTest(WaybillTestFramework):
    num_nodes = 1  # node 1 is added once node 0 has its chain
    time_limit = 600

    def add_options(self, parser):
        parser.add_argument("--blocks", type=int, default=BLOCKS,
                            help=f"length of the chain to sync (a multiple of 100; default "
                                 f"{BLOCKS})")

    def run_test(self):
        global BLOCKS
        BLOCKS = self.options.blocks
        n0 = self.nodes[0]
        _, self.miner = self.new_key("miner")
        self.key1, self.addr1 = self.dev_key(1)
        _, self.payee = self.dev_key(2)
        self.txids = []

        log(f"node 0 mines {BLOCKS} blocks alone, with txs")
        t0 = time.monotonic()
        for _ in range(BLOCKS // 100):
            for _ in range(3):
                self.send_tx(n0)
            n0.rpc.generatetoaddress(100, self.miner)
        assert_equal(n0.rpc.getblockcount(), BLOCKS)
        assert_equal(n0.rpc.getrawmempool(), [], "every tx mined")
        log(f"  mined in {time.monotonic() - t0:.1f} s")

        log("a fresh node 1 (--addnode=node 0) syncs headers first")
        n1 = self.add_node([f"--addnode={n0.p2p_addr}"])
        samples = []
        t0 = time.monotonic()

        def synced():
            if len(samples) % 25 == 0:
                bans = n0.rpc.listbanned() + n1.rpc.listbanned()
                assert_equal(bans, [], "no ban during the sync")
            info = n1.rpc.getblockchaininfo()
            samples.append((info["headers"], info["blocks"]))
            return info["blocks"] == BLOCKS
        wait_until(synced, timeout=300, interval=0.02, what=f"node 1 at height {BLOCKS}")
        log(f"  synced in {time.monotonic() - t0:.1f} s, {len(samples)} polls")
        for headers, blocks in samples:
            assert_greater_equal(headers, blocks, "headers >= blocks at every poll")
        ahead = [(h, b) for h, b in samples if h > b]
        assert_true(ahead, f"some poll saw headers ahead of blocks: {samples[:5]}...")
        log(f"  headers ahead in {len(ahead)} polls, e.g. headers {ahead[0][0]} blocks "
            f"{ahead[0][1]}; max lead {max(h - b for h, b in ahead)}")
        assert_equal(self.sync_blocks(timeout=30), n0.rpc.getbestblockhash())
        self.check_state()
        peer = [p for p in n1.rpc.getpeerinfo() if p["addr"] == n0.p2p_addr]
        assert_equal(len(peer), 1, "node 1's one connection to node 0")
        assert_true(peer[0]["manual"], "an --addnode peer is manual")
        assert_equal(peer[0]["synced_headers"], BLOCKS, "synced_headers")

        log("stop node 1; node 0 mines 50 (and a tx); node 1 restarts and catches up")
        n1.stop()
        self.send_tx(n0)
        n0.rpc.generatetoaddress(50, self.miner)
        n1.start()
        assert_greater_equal(n1.rpc.getblockcount(), BLOCKS, "node 1 restarts on its old tip")
        tip = self.sync_blocks(timeout=120, what="node 1 catches up after its restart")
        assert_equal(n1.rpc.getblockcount(), BLOCKS + 50)
        assert_equal(tip, n0.rpc.getbestblockhash())
        self.check_state()

        log("stop node 0; node 1 mines 50 (and a tx); node 0 restarts with no peer options")
        n0.stop()
        self.send_tx(n1)
        n1.rpc.generatetoaddress(50, self.miner)
        n0.start()
        self.sync_blocks(timeout=120, what="node 0 catches up after its restart")
        assert_equal(n0.rpc.getblockcount(), BLOCKS + 100)
        self.check_state()
        info0 = n0.rpc.getblockchaininfo()
        assert_equal(info0["headers"], info0["blocks"], "node 0: headers = blocks")
        assert_equal(info0["initialblockdownload"], False, "node 0 out of IBD")

    def send_tx(self, node):
        out = node.cli_json("tx", "transfer", "--key", self.key1, "--to", self.payee,
                            "--amount", f"{1000 + len(self.txids)}base", "--json")
        self.txids.append(out["txid"])

    def check_state(self):
        n0, n1 = self.nodes
        for addr in (self.addr1, self.payee, self.miner):
            assert_equal(n1.rpc.getaccount(addr), n0.rpc.getaccount(addr), f"account {addr}")
        assert_equal(n1.rpc.getaccount(self.addr1)["nonce"], len(self.txids), "sender's nonce")
        # A sample of the txs: found in the same block on both nodes.
        for txid in self.txids[::7] + self.txids[-1:]:
            a = n0.rpc.getrawtransaction(txid, 1)
            b = n1.rpc.getrawtransaction(txid, 1)
            assert_equal(a.get("blockhash"), b.get("blockhash"), f"tx {txid} block")
            assert_true(a.get("blockhash"), f"tx {txid} confirmed")


if __name__ == "__main__":
    P2PSyncTest().main()
