#!/usr/bin/env python3
"""The txs message of protocol 4 (docs/PROTOCOL.md §12.5), against one real node.

Python peers (p2p_codec) from their own 127.0.0.x addresses:
- the node announces protocol 4 in its version and still completes a handshake with a peer
  of protocol 3;
- asked with one getdata for three mempool txs, it answers a protocol-3 peer with three tx
  messages and a protocol-4 peer with one txs message holding the three, in the order asked;
- a protocol-4 peer that announces five txs of one sender and answers the getdata with one
  txs message, the first two out of nonce order, gets all five into the mempool and keeps a
  score of 0;
- a txs message holding a tx with a bad signature and a good one: the good one is accepted,
  the peer is banned (as a tx message with that tx would get it);
- a txs message that does not decode bans its sender, as an undecodable tx message does."""

from framework import (REGTEST_MAGIC, WaybillTestFramework, assert_equal, assert_true, log,
                       txid_of, wait_until)
from p2p_codec import (INV_TX, P2PConnection, inv_payload, parse_inv, parse_txs,
                       parse_version, txs_payload)


class P2PTxsTest(WaybillTestFramework):
    num_nodes = 1
    time_limit = 240

    def signed(self, key, nonce, amount):
        out = self.nodes[0].cli_json("tx", "transfer", "--key", key, "--to", self.payee,
                                     "--amount", f"{amount}base", "--nonce", nonce,
                                     "--dry-run", "--json")
        return out["hex"]

    def peer(self, source_ip, version):
        p = P2PConnection("127.0.0.1", self.nodes[0].p2pport, REGTEST_MAGIC,
                          source_ip=source_ip)
        theirs = parse_version(p.handshake(self.genesis_hash(), version=version))
        return p, theirs

    def score(self, source_ip):
        return [p["banscore"] for p in self.nodes[0].rpc.getpeerinfo()
                if p["addr"].startswith(source_ip + ":")]

    def banned(self, ip):
        return any(e["address"] == ip for e in self.nodes[0].rpc.listbanned())

    def run_test(self):
        a = self.nodes[0]
        key1, _ = self.dev_key(1)
        key2, _ = self.dev_key(2)
        _, self.payee = self.dev_key(9)

        log("a protocol-4 peer sends five txs of one sender in one txs message")
        p4, theirs = self.peer("127.0.0.82", 4)
        assert_equal(theirs["version"], 4, "the node's protocol version")
        hexes = [self.signed(key1, n, 1000 + n) for n in range(6)]
        ids = [txid_of(h) for h in hexes]
        p4.send("inv", inv_payload([(INV_TX, t) for t in ids[:5]]))
        asked = [h for t, h in parse_inv(p4.wait_for("getdata")) if t == INV_TX]
        assert_equal(sorted(asked), sorted(ids[:5]), "the node asks for the five")
        order = [1, 0, 2, 3, 4]  # nonce 1 before nonce 0: it waits as an orphan, then passes
        p4.send("txs", txs_payload([bytes.fromhex(hexes[i]) for i in order]))
        wait_until(lambda: set(ids[:5]) <= set(a.rpc.getrawmempool()), timeout=30,
                   what="the five txs in the mempool")
        assert_equal(self.score("127.0.0.82"), [0], "the batch sender's score")

        log("a protocol-3 peer gets one tx message per tx, a protocol-4 peer one txs")
        p3, _ = self.peer("127.0.0.83", 3)
        p3.send("getdata", inv_payload([(INV_TX, t) for t in ids[:3]]))
        got3 = [(c, pl) for c, pl in p3.collect(2.0) if c in ("tx", "txs")]
        assert_equal([c for c, _ in got3], ["tx", "tx", "tx"], "protocol 3: tx messages")
        assert_equal([txid_of(pl.hex()) for _, pl in got3], ids[:3], "protocol 3: the txs")
        p4.send("getdata", inv_payload([(INV_TX, t) for t in ids[:3]]))
        got4 = [(c, pl) for c, pl in p4.collect(2.0) if c in ("tx", "txs")]
        assert_equal([c for c, _ in got4], ["txs"], "protocol 4: one txs message")
        assert_equal([txid_of(t.hex()) for t in parse_txs(got4[0][1])], ids[:3],
                     "protocol 4: the txs in the order asked")
        p3.close()

        log("a txs message with a bad signature: the good tx is taken, the sender banned")
        bad = bytearray.fromhex(self.signed(key2, 0, 5000))
        bad[-1] ^= 1  # the signature is the last field
        bad_id = txid_of(bad.hex())
        p4.send("inv", inv_payload([(INV_TX, bad_id), (INV_TX, ids[5])]))
        p4.wait_for("getdata")
        p4.send("txs", txs_payload([bytes(bad), bytes.fromhex(hexes[5])]))
        wait_until(lambda: ids[5] in a.rpc.getrawmempool(), timeout=30,
                   what="the good tx of the batch in the mempool")
        wait_until(lambda: self.banned("127.0.0.82"), timeout=30, what="the sender banned")
        assert_true(bad_id not in a.rpc.getrawmempool(), "the bad tx is not in the mempool")
        p4.close()

        log("an undecodable txs message bans, as an undecodable tx message does")
        for ip, command in (("127.0.0.84", "tx"), ("127.0.0.85", "txs")):
            p, _ = self.peer(ip, 4)
            p.send(command, b"\x01\x02\x03")
            wait_until(lambda: self.banned(ip), timeout=30, what=f"{command}: sender banned")
            p.close()


if __name__ == "__main__":
    P2PTxsTest().main()
