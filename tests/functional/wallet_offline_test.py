#!/usr/bin/env python3
"""Offline signing end to end: `waybill tx build` on the online side (the node gives nonce,
chain id and fee rate; no secret), `waybill tx sign` with a data folder that holds no node (and
no node running for it), which says in plain words what it signs, `waybill tx send --wait`.
The same with wallets: a watch-only wallet (the account xpub) builds from its address #1, the
wallet with the keys signs in a folder with no node. Refused: a file signed for another
network, a file whose chain id was edited, signing without a terminal or --yes, a signer that
is not the file's sender, a watch-only wallet asked to sign, a file sent to another network's
node."""

import json
import os
import re
import subprocess

from framework import (COIN, WaybillTestFramework, assert_equal, assert_true, log, wait_until)

HEX64 = r"[0-9a-f]{64}"


class WalletOfflineTest(WaybillTestFramework):
    def run_test(self):
        node = self.nodes[0]
        rpc = node.rpc
        sender_key, sender = self.dev_key(3)
        other_key, _ = self.dev_key(4)
        _, payee = self.new_key("payee")
        offline = os.path.join(self.tmpdir, "offline")  # the signer's data folder: no node
        os.makedirs(offline)
        unsigned = os.path.join(self.tmpdir, "unsigned.json")
        signed = os.path.join(self.tmpdir, "signed.json")

        log("build on the online side: no key, the node gives nonce, chain id, fee rate")
        nonce = rpc.getaccount(sender)["pending_nonce"]
        out = node.cli("tx", "build", "transfer", "--from-address", sender, "--to", payee,
                       "--amount", "1.5", "--out", unsigned)
        assert_true(f"operation: send 1.5 WBL to {payee}" in out, f"build output: {out}")
        with open(unsigned) as f:
            doc = json.load(f)
        info = rpc.getblockchaininfo()
        assert_equal(doc["waybill_unsigned_tx"], 1)
        assert_equal(doc["network"]["name"], "regtest")
        assert_equal(doc["network"]["chain_id"], info["chain_id"])
        assert_equal(doc["network"]["address_prefix"], info["address_prefix"])
        assert_equal(doc["network"]["units"], info["units"])
        assert_equal(doc["sender"], {"address": sender, "wallet": None, "index": None})
        decoded = rpc.decoderawtransaction(doc["tx"])
        assert_equal(decoded["nonce"], nonce, "the node's pending nonce")
        assert_equal(decoded["op"]["amount"], 150_000_000, "1.5 WBL")
        assert_equal(decoded["signature"], "0" * 128, "unsigned")
        assert_equal(rpc.getrawmempool(), [], "build sends nothing")

        log("sign with no node: what is signed, in words, on stderr")
        sign = ["tx", "sign", unsigned, "--key", sender_key, "--datadir", offline,
                "--network", "regtest"]
        proc = self.run_raw(sign + ["--out", signed, "--yes"])
        assert_equal(proc.returncode, 0, f"sign: {proc.stderr}")
        fee = decoded["fee"]
        assert_true(f"operation: send 1.5 WBL to {payee}" in proc.stderr, proc.stderr)
        assert_true(f"sender:    {sender} (nonce {nonce})" in proc.stderr, proc.stderr)
        assert_true(re.search(r"fee:       0\.0000\d+ WBL", proc.stderr), proc.stderr)
        assert_true(f"network:   regtest (chain id {info['chain_id']})" in proc.stderr,
                    proc.stderr)
        assert_equal(os.listdir(offline), [], "the offline folder stays empty (no cookie read)")
        with open(signed) as f:
            sdoc = json.load(f)
        assert_equal(sdoc["waybill_signed_tx"], 1)
        assert_equal(sdoc["network"], doc["network"])
        txid = sdoc["txid"]
        assert_true(re.fullmatch(r"signed tx " + txid + " written to .*", proc.stdout.strip()),
                    proc.stdout)

        log("refused: no terminal and no --yes, a signer that is not the sender, a signed file")
        proc = self.run_raw(sign + ["--out", signed + ".2"])
        assert_true(proc.returncode != 0 and "no terminal to confirm on (give --yes)"
                    in proc.stderr, f"no --yes: {proc.stderr}")
        assert_true(not os.path.exists(signed + ".2"), "nothing written")
        err = self.run_cli(["tx", "sign", unsigned, "--key", other_key, "--network", "regtest",
                            "--out", signed + ".3", "--yes"], expect_fail=True)
        assert_true(f"is sent by {sender}, not by the signer's" in err, f"wrong key: {err}")
        err = self.run_cli(["tx", "sign", signed, "--key", sender_key, "--out", signed + ".4",
                            "--yes"], expect_fail=True)
        assert_true("is not a waybill_unsigned_tx file" in err, f"signed file: {err}")

        log("refused: signing for the wrong network, or a file whose chain id was edited")
        err = self.run_cli(["tx", "sign", unsigned, "--key", sender_key, "--network", "devnet",
                            "--out", signed + ".5", "--yes"], expect_fail=True)
        assert_true(re.search(r"is for network regtest \(chain id [0-9a-f]{64}\), not devnet",
                              err), f"wrong network: {err}")
        edited = os.path.join(self.tmpdir, "edited.json")
        devnet_id = json.loads(self.run_cli(["genesis", "show", "--network",
                                             "devnet"]))["chain_id"]
        doc_edited = dict(doc, network=dict(doc["network"], chain_id=devnet_id, name="devnet"))
        with open(edited, "w") as f:
            json.dump(doc_edited, f)
        err = self.run_cli(["tx", "sign", edited, "--key", sender_key, "--out", signed + ".6",
                            "--yes"], expect_fail=True)
        assert_true("the file was edited" in err, f"edited chain id: {err}")
        wrong_net = os.path.join(self.tmpdir, "wrong_net.json")
        with open(wrong_net, "w") as f:
            json.dump(dict(sdoc, network=dict(sdoc["network"], chain_id=devnet_id)), f)
        err = node.cli("tx", "send", wrong_net, expect_fail=True)
        assert_true("but the node runs regtest" in err, f"send to another network: {err}")

        log("send with --wait: confirmed")
        proc = subprocess.Popen([self.waybill, "tx", "send", signed, "--wait", "--json"]
                                + node.cli_args(), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, cwd=self.tmpdir)
        wait_until(lambda: rpc.getrawmempool() == [txid], timeout=60, what="the tx is pending")
        _, miner = self.new_key("miner")
        rpc.generatetoaddress(1, miner)
        out, err = proc.communicate(timeout=120)
        assert_equal(proc.returncode, 0, f"send: {err}")
        sent = json.loads(out)
        assert_equal(sent["txid"], txid)
        assert_equal(sent["block"], rpc.getbestblockhash(), "--wait: the block")
        assert_equal(sent["height"], rpc.getblockcount())
        assert_equal(sent["confirmations"], 1)
        assert_equal(rpc.getaccount(payee)["balance"], COIN + COIN // 2, "1.5 WBL arrived")

        log("a watch-only wallet builds, the wallet with the keys signs with no node")
        passfile = os.path.join(self.tmpdir, "pass.txt")
        with open(passfile, "w") as f:
            f.write("offline passphrase\n")
        cold_dir = os.path.join(self.tmpdir, "cold")  # the signer's machine: no node
        cold_w = ["--wallet", "cold", "--passphrase-file", passfile]
        self.run_cli(["wallet", "create", "cold", "--datadir", cold_dir, "--network", "regtest",
                      "--passphrase-file", passfile])
        xpub = self.run_cli(["wallet", "export-xpub", "cold", "--datadir", cold_dir])
        node.cli("wallet", "create", "cold", "--watch", xpub)
        cold1 = json.loads(node.cli("wallet", "address", "cold", "--next", "--json"))
        assert_equal(cold1["index"], 1)
        node.cli("tx", "transfer", "--key", sender_key, "--to", cold1["address"], "--amount", 2)
        rpc.generatetoaddress(1, miner)
        unsigned2 = os.path.join(self.tmpdir, "unsigned2.json")
        out = node.cli("tx", "build", "transfer", "--wallet", "cold", "--from", 1, "--to", payee,
                       "--amount", "0.25", "--out", unsigned2)
        assert_true(f"sender:    {cold1['address']}  (wallet cold #1)" in out, out)
        with open(unsigned2) as f:
            assert_equal(json.load(f)["sender"], {"address": cold1["address"], "wallet": "cold",
                                                  "index": 1}, "the wallet and index")
        err = self.run_cli(["tx", "sign", unsigned2, *cold_w, "--datadir", node.datadir,
                            "--out", signed + ".7", "--yes"], expect_fail=True)
        assert_true("wallet 'cold' is watch-only: it can build a tx but not sign" in err,
                    f"watch-only asked to sign: {err}")
        assert_true(not os.path.exists(signed + ".7"), "nothing written")
        signed2 = os.path.join(self.tmpdir, "signed2.json")
        proc = self.run_raw(["tx", "sign", unsigned2, *cold_w, "--datadir", cold_dir,
                             "--network", "regtest", "--out", signed2, "--yes"])
        assert_equal(proc.returncode, 0, f"sign with the wallet: {proc.stderr}")
        assert_true(f"operation: send 0.25 WBL to {payee}" in proc.stderr, proc.stderr)
        assert_equal(os.listdir(cold_dir), ["wallets"], "no node, no cookie in the cold folder")
        txid2 = node.cli("tx", "send", signed2)
        rpc.generatetoaddress(1, miner)
        assert_equal(rpc.getrawtransaction(txid2, 1)["confirmations"], 1, "confirmed")
        assert_equal(rpc.getaccount(payee)["balance"], COIN * 7 // 4, "1.5 + 0.25 WBL")

        log("an asset op: quantities with units, in words")
        out = node.cli("tx", "build", "issue", "--from-address", sender, "--quantity", "12.5",
                       "--unit", "kg", "--meta", "lot=L-9", "--out",
                       os.path.join(self.tmpdir, "issue.json"))
        assert_true(re.search(rf"operation: issue a new asset {HEX64}: 12.5 kg \(lot=L-9\)", out),
                    f"issue described: {out}")

    def run_raw(self, args):
        return subprocess.run([self.waybill] + [str(a) for a in args], capture_output=True,
                              text=True, timeout=120, cwd=self.tmpdir, stdin=subprocess.DEVNULL,
                              start_new_session=True)


if __name__ == "__main__":
    WalletOfflineTest().main()
