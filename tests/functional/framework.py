#!/usr/bin/env python3
"""Functional test framework: real waybilld processes driven over JSON-RPC and the CLI.

A test subclasses WaybillTestFramework, sets num_nodes and the like in set_test_params(),
and writes run_test(). main() parses --bindir/--srcdir, starts the nodes (regtest, loopback,
free ports, cookie auth, a fresh data dir each), runs the test under a time limit, and always
kills the nodes and removes their data dirs on the way out. On failure it prints the traceback
and the tail of every node's log, and keeps the data dirs for inspection.

Python 3 standard library only.
"""

import argparse
import atexit
import base64
import hashlib
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

# The regtest network (genesis/regtest.json).
REGTEST_HRP = "wbr"
REGTEST_MAGIC = 0x57425201  # genesis/regtest.json "magic": the first 4 bytes of every P2P frame
COIN = 100_000_000


class TestFailure(AssertionError):
    pass


class JSONRPCError(Exception):
    def __init__(self, code, message):
        super().__init__(f"JSON-RPC error {code}: {message}")
        self.code = code
        self.message = message


class HTTPError(Exception):
    def __init__(self, status, body):
        super().__init__(f"HTTP {status}: {body[:200]!r}")
        self.status = status
        self.body = body


def log(msg):
    print(f"{time.strftime('%H:%M:%S')} {msg}", flush=True)


# ---------------------------------------------------------------------------------------------
# Assertions and waiting


def assert_equal(a, b, what=""):
    if a != b:
        raise TestFailure(f"{what + ': ' if what else ''}{a!r} != {b!r}")


def assert_true(cond, what):
    if not cond:
        raise TestFailure(what)


def assert_greater_equal(a, b, what=""):
    if not a >= b:
        raise TestFailure(f"{what + ': ' if what else ''}{a!r} < {b!r}")


def assert_raises_rpc_error(code, message_part, fn, *args, **kwargs):
    """fn(*args) must raise JSONRPCError with this code (None: any) and message part."""
    try:
        fn(*args, **kwargs)
    except JSONRPCError as e:
        if code is not None and e.code != code:
            raise TestFailure(f"expected error code {code}, got {e.code}: {e.message}")
        if message_part is not None and message_part not in e.message:
            raise TestFailure(f"expected {message_part!r} in the error message, got {e.message!r}")
        return e
    raise TestFailure(f"no JSON-RPC error (expected code {code}, {message_part!r})")


def check_custody(rpc, asset, holder, candidates):
    """The asset's custodian is `holder`, and of the candidate accounts only `holder` lists it
    among its assets (when getaccount lists assets at all)."""
    assert_equal(rpc.getasset(asset)["custodian"], holder, "custodian")
    holders = []
    for addr in candidates:
        assets = rpc.getaccount(addr).get("assets")
        if assets is None:
            return  # getaccount lists no assets: getasset's single custodian must do
        ids = [a if isinstance(a, str) else a.get("id", a.get("asset")) for a in assets]
        if asset in ids:
            holders.append(addr)
    assert_equal(holders, [holder], "exactly one account holds the asset")


# The exit status of a test that cannot run here: ctest reports it as skipped, not passed
# (tests/CMakeLists.txt sets SKIP_RETURN_CODE).
SKIP_EXIT_CODE = 77


def skip_if(reason):
    """A test that cannot run here (no root, no kernel feature, no browser) prints why and exits
    with SKIP_EXIT_CODE."""
    if reason:
        print(f"SKIPPED: {reason}", flush=True)
        sys.exit(SKIP_EXIT_CODE)


