#!/usr/bin/env python3
"""What the contract tests (contract_*_test.py) share: a framework subclass that deploys and
calls contracts through `waybill contract`, mines, and reads call records and contract state;
and, for the txs a CLI would refuse to build (bad bytecode, a gas limit past the genesis
bound), the tx encoding of docs/PROTOCOL.md §3 with a BIP-340 signer in pure Python.

Python 3 standard library only.
"""

import json
import os
import subprocess

from framework import (REGTEST_HRP, JSONRPCError, TestFailure, WaybillTestFramework,
                       assert_equal, assert_true, compact_size, log, skip_if, tagged_hash,
                       txid_of)

# The intrinsic gas of a run of contract code (docs/CONTRACTS.md "Gas schedule"): base + per
# byte of the contract's bytecode; a contract tx's gas_limit must cover the base.
RUN_BASE_GAS = 100_000
RUN_GAS_PER_CODE_BYTE = 100


def intrinsic_gas(code_size):
    return RUN_BASE_GAS + RUN_GAS_PER_CODE_BYTE * code_size


# A contract whose only entry spins until its gas runs out.
SPIN_ASM = """; Spins until its gas runs out.
.entry spin
loop:
  JUMP loop
"""

# ---------------------------------------------------------------------------------------------
# BIP-340 (the reference implementation's math; slow but plenty for a few signatures)

_P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F
_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_G = (0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798,
      0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8)


def _point_add(a, b):
    if a is None:
        return b
    if b is None:
        return a
    if a[0] == b[0] and a[1] != b[1]:
        return None
    if a == b:
        lam = 3 * a[0] * a[0] * pow(2 * a[1], -1, _P) % _P
    else:
        lam = (b[1] - a[1]) * pow(b[0] - a[0], -1, _P) % _P
    x = (lam * lam - a[0] - b[0]) % _P
    return x, (lam * (a[0] - x) - a[1]) % _P


def _point_mul(point, k):
    result = None
    for i in range(256):
        if (k >> i) & 1:
            result = _point_add(result, point)
        point = _point_add(point, point)
    return result


def _bip340_tagged(tag, msg):
    return tagged_hash(tag, msg)


def xonly_pubkey(secret):
    """The 32-byte x-only public key (the account id) of a 32-byte secret."""
    return _point_mul(_G, int.from_bytes(secret, "big"))[0].to_bytes(32, "big")


def schnorr_sign(msg, secret, aux=bytes(32)):
    d0 = int.from_bytes(secret, "big")
    assert 1 <= d0 < _N, "secret out of range"
    pub = _point_mul(_G, d0)
    d = d0 if pub[1] % 2 == 0 else _N - d0
    t = (d ^ int.from_bytes(_bip340_tagged("BIP0340/aux", aux), "big")).to_bytes(32, "big")
    px = pub[0].to_bytes(32, "big")
    k0 = int.from_bytes(_bip340_tagged("BIP0340/nonce", t + px + msg), "big") % _N
    assert k0 != 0
    r = _point_mul(_G, k0)
    k = k0 if r[1] % 2 == 0 else _N - k0
    rx = r[0].to_bytes(32, "big")
    e = int.from_bytes(_bip340_tagged("BIP0340/challenge", rx + px + msg), "big") % _N
    return rx + ((k + e * d) % _N).to_bytes(32, "big")


# ---------------------------------------------------------------------------------------------
# Bech32m addresses (docs/PROTOCOL.md §5)

_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32M_CONST = 0x2BC830A3


def _polymod(values):
    gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if (top >> i) & 1 else 0
    return chk


def _hrp_expand(hrp):
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _convert_bits(data, frombits, tobits, pad):
    acc, bits, out = 0, 0, []
    for value in data:
        acc = (acc << frombits) | value
        bits += frombits
        while bits >= tobits:
            bits -= tobits
            out.append((acc >> bits) & ((1 << tobits) - 1))
    if pad and bits:
        out.append((acc << (tobits - bits)) & ((1 << tobits) - 1))
    elif not pad and (bits >= frombits or ((acc << (tobits - bits)) & ((1 << tobits) - 1))):
        raise ValueError("bad padding")
    return out


def address_of(account, hrp=REGTEST_HRP):
    """The Bech32m address of a 32-byte account id (bytes or hex)."""
    if isinstance(account, str):
        account = bytes.fromhex(account)
    data = [0] + _convert_bits(account, 8, 5, True)
    polymod = _polymod(_hrp_expand(hrp) + data + [0] * 6) ^ _BECH32M_CONST
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_CHARSET[d] for d in data + checksum)


