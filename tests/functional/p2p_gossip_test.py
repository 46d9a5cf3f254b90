#!/usr/bin/env python3
"""Gossip over a line of five nodes: 0 - 1 - 2 - 3 - 4.

Node i (i > 0) starts with --connect=<node i-1> and every node with --maxoutbound=0, so each
has exactly the links of the line (node 0 would otherwise dial the addresses it hears of and
close a cycle), and --mempoolsync=0, so every tx must travel by inv -> getdata -> tx flooding
alone (no anti-entropy to repair a miss). Cycles are p2p_addr_relay_test.py's subject.

Checks: txs sent to an end node, the middle node and the other end (chains of nonces from
three senders) reach every mempool; blocks mined on nodes 0, 4, 2, 1 and 3 in turn are
connected by all five, which then report the same tip and headers = blocks; a burst of 12
blocks (more than the 8 headers an announcement carries) crosses the line too; blocks empty
every mempool. Relay-once: two Python observers (p2p_codec) hold connections to node 2 and
node 4 for the whole test and must see every tx announced exactly once, in one inv item, and
no mempool ever lists a tx twice."""

from framework import (REGTEST_MAGIC, WaybillTestFramework, assert_equal, assert_true, log,
                       wait_until)
from p2p_codec import INV_TX, P2PConnection, parse_inv


class P2PGossipTest(WaybillTestFramework):
    num_nodes = 5
    time_limit = 300

    def extra_args(self, index):
        args = ["--mempoolsync=0", "--maxoutbound=0"]
        if index > 0:
            args.append(f"--connect={self.nodes[index - 1].p2p_addr}")
        return args

    def run_test(self):
        nodes = self.nodes
        _, self.miner = self.new_key("miner")
        self.senders = {i: self.dev_key(i) for i in (1, 2, 3, 4)}
        _, self.payee = self.dev_key(9)
        self.sent = []  # every txid sent

        log("wait for the line 0 - 1 - 2 - 3 - 4")
        for i in range(1, 5):
            wait_until(lambda: self.is_connected(nodes[i], nodes[i - 1]), timeout=30,
                       what=f"node{i} -> node{i - 1}")
        wait_until(lambda: [n.rpc.getconnectioncount() for n in nodes] == [1, 2, 2, 2, 1],
                   timeout=30, what="a line: 1, 2, 2, 2, 1 connections")

        genesis = self.genesis_hash()
        self.observers = {}
        for i in (2, 4):
            obs = P2PConnection(nodes[i].bind_ip, nodes[i].p2pport, REGTEST_MAGIC, timeout=10)
            version = obs.handshake(genesis)
            assert_true(len(version) > 0, "version from the node")
            self.observers[i] = (obs, [])
        wait_until(lambda: nodes[2].rpc.getconnectioncount() == 3 and
                   nodes[4].rpc.getconnectioncount() == 2, timeout=10,
                   what="observers connected")

        log("txs into node 0 (an end): reach all five mempools by flooding alone")
        self.send_txs(0, 1, 3)
        self.sync_mempools(timeout=30, what="node 0's txs in every mempool")
        self.check_mempools()

        log("txs into node 4 (the other end) and node 2 (the middle) at once")
        self.send_txs(4, 2, 3)
        self.send_txs(2, 3, 3)
        self.sync_mempools(timeout=30, what="every tx in every mempool")
        self.check_mempools()

        log("blocks mined on nodes 0, 4, 2, 1, 3 in turn: connected by all")
        height = nodes[0].rpc.getblockcount()
        for k in (0, 4, 2, 1, 3):
            block = nodes[k].rpc.generatetoaddress(1, self.miner)[0]
            height += 1
            tip = self.sync_blocks(timeout=30, what=f"node{k}'s block on every node")
            assert_equal(tip, block, f"node{k}'s block is the tip")
            self.check_same_tip(height)
            if k == 0:
                mined = nodes[2].rpc.getblock(block)["tx"]
                assert_equal(sorted(mined), sorted(self.sent), "the first block holds every tx")
                self.sync_mempools(timeout=30, what="mempools empty after the block")
                assert_equal(nodes[4].rpc.getrawmempool(), [], "node 4's mempool")

        log("a burst of 12 blocks on node 4 (more than one announcement carries)")
        nodes[4].rpc.generatetoaddress(12, self.miner)
        height += 12
        self.sync_blocks(timeout=60, what="the burst on every node")
        self.check_same_tip(height)

        log("a tx into node 3, mined by node 1")
        self.send_txs(3, 4, 2)
        self.sync_mempools(timeout=30, what="node 3's txs everywhere")
        block = nodes[1].rpc.generatetoaddress(1, self.miner)[0]
        height += 1
        assert_equal(len(nodes[1].rpc.getblock(block)["tx"]), 2, "node 1 mined node 3's txs")
        self.sync_blocks(timeout=30)
        self.check_same_tip(height)
        self.sync_mempools(timeout=30, what="empty mempools")
        for n in nodes:
            assert_equal(n.rpc.getrawmempool(), [], f"node{n.index} mempool empty")
            acct = n.rpc.getaccount(self.senders[4][1])
            assert_equal(acct["nonce"], 2, f"node{n.index} applied node 3's txs")

        log("relay once: each observer saw every tx announced exactly once")
        for i, (obs, invs) in self.observers.items():
            self.drain(i, 2.0)
            counts = {}
            for txid in invs:
                counts[txid] = counts.get(txid, 0) + 1
            twice = {t: c for t, c in counts.items() if c > 1}
            assert_equal(twice, {}, f"txs node{i} announced more than once")
            assert_equal(sorted(counts), sorted(self.sent), f"txs node{i} announced")
            log(f"  node{i}: {len(counts)} txs, each in one inv item")
        assert_equal([n.rpc.getconnectioncount() for n in nodes], [1, 2, 3, 2, 2],
                     "still a line (plus the observers)")

    # -- helpers

    def send_txs(self, node_index, sender, count):
        """count transfers from dev key `sender` through node node_index (pending nonces)."""
        key, _ = self.senders[sender]
        node = self.nodes[node_index]
        for _ in range(count):
            out = node.cli_json("tx", "transfer", "--key", key, "--to", self.payee,
                                "--amount", f"{1000 + len(self.sent)}base", "--json")
            assert_true(out["sent"], "sent")
            self.sent.append(out["txid"])
        for i in self.observers:
            self.drain(i, 0.0)

    def drain(self, i, duration):
        obs, invs = self.observers[i]
        for command, payload in obs.collect(duration if duration > 0 else 0.05):
            if command == "inv":
                invs.extend(h for t, h in parse_inv(payload) if t == INV_TX)

    def check_mempools(self):
        for n in self.nodes:
            pool = n.rpc.getrawmempool()
            assert_equal(len(pool), len(set(pool)), f"node{n.index}: no tx twice")
            assert_equal(sorted(pool), sorted(self.sent), f"node{n.index} mempool")
        for i in self.observers:
            self.drain(i, 0.0)

    def check_same_tip(self, height):
        infos = [n.rpc.getblockchaininfo() for n in self.nodes]
        for n, info in zip(self.nodes, infos):
            assert_equal(info["blocks"], height, f"node{n.index} height")
            assert_equal(info["headers"], height, f"node{n.index} headers")
            assert_equal(info["bestblockhash"], infos[0]["bestblockhash"], f"node{n.index} tip")


if __name__ == "__main__":
    P2PGossipTest().main()
