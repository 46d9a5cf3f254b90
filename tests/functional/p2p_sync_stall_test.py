#!/usr/bin/env python3
"""A node that knows headers without their blocks fetches them from a peer whose tip is its
best header (docs/PROTOCOL.md §12.4: the locator starts at the best header's parent).

Node 0 mines 30 blocks. A Python peer (p2p_codec) that has node 0's headers and blocks
connects to a fresh node, answers its getheaders with the 30 headers and then serves:
  a  no block at all: the node ends with headers 30, blocks 0;
  b  the first 10 blocks only: the node ends with headers 30, blocks 10 (as a node killed
     during a sync or a reorganization).
The Python peer leaves, the node dials node 0 (whose tip is the node's best header) and must
download the missing blocks from it: node 0 announces nothing (it mines nothing more), so the
node has to learn from its own getheaders that node 0 has the chain. Before the fix the
locator started at the best header itself, node 0 answered with an empty headers message and
the node stayed at 0/30 (10/30) for good."""

from framework import (REGTEST_MAGIC, WaybillTestFramework, assert_equal, log, wait_until)
from p2p_codec import P2PConnection, headers_payload, parse_inv

BLOCKS = 30


class P2PSyncStallTest(WaybillTestFramework):
    num_nodes = 1
    time_limit = 300

    def run_test(self):
        n0 = self.nodes[0]
        _, miner = self.new_key("miner")
        n0.rpc.generatetoaddress(BLOCKS, miner)
        self.genesis = n0.rpc.getblockhash(0)
        self.ids = [n0.rpc.getblockhash(h) for h in range(1, BLOCKS + 1)]
        self.headers = [bytes.fromhex(n0.rpc.getblockheader(i, False)) for i in self.ids]
        self.blocks = {i: bytes.fromhex(n0.rpc.getblock(i, 0)) for i in self.ids}

        self.case("a: headers only (0/30)", serve=0)
        self.case("b: the first 10 blocks (10/30)", serve=10)

    def case(self, name, serve):
        log(name)
        n0 = self.nodes[0]
        node = self.add_node()
        self.make_stuck(node, serve)
        info = node.rpc.getblockchaininfo()
        assert_equal((info["headers"], info["blocks"]), (BLOCKS, serve), "the stuck state")

        log(f"  node {node.index} dials node 0, whose tip is its best header")
        self.connect_nodes(node, n0)
        # Nothing else moves: node 0 mines nothing, so only the node's own getheaders can
        # tell it that node 0 has the blocks. 30 s is well below the 60 s resync timer (which
        # sent the same useless locator anyway).
        wait_until(lambda: node.rpc.getblockcount() == BLOCKS, timeout=30,
                   what=f"node {node.index} downloads blocks {serve + 1}..{BLOCKS} from node 0")
        assert_equal(node.rpc.getbestblockhash(), n0.rpc.getbestblockhash(), "same tip")
        node.stop()

    def make_stuck(self, node, serve):
        """A Python peer gives the node every header and only the first `serve` blocks."""
        host, port = node.p2p_addr.rsplit(":", 1)
        peer = P2PConnection(host, int(port), REGTEST_MAGIC)
        peer.handshake(self.genesis, best_height=BLOCKS)
        peer.wait_for("getheaders")
        peer.send("headers", headers_payload(self.headers))
        wanted_served = set(self.ids[:serve])

        def step():
            try:
                command, payload = peer.receive(0.5)
            except TimeoutError:
                command = None
            if command == "ping":
                peer.send("pong", payload)
            elif command == "getdata":
                for _, h in parse_inv(payload):
                    if h in wanted_served:
                        peer.send("block", self.blocks[h])
                        wanted_served.discard(h)
            info = node.rpc.getblockchaininfo()
            return info["headers"] == BLOCKS and info["blocks"] == serve and not wanted_served
        wait_until(step, timeout=30, interval=0,
                   what=f"node {node.index} at headers {BLOCKS}, blocks {serve}")
        peer.close()
        wait_until(lambda: not self.handshaked_peers(node), timeout=30,
                   what="the Python peer gone")


if __name__ == "__main__":
    P2PSyncStallTest().main()
