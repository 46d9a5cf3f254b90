#!/usr/bin/env python3
"""GET /metrics and GET /healthz on a live regtest node's REST listener: the text parses as
Prometheus text format 0.0.4 (checked line by line here); the chain height follows mining; the
block-connect histogram counts exactly the blocks connected (and its buckets are cumulative);
request counters move by route pattern and status on both listeners, and no raw path becomes a
label; /healthz answers 200 with the height; the RPC listener does not serve /metrics."""

import base64
import http.client
import json
import re

from framework import WaybillTestFramework, assert_equal, assert_true, log, wait_until

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
SAMPLE = re.compile(rf'^({NAME})(?:\{{(.*)\}})? (\S+)$')
LABEL = re.compile(rf'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\[\\"n])*)"(,|$)')


def parse_metrics(text):
    """{(name, ((label, value), ...)): float}; raises on any line that is not 0.0.4."""
    assert_true(text.endswith("\n"), "final newline")
    types, samples = {}, {}
    for line in text.splitlines():
        if line.startswith("# HELP "):
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert_true(kind in ("counter", "gauge", "histogram"), line)
            assert_true(name not in types, f"TYPE twice: {line}")
            types[name] = kind
            continue
        m = SAMPLE.match(line)
        assert_true(m is not None, f"not a sample line: {line!r}")
        name, labels_text, value = m.groups()
        labels = []
        pos = 0
        while labels_text and pos < len(labels_text):
            lm = LABEL.match(labels_text, pos)
            assert_true(lm is not None, f"bad labels: {line!r}")
            labels.append((lm.group(1), lm.group(2)))
            pos = lm.end()
        family = re.sub(r"_(bucket|sum|count)$", "", name)
        if family != name and types.get(family) != "histogram":
            family = name
        assert_true(family in types, f"sample before its TYPE: {line!r}")
        samples[(name, tuple(labels))] = float(value)
    return samples


class RestMetricsTest(WaybillTestFramework):
    rest = True

    def metrics(self):
        status, headers, body = self.rest_get("/metrics")
        assert_equal(status, 200)
        assert_true(headers["content-type"].startswith("text/plain; version=0.0.4"), headers)
        return parse_metrics(body.decode())

    def run_test(self):
        node = self.nodes[0]
        _, miner = self.new_key("miner")

        m = self.metrics()
        assert_equal(m[("waybill_chain_height", ())], node.rpc.getblockcount())
        info = [(dict(labels), v) for (name, labels), v in m.items() if name == "waybill_info"]
        assert_equal(len(info), 1)
        assert_equal(info[0][0]["network"], "regtest")
        assert_true(info[0][0]["version"] != "", "a version")
        assert_equal(info[0][1], 1)
        for direction in ("inbound", "outbound"):
            assert_equal(m[("waybill_peers", (("direction", direction),))], 0)
        assert_equal(m[("waybill_hashrate_hashes_per_second", ())], 0)
        assert_equal(m[("waybill_mempool_transactions", ())], 0)
        connected0 = m[("waybill_blocks_connected_total", ())]

        log("mine 5 blocks: height, blocks connected and the histogram follow")
        node.rpc.generatetoaddress(5, miner)
        m = self.metrics()
        height = node.rpc.getblockcount()
        assert_equal(m[("waybill_chain_height", ())], height)
        assert_equal(m[("waybill_headers_height", ())], height)
        connected = m[("waybill_blocks_connected_total", ())]
        assert_equal(connected, connected0 + 5)
        assert_equal(m[("waybill_block_connect_seconds_count", ())], connected)
        assert_equal(m[("waybill_reorgs_total", ())], 0)
        buckets = [(k[1][-1][1], v) for k, v in m.items()
                   if k[0] == "waybill_block_connect_seconds_bucket"]
        assert_equal(buckets[-1], ("+Inf", connected))
        counts = [v for _, v in buckets]
        assert_equal(counts, sorted(counts), "cumulative buckets")

        log("request counters move by route pattern and status")
        key = ("waybill_http_requests_total",
               (("listener", "rest"), ("route", "/v1/status"), ("status", "200")))
        before = m.get(key, 0)
        for _ in range(3):
            node.rest_json("/v1/status")
        unknown = "ab" * 32
        status, _, _ = self.rest_get(f"/v1/assets/{unknown}")
        assert_equal(status, 404)
        # A request is counted once its reply is written: the client may read it first.
        wait_until(lambda: self.metrics().get(key) == before + 3, timeout=30,
                   what="the three /v1/status requests counted")
        m = self.metrics()
        assert_equal(m[key], before + 3)
        assert_equal(m[("waybill_http_requests_total", (("listener", "rest"),
                        ("route", "/v1/assets/{id}"), ("status", "404")))], 1)
        assert_true(all(unknown not in str(k) for k in m), "no raw path in a label")
        rpc_ok = ("waybill_http_requests_total",
                  (("listener", "rpc"), ("route", "/"), ("status", "200")))
        rpc_before = m[rpc_ok]
        node.rpc.getblockcount()
        node.rpc.getblockcount()
        wait_until(lambda: self.metrics()[rpc_ok] == rpc_before + 2, timeout=30,
                   what="the two RPC calls counted")
        assert_true(m[("waybill_http_request_seconds_count", (("listener", "rest"),))] >= 5,
                    "request durations counted")

        log("/healthz: 200 with the height")
        status, headers, body = self.rest_get("/healthz")
        assert_equal(status, 200)
        assert_equal(json.loads(body), {"status": "ok", "height": height})
        assert_equal(headers.get("cache-control"), "no-store")

        log("the RPC listener does not serve /metrics")
        user, password = node.cookie()
        conn = http.client.HTTPConnection("127.0.0.1", node.rpcport, timeout=30)
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        conn.request("GET", "/metrics", headers={"Authorization": "Basic " + token})
        response = conn.getresponse()
        response.read()
        conn.close()
        assert_equal(response.status, 404)


if __name__ == "__main__":
    RestMetricsTest().main()
