#!/usr/bin/env python3
"""Crash soak (outside CI): a victim node is killed with SIGKILL at random moments while
blocks and txs of every operation arrive; after each restart its whole state is compared
with a reference node fed the same blocks.

Two regtest nodes without P2P: the reference R and the victim V. The driver sends txs of
every operation (transfer, asset issue, asset transfer, split, merge, attest) to R through
the CLI and mines a block on R every few txs. A feeder thread sends each of R's blocks to V
(submitblock, in order, from V's own height) and each tx to V (sendrawtransaction), without
pause. Each cycle the driver lets this run for a random 0.05-1.0 s, kills V with SIGKILL
(mid-submitblock more often than not), restarts it, waits until the feeder has brought it to
R's tip, and compares: tip hash and height, getblockchaininfo's chain fields, getstateinfo (the
counts and digest of every state record: accounts, assets, asset events, tx index, heights) and
the account of every key used. Every 50 cycles (and at the end) it also compares getasset and
getassethistory of every asset ever issued, one by one, and V runs verifychain.

Run it through scripts/crash_soak.sh (see scripts/README.md). Prints one line per cycle and a
summary: cycles, differences, blocks, txs per operation, restarts, seconds, seed."""

import argparse
import json
import os
import queue
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "functional"))

from framework import (HTTPError, JSONRPCError, TestFailure, WaybillTestFramework,  # noqa: E402
                       log, wait_until)

OPS = ["transfer", "issue", "asset-transfer", "split", "merge", "attest"]


class Feeder(threading.Thread):
    """Sends R's blocks (from V's height on) and queued txs to V, over and over; errors (V is
    down) only pause it."""

    def __init__(self, soak):
        super().__init__(daemon=True)
        self.soak = soak
        self.txs = queue.Queue(maxsize=10_000)
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            try:
                self.step()
            except (OSError, HTTPError, JSONRPCError, ValueError, TestFailure):
                time.sleep(0.05)

    def step(self):
        v = self.soak.victim
        if not v.running():
            time.sleep(0.05)
            return
        rpc = v.make_rpc(timeout=30)
        height = rpc.getblockcount()
        blocks = self.soak.blocks
        sent = False
        for h in range(height + 1, min(height + 4, len(blocks))):
            rpc.submitblock(blocks[h])
            sent = True
        try:
            tx = self.txs.get_nowait()
            try:
                rpc.sendrawtransaction(tx)
            except JSONRPCError:
                pass  # mined already, or its nonce is taken: V's mempool is not compared
            sent = True
        except queue.Empty:
            pass
        if not sent:
            time.sleep(0.01)


