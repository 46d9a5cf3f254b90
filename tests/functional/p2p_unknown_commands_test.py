#!/usr/bin/env python3
"""Unknown P2P commands are budgeted (docs/PROTOCOL.md §12.7).

Node A alone. A Python peer from 127.0.0.81 completes the handshake and sends 50 small
messages with a command A does not know ("sendcmpct", as a newer node might): they are read
and ignored, and its banscore stays 0. A second peer from 127.0.0.80 streams maximal unknown
frames (1,650,005-byte payloads, the bound of an unknown command) as fast as it can, for at
most 100 frames (165 MB): A disconnects it after a few tens of MB (it used to read and drop
990 MB in 0.17 s without a word) and bans its IP; the first peer is still connected."""

import socket

from framework import (REGTEST_MAGIC, WaybillTestFramework, assert_equal, assert_true, log,
                       wait_until)
from p2p_codec import P2PConnection, frame

MAX_UNKNOWN_PAYLOAD = 1_650_005
MAX_FRAMES = 100


class P2PUnknownCommandsTest(WaybillTestFramework):
    num_nodes = 1
    time_limit = 180

    def run_test(self):
        a = self.nodes[0]
        genesis = self.genesis_hash()

        log("a newer peer's occasional unknown messages are ignored, not scored")
        polite = P2PConnection("127.0.0.1", a.p2pport, REGTEST_MAGIC, source_ip="127.0.0.81")
        polite.handshake(genesis)
        for _ in range(50):
            polite.send("sendcmpct", b"\x00" * 9)
        polite.send("ping", b"\x07" * 8)
        assert_equal(polite.wait_for("pong"), b"\x07" * 8, "pong after the unknown messages")
        scores = [p["banscore"] for p in a.rpc.getpeerinfo() if p["addr"].startswith("127.0.0.81:")]
        assert_equal(scores, [0], "the polite peer's score")

        log("a stream of maximal unknown frames gets the peer dropped and banned")
        flood = P2PConnection("127.0.0.1", a.p2pport, REGTEST_MAGIC, source_ip="127.0.0.80")
        flood.handshake(genesis)
        junk = frame(REGTEST_MAGIC, "junk", b"\x00" * MAX_UNKNOWN_PAYLOAD)
        sent = 0
        flood.sock.settimeout(10)
        try:
            for _ in range(MAX_FRAMES):
                flood.send_raw(junk)
                sent += len(junk)
        except (BrokenPipeError, ConnectionResetError, socket.timeout, OSError):
            pass
        log(f"sent {sent / 1e6:.1f} MB before the node hung up")
        assert_true(sent < MAX_FRAMES * len(junk), "the node never hung up on the flood")
        wait_until(lambda: any(e["address"] == "127.0.0.80" for e in a.rpc.listbanned()),
                   timeout=30, what="the flooder banned")
        assert_true(sent < 80_000_000, f"{sent} bytes accepted before the ban")
        assert_true(any(p["addr"].startswith("127.0.0.81:") for p in a.rpc.getpeerinfo()),
                    "the polite peer is still connected")
        flood.close()
        polite.close()


if __name__ == "__main__":
    P2PUnknownCommandsTest().main()
