#!/usr/bin/env python3
"""A JSON-RPC batch's run of sendrawtransaction calls is admitted together (docs/API.md,
sendrawtransaction), on a real node with a peer:

  - one batch holds a funding transfer to a new sender, then that sender's issue, attest of the
    issued asset, asset-transfer and coin transfer (each needs the txs before it), with a
    malformed hex, a getblockcount, a resent tx and a tx with a nonce gap among them: every
    entry gets the reply a single call would get, in order (txids, -22 for the bad hex, -26
    nonce-gap, success for the resent tx), and getblockcount runs in its turn;
  - the accepted txs are announced: they reach the peer's mempool;
  - a block confirms them all, and then a batch resending them gets -27 for each.
Signed by build/bench/txgen (skipped when it is not built)."""

import os
import subprocess

from framework import WaybillTestFramework, assert_equal, assert_true, log, skip_if, wait_until

DESERIALIZATION_ERROR = -22
VERIFY_REJECTED = -26
ALREADY_IN_CHAIN = -27


class RpcBatchSendTest(WaybillTestFramework):
    num_nodes = 2
    time_limit = 300

    def txgen(self, chain_id, lines):
        proc = subprocess.run([self.txgen_path, "--chain-id", chain_id],
                              input="\n".join(lines) + "\n", capture_output=True, text=True,
                              timeout=60)
        assert_equal(proc.returncode, 0, f"txgen exit code ({proc.stderr.strip()})")
        return [line.split() for line in proc.stdout.splitlines()]

    def run_test(self):
        self.txgen_path = os.path.join(self.options.bindir, "bench", "txgen")
        skip_if(None if os.access(self.txgen_path, os.X_OK) else "build/bench/txgen not built")
        n0, n1 = self.nodes
        self.connect_nodes(n1, n0)
        rpc = n0.rpc
        chain_id = rpc.getblockchaininfo()["chain_id"]
        _, miner = self.dev_key(0)
        rpc.generatetoaddress(1, miner)
        wait_until(lambda: n1.rpc.getblockcount() == 1, timeout=30, what="node1 at height 1")

        payer = self.txgen(chain_id, ["account 1"])[0][0]
        nonce = rpc.getaccount(payer)["pending_nonce"]
        rows = self.txgen(chain_id, [
            f"transfer 1 {nonce} 10 1000000", "issue 10 0 2500 kg",
            "attest 10 1 last quality.grade A", "asset-transfer 10 2 last 11",
            "transfer 10 3 11 777", "transfer 10 9 11 1"])
        fund, issue, attest, handover, pay, gap = rows

        log("one batch: the run's txs depend on each other; other entries in between")
        calls = [("sendrawtransaction", [fund[1]]), ("sendrawtransaction", [issue[1]]),
                 ("sendrawtransaction", ["zz"]), ("sendrawtransaction", [attest[1]]),
                 ("getblockcount", []), ("sendrawtransaction", [handover[1]]),
                 ("sendrawtransaction", [pay[1]]), ("sendrawtransaction", [fund[1]]),
                 ("sendrawtransaction", [gap[1]])]
        replies = rpc.batch(calls)
        assert_equal(len(replies), len(calls), "one reply per entry")
        expected = [fund[0], issue[0], None, attest[0], 1, handover[0], pay[0], fund[0], None]
        for i, ((result, error), want) in enumerate(zip(replies, expected)):
            if want is not None:
                assert_equal((result, error), (want, None), f"entry {i}")
        assert_equal(replies[2][1]["code"], DESERIALIZATION_ERROR, "the malformed hex")
        assert_equal(replies[8][1]["code"], VERIFY_REJECTED, "the nonce gap")
        assert_equal(replies[8][1]["message"], "nonce-gap: expected 4, got 9", "its message")
        accepted = sorted(t for t, _ in rows[:5])
        assert_equal(sorted(rpc.getrawmempool()), accepted, "the five txs pending")

        log("announced: the peer has them")
        wait_until(lambda: sorted(n1.rpc.getrawmempool()) == accepted, timeout=60,
                   what="the five txs in node1's mempool")

        log("mined, then resent in a batch: -27 each")
        rpc.generatetoaddress(1, miner)
        assert_equal(rpc.getrawmempool(), [], "all mined")
        for i, (result, error) in enumerate(rpc.batch(
                [("sendrawtransaction", [raw]) for _, raw in rows[:5]])):
            assert_true(result is None and error and error["code"] == ALREADY_IN_CHAIN,
                        f"resent tx {i}: {result} {error}")
        receiver = self.txgen(chain_id, ["account 11"])[0][0]
        assert_equal(rpc.getaccount(receiver)["balance"], 777, "the coins arrived")


if __name__ == "__main__":
    RpcBatchSendTest().main()
