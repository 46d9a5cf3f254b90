#!/usr/bin/env python3
"""The sync progress log (node/sync_progress.h, docs/API.md "Log"): a fresh node that syncs 30
blocks logs the closing line with the blocks and txs it connected; the node that mined them
one by one, and the synced node once it follows the tip, log no sync line."""

import os
import re

from framework import WaybillTestFramework, assert_equal, log, wait_until

BLOCKS = 30
SYNC_LINE = re.compile(r"\[info\] sync: (.*)$")


def sync_lines(node):
    with open(os.path.join(node.netdir, "debug.log"), errors="replace") as f:
        return [m.group(1) for m in (SYNC_LINE.search(line) for line in f) if m]


class SyncProgressTest(WaybillTestFramework):
    num_nodes = 1  # node 1 is added once node 0 has its chain
    time_limit = 300

    def run_test(self):
        n0 = self.nodes[0]
        _, miner = self.new_key("miner")
        key, _ = self.dev_key(1)
        _, payee = self.dev_key(2)

        log(f"node 0 mines {BLOCKS} blocks, 3 transfers in block 11")
        n0.rpc.generatetoaddress(10, miner)
        for i in range(3):
            n0.cli_json("tx", "transfer", "--key", key, "--to", payee, "--amount",
                        f"{1000 + i}base", "--json")
        n0.rpc.generatetoaddress(BLOCKS - 10, miner)
        assert_equal(len(n0.rpc.getblock(n0.rpc.getblockhash(11))["tx"]), 3, "block 11's txs")

        log("a fresh node 1 syncs them from node 0")
        n1 = self.add_node([f"--addnode={n0.p2p_addr}"])
        self.sync_blocks([n0, n1])
        # The sync starts when block 1 connects with 30 headers known: blocks 2..30 are counted.
        self.wait_for_line(n1, f"caught up at height {BLOCKS} (100.0%): {BLOCKS - 1} blocks, "
                               f"3 txs in ")

        log("following the tip block by block logs no sync line")
        n0.rpc.generatetoaddress(2, miner)
        self.sync_blocks([n0, n1])
        assert_equal(len(sync_lines(n1)), 1, f"node 1's sync lines: {sync_lines(n1)}")
        assert_equal(sync_lines(n0), [], "node 0 mined its chain: no sync")

    def wait_for_line(self, node, prefix):
        wait_until(lambda: any(line.startswith(prefix) for line in sync_lines(node)), timeout=30,
                   what=f"a line '{prefix}...' in node{node.index}'s log "
                        f"(has: {sync_lines(node)})")


if __name__ == "__main__":
    SyncProgressTest().main()
