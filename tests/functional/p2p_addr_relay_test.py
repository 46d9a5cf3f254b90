#!/usr/bin/env python3
"""Address relay in a network with a cycle (docs/PROTOCOL.md §12.2, §12.6).

Three nodes with IPs of their own (127.0.0.21-23, default --maxoutbound) are joined in a
triangle 0 -> 1 -> 2 -> 0; then a fourth (127.0.0.24) dials node 0. Each handshake with an
inbound peer that listens makes the receiver relay that address "to two peers", and a small
fresh addr is relayed on by its receivers. In a cycle that must still die out (each node
relays an address once, or to peers not known to have it): the test waits 15 s and checks
that no node banned anyone, the triangle's connections are the original ones (same peer ids),
no peer has a banscore, and the idle peers exchanged few messages (< 200 each). Then a fifth
node (127.0.0.25) dials the fourth: its address must reach the address books of at least
two of the triangle's three nodes (knownaddresses grows within 15 s), which fails if echoes
of old addresses have used up their senders' addr budget (§12.6: 1,000 entries, refilled at
0.1/s). Two, not three: each node relays a new address to two random peers, so with the
connections the nodes dial by themselves the third can be skipped by chance; two is what the
relay rules guarantee (the fourth node sends it to two of its peers other than the fifth, or
it has only node 0, which sends it to two of its own peers other than the fourth, at least
one in the triangle). A node whose book has no room for it still relays it (§12.6), and
loopback addresses are groups of their own (§13.2), so a taken bucket slot is rare and does
not stop the relay."""

import time

from framework import Node, WaybillTestFramework, assert_equal, assert_true, log, wait_until


class P2PAddrRelayTest(WaybillTestFramework):
    num_nodes = 3
    time_limit = 180

    def make_node(self, index):
        return Node(index, self, self.extra_args(index), bind_ip=f"127.0.0.{21 + index}")

    def run_test(self):
        n = self.nodes
        log("triangle 0 -> 1 -> 2 -> 0")
        self.connect_nodes(n[0], n[1])
        self.connect_nodes(n[1], n[2])
        self.connect_nodes(n[2], n[0])
        before = self.links()
        log("a fourth node dials node 0")
        d = self.add_node(bind_ip="127.0.0.24")
        self.connect_nodes(d, n[0])
        t0 = time.monotonic()
        time.sleep(15)
        log(f"after {time.monotonic() - t0:.0f} s")
        for node in self.nodes:
            banned = node.rpc.listbanned()
            assert_equal(banned, [], f"node{node.index} banned nobody")
        after = self.links()
        for key, ids in before.items():
            assert_true(set(ids) <= set(after.get(key, [])),
                        f"{key}: the original connections {ids} remain (now {after.get(key)})")
        msgs = {f"node{node.index}": sorted(p["messagesrecv"] for p in node.rpc.getpeerinfo())
                for node in self.nodes}
        log(f"  messages received per peer: {msgs}")

        log("a fifth node dials the fourth: its address reaches the triangle's books")
        known = [node.rpc.getnetworkinfo()["knownaddresses"] for node in n]
        e = self.add_node(bind_ip="127.0.0.25")
        self.connect_nodes(e, d)
        def heard():
            return [node.index for node, before_known in zip(n, known)
                    if node.rpc.getnetworkinfo()["knownaddresses"] > before_known]
        wait_until(lambda: len(heard()) >= 2, timeout=15,
                   what=f"two of the triangle's nodes to hear of the fifth node (they knew "
                        f"{known} addresses)")
        log(f"  heard of it: nodes {heard()}")
        for node in self.nodes:
            for p in node.rpc.getpeerinfo():
                assert_equal(p["banscore"], 0, f"node{node.index} peer {p['addr']} banscore")
                assert_true(p["messagesrecv"] < 200,
                            f"node{node.index} peer {p['addr']}: {p['messagesrecv']} messages "
                            f"received while idle")

    def links(self):
        """node index -> ids of its handshaked peers among the triangle."""
        out = {}
        for node in self.nodes[:3]:
            out[f"node{node.index}"] = sorted(
                p["id"] for p in node.rpc.getpeerinfo()
                if p["handshake"] and p["addr"].rsplit(":", 1)[0] in
                {m.bind_ip for m in self.nodes[:3]})
        return out


if __name__ == "__main__":
    P2PAddrRelayTest().main()
