#!/usr/bin/env python3
"""JSON-RPC basics: chain info, mining, blocks at every verbosity, error codes, auth, and
clean shutdown by RPC `stop` and by SIGTERM."""

import json

from framework import (WaybillTestFramework, assert_equal, assert_greater_equal,
                       assert_raises_rpc_error, assert_true, header_hash, log)

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INVALID_ADDRESS_OR_KEY = -5  # also: unknown block/tx/asset
INVALID_PARAMETER = -8


class RpcBasicTest(WaybillTestFramework):
    def run_test(self):
        node = self.nodes[0]
        rpc = node.rpc
        _, miner = self.dev_key(0)

        log("getblockchaininfo on a fresh node")
        info = rpc.getblockchaininfo()
        assert_equal(info["chain"], "regtest", "chain")
        assert_equal(info["blocks"], 0, "blocks")
        genesis = rpc.getblockhash(0)
        assert_equal(info["bestblockhash"], genesis, "bestblockhash")
        assert_equal(rpc.getbestblockhash(), genesis)
        assert_equal(rpc.getblockcount(), 0)

        log("generatetoaddress 5")
        hashes = rpc.generatetoaddress(5, miner)
        assert_equal(len(hashes), 5, "generated")
        assert_equal(rpc.getblockcount(), 5)
        assert_equal(rpc.getbestblockhash(), hashes[-1])
        for height, h in enumerate(hashes, start=1):
            assert_equal(rpc.getblockhash(height), h, f"getblockhash({height})")

        log("getblock at verbosity 0, 1 and 2; getblockheader")
        tip = hashes[-1]
        raw = rpc.getblock(tip, 0)
        assert_true(isinstance(raw, str) and len(raw) >= 2 * 117, "getblock 0 returns hex")
        block_bytes = bytes.fromhex(raw)
        assert_equal(header_hash(block_bytes[:116]).hex(), tip, "id = SHA-256d(header)")
        b1 = rpc.getblock(tip)
        assert_equal(b1, rpc.getblock(tip, 1), "verbosity 1 is the default")
        assert_equal(b1["hash"], tip)
        assert_equal(b1["height"], 5)
        assert_equal(b1["previousblockhash"], hashes[-2])
        assert_true(isinstance(b1["tx"], list), "verbosity 1 lists txs")
        b2 = rpc.getblock(tip, 2)
        assert_equal(b2["hash"], tip)
        assert_equal(len(b2["tx"]), len(b1["tx"]))
        header = rpc.getblockheader(tip)
        assert_equal(header["hash"], tip)
        assert_equal(header["height"], 5)
        header_hex = rpc.getblockheader(tip, False)
        assert_equal(header_hex, raw[:232], "getblockheader hex = the block's first 116 bytes")
        first = rpc.getblock(hashes[0])
        assert_equal(first["previousblockhash"], genesis)

        log("error codes for bad requests")
        assert_raises_rpc_error(METHOD_NOT_FOUND, None, rpc.call, "nosuchmethod")
        assert_raises_rpc_error(INVALID_PARAMETER, None, rpc.getblockhash, 1000)
        assert_raises_rpc_error(INVALID_PARAMETER, None, rpc.getblockhash, -1)
        e = assert_raises_rpc_error(None, None, rpc.getblockhash, "one")
        assert_true(e.code in (INVALID_PARAMS, INVALID_PARAMETER), f"bad type code {e.code}")
        assert_raises_rpc_error(INVALID_ADDRESS_OR_KEY, None, rpc.getblock, "00" * 32)
        e = assert_raises_rpc_error(None, None, rpc.getblock, "not-a-hash")
        assert_true(e.code in (INVALID_PARAMS, INVALID_PARAMETER), f"bad hash code {e.code}")
        e = assert_raises_rpc_error(None, None, rpc.getblock, tip, 7)
        assert_true(e.code in (INVALID_PARAMS, INVALID_PARAMETER), f"bad verbosity {e.code}")
        e = assert_raises_rpc_error(None, None, rpc.generatetoaddress, 1, "wbr1notanaddress")
        assert_true(e.code in (INVALID_ADDRESS_OR_KEY, INVALID_PARAMETER, INVALID_PARAMS),
                    f"bad address code {e.code}")
        e = assert_raises_rpc_error(None, None, rpc.sendrawtransaction, "00")
        assert_true(e.code in (-22, INVALID_PARAMETER, INVALID_PARAMS), f"bad tx code {e.code}")

        status, text = rpc.post("{not json")
        assert_equal(status, 200, "parse error status")
        assert_equal(json.loads(text)["error"]["code"], PARSE_ERROR, "parse error code")
        status, text = rpc.post("[]")
        reply = json.loads(text)
        assert_true(isinstance(reply, dict) and reply["error"]["code"] == INVALID_REQUEST,
                    f"empty batch: {text}")
        status, text = rpc.post('{"jsonrpc":"2.0","id":1,"method":5}')
        assert_equal(json.loads(text)["error"]["code"], INVALID_REQUEST, "non-string method")
        status, text = rpc.post('[{"jsonrpc":"2.0","id":1,"method":"getblockcount"},'
                                '{"jsonrpc":"2.0","id":2,"method":"getbestblockhash"}]')
        batch = json.loads(text)
        assert_equal(sorted(r["id"] for r in batch), [1, 2], "batch ids")
        by_id = {r["id"]: r["result"] for r in batch}
        assert_equal(by_id[1], 5)
        assert_equal(by_id[2], tip)

        log("authentication is required")
        status, _ = rpc.post('{"jsonrpc":"2.0","id":1,"method":"getblockcount"}', auth=False)
        assert_equal(status, 401, "no credentials")
        status, _ = rpc.post('{"jsonrpc":"2.0","id":1,"method":"getblockcount"}',
                             auth=("__cookie__", "wrong"))
        assert_equal(status, 401, "wrong password")
        err = node.cli("rpc", "getblockcount", "--rpcuser=__cookie__", "--rpcpassword=bad",
                       expect_fail=True)
        assert_true("401" in err, f"CLI auth error: {err}")

        log("the CLI's rpc command")
        assert_equal(node.cli("rpc", "getblockcount"), "5")
        assert_equal(node.cli("rpc", "getblockhash", "5"), tip, "strings print bare")
        cli_block = json.loads(node.cli("rpc", "getblock", tip, "1"))
        assert_equal(cli_block["hash"], tip)
        err = node.cli("rpc", "getblockhash", "1000", expect_fail=True)
        assert_true("code -8" in err, f"CLI error text: {err}")
        err = node.cli("rpc", "nosuchmethod", expect_fail=True)
        assert_true("-32601" in err, f"CLI error text: {err}")

        log("stop via RPC exits with code 0")
        assert_equal(node.stop(), 0, "exit code after stop")
        node.start()
        assert_equal(node.rpc.getblockcount(), 5, "height after restart")
        assert_equal(node.rpc.getbestblockhash(), tip, "tip after restart")

        log("SIGTERM exits with code 0")
        assert_equal(node.terminate(), 0, "exit code after SIGTERM")
        node.start()
        assert_equal(node.rpc.getblockcount(), 5, "height after SIGTERM restart")
        verify = node.rpc.verifychain()
        assert_true(verify["ok"], f"verifychain: {verify}")
        assert_greater_equal(verify["blocks"], 5, "blocks verified")


if __name__ == "__main__":
    RpcBasicTest().main()
