#!/usr/bin/env python3
"""The `waybill` CLI end to end: key files, a coin transfer, an asset's life (issue, custody
transfer, split, attestation, merge), checked through getasset / getassethistory, and the
balances (fees to the miner)."""

import json
import os
import stat

from framework import (COIN, WaybillTestFramework, assert_equal, assert_true, log)

REWARD = 50 * COIN  # regtest block reward (halves every 150 blocks; this test stays below)


class WalletCliTest(WaybillTestFramework):
    def run_test(self):
        node = self.nodes[0]
        rpc = node.rpc
        self.fees = 0          # every fee paid, all of which the miner collects
        self.fees_of = {}      # address -> fees it paid
        self.blocks_mined = 0

        log("key files")
        alice_key, alice = self.dev_key(1)
        bob_key, bob = self.dev_key(2)
        auditor_key, auditor = self.dev_key(3)
        miner_key, miner = self.new_key("miner")
        mode = stat.S_IMODE(os.stat(miner_key).st_mode)
        assert_equal(mode, 0o600, "key file mode")
        err = self.run_cli(["key", "new", "--out", miner_key, "--network", "regtest"],
                           expect_fail=True)
        assert_true("exists" in err, f"refuses to overwrite: {err}")
        info = json.loads(self.run_cli(["key", "address", "--key", miner_key, "--network",
                                        "regtest", "--json"]))
        assert_equal(info["address"], miner)
        assert_equal(len(info["account"]), 64)

        start = {a: self.balance(a) for a in (alice, bob, auditor, miner)}
        assert_equal(start[miner], 0, "a fresh key has no coins")
        assert_true(start[alice] > 10 * COIN, "dev key 1 is funded")

        log("transfer and issue in one block (pending nonces)")
        t1 = self.tx(node, "transfer", alice_key, "--to", bob, "--amount", "0.00012345WBL")
        issue = self.tx(node, "issue", alice_key, "--quantity", 1000, "--unit", "kg",
                        "--meta", "origin=Peru", "--meta", "lot=L-2024-17",
                        "--meta", "gtin=09506000134352", "--doc", "ab" * 32)
        assert_equal(issue["nonce"], t1["nonce"] + 1, "second tx takes the next nonce")
        lot = issue["assets"][0]
        mempool = rpc.getrawmempool()
        assert_equal(sorted(mempool), sorted([t1["txid"], issue["txid"]]), "mempool")

        dry = self.tx(node, "transfer", alice_key, "--to", bob, "--amount", "1base", "--dry-run")
        assert_true(len(dry["hex"]) > 0 and not dry["sent"], "dry run prints hex")
        assert_equal(len(rpc.getrawmempool()), 2, "dry run sends nothing")
        decoded = rpc.decoderawtransaction(dry["hex"])
        assert_equal(decoded["txid"], dry["txid"], "decoderawtransaction txid")

        self.mine(rpc, miner)
        assert_equal(rpc.getrawmempool(), [], "mempool empty after the block")
        asset = rpc.getasset(lot)
        assert_equal(asset["custodian"], alice, "issuer holds the new asset")
        assert_equal(asset["quantity"], 1000)
        assert_equal(asset["unit"], "kg")
        assert_equal(asset["status"], "open")
        assert_equal(asset["issuer"], alice)
        assert_equal(asset["metadata"], [{"key": "gtin", "value": "09506000134352"},
                                         {"key": "lot", "value": "L-2024-17"},
                                         {"key": "origin", "value": "Peru"}],
                     "metadata, keys sorted by the CLI")
        assert_equal(asset["documents"], ["ab" * 32])
        assert_equal(asset["parents"], [])

        log("asset-transfer alice -> bob")
        self.tx(node, "asset-transfer", alice_key, "--asset", lot, "--to", bob)
        err = node.cli("tx", "asset-transfer", "--key", alice_key, "--asset", "00" * 32,
                       "--to", bob, expect_fail=True)
        assert_true(err.startswith("error:"), f"unknown asset refused: {err}")
        self.mine(rpc, miner)
        assert_equal(rpc.getasset(lot)["custodian"], bob, "bob holds the lot")
        err = node.cli("tx", "asset-transfer", "--key", alice_key, "--asset", lot, "--to", alice,
                       expect_fail=True)
        assert_true(err.startswith("error:") and "sendrawtransaction" in err,
                    f"alice no longer holds it: {err}")

        log("split by bob into 400 + 600")
        split = self.tx(node, "split", bob_key, "--asset", lot, "--quantities", "400,600")
        assert_equal(len(split["assets"]), 2)
        part_a, part_b = split["assets"]
        self.mine(rpc, miner)
        parent = rpc.getasset(lot)
        assert_equal(parent["status"], "split")
        assert_equal(sorted(parent["children"]), sorted([part_a, part_b]), "parent's children")
        for child, qty in ((part_a, 400), (part_b, 600)):
            c = rpc.getasset(child)
            assert_equal(c["quantity"], qty)
            assert_equal(c["unit"], "kg")
            assert_equal(c["custodian"], bob)
            assert_equal(c["status"], "open")
            assert_equal(c["parents"], [lot], "child's parent")

        log("attest by an auditor")
        self.tx(node, "attest", auditor_key, "--asset", part_a, "--claim", "temperature.max",
                "--value", "4C", "--doc", "cd" * 32)
        self.mine(rpc, miner)

        log("merge the parts into puree")
        merge = self.tx(node, "merge", bob_key, "--inputs", f"{part_a},{part_b}",
                        "--quantity", 1000, "--unit", "kg", "--meta", "product=puree")
        puree = merge["assets"][0]
        self.mine(rpc, miner)
        p = rpc.getasset(puree)
        assert_equal(p["custodian"], bob)
        assert_equal(p["status"], "open")
        assert_equal(p["quantity"], 1000)
        assert_equal(sorted(p["parents"]), sorted([part_a, part_b]), "merge parents")
        for part in (part_a, part_b):
            c = rpc.getasset(part)
            assert_equal(c["status"], "merged")
            assert_equal(c["children"], [puree], "merged input's child")

        log("asset histories: event chains")
        history = self.events(rpc.getassethistory(lot))
        assert_equal([e["type"] for e in history], ["issue", "transfer", "split"],
                     "lot event types")
        self.check_chain(history)
        history_a = self.events(rpc.getassethistory(part_a))
        types_a = [e["type"] for e in history_a]
        assert_true("attest" in types_a, f"attestation recorded: {types_a}")
        assert_equal(types_a[-1], "merge", "last event of a merged input")
        self.check_chain(history_a)
        assert_equal(history_a[0]["type"], "split_child", "a split child starts at the split")
        assert_equal(history_a[0]["related"], [lot], "the split event names the parent")
        attest = [e for e in history_a if e["type"] == "attest"][0]
        assert_equal(attest["actor"], auditor, "attester")
        assert_equal(attest["claim"], "temperature.max")
        assert_equal(attest["value"], "4C")
        assert_equal(attest["document"], "cd" * 32)
        history_p = self.events(rpc.getassethistory(puree))
        assert_equal([e["type"] for e in history_p], ["merge_output"], "puree history")
        assert_equal(sorted(history_p[0]["related"]), sorted([part_a, part_b]), "merge inputs")
        transfer = history[1]
        assert_equal(transfer["actor"], alice, "transfer actor")
        assert_equal(transfer["counterparty"], bob, "transfer counterparty")

        log("balances: coins moved, fees to the miner")
        end = {a: self.balance(a) for a in (alice, bob, auditor, miner)}
        assert_equal(end[bob], start[bob] + 12345 - self.fees_of[bob], "bob")
        assert_equal(end[alice], start[alice] - 12345 - self.fees_of[alice], "alice")
        assert_equal(end[auditor], start[auditor] - self.fees_of[auditor], "auditor")
        assert_equal(end[miner], self.blocks_mined * REWARD + self.fees, "miner: rewards + fees")
        acct = rpc.getaccount(alice)
        assert_equal(acct["nonce"], 3, "alice sent 3 txs")

        log("offline signing: --dry-run --nonce --fee needs no node")
        offline = json.loads(self.run_cli([
            "tx", "transfer", "--key", alice_key, "--to", bob, "--amount", "7base", "--nonce", 3,
            "--fee", "1000base", "--dry-run", "--json", "--network", "regtest", "--rpcport", 1]))
        assert_equal(rpc.sendrawtransaction(offline["hex"]), offline["txid"],
                     "an offline-signed tx is valid on the node")
        self.fees += 1000
        self.mine(rpc, miner)
        assert_equal(rpc.getaccount(alice)["nonce"], 4)

        log("CLI errors: clear message, exit code 1")
        err = node.cli("tx", "transfer", "--key", alice_key, "--to", bob, "--amount", "1base",
                       "--fee", "1base", expect_fail=True)
        assert_true("fee-too-low" in err, f"fee too low: {err}")
        err = node.cli("tx", "transfer", "--key", alice_key, "--to", bob, "--amount", "1.5base",
                       expect_fail=True)
        assert_true("1.5WBL" in err and "150000000base" in err, f"amount forms: {err}")
        err = node.cli("tx", "transfer", "--key", "/nonexistent/key.json", "--to", bob,
                       "--amount", "1base", expect_fail=True)
        assert_true("cannot open /nonexistent/key.json" in err, f"missing key file: {err}")
        err = node.cli("tx", "transfer", "--key", alice_key, "--to", "wbd1qsw937m5fumr2l4fdzz46d0"
                       "sux785zcfzepeqe6qhrjansl4ntazsxu737m", "--amount", "1base", expect_fail=True)
        assert_true("is an address of network prefix wbd; this network's is wbr" in err,
                    f"devnet address: {err}")
        err = node.cli("tx", "split", "--key", bob_key, "--asset", puree, "--quantities", "5",
                       expect_fail=True)
        assert_true("2..1000 parts" in err, f"one-part split: {err}")
        err = node.cli("tx", "issue", "--key", bob_key, "--quantity", 1, "--unit", "k g",
                       expect_fail=True)
        assert_true("--unit" in err, f"bad unit: {err}")
        err = self.run_cli(["tx", "frobnicate"], expect_fail=True)
        assert_true("unknown tx command" in err, f"unknown command: {err}")
        err = self.run_cli(["rpc", "getblockcount", "--rpcport", "1", "--rpcuser", "u",
                            "--rpcpassword", "p"], expect_fail=True)
        assert_true("could not connect" in err, f"no node: {err}")

        log("genesis tools")
        shown = json.loads(self.run_cli(["genesis", "show", "--network", "regtest"]))
        assert_equal(shown["chain_id"], rpc.getblockchaininfo()["chain_id"], "regtest chain id")
        gfile = os.path.join(self.tmpdir, "mynet.json")
        owner_key, _ = self.new_key("owner")
        owner = self.run_cli(["key", "address", "--key", owner_key, "--hrp", "my"])
        assert_true(owner.startswith("my1"), f"address with --hrp: {owner}")
        chain_id = self.run_cli(["genesis", "new", "--network", "mynet", "--prefix", "my",
                                 "--alloc", f"{owner}=5000",
                                 "--block-time", 10, "--out", gfile])
        shown = json.loads(self.run_cli(["genesis", "show", gfile]))
        assert_equal(shown["chain_id"], chain_id)
        assert_equal(shown["allocated"], 5000)
        assert_equal(shown["network"], "mynet")
        assert_equal(shown["protocol_version"], 3, "genesis show: protocol version")
        assert_equal(shown["gas_price"], 1, "genesis show: gas price")
        with open(gfile) as f:
            written = json.load(f)
        assert_equal(written["protocol_version"], 3, "genesis new writes protocol 3")
        assert_equal((written["gas_price"], written["max_tx_gas"], written["max_block_gas"]),
                     (1, 1000000, 20000000), "genesis new writes the gas fields")
        err = self.run_cli(["genesis", "new", "--network", "mynet", "--prefix", "my",
                            "--out", gfile], expect_fail=True)
        assert_true("already exists" in err, f"genesis overwrite: {err}")

    # -- helpers

    def tx(self, node, command, key, *args):
        out = json.loads(node.cli("tx", command, "--key", key, "--json", *args))
        assert_equal(len(out["txid"]), 64, "txid")
        if out["sent"]:
            self.fees += out["fee"]
            self.fees_of[out["sender"]] = self.fees_of.get(out["sender"], 0) + out["fee"]
        log(f"  tx {command}: {out['txid']} fee {out['fee']} nonce {out['nonce']}")
        return out

    def mine(self, rpc, miner):
        before = len(rpc.getrawmempool())
        h = rpc.generatetoaddress(1, miner)
        self.blocks_mined += 1
        block = rpc.getblock(h[0])
        assert_equal(len(block["tx"]), before, "the block takes the whole mempool")

    def balance(self, address):
        return self.nodes[0].rpc.getaccount(address)["balance"]

    @staticmethod
    def events(history):
        return history["events"] if isinstance(history, dict) else history

    @staticmethod
    def check_chain(events):
        """Each event names the previous event of the asset."""
        assert_true(len(events) >= 1, "events")
        assert_equal(events[0]["prev_event"], None, "the first event has no predecessor")
        for prev, ev in zip(events, events[1:]):
            assert_equal(ev["prev_event"], prev["event"], "event chain link")
            assert_equal(ev["sequence"], prev["sequence"] + 1, "event sequence")


if __name__ == "__main__":
    WalletCliTest().main()