def account_of(address, hrp=REGTEST_HRP):
    """The 32-byte account id (hex) of a Bech32m address."""
    prefix, _, rest = address.rpartition("1")
    assert_equal(prefix, hrp, f"address prefix of {address}")
    data = [_CHARSET.index(c) for c in rest]
    assert_equal(_polymod(_hrp_expand(hrp) + data), _BECH32M_CONST, f"checksum of {address}")
    assert_equal(data[0], 0, "address version")
    return bytes(_convert_bits(data[1:-6], 5, 8, False)).hex()


# ---------------------------------------------------------------------------------------------
# Tx encoding (docs/PROTOCOL.md §3; the contract ops as /tmp shared decision of protocol 3)

OP_TRANSFER = 1
OP_CONTRACT_DEPLOY = 11
OP_CONTRACT_CALL = 12


def var_bytes(b):
    return compact_size(len(b)) + b


def u64(n):
    return n.to_bytes(8, "little")


def encode_arg(arg):
    """A contract argument: an int is kind 0 (u64), bytes are kind 1."""
    if isinstance(arg, int):
        return b"\x00" + u64(arg)
    return b"\x01" + var_bytes(bytes(arg))


def encode_args(args):
    return compact_size(len(args)) + b"".join(encode_arg(a) for a in args)


def deploy_op(code, args=(), gas_limit=0):
    return bytes([OP_CONTRACT_DEPLOY]) + var_bytes(code) + encode_args(args) + u64(gas_limit)


def call_op(contract_hex, entry, args=(), coins=0, assets=(), gas_limit=0):
    return (bytes([OP_CONTRACT_CALL]) + bytes.fromhex(contract_hex) + var_bytes(entry.encode()) +
            encode_args(args) + u64(coins) + compact_size(len(assets)) +
            b"".join(bytes.fromhex(a) for a in assets) + u64(gas_limit))


def transfer_op(to_hex, amount):
    return bytes([OP_TRANSFER]) + bytes.fromhex(to_hex) + u64(amount)


def unsigned_tx(chain_id_hex, sender_hex, nonce, fee, op_bytes):
    return ((2).to_bytes(2, "little") + bytes.fromhex(chain_id_hex) + bytes.fromhex(sender_hex) +
            u64(nonce) + u64(fee) + op_bytes)


def sign_tx(unsigned, secret):
    """The signed tx (hex) of an unsigned encoding."""
    sighash = tagged_hash("Waybill/TxSig", unsigned)
    return (unsigned + schnorr_sign(sighash, secret)).hex()


def contract_id_for(chain_id_hex, deployer_hex, nonce):
    """tagged_hash("Waybill/ContractId", chain_id || deployer || u64 nonce), hex."""
    return tagged_hash("Waybill/ContractId", bytes.fromhex(chain_id_hex) +
                       bytes.fromhex(deployer_hex) + u64(nonce)).hex()


def bytecode(entries, code, constants=()):
    """A WBVM container (docs/CONTRACTS.md "Bytecode format") of raw code, whether or not it
    validates: entries is [(name, offset)] in name order."""
    out = b"WBVM" + bytes([1]) + len(constants).to_bytes(2, "little")
    for c in constants:
        out += len(c).to_bytes(2, "little") + c
    out += bytes([len(entries)])
    for name, offset in entries:
        out += bytes([len(name)]) + name.encode() + offset.to_bytes(2, "little")
    return out + len(code).to_bytes(2, "little") + bytes(code)


