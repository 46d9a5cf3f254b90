#!/usr/bin/env python3
"""The live event stream (GET /v1/events/stream, docs/API.md "Event stream") on a regtest node
with --rest, read as raw Server-Sent Events over a socket: `hello` first; the issue of an asset
reaches the asset's and the issuer's streams when its block is mined, not a stranger's; after
invalidateblock the block's `retract` arrives; a client that reconnects with Last-Event-ID is
sent what it missed (the issue mined again), one with an unknown id a `reset`; bad filters get
400 problems. Every wait is bounded."""

import json
import socket
import time
import urllib.error
import urllib.request

from framework import (TestFailure, WaybillTestFramework, assert_equal, assert_true, free_port,
                       log)

READ_TIMEOUT = 30  # seconds for any awaited message


class SseClient:
    """One stream: the header, then messages parsed as they arrive."""

    def __init__(self, port, query, last_event_id=None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=READ_TIMEOUT)
        extra = f"Last-Event-ID: {last_event_id}\r\n" if last_event_id else ""
        self.sock.sendall(f"GET /v1/events/stream?{query} HTTP/1.1\r\nHost: x\r\n"
                          f"Accept: text/event-stream\r\n{extra}\r\n".encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            self._recv()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        self.head = head.decode()

    def _recv(self):
        data = self.sock.recv(65536)
        if not data:
            raise TestFailure("the stream ended")
        self.buf += data

    def next_message(self):
        """The next message (keepalive comments skipped) as {"event", "id", "data"}."""
        deadline = time.monotonic() + READ_TIMEOUT
        while True:
            while b"\n\n" not in self.buf:
                if time.monotonic() > deadline:
                    raise TestFailure("no message within the time limit")
                self._recv()
            block, self.buf = self.buf.split(b"\n\n", 1)
            msg = {}
            for line in block.decode().split("\n"):
                if line.startswith(":"):
                    continue
                name, _, value = line.partition(": ")
                msg[name] = value
            if "event" in msg:
                if "data" in msg:
                    msg["data"] = json.loads(msg["data"])
                return msg

    def pending(self):
        """What has arrived without waiting (a short poll)."""
        self.sock.settimeout(0.5)
        try:
            self._recv()
        except (socket.timeout, TestFailure):
            pass
        finally:
            self.sock.settimeout(READ_TIMEOUT)
        return self.buf

    def close(self):
        self.sock.close()


class RestEventsTest(WaybillTestFramework):
    def set_test_params(self):
        self.num_nodes = 1
        self.rest_port = free_port()
        self.base = f"http://127.0.0.1:{self.rest_port}"

    def extra_args(self, index):
        return ["--rest", "--restbind=127.0.0.1", f"--restport={self.rest_port}"]

    def tx(self, command, key, *args):
        return json.loads(self.nodes[0].cli("tx", command, "--key", key, "--json", *args))

    def get_status(self, path):
        try:
            with urllib.request.urlopen(self.base + path, timeout=READ_TIMEOUT) as r:
                return r.status, r.headers.get("Content-Type")
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Content-Type")

    def run_test(self):
        rpc = self.nodes[0].rpc
        farm_key, farm = self.dev_key(1)
        _, stranger = self.dev_key(2)
        _, miner = self.new_key("miner")

        log("bad filters are 400 problems")
        for query in ["", "?asset=xyz", "?account=nope",
                      f"?asset={'a' * 64}&account={farm}"]:
            status, ctype = self.get_status("/v1/events/stream" + query)
            assert_equal(status, 400, f"status for {query!r}")
            assert_equal(ctype, "application/problem+json", f"type for {query!r}")

        asset = self.tx("issue", farm_key, "--quantity", "250.000", "--unit", "kg",
                        "--meta", "lot=EV-1")["assets"][0]
        by_asset = SseClient(self.rest_port, f"asset={asset}")
        by_farm = SseClient(self.rest_port, f"account={farm}")
        by_stranger = SseClient(self.rest_port, f"account={stranger}")
        assert_true(by_asset.head.startswith("HTTP/1.1 200"), by_asset.head)
        assert_true("Content-Type: text/event-stream" in by_asset.head, by_asset.head)
        assert_true("Content-Length" not in by_asset.head, by_asset.head)
        tip_height = rpc.getblockcount()
        for client in (by_asset, by_farm, by_stranger):
            hello = client.next_message()
            assert_equal(hello["event"], "hello", "first message")
            assert_equal(hello["data"]["height"], tip_height, "hello's height")

        log("a mined issue reaches the asset's and the issuer's streams")
        block = rpc.generatetoaddress(1, miner)[0]
        for client in (by_asset, by_farm):
            msg = client.next_message()
            assert_equal(msg["event"], "event", "message kind")
            assert_equal(msg["data"]["block"], block, "the block")
            assert_equal(msg["data"]["height"], tip_height + 1, "the height")
            assert_equal(msg["data"]["asset"], asset, "the asset")
            assert_equal(msg["data"]["event"]["type"], "issue", "the event")
            txid = msg["data"]["event"]["txid"]
            epoch, _, sequence = msg["id"].partition("-")
            assert_equal(len(epoch), 16, f"the id's epoch: {msg['id']}")
            assert_true(sequence.isdigit(), f"the id's sequence: {msg['id']}")

        log("invalidateblock retracts it")
        rpc.invalidateblock(block)
        for client in (by_asset, by_farm):
            msg = client.next_message()
            assert_equal(msg["event"], "retract", "message kind")
            assert_equal(msg["data"]["block"], block, "the retracted block")
            assert_equal(msg["data"]["assets"], [asset], "the retracted assets")
            assert_equal(msg["data"]["txids"], [txid], "the retracted txs")

        log("a client that reconnects with its Last-Event-ID gets what it missed")
        last_seen = msg["id"]
        by_asset.close()
        again = rpc.generatetoaddress(1, miner)[0]  # the issue, back from the mempool
        by_asset = SseClient(self.rest_port, f"asset={asset}", last_seen)
        hello = by_asset.next_message()
        assert_equal((hello["event"], hello["id"]), ("hello", last_seen), "the replay's hello")
        msg = by_asset.next_message()
        assert_equal(msg["event"], "event", "the missed message")
        assert_equal(msg["data"]["block"], again, "the missed message's block")
        assert_equal(msg["data"]["event"]["txid"], txid, "the missed event")
        assert_true(int(msg["id"].partition("-")[2]) > int(last_seen.partition("-")[2]),
                    "ids grow")
        for event_id in ("0000000000000000-1", "garbage"):
            stale = SseClient(self.rest_port, f"asset={asset}&last_event_id={event_id}")
            assert_equal(stale.next_message()["event"], "hello", "first message")
            reset = stale.next_message()
            assert_equal(reset["event"], "reset", f"after an unknown id {event_id}")
            assert_equal(reset["data"]["tip"], again, "the reset's tip")
            stale.close()

        log("the stranger got nothing")
        rest = by_stranger.pending()
        assert_true(b"event:" not in rest, f"the stranger's stream: {rest!r}")
        for client in (by_asset, by_farm, by_stranger):
            client.close()


if __name__ == "__main__":
    RestEventsTest().main()