def status_kib(pid, field):
    """A size field of /proc/<pid>/status (VmHWM, VmRSS, ...) in KiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/{pid}/status")


def reset_peak(pid):
    """Resets VmHWM to the current RSS (Linux clear_refs 5); False where not allowed."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def wait_until(predicate, timeout=60.0, interval=0.1, what="condition"):
    """Polls predicate() until it is truthy; fails after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TestFailure(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


# Ports for the nodes of tests: below Linux's ephemeral range (32768-60999 by default), which
# the kernel hands to outgoing connections: the many short RPC connections of tests running in
# parallel could otherwise take a port between free_port() and the node's bind. 27000-27999
# is left to the benches (bench/*.py --base-port).
_PORT_RANGES = ((20000, 27000), (28000, 32768))


def free_port(ip="127.0.0.1"):
    """A TCP port on ip (default 127.0.0.1) that was free a moment ago."""
    rng = random.SystemRandom()
    for _ in range(200):
        low, high = rng.choice(_PORT_RANGES)
        port = rng.randrange(low, high)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind((ip, port))
            except OSError:
                continue
            return port
    raise TestFailure("no free TCP port found in 200 tries")


# ---------------------------------------------------------------------------------------------
# Proof of work in Python, for tests that build blocks by hand (regtest's easy target).


def target_from_bits(bits):
    size = bits >> 24
    mantissa = bits & 0x007FFFFF
    if size <= 3:
        return mantissa >> (8 * (3 - size))
    return mantissa << (8 * (size - 3))


def header_hash(header):
    """Block id: SHA-256d of the 116-byte header, as bytes (hex in byte order = block hash)."""
    return hashlib.sha256(hashlib.sha256(header).digest()).digest()


HEADER_SIZE = 116
HEADER_TIME_OFFSET = 100   # u32 little-endian
HEADER_BITS_OFFSET = 104   # u32 little-endian
HEADER_NONCE_OFFSET = 108  # u64 little-endian


def set_header_time(header, t):
    header = bytearray(header)
    header[HEADER_TIME_OFFSET:HEADER_TIME_OFFSET + 4] = t.to_bytes(4, "little")
    return bytes(header)


def solve_header(header, max_tries=1_000_000):
    """Sets the nonce so that the header's id, read big-endian, is <= its target."""
    header = bytearray(header)
    assert len(header) == HEADER_SIZE, len(header)
    bits = int.from_bytes(header[HEADER_BITS_OFFSET:HEADER_BITS_OFFSET + 4], "little")
    target = target_from_bits(bits)
    for nonce in range(max_tries):
        header[HEADER_NONCE_OFFSET:HEADER_NONCE_OFFSET + 8] = nonce.to_bytes(8, "little")
        if int.from_bytes(header_hash(header), "big") <= target:
            return bytes(header)
    raise TestFailure(f"no nonce found in {max_tries} tries (bits {bits:#010x})")


def tagged_hash(tag, msg):
    t = hashlib.sha256(tag.encode()).digest()
    return hashlib.sha256(t + t + msg).digest()


def txid_of(tx_hex):
    """tagged_hash("Waybill/TxId", serialized tx), hex in byte order."""
    return tagged_hash("Waybill/TxId", bytes.fromhex(tx_hex)).hex()


def compact_size(n):
    if n < 0xFD:
        return bytes([n])
    if n <= 0xFFFF:
        return b"\xfd" + n.to_bytes(2, "little")
    if n <= 0xFFFFFFFF:
        return b"\xfe" + n.to_bytes(4, "little")
    return b"\xff" + n.to_bytes(8, "little")


def merkle_root(txids):
    """RFC 6962 Merkle Tree Hash over tx ids (bytes)."""
    if not txids:
        return hashlib.sha256(b"").digest()
    if len(txids) == 1:
        return hashlib.sha256(b"\x00" + txids[0]).digest()
    k = 1
    while k * 2 < len(txids):
        k *= 2
    return hashlib.sha256(b"\x01" + merkle_root(txids[:k]) + merkle_root(txids[k:])).digest()


def build_block(prev_hex, miner_hex, time_, bits, tx_hexes, version=1):
    """A solved block (hex) with the given txs, and its id (hex)."""
    txs = [bytes.fromhex(t) for t in tx_hexes]
    root = merkle_root([bytes.fromhex(txid_of(t)) for t in tx_hexes])
    header = (version.to_bytes(4, "little") + bytes.fromhex(prev_hex) + root +
              bytes.fromhex(miner_hex) + time_.to_bytes(4, "little") +
              bits.to_bytes(4, "little") + bytes(8))
    header = solve_header(header)
    body = compact_size(len(txs)) + b"".join(compact_size(len(t)) + t for t in txs)
    return (header + body).hex(), header_hash(header).hex()


def header_fields(header_hex):
    h = bytes.fromhex(header_hex)
    return {
        "version": int.from_bytes(h[0:4], "little"),
        "prev": h[4:36].hex(),
        "merkle_root": h[36:68].hex(),
        "miner": h[68:100].hex(),
        "time": int.from_bytes(h[100:104], "little"),
        "bits": int.from_bytes(h[104:108], "little"),
        "nonce": int.from_bytes(h[108:116], "little"),
    }


