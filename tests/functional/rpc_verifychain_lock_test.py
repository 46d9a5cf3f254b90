#!/usr/bin/env python3
"""verifychain does not lock the node out while it replays the chain (Chainstate::VerifyChain
reads a store snapshot and holds the chain lock only to take it).

The node mines a few hundred blocks with txs. Then one thread calls verifychain VERIFIES times
in a row while the main thread runs rounds, each call on a new connection: generatetoaddress 1,
getblockcount, getchaintips, getbestblockhash. Every answer is numbered in the order it
arrives. A round is "inside" a verifychain when its block is not in that verifychain's report
(whose "blocks" is the height of the chain it took its snapshot of) and the round was answered
before that verifychain was: the whole round then ran between the snapshot and the answer, an
order the node itself reports, not a time bound. Before the fix verifychain held the chain lock
from its snapshot to its answer, so no round could be inside one (its generatetoaddress waited
for the lock); now at least MIN_INSIDE rounds must be. A replay takes only tens of
milliseconds, so it is the many verifychains in a row that leave room for rounds, however
loaded the machine is. Every report is clean although blocks were mined while it ran (it
checks the chain as it was at its snapshot), and a last verifychain sees every block."""

import itertools
import threading

from framework import WaybillTestFramework, assert_equal, assert_greater_equal, assert_true, log

BLOCKS = 400
TXS = 200
VERIFIES = 60
# Five, not one: a round can be numbered before the verifychain that ended just before it
# when the verifychain thread is slow to take its answer (seen once in 27 rounds on a loaded
# machine with the lock held for the replay); five such stalls in one run are not plausible.
MIN_INSIDE = 5
MAX_ROUNDS = 5000  # bounds the main thread's loop in count (the verifychains end well before)


class RpcVerifyChainLockTest(WaybillTestFramework):
    num_nodes = 1
    time_limit = 500

    def run_test(self):
        node = self.nodes[0]
        _, miner = self.new_key("miner")
        key1, _ = self.dev_key(1)
        _, payee = self.dev_key(2)
        log(f"mine {BLOCKS} blocks with {TXS} txs")
        for i in range(TXS):
            node.cli_json("tx", "transfer", "--key", key1, "--to", payee, "--amount", f"{1000 + i}base",
                          "--json")
            if i % 10 == 9:
                node.rpc.generatetoaddress(BLOCKS * 10 // TXS, miner)
        assert_equal(node.rpc.getblockcount(), BLOCKS, "height")

        log(f"{VERIFIES} verifychains in a row, rounds of calls meanwhile")
        seq = itertools.count()
        lock = threading.Lock()
        reports = []  # (answer number, report) of each verifychain
        done = threading.Event()

        def verify():
            rpc = node.make_rpc()
            try:
                for _ in range(VERIFIES):
                    report = rpc.verifychain()
                    with lock:
                        reports.append((next(seq), report))
            finally:
                done.set()
        thread = threading.Thread(target=verify)
        thread.start()
        rounds = []  # (answer number, height of the round's block)
        try:
            rpc = node.make_rpc()
            height = BLOCKS
            for _ in range(MAX_ROUNDS):
                if done.is_set():
                    break
                rpc.generatetoaddress(1, miner)
                height += 1
                rpc.getblockcount()
                rpc.getchaintips()
                rpc.getbestblockhash()
                with lock:
                    rounds.append((next(seq), height))
        finally:
            thread.join(timeout=300)
        assert_true(not thread.is_alive(), "the verifychains answered")
        assert_equal(len(reports), VERIFIES, "verifychain answers")

        for _, report in reports:
            assert_true(report["ok"] and not report["problems"], f"{report}")
            assert_true(BLOCKS <= report["blocks"] <= height, f"{report['blocks']}")
        inside = 0
        for answered, block_height in rounds:
            # The verifychain that was running when the round was answered: the first one
            # answered after it.
            running = next((r for n, r in reports if n > answered), None)
            if running is not None and running["blocks"] < block_height:
                inside += 1
        log(f"  {len(rounds)} rounds, {inside} of them inside a verifychain")
        assert_greater_equal(inside, MIN_INSIDE, "rounds answered between a verifychain's "
                             "snapshot and its answer")

        assert_equal(node.rpc.getblockcount(), height, "every round's block is on the chain")
        report = node.rpc.verifychain()
        assert_true(report["ok"] and not report["problems"], f"{report}")
        assert_equal(report["blocks"], height, "a new verifychain sees every block")


if __name__ == "__main__":
    RpcVerifyChainLockTest().main()
