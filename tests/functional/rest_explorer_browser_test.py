#!/usr/bin/env python3
"""The explorer page (web/) in a real browser: a regtest node with the REST listener, a small
lineage built through the CLI (two farm lots with gtin/lot/origin, merged by a cooperative,
split for export, handed to the exporter, attested by a carrier), then headless Chromium
(Debian's /usr/bin/chromium through playwright-core, tests/browser/explorer_test.mjs) opens the
item page and checks the timeline, the lineage SVG, the Digital Link of the QR, and the live
indicator; when the page is live this side mines a block with a new attestation and the page
must show it, then invalidates that block and the page must mark the entry retracted. The
screenshot is kept in the build dir (its path is printed).

Skips (and passes) when chromium, node or tests/browser/node_modules (npm ci --prefix
tests/browser, scripts/setup.sh) are missing."""

import json
import os
import select
import shutil
import subprocess
import time

from framework import TestFailure, WaybillTestFramework, assert_equal, log, skip_if

CHROMIUM = "/usr/bin/chromium"
GTIN = "09506000134352"
BROWSER_TIMEOUT = 240  # seconds for the whole browser script (its own steps are bounded too)


class ExplorerBrowserTest(WaybillTestFramework):
    rest = True  # --rest on 127.0.0.1 (framework.Node.rest_url); the QR encodes that address

    def set_test_params(self):
        self.num_nodes = 1
        browser_dir = os.path.join(self.options.srcdir, "tests", "browser")
        self.script = os.path.join(browser_dir, "explorer_test.mjs")
        skip_if(None if os.access(CHROMIUM, os.X_OK) else f"{CHROMIUM} not installed")
        skip_if(None if shutil.which("node") else "node (nodejs) not installed")
        skip_if(None if os.path.isdir(os.path.join(browser_dir, "node_modules", "playwright-core"))
                else "playwright-core not installed: npm ci --prefix tests/browser")

    def tx(self, command, key, *args):
        return json.loads(self.nodes[0].cli("tx", command, "--key", key, "--json", *args))

    def mine(self):
        self.nodes[0].rpc.generatetoaddress(1, self.miner)

    def build_lineage(self):
        farm1_key, _ = self.dev_key(1)
        farm2_key, _ = self.dev_key(2)
        coop_key, coop = self.dev_key(3)
        exp_key, exporter = self.dev_key(4)
        self.carrier_key, _ = self.dev_key(5)
        _, self.miner = self.new_key("miner")
        for key, name, role in [(farm1_key, "Finca La Esperanza", "farm"),
                                (farm2_key, "Finca El Mirador", "farm"),
                                (coop_key, "Cooperativa Cafetalera", "cooperative"),
                                (exp_key, "Andes Export", "exporter"),
                                (self.carrier_key, "Cold Chain Carriers", "carrier")]:
            self.tx("profile", key, "--name", name, "--role", role)
        lot1 = self.tx("issue", farm1_key, "--quantity", "600.000", "--unit", "kg",
                       "--meta", f"gtin={GTIN}", "--meta", "lot=F1-2026-01",
                       "--meta", "origin=Huila, CO", "--meta", "harvest_date=2026-05-02")["assets"][0]
        lot2 = self.tx("issue", farm2_key, "--quantity", "400.000", "--unit", "kg",
                       "--meta", f"gtin={GTIN}", "--meta", "lot=F2-2026-01",
                       "--meta", "origin=Nariño, CO", "--meta", "harvest_date=2026-05-09")["assets"][0]
        self.mine()
        self.tx("asset-transfer", farm1_key, "--asset", lot1, "--to", coop)
        self.tx("asset-transfer", farm2_key, "--asset", lot2, "--to", coop)
        self.mine()
        merged = self.tx("merge", coop_key, "--inputs", f"{lot1},{lot2}", "--quantity", "1000.000",
                         "--unit", "kg", "--meta", f"gtin={GTIN}",
                         "--meta", "lot=COOP-2026-07")["assets"][0]
        self.mine()
        children = os.path.join(self.tmpdir, "children.json")
        with open(children, "w") as f:
            json.dump([{"quantity": 700000, "metadata": {"lot": "EXP-2026-07-A"}},
                       {"quantity": 300000, "metadata": {"lot": "EXP-2026-07-B"}}], f)
        bags = self.tx("split", coop_key, "--asset", merged, "--children-file", children)["assets"]
        self.mine()
        self.tx("asset-transfer", coop_key, "--asset", bags[0], "--to", exporter)
        self.mine()
        self.tx("attest", self.carrier_key, "--asset", bags[0], "--claim", "temp.max",
                "--value", "8 C", "--doc", "ab" * 32)
        self.mine()
        return bags[0]

    def run_test(self):
        self.base = self.nodes[0].rest_url()
        item = self.build_lineage()
        log(f"the item: {item}; its page {self.base}/asset/{item}")
        expect = {"asset": item,
                  "timeline_kinds": ["split_child", "transfer", "attest"],
                  "lineage_nodes": 4,  # the item, the merged lot, the two farm lots
                  "edge_labels": ["700.000 kg", "600.000 kg", "400.000 kg"],
                  "new_claim": {"claim": "temp.arrival", "value": "6 C"}}
        expect_path = os.path.join(self.tmpdir, "expect.json")
        with open(expect_path, "w") as f:
            json.dump(expect, f)
        artifacts = os.path.join(self.options.bindir, "artifacts")
        os.makedirs(artifacts, exist_ok=True)
        screenshot = os.path.join(artifacts, "explorer_asset.png")
        cmd = ["node", self.script, "--base", self.base, "--expect", expect_path,
               "--chromium", CHROMIUM, "--screenshot", screenshot]
        lines = self.drive_browser(cmd, item, expect["new_claim"])
        assert_equal(lines[-1] if lines else None, "PASS", "the browser script's verdict")
        if not os.path.exists(screenshot):
            raise TestFailure("no screenshot was written")
        log(f"artifact: screenshot {screenshot}")

    def drive_browser(self, cmd, item, claim):
        """Runs the browser script, echoing its lines; on READY_FOR_EVENT mines a block with a
        new attestation on the item. Bounded by BROWSER_TIMEOUT."""
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, cwd=os.path.dirname(self.script),
                                start_new_session=True)
        deadline = time.monotonic() + BROWSER_TIMEOUT
        lines, buf, attest_block = [], b"", None
        try:
            while time.monotonic() < deadline:
                ready, _, _ = select.select([proc.stdout], [], [], 1.0)
                if not ready:
                    continue
                chunk = os.read(proc.stdout.fileno(), 65536)
                if not chunk:
                    break
                buf += chunk
                while b"\n" in buf:
                    raw, buf = buf.split(b"\n", 1)
                    line = raw.decode(errors="replace").rstrip()
                    lines.append(line)
                    log(f"browser: {line}")
                    if line == "READY_FOR_EVENT":
                        self.tx("attest", self.carrier_key, "--asset", item, "--claim",
                                claim["claim"], "--value", claim["value"])
                        self.mine()
                        attest_block = self.nodes[0].rpc.getbestblockhash()
                    elif line == "READY_FOR_RETRACT":
                        self.nodes[0].rpc.invalidateblock(attest_block)
            else:
                raise TestFailure(f"the browser script ran past {BROWSER_TIMEOUT} s")
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
        if proc.returncode != 0:
            fail = [line for line in lines if line.startswith("FAIL")]
            raise TestFailure(f"the browser script failed (exit {proc.returncode}): "
                              f"{fail[-1] if fail else (lines[-1] if lines else 'no output')}")
        return lines


if __name__ == "__main__":
    ExplorerBrowserTest().main()
