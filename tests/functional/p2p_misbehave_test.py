#!/usr/bin/env python3
"""Misbehaving peers (docs/PROTOCOL.md §12.7) against honest nodes A and B.

A and B are connected (B dialed A once). A Python peer (p2p_codec) connects to A from its own
loopback IP, a different one per case (127.0.0.66, .67, ...), so each ban is separate and none
hits 127.0.0.1, and:

  a  bad checksum                       f  a ping flood past §12.7's bound (read from the doc)
  b  inv with an unknown item type      g  10 pings before version
  c1 ping with length 9 (bound 8)       h  version, then 10 pings before verack
  c2 inv header over the inv bound      i  a second version, 10 times
  d  unsolicited blocks and txs (5 each; banscore 40 after 4 in getpeerinfo)

Each case: A closes the connection, listbanned shows the IP, and a new connection from the IP
is refused (closed without a version). A peer that sends half the flood burst of pings at
once gets every pong and no score. A peer with another genesis in its version, and one
with the wrong network magic, are disconnected but not banned: the same IP then completes a
handshake. Throughout, A keeps its one connection to B (same peer id on both sides) and no
ban touches 127.0.0.1; at the end B mines and A follows, A mines and B follows, and a tx sent
to A reaches B's mempool."""

import json
import os
import re
import struct

from framework import (REGTEST_MAGIC, WaybillTestFramework, assert_equal, assert_true, log,
                       wait_until)
from p2p_codec import (P2PConnection, connection_refused, frame, inv_payload, sha256d,
                       version_payload)

FIRST_IP = 66