def self_check_encoding():
    """docs/PROTOCOL.md Appendix A's transfer, signed with aux = 0: the encoder and signer here
    agree with the node's (the vector's chain id is a fixed input, not this network's)."""
    secret = bytes.fromhex("a0910c561a048d64c528ccee2d747bf0e1b8e5c034845d8e3ce8066d3a5be3ab")
    sender = xonly_pubkey(secret).hex()
    assert_equal(sender, "838b1f6e89e6c6afd52d10aba6be1c378f416122c8720ce8171cbb387eb35f45",
                 "dev key 0's account")
    unsigned = unsigned_tx("ff3314b0a84608a5a34d5b21aa73aa0353a765d3aeaea4e756913dd75acc1bcf",
                           sender, 0, 1000, transfer_op(
                               "19e9cf067c7b158f2c313cee9db8eed693d56ff2da9782d73c40c5e2746308d0",
                               100_000_000))
    sighash = tagged_hash("Waybill/TxSig", unsigned)
    assert_equal(sighash.hex(),
                 "7fc5fdd187b77171e195ddc9eda407bb7414f6fa00f397130b506c63d71dc5e1", "sighash")
    signed = sign_tx(unsigned, secret)
    assert_equal(signed[-128:], "3a388d33db76fe1167767324f1544e9070af484e365764eb1ad6bca9abbaed5a"
                 "6eb8b6150fa4bca481f877d4e5dc0dc043ce3e427b783f9bcb20b4ee7fc826e3", "signature")
    assert_equal(txid_of(signed),
                 "c7ba0ab7fb45d395e64794ae1ea1f7d0ec4218dfb8cc491e3e19b49c443daa4a", "txid")
    assert_equal(address_of(sender),
                 "wbr1qsw937m5fumr2l4fdzz46d0sux785zcfzepeqe6qhrjansl4ntazssryj4u", "address")
    assert_equal(account_of(address_of(sender)), sender, "address round trip")


# ---------------------------------------------------------------------------------------------
# Values the examples take as arguments


