#!/usr/bin/env python3
"""Header spam (docs/PROTOCOL.md §12.4 Presync): cheap headers forking from genesis cost the
node neither memory nor disk, and the peer that sends them is banned.

The node runs a network of its own (a genesis file written here: regtest's, with the genesis
target 2^15 times harder than the pow limit, so the honest chain has real work per block) and
mines 12 blocks. Python peers (p2p_codec), each from its own loopback IP, send headers forking
from genesis whose times are 30 ASERT half-lives behind the schedule: ASERT puts them at the
pow limit, so each costs two hashes and weighs 2^-15 of an honest block (229,000 of them
would be needed to come near the tip's work). Every peer sends its own chain from genesis in
messages of 2,000 headers until the node closes the connection (at most 100,000), then the
next peer starts, until at least --headers (200,000) have been sent in all. Meanwhile a
separate process calls getblockcount in a loop.

Checks: every peer is disconnected and listed by listbanned; the node's RSS grows by at most
RSS_LIMIT_MIB and its data folder by at most DISK_LIMIT_MIB (before the fix every header went
into the block tree and the database: tens of MiB for 200,000); getblockcount answers during
the whole attack and the tip is unchanged; an honest node then syncs the node's chain from it.
The headers sent, the RSS and disk growth and the RPC latency p99 (getblockcount, which takes
the chain lock, and getmempoolinfo, which does not, as a control) are logged, not asserted."""

import json
import multiprocessing
import os
import sys
import time

from framework import (REGTEST_MAGIC, HEADER_SIZE, Node, WaybillTestFramework, assert_equal,
                       assert_true, header_hash, log, target_from_bits, wait_until)
from p2p_codec import P2PConnection, headers_payload

HEADERS = 200_000
PER_MESSAGE = 2000
GENESIS_BITS = 0x1F00FFFF  # work 2^16; the pow limit 0x207fffff: work 2
LATE = 30 * 3600           # seconds behind the ASERT schedule: clamped at the pow limit
RSS_LIMIT_MIB = 8
DISK_LIMIT_MIB = 2
FIRST_IP = 80
# A peer sends until the node closes its connection; past this many headers it has not.
MAX_PER_PEER = 100_000
EXEC_FLAG = "--exec-with-genesis"


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def dir_bytes(path):
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(root, name))
            except OSError:
                pass  # a LevelDB file replaced while we walk
    return total


class HeaderChain:
    """Cheap headers forking from genesis, generated as they are needed."""

    def __init__(self, genesis_hex, genesis_time, pow_limit_bits, tag):
        self.tag = tag
        self.prev = bytes.fromhex(genesis_hex)
        self.time = genesis_time + LATE
        # ASERT reads the parent's time: the first header after genesis has the genesis bits
        # (one real header), every later one the pow limit.
        self.bits = GENESIS_BITS
        self.later_bits = pow_limit_bits
        self.made = 0

    def next(self, n):
        out = []
        for _ in range(n):
            self.time += 1
            base = (1).to_bytes(4, "little") + self.prev + bytes(32) + bytes([self.tag]) * 32 + \
                self.time.to_bytes(4, "little") + self.bits.to_bytes(4, "little")
            nonce = 0
            while True:
                header = base + nonce.to_bytes(8, "little")
                h = header_hash(header)
                if int.from_bytes(h, "big") <= target_from_bits(self.bits):
                    break
                nonce += 1
            assert len(header) == HEADER_SIZE
            out.append(header)
            self.prev = h
            self.made += 1
            self.bits = self.later_bits
        return out


