#!/usr/bin/env python3
"""A full disk stops the node cleanly and loses nothing it reported.

The node's data dir is a small tmpfs (mount -t tmpfs -o size=24m). After a few blocks a
filler file takes all but a little of the free space, and the test sends txs and mines one
block at a time, recording every tip the node reports (getblockcount/getbestblockhash),
until a write fails. Then:
  - the node exits by itself with a non-zero code, and its stderr holds the error with what
    to do ("free disk space");
  - with the filler removed it restarts (no --reindex) and every block it ever reported is
    still at its height; verifychain is clean; it mines on.
Needs root (for mount); otherwise, or if the mount fails, it prints "SKIPPED: <reason>" and
exits 77 (ctest: skipped). The tmpfs is unmounted at the end whatever happens (debug.log is first copied next
to the node's stderr)."""

import atexit
import os
import shutil
import subprocess
import tempfile
import time

from framework import (JSONRPCError, HTTPError, TestFailure, WaybillTestFramework,
                       assert_equal, assert_greater_equal, assert_true, log, skip_if)

SIZE = "24m"
MARGIN = 192 * 1024  # bytes left free by the filler


def try_mount(path):
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SIZE},mode=0700", "tmpfs",
                           path], capture_output=True, text=True, timeout=30)
    return proc.returncode == 0, proc.stderr.strip()


def umount(path):
    subprocess.run(["umount", "-l", path], capture_output=True, timeout=30)


def skip_reason():
    if os.geteuid() != 0:
        return "needs root to mount a tmpfs"
    if shutil.which("mount") is None or shutil.which("umount") is None:
        return "no mount/umount"
    probe = tempfile.mkdtemp(prefix="waybill-tmpfs-probe-")
    try:
        ok, why = try_mount(probe)
        if not ok:
            return f"cannot mount a tmpfs: {why}"
        umount(probe)
    finally:
        os.rmdir(probe)
    return None


class DiskFullTest(WaybillTestFramework):
    time_limit = 400

    def main(self):
        skip_if(skip_reason())
        self.mountpoint = None
        atexit.register(self.unmount)
        super().main()

    def make_node(self, index):
        path = os.path.join(self.tmpdir, f"node{index}")
        os.makedirs(path, exist_ok=True)
        ok, why = try_mount(path)
        if not ok:
            raise TestFailure(f"mount tmpfs on {path}: {why}")
        self.mountpoint = path
        return super().make_node(index)

    def unmount(self):
        if self.mountpoint:
            debug_log = os.path.join(self.mountpoint, "regtest", "debug.log")
            if os.path.exists(debug_log):
                shutil.copy(debug_log, os.path.join(self.tmpdir, "node0.debug.log"))
            umount(self.mountpoint)
            self.mountpoint = None

    def _shutdown(self, ok):
        try:
            self._kill_nodes()
        finally:
            self.unmount()
        super()._shutdown(ok)

    def run_test(self):
        node = self.nodes[0]
        rpc = node.rpc
        sender_key, _ = self.dev_key(1)
        _, recipient = self.dev_key(2)
        _, miner = self.dev_key(0)
        recorded = {}

        def record():
            tip = node.rpc.getbestblockhash()
            height = node.rpc.getblockcount()
            recorded[height] = tip

        rpc.generatetoaddress(5, miner)
        record()
        st = os.statvfs(node.datadir)
        free = st.f_bavail * st.f_frsize
        filler = os.path.join(node.datadir, "filler")
        with open(filler, "wb") as f:
            f.write(b"\0" * max(0, free - MARGIN))
        st = os.statvfs(node.datadir)
        log(f"filler of {(free - MARGIN) >> 10} KiB written; "
            f"{(st.f_bavail * st.f_frsize) >> 10} KiB left")

        failures = 0
        deadline = time.monotonic() + 180
        rounds = 0
        while node.running() and time.monotonic() < deadline and rounds < 2000:
            rounds += 1
            try:
                node.cli("tx", "transfer", "--key", sender_key, "--to", recipient,
                         "--amount", f"{1 + rounds}base")
            except TestFailure:
                failures += 1
            try:
                node.rpc.generatetoaddress(1, miner)
                record()
            except (JSONRPCError, HTTPError, OSError) as e:
                failures += 1
                log(f"  round {rounds}: {type(e).__name__}: {str(e)[:200]}")
            if failures > 50:
                break
        assert_true(rounds > 1, "the disk was full before the test began")
        log(f"{rounds} rounds, {failures} failed calls; last reported height {max(recorded)}")
        code = node.wait_for_exit(timeout=60)
        assert_true(code != 0, f"exit code after the failed write: {code}")
        with open(node.stderr_path, errors="replace") as f:
            err = f.read().rsplit("===== start #", 1)[-1]
        assert_true("fatal error" in err and "free disk space" in err,
                    f"no clear error in stderr: {err[-2000:]}")
        assert_true("space" in err.lower(), f"the error does not say the disk is full: {err}")
        line = next(l for l in err.splitlines() if "fatal error" in l)
        log(f"the node stopped (exit {code}): {line[:400]}")

        os.remove(filler)
        node.start(timeout=120)
        height = node.rpc.getblockcount()
        assert_greater_equal(height, max(recorded), "height after the restart")
        heights = sorted(recorded)
        found = node.rpc.batch([("getblockhash", [h]) for h in heights])
        lost = [(h, recorded[h], result or error)
                for h, (result, error) in zip(heights, found) if result != recorded[h]]
        assert_equal(lost, [], "blocks reported before the disk filled and gone after")
        verify = node.rpc.verifychain()
        assert_true(verify["ok"] and not verify["problems"], f"verifychain: {verify}")
        node.rpc.generatetoaddress(2, miner)
        assert_equal(node.rpc.getblockcount(), height + 2, "mines on after the restart")
        log(f"restarted at height {height}: all {len(recorded)} reported blocks intact")
        assert_equal(node.stop(), 0, "clean stop")


if __name__ == "__main__":
    DiskFullTest().main()
