#!/usr/bin/env python3
"""A failed save of banlist.dat, peers.dat or mempool.dat stops the node with exit code 1.

Each file's path is made a directory, so the atomic write's final rename fails (EISDIR) as
surely as a full disk would fail it, without root:
  - banlist.dat: `setban` saves the bans at once; the node must exit 1 by itself with
    `fatal error: ... banlist.dat ...` and what to do in its stderr;
  - peers.dat and mempool.dat: saved at a clean stop; `stop` must end in exit code 1 with
    the error on stderr.
After each, with the directory removed, the node starts again normally."""

import os

from framework import WaybillTestFramework, assert_equal, assert_true, log


class AbortTest(WaybillTestFramework):
    time_limit = 240

    def run_test(self):
        node = self.nodes[0]
        net_dir = os.path.join(node.datadir, "regtest")

        log("banlist.dat cannot be written: setban stops the node")
        self.block(net_dir, "banlist.dat")
        node.stop()
        node.start()
        try:
            node.rpc.setban("127.0.0.99", "add")
        except Exception as e:  # the node may be gone before it answers
            log(f"  setban: {type(e).__name__}")
        code = node.wait_for_exit(timeout=60)
        assert_equal(code, 1, "exit code after a failed banlist.dat save")
        self.check_error(node, "banlist.dat")
        self.unblock(net_dir, "banlist.dat")
        node.start()

        for name in ("peers.dat", "mempool.dat"):
            log(f"{name} cannot be written: a clean stop exits 1")
            self.block(net_dir, name)
            assert_equal(node.stop(), 1, f"exit code after a failed {name} save")
            self.check_error(node, name)
            self.unblock(net_dir, name)
            node.start()
        assert_equal(node.stop(), 0, "a clean stop once the files can be written")

    @staticmethod
    def block(net_dir, name):
        path = os.path.join(net_dir, name)
        if os.path.exists(path):
            os.remove(path)
        os.makedirs(os.path.join(path, "keep"))  # not empty: rename(2) cannot replace it

    @staticmethod
    def unblock(net_dir, name):
        path = os.path.join(net_dir, name)
        os.rmdir(os.path.join(path, "keep"))
        os.rmdir(path)

    @staticmethod
    def check_error(node, name):
        with open(node.stderr_path, errors="replace") as f:
            err = f.read().rsplit("===== start #", 1)[-1]
        assert_true("fatal error" in err and name in err and "free disk space" in err,
                    f"no clear error naming {name} in stderr: {err[-1500:]}")


if __name__ == "__main__":
    AbortTest().main()