def temperature_text(value):
    """An attestation value that the cold-chain contract reads as the integer `value`: its
    big-endian bytes, which must be printable ASCII (an attestation value is text)."""
    raw = value.to_bytes((value.bit_length() + 7) // 8 or 1, "big")
    assert all(0x20 <= b <= 0x7E for b in raw), f"{value} is not printable as bytes"
    return raw.decode()


def storage_map(contract_json):
    """getcontract's storage as {key bytes: value bytes}."""
    return {bytes.fromhex(e["key_hex"]): bytes.fromhex(e["value_hex"])
            for e in contract_json["storage"]}


def asset_ids(listing):
    """The asset ids of a custody list (ids, or objects naming the id)."""
    return sorted(a if isinstance(a, str) else a.get("asset", a.get("id")) for a in listing)


def call_entries(contract_json):
    """getcontract's recent calls as [(txid, record)], newest first."""
    out = []
    for item in contract_json.get("calls", []):
        if isinstance(item, str):
            out.append((item, None))
        else:
            out.append((item.get("txid"), item.get("call", item)))
    return out


class ContractTestFramework(WaybillTestFramework):
    """A test of contracts on live nodes. run_test() starts with require_contracts(), which
    skips (exit 77, the reason naming what is missing) when the node lacks the wiring."""

    gas = 2_000_000  # the gas limit of every call unless a test says otherwise

    # -- what the build offers

    def require_contracts(self, node=None, blocks=2):
        """Skips unless the node has contracts; then makes self.miner, the key every block of
        the test is mined to, and mines `blocks` blocks on node."""
        node = node or self.nodes[0]
        missing = []
        try:
            proto = node.rpc.getblockchaininfo().get("protocol_version")
        except JSONRPCError:
            proto = None
        genesis = self.regtest_genesis()
        if genesis.get("protocol_version", 0) < 3 or "max_tx_gas" not in genesis:
            missing.append("genesis/regtest.json protocol 3 with gas_price/max_tx_gas (r-chain)")
        for method, params in (("getcontract", [address_of(bytes(32))]),
                               ("callcontract", [{}])):
            try:
                node.rpc.call(method, *params)
            except JSONRPCError as e:
                if e.code == -32601:
                    missing.append(f"RPC {method} (r-api)")
        help_text = self.run_cli_raw(["contract", "--help"])
        for sub in ("deploy", "call", "show", "run"):
            if f"contract {sub}" not in help_text:
                missing.append(f"`waybill contract {sub}` (r-api)")
        skip_if("contracts are not wired in this build; missing: " + "; ".join(missing)
                if missing else None)
        self_check_encoding()
        self.genesis = genesis
        self.chain_id = node.rpc.getblockhash(0)
        log(f"contracts present (protocol {proto}, max_tx_gas {genesis['max_tx_gas']}, "
            f"gas_price {genesis['gas_price']})")
        self.miner = self.fresh_party("miner")
        node.rpc.generatetoaddress(blocks, self.miner["address"])

    def run_cli_raw(self, args):
        """stdout + stderr of a CLI command, whatever its exit code."""
        _, out, err = self.run_cli_status(args)
        return out + err

    def run_cli_status(self, args):
        """(exit code, stdout, stderr) of a CLI command."""
        proc = subprocess.run([self.waybill] + [str(a) for a in args], capture_output=True,
                              text=True, timeout=60, cwd=self.tmpdir, start_new_session=True)
        return proc.returncode, proc.stdout, proc.stderr

    # -- keys

    def party(self, i):
        """Dev key i: {"key": path, "address", "account" (hex), "secret" (bytes)}."""
        return self._party_of(*self.dev_key(i))

    def fresh_party(self, name):
        """A new key, as party() describes it."""
        return self._party_of(*self.new_key(name))

    @staticmethod
    def _party_of(path, address):
        with open(path) as f:
            secret = bytes.fromhex(json.load(f)["secret"])
        return {"key": path, "address": address, "account": account_of(address),
                "secret": secret}

    # -- submitting through the CLI

    def submit(self, node, args, sender=None):
        """Runs a CLI command that sends one tx; returns its txid (found as the one new pending
        tx of the sender, so no output format is assumed)."""
        before = set(node.rpc.getrawmempool())
        out = node.cli(*args)
        new = [t for t in node.rpc.getrawmempool() if t not in before]
        assert_equal(len(new), 1, f"one new pending tx from {' '.join(map(str, args))}: {out}")
        return new[0]

    def deploy(self, node, who, example, gas=None, args=()):
        """Deploys contracts/examples/<example>.asm from `who`; returns (contract address,
        txid). The address is checked against ContractIdFor(chain id, deployer, nonce)."""
        nonce = node.rpc.getaccount(who["address"])["pending_nonce"]
        path = example if os.path.isabs(example) else os.path.join(
            self.options.srcdir, "contracts", "examples", example + ".asm")
        cmd = ["contract", "deploy", path, "--key", who["key"]]
        for a in args:
            cmd += ["--arg", a]
        if gas is not None:
            cmd += ["--gas", gas]
        txid = self.submit(node, cmd)
        expected = address_of(contract_id_for(self.chain_id, who["account"], nonce))
        tx = node.rpc.getrawtransaction(txid, True)
        assert_equal(tx["op"]["type"], "contract.deploy", "deploy op type")
        assert_equal(tx["op"]["contract"], expected, "contract address = ContractIdFor(...)")
        log(f"  deployed {os.path.basename(path)} at {expected}")
        return expected, txid

    def call(self, node, who, contract, entry, args=(), coins=None, assets=(), gas=None,
             force=True):
        """`waybill contract call`; returns the txid (pending). force: send it even when the
        CLI's trial run (callcontract) says it would fail now (a failed call still costs its
        fee, which is what several tests want; and in a block, the txs before it may change
        the outcome)."""
        cmd = ["contract", "call", contract, entry, "--key", who["key"],
               "--gas", gas if gas is not None else self.gas]
        for a in args:
            cmd += ["--arg", a]
        if coins is not None:
            cmd += ["--attach-coins", f"{coins}base"]
        for a in assets:
            cmd += ["--attach-asset", a]
        if force:
            cmd.append("--force")
        return self.submit(node, cmd)

    def run_call(self, node, contract, entry, args=(), sender=None, coins=None, assets=(),
                 gas=None):
        """`waybill contract run ... --json`: the call record the call would get now."""
        cmd = ["contract", "run", contract, entry, "--json",
               "--gas", gas if gas is not None else self.gas]
        for a in args:
            cmd += ["--arg", a]
        if sender is not None:
            cmd += ["--from", sender["address"]]
        if coins is not None:
            cmd += ["--attach-coins", f"{coins}base"]
        for a in assets:
            cmd += ["--attach-asset", a]
        code, out, err = self.run_cli_status(cmd + node.cli_args())
        try:
            return json.loads(out)
        except ValueError:
            raise TestFailure(f"`contract run` printed no JSON (exit {code}): {out} {err}")

    def simulate(self, node, **params):
        """callcontract with named params: the record, or valid false and the reason."""
        return self.rpc_named(node, "callcontract", params)

    @staticmethod
    def rpc_named(node, method, params):
        """A JSON-RPC call with named params (an object); the result, or JSONRPCError."""
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
        status, text = node.rpc.post(body)
        reply = json.loads(text)
        if reply.get("error"):
            raise JSONRPCError(reply["error"].get("code"), reply["error"].get("message", ""))
        return reply["result"]

    def issue(self, node, who, quantity, unit="pcs", meta=None):
        """An asset issued by `who` (pending); returns its id."""
        args = ["tx", "issue", "--key", who["key"], "--quantity", quantity, "--unit", unit,
                "--json"]
        if meta:
            args += ["--meta", meta]
        return json.loads(node.cli(*args))["assets"][0]

    def mine(self, node, txids=(), blocks=1):
        """Mines blocks to the test's miner; every txid given must be in the first."""
        hashes = node.rpc.generatetoaddress(blocks, self.miner["address"])
        if txids:
            mined = set(node.rpc.getblock(hashes[0])["tx"])
            missing = [t for t in txids if t not in mined]
            assert_equal(missing, [], "txs mined in the block")
        return hashes

    # -- reading results

    def record(self, node, txid):
        """The call record of a mined contract tx (getrawtransaction verbose's `call`)."""
        tx = node.rpc.getrawtransaction(txid, True)
        assert_true("call" in tx, f"tx {txid} has a call record: {tx}")
        return tx["call"]

    def fee_of(self, node, txid):
        return node.rpc.getrawtransaction(txid, True)["fee"]

    def balance(self, node, who):
        address = who if isinstance(who, str) else who["address"]
        return node.rpc.getaccount(address)["balance"]

    def nonce(self, node, who):
        address = who if isinstance(who, str) else who["address"]
        return node.rpc.getaccount(address)["nonce"]

    def check_record(self, rec, outcome, gas_limit=None, abort_code=None, logs=None):
        """outcome, abort code, gas bounds and log texts of a call record."""
        assert_equal(rec["outcome"], outcome, f"outcome of {rec}")
        if gas_limit is not None:
            assert_equal(rec["gas_limit"], gas_limit, "gas_limit recorded")
        assert_true(0 < rec["gas_used"] <= rec["gas_limit"], f"0 < gas_used <= limit: {rec}")
        if outcome == "aborted":
            assert_equal(rec.get("abort_code"), abort_code, "abort code")
        if outcome == "out-of-gas":
            assert_equal(rec["gas_used"], rec["gas_limit"], "out of gas uses the whole limit")
        if logs is not None:
            assert_equal([entry.get("text") for entry in rec.get("logs", [])], logs, "logs")
        if outcome != "success":
            assert_equal(rec.get("effects", []), [], "a failed call keeps no effects")

    @staticmethod
    def check_effects(rec, expected, what="effects"):
        """The record's effects are `expected` in order: each has the fields given there (it
        may have more, e.g. `to_account`, which must then be the hex of `to`)."""
        effects = rec.get("effects", [])
        assert_equal(len(effects), len(expected), f"{what}: {effects}")
        for got, want in zip(effects, expected):
            assert_equal({k: got.get(k) for k in want}, want, what)
            if "to_account" in got:
                assert_equal(got["to_account"], account_of(got["to"]), f"{what}: to_account")

    def contract_view(self, node, contract):
        """What must match across nodes and reorgs: storage, balance, holdings, call count and
        the recent calls' records."""
        c = node.rpc.getcontract(contract)
        return {"storage": storage_map(c), "balance": c["balance"],
                "assets": asset_ids(c.get("assets", [])),
                "calls": [(txid, json.dumps(rec, sort_keys=True))
                          for txid, rec in call_entries(c)],
                "code_hex": c["code_hex"], "height": c["height"]}

    def send_raw_signed(self, node, who, op_bytes, fee, nonce=None):
        """Signs op_bytes as `who` (pending nonce unless given) and sends it; returns the
        txid, or raises the node's JSONRPCError."""
        if nonce is None:
            nonce = node.rpc.getaccount(who["address"])["pending_nonce"]
        tx = sign_tx(unsigned_tx(self.chain_id, who["account"], nonce, fee, op_bytes),
                     who["secret"])
        return node.rpc.sendrawtransaction(tx)

    def contract_fee(self, op_bytes, gas_limit):
        """The least fee of a contract tx: size × min_fee_per_byte + gas_limit × gas_price
        (the size: 83 bytes of header, the op, the 64-byte signature)."""
        size = 2 + 32 + 32 + 8 + 8 + len(op_bytes) + 64
        return size * self.genesis["min_fee_per_byte"] + gas_limit * self.genesis["gas_price"]
