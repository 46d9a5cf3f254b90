#!/usr/bin/env python3
"""Inbound eviction (docs/PROTOCOL.md §12.8): cheap connections cannot lock out a newcomer.

Node A (127.0.0.1, the default 64 inbound slots) and node B (127.0.0.2) are connected, B
dialed A; B mines a block and A downloads it from B, so B is an inbound peer of A that relayed
a block. Then 63 Python peers from 127.0.0.10 .. 127.0.0.72 connect to A, complete the
handshake and sit idle: every inbound slot of A is taken. Then newcomers from 127.0.0.200 ..
127.0.0.204 connect one after another: each is greeted (version and verack: it got a slot)
instead of being closed unheard, each time an idle peer is evicted so A stays at 64 inbound
connections, B keeps its connection throughout, and a block B mines afterwards still reaches
A. Nobody is banned (eviction is not a punishment)."""

import socket

from framework import (REGTEST_MAGIC, Node, WaybillTestFramework, assert_equal, assert_true, log,
                       wait_until)
from p2p_codec import P2PConnection

IDLE_FIRST = 10
NEWCOMERS = 5


class P2PEvictionTest(WaybillTestFramework):
    num_nodes = 2
    time_limit = 300

    def make_node(self, index):
        return Node(index, self, bind_ip="127.0.0.1" if index == 0 else "127.0.0.2")

    def inbound(self, a):
        return a.rpc.getnetworkinfo()["connections_in"]

    def b_connected(self, a):
        return any(p["inbound"] and p["handshake"] and p["addr"].startswith("127.0.0.2:")
                   for p in a.rpc.getpeerinfo())

    def run_test(self):
        a, b = self.nodes
        _, miner = self.new_key("miner")
        self.connect_nodes(b, a)
        log("B mines a block; A downloads it from B")
        tip = b.rpc.generatetoaddress(1, miner)[-1]
        assert_equal(self.sync_blocks(timeout=30), tip, "A follows B")
        genesis = self.genesis_hash()
        slots = 64
        assert_equal(self.inbound(a), 1, "B is A's one inbound peer")

        log(f"{slots - 1} idle peers take the other inbound slots")
        idle = []
        for i in range(slots - 1):
            conn = P2PConnection("127.0.0.1", a.p2pport, REGTEST_MAGIC,
                                 source_ip=f"127.0.0.{IDLE_FIRST + i}")
            conn.handshake(genesis)
            idle.append(conn)
        wait_until(lambda: self.inbound(a) == slots, timeout=30, what="every inbound slot taken")

        for n in range(NEWCOMERS):
            ip = f"127.0.0.{200 + n}"
            log(f"newcomer {ip} gets a slot")
            newcomer = P2PConnection("127.0.0.1", a.p2pport, REGTEST_MAGIC, source_ip=ip)
            try:
                newcomer.handshake(genesis)
            except (ConnectionError, OSError, TimeoutError) as e:
                raise AssertionError(f"newcomer {ip} refused with every slot taken: {e}")
            idle.append(newcomer)
            wait_until(lambda: self.inbound(a) == slots, timeout=30,
                       what="one peer evicted for the newcomer")
            assert_true(self.b_connected(a), "B, which relayed a block, keeps its slot")

        evicted = sum(1 for conn in idle if self.closed(conn))
        assert_equal(evicted, NEWCOMERS, "one idle peer evicted per newcomer")
        assert_equal(a.rpc.listbanned(), [], "nobody banned")

        log("B still relays to A")
        tip = b.rpc.generatetoaddress(1, miner)[-1]
        assert_equal(self.sync_blocks(timeout=30), tip, "A follows B")
        for conn in idle:
            conn.close()

    @staticmethod
    def closed(conn):
        """True if the node has closed this connection (reads without waiting)."""
        conn.sock.setblocking(False)
        try:
            while True:
                chunk = conn.sock.recv(65536)
                if not chunk:
                    return True
        except (BlockingIOError, socket.timeout):
            return False
        except (ConnectionResetError, OSError):
            return True
        finally:
            conn.sock.setblocking(True)


if __name__ == "__main__":
    P2PEvictionTest().main()
