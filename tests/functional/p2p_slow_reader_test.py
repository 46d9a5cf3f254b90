#!/usr/bin/env python3
"""A peer that asks and does not read cannot pin the node's memory (docs/PROTOCOL.md §12.8).

Node A mines 2,100 blocks, so every `getheaders` from genesis is answered with a full
`headers` message (2,000 headers, 232 KB). A Python peer from 127.0.0.90 with a 4 KiB receive
buffer completes the handshake, sends 300 such `getheaders` at once (27 KB asking for 70 MB)
and never reads again. A drops it once a message would take its send queue past the bound
(debug.log: "send queue over"); it is not banned (slow is no offence), and A's peak resident
memory (VmHWM) grows by less than 24 MiB over the attack (it used to queue 32 MiB and more,
and hold it for the 60 s write timeout). A keeps serving RPC and an honest peer afterwards."""

import os
import socket

from framework import (REGTEST_MAGIC, WaybillTestFramework, assert_equal, assert_true, log,
                       status_kib, wait_until)
from p2p_codec import P2PConnection, frame, getheaders_payload

REQUESTS = 300


class P2PSlowReaderTest(WaybillTestFramework):
    num_nodes = 1
    time_limit = 300

    def run_test(self):
        a = self.nodes[0]
        _, miner = self.new_key("miner")
        for _ in range(21):
            a.rpc.generatetoaddress(100, miner)
        assert_equal(a.rpc.getblockcount(), 2100, "height")
        genesis = self.genesis_hash()
        pid = a.process.pid

        log(f"a peer asks for {REQUESTS} full headers messages and never reads")
        hwm_before = status_kib(pid, "VmHWM")
        conn = P2PConnection("127.0.0.1", a.p2pport, REGTEST_MAGIC, source_ip="127.0.0.90")
        conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        conn.handshake(genesis)
        conn.send_raw(frame(REGTEST_MAGIC, "getheaders", getheaders_payload([genesis])) * REQUESTS)
        wait_until(lambda: not any(p["addr"].startswith("127.0.0.90:")
                                   for p in a.rpc.getpeerinfo()),
                   timeout=30, what="the peer that does not read dropped")
        growth = status_kib(pid, "VmHWM") - hwm_before
        log(f"peak resident memory grew by {growth / 1024:.1f} MiB")
        logs = [os.path.join(d, "debug.log") for d, _, files in os.walk(a.datadir)
                if "debug.log" in files]
        text = "".join(open(path, errors="replace").read() for path in logs)
        assert_true("send queue over" in text, "dropped at the send queue bound")
        assert_true(growth < 24 * 1024, f"peak RSS grew by {growth} KiB")
        assert_equal(a.rpc.listbanned(), [], "a slow reader is not banned")
        conn.close()

        log("an honest peer still gets its headers")
        honest = P2PConnection("127.0.0.1", a.p2pport, REGTEST_MAGIC, source_ip="127.0.0.91")
        honest.handshake(genesis)
        honest.send("getheaders", getheaders_payload([genesis]))
        payload = honest.wait_for("headers", timeout=30)
        assert_true(len(payload) > 200_000, "a full headers message")
        honest.close()


if __name__ == "__main__":
    P2PSlowReaderTest().main()
