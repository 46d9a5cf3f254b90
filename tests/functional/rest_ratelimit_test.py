#!/usr/bin/env python3
"""--restratelimit on a live node: --restratelimit=3 admits a burst of 6 from one IP, then answers
429 with Retry-After; --restratelimit=0 never answers 429 (no limit), on keep-alive connections."""

import http.client
import time

from framework import WaybillTestFramework, assert_equal, assert_true, log


def statuses(node, count):
    """The statuses of `count` GET /v1/status on one keep-alive connection, and the seconds it
    took."""
    conn = http.client.HTTPConnection("127.0.0.1", node.restport, timeout=30)
    out = []
    start = time.monotonic()
    try:
        for _ in range(count):
            conn.request("GET", "/v1/status")
            response = conn.getresponse()
            response.read()
            out.append((response.status, response.getheader("Retry-After")))
    finally:
        conn.close()
    return out, time.monotonic() - start


class RestRateLimitTest(WaybillTestFramework):
    num_nodes = 2
    rest = True

    def extra_args(self, index):
        return ["--restratelimit=0"] if index == 0 else ["--restratelimit=3"]

    def run_test(self):
        log("--restratelimit=3: a burst of 6, then 429 with Retry-After")
        replies, seconds = statuses(self.nodes[1], 40)
        codes = [status for status, _ in replies]
        assert_equal(codes[:6], [200] * 6)  # the bucket starts full: 2 x 3
        # At most the burst plus 3 a second (and one for rounding) are admitted.
        assert_true(codes.count(200) <= 6 + 3 * seconds + 1,
                    f"{codes.count(200)} admitted in {seconds:.2f} s")
        assert_true(429 in codes, f"no 429 in 40 requests ({seconds:.2f} s): {codes}")
        retry = replies[codes.index(429)][1]
        assert_true(retry is not None and int(retry) >= 1, f"Retry-After: {retry}")

        log("--restratelimit=0: no 429 however fast")
        replies, _ = statuses(self.nodes[0], 500)
        assert_equal(sorted({status for status, _ in replies}), [200])


if __name__ == "__main__":
    RestRateLimitTest().main()
