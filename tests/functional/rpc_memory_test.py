#!/usr/bin/env python3
"""RPC memory amplification: requests that used to drive the node's memory up by hundreds of
MB are refused cheaply, and the node's resident memory (VmHWM, the peak, and VmRSS from
/proc/<pid>/status) grows by less than MEMORY_BOUND_MIB over all of them.

The attacks (each measured on the code before the fix):
- an authenticated 4 MiB batch of `{}` entries (RSS to 1.7 GB, kept afterwards);
- 167,772 `help` calls in one batch (a 505 MB reply);
- 32 unauthenticated requests announcing 4 MiB bodies and sending them (~250 MB held).
The limits are documented in docs/API.md ("Limits")."""

import base64
import json
import socket
import threading

from framework import (WaybillTestFramework, assert_equal, assert_true, log, reset_peak,
                       status_kib)

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
# The documented bound (docs/API.md): the node's peak resident memory grows by less than this
# over the whole test. The old code went past 1,700 MiB on the first attack alone.
MEMORY_BOUND_MIB = 64
MAX_BODY = 4 << 20
UNAUTH_CLIENTS = 32


def send_unauthenticated(port, body, results, i):
    """Sends a POST with a 4 MiB body and no credentials; records the status line it got."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(body))
        try:
            s.sendall(body)  # the server closes after its 401: this may fail half way
        except OSError:
            pass
        reply = b""
        try:
            while b"\r\n" not in reply:
                chunk = s.recv(4096)
                if not chunk:
                    break
                reply += chunk
        except OSError:
            pass
        s.close()
        results[i] = reply.split(b"\r\n")[0]
    except OSError as e:
        results[i] = repr(e).encode()


class RpcMemoryTest(WaybillTestFramework):
    time_limit = 600

    def run_test(self):
        node = self.nodes[0]
        rpc = node.rpc
        pid = node.process.pid
        _, miner = self.dev_key(0)
        rpc.generatetoaddress(2, miner)
        # Warm up the paths used below, so their one-time allocations are in the baseline.
        rpc.batch([("help", [])] * 10)
        rpc.post("[" + ",".join(["{}"] * 1000) + "]")

        rss_before = status_kib(pid, "VmRSS")
        peak_resettable = reset_peak(pid)
        hwm_before = status_kib(pid, "VmHWM")
        log(f"before: VmRSS {rss_before} KiB, VmHWM {hwm_before} KiB "
            f"(peak reset: {peak_resettable})")

        # The attacks first, their replies checked after the memory: on a node without the
        # limits the memory check is what fails.
        log("an authenticated 4 MiB batch of {} entries, 3 times")
        entries = (MAX_BODY - 2) // 3
        body = "[" + ",".join(["{}"] * entries) + "]"
        assert_true(len(body) <= MAX_BODY, "body within the size limit")
        empty_batch_replies = [rpc.post(body)[1] for _ in range(3)]
        del body

        log("167,772 help calls in one batch")
        body = "[" + ",".join(['{"method":"help"}'] * 167_772) + "]"
        assert_true(len(body) <= MAX_BODY, "body within the size limit")
        _, help_reply = rpc.post(body)
        del body

        log(f"{UNAUTH_CLIENTS} unauthenticated 4 MiB bodies at once")
        body = b"[" + b",".join([b"{}"] * ((MAX_BODY - 2) // 3)) + b"]"
        results = [None] * UNAUTH_CLIENTS
        threads = [threading.Thread(target=send_unauthenticated,
                                    args=(node.rpcport, body, results, i))
                   for i in range(UNAUTH_CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)

        rss_after = status_kib(pid, "VmRSS")
        hwm_after = status_kib(pid, "VmHWM")
        growth_peak = (hwm_after - (rss_before if peak_resettable else hwm_before)) // 1024
        growth_rss = (rss_after - rss_before) // 1024
        log(f"after: VmRSS {rss_after} KiB, VmHWM {hwm_after} KiB: peak growth {growth_peak} "
            f"MiB, RSS growth {growth_rss} MiB (bound {MEMORY_BOUND_MIB} MiB)")
        assert_true(growth_peak < MEMORY_BOUND_MIB,
                    f"peak memory grew by {growth_peak} MiB, bound {MEMORY_BOUND_MIB} MiB")
        assert_true(growth_rss < MEMORY_BOUND_MIB,
                    f"memory grew by {growth_rss} MiB, bound {MEMORY_BOUND_MIB} MiB")

        log("each attack got a short error")
        for text in empty_batch_replies:
            reply = json.loads(text)
            assert_true(isinstance(reply, dict) and "error" in reply, f"one error: {text[:200]}")
            assert_equal(reply["error"]["code"], PARSE_ERROR, "refused before parsing")
        assert_true(len(help_reply) < 4096, f"a short reply, not {len(help_reply)} bytes")
        assert_true("error" in json.loads(help_reply), f"refused: {help_reply[:200]}")
        statuses = [r for r in results if r and r.startswith(b"HTTP/1.1 ")]
        assert_true(all(r.startswith(b"HTTP/1.1 401") for r in statuses),
                    f"only 401s: {set(results)}")
        assert_true(len(statuses) > 0, f"some 401 read: {set(results)}")

        log("the batch limit: 1,000 entries run, 1,001 are refused whole")
        ok = rpc.batch([("help", [])] * 1000)
        assert_equal(len(ok), 1000, "replies")
        assert_true(all(err is None for _, err in ok), "every help answered")
        status, text = rpc.post(json.dumps([{"jsonrpc": "2.0", "id": i, "method": "help"}
                                            for i in range(1001)]))
        reply = json.loads(text)
        assert_true(isinstance(reply, dict), "one error object")
        assert_equal(reply["error"]["code"], INVALID_REQUEST, "batch too long")

        log("the node still answers")
        assert_equal(rpc.getblockcount(), 2, "height")
        assert_true(rpc.verifychain()["ok"], "verifychain")


if __name__ == "__main__":
    RpcMemoryTest().main()
