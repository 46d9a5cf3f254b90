#!/usr/bin/env python3
"""Every command README.md shows, run as a new user would, against the node of its own quick
start, with HOME pointed at a temporary folder (so the default data folder ~/.waybill is used,
and nothing is written to the real home).

README.md marks each ```sh block with a comment line before it:
    <!-- readme_commands_test: run ... -->   every command of the block is run here
    <!-- readme_commands_test: skip (why) --> not run here (the test command: the whole suite)
A block without a mark fails the test, so a command cannot be added to the README untested.

The quick start's run command (scripts/devnet.sh) runs in a bounded form: with
WAYBILL_SKIP_SETUP=1 (no package install: no network) and WAYBILL_BUILD_DIR=--bindir, so its
build step builds (normally: finds up to date) only waybilld and waybill; the test checks from
its output that no test target was built, waits for the node it starts, and stops it.
The commands of "Using it" run with `build/` read as --bindir, in a scratch folder; each must
exit 0 and print what the README says. Then the CLI's defaults: a mistyped --network is named
with the known networks, --rpcwait waits for a node that has not written its cookie yet,
`key dev 10` warns that the key is not funded.

The node uses devnet's default ports, 19740 (RPC) and 19840 (P2P), on 127.0.0.1: the test
fails early, naming them, if something else holds them.
"""

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from framework import (  # noqa: E402
    TestFailure,
    WaybillTestFramework,
    assert_equal,
    assert_true,
    log,
    wait_until,
)

MARK = re.compile(r"<!--\s*readme_commands_test:\s*(run|skip)\b[^>]*-->")
DEVNET_RPC_PORT = 19740  # node/params/network.h
DEVNET_P2P_PORT = 19840
BUILD_TIMEOUT = 600  # devnet.sh's build step, normally a no-op on the built tree


def readme_blocks(text):
    """[(mark, [command lines])] for every ```sh block; mark is None for an unmarked block."""
    blocks = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```sh":
            mark = None
            j = i - 1
            while j >= 0 and not lines[j].strip():
                j -= 1
            m = MARK.search(lines[j]) if j >= 0 else None
            if m:
                mark = m.group(1)
            body = []
            i += 1
            while i < len(lines) and lines[i].strip() != "```":
                body.append(lines[i])
                i += 1
            commands = [shlex.split(line, comments=True) for line in body]
            blocks.append((mark, [c for c in commands if c]))
        i += 1
    return blocks


def port_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


