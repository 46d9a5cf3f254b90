#!/usr/bin/env python3
"""`waybill testnet up/status/stop/start/down`: the CLI starts four regtest nodes itself (not
the framework's Node class), they find each other through the seeds, one mines, a tx sent to a
non-miner is mined everywhere; `stop I` and `start I` stop and start one node on its data; a
node restarted by hand (another RPC port) is reported alive with its new pid, and `down` stops
it too; the network stops, restarts on its data and is removed.

The nodes run detached (their own session), so the framework cannot kill them: every path out
of this test runs `testnet down` and then SIGKILLs whatever testnet.json still lists.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from framework import (  # noqa: E402
    JSONRPCError,
    RpcClient,
    TestFailure,
    WaybillTestFramework,
    assert_equal,
    assert_greater_equal,
    assert_true,
    free_port,
    log,
    wait_until,
)

N = 4
AMOUNT = 123_456_789


def process_gone(pid):
    """True once pid has exited (a zombie nobody reaped has exited too)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True
    except OSError:
        pass
    try:
        os.kill(pid, 0)
        return False
    except ProcessLookupError:
        return True
    except PermissionError:
        return False


def port_free(ip, port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((ip, port))
            return True
        except OSError:
            return False


def ephemeral_low():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


class TestnetCliTest(WaybillTestFramework):
    num_nodes = 0  # the CLI starts the nodes
    time_limit = 600

    # -- helpers

    def testnet(self, *args, expect_fail=False, timeout=180):
        return self.run_cli(["testnet", *[str(a) for a in args], "--dir", self.tn_dir],
                            expect_fail=expect_fail, timeout=timeout)

    def state(self):
        with open(os.path.join(self.tn_dir, "testnet.json")) as f:
            return json.load(f)

    def rpc(self, node, timeout=30):
        # <datadir>/<network>/.cookie (node/params/network.h).
        with open(os.path.join(node["datadir"], "regtest", ".cookie")) as f:
            user, _, password = f.read().strip().partition(":")
        return RpcClient(node["ip"], node["rpcport"], (user, password), timeout=timeout)

    def status_json(self):
        return json.loads(self.testnet("status", "--json"))

    def pick_base_port(self):
        """A base below the ephemeral range (where free_port() of concurrent tests draws),
        with all 2N ports free on each node's address."""
        high = min(ephemeral_low(), 65536) - 2 * N
        for _ in range(200):
            base = self.rng.randrange(20000, high)
            if all(port_free(f"127.0.0.{i + 1}", base + 2 * i + k)
                   for i in range(N) for k in (0, 1)):
                return base
        raise TestFailure("no free port range found")

    def up(self, *extra):
        """`testnet up` with a fresh free port range on each attempt (another test may take
        a port between the check and the bind)."""
        for attempt in range(5):
            base = self.base_port if self.base_port is not None else self.pick_base_port()
            args = ["testnet", "up", N, "--miners", 1, "--network", "regtest", "--base-port",
                    base, "--waybilld", self.waybilld, "--dir", self.tn_dir, *extra]
            proc = self._run(args)
            if proc.returncode == 0:
                self.base_port = base
                return proc.stdout
            if ("not free" in proc.stderr or "already in use" in proc.stderr) and attempt < 4 \
                    and self.base_port is None:
                log(f"ports at {base} taken meanwhile, trying another range")
                continue
            raise TestFailure(f"testnet up failed ({proc.returncode}): {proc.stderr}")
        raise TestFailure("testnet up: no free port range")

    def _run(self, args):
        return subprocess.run([self.waybill] + [str(a) for a in args], capture_output=True,
                              text=True, timeout=180, cwd=self.tmpdir)

    def peer_ips(self, node):
        return {p["addr"].rsplit(":", 1)[0] for p in self.rpc(node).getpeerinfo()
                if p["handshake"]}

    def bans(self, nodes):
        out = {}
        for n in nodes:
            try:
                banned = self.rpc(n).listbanned()
            except (OSError, JSONRPCError):
                continue
            if banned:
                out[n["index"]] = banned
        return out

    def kill_leftovers(self):
        if self.by_hand is not None and self.by_hand.poll() is None:
            log(f"SIGKILL the node started by hand, pid {self.by_hand.pid}")
            self.by_hand.kill()
            self.by_hand.wait(timeout=30)
        path = os.path.join(self.tn_dir, "testnet.json")
        if not os.path.exists(path):
            return
        try:
            self._run(["testnet", "down", "--dir", self.tn_dir, "--wait", "10"])
        except Exception as e:
            log(f"testnet down during cleanup: {e}")
        if os.path.exists(path):
            with open(path) as f:
                state = json.load(f)
            pids = [n["pid"] for n in state["nodes"]] + [state.get("pacer_pid", 0)]
            for pid in pids:
                if pid and not process_gone(pid):
                    log(f"SIGKILL leftover pid {pid}")
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass

    def print_logs(self):
        for i in range(N):
            path = os.path.join(self.tn_dir, f"node{i}", "regtest", "debug.log")
            if not os.path.exists(path):
                continue
            with open(path, errors="replace") as f:
                lines = [line for line in f if "new tip" not in line]
            print(f"===== node{i} debug.log (last 25 lines without 'new tip')", flush=True)
            print("".join(lines[-25:]), flush=True)

    # -- the test

    def run_test(self):
        self.tn_dir = os.path.join(self.tmpdir, "tn")
        self.base_port = None
        self.by_hand = None
        try:
            self.check_testnet()
        except BaseException:
            self.print_logs()
            raise
        finally:
            self.kill_leftovers()

    def check_testnet(self):
        log("testnet up 4 --miners 1 --network regtest")
        out = self.up()
        lines = [line for line in out.splitlines() if line.startswith("node ")]
        assert_equal(len(lines), N, "one line per node")
        assert_true(" miner wbr1" in lines[0] and " miner " not in lines[1], f"miner line: {out}")
        state = self.state()
        nodes = state["nodes"]
        assert_equal([n["index"] for n in nodes], list(range(N)))
        assert_equal([n["ip"] for n in nodes], [f"127.0.0.{i + 1}" for i in range(N)])
        assert_equal([n["rpcport"] for n in nodes], [self.base_port + 2 * i for i in range(N)])
        assert_equal([n["p2pport"] for n in nodes],
                     [self.base_port + 2 * i + 1 for i in range(N)])
        assert_equal([n["seed"] for n in nodes], [True, True, False, False])
        assert_equal([n["miner"] for n in nodes], [True, False, False, False])
        for n in nodes:
            assert_true(f"rpc http://{n['ip']}:{n['rpcport']}" in out, "RPC endpoint printed")
            assert_true(os.path.exists(os.path.join(n["datadir"], "stdout.log")), "stdout.log")
        miner_address = nodes[0]["miner_address"]
        assert_true(os.path.exists(os.path.join(nodes[0]["datadir"], "miner.json")),
                    "the miner's key file")

        log("a second up is refused; a taken port is named")
        err = self.run_cli(["testnet", "up", N, "--network", "regtest", "--dir", self.tn_dir],
                           expect_fail=True)
        assert_true("already up" in err and "testnet down" in err, err)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as blocker:
            blocker.bind(("127.0.0.1", 0))
            blocker.listen(1)
            taken = blocker.getsockname()[1]
            other = os.path.join(self.tmpdir, "other")
            err = self.run_cli(["testnet", "up", 1, "--network", "regtest", "--base-port", taken,
                                "--dir", other], expect_fail=True)
            assert_true(f"port {taken} (RPC of node 0)" in err and "not free" in err, err)
            assert_true(not os.path.exists(os.path.join(other, "testnet.json")),
                        "nothing recorded for a refused up")
        for bad, why in (("9:--loglevel=debug", "there is no node 9"), ("3", "takes I:ARG"),
                         ("3:", "takes I:ARG")):
            err = self.run_cli(["testnet", "up", N, "--network", "regtest", "--dir",
                                os.path.join(self.tmpdir, "other"), "--node-arg-of", bad],
                               expect_fail=True)
            assert_true(why in err, f"--node-arg-of {bad}: {err}")

        log("the overlay forms through the seeds: every node reaches the three others")
        ips = [n["ip"] for n in nodes]

        def meshed():
            # A ban lasts a day (and is saved): the mesh cannot form any more, fail now.
            bans = self.bans(nodes)
            if bans:
                raise TestFailure(f"nodes banned each other: {bans}")
            seen = [self.peer_ips(n) for n in nodes]
            return all(set(ips) - {ips[i]} <= seen[i] for i in range(N))

        try:
            wait_until(meshed, timeout=60, interval=0.5, what="a full mesh of 4 nodes")
        except TestFailure as e:
            raise TestFailure(f"{e}; peers: {[sorted(self.peer_ips(n)) for n in nodes]}")
        # Nodes 2 and 3 were given only the seeds: they met through address gossip.
        assert_true(ips[3] in self.peer_ips(nodes[2]), "node 2 and node 3 found each other")
        assert_equal(self.bans(nodes), {}, "no node banned another")
        for n in nodes:
            assert_greater_equal(self.rpc(n).getconnectioncount(), N - 1, "connections")

        log("the miner's blocks reach every node; status reports agreement")

        def agree():
            s = self.status_json()
            return s["tips_agree"] and min(n["height"] for n in s["nodes"]) >= 3 and s

        s = wait_until(agree, timeout=60, interval=0.2, what="all tips equal at height >= 3")
        assert_equal(s["alive"], N)
        assert_true(s["pacer_alive"], "the pacer runs on regtest")
        assert_equal(s["block_interval"], 1)
        wait_until(lambda: "tips agree: height" in self.testnet("status"), timeout=30,
                   interval=0.2, what="status text saying the tips agree")
        text = self.testnet("status")
        assert_equal(len([line for line in text.splitlines() if line[:1].isdigit()]), N)

        log("a tx sent to a non-miner is mined and reaches every node")
        dev_key, _ = self.dev_key(0)
        _, recipient = self.new_key("recipient")
        n2 = nodes[2]
        txid = self.run_cli(["tx", "transfer", "--key", dev_key, "--to", recipient, "--amount",
                             f"{AMOUNT}base", "--network", "regtest", "--rpcconnect", n2["ip"],
                             "--rpcport", n2["rpcport"], "--datadir", n2["datadir"]]
                            ).splitlines()[0]

        def confirmed_everywhere():
            for n in nodes:
                try:
                    tx = self.rpc(n).getrawtransaction(txid, 1)
                except JSONRPCError:
                    return False
                if "blockhash" not in tx:
                    return False
                if self.rpc(n).getaccount(recipient)["balance"] != AMOUNT:
                    return False
            return True

        wait_until(confirmed_everywhere, timeout=60, interval=0.5, what="the tx in a block")
        block = self.rpc(nodes[1]).getblock(self.rpc(nodes[1]).getrawtransaction(txid, 1)
                                            ["blockhash"], 1)
        log(f"tx {txid[:16]} mined at height {block.get('height')}")

        self.check_stop_start(nodes)
        by_hand_rpcport = self.restart_by_hand(nodes[3])

        log("down stops every node, the one restarted by hand too")
        heights = [self.rpc(n).getblockcount() for n in nodes[:3]]
        heights.append(self.rpc(dict(nodes[3], rpcport=by_hand_rpcport)).getblockcount())
        pids = [n["pid"] for n in self.state()["nodes"]] + [self.state()["pacer_pid"],
                                                            self.by_hand.pid]
        out = self.testnet("down")
        assert_equal(len([line for line in out.splitlines() if "stopped by stop RPC" in line]),
                     N - 1, f"down output: {out}")
        assert_true(f"node 3 (pid {self.by_hand.pid}): stopped by SIGTERM (the stop RPC failed"
                    in out, f"down output: {out}")
        self.by_hand.wait(timeout=30)
        for pid in pids:
            assert_true(process_gone(pid), f"pid {pid} still runs after down")
        assert_true(not os.path.exists(os.path.join(self.tn_dir, "testnet.json")),
                    "testnet.json removed")
        assert_true(all(os.path.isdir(n["datadir"]) for n in nodes), "data dirs kept")
        err = self.testnet("status", expect_fail=True)
        assert_true("no testnet" in err, err)

        log("up again: same data dirs, heights kept; node 2 with an option of its own")
        self.up("--node-arg-of", "2:--loglevel=debug")
        nodes = self.state()["nodes"]
        assert_equal([n["args"][-1] == "--loglevel=debug" for n in nodes],
                     [False, False, True, False], "--node-arg-of: node 2's arguments only")
        assert_equal(nodes[0]["miner_address"], miner_address, "the miner keeps its key")
        after = [self.rpc(n).getblockcount() for n in nodes]
        for i in range(N):
            assert_greater_equal(after[i], heights[i], f"node {i} height after restart")
        top = max(heights)
        s = wait_until(lambda: (lambda s: s["tips_agree"] and
                                min(n["height"] for n in s["nodes"]) > top and s)(
                                    self.status_json()),
                       timeout=60, interval=0.2, what="agreement above the old height")
        for n in nodes:
            assert_equal(self.rpc(n).getaccount(recipient)["balance"], AMOUNT)

        log("down --clean removes everything")
        pids = [n["pid"] for n in nodes] + [self.state()["pacer_pid"]]
        self.testnet("down", "--clean")
        for pid in pids:
            assert_true(process_gone(pid), f"pid {pid} still runs after down --clean")
        assert_true(not os.path.exists(self.tn_dir), "the testnet dir is gone")


    def check_stop_start(self, nodes):
        log("stop 1: node 1 stops, keeps its data; the others run on")
        pid1 = nodes[1]["pid"]
        out = self.testnet("stop", 1)
        assert_true(f"node 1 (pid {pid1}): stopped by stop RPC" in out, out)
        assert_true(process_gone(pid1), "node 1's process is gone")
        s = self.status_json()
        assert_equal([n["alive"] for n in s["nodes"]], [True, False, True, True])
        assert_true("was not running" in self.testnet("stop", 1), "a second stop is a no-op")
        err = self.testnet("stop", 7, expect_fail=True)
        assert_true("no node 7" in err, err)

        log("start 1: node 1 runs again on its data and catches up")
        out = self.testnet("start", 1)
        assert_true("node 1  pid " in out and "started" in out, out)
        new_pid = self.state()["nodes"][1]["pid"]
        assert_true(new_pid != pid1 and not process_gone(new_pid), "a new pid is recorded")
        err = self.testnet("start", 1, expect_fail=True)
        assert_true("already runs" in err, err)
        wait_until(lambda: (lambda s: s["tips_agree"] and s["alive"] == N)(self.status_json()),
                   timeout=60, interval=0.2, what="node 1 back in agreement")
        for sub in ("stop", "start"):
            assert_true(f"testnet {sub} I" in self.run_cli(["testnet", sub, "--help"]),
                        f"testnet {sub} --help")

    def restart_by_hand(self, node):
        """Stops node 3 with its own stop RPC and starts its waybilld by hand on another RPC
        port: status must find it (alive, its new pid) though testnet.json knows neither."""
        log("node 3 restarted by hand, on another RPC port")
        old_pid = node["pid"]
        self.rpc(node).stop()
        wait_until(lambda: process_gone(old_pid), timeout=60, interval=0.1,
                   what="node 3 stopped by RPC")
        rpcport = free_port(node["ip"])
        args = [a for a in node["args"] if not a.startswith("--rpcport=")]
        with open(os.path.join(self.tmpdir, "by_hand.log"), "ab") as logf:
            self.by_hand = subprocess.Popen([self.waybilld, *args, f"--rpcport={rpcport}"],
                                            stdout=logf, stderr=logf, stdin=subprocess.DEVNULL,
                                            start_new_session=True)
        moved = dict(node, rpcport=rpcport)
        wait_until(lambda: self.rpc_answers(moved), timeout=60, interval=0.2,
                   what="the node started by hand answering")
        s = self.status_json()
        assert_equal(s["nodes"][3]["alive"], True, "a node restarted by hand is alive")
        assert_equal(s["nodes"][3]["pid"], self.by_hand.pid, "status shows its real pid")
        assert_equal(s["alive"], N)
        return rpcport

    def rpc_answers(self, node):
        try:
            self.rpc(node).getblockcount()
            return True
        except (OSError, JSONRPCError):
            return False


if __name__ == "__main__":
    TestnetCliTest().main()