class P2PHeaderSpamTest(WaybillTestFramework):
    num_nodes = 1
    time_limit = 600

    def add_options(self, parser):
        parser.add_argument("--headers", type=int, default=HEADERS,
                            help=f"headers the attackers send in all (default {HEADERS})")

    def make_node(self, index):
        self.genesis_path = self.write_genesis()
        return self.make_custom_node(index)

    def make_custom_node(self, index):
        launcher = [sys.executable, os.path.abspath(__file__), EXEC_FLAG, self.genesis_path]
        return Node(index, self, [], launcher=launcher)

    def write_genesis(self):
        doc = self.regtest_genesis()
        doc["comment"] = "p2p_header_spam_test: regtest with a harder genesis target"
        self.genesis_time = int(time.time()) - 60
        doc["genesis"] = {"time": self.genesis_time, "bits": f"0x{GENESIS_BITS:08x}", "nonce": 0}
        self.pow_limit_bits = int(doc["pow_limit_bits"], 16)
        path = os.path.join(self.tmpdir, "spam_genesis.json")
        with open(path, "w") as f:
            json.dump(doc, f)
        return path

    def run_test(self):
        node = self.nodes[0]
        _, miner = self.new_key("miner")
        node.rpc.generatetoaddress(12, miner)
        tip = node.rpc.getbestblockhash()
        genesis = node.rpc.getblockhash(0)
        pid = node.process.pid
        time.sleep(1)  # let the node settle (LevelDB compactions after mining)
        rss0, disk0 = rss_bytes(pid), dir_bytes(node.datadir)

        # The poller is a process of its own: a thread of this one would wait for the GIL
        # behind the attacker's hashing, and measure that instead of the node.
        def poll(stop, out):
            # getblockcount takes the chain lock; getmempoolinfo does not (a control: what the
            # machine's load alone does to a call).
            rpc = node.make_rpc()
            latencies, control = [], []
            while not stop.is_set():
                t0 = time.monotonic()
                rpc.getblockcount()
                t1 = time.monotonic()
                rpc.getmempoolinfo()
                latencies.append(t1 - t0)
                control.append(time.monotonic() - t1)
                time.sleep(0.005)
            out.send((latencies, control))

        def start_poller():
            stop = multiprocessing.Event()
            receiver, sender = multiprocessing.Pipe(duplex=False)
            process = multiprocessing.Process(target=poll, args=(stop, sender), daemon=True)
            process.start()
            return stop, receiver, process

        def stop_poller(poller):
            stop, receiver, process = poller
            stop.set()
            assert_true(receiver.poll(30), "the RPC poller reported")
            result = receiver.recv()
            process.join(10)
            return result

        # The same polling without an attack, for comparison (this machine is shared).
        poller = start_poller()
        time.sleep(3)
        idle, _ = stop_poller(poller)
        idle.sort()
        idle_p99 = idle[int(len(idle) * 0.99)]
        poller = start_poller()

        sent, attackers = 0, []  # (ip, closed by the node)
        t0 = time.monotonic()
        try:
            ip_index = FIRST_IP
            while sent < self.options.headers:
                assert_true(ip_index < 250, "attack IPs left")
                ip = f"127.0.0.{ip_index}"
                ip_index += 1
                chain = HeaderChain(genesis, self.genesis_time, self.pow_limit_bits, ip_index)
                n, closed = self.attack_from(ip, node, genesis, chain, MAX_PER_PEER)
                sent += n
                attackers.append((ip, closed))
        finally:
            latencies, control = stop_poller(poller)
        attack_s = time.monotonic() - t0
        time.sleep(1)
        rss1, disk1 = rss_bytes(pid), dir_bytes(node.datadir)

        latencies.sort()
        control.sort()
        control_p99 = control[int(len(control) * 0.99)] if control else float("nan")
        p99 = latencies[int(len(latencies) * 0.99)] if latencies else float("nan")
        rss_growth = (rss1 - rss0) / 2**20
        disk_growth = (disk1 - disk0) / 2**20
        log(f"FIGURES headers_sent={sent} peers={len(attackers)} attack_s={attack_s:.1f} "
            f"rss_growth_mib={rss_growth:.2f} disk_growth_mib={disk_growth:.2f} "
            f"headers_stored={node.rpc.getblockchaininfo()['headers'] - 12} "
            f"rpc_calls={len(latencies)} rpc_p99_ms={p99 * 1000:.1f} "
            f"rpc_max_ms={(latencies[-1] if latencies else 0) * 1000:.1f} "
            f"control_p99_ms={control_p99 * 1000:.1f} "
            f"idle_rpc_calls={len(idle)} idle_rpc_p99_ms={idle_p99 * 1000:.1f}")
        banned = {b["address"].split("/")[0] for b in node.rpc.listbanned()}
        for ip, closed in attackers:
            assert_true(closed, f"the node closed the connection from {ip}")
            assert_true(ip in banned, f"{ip} banned: {banned}")
        assert_equal(node.rpc.getbestblockhash(), tip, "the tip did not move")
        assert_equal(node.rpc.getblockchaininfo()["headers"], 12, "no spam header stored")
        assert_true(len(latencies) > 0, "getblockcount answered during the attack")
        assert_true(rss_growth <= RSS_LIMIT_MIB, f"RSS grew {rss_growth:.1f} MiB")
        assert_true(disk_growth <= DISK_LIMIT_MIB, f"data folder grew {disk_growth:.1f} MiB")

        log("an honest node syncs the chain from the attacked node")
        honest = self.make_custom_node(len(self.nodes))
        self.nodes.append(honest)
        honest.start()
        self.connect_nodes(honest, node)
        wait_until(lambda: honest.rpc.getbestblockhash() == tip, timeout=60,
                   what="the honest node at the attacked node's tip")

    def attack_from(self, ip, node, genesis, chain, budget):
        """One peer from ip sends messages of cheap headers until the node hangs up (or
        budget headers are sent, a failure). Returns how many headers went out and whether
        the node closed the connection."""
        host, port = node.p2p_addr.rsplit(":", 1)
        conn = P2PConnection(host, int(port), REGTEST_MAGIC, source_ip=ip)
        conn.handshake(genesis)
        sent = 0
        try:
            while sent < budget:
                batch = chain.next(min(PER_MESSAGE, budget - sent))
                conn.send("headers", headers_payload(batch))
                sent += len(batch)
        except (BrokenPipeError, ConnectionResetError, ConnectionError):
            pass
        closed = conn.is_closed_by_node(timeout=30)
        conn.close()
        log(f"  {ip}: {sent} headers, then {'disconnected' if closed else 'STILL CONNECTED'}")
        return sent, closed


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == EXEC_FLAG:
        # The launcher: waybilld on the genesis file instead of the embedded regtest.
        genesis_path, argv = sys.argv[2], sys.argv[3:]
        argv = [f"--genesis={genesis_path}" if a == "--network=regtest" else a for a in argv]
        os.execv(argv[0], argv)
    P2PHeaderSpamTest().main()
