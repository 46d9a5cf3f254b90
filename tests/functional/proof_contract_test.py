#!/usr/bin/env python3
"""Proof bundles of assets that contracts moved (docs/PROTOCOL.md §14, docs/API.md "Proofs"),
on a live regtest node with the REST listener:

- the escrow example: E attaches a collateral at setup, F claims it after the deadline (the
  contract hands it to F);
- a relay written here: it splits an attached lot and hands the first part to Carol, who hands
  it on with a signed transfer.

For each, GET /v1/assets/{id}/proof saved to a file and `waybill proof verify --network regtest`
with no node: "verified", the story names the contract and marks its events as claimed, not
proven; --json lists the claims (txid, contract, entry, effects) and flags exactly the events
of the contract txs. Then the relay's claim is tampered with in the file (the split's first
part set to all of the lot): the verifier fails it with the conservation check."""

import json
import os
import subprocess
import urllib.request

from contract_util import ContractTestFramework
from framework import assert_equal, assert_true, free_port, log

RELAY = """
; split_give: the attached asset split at argument 0, the first part handed to argument 1.
.entry split_give
  PUSH 1
  ARG
  PUSH 0
  ATTASSET
  PUSH 0
  ARG
  SPLIT
  POP
  SENDASSET
  STOP
"""


class ProofContractTest(ContractTestFramework):
    time_limit = 600

    def set_test_params(self):
        self.num_nodes = 1
        self.rest_port = free_port()
        self.base = f"http://127.0.0.1:{self.rest_port}"

    def extra_args(self, index):
        return ["--rest", "--restbind=127.0.0.1", f"--restport={self.rest_port}"]

    def proof_file(self, asset, name):
        with urllib.request.urlopen(f"{self.base}/v1/assets/{asset}/proof", timeout=60) as r:
            assert_equal(r.status, 200, "GET proof")
            body = r.read()
        assert_equal(body[:5], b"WBPF\x02", "magic and version 2")
        path = os.path.join(self.tmpdir, name + ".wbproof")
        with open(path, "wb") as f:
            f.write(body)
        return path, body

    def verify(self, path, *extra):
        """(exit code, stdout + stderr) of `waybill proof verify` with no node."""
        proc = subprocess.run([self.waybill, "proof", "verify", path, "--network", "regtest",
                               *extra], capture_output=True, text=True, timeout=120,
                              cwd=self.tmpdir, start_new_session=True)
        return proc.returncode, proc.stdout + proc.stderr

    def check_verified(self, path, contract, calls, asset):
        """The bundle verifies; the story and the JSON name the contract's claimed txs."""
        rc, out = self.verify(path)
        assert_equal(rc, 0, f"verify: {out}")
        assert_true(out.rstrip().endswith("verified"), f"verified: {out}")
        assert_true("Claimed, not proven" in out, f"the claims are named: {out}")
        assert_true("then, claimed: contract" in out, f"the contract's effect in the story: {out}")
        for txid in calls:
            assert_true(f"tx {txid}" in out, f"claimed tx {txid} listed: {out}")
        assert_true(contract in out, f"the contract {contract} named: {out}")
        rc, out = self.verify(path, "--json")
        assert_equal(rc, 0, "verify --json")
        report = json.loads(out)
        assert_equal(report["verified"], True)
        claims = {c["txid"]: c for c in report["claims"]}
        assert_equal(sorted(claims), sorted(calls), "one claim per contract tx of the lineage")
        for c in claims.values():
            assert_equal(c["contract"], contract, "the claim's contract")
        subject = report["assets"][0]
        assert_equal(subject["asset"], asset)
        for e in subject["events"]:
            assert_equal(e["claimed"], e["txid"] in claims, f"claimed flag of {e}")
        assert_true(any(e["claimed"] for e in subject["events"]), "a claimed event")
        assert_true(not all(e["claimed"] for e in subject["events"]), "a proven event")
        return report

    def run_test(self):
        node = self.nodes[0]
        self.require_contracts()
        self.escrow_claim(node)
        self.relay_split(node)

    def escrow_claim(self, node):
        log("escrow: the collateral attached at setup, claimed by F after the deadline")
        e, f = self.party(1), self.party(2)
        esc, dep = self.deploy(node, e, "escrow")
        collateral = self.issue(node, e, 10, meta="lot=proof-1")
        self.mine(node, [dep])
        deadline = node.rpc.getblockcount() + 3
        setup = self.call(node, e, esc, "setup", [f["address"], 1000, deadline],
                          assets=[collateral])
        self.mine(node, [setup])
        self.check_record(self.record(node, setup), "success")
        self.mine(node, blocks=deadline - 1 - node.rpc.getblockcount())
        claim = self.call(node, f, esc, "claim")
        self.mine(node, [claim])
        rec = self.record(node, claim)
        self.check_record(rec, "success", logs=["claimed"])
        assert_equal(node.rpc.getasset(collateral)["custodian"], f["address"], "F holds it")

        path, _ = self.proof_file(collateral, "collateral")
        report = self.check_verified(path, esc, [setup, claim], collateral)
        events = report["assets"][0]["events"]
        assert_equal([ev["type"] for ev in events], ["issue", "transfer", "transfer"],
                     "issued, attached, handed to F")
        assert_equal(events[2]["actor"], esc, "the contract hands it on")
        assert_equal(report["assets"][0]["custodian"], f["address"])

    def relay_split(self, node):
        log("relay: a lot split by a contract, the first part handed to Carol, then on to Bob")
        alice, carol, bob = self.party(3), self.party(4), self.party(5)
        src = os.path.join(self.tmpdir, "relay.asm")
        with open(src, "w") as fh:
            fh.write(RELAY)
        relay, dep = self.deploy(node, bob, src)
        lot = self.issue(node, alice, 1000, meta="lot=proof-2")
        self.mine(node, [dep])
        call = self.call(node, alice, relay, "split_give", [600, carol["address"]],
                         assets=[lot])
        self.mine(node, [call])
        rec = self.record(node, call)
        self.check_record(rec, "success")
        split = [x for x in rec["effects"] if x["kind"] == "split"]
        assert_equal(len(split), 1, f"one split: {rec['effects']}")
        part = split[0]["created"][0]
        assert_equal(node.rpc.getasset(part)["custodian"], carol["address"])
        hand_on = self.submit(node, ["tx", "asset-transfer", "--key", carol["key"], "--asset",
                                     part, "--to", bob["address"]])
        self.mine(node, [hand_on])

        path, body = self.proof_file(part, "part")
        report = self.check_verified(path, relay, [call], part)
        assert_equal(report["assets"][0]["quantity"], 600, "the first part's quantity")
        _, story = self.verify(path)
        assert_true("(first part 600 pcs)" in story, f"the split's first part: {story}")
        assert_equal(report["assets"][0]["custodian"], bob["address"])
        claim = report["claims"][0]
        assert_equal(claim["entry"], "split_give")
        assert_equal([x["kind"] for x in claim["effects"]], ["split", "asset"])
        assert_equal(claim["effects"][0]["first"], 600)

        # The claims are the file's last list; this call's effects end it: the split (kind,
        # parent, u64 first, 2 children: 105 bytes), then the hand-on (65 bytes).
        first_at = len(body) - 65 - 105 + 1 + 32
        assert_equal(int.from_bytes(body[first_at:first_at + 8], "little"), 600,
                     "the split's first part in the file")
        tampered = bytearray(body)
        tampered[first_at:first_at + 8] = (1000).to_bytes(8, "little")
        bad = os.path.join(self.tmpdir, "bad_claim.wbproof")
        with open(bad, "wb") as fh:
            fh.write(tampered)
        rc, out = self.verify(bad)
        assert_equal(rc, 1, f"tampered claim: {out}")
        assert_true("FAILED: check conservation" in out and "bad-split" in out,
                    f"names the conservation check: {out}")
        log(f"tampered claim: {out.strip()}")


if __name__ == "__main__":
    ProofContractTest().main()
