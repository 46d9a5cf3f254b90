#!/usr/bin/env python3
"""Proof bundles over REST (docs/PROTOCOL.md §14, docs/API.md "REST API"): a regtest node with
the REST listener, a lineage built through the CLI (two farm lots with profiles, merged by a
cooperative, split, one half roasted by a transform, handed on, attested), then
GET /v1/assets/{id}/proof saved to a file and checked with `waybill proof verify` and no node:
"verified" with the story (a farm's name, the roast); the JSON form; 400 and 404 problems; a
flipped byte in a tx's signature fails with exit code 1 naming the `signature` check, a
flipped byte in a header's nonce fails naming `pow` or `link`; the wrong network is refused."""

import json
import os
import subprocess
import urllib.error
import urllib.request

from framework import TestFailure, WaybillTestFramework, assert_equal, assert_true, free_port, log


def get(url):
    """(status, headers, body bytes) of a GET; error statuses are returned, not raised."""
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def compact_size(data, pos):
    """(value, next position) of the CompactSize at pos."""
    first = data[pos]
    if first < 0xfd:
        return first, pos + 1
    width = {0xfd: 2, 0xfe: 4, 0xff: 8}[first]
    return int.from_bytes(data[pos + 1:pos + 1 + width], "little"), pos + 1 + width


def first_tx_span(data):
    """(start, end) of the first entry's tx bytes and the header count, from the §14.1 layout."""
    headers, pos = compact_size(data, 4 + 1 + 32 + 32)
    pos += 116 * headers
    _, pos = compact_size(data, pos)  # entries
    pos += 12
    path, pos = compact_size(data, pos)
    pos += 32 * path
    length, pos = compact_size(data, pos)
    return pos, pos + length, headers


