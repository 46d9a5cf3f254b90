#!/usr/bin/env python3
"""Corrections and committed metadata values on a live node (docs/PROTOCOL.md §3, §9.2): a lot
issued with a typo'd lot number and a committed price; `waybill tx correct` fixes the lot and
getassethistory shows both values; `waybill disclose` and `waybill verify-disclosure` prove the
price, and a tampered value is refused with "does not match"; a stranger's correction is
refused with `not-custodian-or-issuer`, a wrong event with `unknown-event`."""

import json
import os
import stat
import subprocess

from framework import (WaybillTestFramework, assert_equal, assert_true, log)


class CorrectTest(WaybillTestFramework):
    def run_test(self):
        node = self.nodes[0]
        rpc = node.rpc
        farm_key, _ = self.dev_key(1)
        stranger_key, _ = self.dev_key(2)
        _, miner = self.dev_key(3)
        disclosures = os.path.join(self.tmpdir, "lot.disclosures.json")

        log("issue with a typo'd lot and a committed price")
        out = node.cli_json("tx", "issue", "--key", farm_key, "--json", "--quantity", 1200,
                            "--unit", "kg", "--meta", "lot=L-2O24-17", "--meta", "origin=Peru",
                            "--commit", "price=4.20 USD/kg", "--disclosures", disclosures)
        lot = out["assets"][0]
        assert_true("4.20" not in json.dumps(out), "the CLI prints no committed value")
        assert_equal(stat.S_IMODE(os.stat(disclosures).st_mode), 0o600, "disclosures mode")
        with open(disclosures) as f:
            saved = json.load(f)
        assert_equal(len(saved), 1)
        assert_equal(saved[0]["asset"], lot)
        assert_equal(saved[0]["key"], "price")
        assert_equal(saved[0]["value"], "4.20 USD/kg")
        err = node.cli("tx", "issue", "--key", farm_key, "--quantity", 1, "--unit", "kg",
                       "--commit", "price=1", "--disclosures", disclosures, expect_fail=True)
        assert_true("exists" in err and "nothing was sent" in err, f"no overwrite: {err}")
        err = node.cli("tx", "issue", "--key", farm_key, "--quantity", 1, "--unit", "kg",
                       "--commit", "price=1", expect_fail=True)
        assert_true("--disclosures" in err, f"--commit needs --disclosures: {err}")
        err = node.cli("tx", "issue", "--key", farm_key, "--quantity", 1, "--unit", "kg",
                       "--meta", "price=1", "--disclosures",
                       os.path.join(self.tmpdir, "unused.json"), expect_fail=True)
        assert_true("there are none" in err and "nothing was sent" in err,
                    f"--disclosures without --commit: {err}")
        assert_true(not os.path.exists(os.path.join(self.tmpdir, "unused.json")),
                    "no disclosures file written")
        rpc.generatetoaddress(1, miner)

        asset = rpc.getasset(lot)
        meta = {e["key"]: e for e in asset["metadata"]}
        assert_equal(meta["lot"], {"key": "lot", "value": "L-2O24-17"})
        assert_equal(sorted(meta["price"].keys()), ["commitment", "key"], "committed entry")
        created = rpc.getassethistory(lot)["events"][0]["event"]

        log("corrections: a stranger and a wrong event are refused")
        err = node.cli("tx", "correct", "--key", stranger_key, "--asset", lot, "--event",
                       created, "--set", "lot=X", "--reason", "mine now", expect_fail=True)
        assert_true("not-custodian-or-issuer" in err, f"stranger refused: {err}")
        err = node.cli("tx", "correct", "--key", farm_key, "--asset", lot, "--event", "11" * 32,
                       "--set", "lot=X", "--reason", "wrong event", expect_fail=True)
        assert_true("unknown-event" in err, f"wrong event refused: {err}")

        log("the farm corrects the lot number")
        node.cli_json("tx", "correct", "--key", farm_key, "--json", "--asset", lot, "--event",
                      created, "--set", "lot=L-2024-17", "--reason", "letter O typed for zero")
        rpc.generatetoaddress(1, miner)
        asset = rpc.getasset(lot)
        assert_equal({e["key"]: e.get("value") for e in asset["metadata"]}["lot"], "L-2024-17")
        events = rpc.getassethistory(lot)["events"]
        assert_equal([e["type"] for e in events], ["issue", "correct"])
        fix = events[1]
        assert_equal(fix["related"], [created])
        assert_equal(fix["reason"], "letter O typed for zero")
        assert_equal(fix["changes"], [{"key": "lot", "old": {"value": "L-2O24-17"},
                                       "new": {"value": "L-2024-17"}}], "both values")

        log("disclose the price and verify it against the node")
        one = os.path.join(self.tmpdir, "price.json")
        text = self.run_cli(["disclose", "--disclosures", disclosures, "--asset", lot,
                             "--key", "price"])
        with open(one, "w") as f:
            f.write(text)
        disclosed = json.loads(text)
        assert_equal(disclosed["value"], "4.20 USD/kg")
        rc, out = self.verify(node, one)
        assert_equal((rc, out), (0, "disclosure matches the commitment on chain"))

        tampered = dict(disclosed, value="3.10 USD/kg")
        bad = os.path.join(self.tmpdir, "tampered.json")
        with open(bad, "w") as f:
            json.dump(tampered, f)
        rc, out = self.verify(node, bad)
        assert_equal((rc, out), (1, "disclosure does not match the commitment"))

        published = dict(disclosed, key="origin", value="Peru")
        with open(bad, "w") as f:
            json.dump(published, f)
        err = node.cli("verify-disclosure", bad, expect_fail=True)
        assert_true("not committed" in err, f"a published key: {err}")
        missing = dict(disclosed, asset="22" * 32)
        with open(bad, "w") as f:
            json.dump(missing, f)
        err = node.cli("verify-disclosure", bad, expect_fail=True)
        assert_true("no such asset" in err, f"an unknown asset: {err}")

    def verify(self, node, path):
        cmd = [self.waybill, "verify-disclosure", path] + node.cli_args()
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=self.tmpdir)
        return proc.returncode, proc.stdout.strip()


if __name__ == "__main__":
    CorrectTest().main()
