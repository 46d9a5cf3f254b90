#!/usr/bin/env python3
"""Block time rules, driven by setmocktime: a header time at or below the median time past is
rejected ("time-too-old"), one beyond the node's clock plus max_future_block_time is rejected
("time-too-new") but accepted once the clock catches up, and the bounds themselves are valid.

Blocks are built from getblocktemplate's header, their time rewritten and their nonce solved
here in Python (regtest's target accepts about every other hash)."""

from framework import (JSONRPCError, WaybillTestFramework, assert_equal, assert_true,
                       header_fields, header_hash, log, set_header_time, solve_header)


class TimeRulesTest(WaybillTestFramework):
    def run_test(self):
        node = self.nodes[0]
        rpc = node.rpc
        max_future = self.regtest_genesis()["max_future_block_time"]
        _, miner = self.dev_key(0)

        genesis_time = header_fields(rpc.getblockheader(rpc.getblockhash(0), False))["time"]
        now = genesis_time + 100_000
        log(f"setmocktime {now}; mine 11 blocks")
        rpc.setmocktime(now)
        rpc.generatetoaddress(11, miner)
        assert_equal(rpc.getblockcount(), 11)

        mtp = self.median_time_past(rpc)
        log(f"median time past {mtp}, clock {now}, max future {max_future}")

        header = self.template_header(rpc, miner)
        tip = rpc.getbestblockhash()
        assert_equal(header_fields(header.hex())["prev"], tip, "template builds on the tip")

        log("time == median time past: time-too-old")
        self.expect_reject(rpc, set_header_time(header, mtp), "time-too-old")
        log("time < median time past: time-too-old")
        self.expect_reject(rpc, set_header_time(header, mtp - 1), "time-too-old")
        log("time > clock + max future: time-too-new")
        too_new = solve_header(set_header_time(header, now + max_future + 1))
        self.expect_reject(rpc, too_new, "time-too-new", solved=True)
        assert_equal(rpc.getbestblockhash(), tip, "rejected blocks leave the tip alone")

        log("time == median time past + 1: accepted")
        self.expect_accept(rpc, set_header_time(header, mtp + 1))
        assert_equal(rpc.getblockcount(), 12)

        log("time == clock + max future: accepted")
        header = self.template_header(rpc, miner)
        self.expect_accept(rpc, set_header_time(header, now + max_future))
        assert_equal(rpc.getblockcount(), 13)

        log("a too-new block is accepted once the clock catches up")
        header = self.template_header(rpc, miner)
        later = solve_header(set_header_time(header, now + max_future + 50))
        self.expect_reject(rpc, later, "time-too-new", solved=True)
        rpc.setmocktime(now + 50)
        self.expect_accept(rpc, later, solved=True)
        assert_equal(rpc.getblockcount(), 14)

        log("the node's own miner keeps the rules with the clock behind the chain")
        mtp = self.median_time_past(rpc)
        hashes = rpc.generatetoaddress(3, miner)
        assert_equal(rpc.getblockcount(), 17)
        for h in hashes:
            t = header_fields(rpc.getblockheader(h, False))["time"]
            assert_true(t > mtp, f"mined time {t} > median time past {mtp}")
            assert_true(t <= now + 50 + max_future, "mined time within the future bound")
            mtp = self.median_time_past(rpc)
        verify = rpc.verifychain()
        assert_true(verify["ok"] and not verify["problems"], f"verifychain: {verify}")

    @staticmethod
    def median_time_past(rpc):
        height = rpc.getblockcount()
        times = []
        for h in range(max(0, height - 10), height + 1):
            times.append(header_fields(rpc.getblockheader(rpc.getblockhash(h), False))["time"])
        times.sort()
        return times[len(times) // 2]

    @staticmethod
    def template_header(rpc, miner):
        template = rpc.getblocktemplate(miner)
        header = bytes.fromhex(template["header"])
        assert_equal(len(header), 116, "template header size")
        assert_equal(template.get("transactions", []), [], "empty mempool, empty template")
        return header

    @staticmethod
    def submit(rpc, header):
        # No txs: the block is the header and a zero tx count.
        try:
            result = rpc.submitblock((header + b"\x00").hex())
        except JSONRPCError as e:
            return e.message
        return result

    def expect_reject(self, rpc, header, reason, solved=False):
        if not solved:
            header = solve_header(header)
        result = self.submit(rpc, header)
        assert_true(isinstance(result, str) and reason in result,
                    f"expected {reason!r}, submitblock said {result!r}")
        assert_true(rpc.getbestblockhash() != header_hash(header).hex(), "not the tip")

    def expect_accept(self, rpc, header, solved=False):
        if not solved:
            header = solve_header(header)
        result = self.submit(rpc, header)
        assert_true(result in (None, "", "accepted"), f"submitblock said {result!r}")
        assert_equal(rpc.getbestblockhash(), header_hash(header).hex(), "new tip")


if __name__ == "__main__":
    TimeRulesTest().main()
