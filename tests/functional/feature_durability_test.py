#!/usr/bin/env python3
"""Crash durability: a node that mines (--mine --miner-threads 1) while txs arrive is killed
with SIGKILL at random moments, again and again. After each restart:
  - it starts (within a bound),
  - its height is at least the last height it reported before the kill,
  - every block it reported as connected (getbestblockhash at that height) is still at its
    height: a single node never reorgs, so a block that vanished was lost, not replaced,
  - verifychain finds no problem.
The random delays come from a seeded RNG; rerun with --seed N to reproduce an order."""

import time

from framework import (TestFailure, WaybillTestFramework, assert_equal, assert_greater_equal,
                       assert_true, log)


class DurabilityTest(WaybillTestFramework):
    time_limit = 290  # the whole test stays under 5 minutes

    def add_options(self, parser):
        parser.add_argument("--iterations", type=int, default=22,
                            help="number of SIGKILLs (default 22)")

    def extra_args(self, index):
        _, self.miner = self.dev_key(0)
        return ["--mine", f"--miner-address={self.miner}", "--miner-threads=1"]

    def run_test(self):
        node = self.nodes[0]
        sender_key, sender = self.dev_key(1)
        _, recipient = self.dev_key(2)
        iterations = max(20, self.options.iterations)
        started = time.monotonic()
        recorded = {}        # height -> block hash the node reported as its tip
        last_height = 0
        sent = 0
        tx_failures = 0
        confirmed_nonce = 0  # the sender's highest confirmed nonce the node reported

        for i in range(1, iterations + 1):
            delay = self.rng.uniform(0.2, 1.5)
            deadline = time.monotonic() + delay
            # Send txs and record the tip until the deadline, then kill.
            while time.monotonic() < deadline:
                try:
                    node.cli("tx", "transfer", "--key", sender_key, "--to", recipient,
                             "--amount", f"{1 + sent % 1000}base")
                    sent += 1
                except TestFailure as e:
                    tx_failures += 1
                    log(f"  tx not accepted: {e}")
                tip = node.rpc.getbestblockhash()
                height = node.rpc.getblockheader(tip)["height"]
                recorded[height] = tip
                last_height = max(last_height, height)
                confirmed_nonce = max(confirmed_nonce, node.rpc.getaccount(sender)["nonce"])
            node.kill()
            log(f"kill {i}/{iterations} after {delay:.2f} s: last reported height "
                f"{last_height}, {sent} txs sent")

            t0 = time.monotonic()
            node.start(timeout=60)
            restart_s = time.monotonic() - t0
            height = node.rpc.getblockcount()
            assert_greater_equal(height, last_height, f"height after restart {i}")
            heights = sorted(recorded)
            found = node.rpc.batch([("getblockhash", [h]) for h in heights])
            lost = [(h, recorded[h], result or error)
                    for h, (result, error) in zip(heights, found) if result != recorded[h]]
            assert_equal(lost, [], f"blocks reported before kill {i} and gone after restart")
            assert_greater_equal(node.rpc.getaccount(sender)["nonce"], confirmed_nonce,
                                 f"confirmed txs of the sender after restart {i}")
            verify = node.rpc.verifychain()
            assert_true(verify["ok"] and not verify["problems"],
                        f"verifychain after restart {i}: {verify}")
            log(f"  restart {i}: up in {restart_s:.2f} s at height {height}, "
                f"{len(recorded)} recorded blocks intact, verifychain checked "
                f"{verify['blocks']} blocks")
            if time.monotonic() - started > 240:
                raise TestFailure(f"too slow: {i} kills in {time.monotonic() - started:.0f} s")

        assert_true(last_height >= iterations, f"the node mined only {last_height} blocks")
        assert_true(tx_failures <= sent // 10 + 2, f"{tx_failures} txs refused of {sent}")
        assert_true(confirmed_nonce > 0, "some txs were mined")
        log(f"{iterations} kills survived; {last_height} blocks, {sent} txs "
            f"({confirmed_nonce} confirmed); "
            f"{time.monotonic() - started:.0f} s")
        assert_equal(node.stop(), 0, "clean stop at the end")


if __name__ == "__main__":
    DurabilityTest().main()