# ---------------------------------------------------------------------------------------------
# JSON-RPC over HTTP


class RpcClient:
    def __init__(self, host, port, auth, timeout=120, connection_factory=None):
        self.host = host
        self.port = port
        self.auth = auth  # (user, password) or None
        self.timeout = timeout
        # (host, port, timeout) -> an http.client.HTTPConnection (a test may reach a node in
        # another network namespace through its own connection class).
        self.connection_factory = connection_factory or http.client.HTTPConnection
        self._id = 0

    def post(self, body, auth=True, content_type="application/json", path="/"):
        """Raw POST; returns (status, body text)."""
        headers = {"Content-Type": content_type}
        # auth: True = this client's credentials, False = none, (user, password) = those.
        creds = auth if isinstance(auth, tuple) else (self.auth if auth else None)
        if creds:
            token = base64.b64encode(f"{creds[0]}:{creds[1]}".encode()).decode()
            headers["Authorization"] = "Basic " + token
        conn = self.connection_factory(self.host, self.port, timeout=self.timeout)
        try:
            conn.request("POST", path, body=body.encode() if isinstance(body, str) else body,
                         headers=headers)
            resp = conn.getresponse()
            return resp.status, resp.read().decode(errors="replace")
        finally:
            conn.close()

    def call(self, method, *params):
        self._id += 1
        body = json.dumps({"jsonrpc": "2.0", "id": self._id, "method": method,
                           "params": list(params)})
        status, text = self.post(body)
        if status == 401:
            raise HTTPError(status, text)
        reply = self._parse_reply(status, text, dict)
        err = reply.get("error")
        if err:
            raise JSONRPCError(err.get("code"), err.get("message", ""))
        if status != 200:
            raise HTTPError(status, text)
        return reply.get("result")

    def batch(self, calls):
        """One JSON-RPC batch of (method, [params]); returns [(result, error)] in order."""
        if not calls:
            return []
        requests = []
        for method, params in calls:
            self._id += 1
            requests.append({"jsonrpc": "2.0", "id": self._id, "method": method,
                             "params": list(params)})
        replies = self._parse_reply(*self.post(json.dumps(requests)), list)
        by_id = {r.get("id"): r for r in replies}
        out = []
        for req in requests:
            r = by_id.get(req["id"], {})
            out.append((r.get("result"), r.get("error")))
        return out

    @staticmethod
    def _parse_reply(status, text, kind):
        """The JSON reply, which must be a kind (dict or list); HTTPError otherwise."""
        try:
            reply = json.loads(text)
        except ValueError:
            raise HTTPError(status, text)
        if not isinstance(reply, kind):
            raise HTTPError(status, text)
        return reply

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *params: self.call(name, *params)


# ---------------------------------------------------------------------------------------------
# Nodes