class P2PMisbehaveTest(WaybillTestFramework):
    num_nodes = 2
    time_limit = 400

    def run_test(self):
        self.a, self.b = self.nodes
        a, b = self.a, self.b
        _, self.miner = self.new_key("miner")
        self.key1, _ = self.dev_key(1)
        _, self.payee = self.dev_key(2)
        a.rpc.generatetoaddress(3, self.miner)
        self.connect_nodes(b, a)
        self.sync_blocks()
        self.genesis = self.genesis_hash()
        self.flood_burst, self.flood_rate = self.flood_bound()
        self.ab_ids = self.link_ids()
        self.next_ip = FIRST_IP
        self.banned = []

        self.case("a: bad checksum", self.bad_checksum)
        self.case("b: inv with an unknown type", self.undecodable_inv)
        self.case("c1: ping with length 9", self.oversized_ping)
        self.case("c2: inv header over the bound", self.oversized_inv)
        self.case("d: unsolicited blocks and txs", self.unsolicited)
        self.case("f: ping flood", self.ping_flood)
        self.case("g: pings before version", self.before_version)
        self.case("h: pings before verack", self.before_verack)
        self.case("i: repeated version", self.repeated_version)

        self.under_flood_bound()
        self.not_banned("wrong genesis", self.wrong_genesis)
        self.not_banned("protocol-2 version", self.obsolete_version)
        self.not_banned("wrong magic", self.wrong_magic)

        log("bans: exactly the misbehaving IPs, never 127.0.0.1")
        listed = sorted(e["address"] for e in a.rpc.listbanned())
        assert_equal(listed, sorted(self.banned), "listbanned")
        assert_equal(a.rpc.getnetworkinfo()["banned"], len(self.banned), "getnetworkinfo banned")
        assert_equal(b.rpc.listbanned(), [], "B banned nobody")

        log("A and B keep working: B mines, A follows; A mines, B follows; a tx gossips")
        self.check_link()
        h = b.rpc.generatetoaddress(2, self.miner)[-1]
        assert_equal(self.sync_blocks(timeout=30), h, "A follows B")
        h = a.rpc.generatetoaddress(1, self.miner)[-1]
        assert_equal(self.sync_blocks(timeout=30), h, "B follows A")
        tx = a.cli_json("tx", "transfer", "--key", self.key1, "--to", self.payee, "--amount",
                        "777base", "--json")
        wait_until(lambda: tx["txid"] in b.rpc.getrawmempool(), timeout=30,
                   what="A's tx in B's mempool")
        self.check_link()

    # -- the cases

    def bad_checksum(self, conn):
        conn.handshake(self.genesis)
        payload = struct.pack("<Q", 42)
        good = sha256d(payload)[:4]
        conn.send_raw(frame(REGTEST_MAGIC, "ping", payload, checksum=bytes(x ^ 0xFF for x in good)))

    def undecodable_inv(self, conn):
        conn.handshake(self.genesis)
        conn.send("inv", b"\x01" + bytes([3]) + os.urandom(32))  # type 3: neither tx nor block

    def oversized_ping(self, conn):
        conn.handshake(self.genesis)
        conn.send_raw(frame(REGTEST_MAGIC, "ping", bytes(9)))

    def oversized_inv(self, conn):
        conn.handshake(self.genesis)
        # Only the header: the node must refuse it before reading any payload.
        conn.send_raw(frame(REGTEST_MAGIC, "inv", b"", checksum=b"\0\0\0\0",
                            length=5 + 50_000 * 33 + 1))

    def unsolicited(self, conn):
        conn.handshake(self.genesis)
        block_hex = self.a.rpc.getblock(self.a.rpc.getblockhash(1), 0)
        tx = json.loads(self.a.cli("tx", "transfer", "--key", self.key1, "--to", self.payee,
                                   "--amount", "5base", "--dry-run", "--json"))
        block, txb = bytes.fromhex(block_hex), bytes.fromhex(tx["hex"])
        for _ in range(2):
            conn.send("block", block)
            conn.send("tx", txb)
        peer = wait_until(lambda: self.python_peer(conn.source_ip, score=40), timeout=10,
                          what="banscore 40 after 4 unsolicited messages")
        log(f"  getpeerinfo: banscore {peer['banscore']} after 2 blocks and 2 txs")
        for _ in range(3):
            conn.send("block", block)
            conn.send("tx", txb)

    def ping_flood(self, conn):
        # Beyond the burst, plus a second of refill, plus 20 scored messages and a margin.
        count = self.flood_burst + self.flood_rate + 500
        log(f"  {count} pings at once (the bound: {self.flood_burst} at once, "
            f"{self.flood_rate}/s)")
        conn.handshake(self.genesis)
        conn.send_raw(b"".join(frame(REGTEST_MAGIC, "ping", struct.pack("<Q", i))
                               for i in range(count)))

    def before_version(self, conn):
        for i in range(10):
            conn.send("ping", struct.pack("<Q", i))

    def before_verack(self, conn):
        conn.send("version", version_payload(self.genesis))
        conn.wait_for("version", timeout=10)
        for i in range(10):
            conn.send("ping", struct.pack("<Q", i))

    def repeated_version(self, conn):
        conn.handshake(self.genesis)
        for _ in range(10):
            conn.send("version", version_payload(self.genesis))

    def wrong_genesis(self, conn):
        conn.send("version", version_payload(os.urandom(32).hex()))

    def obsolete_version(self, conn):
        # A protocol-2 node: version 2 (its genesis differs too; the version is checked first).
        conn.send("version", version_payload(os.urandom(32).hex(), version=2))

    def wrong_magic(self, conn):
        conn.send_raw(frame(0x0BADBEEF, "version", version_payload(self.genesis)))

    def under_flood_bound(self):
        """Half the burst at once is no flood: every ping answered, no score, still connected."""
        ip = self.new_ip()
        count = self.flood_burst // 2
        log(f"case {count} pings at once from {ip}: within the bound, no score")
        conn = self.connect(ip)
        try:
            conn.handshake(self.genesis)
            conn.send_raw(b"".join(frame(REGTEST_MAGIC, "ping", struct.pack("<Q", 1_000_000 + i))
                                   for i in range(count)))
            last = struct.pack("<Q", 1_000_000 + count - 1)
            pongs = 0
            while True:
                command, payload = conn.receive(timeout=30)
                if command == "pong":
                    pongs += 1
                    if payload == last:
                        break
            assert_equal(pongs, count, "a pong for every ping")
            peer = self.python_peer(ip, handshake=True)
            assert_true(peer is not None, f"{ip} still connected")
            assert_equal(peer["banscore"], 0, f"{ip}'s banscore")
        finally:
            conn.close()
        assert_equal(self.ban_of(ip), None, f"{ip} not banned")
        self.check_link()

    def flood_bound(self):
        """(burst, per second) of §12.7's flood rule, read from docs/PROTOCOL.md."""
        with open(os.path.join(self.options.srcdir, "docs", "PROTOCOL.md")) as f:
            text = f.read()
        m = re.search(r"each message beyond ([\d,]+) at once or ([\d,]+) per second", text)
        assert_true(m, "PROTOCOL.md §12.7 states the flood bound")
        return int(m.group(1).replace(",", "")), int(m.group(2).replace(",", ""))

    # -- the frame of each case

    def new_ip(self):
        ip = f"127.0.0.{self.next_ip}"
        self.next_ip += 1
        return ip

    def connect(self, ip):
        conn = P2PConnection(self.a.bind_ip, self.a.p2pport, REGTEST_MAGIC, source_ip=ip,
                             timeout=10)
        conn.source_ip = ip
        return conn

    def disconnected_by(self, name, ip, action):
        """Connects from ip, runs action on the connection, and checks that A closes it."""
        conn = self.connect(ip)
        try:
            action(conn)
            assert_true(conn.is_closed_by_node(timeout=15), f"{name}: A closes the connection")
        finally:
            conn.close()

    def case(self, name, action):
        ip = self.new_ip()
        log(f"case {name} from {ip}")
        self.disconnected_by(name, ip, action)
        entry = wait_until(lambda: self.ban_of(ip), timeout=10, what=f"{name}: {ip} banned")
        log(f"  banned until {entry['banned_until']}: {entry['reason']}")
        self.banned.append(ip)
        assert_true(connection_refused(self.a.bind_ip, self.a.p2pport, REGTEST_MAGIC,
                                       source_ip=ip, timeout=5),
                    f"{name}: a new connection from {ip} is refused")
        self.check_link()

    def not_banned(self, name, action):
        ip = self.new_ip()
        log(f"case {name} from {ip}: disconnected, not banned")
        self.disconnected_by(name, ip, action)
        assert_equal(self.ban_of(ip), None, f"{name}: {ip} not banned")
        conn = self.connect(ip)
        try:
            conn.handshake(self.genesis)
            wait_until(lambda: self.python_peer(ip, handshake=True), timeout=10,
                       what=f"{name}: a handshake from {ip} afterwards")
        finally:
            conn.close()
        assert_equal(self.ban_of(ip), None, f"{name}: {ip} still not banned")
        self.check_link()

    def ban_of(self, ip):
        for e in self.a.rpc.listbanned():
            if e["address"] == ip:
                return e
        return None

    def python_peer(self, ip, score=None, handshake=None):
        for p in self.a.rpc.getpeerinfo():
            if p["addr"].rsplit(":", 1)[0] != ip:
                continue
            if score is not None and p["banscore"] != score:
                continue
            if handshake is not None and p["handshake"] != handshake:
                continue
            return p
        return None

    def link_ids(self):
        """(B's peer id on A, A's peer id on B) of the one A-B connection."""
        on_a = [p for p in self.a.rpc.getpeerinfo()
                if p["inbound"] and p["addr"].startswith("127.0.0.1:")]
        on_b = [p for p in self.b.rpc.getpeerinfo() if p["addr"] == self.a.p2p_addr]
        assert_equal(len(on_a), 1, f"one connection from 127.0.0.1 on A: {on_a}")
        assert_equal(len(on_b), 1, f"one connection to A on B: {on_b}")
        assert_true(on_a[0]["handshake"] and on_b[0]["handshake"], "A-B handshake")
        assert_equal(on_a[0]["banscore"], 0, "B's score on A")
        return on_a[0]["id"], on_b[0]["id"]

    def check_link(self):
        assert_equal(self.link_ids(), self.ab_ids, "the A-B connection is the original one")
        assert_equal(self.a.rpc.getbestblockhash(), self.b.rpc.getbestblockhash(), "same tip")
        assert_true(all(e["address"] != "127.0.0.1" for e in self.a.rpc.listbanned()),
                    "127.0.0.1 is never banned")


if __name__ == "__main__":
    P2PMisbehaveTest().main()
