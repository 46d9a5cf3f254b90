#!/usr/bin/env python3
"""The four example contracts (contracts/examples/) on a live regtest node, deployed with
`waybill contract deploy` and exercised with real txs mined into blocks (issue 13):

- escrow: setup with the collateral attached; paid before the deadline (the price to F, the
  collateral back to E); set up again and not paid: F's claim before the deadline is aborted
  with code 7 (nonce and fee consumed, the coins F attached given back), F's claim from the
  deadline on takes the collateral;
- payment on delivery: release before delivery aborts 8; after the asset's custody passes to
  the buyer, release pays the seller;
- approval, 2 of 3: an approval by a non-party (4) and a second approval (10) abort, the
  second distinct approval releases the asset;
- cold chain: release without readings aborts 11; one sensor's out-of-bounds reading blocks
  release (12); the shipper reclaims after the deadline; a second shipment with good readings
  is released to the next custodian.

Each step checks balances (to the base unit, fees from the txs), custody, the asset's history
(the contract as actor of what it sends), getcontract (storage, balance, holdings, recent
calls), the call records (outcome, abort code, gas, logs, effects) and `waybill contract run`
(the record a call would get, nothing written)."""

from contract_util import (ContractTestFramework, asset_ids, call_entries, storage_map,
                           temperature_text)
from framework import COIN, assert_equal, assert_true, log, tagged_hash


def be8(n):
    """An integer as the examples store it (ITOB: 8 bytes big-endian)."""
    return n.to_bytes(8, "big")


