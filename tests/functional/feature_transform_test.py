#!/usr/bin/env python3
"""Mass balance on a live node through the CLI (docs/PROTOCOL.md §9.2): the issue's loopholes
refused (1,800 kg merged into 1,500,000 g: merge-unit-mismatch; an inflating merge:
merge-quantity-mismatch), a roast (kg -> kg, yield 0.83) accepted as asset.transform and shown
with yield_ppm in the history, a transform outside regtest's kg -> kg bound (500000..1000000
ppm) refused with yield-out-of-bounds, and decimal amounts (kg has scale 3 on regtest)."""

import json

from framework import WaybillTestFramework, assert_equal, assert_true, log


class TransformTest(WaybillTestFramework):
    def run_test(self):
        node = self.nodes[0]
        rpc = node.rpc
        coop_key, coop = self.dev_key(1)
        _, miner = self.dev_key(9)
        units = rpc.getblockchaininfo()["units"]
        assert_equal(units["kg"], 3, "regtest kg scale")

        log("two farms' lots in kg, one in g (decimal amounts)")
        a = self.tx(node, "issue", coop_key, "--quantity", "1000.0", "--unit", "kg",
                    "--meta", "lot=A")["assets"][0]
        b = self.tx(node, "issue", coop_key, "--quantity", "800.0", "--unit", "kg",
                    "--meta", "lot=B")["assets"][0]
        bag = self.tx(node, "issue", coop_key, "--quantity", 250, "--unit", "kg")["assets"][0]
        g = self.tx(node, "issue", coop_key, "--quantity", 1500000, "--unit", "g")["assets"][0]
        rpc.generatetoaddress(1, miner)
        assert_equal(rpc.getasset(a)["quantity"], 1_000_000, "1000.0 kg at scale 3")
        assert_equal(rpc.getasset(a)["amount"], "1000.000")
        assert_equal(rpc.getasset(b)["amount"], "800.000")
        assert_equal(rpc.getasset(bag)["amount"], "0.250", "an integer is the quantity itself")
        assert_equal(rpc.getasset(g)["amount"], "1500000", "g has scale 0")
        err = node.cli("tx", "issue", "--key", coop_key, "--quantity", "0.2501", "--unit", "kg",
                       expect_fail=True)
        assert_true("scale allows 3" in err, f"too many decimals: {err}")

        log("loophole 1: 1,800 kg merged into 1,500,000 g")
        err = node.cli("tx", "merge", "--key", coop_key, "--inputs", f"{a},{b}",
                       "--quantity", 1500000, "--unit", "g", expect_fail=True)
        assert_true("merge-unit-mismatch" in err, f"unit mismatch refused: {err}")

        log("loophole 2: an inflating merge")
        err = node.cli("tx", "merge", "--key", coop_key, "--inputs", f"{a},{b}",
                       "--quantity", "2000.0", "--unit", "kg", expect_fail=True)
        assert_true("merge-quantity-mismatch" in err, f"inflation refused: {err}")
        assert_true("1800000" in err, f"the detail gives the sum: {err}")
        merged = self.tx(node, "merge", coop_key, "--inputs", f"{a},{b}",
                         "--quantity", "1800.0", "--unit", "kg")["assets"][0]
        rpc.generatetoaddress(1, miner)
        assert_equal(rpc.getasset(merged)["quantity"], 1_800_000, "a balanced merge")

        log("a roast outside the kg -> kg bound is refused")
        err = node.cli("tx", "transform", "--key", coop_key, "--inputs", merged,
                       "--outputs", "899.999:kg", expect_fail=True)
        assert_true("yield-out-of-bounds" in err, f"yield below the bound refused: {err}")
        assert_true("499999 ppm" in err, f"the detail gives the yield: {err}")
        err = node.cli("tx", "transform", "--key", coop_key, "--inputs", merged,
                       "--outputs", "1800.001:kg", expect_fail=True)
        assert_true("yield-out-of-bounds" in err, f"a gain in mass refused: {err}")

        log("the roast: 1,800 kg of green coffee into 1,494 kg roasted (yield 0.83)")
        roast = self.tx(node, "transform", coop_key, "--inputs", merged,
                        "--outputs", "1494.0:kg", "--meta", "product=roasted")
        roasted = roast["assets"][0]
        rpc.generatetoaddress(1, miner)
        tx = rpc.getrawtransaction(roast["txid"], True)
        assert_equal(tx["type"], "asset.transform")
        assert_equal(tx["op"]["inputs"], [merged])
        assert_equal(tx["op"]["outputs"][0]["amount"], "1494.000")
        assert_equal(tx["op"]["outputs"][0]["asset"], roasted)
        out = rpc.getasset(roasted)
        assert_equal(out["parents"], [merged])
        assert_equal(out["metadata"], [{"key": "product", "value": "roasted"}])
        green = rpc.getasset(merged)
        assert_equal(green["status"], "transformed")
        assert_equal(green["children"], [roasted])
        history = rpc.getassethistory(merged)["events"]
        assert_equal([e["type"] for e in history], ["merge_output", "transform"])
        assert_equal(history[-1]["related"], [roasted])
        assert_equal(history[-1]["yield_ppm"], 830_000, "the roast's yield, recomputed")
        out_history = rpc.getassethistory(roasted)["events"]
        assert_equal(out_history[0]["type"], "transform_output")
        assert_equal(out_history[0]["related"], [merged])
        assert_equal(out_history[0]["yield_ppm"], 830_000)
        assert_true("yield_ppm" not in history[0], "only transform events carry a yield")

        log("mixed units: no bound, yield null")
        mixed = self.tx(node, "transform", coop_key, "--inputs", f"{roasted},{g}",
                        "--outputs", "1:pcs,5.5:kg")
        rpc.generatetoaddress(1, miner)
        ev = rpc.getassethistory(mixed["assets"][1])["events"][0]
        assert_equal(ev["type"], "transform_output")
        assert_equal(ev["yield_ppm"], None, "mixed input units have no yield")
        assert_equal(rpc.getasset(g)["status"], "transformed")


    @staticmethod
    def tx(node, command, key, *args):
        out = json.loads(node.cli("tx", command, "--key", key, "--json", *args))
        log(f"  tx {command}: {out['txid']}")
        return out


if __name__ == "__main__":
    TransformTest().main()