class RestProofTest(WaybillTestFramework):
    def set_test_params(self):
        self.num_nodes = 1
        self.rest_port = free_port()
        self.base = f"http://127.0.0.1:{self.rest_port}"

    def extra_args(self, index):
        return ["--rest", "--restbind=127.0.0.1", f"--restport={self.rest_port}"]

    def tx(self, command, key, *args):
        return json.loads(self.nodes[0].cli("tx", command, "--key", key, "--json", *args))

    def mine(self):
        self.nodes[0].rpc.generatetoaddress(1, self.miner)

    def verify(self, path, *extra):
        """(exit code, stdout) of `waybill proof verify path --network regtest` (no node)."""
        cmd = [self.waybill, "proof", "verify", path, "--network", "regtest", *extra]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=self.tmpdir,
                              start_new_session=True)
        return proc.returncode, proc.stdout + proc.stderr

    def build_lineage(self):
        farm_key, _ = self.dev_key(1)
        farm2_key, _ = self.dev_key(2)
        coop_key, coop = self.dev_key(3)
        roaster_key, roaster = self.dev_key(4)
        _, self.miner = self.new_key("miner")
        self.tx("profile", farm_key, "--name", "Finca La Esperanza", "--role", "farm")
        lot1 = self.tx("issue", farm_key, "--quantity", "600.000", "--unit", "kg",
                       "--meta", "lot=F1")["assets"][0]
        lot2 = self.tx("issue", farm2_key, "--quantity", "400.000", "--unit", "kg",
                       "--meta", "lot=F2")["assets"][0]
        self.mine()
        self.tx("asset-transfer", farm_key, "--asset", lot1, "--to", coop)
        self.tx("asset-transfer", farm2_key, "--asset", lot2, "--to", coop)
        self.mine()
        merged = self.tx("merge", coop_key, "--inputs", f"{lot1},{lot2}", "--quantity",
                         "1000.000", "--unit", "kg")["assets"][0]
        self.mine()
        halves = self.tx("split", coop_key, "--asset", merged, "--quantities",
                         "700000,300000")["assets"]
        self.mine()
        self.tx("asset-transfer", coop_key, "--asset", halves[0], "--to", roaster)
        self.mine()
        roast = self.tx("transform", roaster_key, "--inputs", halves[0], "--outputs",
                        "600.000:kg")["assets"][0]
        self.tx("attest", coop_key, "--asset", roast, "--claim", "cupping", "--value", "86")
        self.mine()
        self.mine()
        return roast

    def run_test(self):
        roast = self.build_lineage()
        url = f"{self.base}/v1/assets/{roast}/proof"
        status, headers, body = get(url)
        assert_equal(status, 200, "GET proof")
        assert_equal(headers.get("Content-Type"), "application/vnd.waybill.proof")
        assert_equal(headers.get("Content-Disposition"),
                     f'attachment; filename="{roast}.wbproof"')
        assert_equal(body[:5], b"WBPF\x02", "magic and version")
        path = os.path.join(self.tmpdir, "roast.wbproof")
        with open(path, "wb") as f:
            f.write(body)
        log(f"bundle: {len(body)} bytes")

        rc, out = self.verify(path)
        assert_equal(rc, 0, f"verify exit code: {out}")
        assert_true(out.rstrip().endswith("verified"), f"verified: {out}")
        for text in ["Finca La Esperanza", "transformed", "split", "merged", "cupping = 86",
                     "600.000 kg"]:
            assert_true(text in out, f"the story names {text!r}: {out}")
        rc, out = self.verify(path, "--json")
        assert_equal(rc, 0, "verify --json")
        report = json.loads(out)
        assert_equal(report["verified"], True)
        assert_equal(len(report["assets"]), 5, "roast, half, merged, two lots")

        status, _, body_json = get(url + "?format=json")
        assert_equal(status, 200, "GET proof?format=json")
        j = json.loads(body_json)
        assert_equal(j["subject"], roast)
        assert_equal(j["chain_id"], self.nodes[0].rpc.getblockhash(0))
        assert_equal(j["assets"][0]["asset"], roast)
        assert_equal(len(j["headers"]), self.nodes[0].rpc.getblockcount())

        status, headers, _ = get(f"{self.base}/v1/assets/{'ab' * 32}/proof")
        assert_equal(status, 404, "unknown asset")
        assert_equal(headers.get("Content-Type"), "application/problem+json")
        assert_equal(get(f"{self.base}/v1/assets/xyz/proof")[0], 400, "malformed id")
        assert_equal(get(url + "?format=pdf")[0], 400, "unknown format")

        # Tampering: the last byte of the first tx (its signature), then a header's nonce.
        start, end, headers_count = first_tx_span(body)
        tampered = bytearray(body)
        tampered[end - 1] ^= 0x01
        bad = os.path.join(self.tmpdir, "bad_sig.wbproof")
        with open(bad, "wb") as f:
            f.write(tampered)
        rc, out = self.verify(bad)
        assert_equal(rc, 1, f"tampered tx: {out}")
        assert_true("FAILED: check signature" in out, f"names the signature check: {out}")
        log(f"tampered tx: {out.strip()}")

        tampered = bytearray(body)
        nonce_of_first = 69 + 1 + 108  # header 1's nonce (u64 at offset 108)
        tampered[nonce_of_first + 7] ^= 0x80
        bad = os.path.join(self.tmpdir, "bad_nonce.wbproof")
        with open(bad, "wb") as f:
            f.write(tampered)
        rc, out = self.verify(bad)
        assert_equal(rc, 1, f"tampered header: {out}")
        # Regtest's target passes about half of all ids: either the header fails its proof of
        # work or the next header no longer links to it.
        assert_true("FAILED: check pow" in out or "FAILED: check link" in out,
                    f"names the pow or link check: {out}")
        assert_true(headers_count >= 2, "a next header to link")

        rc, out = subprocess.run([self.waybill, "proof", "verify", path, "--network", "devnet"],
                                 capture_output=True, text=True, timeout=120,
                                 start_new_session=True).returncode, None
        assert_equal(rc, 1, "another network's genesis")


if __name__ == "__main__":
    RestProofTest().main()
