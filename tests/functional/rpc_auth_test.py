#!/usr/bin/env python3
"""JSON-RPC users with method allowlists on a live regtest node: `waybill rpcauth` makes the
--rpcauth lines (one password from a file, one random and printed once); a read-only user
(--rpcwhitelist) calls getblockchaininfo, gets HTTP 403 with a JSON-RPC error for stop (the node
keeps running) and for a batch holding one forbidden call (none of it runs); a user without a
whitelist gets nothing once a whitelist exists (--rpcwhitelistdefault unset); a wrong password
gets 401; the cookie keeps every method; a malformed --rpcauth stops waybilld at start with a
clear message. No password is ever on a command line: they go through a file or stay in this
process."""

import json
import os
import subprocess

from framework import RpcClient, WaybillTestFramework, assert_equal, assert_true, log

READ_ONLY = "getblockchaininfo,getblock,getblockcount,getbestblockhash,getasset,help"


class RpcAuthTest(WaybillTestFramework):
    def set_test_params(self):
        log("waybill rpcauth: one password from a file, one random")
        self.reader_password = "reader-" + str(self.rng.randrange(10**12))
        path = os.path.join(self.tmpdir, "reader.pw")
        with open(path, "w") as f:
            f.write(self.reader_password + "\n")
        out = self.run_cli(["rpcauth", "reader", "--passphrase-file", path]).splitlines()
        assert_equal(len(out), 1, "one line when the password is given")
        self.reader_line = out[0]
        assert_true(self.reader_line.startswith("rpcauth=reader:"), self.reader_line)
        out = self.run_cli(["rpcauth", "auditor"]).splitlines()
        assert_equal(len(out), 2, "the line and the random password")
        self.auditor_line, self.auditor_password = out
        assert_equal(len(self.auditor_password), 64)

    def extra_args(self, index):
        return ["--" + self.reader_line, "--" + self.auditor_line,
                "--rpcwhitelist=reader:" + READ_ONLY]

    def client(self, user, password):
        return RpcClient("127.0.0.1", self.nodes[0].rpcport, (user, password))

    def run_test(self):
        node = self.nodes[0]
        reader = self.client("reader", self.reader_password)

        log("the read-only user reads")
        info = reader.getblockchaininfo()
        assert_equal(info["blocks"], node.rpc.getblockcount())
        assert_equal(reader.getblockcount(), info["blocks"])

        log("stop is refused with 403 and a JSON-RPC error; the node keeps running")
        body = json.dumps({"jsonrpc": "2.0", "id": 5, "method": "stop"})
        status, text = reader.post(body)
        assert_equal(status, 403, text)
        reply = json.loads(text)
        assert_equal(reply["error"]["code"], -32001)
        assert_equal(reply["id"], 5)
        assert_true("stop" in reply["error"]["message"], reply)
        assert_true(node.running(), "the node still runs")
        assert_equal(node.rpc.getblockcount(), info["blocks"])

        log("a batch holding one forbidden call is refused whole")
        batch = json.dumps([{"jsonrpc": "2.0", "id": 1, "method": "getblockcount"},
                            {"jsonrpc": "2.0", "id": 2, "method": "invalidateblock",
                             "params": [info["bestblockhash"]]}])
        status, text = reader.post(batch)
        assert_equal(status, 403, text)
        assert_true("batch" in json.loads(text)["error"]["message"], text)
        assert_equal(node.rpc.getbestblockhash(), info["bestblockhash"])

        log("a user without a whitelist may call nothing once any whitelist exists")
        auditor = self.client("auditor", self.auditor_password)
        status, text = auditor.post(json.dumps({"jsonrpc": "2.0", "id": 1,
                                                "method": "getblockcount"}))
        assert_equal(status, 403, text)

        log("a wrong password gets 401")
        status, _ = self.client("reader", self.reader_password + "x").post(
            json.dumps({"jsonrpc": "2.0", "id": 1, "method": "getblockcount"}))
        assert_equal(status, 401)
        status, _ = self.client("reader", self.auditor_password).post(
            json.dumps({"jsonrpc": "2.0", "id": 1, "method": "getblockcount"}))
        assert_equal(status, 401)

        log("the cookie user keeps every method")
        assert_equal(node.rpc.call("help", "stop").split()[0], "stop")

        self.check_malformed_line()

    def check_malformed_line(self):
        log("a malformed --rpcauth stops waybilld at start, naming the option")
        datadir = os.path.join(self.tmpdir, "bad")
        os.makedirs(datadir)
        proc = subprocess.run(
            [self.waybilld, f"--datadir={datadir}", "--network=regtest", "--printtoconsole=0",
             "--rpcauth=reader:salt$1234"],
            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        assert_equal(proc.returncode, 1, proc.stderr)
        assert_true("--rpcauth for user reader" in proc.stderr and "64 hex digits" in proc.stderr,
                    proc.stderr)


if __name__ == "__main__":
    RpcAuthTest().main()