def _die_with_parent():
    """In the child before exec: SIGKILL it when the test process dies, however it dies
    (even by SIGKILL, where no cleanup code of ours runs). Linux only; best effort."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except Exception:
        pass


class Node:
    """One waybilld. bind_ip is its P2P address (--bind; 127.0.0.x gives a node an IP of its own,
    so bans and disconnectnode by IP hit only it); launcher is a command prefix (e.g.
    ["ip", "netns", "exec", NS]) for waybilld and the CLI; rpc_connection_factory, if given,
    makes the RPC client's HTTP connections (see RpcClient)."""

    def __init__(self, index, framework, extra_args=None, bind_ip="127.0.0.1", launcher=None,
                 rpc_connection_factory=None, rest=None):
        self.index = index
        self.framework = framework
        self.datadir = os.path.join(framework.tmpdir, f"node{index}")
        os.makedirs(self.datadir, exist_ok=True)
        self.bind_ip = bind_ip
        self.launcher = list(launcher or [])
        self.rpc_connection_factory = rpc_connection_factory
        self.rpcport = free_port()
        # The public REST API (--rest) on 127.0.0.1:restport; framework.rest (class attribute)
        # turns it on for every node, rest=True/False for this one.
        self.rest = framework.rest if rest is None else rest
        self.restport = free_port() if self.rest else None
        self.p2pport = free_port(bind_ip if bind_ip.startswith("127.") else "127.0.0.1")
        self.extra_args = list(extra_args or [])
        self.process = None
        self.stdout_path = os.path.join(framework.tmpdir, f"node{index}.stdout")
        self.stderr_path = os.path.join(framework.tmpdir, f"node{index}.stderr")
        self.starts = 0
        self._rpc = None

    # -- process control

    def start(self, extra_args=None, wait=True, timeout=60):
        assert not self.running(), "node already running"
        args = self.launcher + [
            self.framework.waybilld, f"--datadir={self.datadir}", "--network=regtest",
            "--rpcbind=127.0.0.1", f"--rpcport={self.rpcport}", f"--bind={self.bind_ip}",
            f"--port={self.p2pport}", "--loglevel=debug", "--printtoconsole=0"]
        if self.rest:
            args += ["--rest", "--restbind=127.0.0.1", f"--restport={self.restport}"]
        args += self.extra_args + list(extra_args or [])
        self.starts += 1
        with open(self.stdout_path, "ab") as out, open(self.stderr_path, "ab") as err:
            banner = f"\n===== start #{self.starts}: {' '.join(args)}\n".encode()
            err.write(banner)
            err.flush()
            self.process = subprocess.Popen(args, stdout=out, stderr=err,
                                            stdin=subprocess.DEVNULL,
                                            preexec_fn=_die_with_parent)
        self._rpc = None
        if wait:
            self.wait_for_rpc(timeout)

    def running(self):
        return self.process is not None and self.process.poll() is None

    def wait_for_rpc(self, timeout=60):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise TestFailure(f"node{self.index} exited with code {self.process.returncode}"
                                  " while starting")
            try:
                rpc = self.make_rpc()
                rpc.getblockcount()
                if self.rest:  # the REST listener starts just after the RPC's
                    socket.create_connection(("127.0.0.1", self.restport), timeout=5).close()
                self._rpc = rpc
                return
            except (OSError, HTTPError, JSONRPCError, ValueError) as e:
                last = e
            time.sleep(0.1)
        raise TestFailure(f"node{self.index} RPC not ready after {timeout} s (last: {last})")

    @property
    def p2p_addr(self):
        """IP:PORT this node accepts P2P connections on."""
        return f"{self.bind_ip}:{self.p2pport}"

    @property
    def netdir(self):
        """The network's folder in the data folder (node/params/network.h NetworkDir): .lock,
        waybilld.pid, .cookie, debug.log, chain/, mempool.dat, peers.dat, banlist.dat."""
        return os.path.join(self.datadir, "regtest")

    def cookie(self):
        with open(os.path.join(self.netdir, ".cookie")) as f:
            user, _, password = f.read().strip().partition(":")
        return user, password

    def make_rpc(self, timeout=120):
        return RpcClient("127.0.0.1", self.rpcport, self.cookie(), timeout=timeout,
                         connection_factory=self.rpc_connection_factory)

    @property
    def rpc(self):
        if self._rpc is None:
            self._rpc = self.make_rpc()
        return self._rpc

    def wait_for_exit(self, timeout=60):
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise TestFailure(f"node{self.index} did not exit within {timeout} s")

    def stop(self, timeout=60):
        """Stops via RPC `stop`; returns the exit code."""
        self.make_rpc(timeout=min(timeout, 30)).stop()
        code = self.wait_for_exit(timeout)
        self._rpc = None
        return code

    def terminate(self, timeout=60):
        """SIGTERM; returns the exit code."""
        self.process.send_signal(signal.SIGTERM)
        code = self.wait_for_exit(timeout)
        self._rpc = None
        return code

    def kill(self):
        """SIGKILL, as a crash or power cut would."""
        if self.running():
            self.process.kill()
        if self.process is not None:
            self.process.wait(timeout=30)
        self._rpc = None

    def log_tail(self, lines=60):
        out = []
        for path in (self.stderr_path, self.stdout_path, os.path.join(self.netdir, "debug.log")):
            if os.path.exists(path) and os.path.getsize(path) > 0:
                with open(path, "rb") as f:
                    f.seek(max(0, os.path.getsize(path) - 200_000))
                    text = f.read().decode(errors="replace").splitlines()
                out.append(f"----- {path} (last {lines} lines)")
                out.extend(text[-lines:])
        return "\n".join(out)

    # -- REST

    def rest_url(self, path=""):
        return f"http://127.0.0.1:{self.restport}{path}"

    def rest_get(self, path, headers=None, method="GET", timeout=30):
        """One request to the REST API: (status, headers with lower-case names, body bytes)."""
        assert self.rest, f"node{self.index} runs without --rest"
        conn = http.client.HTTPConnection("127.0.0.1", self.restport, timeout=timeout)
        try:
            conn.request(method, path, headers=dict(headers or {}))
            response = conn.getresponse()
            body = response.read()
            return (response.status, {k.lower(): v for k, v in response.getheaders()}, body)
        finally:
            conn.close()

    def rest_json(self, path, headers=None):
        """GET path; asserts 200 and returns the parsed JSON."""
        status, _, body = self.rest_get(path, headers)
        if status != 200:
            raise TestFailure(f"GET {path}: HTTP {status}: {body[:300]!r}")
        return json.loads(body)

    # -- CLI

    def cli_args(self):
        return ["--network=regtest", f"--rpcport={self.rpcport}", f"--datadir={self.datadir}"]

    def cli(self, *args, expect_fail=False):
        """Runs `waybill` with this node's connection options; returns stdout (stripped).

        Connection options go after `rpc` for rpc calls (before the method and its
        arguments), else at the end."""
        args = [str(a) for a in args]
        if args and args[0] == "rpc":
            full = ["rpc"] + self.cli_args() + args[1:]
        else:
            full = args + self.cli_args()
        return self.framework.run_cli(full, expect_fail=expect_fail, launcher=self.launcher)

    def cli_json(self, *args):
        return json.loads(self.cli(*args))


