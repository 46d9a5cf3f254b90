#!/usr/bin/env python3
"""The coffee cooperative's story of issue 10, played through the CLI on a live regtest node,
with every former loophole refused by its reason (docs/PROTOCOL.md §9.2):

two farms issue harvest lots (a price committed, not published) -> they hand them to the
cooperative, whose merge must keep unit and mass (`merge-unit-mismatch`,
`merge-quantity-mismatch`) -> the cooperative corrects a typo in its lot number (history keeps
both) -> an endorsed certifier attests organic, a stranger's attestation stays
"self-declared" -> the exporter ships to the roaster, whose roast is an asset.transform within
the network's yield bound (`yield-out-of-bounds` for one that gains mass) -> the retailer
splits 250 kg into 1,000 labelled 250 g bags in one tx -> a consumer walks back from one bag
to both farms and recomputes the mass balance -> a farm discloses its price and anyone checks
it against the chain. Finally a reorg back to before the cooperative's merge and forward
again restores every asset and history exactly."""

import json
import os
import subprocess

from framework import WaybillTestFramework, assert_equal, assert_true, log


class StoryTest(WaybillTestFramework):
    def tx(self, node, command, key, *args):
        return json.loads(node.cli("tx", command, "--key", key, "--json", *args))

    def refused(self, node, command, key, reason, *args):
        err = node.cli("tx", command, "--key", key, *args, expect_fail=True)
        assert_true(reason in err, f"{command} refused with {reason}: {err}")
        return err

    def mine(self):
        self.nodes[0].rpc.generatetoaddress(1, self.miner)

    def run_test(self):
        node = self.nodes[0]
        rpc = node.rpc
        farm1_key, farm1 = self.dev_key(1)
        farm2_key, farm2 = self.dev_key(2)
        coop_key, coop = self.dev_key(3)
        exp_key, exporter = self.dev_key(4)
        cert_key, certifier = self.dev_key(5)
        roast_key, roaster = self.dev_key(6)
        shop_key, retailer = self.dev_key(7)
        reg_key, registrar = self.dev_key(9)
        stranger_key, stranger = self.new_key("stranger")
        _, self.miner = self.new_key("miner")

        log("parties publish profiles; the registrar endorses the certifier")
        for key, name, role in [(farm1_key, "Finca La Esperanza", "farm"),
                                (farm2_key, "Finca El Mirador", "farm"),
                                (coop_key, "Cooperativa Cafetalera", "cooperative"),
                                (exp_key, "Andes Export", "exporter"),
                                (roast_key, "Rotterdam Roasters", "roaster"),
                                (shop_key, "Corner Grocer", "retailer"),
                                (reg_key, "Coffee Consortium Registry", "registrar")]:
            self.tx(node, "profile", key, "--name", name, "--role", role)
        self.tx(node, "profile", cert_key, "--name", "Organic Cert Body", "--role", "certifier",
                "--id", "gln=9436465792104")
        self.tx(node, "transfer", farm1_key, "--to", stranger, "--amount", f"{10**8}base")
        self.mine()
        self.tx(node, "endorse", reg_key, "--account", certifier, "--role", "certifier")
        self.mine()

        log("farms issue harvest lots; farm 1's price is committed, not published")
        disclosures = os.path.join(self.tmpdir, "farm1-salts.json")
        lot1 = self.tx(node, "issue", farm1_key, "--quantity", "900.000", "--unit", "kg",
                       "--meta", "lot=F1-2026-01", "--meta", "variety=caturra",
                       "--commit", "price=4.20 USD/kg", "--disclosures", disclosures)["assets"][0]
        lot2 = self.tx(node, "issue", farm2_key, "--quantity", "900.000", "--unit", "kg",
                       "--meta", "lot=F2-2026-01")["assets"][0]
        self.mine()
        issued = rpc.getasset(lot1)
        assert_equal((issued["quantity"], issued["amount"]), (900_000, "900.000"),
                     "kg has 3 decimals on regtest")
        price = [m for m in issued["metadata"] if m["key"] == "price"][0]
        assert_true("commitment" in price and "value" not in price, f"price committed: {price}")
        self.tx(node, "asset-transfer", farm1_key, "--asset", lot1, "--to", coop)
        self.tx(node, "asset-transfer", farm2_key, "--asset", lot2, "--to", coop)
        self.mine()
        reorg_height = rpc.getblockcount()

        log("the cooperative's merge must keep unit and mass")
        inputs = f"{lot1},{lot2}"
        self.refused(node, "merge", coop_key, "merge-unit-mismatch", "--inputs", inputs,
                     "--quantity", 1_500_000, "--unit", "g")
        self.refused(node, "merge", coop_key, "merge-quantity-mismatch", "--inputs", inputs,
                     "--quantity", "2000.000", "--unit", "kg")
        green = self.tx(node, "merge", coop_key, "--inputs", inputs, "--quantity", "1800.000",
                        "--unit", "kg", "--meta", "lot=COOP-2062-07")["assets"][0]
        self.mine()

        log("a typo in the lot number is corrected; history keeps both values")
        created = rpc.getassethistory(green)["events"][0]["event"]
        self.tx(node, "correct", coop_key, "--asset", green, "--event", created,
                "--set", "lot=COOP-2026-07", "--reason", "year typed as 2062")
        self.mine()
        meta = {m["key"]: m.get("value") for m in rpc.getasset(green)["metadata"]}
        assert_equal(meta["lot"], "COOP-2026-07", "the corrected lot number")
        fix = rpc.getassethistory(green)["events"][-1]
        assert_equal(fix["type"], "correct")
        assert_equal(fix["changes"], [{"key": "lot", "old": {"value": "COOP-2062-07"},
                                       "new": {"value": "COOP-2026-07"}}])

        log("an endorsed certifier attests organic; a stranger's claim is self-declared")
        self.tx(node, "attest", cert_key, "--asset", green, "--claim", "cert.organic",
                "--value", "EU 2018/848")
        self.tx(node, "attest", stranger_key, "--asset", green, "--claim", "cert.organic",
                "--value", "trust me")
        self.mine()
        attests = [e for e in rpc.getassethistory(green)["events"] if e["type"] == "attest"]
        assert_equal([e["attester_certified"] for e in attests], [True, False])
        assert_equal(attests[0]["actor_party"]["label"], "endorsed by Coffee Consortium Registry")
        assert_equal(attests[1]["actor_party"]["label"], "self-declared")

        log("export, then the roast: a transform within the kg -> kg yield bound")
        self.tx(node, "asset-transfer", coop_key, "--asset", green, "--to", exporter)
        self.mine()
        self.tx(node, "asset-transfer", exp_key, "--asset", green, "--to", roaster)
        self.mine()
        self.refused(node, "transform", roast_key, "yield-out-of-bounds", "--inputs", green,
                     "--outputs", "1900.000:kg")
        roasted = self.tx(node, "transform", roast_key, "--inputs", green, "--outputs",
                          "1494.000:kg", "--meta", "product=roasted")["assets"][0]
        self.mine()
        self.tx(node, "asset-transfer", roast_key, "--asset", roasted, "--to", retailer)
        self.mine()

        log("the retailer splits 250 kg into 1,000 labelled 250 g bags in one tx")
        parts = self.tx(node, "split", shop_key, "--asset", roasted, "--quantities",
                        "250000,1244000")["assets"]
        self.mine()
        bags = self.tx(node, "split", shop_key, "--asset", parts[0], "--bags", 1000,
                       "--each", 250)["assets"]
        self.mine()
        bag = rpc.getasset(bags[499])
        assert_equal(bag["amount"], "0.250", "a 250 g bag")
        assert_equal({m["key"]: m.get("value") for m in bag["metadata"]}["bag"], "000500")

        log("the consumer walks back from bag 500 to the farms and rechecks the mass balance")
        lineage, frontier = {}, [bags[499]]
        while frontier:  # bounded: the DAG above a bag has 7 assets
            asset = rpc.getasset(frontier.pop())
            lineage[asset["asset"]] = asset
            frontier += [p for p in asset["parents"] if p not in lineage]
            assert_true(len(lineage) <= 8, "the lineage is small")
        assert_equal(set(lineage), {bags[499], parts[0], roasted, green, lot1, lot2})
        origins = sorted(a["issuer_party"]["name"] for a in lineage.values() if not a["parents"])
        assert_equal(origins, ["Finca El Mirador", "Finca La Esperanza"])
        assert_equal(lineage[green]["quantity"],
                     lineage[lot1]["quantity"] + lineage[lot2]["quantity"], "merge balances")
        roast_event = [e for e in rpc.getassethistory(roasted)["events"]
                       if e["type"] == "transform_output"][0]
        assert_equal(roast_event["yield_ppm"], 830_000, "1494 of 1800 kg")
        parent = rpc.getasset(parts[0])
        assert_equal(sum(rpc.getasset(b)["quantity"] for b in bags[:3]), 750)
        assert_equal(len(parent["children"]), 1000)
        assert_equal(parent["status"], "split")

        log("farm 1 discloses its price; anyone checks it against the chain")
        one = os.path.join(self.tmpdir, "price.json")
        with open(one, "w") as f:
            f.write(self.run_cli(["disclose", "--disclosures", disclosures, "--asset", lot1,
                                  "--key", "price"]))
        assert_equal(self.verify(node, one), (0, "disclosure matches the commitment on chain"))
        with open(one) as f:
            tampered = dict(json.load(f), value="2.10 USD/kg")
        with open(one, "w") as f:
            json.dump(tampered, f)
        rc, out = self.verify(node, one)
        assert_true(rc == 1 and "does not match" in out, f"a tampered price: {rc} {out}")

        log("reorg back to before the merge and forward again: every record restored")
        watched = [lot1, lot2, green, roasted, parts[0], bags[0], bags[999]]
        before = {a: (rpc.getasset(a), rpc.getassethistory(a)) for a in watched}
        parties_before = rpc.getparty(certifier)
        invalidated = rpc.getblockhash(reorg_height + 1)
        tip = rpc.getbestblockhash()
        rpc.invalidateblock(invalidated)
        assert_equal(rpc.getblockcount(), reorg_height)
        assert_equal(rpc.getasset(lot1)["status"], "open", "the merge is undone")
        assert_equal(rpc.getasset(lot1)["custodian"], coop)
        rpc.reconsiderblock(invalidated)
        assert_equal(rpc.getbestblockhash(), tip, "back on the same tip")
        after = {a: (rpc.getasset(a), rpc.getassethistory(a)) for a in watched}
        assert_equal(after, before, "assets and histories after the reorg")
        assert_equal(rpc.getparty(certifier), parties_before, "parties after the reorg")
        check = rpc.verifychain()
        assert_equal((check["ok"], check["problems"]), (True, []), "verifychain after the reorg")

    def verify(self, node, path):
        cmd = [self.waybill, "verify-disclosure", path] + node.cli_args()
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=self.tmpdir)
        return proc.returncode, proc.stdout.strip()


if __name__ == "__main__":
    StoryTest().main()
