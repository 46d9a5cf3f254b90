#!/usr/bin/env python3
"""RPC lock-out: idle and trickling unauthenticated connections cannot take the RPC server's
slots from an honest client.

70 sockets connect and send nothing, 8 more send a request header one byte at a time, and 4
send an unauthenticated header that announces a 4 MiB body: an honest getblockchaininfo and
GET /health still succeed at once, again while the attack is renewed, and the server closes
the idle pre-auth connections by itself (docs/API.md, "Limits")."""

import base64
import http.client
import json
import socket
import time

from framework import WaybillTestFramework, assert_equal, assert_true, log, wait_until

IDLE = 70        # more than the 64 slots
TRICKLE = 8
BIG_BODY = 4 << 20


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.setblocking(True)
    return s


def closed_by_server(s):
    """True once the server has closed s (EOF or reset); False while it is open."""
    s.setblocking(False)
    try:
        return s.recv(65536) == b"" or closed_by_server(s)
    except BlockingIOError:
        return False
    except OSError:
        return True


class RpcLimitsTest(WaybillTestFramework):
    time_limit = 300

    def honest_calls(self, node, what):
        # A fresh client each time (no connection kept from before the attack); one attempt.
        rpc = node.make_rpc(timeout=30)
        info = rpc.getblockchaininfo()
        assert_equal(info["chain"], "regtest", f"getblockchaininfo {what}")
        conn = http.client.HTTPConnection("127.0.0.1", node.rpcport, timeout=30)
        try:
            conn.request("GET", "/health")
            resp = conn.getresponse()
            assert_equal(resp.status, 200, f"/health {what}")
            assert_equal(resp.read().strip(), b"ok", f"/health body {what}")
        finally:
            conn.close()

    def attack(self, port):
        idle = [connect(port) for _ in range(IDLE)]
        tricklers = [connect(port) for _ in range(TRICKLE)]
        for s in tricklers:
            s.sendall(b"P")
        return idle, tricklers

    def run_test(self):
        node = self.nodes[0]
        port = node.rpcport

        log(f"{IDLE} idle sockets and {TRICKLE} trickling ones, then honest calls")
        idle, tricklers = self.attack(port)
        self.honest_calls(node, "during the attack")
        header = b"OST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        for i in range(3):
            for s in tricklers:
                try:
                    s.send(header[i:i + 1])
                except OSError:
                    pass
            self.honest_calls(node, f"while headers trickle ({i})")

        log("unauthenticated requests announcing a 4 MiB body get 401 before the body")
        for _ in range(4):
            s = connect(port)
            s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      b"Content-Length: %d\r\n\r\n" % BIG_BODY)
            s.settimeout(30)
            reply = b""
            while b"\r\n\r\n" not in reply:
                chunk = s.recv(4096)
                if not chunk:
                    break
                reply += chunk
            assert_true(reply.startswith(b"HTTP/1.1 401"), f"401 without a body: {reply[:80]}")
            wait_until(lambda: closed_by_server(s), timeout=30,
                       what="the server closes the unauthenticated connection")
            s.close()

        log("the server closes idle pre-auth connections by itself")
        wait_until(lambda: all(closed_by_server(s) for s in idle + tricklers), timeout=60,
                   what="idle and trickling connections closed")
        for s in idle + tricklers:
            s.close()

        log("a renewed attack: honest calls still succeed")
        idle, tricklers = self.attack(port)
        self.honest_calls(node, "during the second attack")
        # An authenticated keep-alive connection keeps working next to the attack.
        user, password = node.cookie()
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for i in range(3):
            conn.request("POST", "/", body=json.dumps(
                {"jsonrpc": "2.0", "id": i, "method": "getblockcount"}),
                headers={"Content-Type": "application/json", "Authorization": "Basic " + token})
            resp = conn.getresponse()
            assert_equal(resp.status, 200, "keep-alive call")
            assert_equal(json.loads(resp.read())["result"], 0, "keep-alive result")
            more = [connect(port) for _ in range(IDLE)]
            idle += more
        conn.close()
        for s in idle + tricklers:
            s.close()
        self.honest_calls(node, "after the attack")


if __name__ == "__main__":
    RpcLimitsTest().main()
