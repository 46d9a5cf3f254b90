#!/usr/bin/env python3
"""Three nodes on three "hosts": Linux network namespaces joined by a bridge, over a lossy,
slow link.

Namespaces wbn<pid>-0..2 each hold one waybilld on its own address 10.77.0.1..3/24 (eth0, a
veth whose other end is a port of bridge br0 in a fourth namespace wbh<pid>), with
`tc qdisc add dev eth0 root netem delay 50ms loss 2%` on every node's eth0 (so a round trip
between two nodes takes >= 100 ms). Each waybilld runs under `ip netns exec`, with
--bind=10.77.0.x and its JSON-RPC on 127.0.0.1 inside its namespace: the test reaches it
through sockets opened in that namespace (setns(2) via ctypes), and runs the CLI there with
`ip netns exec`. Node 1 --connect's node 0, node 2 --connect's node 1 (node 0
--maxoutbound=0: a line, see p2p_gossip_test.py).

Where the kernel has no netem qdisc (e.g. some VM kernels), the test says so (NOTE: ...) and
shapes each eth0 with tbf (1 mbit/s) instead.

Checks: the line forms and the measured ping is >= 90 ms (netem is in force); blocks mined
on node 0 and node 2 reach all three; a tx sent (CLI) on node 2 and one on node 0 reach every
mempool, and are mined; all end on the same tip with empty mempools.

Needs root, `ip` and `tc` (Debian package iproute2) and a kernel that lets us create network
namespaces, veth and bridges; otherwise it prints "SKIPPED: <reason>" and exits 77 (ctest: skipped). The
namespaces are deleted at the end whatever happens (finally and atexit); ones left by a test
process that died are deleted on the next run."""

import atexit
import ctypes
import http.client
import os
import re
import shutil
import subprocess
import sys

from framework import (Node, WaybillTestFramework, assert_equal, assert_true, log, skip_if,
                       wait_until)

CLONE_NEWNET = 0x40000000
SUBNET = "10.77.0"
NUM = 3


def run(*cmd, check=True):
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=30)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))}: exit {proc.returncode}: "
                           f"{proc.stderr.strip()}")
    return proc


_libc = ctypes.CDLL(None, use_errno=True)
_home_netns = None


def _setns(fd):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"setns: {os.strerror(err)}")


class NetnsHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection whose socket is opened inside network namespace `netns` (a socket
    stays in the namespace it was created in)."""

    def __init__(self, host, port, timeout=None, netns=None):
        super().__init__(host, port, timeout=timeout)
        self.netns = netns

    def connect(self):
        global _home_netns
        if _home_netns is None:
            _home_netns = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        target = os.open(f"/run/netns/{self.netns}", os.O_RDONLY)
        try:
            _setns(target)
            try:
                super().connect()
            finally:
                _setns(_home_netns)
        finally:
            os.close(target)


def netem_available():
    """Whether the kernel has the netem qdisc (some VM kernels are built without it)."""
    probe = f"wbprobe{os.getpid()}"
    try:
        run("ip", "netns", "add", probe)
        run("ip", "-n", probe, "link", "add", "a0", "type", "veth", "peer", "name", "a1")
        proc = run("tc", "-n", probe, "qdisc", "add", "dev", "a0", "root", "netem", "delay",
                   "1ms", "loss", "1%", check=False)
        return proc.returncode == 0, proc.stderr.strip()
    finally:
        run("ip", "netns", "del", probe, check=False)


def skip_reason():
    if not sys.platform.startswith("linux"):
        return "not Linux"
    if os.geteuid() != 0:
        return "not running as root (network namespaces need CAP_NET_ADMIN)"
    for tool in ("ip", "tc"):
        if not shutil.which(tool):
            return f"`{tool}` not found (Debian package iproute2)"
    probe = f"wbprobe{os.getpid()}"
    try:
        run("ip", "netns", "add", probe)
    except Exception as e:
        return f"cannot create a network namespace: {e}"
    try:
        run("ip", "-n", probe, "link", "add", "a0", "type", "veth", "peer", "name", "a1")
        run("ip", "-n", probe, "link", "add", "b0", "type", "bridge")
        run("ip", "-n", probe, "link", "set", "a0", "up")
    except Exception as e:
        return f"veth or bridge not available: {e}"
    finally:
        run("ip", "netns", "del", probe, check=False)
    return None


def remove_stale_namespaces():
    """Namespaces of earlier runs whose test process is gone."""
    for name in run("ip", "netns", "list", check=False).stdout.split():
        m = re.fullmatch(r"wb(?:h|n|probe)(\d+)(?:-\d+)?", name)
        if m and not os.path.exists(f"/proc/{m.group(1)}"):
            run("ip", "netns", "del", name, check=False)


class P2PNetnsTest(WaybillTestFramework):
    num_nodes = NUM
    time_limit = 420

    def main(self):
        skip_if(skip_reason())
        self.netem, why = netem_available()
        if not self.netem:
            print(f"NOTE: no netem qdisc in this kernel ({why}): the links get a tbf rate "
                  "limit (1 mbit/s) instead of 50 ms delay and 2% loss, and the ping-time "
                  "check is left out", flush=True)
        self.namespaces = []
        atexit.register(self.teardown)
        super().main()

    def set_test_params(self):
        remove_stale_namespaces()
        pid = os.getpid()
        self.hub = f"wbh{pid}"
        self.ns = [f"wbn{pid}-{i}" for i in range(NUM)]
        log(f"namespaces {self.hub} (bridge) and {', '.join(self.ns)}")
        run("ip", "netns", "add", self.hub)
        self.namespaces.append(self.hub)
        run("ip", "-n", self.hub, "link", "set", "lo", "up")
        run("ip", "-n", self.hub, "link", "add", "br0", "type", "bridge")
        run("ip", "-n", self.hub, "link", "set", "br0", "up")
        for i, ns in enumerate(self.ns):
            run("ip", "netns", "add", ns)
            self.namespaces.append(ns)
            run("ip", "-n", ns, "link", "set", "lo", "up")
            run("ip", "-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", f"v{i}",
                "netns", self.hub)
            run("ip", "-n", ns, "addr", "add", f"{SUBNET}.{i + 1}/24", "dev", "eth0")
            run("ip", "-n", ns, "link", "set", "eth0", "up")
            run("ip", "-n", self.hub, "link", "set", f"v{i}", "master", "br0")
            run("ip", "-n", self.hub, "link", "set", f"v{i}", "up")
            if self.netem:
                run("tc", "-n", ns, "qdisc", "add", "dev", "eth0", "root", "netem", "delay",
                    "50ms", "loss", "2%")
            else:
                run("tc", "-n", ns, "qdisc", "add", "dev", "eth0", "root", "tbf", "rate",
                    "1mbit", "burst", "32kbit", "latency", "400ms")

    def make_node(self, index):
        ns = self.ns[index]
        args = ["--mempoolsync=2"]
        if index == 0:
            args.append("--maxoutbound=0")
        else:
            args.append(f"--connect={SUBNET}.{index}:{self.nodes[index - 1].p2pport}")

        def factory(host, port, timeout=None):
            return NetnsHTTPConnection(host, port, timeout=timeout, netns=ns)
        return Node(index, self, args, bind_ip=f"{SUBNET}.{index + 1}",
                    launcher=["ip", "netns", "exec", ns], rpc_connection_factory=factory)

    def _shutdown(self, ok):
        try:
            super()._shutdown(ok)
        finally:
            self.teardown()

    def teardown(self):
        self._kill_nodes()
        while getattr(self, "namespaces", None):
            run("ip", "netns", "del", self.namespaces.pop(), check=False)

    def run_test(self):
        n = self.nodes
        _, miner = self.new_key("miner")
        key1, _ = self.dev_key(1)
        key2, _ = self.dev_key(2)
        _, payee = self.dev_key(3)

        log("the line 0 - 1 - 2 across the namespaces")
        for i in (1, 2):
            wait_until(lambda: self.is_connected(n[i], n[i - 1]), timeout=60,
                       what=f"node{i} -> node{i - 1}")
        for node in n:
            info = node.rpc.getnetworkinfo()
            assert_equal(info["localaddress"], node.p2p_addr, f"node{node.index} listens")
        out = n[1].cli("rpc", "getconnectioncount")
        assert_equal(out, "2", "the CLI inside node 1's namespace")

        def rtt():
            pings = [p["pingms"] for p in n[1].rpc.getpeerinfo() if p["pingms"] is not None]
            return pings if len(pings) == 2 else None
        pings = wait_until(rtt, timeout=60, what="ping times on node 1")
        log(f"  node 1's ping times: {pings} ms")
        if self.netem:
            assert_true(min(pings) >= 90, f"netem in force: round trips {pings} ms >= 90 ms")

        log("node 0 mines 5 blocks: all three follow")
        n[0].rpc.generatetoaddress(5, miner)
        self.sync_blocks(timeout=90)

        log("a tx on node 2 (CLI in its namespace) reaches every mempool; node 1 mines it")
        tx = n[2].cli_json("tx", "transfer", "--key", key1, "--to", payee, "--amount", "4242base",
                           "--json")
        pool = self.sync_mempools(timeout=90)
        assert_equal(pool, [tx["txid"]], "the mempools")
        block = n[1].rpc.generatetoaddress(1, miner)[0]
        assert_equal(n[1].rpc.getblock(block)["tx"], [tx["txid"]], "node 1's block")
        self.sync_blocks(timeout=90)

        log("a tx on node 0, mined by node 2")
        tx = n[0].cli_json("tx", "transfer", "--key", key2, "--to", payee, "--amount", "2424base",
                           "--json")
        self.sync_mempools(timeout=90)
        wait_until(lambda: tx["txid"] in n[2].rpc.getrawmempool(), timeout=90,
                   what="node 0's tx at node 2")
        n[2].rpc.generatetoaddress(3, miner)
        tip = self.sync_blocks(timeout=90)
        self.sync_mempools(timeout=90)
        for node in n:
            assert_equal(node.rpc.getrawmempool(), [], f"node{node.index} mempool")
            assert_equal(node.rpc.getblockcount(), 9, f"node{node.index} height")
            assert_equal(node.rpc.getbestblockhash(), tip, f"node{node.index} tip")


if __name__ == "__main__":
    P2PNetnsTest().main()