class CrashSoak(WaybillTestFramework):
    num_nodes = 2

    def add_options(self, parser):
        parser.add_argument("--cycles", type=int, default=100, help="SIGKILLs (default 100)")
        parser.add_argument("--max-seconds", type=int, default=4 * 3600,
                            help="stop starting cycles after this long (default 4 h)")

    def _parse_args(self):
        options = super()._parse_args()
        self.time_limit = options.max_seconds + 600
        return options

    def extra_args(self, index):
        return ["--listen=0", "--checkblocks=6"]

    def run_test(self):
        self.ref, self.victim = self.nodes
        self.victim.stop()
        _, self.miner = self.dev_key(0)
        self.keys = [self.dev_key(i) for i in (1, 2, 3, 4)]
        self.addresses = [a for _, a in self.keys]
        self.assets = {}       # asset id -> [owner index, quantity] (open assets, as R will have them)
        self.all_assets = []   # every asset ever created
        self.blocks = [None]   # height -> raw hex of R's block (index 0 unused)
        self.counts = {op: 0 for op in OPS}
        self.counts["refused"] = 0
        self.differences = []
        self.mine_block()
        self.victim.start()
        self.feeder = Feeder(self)
        self.feeder.start()
        started = time.monotonic()
        cycles = 0
        try:
            for cycle in range(1, self.options.cycles + 1):
                if time.monotonic() - started > self.options.max_seconds:
                    log(f"time is up after {cycle - 1} cycles")
                    break
                self.one_cycle(cycle)
                cycles = cycle
        finally:
            self.feeder.stop.set()
        self.catch_up()
        self.compare("final", verify=True)
        elapsed = time.monotonic() - started
        summary = {"cycles": cycles, "differences": len(self.differences),
                   "blocks": len(self.blocks) - 1, "assets": len(self.all_assets),
                   "txs": self.counts, "seconds": round(elapsed), "seed": self.seed}
        log("SUMMARY " + json.dumps(summary))
        for d in self.differences[:20]:
            log(f"DIFFERENCE {d}")
        if self.differences:
            raise TestFailure(f"{len(self.differences)} differences")

    # -- one cycle

    def one_cycle(self, cycle):
        run_for = self.rng.uniform(0.05, 1.0)
        deadline = time.monotonic() + run_for
        sent = 0
        while time.monotonic() < deadline:
            if self.send_op():
                sent += 1
            if sent % 3 == 0:
                self.mine_block()
        self.mine_block()
        self.victim.kill()
        t0 = time.monotonic()
        self.victim.start(timeout=120)
        restart = time.monotonic() - t0
        self.catch_up()
        self.compare(cycle, verify=cycle % 50 == 0)
        log(f"cycle {cycle}: killed after {run_for:.2f} s, up in {restart:.2f} s, height "
            f"{len(self.blocks) - 1}, {len(self.all_assets)} assets, "
            f"{len(self.differences)} differences")

    def catch_up(self):
        target = self.ref.rpc.getbestblockhash()
        wait_until(lambda: self.victim.make_rpc(timeout=30).getbestblockhash() == target,
                   timeout=120, what="the victim catches up with the reference")

    def mine_block(self):
        rpc = self.ref.rpc
        block_hash = rpc.generatetoaddress(1, self.miner)[0]
        self.blocks.append(rpc.getblock(block_hash, 0))

    # -- txs of every operation, sent to R (and queued for V)

    def owned(self, owner):
        return [a for a, (o, _) in self.assets.items() if o == owner]

    def send_op(self):
        op = self.rng.choice(OPS)
        k = self.rng.randrange(len(self.keys))
        key = self.keys[k][0]
        other = self.rng.choice([i for i in range(len(self.keys)) if i != k])
        mine = self.owned(k)
        if op in ("asset-transfer", "split", "attest") and not self.assets:
            op = "issue"
        if op == "asset-transfer" and not mine:
            op = "issue"
        if op == "merge" and len(mine) < 2:
            op = "split" if mine else "issue"
        if op == "split" and not [a for a in mine if self.assets[a][1] >= 2]:
            op = "issue"
        args = []
        if op == "transfer":
            args = ["--to", self.addresses[other], "--amount", f"{self.rng.randrange(1, 1000)}base"]
        elif op == "issue":
            args = ["--quantity", self.rng.randrange(10, 10_000), "--unit", "kg",
                    "--meta", f"lot=S-{len(self.all_assets)}"]
        elif op == "asset-transfer":
            asset = self.rng.choice(mine)
            args = ["--asset", asset, "--to", self.addresses[other]]
        elif op == "split":
            asset = self.rng.choice([a for a in mine if self.assets[a][1] >= 2])
            q = self.assets[asset][1]
            first = self.rng.randrange(1, q)
            args = ["--asset", asset, "--quantities", f"{first},{q - first}"]
        elif op == "merge":
            inputs = self.rng.sample(mine, 2)
            q = sum(self.assets[a][1] for a in inputs)
            args = ["--inputs", ",".join(inputs), "--quantity", q, "--unit", "kg"]
        elif op == "attest":
            asset = self.rng.choice(list(self.assets))
            args = ["--asset", asset, "--claim", "temperature.max",
                    "--value", f"{self.rng.randrange(0, 9)}C", "--doc", "ab" * 32]
        try:
            out = json.loads(self.ref.cli("tx", op, "--key", key, "--json", *args))
        except (TestFailure, ValueError) as e:
            self.counts["refused"] += 1
            if self.counts["refused"] <= 5:
                log(f"  {op} refused: {str(e)[:200]}")
            return False
        self.counts[op] += 1
        self.apply(op, k, other, args, out)
        try:
            self.feeder.txs.put_nowait(self.ref.rpc.getrawtransaction(out["txid"]))
        except (queue.Full, JSONRPCError):
            pass
        return True

    def apply(self, op, k, other, args, out):
        """Updates the model of open assets as R's mempool now has it."""
        created = out.get("assets", [])
        if op == "issue":
            self.assets[created[0]] = [k, int(args[1])]
        elif op == "asset-transfer":
            self.assets[args[1]][0] = other
        elif op == "split":
            parts = [int(x) for x in args[3].split(",")]
            del self.assets[args[1]]
            for asset, q in zip(created, parts):
                self.assets[asset] = [k, q]
        elif op == "merge":
            for a in args[1].split(","):
                del self.assets[a]
            self.assets[created[0]] = [k, int(args[3])]
        self.all_assets.extend(created)

    # -- the comparison

    def state(self, node, full):
        rpc = node.make_rpc(timeout=120)
        info = rpc.getblockchaininfo()
        chain = {k: v for k, v in info.items() if k in (
            "blocks", "headers", "bestblockhash", "chainwork", "mediantime")}
        # The digest of every state record (accounts, assets, asset events, tx index, heights).
        chain["stateinfo"] = rpc.getstateinfo()
        calls = [("getaccount", [a]) for a in self.addresses + [self.miner]]
        for asset in (self.all_assets if full else []):
            calls.append(("getasset", [asset]))
            calls.append(("getassethistory", [asset]))
        results = []
        for i in range(0, len(calls), 500):
            results.extend(rpc.batch(calls[i:i + 500]))
        return chain, [(c[0], c[1][0], r) for c, r in zip(calls, results)]

    def compare(self, cycle, verify):
        ref_chain, ref_items = self.state(self.ref, full=verify)
        v_chain, v_items = self.state(self.victim, full=verify)
        if ref_chain != v_chain:
            self.differences.append((cycle, "chain", ref_chain, v_chain))
        for a, b in zip(ref_items, v_items):
            if a != b:
                self.differences.append((cycle, a, b))
        if verify:
            report = self.victim.rpc.verifychain()
            if not report["ok"] or report["problems"]:
                self.differences.append((cycle, "verifychain", report))


if __name__ == "__main__":
    CrashSoak().main()
