#!/usr/bin/env python3
"""The mempool survives a clean restart (mempool.dat), and a damaged file is only reported.

  - txs from three senders (transfers, an asset issue, chains of nonces) are pending; after
    `stop` and a restart the mempool holds the same txids, and they are mined normally;
  - an old mempool.dat whose txs were mined since: they are dropped, with a count in the log;
  - mempool.dat with a flipped byte: the node starts with an empty mempool and says why in
    its log (never a crash);
  - --persistmempool=0: nothing is loaded."""

import os

from framework import (WaybillTestFramework, assert_equal, assert_true, log, wait_until)


class MempoolPersistTest(WaybillTestFramework):
    time_limit = 300

    def run_test(self):
        node = self.nodes[0]
        _, miner = self.dev_key(0)
        node.rpc.generatetoaddress(2, miner)
        senders = [self.dev_key(i) for i in (1, 2, 3)]
        _, payee = self.dev_key(4)
        for i in range(4):
            for key, _ in senders:
                node.cli("tx", "transfer", "--key", key, "--to", payee, "--amount", f"{10 + i}base")
        node.cli("tx", "issue", "--key", senders[0][0], "--quantity", 500, "--unit", "kg",
                 "--meta", "lot=M-1")
        before = sorted(node.rpc.getrawmempool())
        assert_equal(len(before), 13, "pending txs")

        log("clean restart: the same txids are pending")
        assert_equal(node.stop(), 0, "clean stop")
        path = os.path.join(node.datadir, "regtest", "mempool.dat")
        assert_true(os.path.exists(path), "mempool.dat written at stop")
        node.start()
        assert_equal(sorted(node.rpc.getrawmempool()), before, "mempool after the restart")
        assert_true(self.log_has(node, "13 of 13 txs re-admitted"), "load counted in the log")

        log("the pending txs are mined normally")
        node.rpc.generatetoaddress(1, miner)
        assert_equal(node.rpc.getrawmempool(), [], "all mined")
        assert_equal(node.stop(), 0, "clean stop")
        node.start()
        assert_equal(node.rpc.getrawmempool(), [], "an empty pool saved and loaded")

        log("a stale file: txs already mined are dropped with a count")
        for key, _ in senders:
            node.cli("tx", "transfer", "--key", key, "--to", payee, "--amount", "7base")
        assert_equal(node.stop(), 0, "clean stop")
        with open(path, "rb") as f:
            stale = f.read()
        node.start()
        node.rpc.generatetoaddress(1, miner)  # mines the three
        assert_equal(node.stop(), 0, "clean stop")
        with open(path, "wb") as f:
            f.write(stale)
        node.start()
        assert_equal(node.rpc.getrawmempool(), [], "mined txs are not re-admitted")
        assert_true(self.log_has(node, "0 of 3 txs re-admitted, 3 no longer valid"),
                    "dropped txs counted in the log")

        log("a damaged mempool.dat is reported and ignored")
        for key, _ in senders:
            node.cli("tx", "transfer", "--key", key, "--to", payee, "--amount", "8base")
        assert_equal(node.stop(), 0, "clean stop")
        with open(path, "r+b") as f:
            f.seek(os.path.getsize(path) // 2)
            b = f.read(1)
            f.seek(os.path.getsize(path) // 2)
            f.write(bytes([b[0] ^ 1]))
        node.start()
        assert_equal(node.rpc.getrawmempool(), [], "nothing loaded from a damaged file")
        assert_true(self.log_has(node, "ignoring " + path), "the damage is reported")

        log("--persistmempool=0 loads nothing")
        node.cli("tx", "transfer", "--key", senders[0][0], "--to", payee, "--amount", "9base")
        assert_equal(node.stop(), 0, "clean stop")
        node.start(extra_args=["--persistmempool=0"])
        assert_equal(node.rpc.getrawmempool(), [], "--persistmempool=0")
        assert_equal(node.stop(), 0, "clean stop")

    @staticmethod
    def log_has(node, text):
        with open(os.path.join(node.netdir, "debug.log"), errors="replace") as f:
            return text in f.read().rsplit("starting:", 1)[-1]


if __name__ == "__main__":
    MempoolPersistTest().main()