class ReadmeCommandsTest(WaybillTestFramework):
    num_nodes = 0  # the README's own command starts the node
    time_limit = 900

    def run_test(self):
        self.home = os.path.join(self.tmpdir, "home")
        self.work = os.path.join(self.tmpdir, "work")
        os.makedirs(self.home)
        os.makedirs(self.work)
        self.env = dict(os.environ, HOME=self.home, WAYBILL_SKIP_SETUP="1",
                        WAYBILL_BUILD_DIR=self.options.bindir)
        self.node = None
        with open(os.path.join(self.options.srcdir, "README.md")) as f:
            blocks = readme_blocks(f.read())
        unmarked = [cmds for mark, cmds in blocks if mark is None]
        assert_equal(unmarked, [], "README ```sh blocks without a readme_commands_test mark")
        run = [cmds for mark, cmds in blocks if mark == "run"]
        assert_true(len(run) >= 2, f"the quick start and 'Using it' blocks are marked run: {run}")
        quick_start, using_it = run[0], [c for block in run[1:] for c in block]
        assert_equal(quick_start, [["scripts/devnet.sh"]], "the quick start's run command")
        for port in (DEVNET_RPC_PORT, DEVNET_P2P_PORT):
            if not port_free(port):
                raise TestFailure(f"127.0.0.1:{port} (a devnet default port) is in use: the "
                                  "README's node cannot start here; stop what uses it")
        try:
            self.check_rpcwait_and_quick_start(quick_start[0])
            for argv in using_it:
                self.run_readme_command(argv)
            self.check_cli_defaults()
            self.stop_node()
        finally:
            if self.node is not None and self.node.poll() is None:
                os.killpg(self.node.pid, signal.SIGKILL)
                self.node.wait(timeout=30)

    # -- helpers

    def cli(self, *args, timeout=120):
        return subprocess.run([self.waybill, *[str(a) for a in args]], capture_output=True,
                              text=True, timeout=timeout, cwd=self.work, env=self.env)

    def resolve(self, argv):
        """`build/...` is --bindir, `scripts/...` the source tree's."""
        head = argv[0]
        if head.startswith("build/"):
            head = os.path.join(self.options.bindir, head[len("build/"):])
        elif head.startswith("scripts/"):
            head = os.path.join(self.options.srcdir, head)
        return [head] + argv[1:]

    def node_log(self):
        with open(self.node_log_path, errors="replace") as f:
            return f.read()

    # -- the steps

    def check_rpcwait_and_quick_start(self, argv):
        cookie = os.path.join(self.home, ".waybill", "devnet", ".cookie")
        log("waybill rpc --rpcwait before any node runs: it waits for the cookie")
        waiter = subprocess.Popen([self.waybill, "rpc", "--rpcwait", "--rpcclienttimeout",
                                   str(BUILD_TIMEOUT + 120), "getblockcount"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  cwd=self.work, env=self.env)
        try:
            time.sleep(1)
            if waiter.poll() is not None:
                raise TestFailure("--rpcwait gave up before the node started: "
                                  f"{waiter.communicate()}")

            log(f"quick start: {' '.join(argv)} (HOME={self.home})")
            self.node_log_path = os.path.join(self.tmpdir, "devnet.sh.log")
            with open(self.node_log_path, "wb") as out:
                self.node = subprocess.Popen(self.resolve(argv), stdout=out, stderr=out,
                                             stdin=subprocess.DEVNULL, cwd=self.work,
                                             env=self.env, start_new_session=True)
            wait_until(lambda: os.path.exists(cookie) or self.node.poll() is not None,
                       timeout=BUILD_TIMEOUT, interval=0.5, what="the node's cookie")
            assert_true(self.node.poll() is None,
                        f"devnet.sh exited with {self.node.returncode}: {self.node_log()[-3000:]}")
            out, err = waiter.communicate(timeout=120)
        finally:
            if waiter.poll() is None:
                waiter.kill()
                waiter.wait()
        assert_equal(waiter.returncode, 0, f"rpc --rpcwait getblockcount: {err}")
        assert_true(out.strip().isdigit(), f"getblockcount printed {out!r}")
        text = self.node_log()
        built = re.findall(r"Built target (\S+)", text)
        assert_true("waybilld" in built and "waybill" in built, f"devnet.sh built: {built}")
        # The two programs and the libraries they link (waybill_*), nothing else.
        others = [t for t in built if t not in ("waybilld", "waybill") and
                  not t.startswith("waybill_")]
        assert_equal(others, [], "targets beyond the programs built by the run command")
        # The default data folder, in the temporary HOME.
        for name in (".lock", "waybilld.pid", "debug.log", "chain"):
            assert_true(os.path.exists(os.path.join(self.home, ".waybill", "devnet", name)),
                        f"~/.waybill/devnet/{name}")

    def run_readme_command(self, argv):
        log(f"README: {' '.join(argv)}")
        proc = subprocess.run(self.resolve(argv), capture_output=True, text=True, timeout=120,
                              cwd=self.work, env=self.env)
        if proc.returncode != 0:
            raise TestFailure(f"README command {' '.join(argv)} failed with code "
                              f"{proc.returncode}: {proc.stderr.strip()}")
        out = proc.stdout.strip()
        words = argv[1:]
        if words[:1] == ["rpc"] and "getblockchaininfo" in words:
            info = json.loads(out)
            assert_equal(info["chain"], "devnet", "getblockchaininfo chain")
        elif words[:2] == ["key", "dev"]:
            assert_true(out.startswith("wbd1"), f"key dev printed {out!r}")
            assert_equal(proc.stderr.strip(), "", "a funded dev key gets no warning")
            assert_true(os.path.exists(os.path.join(self.work, words[words.index("--out") + 1])),
                        "the key file")
        elif words[:2] == ["tx", "issue"]:
            txid = out.splitlines()[0]
            assert_true(re.fullmatch(r"[0-9a-f]{64}", txid) is not None, f"tx issue: {out!r}")
            tx = json.loads(self.cli("rpc", "getrawtransaction", txid, "1").stdout)
            assert_equal(tx.get("txid"), txid, "the node knows the issued tx")
        else:
            raise TestFailure(f"no output check for the README command {' '.join(argv)}: add "
                              "one to readme_commands_test.py")

    def check_cli_defaults(self):
        log("a mistyped --network is named, with the known networks")
        proc = self.cli("rpc", "--network", "devnett", "getblockchaininfo")
        assert_true(proc.returncode == 1 and "unknown network 'devnett' (known: devnet, regtest, "
                    "testnet; another network is given by its genesis file: --genesis FILE)"
                    in proc.stderr, f"typo: {proc.returncode} {proc.stderr!r}")
        log("key dev 10: written, with a warning that devnet does not fund it")
        proc = self.cli("key", "dev", "10", "--out", "dev10.key")
        assert_equal(proc.returncode, 0, f"key dev 10: {proc.stderr}")
        assert_true("warning: dev key 10 is not funded on devnet" in proc.stderr and
                    "funded dev keys: 0..9" in proc.stderr, f"key dev 10 stderr: {proc.stderr!r}")
        address = proc.stdout.strip()
        balance = json.loads(self.cli("rpc", "getaccount", address).stdout)["balance"]
        assert_equal(balance, 0, "dev key 10's balance")

    def stop_node(self):
        log("waybill rpc stop: the node exits and removes its cookie and pid file")
        proc = self.cli("rpc", "stop")
        assert_equal(proc.returncode, 0, f"rpc stop: {proc.stderr}")
        assert_equal(self.node.wait(timeout=120), 0, "waybilld's exit code")
        netdir = os.path.join(self.home, ".waybill", "devnet")
        assert_true(not os.path.exists(os.path.join(netdir, ".cookie")), "cookie removed")
        assert_true(not os.path.exists(os.path.join(netdir, "waybilld.pid")), "pid file removed")


if __name__ == "__main__":
    ReadmeCommandsTest().main()
