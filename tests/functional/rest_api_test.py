#!/usr/bin/env python3
"""The public REST API on a live regtest node (--rest): an asset issued, attested and split over
the CLI and read back over HTTP; CORS and its preflight, ETag/304, HEAD, 404/405/413 as
problem+json, the explorer page with its security headers, a GS1 Digital Link redirect, a client
that sends its header a byte at a time cut by the timeout while another is answered, and 429
with Retry-After after a burst from one IP."""

import json
import re
import socket
import threading
import time

from framework import WaybillTestFramework, assert_equal, assert_true, log

HEX64 = r"[0-9a-f]{64}"


class RestApiTest(WaybillTestFramework):
    rest = True

    def run_test(self):
        node = self.nodes[0]
        key, _ = self.dev_key(0)
        _, self.miner = self.new_key("miner")
        lot = self.issue(node, key)
        self.check_reads(node, lot)
        self.check_http_rules(node, lot)
        self.check_web_and_digital_link(node, lot)
        self.check_slow_client(node)
        self.check_rate_limit(node)

    def issue(self, node, key):
        log("issue a lot with gtin and lot metadata, attest it, split it")
        out = node.cli("asset", "issue", "--key", key, "--quantity", 100, "--unit", "kg",
                       "--meta", "gtin=09506000134352", "--meta", "lot=L-REST")
        lot = re.search(rf"asset ({HEX64})", out).group(1)
        self.mine()
        node.cli("asset", "attest", lot, "--key", key, "--claim", "organic", "--value", "EU-1")
        self.mine()
        node.cli("asset", "split", lot, "--key", key, "--quantities", "60,40")
        self.mine()
        return lot

    def mine(self):
        self.nodes[0].rpc.generatetoaddress(1, self.miner)

    def check_reads(self, node, lot):
        log("status, asset, history, trace, block, tx over REST")
        status = node.rest_json("/v1/status")
        assert_equal(status["network"], "regtest")
        assert_equal(status["height"], node.rpc.getblockcount())
        assert_equal(status["syncing"], False)
        asset = node.rest_json(f"/v1/assets/{lot}")
        assert_equal(asset["asset"]["status"], "split")
        assert_equal(asset["attestations"][0]["claim"], "organic")
        assert_true(asset["links"]["digital_link"].endswith("/01/09506000134352/10/L-REST"),
                    f"digital link: {asset['links']}")
        history = node.rest_json(f"/v1/assets/{lot}/history?limit=2")
        assert_equal(len(history["events"]), 2)
        assert_equal(history["next_cursor"], "2")
        trace = node.rest_json(f"/v1/assets/{lot}/trace?direction=forward")
        assert_equal(len(trace["nodes"]), 3, "the lot and its two children")
        assert_equal({e["kind"] for e in trace["edges"]}, {"split"})
        txid = history["events"][0]["txid"]
        tx = node.rest_json(f"/v1/txs/{txid}")
        assert_equal(tx["status"], "confirmed")
        block = node.rest_json(f"/v1/blocks/{tx['height']}")
        assert_equal(block["hash"], tx["block"])

    def check_http_rules(self, node, lot):
        log("CORS, preflight, ETag/304, HEAD, 404/405/413 problem+json")
        status, headers, body = node.rest_get(f"/v1/assets/{lot}",
                                              {"Origin": "https://shop.example"})
        assert_equal(status, 200)
        assert_equal(headers.get("access-control-allow-origin"), "*")
        etag = headers.get("etag")
        assert_true(etag and etag.startswith('"'), f"ETag: {headers}")
        status, headers, body = node.rest_get(f"/v1/assets/{lot}", {"If-None-Match": etag})
        assert_equal(status, 304)
        assert_equal(body, b"")
        status, headers, body = node.rest_get(
            f"/v1/assets/{lot}", {"Origin": "https://shop.example",
                                  "Access-Control-Request-Method": "GET"}, method="OPTIONS")
        assert_equal(status, 204)
        assert_true("GET" in headers.get("access-control-allow-methods", ""), f"{headers}")
        _, get_headers, get_body = node.rest_get("/v1/status")
        status, headers, body = node.rest_get("/v1/status", method="HEAD")
        assert_equal((status, body), (200, b""))
        assert_equal(headers.get("content-length"), str(len(get_body)))
        status, headers, body = node.rest_get("/v1/nothing")
        assert_equal(status, 404)
        assert_equal(headers.get("content-type"), "application/problem+json")
        assert_equal(json.loads(body)["status"], 404)
        status, headers, body = node.rest_get("/v1/status", method="DELETE")
        assert_equal(status, 405)
        assert_equal(headers.get("allow"), "GET, HEAD, OPTIONS")
        assert_equal(json.loads(body)["title"], "Method not allowed")
        status, _, _ = node.rest_get("/v1/assets/xyz")
        assert_equal(status, 400)
        conn_status = self.post_with_body(node, "/v1/status", b"x" * 10)
        assert_equal(conn_status, 413)

    def post_with_body(self, node, path, body):
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", node.restport, timeout=30)
        try:
            conn.request("POST", path, body=body)
            return conn.getresponse().status
        finally:
            conn.close()

    def check_web_and_digital_link(self, node, lot):
        log("the explorer page and its files, with their security headers")
        status, headers, body = node.rest_get(f"/asset/{lot}")
        assert_equal(status, 200)
        assert_true(headers.get("content-type", "").startswith("text/html"), f"{headers}")
        assert_true("default-src 'self'" in headers.get("content-security-policy", ""),
                    f"CSP: {headers}")
        assert_equal(headers.get("x-content-type-options"), "nosniff")
        status, _, index = node.rest_get("/")
        assert_equal((status, index), (200, body))
        status, _, _ = node.rest_get("/static/..%2f..%2fetc%2fpasswd")
        assert_equal(status, 400)
        log("a GS1 Digital Link: the lot and its children match gtin and lot: a search page")
        status, headers, _ = node.rest_get("/01/09506000134352/10/L-REST",
                                           {"Accept": "text/html"})
        assert_equal(status, 302)
        assert_true("/search?meta.gtin=09506000134352&meta.lot=L-REST" in headers["location"],
                    f"Location: {headers}")
        status, headers, body = node.rest_get("/01/09506000134352/10/L-REST",
                                              {"Accept": "application/linkset+json"})
        assert_equal(status, 200)
        assert_equal(len(json.loads(body)["linkset"]), 3)

    def check_slow_client(self, node):
        log("a client sending its header a byte at a time is cut; others are answered meanwhile")
        request = b"GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100 + b"\r\n\r\n"
        slow = socket.create_connection(("127.0.0.1", node.restport), timeout=10)
        closed = threading.Event()
        sent = [0]

        def dribble():
            try:
                for i in range(len(request)):
                    slow.sendall(request[i:i + 1])
                    sent[0] = i + 1
                    time.sleep(0.05)
                    if closed.is_set():
                        return
            except OSError:
                closed.set()

        t = threading.Thread(target=dribble, daemon=True)
        t.start()
        # Meanwhile another client is answered.
        status, _, _ = node.rest_get("/v1/status")
        assert_equal(status, 200)
        # The server closes the slow connection: recv sees EOF (or a reset) before the header
        # was complete.
        try:
            data = slow.recv(4096)
        except OSError:
            data = b""
        closed.set()
        t.join(timeout=20)
        slow.close()
        assert_true(not data.startswith(b"HTTP/1.1 200"), f"slow client was answered: {data!r}")
        assert_true(sent[0] < len(request), f"the whole header went through ({sent[0]} bytes)")

    def check_rate_limit(self, node):
        log("a burst from one IP gets 429 with Retry-After (rate 50/s, burst 100)")
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", node.restport, timeout=30)
        limited = None
        try:
            for _ in range(400):
                conn.request("GET", "/v1/status")
                response = conn.getresponse()
                response.read()
                if response.status == 429:
                    limited = response
                    break
                assert_equal(response.status, 200)
        finally:
            conn.close()
        assert_true(limited is not None, "no 429 after 400 requests")
        retry = limited.getheader("Retry-After")
        assert_true(retry is not None and int(retry) >= 1, f"Retry-After: {retry}")
        assert_equal(limited.getheader("Content-Type"), "application/problem+json")


if __name__ == "__main__":
    RestApiTest().main()
