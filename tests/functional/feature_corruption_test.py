#!/usr/bin/env python3
"""Damaged storage is never started on, never served, never deleted; --reindex recovers.

A node builds a chain with transfers and asset issues, then its LevelDB files are damaged
while it is stopped, one way per case:
  - ldb:     one byte flipped inside the tip block's record in a table (.ldb) file,
  - log:     one byte flipped in the middle of the write-ahead log (.log),
  - current: the CURRENT file deleted.
Each time the node must refuse to start (exit code != 0) with an error that names the
damaged file and says to use --reindex, and no file of the database may disappear. Then
`--reindex` must start; blocks it lost are submitted again (as peers would send them), and
the node must be back on the same tip with the same state (getblockchaininfo, accounts,
assets, asset histories) and a clean verifychain."""

import glob
import os

from framework import (TestFailure, WaybillTestFramework, assert_equal, assert_true, log)


class CorruptionTest(WaybillTestFramework):
    time_limit = 600

    def run_test(self):
        self.node = self.nodes[0]
        _, self.miner = self.dev_key(0)
        self.keys = [self.dev_key(i) for i in (1, 2)]
        self.assets = []
        self.blocks = {}  # height -> raw hex of every block the node ever had
        self.chain_dir = os.path.join(self.node.datadir, "regtest", "chain")

        self.grow(20)
        # A clean restart turns the log into a table: the chain is now in .ldb files.
        self.restart()
        assert_true(glob.glob(os.path.join(self.chain_dir, "*.ldb")), "no table file yet")

        self.case_ldb()
        self.grow(6)  # these stay in the write-ahead log across a clean stop
        self.case_log()
        self.grow(3)
        self.case_current()

    # -- building the chain

    def grow(self, blocks):
        rpc = self.node.rpc
        for i in range(blocks):
            sender_key, _ = self.keys[i % 2]
            _, recipient = self.keys[(i + 1) % 2]
            self.node.cli("tx", "transfer", "--key", sender_key, "--to", recipient,
                          "--amount", f"{100 + i}base")
            if i % 3 == 0:
                issue = self.node.cli_json("tx", "issue", "--key", sender_key, "--quantity",
                                           50 + i, "--unit", "kg", "--meta", f"lot=C-{i}",
                                           "--json")
                self.assets.extend(issue["assets"])
            rpc.generatetoaddress(1, self.miner)
        self.record_blocks()

    def record_blocks(self):
        rpc = self.node.rpc
        for h in range(1, rpc.getblockcount() + 1):
            block_hash = rpc.getblockhash(h)
            self.blocks[h] = (block_hash, rpc.getblock(block_hash, 0))

    def snapshot(self):
        rpc = self.node.rpc
        info = rpc.getblockchaininfo()
        accounts = {addr: rpc.getaccount(addr) for addr in
                    [self.miner] + [a for _, a in self.keys]}
        assets = {a: (rpc.getasset(a), rpc.getassethistory(a)) for a in self.assets}
        return {"tip": (info["bestblockhash"], info["blocks"], info.get("chainwork")),
                "accounts": accounts, "assets": assets}

    def restart(self, extra_args=None):
        assert_equal(self.node.stop(), 0, "clean stop")
        self.node.start(extra_args=extra_args)

    # -- the checks

    def refuses(self, what, must_name):
        """Starts the node on damaged files: it must exit != 0, name `must_name` and
        --reindex in its error, and delete nothing."""
        before = self.data_files()
        self.node.start(wait=False)
        code = self.node.wait_for_exit(timeout=60)
        assert_true(code != 0, f"{what}: the node started on a damaged database")
        with open(self.node.stderr_path, errors="replace") as f:
            err = f.read().rsplit("===== start #", 1)[-1]
        assert_true(must_name in err, f"{what}: the error does not name {must_name}: {err}")
        assert_true("--reindex" in err, f"{what}: the error does not say --reindex: {err}")
        after = set(os.listdir(self.chain_dir))
        lost = [f for f in before if f not in after]
        assert_equal(lost, [], f"{what}: data files deleted by a refused start")
        log(f"  {what}: refused: {err.strip().splitlines()[-1][:300]}")

    def reindex_and_compare(self, what, expected):
        self.node.start(extra_args=["--reindex"], timeout=180)
        rpc = self.node.rpc
        height = rpc.getblockcount()
        resent = 0
        for h in range(1, max(self.blocks) + 1):
            block_hash, raw = self.blocks[h]
            if h <= height and rpc.getblockhash(h) == block_hash:
                continue
            rpc.submitblock(raw)  # a peer would send it again
            resent += 1
        log(f"  {what}: --reindex came back at height {height}; {resent} blocks sent again")
        got = self.snapshot()
        assert_equal(got["tip"], expected["tip"], f"{what}: tip after --reindex")
        assert_equal(got["accounts"], expected["accounts"], f"{what}: accounts after --reindex")
        assert_equal(got["assets"], expected["assets"], f"{what}: assets after --reindex")
        verify = rpc.verifychain()
        assert_true(verify["ok"] and not verify["problems"], f"{what}: verifychain {verify}")
        # And it starts normally afterwards.
        self.restart()
        assert_equal(self.node.rpc.getbestblockhash(), expected["tip"][0], f"{what}: restart")

    def case_ldb(self):
        log("a flipped byte in the tip block's record in a table")
        expected = self.snapshot()
        tip_hash, tip_raw = self.blocks[max(self.blocks)]
        needle = bytes.fromhex(tip_raw)[-64:]  # the last signature: random, stored verbatim
        assert_equal(self.node.stop(), 0, "clean stop")
        hit = None
        for path in glob.glob(os.path.join(self.chain_dir, "*.ldb")):
            with open(path, "rb") as f:
                data = f.read()
            at = data.find(needle)
            if at >= 0:
                hit = (path, at)
        if hit is None:
            raise TestFailure("the tip block is not in any table file")
        self.flip(hit[0], hit[1] + 20)
        self.refuses("ldb", os.path.basename(hit[0]))
        self.reindex_and_compare("ldb", expected)

    def case_log(self):
        log("a flipped byte in the write-ahead log")
        expected = self.snapshot()
        assert_equal(self.node.stop(), 0, "clean stop")
        logs = [p for p in glob.glob(os.path.join(self.chain_dir, "*.log"))
                if os.path.getsize(p) > 4096]
        assert_equal(len(logs), 1, "one write-ahead log with the newest blocks")
        self.flip(logs[0], os.path.getsize(logs[0]) // 2)
        self.refuses("log", os.path.basename(logs[0]))
        self.reindex_and_compare("log", expected)

    def case_current(self):
        log("CURRENT deleted")
        expected = self.snapshot()
        assert_equal(self.node.stop(), 0, "clean stop")
        os.remove(os.path.join(self.chain_dir, "CURRENT"))
        self.refuses("current", "CURRENT")
        self.reindex_and_compare("current", expected)

    def data_files(self):
        """The files that hold records: tables, and logs that are not empty. (LevelDB may
        replace an empty log and the MANIFEST when it opens; that loses nothing.)"""
        out = []
        for name in sorted(os.listdir(self.chain_dir)):
            size = os.path.getsize(os.path.join(self.chain_dir, name))
            if name.endswith(".ldb") or (name.endswith(".log") and size > 0):
                out.append(name)
        return out

    @staticmethod
    def flip(path, offset):
        with open(path, "r+b") as f:
            f.seek(offset)
            b = f.read(1)
            f.seek(offset)
            f.write(bytes([b[0] ^ 0x5a]))
        log(f"  flipped the byte at {offset} of {path}")


if __name__ == "__main__":
    CorruptionTest().main()