# ---------------------------------------------------------------------------------------------
# The framework


class WaybillTestFramework:
    num_nodes = 1
    # Start every node with the public REST API (Node.rest_get).
    rest = False
    # Hard limit for the whole test (setup, test, shutdown).
    time_limit = 600

    def set_test_params(self):
        pass

    def extra_args(self, index):
        return []

    def make_node(self, index):
        """The Node for index (main() creates num_nodes of them before starting them; by then
        self.nodes holds the lower indexes, so extra_args(i) may name their addresses). A test
        overrides this to give a node its own IP (bind_ip=...) or a launcher."""
        return Node(index, self, self.extra_args(index))

    def run_test(self):
        raise NotImplementedError

    def rest_get(self, path, headers=None, node=0):
        """(status, headers, body) of GET path on a node's REST API (see Node.rest_get)."""
        return self.nodes[node].rest_get(path, headers)

    # -- helpers for tests

    def run_cli(self, args, expect_fail=False, timeout=120, launcher=None):
        cmd = list(launcher or []) + [self.waybill] + [str(a) for a in args]
        # A new session: the CLI has no terminal, so a prompt (passphrase, y/N) fails at once
        # instead of waiting on the terminal of whoever runs the tests.
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              cwd=self.tmpdir, start_new_session=True)
        if expect_fail:
            if proc.returncode == 0:
                raise TestFailure(f"expected failure from {' '.join(cmd)}, got: {proc.stdout}")
            return proc.stderr.strip()
        if proc.returncode != 0:
            raise TestFailure(f"{' '.join(cmd)} failed with code {proc.returncode}: "
                              f"{proc.stderr.strip()}")
        return proc.stdout.strip()

    def dev_key(self, i):
        """Path of a key file holding dev key i (created once) and its regtest address."""
        path = os.path.join(self.tmpdir, f"dev{i}.json")
        if not os.path.exists(path):
            address = self.run_cli(["key", "dev", i, "--out", path, "--network", "regtest"])
            self._dev_addresses[i] = address
        if i not in self._dev_addresses:
            self._dev_addresses[i] = self.run_cli(["key", "address", "--key", path,
                                                   "--network", "regtest"])
        return path, self._dev_addresses[i]

    def new_key(self, name):
        path = os.path.join(self.tmpdir, f"{name}.json")
        address = self.run_cli(["key", "new", "--out", path, "--network", "regtest"])
        return path, address


    # -- P2P helpers

    def add_node(self, extra_args=None, bind_ip="127.0.0.1", start=True, **kwargs):
        """A further node, created (and started) while the test runs."""
        node = Node(len(self.nodes), self, extra_args, bind_ip=bind_ip, **kwargs)
        self.nodes.append(node)
        if start:
            node.start()
        return node

    @staticmethod
    def handshaked_peers(node):
        return [p for p in node.rpc.getpeerinfo() if p["handshake"]]

    def is_connected(self, a, b):
        """a has a completed handshake with b: an outbound connection to b's P2P address, or an
        inbound one from b's IP when b has an IP of its own (several nodes on 127.0.0.1 cannot
        be told apart by their inbound connections)."""
        for p in self.handshaked_peers(a):
            if not p["inbound"] and p["addr"] == b.p2p_addr:
                return True
            if p["inbound"] and b.bind_ip != a.bind_ip and \
                    p["addr"].rsplit(":", 1)[0] == b.bind_ip and \
                    sum(1 for n in self.nodes if n.bind_ip == b.bind_ip) == 1:
                return True
        return False

    def connect_nodes(self, a, b, timeout=30):
        """a dials b once (addnode onetry) and the handshake completes on both sides."""
        if isinstance(a, int):
            a = self.nodes[a]
        if isinstance(b, int):
            b = self.nodes[b]
        before_b = len(self.handshaked_peers(b))
        a.rpc.addnode(b.p2p_addr, "onetry")
        wait_until(lambda: any(not p["inbound"] and p["addr"] == b.p2p_addr
                               for p in self.handshaked_peers(a)),
                   timeout=timeout, what=f"node{a.index} -> node{b.index} handshake")
        wait_until(lambda: len(self.handshaked_peers(b)) > before_b or self.is_connected(b, a),
                   timeout=timeout, what=f"node{b.index} sees node{a.index}")

    def disconnect_nodes(self, a, b, timeout=30):
        """Drops every connection between a and b (both need IPs of their own, or only a's
        outbound connection to b can be found)."""
        for x, y in ((a, b), (b, a)):
            for p in x.rpc.getpeerinfo():
                ip = p["addr"].rsplit(":", 1)[0]
                if p["addr"] == y.p2p_addr or (y.bind_ip != x.bind_ip and ip == y.bind_ip):
                    try:
                        x.rpc.disconnectnode(None, p["id"])
                    except JSONRPCError:
                        pass  # already gone
        wait_until(lambda: not self.is_connected(a, b) and not self.is_connected(b, a),
                   timeout=timeout, what=f"node{a.index} and node{b.index} disconnected")

    def sync_blocks(self, nodes=None, timeout=60, what="the same tip"):
        """Waits until every node (default: all running ones) has the same best block, and
        returns it."""
        nodes = nodes if nodes is not None else [n for n in self.nodes if n.running()]
        state = {}

        def same():
            tips = [n.rpc.getbestblockhash() for n in nodes]
            state["tips"] = tips
            return len(set(tips)) == 1
        try:
            wait_until(same, timeout=timeout, interval=0.2, what=what)
        except TestFailure:
            heights = [n.rpc.getblockcount() for n in nodes]
            bans = {n.index: n.rpc.listbanned() for n in nodes}
            raise TestFailure(f"timed out after {timeout:.0f} s waiting for {what}: tips "
                              f"{state.get('tips')} heights {heights} bans {bans}")
        return state["tips"][0]

    def sync_mempools(self, nodes=None, timeout=60, what="the same mempool"):
        """Waits until every node (default: all running ones) has the same mempool (as a set,
        and without duplicates), and returns it sorted."""
        nodes = nodes if nodes is not None else [n for n in self.nodes if n.running()]
        state = {}

        def same():
            pools = [n.rpc.getrawmempool() for n in nodes]
            state["pools"] = pools
            for pool in pools:
                assert_equal(len(pool), len(set(pool)), "no tx twice in a mempool")
            return all(sorted(p) == sorted(pools[0]) for p in pools)
        try:
            wait_until(same, timeout=timeout, interval=0.2, what=what)
        except TestFailure:
            raise TestFailure(f"timed out after {timeout:.0f} s waiting for {what}: sizes "
                              f"{[len(p) for p in state.get('pools', [])]}")
        return sorted(state["pools"][0])

    def genesis_hash(self):
        return self.nodes[0].rpc.getblockhash(0)

    def regtest_genesis(self):
        """genesis/regtest.json, the parameters the nodes run with (a fresh copy each call)."""
        with open(os.path.join(self.options.srcdir, "genesis", "regtest.json")) as f:
            return json.load(f)

    def check_supply(self, rpc, holders, what=""):
        """The balances of holders (every account that ever held coins) add up to the
        allocations plus the block rewards of rpc's active chain."""
        regtest = self.regtest_genesis()
        reward = regtest["block_reward"]
        halving = regtest["halving_interval"]
        height = rpc.getblockcount()
        issued = sum(reward >> (h // halving) if halving else reward
                     for h in range(1, height + 1))
        allocated = sum(a["amount"] for a in regtest["allocations"])
        total = sum(rpc.getaccount(addr)["balance"] for addr in holders)
        assert_equal(total, allocated + issued, f"{what}supply at height {height}")

    # -- driver

    def _parse_args(self):
        parser = argparse.ArgumentParser(description=self.__doc__)
        parser.add_argument("--bindir", required=True, help="the build directory")
        parser.add_argument("--srcdir", default=os.path.dirname(os.path.dirname(
            os.path.dirname(os.path.abspath(__file__)))), help="the source directory")
        parser.add_argument("--tmpdir", help="parent of the test's data dirs")
        parser.add_argument("--nocleanup", action="store_true",
                            help="keep the data dirs even on success")
        parser.add_argument("--seed", type=int, help="random seed (default: from the time)")
        self.add_options(parser)
        return parser.parse_args()

    def add_options(self, parser):
        pass

    def main(self):
        self.options = self._parse_args()
        # Absolute: the CLI runs with the test's data dir as its working directory.
        self.options.bindir = os.path.abspath(self.options.bindir)
        self.options.srcdir = os.path.abspath(self.options.srcdir)
        self.waybilld = os.path.join(self.options.bindir, "node", "waybilld")
        self.waybill = os.path.join(self.options.bindir, "node", "waybill")
        for exe in (self.waybilld, self.waybill):
            if not os.access(exe, os.X_OK):
                print(f"error: {exe} not found or not executable (build it first)",
                      file=sys.stderr)
                sys.exit(1)
        parent = self.options.tmpdir or os.path.join(self.options.bindir, "functional-tmp")
        os.makedirs(parent, exist_ok=True)
        name = os.path.splitext(os.path.basename(sys.argv[0]))[0]
        self.tmpdir = os.path.abspath(tempfile.mkdtemp(prefix=name + "-", dir=parent))
        self.seed = self.options.seed if self.options.seed is not None else \
            int(time.time() * 1000) % 1_000_000_007
        self.rng = random.Random(self.seed)
        self.nodes = []
        self._dev_addresses = {}
        self._cleaned = False
        atexit.register(self._kill_nodes)
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, self._on_signal)
        signal.signal(signal.SIGALRM, self._on_timeout)
        signal.alarm(self.time_limit)

        log(f"{name}: data dirs in {self.tmpdir}, seed {self.seed}")
        ok = False
        try:
            self.set_test_params()
            for i in range(self.num_nodes):
                self.nodes.append(self.make_node(i))
            for node in self.nodes:
                node.start()
            self.run_test()
            ok = True
        except KeyboardInterrupt:
            log("interrupted")
        except Exception:
            log("FAILED:\n" + traceback.format_exc())
        finally:
            signal.alarm(0)
            self._shutdown(ok)
        if ok:
            log(f"{name}: PASSED")
            sys.exit(0)
        log(f"{name}: FAILED (seed {self.seed}; data kept in {self.tmpdir})")
        sys.exit(1)

    def _on_signal(self, signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    def _on_timeout(self, signum, frame):
        raise TestFailure(f"the test exceeded its time limit of {self.time_limit} s")

    def _kill_nodes(self):
        for node in getattr(self, "nodes", []):
            try:
                node.kill()
            except Exception:
                pass

    def _shutdown(self, ok):
        if not ok:
            for node in self.nodes:
                print(f"===== node{node.index} log tail =====", flush=True)
                print(node.log_tail(), flush=True)
        # Stop cleanly where possible, kill otherwise: no node outlives the test.
        for node in self.nodes:
            if node.running():
                try:
                    node.stop(timeout=20)
                except Exception:
                    pass
            node.kill()
        if ok and not self.options.nocleanup:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
