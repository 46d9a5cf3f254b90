#!/usr/bin/env python3
"""Mempool anti-entropy (docs/PROTOCOL.md §12.5) repairs what gossip missed, and a node's own
--mempoolsync interval never gets it scored by an honest peer.

Nodes 0 and 1 (--mempoolsync=1, the shortest the options allow; --maxoutbound=0) start
unconnected. Each takes txs over RPC while alone, so their announcements reach nobody. Then
node 1 dials node 0: no tx is announced again, so only anti-entropy (push and pull) can bring
the two mempools together, which it must within a few intervals. Then the pair stays
connected for 30 s: every second each sends the other `mempool`, and neither may score
(§12.7: "mempool more often than every 5 s", 5 points) or ban the other for doing what its
configuration says."""

import time

from framework import WaybillTestFramework, assert_equal, log


class P2PAntiEntropyTest(WaybillTestFramework):
    num_nodes = 2
    time_limit = 180

    def extra_args(self, index):
        return ["--mempoolsync=1", "--maxoutbound=0"]

    def run_test(self):
        n0, n1 = self.nodes
        _, payee = self.dev_key(9)
        txids = []
        for node, dev in ((n0, 1), (n0, 2), (n1, 3), (n1, 4)):
            key, _ = self.dev_key(dev)
            out = node.cli_json("tx", "transfer", "--key", key, "--to", payee, "--amount", "500base",
                                "--json")
            txids.append(out["txid"])
        assert_equal(len(n0.rpc.getrawmempool()), 2, "node 0 alone")
        assert_equal(len(n1.rpc.getrawmempool()), 2, "node 1 alone")

        log("connect: only anti-entropy can exchange the txs")
        self.connect_nodes(n1, n0)
        pool = self.sync_mempools(timeout=30, what="anti-entropy joins the mempools")
        assert_equal(pool, sorted(txids), "both mempools hold all four txs")

        log("30 s connected at --mempoolsync=1: no scores, no bans")
        deadline = time.monotonic() + 30
        max_score, bans = 0, []
        while time.monotonic() < deadline and not bans:
            for node in (n0, n1):
                bans += [(node.index, e) for e in node.rpc.listbanned()]
                for p in node.rpc.getpeerinfo():
                    max_score = max(max_score, p["banscore"])
            time.sleep(0.5)
        assert_equal(bans, [], f"bans (highest banscore seen: {max_score})")
        assert_equal(max_score, 0, "the highest banscore seen")
        assert_equal(len(self.handshaked_peers(n0)), 1, "node 0 still connected")
        assert_equal(len(self.handshaked_peers(n1)), 1, "node 1 still connected")


if __name__ == "__main__":
    P2PAntiEntropyTest().main()