class ContractExamplesTest(ContractTestFramework):
    time_limit = 840

    def run_test(self):
        node = self.nodes[0]
        self.require_contracts()
        self.escrow(node)
        self.payment_on_delivery(node)
        self.approval(node)
        self.cold_chain(node)
        verify = node.rpc.verifychain()
        assert_true(verify["ok"] and not verify["problems"], f"verifychain: {verify}")

    # -- shared checks

    def tip(self, node):
        return node.rpc.getblockcount()

    def check_deployed(self, node, contract, txid, deployer, example, entries):
        rec = self.record(node, txid)
        assert_equal(rec["outcome"], "success", "deploy without init")
        assert_equal(rec["entry"], "", "a deploy without init records no entry")
        c = node.rpc.getcontract(contract)
        assert_equal(c["address"], contract)
        assert_equal(c["deployer"], deployer["address"], "deployer")
        assert_equal(c["deploy_txid"], txid, "deploy txid")
        assert_equal(c["height"], self.tip(node), "deploy height")
        compiled = self.run_cli(["contract", "compile", self.example_path(example)])
        assert_equal(c["code_hex"], compiled, "the code on chain is the compiled example")
        assert_equal(c["code_size"], len(compiled) // 2)
        names = sorted(e if isinstance(e, str) else e["name"] for e in c["entries"])
        assert_equal(names, sorted(entries), "entries")
        assert_equal((c["balance"], c["storage"], asset_ids(c["assets"])), (0, [], []),
                     "a new contract holds nothing")
        shown = node.cli("contract", "show", contract)
        assert_true(txid in shown and all(e in shown for e in entries),
                    f"`contract show` names the deploy tx and the entries: {shown}")

    def example_path(self, example):
        import os
        return os.path.join(self.options.srcdir, "contracts", "examples", example + ".asm")

    def check_holdings(self, node, contract, coins, assets):
        c = node.rpc.getcontract(contract)
        assert_equal(c["balance"], coins, "contract balance (getcontract)")
        assert_equal(node.rpc.getaccount(contract)["balance"], coins,
                     "contract balance (getaccount: a contract is an account)")
        assert_equal(asset_ids(c["assets"]), sorted(assets), "contract holdings")
        for a in assets:
            assert_equal(node.rpc.getasset(a)["custodian"], contract, f"custodian of {a}")
        return c

    def check_moves(self, node, asset, moves, txids):
        """The asset's transfer events, oldest first, are exactly `moves` [(actor,
        counterparty)] made by `txids`, with the contract-event ids of the shared decisions."""
        events = node.rpc.getassethistory(asset)["events"]
        transfers = [e for e in events if e["type"] == "transfer"]
        assert_equal([(e["actor"], e["counterparty"]) for e in transfers], moves,
                     f"transfers of {asset}")
        assert_equal([e["txid"] for e in transfers], txids, f"txs of the transfers of {asset}")
        for e in transfers:
            expected = tagged_hash("Waybill/ContractEvent", bytes.fromhex(e["txid"]) +
                                   bytes.fromhex(asset) + e["sequence"].to_bytes(4, "little"))
            assert_equal(e["event"], expected.hex(), "event id of a contract tx's event")

    def check_run_unchanged(self, node, contract, fn):
        """fn() (a `contract run`) writes nothing: storage, balance and holdings unchanged."""
        before = node.rpc.getcontract(contract)
        pending = node.rpc.getrawmempool()
        result = fn()
        after = node.rpc.getcontract(contract)
        for field in ("storage", "balance", "assets"):
            assert_equal(after[field], before[field], f"`run` leaves {field} as it was")
        assert_equal(node.rpc.getrawmempool(), pending, "`run` sends no tx")
        return result

    def check_recent_calls(self, node, contract, txids):
        """getcontract's recent calls: the newest first, each with the record of its tx."""
        calls = call_entries(node.rpc.getcontract(contract))
        assert_equal([t for t, _ in calls][:len(txids)], list(reversed(txids)),
                     "recent calls, newest first")
        for txid, rec in calls[:len(txids)]:
            if rec is not None:
                assert_equal(rec, self.record(node, txid), f"record of {txid} in getcontract")

    # -- escrow

    def escrow(self, node):
        log("escrow: E deposits collateral, pays F before the deadline")
        e, f = self.party(1), self.party(2)
        esc, dep = self.deploy(node, e, "escrow")
        collateral = self.issue(node, e, 10, meta="lot=collateral-1")
        self.mine(node, [dep])
        self.check_deployed(node, esc, dep, e, "escrow", ["claim", "pay", "setup"])

        price = 25 * COIN
        deadline = self.tip(node) + 10
        setup = self.call(node, e, esc, "setup", [f["address"], price, deadline],
                          assets=[collateral])
        self.mine(node, [setup])
        self.check_record(self.record(node, setup), "success", self.gas, logs=[])
        c = self.check_holdings(node, esc, 0, [collateral])
        record = (bytes.fromhex(e["account"]) + bytes.fromhex(f["account"]) +
                  bytes.fromhex(collateral) + be8(price) + be8(deadline))
        assert_equal(storage_map(c), {b"escrow": record},
                     "escrow storage after setup: one record, E | F | asset | price | deadline")

        log("  run: pay with the wrong amount aborts 5; with the price it would succeed")
        rec = self.check_run_unchanged(node, esc, lambda: self.run_call(
            node, esc, "pay", sender=e, coins=price - 1))
        self.check_record(rec, "aborted", abort_code=5)
        rec = self.check_run_unchanged(node, esc, lambda: self.run_call(
            node, esc, "pay", sender=e, coins=price))
        self.check_record(rec, "success", logs=["paid"])
        paid_effects = [{"kind": "coins", "to": f["address"], "amount": price},
                        {"kind": "asset", "to": e["address"], "asset": collateral}]
        self.check_effects(rec, paid_effects, "run: the effects of pay")

        e0, f0, e_nonce = self.balance(node, e), self.balance(node, f), self.nonce(node, e)
        pay = self.call(node, e, esc, "pay", coins=price)
        self.mine(node, [pay])
        rec = self.record(node, pay)
        self.check_record(rec, "success", self.gas, logs=["paid"])
        assert_equal(rec["contract"], esc)
        assert_equal(rec["entry"], "pay")
        self.check_effects(rec, paid_effects, "pay's effects")
        assert_equal(self.balance(node, f), f0 + price, "F got the price")
        assert_equal(self.balance(node, e), e0 - price - self.fee_of(node, pay),
                     "E paid the price and the fee")
        assert_equal(self.nonce(node, e), e_nonce + 1)
        assert_equal(node.rpc.getasset(collateral)["custodian"], e["address"],
                     "the collateral is back with E")
        self.check_moves(node, collateral, [(e["address"], esc), (esc, e["address"])],
                         [setup, pay])
        c = self.check_holdings(node, esc, 0, [])
        assert_equal(c["storage"], [], "a closed escrow keeps no storage")
        self.check_recent_calls(node, esc, [setup, pay])

        log("escrow again, not paid: F's early claim aborts 7, F claims after the deadline")
        collateral2 = self.issue(node, e, 3, meta="lot=collateral-2")
        self.mine(node)
        deadline = self.tip(node) + 6
        setup2 = self.call(node, e, esc, "setup", [f["address"], price, deadline],
                           assets=[collateral2])
        self.mine(node, [setup2])
        self.check_record(self.record(node, setup2), "success")
        self.check_holdings(node, esc, 0, [collateral2])

        rec = self.run_call(node, esc, "claim", sender=f)
        self.check_record(rec, "aborted", abort_code=7)
        code, out, _ = self.run_cli_status(["contract", "run", esc, "claim", "--from",
                                            f["address"]] + node.cli_args())
        assert_true(code == 1 and "aborted (code 7)" in out,
                    f"`contract run` in words, exit 1 on failure: {code} {out}")
        err = node.cli("contract", "call", esc, "claim", "--key", f["key"], "--gas", self.gas,
                       expect_fail=True)
        assert_true("aborted" in err and "7" in err, f"without --force, not sent: {err}")
        assert_equal(node.rpc.getrawmempool(), [], "a call that would fail is not sent")
        f0, f_nonce = self.balance(node, f), self.nonce(node, f)
        early = self.call(node, f, esc, "claim", coins=3 * COIN)
        self.mine(node, [early])
        rec = self.record(node, early)
        self.check_record(rec, "aborted", self.gas, abort_code=7)
        assert_equal(self.nonce(node, f), f_nonce + 1, "the aborted call consumed F's nonce")
        assert_equal(self.balance(node, f), f0 - self.fee_of(node, early),
                     "F paid the fee; the attached coins came back")
        self.check_holdings(node, esc, 0, [collateral2])
        assert_equal(storage_map(node.rpc.getcontract(esc))[b"escrow"][32:64],
                     bytes.fromhex(f["account"]), "the escrow is still set up")

        self.mine(node, blocks=deadline - 1 - self.tip(node))
        assert_equal(self.tip(node), deadline - 1)
        log("  run at the tip below the deadline: the next block is at the deadline")
        rec = self.run_call(node, esc, "claim", sender=f)
        self.check_record(rec, "success", logs=["claimed"])
        code, out, _ = self.run_cli_status(["contract", "run", esc, "claim", "--from",
                                            f["address"]] + node.cli_args())
        assert_true(code == 0 and "claimed" in out, f"`contract run`, success: {code} {out}")
        rec = self.run_call(node, esc, "claim", sender=e)
        self.check_record(rec, "aborted", abort_code=4)
        claim = self.call(node, f, esc, "claim")
        self.mine(node, [claim])
        rec = self.record(node, claim)
        self.check_record(rec, "success", self.gas, logs=["claimed"])
        self.check_effects(rec, [{"kind": "asset", "to": f["address"], "asset": collateral2}])
        assert_equal(node.rpc.getasset(collateral2)["custodian"], f["address"], "F holds it")
        self.check_moves(node, collateral2, [(e["address"], esc), (esc, f["address"])],
                         [setup2, claim])
        self.check_holdings(node, esc, 0, [])
        self.check_recent_calls(node, esc, [setup, pay, setup2, early, claim])

    # -- payment on delivery

    def payment_on_delivery(self, node):
        log("payment on delivery: the buyer's coins go to the seller once custody passes")
        buyer, seller = self.party(3), self.party(4)
        pod, dep = self.deploy(node, seller, "payment_on_delivery")
        goods = self.issue(node, seller, 1, meta="sku=pallet-7")
        self.mine(node, [dep])
        self.check_deployed(node, pod, dep, seller, "payment_on_delivery",
                            ["order", "refund", "release"])

        price = 12 * COIN
        b0 = self.balance(node, buyer)
        order = self.call(node, buyer, pod, "order",
                          [seller["address"], "0x" + goods, self.tip(node) + 50], coins=price)
        self.mine(node, [order])
        self.check_record(self.record(node, order), "success", logs=["ordered"])
        assert_equal(self.balance(node, buyer), b0 - price - self.fee_of(node, order),
                     "the buyer's coins are held")
        self.check_holdings(node, pod, price, [])

        s0 = self.balance(node, seller)
        early = self.call(node, seller, pod, "release")
        self.mine(node, [early])
        self.check_record(self.record(node, early), "aborted", abort_code=8)
        assert_equal(self.balance(node, seller), s0 - self.fee_of(node, early))
        self.check_holdings(node, pod, price, [])

        log("  the seller hands the asset to the buyer; release pays the seller")
        handover = self.submit(node, ["tx", "asset-transfer", "--key", seller["key"],
                                      "--asset", goods, "--to", buyer["address"]])
        self.mine(node, [handover])
        rec = self.run_call(node, pod, "release", sender=seller)
        self.check_record(rec, "success", logs=["paid"])
        self.check_effects(rec, [{"kind": "coins", "to": seller["address"], "amount": price}])
        s0 = self.balance(node, seller)
        release = self.call(node, seller, pod, "release")
        self.mine(node, [release])
        self.check_record(self.record(node, release), "success", logs=["paid"])
        assert_equal(self.balance(node, seller), s0 + price - self.fee_of(node, release),
                     "the seller got the price")
        c = self.check_holdings(node, pod, 0, [])
        assert_equal(c["storage"], [], "the order is closed")
        self.check_recent_calls(node, pod, [order, early, release])

    # -- approval

    def approval(self, node):
        log("approval, 2 of 3: the asset moves on the second distinct approval")
        owner, recipient = self.party(5), self.party(3)
        parties = [self.party(i) for i in (6, 7, 8)]
        appr, dep = self.deploy(node, owner, "approval")
        asset = self.issue(node, owner, 100, meta="sku=reactor-part")
        self.mine(node, [dep])
        self.check_deployed(node, appr, dep, owner, "approval", ["approve", "setup"])

        ids = "".join(p["account"] for p in parties)
        setup = self.call(node, owner, appr, "setup", [recipient["address"], 2, "0x" + ids],
                          assets=[asset])
        self.mine(node, [setup])
        self.check_record(self.record(node, setup), "success")
        self.check_holdings(node, appr, 0, [asset])

        log("  in one block: party 0 approves, party 1 poses as party 0, party 0 again")
        first = self.call(node, parties[0], appr, "approve", [0])
        impostor = self.call(node, parties[1], appr, "approve", [0])
        again = self.call(node, parties[0], appr, "approve", [0])
        self.mine(node, [first, impostor, again])
        self.check_record(self.record(node, first), "success", logs=["approved"])
        self.check_record(self.record(node, impostor), "aborted", abort_code=4)
        self.check_record(self.record(node, again), "aborted", abort_code=10)
        storage = storage_map(self.check_holdings(node, appr, 0, [asset]))
        assert_equal((storage[b"mask"], storage[b"count"]), (be8(1), be8(1)),
                     "one approval recorded")

        second = self.call(node, parties[1], appr, "approve", [1])
        self.mine(node, [second])
        rec = self.record(node, second)
        self.check_record(rec, "success", logs=["released"])
        self.check_effects(rec, [{"kind": "asset", "to": recipient["address"], "asset": asset}])
        assert_equal(node.rpc.getasset(asset)["custodian"], recipient["address"])
        self.check_moves(node, asset, [(owner["address"], appr),
                                       (appr, recipient["address"])], [setup, second])
        c = self.check_holdings(node, appr, 0, [])
        assert_equal(c["storage"], [], "the approval is closed")

    # -- cold chain

    def cold_chain(self, node):
        log("cold chain: a bad reading blocks release; the shipper reclaims after the deadline")
        shipper, carrier = self.party(0), self.party(2)
        sensors = [self.party(8), self.party(9)]
        cc, dep = self.deploy(node, shipper, "cold_chain")
        shipment = self.issue(node, shipper, 40, meta="lot=vaccines-1")
        self.mine(node, [dep])
        self.check_deployed(node, cc, dep, shipper, "cold_chain",
                            ["reclaim", "release", "setup"])
        # Hundredths of a kelvin (271.69 K .. 276.81 K), each reading's bytes printable text.
        low, high = 0x6A41, 0x6C41
        good_min, good_max, bad_max = 0x6B41, 0x6B7A, 0x7041
        sensor_ids = "0x" + "".join(s["account"] for s in sensors)

        deadline = self.tip(node) + 8
        setup = self.call(node, shipper, cc, "setup",
                          [carrier["address"], sensor_ids, low, high, deadline],
                          assets=[shipment])
        self.mine(node, [setup])
        self.check_record(self.record(node, setup), "success")
        self.check_holdings(node, cc, 0, [shipment])
        self.check_record(self.run_call(node, cc, "release", sender=carrier), "aborted",
                          abort_code=11)

        readings = self.attest(node, shipment, sensors[0], good_min, good_max)
        readings += self.attest(node, shipment, sensors[1], good_min, bad_max)
        self.mine(node, readings)
        release = self.call(node, carrier, cc, "release")
        self.mine(node, [release])
        self.check_record(self.record(node, release), "aborted", abort_code=12)
        self.check_holdings(node, cc, 0, [shipment])
        self.check_record(self.run_call(node, cc, "reclaim", sender=carrier), "aborted",
                          abort_code=4)
        self.check_record(self.run_call(node, cc, "reclaim", sender=shipper), "aborted",
                          abort_code=7)

        self.mine(node, blocks=max(1, deadline - 1 - self.tip(node)))
        reclaim = self.call(node, shipper, cc, "reclaim")
        self.mine(node, [reclaim])
        self.check_record(self.record(node, reclaim), "success", logs=["reclaimed"])
        assert_equal(node.rpc.getasset(shipment)["custodian"], shipper["address"])
        self.check_moves(node, shipment, [(shipper["address"], cc), (cc, shipper["address"])],
                         [setup, reclaim])
        self.check_holdings(node, cc, 0, [])

        log("  a second shipment, every reading within bounds: released to the carrier")
        shipment2 = self.issue(node, shipper, 40, meta="lot=vaccines-2")
        self.mine(node)
        setup2 = self.call(node, shipper, cc, "setup",
                           [carrier["address"], sensor_ids, low, high, self.tip(node) + 50],
                           assets=[shipment2])
        self.mine(node, [setup2])
        readings = self.attest(node, shipment2, sensors[0], good_min, good_max)
        readings += self.attest(node, shipment2, sensors[1], low, high)  # the bounds: within
        self.mine(node, readings)
        release2 = self.call(node, carrier, cc, "release")
        self.mine(node, [release2])
        rec = self.record(node, release2)
        self.check_record(rec, "success", logs=["released"])
        self.check_effects(rec, [{"kind": "asset", "to": carrier["address"],
                                  "asset": shipment2}])
        assert_equal(node.rpc.getasset(shipment2)["custodian"], carrier["address"])
        self.check_moves(node, shipment2, [(shipper["address"], cc), (cc, carrier["address"])],
                         [setup2, release2])
        c = self.check_holdings(node, cc, 0, [])
        assert_equal(c["storage"], [], "the guard is closed")

    def attest(self, node, asset, sensor, temp_min, temp_max):
        """The sensor's two readings of the asset (pending txs)."""
        txids = []
        for claim, value in (("temp_min", temp_min), ("temp_max", temp_max)):
            txids.append(self.submit(node, ["tx", "attest", "--key", sensor["key"], "--asset",
                                            asset, "--claim", claim, "--value",
                                            temperature_text(value)]))
        return txids


if __name__ == "__main__":
    ContractExamplesTest().main()
