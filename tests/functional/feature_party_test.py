#!/usr/bin/env python3
"""Parties on a live node through the CLI (docs/PROTOCOL.md §9.2, docs/API.md getparty):
a certifier publishes a profile, the regtest registrar (dev key 9) endorses it as certifier,
and its attestation records attester_certified and shows "endorsed by ..."; a fresh key's
attestation shows "self-declared"; a non-registrar's endorsement is refused `not-registrar`
(the former loophole: anyone's attestation looked alike); a bad GLN is refused before
signing; a revocation turns later attestations back to self-declared."""

import json

from framework import WaybillTestFramework, assert_equal, assert_true, log


class PartyTest(WaybillTestFramework):
    def run_test(self):
        node = self.nodes[0]
        rpc = node.rpc
        farm_key, farm = self.dev_key(1)
        cert_key, certifier = self.dev_key(2)
        other_key, other = self.dev_key(3)
        reg_key, registrar = self.dev_key(9)
        fresh_key, fresh = self.new_key("fresh")
        _, miner = self.new_key("miner")

        shown = json.loads(self.run_cli(["genesis", "show", "--network", "regtest"]))
        assert_equal(shown["registrars"], [registrar], "dev key 9 is the regtest registrar")

        log("profiles, a lot, and coins for the fresh key")
        self.tx(node, "profile", reg_key, "--name", "Coffee Consortium Registry",
                "--role", "registrar")
        self.tx(node, "profile", cert_key, "--name", "Bureau Veritas CI", "--role", "certifier",
                "--id", "gln=9436465792104", "--url", "https://example.org/bv")
        lot = self.tx(node, "issue", farm_key, "--quantity", 1800, "--unit", "kg")["assets"][0]
        self.tx(node, "transfer", farm_key, "--to", fresh, "--amount", f"{10**8}base")
        err = node.cli("tx", "profile", "--key", other_key, "--name", "X", "--role", "farm",
                       "--id", "gln=9436465792105", expect_fail=True)
        assert_true("GS1 GLN" in err, f"a bad GLN is refused before signing: {err}")
        rpc.generatetoaddress(1, miner)

        log("a non-registrar's endorsement is refused")
        err = node.cli("tx", "endorse", "--key", other_key, "--account", certifier,
                       "--role", "certifier", expect_fail=True)
        assert_true("not-registrar" in err, f"not-registrar: {err}")

        log("the registrar endorses the certifier")
        self.tx(node, "endorse", reg_key, "--account", certifier, "--role", "certifier")
        rpc.generatetoaddress(1, miner)
        err = node.cli("tx", "endorse", "--key", reg_key, "--account", certifier,
                       "--role", "certifier", expect_fail=True)
        assert_true("already-endorsed" in err, f"already-endorsed: {err}")

        log("attestations: endorsed certifier and fresh key")
        self.tx(node, "attest", cert_key, "--asset", lot, "--claim", "cert.organic",
                "--value", "EU 2018/848")
        self.tx(node, "attest", fresh_key, "--asset", lot, "--claim", "cert.organic",
                "--value", "trust me")
        rpc.generatetoaddress(1, miner)
        events = rpc.getassethistory(lot)["events"]
        assert_equal([e["type"] for e in events], ["issue", "attest", "attest"])
        endorsed, self_declared = events[1], events[2]
        assert_equal(endorsed["actor"], certifier)
        assert_equal(endorsed["attester_certified"], True, "endorsed certifier")
        assert_equal(endorsed["actor_party"],
                     {"name": "Bureau Veritas CI", "role": "certifier",
                      "endorsed_by": ["Coffee Consortium Registry"],
                      "label": "endorsed by Coffee Consortium Registry"})
        assert_equal(self_declared["actor"], fresh)
        assert_equal(self_declared["attester_certified"], False, "fresh key")
        assert_equal(self_declared["actor_party"],
                     {"name": None, "role": None, "endorsed_by": [], "label": "self-declared"})
        assert_true("issue_party" not in events[0] and events[0]["counterparty_party"] is None,
                    "events carry actor_party and counterparty_party only")
        asset = rpc.getasset(lot)
        assert_equal(asset["custodian_party"]["label"], "self-declared", "the farm")

        party = json.loads(node.cli("rpc", "getparty", certifier))
        assert_equal(party["name"], "Bureau Veritas CI")
        assert_equal(party["identifiers"], [{"key": "gln", "value": "9436465792104"}])
        assert_equal(party["version"], 1)
        assert_equal([(e["role"], e["registrar"], e["registrar_name"])
                      for e in party["endorsements"]],
                     [("certifier", registrar, "Coffee Consortium Registry")])
        assert_equal([h["type"] for h in party["history"]], ["profile", "endorse"])

        log("revocation: later attestations are self-declared, the earlier one keeps its flag")
        self.tx(node, "endorse", reg_key, "--account", certifier, "--role", "certifier",
                "--revoke")
        rpc.generatetoaddress(1, miner)
        self.tx(node, "attest", cert_key, "--asset", lot, "--claim", "cert.organic",
                "--value", "EU 2018/848")
        rpc.generatetoaddress(1, miner)
        events = rpc.getassethistory(lot)["events"]
        assert_equal([e["attester_certified"] for e in events[1:]], [True, False, False])
        assert_equal(events[3]["actor_party"]["label"], "self-declared")
        party = rpc.getparty(certifier)
        assert_equal(party["endorsements"], [])
        assert_equal([h["type"] for h in party["history"]], ["profile", "endorse", "revoke"])
        report = rpc.verifychain()
        assert_equal(report["ok"], True, f"verifychain replays the party records: {report}")

    def tx(self, node, command, key, *args):
        out = json.loads(node.cli("tx", command, "--key", key, "--json", *args))
        assert_true(out["sent"], f"{command} sent")
        return out


if __name__ == "__main__":
    PartyTest().main()
