#!/usr/bin/env python3
"""verifychain does not lock the node out while it replays the chain (Chainstate::VerifyChain
reads a store snapshot and holds the chain lock only to take it).

The node mines a few hundred blocks with txs. Then, several times: one thread calls
verifychain; once it is sent, the main thread calls getblockcount on another connection, and
then getchaintips and getbestblockhash. Every one of them must complete before verifychain
does (an order, recorded as the answers arrive, not a time bound): before the fix verifychain
held the chain lock for the whole replay, so each of them waited for it and finished after.
The report must still be clean, also with a block mined while it runs (it checks the chain
as it was when it took its snapshot)."""

import itertools
import threading

from framework import WaybillTestFramework, assert_equal, assert_true, log

BLOCKS = 400
TXS = 200
TRIALS = 5


class RpcVerifyChainLockTest(WaybillTestFramework):
    num_nodes = 1
    time_limit = 400

    def run_test(self):
        node = self.nodes[0]
        _, miner = self.new_key("miner")
        key1, _ = self.dev_key(1)
        _, payee = self.dev_key(2)
        log(f"mine {BLOCKS} blocks with {TXS} txs")
        for i in range(TXS):
            node.cli_json("tx", "transfer", "--key", key1, "--to", payee, "--amount", 1000 + i,
                          "--json")
            if i % 10 == 9:
                node.rpc.generatetoaddress(BLOCKS * 10 // TXS, miner)
        height = node.rpc.getblockcount()
        assert_equal(height, BLOCKS, "height")

        for trial in range(TRIALS):
            order = self.race(node, lambda rpc: [rpc.getblockcount(), rpc.getchaintips(),
                                                 rpc.getbestblockhash()])
            log(f"  trial {trial}: completion order {order}")
            assert_equal(order[-1], "verifychain",
                         f"trial {trial}: the other calls complete before verifychain")

        log("a block mined during verifychain: the report covers the chain it started on")
        order = self.race(node, lambda rpc: rpc.generatetoaddress(1, miner))
        assert_equal(order[-1], "verifychain", "generatetoaddress completes first")
        assert_true(self.report["ok"] and not self.report["problems"], f"{self.report}")
        # The block may have been connected before verifychain took its snapshot (the two
        # requests race); either way the report is of one consistent chain.
        assert_true(self.report["blocks"] in (BLOCKS, BLOCKS + 1), f"{self.report['blocks']}")
        assert_equal(node.rpc.getblockcount(), BLOCKS + 1, "the new block is the tip")
        report = node.rpc.verifychain()
        assert_true(report["ok"], f"{report}")
        assert_equal(report["blocks"], BLOCKS + 1, "a new verifychain sees the new block")

    def race(self, node, other):
        """Starts verifychain on one connection, then runs other(rpc) on another; returns the
        names in the order their answers arrived."""
        counter = itertools.count()
        done = {}
        lock = threading.Lock()
        vc_rpc = node.make_rpc()
        other_rpc = node.make_rpc()
        other_rpc.getblockcount()  # connected and authenticated before the race
        vc_rpc.getblockcount()
        sent = threading.Event()

        def verify():
            sent.set()
            self.report = vc_rpc.verifychain()
            with lock:
                done["verifychain"] = next(counter)
        thread = threading.Thread(target=verify)
        thread.start()
        sent.wait()
        other(other_rpc)
        with lock:
            done["other"] = next(counter)
        thread.join(timeout=300)
        assert_true(not thread.is_alive(), "verifychain answered")
        return sorted(done, key=done.get)


if __name__ == "__main__":
    RpcVerifyChainLockTest().main()
