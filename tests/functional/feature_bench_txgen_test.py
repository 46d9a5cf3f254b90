#!/usr/bin/env python3
"""bench/txgen (the bulk signer of bench/e2e_bench.py) makes txs a real node accepts and mines:

  - `account I` is dev key I's account, as `waybill key address` prints it;
  - a plan of a funding transfer from dev key 1 to the unfunded dev key 10, then dev key 10's
    issue, attest of `last` (that issue's asset), asset-transfer of `last` to dev key 11 and a
    coin transfer: every tx is accepted under txgen's txid, and after one block the asset is
    dev key 11's with the attestation in its history, the coins arrived and the nonces moved;
  - a bad line (`last` before any issue, an unknown verb) fails with exit 1, naming the line."""

import os
import subprocess

from framework import WaybillTestFramework, assert_equal, assert_true, log, skip_if


class BenchTxgenTest(WaybillTestFramework):
    time_limit = 300

    def txgen(self, chain_id, lines, expect_fail=False):
        proc = subprocess.run([self.txgen_path, "--chain-id", chain_id],
                              input="\n".join(lines) + "\n", capture_output=True, text=True,
                              timeout=60)
        if expect_fail:
            assert_equal(proc.returncode, 1, "txgen's exit code on a bad plan")
            return proc.stderr
        assert_equal(proc.returncode, 0, f"txgen exit code ({proc.stderr.strip()})")
        return [line.split() for line in proc.stdout.splitlines()]

    def run_test(self):
        self.txgen_path = os.path.join(self.options.bindir, "bench", "txgen")
        skip_if(None if os.access(self.txgen_path, os.X_OK) else "build/bench/txgen not built")
        rpc = self.nodes[0].rpc
        chain_id = rpc.getblockchaininfo()["chain_id"]
        _, miner = self.dev_key(0)
        rpc.generatetoaddress(1, miner)

        log("account lines")
        ids = [row[0] for row in self.txgen(chain_id, ["account 1", "account 10", "account 11"])]
        for i, account in zip((1, 10, 11), ids):
            path, _ = self.dev_key(i)
            shown = self.run_cli(["key", "address", "--key", path, "--network", "regtest",
                                  "--json"])
            assert_true(f'"account": "{account}"' in shown or f'"account":"{account}"' in shown,
                        f"dev key {i}'s account {account} in {shown}")
        payer, sender, receiver = ids

        log("a funding transfer, then issue, attest, asset-transfer and transfer")
        nonce = rpc.getaccount(payer)["pending_nonce"]
        plan = [f"transfer 1 {nonce} 10 1000000",
                "issue 10 0 2500 kg", "attest 10 1 last quality.grade A",
                "asset-transfer 10 2 last 11", "transfer 10 3 11 777"]
        rows = self.txgen(chain_id, plan)
        assert_equal(len(rows), len(plan), "one output line per tx")
        for txid, raw in rows:
            assert_equal(rpc.sendrawtransaction(raw), txid, "the node's txid is txgen's")
        assert_equal(sorted(rpc.getrawmempool()), sorted(t for t, _ in rows), "all pending")
        rpc.generatetoaddress(1, miner)
        assert_equal(rpc.getrawmempool(), [], "all mined")
        block = rpc.getblock(rpc.getbestblockhash(), 1)
        assert_true(all(t in block["tx"] for t, _ in rows), "every tx in the new block")

        assets = rpc.listassets(receiver)["assets"]
        assert_equal(len(assets), 1, "dev key 11 holds the issued asset")
        asset = assets[0]
        assert_equal((asset["issuer_account"], asset["quantity"], asset["unit"]),
                     (sender, 2500, "kg"), "the asset as issued")
        events = rpc.getassethistory(asset["asset"])["events"]
        assert_equal([e["type"] for e in events], ["issue", "attest", "transfer"], "history")
        assert_equal((events[1]["claim"], events[1]["value"]), ("quality.grade", "A"),
                     "the attestation")
        assert_equal(rpc.getaccount(receiver)["balance"], 777, "the coins arrived")
        assert_equal(rpc.getaccount(sender)["nonce"], 4, "dev key 10's four txs")

        log("bad plans fail, naming the line")
        err = self.txgen(chain_id, ["account 10", "attest 10 4 last x y"], expect_fail=True)
        assert_true("line 2" in err and "bad ASSET" in err, f"last before an issue: {err}")
        err = self.txgen(chain_id, ["mint 10 4 1"], expect_fail=True)
        assert_true("line 1" in err and "unknown verb" in err, f"unknown verb: {err}")


if __name__ == "__main__":
    BenchTxgenTest().main()
