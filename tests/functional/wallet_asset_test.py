#!/usr/bin/env python3
"""The `waybill asset` verbs end to end on a regtest node: an asset's whole life driven from two
wallets (coop and exporter, made with `waybill wallet create`) with a contact, with people's
outputs ("asset ID (1,200 kg) issued in tx T", names beside addresses), --wait, show and
history, and the one-line errors that say what to do before anything is signed (asset not in
custody, not enough coins for the fee, unknown contact, a split that does not add up, a wrong
network's address, no node running)."""

import json
import os
import re
import subprocess
import time

from framework import (COIN, WaybillTestFramework, assert_equal, assert_true, free_port, log,
                       wait_until)

HEX64 = r"[0-9a-f]{64}"


class WalletAssetTest(WaybillTestFramework):
    def run_test(self):
        node = self.nodes[0]
        rpc = node.rpc
        funder_key, _ = self.dev_key(2)
        self.passfile = os.path.join(self.tmpdir, "pass.txt")
        with open(self.passfile, "w") as f:
            f.write("correct horse battery staple\n")
        coop = self.create_wallet(node, "coop")
        exporter = self.create_wallet(node, "exporter")
        node.cli("contact", "add", "exporter", exporter, "--note", "Lima warehouse")
        coop_w = ["--wallet", "coop", "--passphrase-file", self.passfile]
        exporter_w = ["--wallet", "exporter", "--passphrase-file", self.passfile]
        _, self.miner = self.new_key("miner")

        log("not enough coins for the fee: refused before signing")
        err = node.cli("asset", "issue", *coop_w, "--quantity", 5, "--unit", "kg",
                       expect_fail=True)
        assert_true(err.startswith(f"error: not enough coins: {coop}  (wallet coop #0) has 0 WBL,")
                    and f"waybill tx transfer --to {coop}" in err, f"no coins: {err}")
        assert_equal(rpc.getrawmempool(), [], "nothing sent")

        log("fund both wallets from a dev key (amounts in WBL)")
        txid = node.cli("tx", "transfer", "--key", funder_key, "--to", exporter,
                        "--amount", "2.5WBL").splitlines()[0]
        node.cli("tx", "transfer", "--key", funder_key, "--to", coop, "--amount", "3")
        self.mine()
        assert_equal(rpc.getaccount(exporter)["balance"], 2 * COIN + COIN // 2, "2.5 WBL")
        assert_equal(rpc.getaccount(coop)["balance"], 3 * COIN, "3 WBL")
        assert_equal(rpc.getrawtransaction(txid, 1)["op"]["amount"], 250_000_000, "2.5 WBL")
        err = node.cli("tx", "transfer", "--to", coop, "--amount", "0.1", expect_fail=True)
        assert_true("who sends? give --wallet NAME" in err, f"no sender: {err}")
        err = node.cli("tx", "transfer", *coop_w, "--key", funder_key, "--to", exporter,
                       "--amount", "0.1", expect_fail=True)
        assert_true("give --key FILE or --wallet NAME, not both" in err, f"two senders: {err}")
        out = json.loads(node.cli("tx", "transfer", *coop_w, "--to", "exporter", "--amount",
                                  "0.1", "--json"))
        assert_equal(out["sender"], coop, "tx transfer --wallet: address #0 sends")
        assert_equal(rpc.getrawtransaction(out["txid"], 1)["op"]["to"], exporter, "to a contact")
        self.mine()

        log("issue 1,200 kg")
        out = node.cli("asset", "issue", *coop_w, "--quantity", 1200, "--unit", "kg",
                       "--meta", "gtin=09506000134352", "--meta", "lot=L-7")
        m = re.fullmatch(rf"asset ({HEX64}) \(1,200 kg\) issued in tx ({HEX64})", out)
        assert_true(m, f"issue output: {out}")
        lot = m.group(1)
        self.mine()
        asset = rpc.getasset(lot)
        assert_equal(asset["quantity"], 1_200_000, "1,200 kg at scale 3")
        assert_equal(asset["custodian"], coop)

        log("transfer to the contact 'exporter' with --wait: confirmed in a block")
        err = node.cli("asset", "transfer", lot, *coop_w, "--to", "exporter-lima",
                       expect_fail=True)
        assert_equal(err, "error: --to: unknown contact 'exporter-lima' (see waybill contact "
                     "list)", "unknown contact")
        proc = self.start_cli(node, "asset", "transfer", lot, *coop_w, "--to", "exporter",
                              "--wait")
        wait_until(lambda: len(rpc.getrawmempool()) == 1, timeout=60, what="the tx is pending")
        self.mine()
        out = self.finish_cli(proc)
        best = rpc.getbestblockhash()
        height = rpc.getblockcount()
        lines = out.splitlines()
        assert_true(re.fullmatch(rf"asset {lot} handed to {exporter}  \(exporter\) in tx {HEX64}",
                                 lines[0]),
                    f"transfer output: {out}")
        assert_equal(lines[1], f"confirmed in block {best} (height {height})", "--wait line")
        assert_equal(rpc.getasset(lot)["custodian"], exporter)

        log("asset not in custody: one line naming who holds it")
        err = node.cli("asset", "transfer", lot, *coop_w, "--to", coop, expect_fail=True)
        assert_equal(err, f"error: asset {lot} is held by {exporter}  (exporter), not by coop's "
                     f"address {coop}", "custody error")

        log("split: amounts in the unit, checked against the asset before signing")
        err = node.cli("asset", "split", lot, *exporter_w, "--quantities", "400,700",
                       expect_fail=True)
        assert_true("sum to 1,100 kg but asset " + lot + " holds 1,200 kg" in err,
                    f"split sum: {err}")
        out = node.cli("asset", "split", lot, *exporter_w, "--quantities",
                       "400,799.75,0.25", "--wait", "--wait-timeout", 1, expect_fail=True)
        assert_true("has 0 of 1 confirmations after 1 s (--wait-timeout)" in out,
                    f"--wait-timeout: {out}")
        self.mine()
        children = rpc.getasset(lot)["children"]
        assert_equal(len(children), 3, "split children")
        assert_equal([rpc.getasset(c)["quantity"] for c in children], [400_000, 799_750, 250])

        log("merge two children back: the sum and the unit come from the node")
        out = node.cli("asset", "merge", children[0], children[1], *exporter_w,
                       "--meta", "pallet=P-1", "--json")
        merged = json.loads(out)["assets"][0]
        self.mine()
        assert_equal(rpc.getasset(merged)["quantity"], 1_199_750, "merged quantity")
        err = node.cli("asset", "merge", children[2], children[0], *exporter_w,
                       expect_fail=True)
        assert_true(f"asset {children[0]} is closed (merged)" in err, f"closed input: {err}")

        log("attest (any party may)")
        out = node.cli("asset", "attest", merged, *coop_w, "--claim",
                       "temperature.max", "--value", "4C")
        assert_true(re.fullmatch(rf"attested temperature.max = 4C on asset {merged} in tx "
                                 rf"{HEX64}", out), f"attest output: {out}")
        self.mine()

        log("show")
        out = node.cli("asset", "show", merged)
        assert_true(f"quantity:  1,199.75 kg" in out and
                    f"custodian: {exporter}  (exporter)" in out
                    and "pallet=P-1" in out and "status:    open" in out, f"show: {out}")
        shown = json.loads(node.cli("asset", "show", merged, "--json"))
        assert_equal(shown, rpc.getasset(merged), "show --json is getasset")

        log("history: a readable timeline, and the RPC's JSON")
        out = node.cli("asset", "history", lot).splitlines()
        assert_equal(out[0], f"asset {lot} (1,200 kg, split)", "history header")
        date = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC"
        assert_true(re.match(rf"{date}  issued \(1,200 kg\) by {coop}  \(wallet coop #0\)  "
                             rf"\(block \d+, tx", out[1]), f"issue line: {out[1]}")
        assert_true(re.match(rf"{date}  handed by {coop}  \(wallet coop #0\) to {exporter}  "
                             rf"\(exporter\)  ", out[2]), f"transfer line: {out[2]}")
        assert_true(re.match(rf"{date}  split by {exporter}  \(exporter\) into {children[0]}, ",
                             out[3]),
                    f"split line: {out[3]}")
        assert_equal(len(out), 4, "one line per event")
        out = node.cli("asset", "history", merged).splitlines()
        assert_true(f"created (1,199.75 kg) by {exporter}  (exporter) merging " in out[1], out[1])
        assert_true(f"attested by {coop}  (wallet coop #0): temperature.max = 4C" in out[2],
                    out[2])
        events = json.loads(node.cli("asset", "history", lot, "--json"))["events"]
        assert_equal(events, rpc.getassethistory(lot)["events"], "history --json")

        log("one-line errors: wrong network's address, no node, bad amount")
        devnet_address = self.run_cli(["key", "address", "--key", funder_key, "--network",
                                       "devnet"])
        err = node.cli("asset", "transfer", merged, *exporter_w, "--to",
                       devnet_address, expect_fail=True)
        assert_true(err == f"error: --to: {devnet_address} is an address of network prefix wbd; "
                    "this network's is wbr", f"devnet address: {err}")
        empty = os.path.join(self.tmpdir, "nonode")
        os.makedirs(empty)
        port = free_port()
        err = self.run_cli(["asset", "show", merged, "--network", "regtest", "--datadir", empty,
                            "--rpcport", port], expect_fail=True)
        assert_equal(err, f"error: cannot reach the node at 127.0.0.1:{port}: is waybilld "
                     f"running? (start it, or give --rpcconnect/--rpcport/--datadir; no RPC "
                     f"cookie at {empty}/regtest/.cookie)", "no node")
        err = node.cli("asset", "issue", *coop_w, "--quantity", "0.0001", "--unit",
                       "kg", expect_fail=True)
        assert_true("has 4 decimals" in err and "kg" in err, f"too many decimals: {err}")
        assert_equal(rpc.getrawmempool(), [], "no error sent anything")

    # -- helpers

    def create_wallet(self, node, name):
        out = json.loads(node.cli("wallet", "create", name, "--passphrase-file", self.passfile,
                                  "--json"))
        assert_equal(out["name"], name)
        return out["address"]

    def mine(self):
        self.nodes[0].rpc.generatetoaddress(1, self.miner)

    def start_cli(self, node, *args):
        cmd = [self.waybill] + [str(a) for a in args] + node.cli_args()
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                cwd=self.tmpdir, start_new_session=True)  # as run_cli: no tty

    def finish_cli(self, proc):
        out, err = proc.communicate(timeout=120)
        assert_equal(proc.returncode, 0, f"waybill failed: {err}")
        return out.strip()


if __name__ == "__main__":
    WalletAssetTest().main()
