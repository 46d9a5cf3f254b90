#!/usr/bin/env python3
"""`waybill wallet` and `waybill contact` on a live regtest node: create (words printed once),
address --next, restore of the same words in a second data folder (same addresses), watch-only
from export-xpub (same addresses, refuses to sign), passphrases from a file, an environment
variable and a terminal (a pseudo-terminal: echo off, asked twice), wrong passphrase,
change-passphrase, balance after coins and an asset arrive, delete, contacts, and the one-line
errors.

Every command runs in a new session (setsid), so it has no terminal unless the test gives it a
pseudo-terminal: a passphrase can never be asked of whoever runs the test."""

import json
import os
import pty
import select
import stat
import subprocess
import time

from framework import (COIN, WaybillTestFramework, assert_equal, assert_true, free_port, log)

PASS1 = "correct horse battery staple"
PASS2 = "a new passphrase, twice as long as the first one"


class WalletKeysTest(WaybillTestFramework):
    def run_test(self):
        self.node = self.nodes[0]
        self.home = self.node.datadir
        self.second = os.path.join(self.tmpdir, "second")
        self.pass1 = self.write_file("pass1.txt", PASS1 + "\n")
        self.pass2 = self.write_file("pass2.txt", PASS2 + "\r\n")
        self.wrong = self.write_file("wrong.txt", "not the passphrase\n")

        coop = self.create_and_addresses()
        self.restore_second_folder(coop)
        self.watch_only(coop)
        self.passphrases(coop)
        self.terminal()
        self.contacts(coop)
        self.signing(coop)
        self.balance(coop)
        self.delete()

    # -- helpers

    def write_file(self, name, text):
        path = os.path.join(self.tmpdir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def env(self, extra=None):
        env = {k: v for k, v in os.environ.items() if not k.startswith("WAYBILL_")}
        env.update(extra or {})
        return env

    def cli_options(self, datadir):
        return ["--network=regtest", f"--rpcport={self.node.rpcport}", f"--datadir={datadir}"]

    def wb(self, *args, datadir=None, env=None, stdin=None, expect_fail=False):
        """Runs waybill without a terminal; returns stdout (stripped), or stderr when it must
        fail. A failure's message is one line."""
        cmd = [self.waybill] + [str(a) for a in args] + self.cli_options(datadir or self.home)
        proc = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=120,
                              cwd=self.tmpdir, env=self.env(env), start_new_session=True)
        if expect_fail:
            assert_true(proc.returncode == 1, f"expected exit 1 from {cmd}: {proc.stdout}")
            err = proc.stderr.strip()
            assert_true(err.startswith("error: ") and "\n" not in err, f"one-line error: {err!r}")
            return err
        assert_true(proc.returncode == 0, f"{cmd} failed ({proc.returncode}): {proc.stderr}")
        self.last_stderr = proc.stderr
        return proc.stdout.strip()

    def wbj(self, *args, **kwargs):
        return json.loads(self.wb(*args, "--json", **kwargs))

    def on_terminal(self, args, answers, datadir=None):
        """Runs waybill on a pseudo-terminal; writes each answer after the next prompt that
        ends in ': ' or '] '. Returns (exit code, everything the terminal showed)."""
        cmd = [self.waybill] + [str(a) for a in args] + self.cli_options(datadir or self.home)
        pid, fd = pty.fork()
        if pid == 0:
            os.chdir(self.tmpdir)
            os.execve(cmd[0], cmd, self.env())
        shown = b""
        pending = list(answers)
        deadline = time.monotonic() + 60
        try:
            while time.monotonic() < deadline:
                ready, _, _ = select.select([fd], [], [], 1.0)
                if not ready:
                    continue
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    break  # the child closed the terminal (EIO)
                if not chunk:
                    break
                shown += chunk
                if pending and (shown.endswith(b": ") or shown.endswith(b"] ")):
                    os.write(fd, pending.pop(0).encode() + b"\n")
        finally:
            os.close(fd)
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status), shown.decode(errors="replace")

    def wallet_file(self, name, datadir=None):
        return os.path.join(datadir or self.home, "wallets", name + ".wallet")

    # -- the steps

    def create_and_addresses(self):
        log("create: words printed once, file 0600 in a 0700 folder")
        out = self.wbj("wallet", "create", "coop", "--passphrase-file", self.pass1)
        words = out["mnemonic"].split(" ")
        assert_equal(len(words), 12, "12 words by default")
        assert_true(out["xpub"].startswith("xpub"), "account xpub")
        assert_true(out["address"].startswith("wbr1"), "regtest address")
        assert_equal(stat.S_IMODE(os.stat(self.wallet_file("coop")).st_mode), 0o600, "file mode")
        folder = os.path.dirname(self.wallet_file("coop"))
        assert_equal(stat.S_IMODE(os.stat(folder).st_mode), 0o700, "folder mode")
        with open(self.wallet_file("coop")) as f:
            text = f.read()
        assert_true(out["mnemonic"] not in text, "the words are not in the file")

        log("create without --json: the words on stdout, the warning on stderr (env passphrase)")
        human = self.wb("wallet", "create", "exporter", "--words", 24,
                        env={"WAYBILL_PASSPHRASE": PASS2})
        first_line = human.splitlines()[0]
        assert_equal(len(first_line.split(" ")), 24, "24 words on the first line")
        assert_true("Write these 24 words down" in self.last_stderr, self.last_stderr)
        assert_true(first_line not in self.last_stderr, "the words are not on stderr")
        self.exporter = human.splitlines()[-1].split(" ")[-1]
        assert_true(self.exporter.startswith("wbr1"), human)
        # The words are shown once: nothing prints them again.
        assert_true(first_line not in self.wb("wallet", "show", "exporter"), "show")

        err = self.wb("wallet", "create", "coop", "--passphrase-file", self.pass1,
                      expect_fail=True)
        assert_true("already exists" in err and "--force" in err, err)
        err = self.wb("wallet", "create", "Bad/Name", "--passphrase-file", self.pass1,
                      expect_fail=True)
        assert_true("wallet name" in err, err)
        err = self.wb("wallet", "create", "nopass", expect_fail=True)
        assert_equal(err, "error: no passphrase: run in a terminal, or give --passphrase-file "
                     "FILE or set WAYBILL_PASSPHRASE")
        assert_true(not os.path.exists(self.wallet_file("nopass")), "no file without passphrase")
        err = self.wb("wallet", "create", "empty", env={"WAYBILL_PASSPHRASE": ""},
                      expect_fail=True)
        assert_true("must not be empty" in err, err)
        err = self.wb("wallet", "create", "coop2", "--words", 13, "--passphrase-file",
                      self.pass1, expect_fail=True)
        assert_true("12 or 24" in err, err)

        log("address: index 0 by default, --next hands out 1 and 2, recorded without passphrase")
        assert_equal(self.wb("wallet", "address", "coop"), out["address"], "index 0")
        a1 = self.wb("wallet", "address", "coop", "--next")
        a2 = self.wbj("wallet", "address", "coop", "--next")
        assert_equal(a2["index"], 2, "second --next")
        assert_equal(a2["path"], "m/86'/7687'/0'/0/2", "derivation path")
        assert_equal(self.wb("wallet", "address", "coop", "--index", 1), a1, "--index 1")
        show = self.wbj("wallet", "show", "coop")
        assert_equal([a["address"] for a in show["addresses"]], [out["address"], a1, a2["address"]],
                     "show lists the addresses handed out")
        assert_equal(show["account_path"], "m/86'/7687'/0'")
        assert_equal(show["watch_only"], False)
        human = self.wb("wallet", "show", "coop")
        assert_true("UTC" in human and "3 handed out" in human and out["xpub"] in human, human)
        listed = self.wbj("wallet", "list")
        assert_equal([w["name"] for w in listed], ["coop", "exporter"], "list, sorted")
        assert_equal(listed[0]["addresses"], 3)
        err = self.wb("wallet", "address", "coop", "--index", 1, "--next", expect_fail=True)
        assert_true("not both" in err, err)
        err = self.wb("wallet", "show", "nosuch", expect_fail=True)
        assert_true("no wallet named 'nosuch' in" in err and "waybill wallet list" in err, err)
        return {"mnemonic": out["mnemonic"], "xpub": out["xpub"],
                "addresses": [out["address"], a1, a2["address"]]}

    def restore_second_folder(self, coop):
        log("restore the words in a second data folder: the same addresses")
        out = self.wbj("wallet", "restore", "coop", datadir=self.second, stdin=coop["mnemonic"].upper()
                       .replace(" ", "   ") + "\n", env={"WAYBILL_PASSPHRASE": PASS1})
        assert_equal(out["address"], coop["addresses"][0], "address 0")
        assert_equal(out["xpub"], coop["xpub"], "xpub")
        assert_equal(out["mnemonic"], None, "restore does not print the words")
        for i in (1, 2):
            assert_equal(self.wb("wallet", "address", "coop", "--next", datadir=self.second),
                         coop["addresses"][i], f"address {i}")
        assert_equal(self.wb("wallet", "address", "coop", "--index", 77, datadir=self.second),
                     self.wb("wallet", "address", "coop", "--index", 77), "address 77")
        words_file = self.write_file("words.txt", coop["mnemonic"] + "\n")
        out = self.wbj("wallet", "restore", "coop", "--force", "--mnemonic-file", words_file,
                       "--passphrase-file", self.pass1, datadir=self.second)
        assert_equal(out["address"], coop["addresses"][0], "restore --mnemonic-file")

        log("a BIP-39 passphrase gives other addresses")
        seed_pass = self.write_file("seedpass.txt", "TREZOR\n")
        other = self.wbj("wallet", "restore", "other", "--mnemonic-file", words_file,
                         "--seed-passphrase-file", seed_pass, "--passphrase-file", self.pass1,
                         datadir=self.second)
        assert_true(other["address"] != coop["addresses"][0], "seed passphrase changes keys")

        log("bad words: one-line errors")
        words = coop["mnemonic"].split(" ")
        bad = " ".join(words[:3] + ["zzzz"] + words[4:])
        err = self.wb("wallet", "restore", "bad", stdin=bad, datadir=self.second,
                      env={"WAYBILL_PASSPHRASE": PASS1}, expect_fail=True)
        assert_true("word 4 'zzzz' is not in the BIP-39 English word list" in err, err)
        # Twelve known words whose checksum is wrong (the valid one ends in "about").
        err = self.wb("wallet", "restore", "bad", stdin=" ".join(["abandon"] * 12),
                      datadir=self.second, env={"WAYBILL_PASSPHRASE": PASS1}, expect_fail=True)
        assert_true("checksum mismatch" in err, err)
        err = self.wb("wallet", "restore", "bad", stdin=" ".join(words[:11]),
                      datadir=self.second, env={"WAYBILL_PASSPHRASE": PASS1}, expect_fail=True)
        assert_true("got 11" in err, err)
        assert_true(not os.path.exists(self.wallet_file("bad", self.second)), "no file")

    def watch_only(self, coop):
        log("watch-only from export-xpub: the same addresses, no passphrase")
        xpub = self.wb("wallet", "export-xpub", "coop")
        assert_equal(xpub, coop["xpub"])
        out = self.wbj("wallet", "create", "coop-watch", "--watch", xpub, datadir=self.second)
        assert_equal(out["address"], coop["addresses"][0], "watch-only address 0")
        assert_equal(out["mnemonic"], None)
        for i in (1, 2):
            assert_equal(self.wb("wallet", "address", "coop-watch", "--next", datadir=self.second),
                         coop["addresses"][i], f"watch-only address {i}")
        show = self.wbj("wallet", "show", "coop-watch", datadir=self.second)
        assert_equal(show["watch_only"], True)
        # A watch-only copy beside the keys, for the signing and balance steps (one node).
        out = self.wbj("wallet", "create", "coop-view", "--watch", xpub)
        assert_equal(out["address"], coop["addresses"][0], "coop-view address 0")
        err = self.wb("wallet", "change-passphrase", "coop-watch", "--passphrase-file",
                      self.pass1, datadir=self.second, expect_fail=True)
        assert_true("watch-only" in err, err)
        err = self.wb("wallet", "create", "w2", "--watch", "xpub-garbage", datadir=self.second,
                      expect_fail=True)
        assert_true("--watch" in err, err)

    def passphrases(self, coop):
        log("change-passphrase: wrong old one leaves the file untouched; then old fails, new works")
        path = self.wallet_file("coop")
        with open(path, "rb") as f:
            before = f.read()
        err = self.wb("wallet", "change-passphrase", "coop", "--passphrase-file", self.wrong,
                      "--new-passphrase-file", self.pass2, expect_fail=True)
        assert_equal(err, "error: wrong passphrase for wallet 'coop'")
        with open(path, "rb") as f:
            assert_equal(f.read(), before, "file untouched after a wrong passphrase")
        err = self.wb("wallet", "change-passphrase", "coop", "--passphrase-file", self.pass1,
                      expect_fail=True)
        assert_true("no new passphrase" in err, err)
        with open(path, "rb") as f:
            assert_equal(f.read(), before, "file untouched without a new passphrase")
        # Old from the file, new from the environment (the file's "\r\n" is stripped: pass2).
        self.wb("wallet", "change-passphrase", "coop", "--passphrase-file", self.pass1,
                env={"WAYBILL_NEW_PASSPHRASE": PASS2})
        with open(path, "rb") as f:
            assert_true(f.read() != before, "file re-encrypted")
        err = self.wb("wallet", "change-passphrase", "coop", "--passphrase-file", self.pass1,
                      "--new-passphrase-file", self.pass1, expect_fail=True)
        assert_equal(err, "error: wrong passphrase for wallet 'coop'")
        self.wb("wallet", "change-passphrase", "coop", "--passphrase-file", self.pass2,
                "--new-passphrase-file", self.pass1)
        self.wb("wallet", "change-passphrase", "coop", "--new-passphrase-file", self.pass1,
                env={"WAYBILL_PASSPHRASE": PASS1})
        assert_equal(self.wbj("wallet", "show", "coop")["addresses"][1]["address"],
                     coop["addresses"][1], "same addresses after the changes")

    def terminal(self):
        log("terminal: echo off, asked twice; a mismatch changes nothing")
        rc, shown = self.on_terminal(["wallet", "create", "tty"], ["typed secret 1"] * 2)
        assert_equal(rc, 0, f"create on a terminal: {shown}")
        assert_true("New passphrase for wallet 'tty': " in shown and "Again, to confirm" in shown,
                    shown)
        assert_true("typed secret 1" not in shown, f"the passphrase is not echoed: {shown!r}")
        typed = self.write_file("typed.txt", "typed secret 1")
        self.wb("wallet", "change-passphrase", "tty", "--passphrase-file", typed,
                "--new-passphrase-file", typed)
        rc, shown = self.on_terminal(["wallet", "create", "tty2"], ["one", "two"])
        assert_equal(rc, 1, shown)
        assert_true("the two passphrases differ" in shown, shown)
        assert_true(not os.path.exists(self.wallet_file("tty2")), "no file after a mismatch")
        rc, shown = self.on_terminal(["wallet", "change-passphrase", "tty"],
                                     ["typed secret 1", "typed secret 2", "typed secret 2"])
        assert_equal(rc, 0, shown)
        self.write_file("typed.txt", "typed secret 2")
        self.wb("wallet", "change-passphrase", "tty", "--passphrase-file", typed,
                "--new-passphrase-file", typed)

        log("delete asks on the terminal: no keeps it, yes deletes")
        rc, shown = self.on_terminal(["wallet", "delete", "tty"], ["n"])
        assert_equal(rc, 1, shown)
        assert_true(os.path.exists(self.wallet_file("tty")), "kept after 'n'")
        rc, shown = self.on_terminal(["wallet", "delete", "tty"], ["y"])
        assert_equal(rc, 0, shown)
        assert_true(not os.path.exists(self.wallet_file("tty")), "deleted after 'y'")

    def contacts(self, coop):
        log("contacts: add, list, refused names and other networks' addresses, remove")
        self.wb("contact", "add", "exporter", self.exporter, "--note", "Lima warehouse")
        out = self.wbj("contact", "add", "coop-office", coop["addresses"][0])
        assert_equal(out["address"], coop["addresses"][0])
        listed = self.wbj("contact", "list")
        assert_equal([(c["name"], c["address"], c["note"]) for c in listed],
                     [("coop-office", coop["addresses"][0], ""),
                      ("exporter", self.exporter, "Lima warehouse")], "contacts by name")
        assert_true("Lima warehouse" in self.wb("contact", "list"), "human list")
        devnet = "wbd1qsw937m5fumr2l4fdzz46d0sux785zcfzepeqe6qhrjansl4ntazsxu737m"
        err = self.wb("contact", "add", "devguy", devnet, expect_fail=True)
        assert_equal(err, f"error: {devnet} is an address of network prefix wbd; this "
                     "network's is wbr")
        err = self.wb("contact", "add", "wbr1abc", self.exporter, expect_fail=True)
        assert_true("mistaken for an address" in err, err)
        err = self.wb("contact", "add", "hex", "00" * 32 + "zz", expect_fail=True)
        assert_true("not an address" in err, err)
        err = self.wb("contact", "add", "exporter", coop["addresses"][1], expect_fail=True)
        assert_true("exporter" in err, err)
        self.wb("contact", "add", "temp", coop["addresses"][2])
        self.wb("contact", "remove", "temp")
        err = self.wb("contact", "remove", "temp", expect_fail=True)
        assert_true("temp" in err, err)
        assert_equal(len(self.wbj("contact", "list")), 2, "removed")
        path = os.path.join(self.home, "contacts.json")
        assert_equal(stat.S_IMODE(os.stat(path).st_mode), 0o600, "contacts file mode")

    def signing(self, coop):
        """Through `tx transfer --wallet` (wallet_access.h): the watch-only refusal, the wrong
        passphrase, the unknown contact, a contact as the recipient."""
        log("signing through tx --wallet: watch-only, wrong passphrase, contacts")
        dev_key, _ = self.dev_key(1)
        self.node.cli("tx", "transfer", "--key", dev_key, "--to", coop["addresses"][0],
                      "--amount", "100000000base")
        self.mine()
        err = self.wb("tx", "transfer", "--wallet", "coop-view", "--to", "exporter", "--amount",
                      "1base", expect_fail=True)
        assert_equal(err, "error: wallet 'coop-view' is watch-only: it can build a tx (waybill "
                     "tx build --out FILE) but not sign; sign on the machine that holds its keys")
        err = self.wb("tx", "transfer", "--wallet", "coop", "--to", "exporter", "--amount",
                      "1base", "--passphrase-file", self.wrong, expect_fail=True)
        assert_equal(err, "error: wrong passphrase for wallet 'coop'")
        err = self.wb("tx", "transfer", "--wallet", "coop", "--to", "nobody", "--amount",
                      "1base", "--passphrase-file", self.pass1, expect_fail=True)
        assert_true("unknown contact 'nobody' (see waybill contact list)" in err, err)
        self.wb("tx", "transfer", "--wallet", "coop", "--to", "exporter", "--amount", "1base",
                "--passphrase-file", self.pass1)
        self.mine()
        assert_equal(self.node.rpc.getaccount(self.exporter)["balance"], 1, "sent by contact")

    def mine(self):
        _, miner = self.dev_key(9)
        self.node.rpc.generatetoaddress(1, miner)

    def balance(self, coop):
        log("balance: coins and an asset sent to addresses 0 and 1 (dev keys)")
        dev_key, _ = self.dev_key(1)
        rpc = self.node.rpc
        self.node.cli("tx", "transfer", "--key", dev_key, "--to", coop["addresses"][1],
                      "--amount", 3)
        issue = json.loads(self.node.cli("tx", "issue", "--key", dev_key, "--quantity", 1200,
                                         "--unit", "kg", "--json"))
        lot = issue["assets"][0]
        self.mine()
        self.node.cli("tx", "asset-transfer", "--key", dev_key, "--asset", lot, "--to",
                      coop["addresses"][0])
        self.mine()
        # An address past those handed out (index 10) is found by the gap-limit scan.
        far = self.wb("wallet", "address", "coop", "--index", 10)
        self.node.cli("tx", "transfer", "--key", dev_key, "--to", far, "--amount", 5)
        self.mine()
        held = {a: rpc.getaccount(a)["balance"] for a in coop["addresses"] + [far]}
        out = self.wbj("wallet", "balance", "coop")
        by_index = {a["index"]: a for a in out["addresses"]}
        assert_equal(sorted(by_index), [0, 1, 2, 10], "handed out and used addresses")
        assert_equal(out["checked"], 31, "scanned until 20 unused in a row after index 10")
        for i, address in enumerate(coop["addresses"]):
            assert_equal(by_index[i]["address"], address)
            assert_equal(by_index[i]["balance"], held[address], f"balance of #{i}")
        assert_equal(by_index[10]["balance"], held[far], "balance of #10")
        assert_equal([a["asset"] for a in by_index[0]["assets"]], [lot], "the asset at #0")
        assert_equal(out["balance"], sum(held.values()), "total")
        assert_equal(out["assets"], 1)
        # Its watch-only copy sees the same.
        watch = self.wbj("wallet", "balance", "coop-view")
        assert_equal(watch["balance"], out["balance"], "watch-only balance")

        human = self.wb("wallet", "balance", "coop")
        amount = rpc.getasset(lot)["amount"]
        assert_true(f"asset {lot}  {self.readable(amount)} kg" in human, human)
        assert_true(f"total  {self.readable(self.coins(out['balance']))} WBL, 1 asset" in human,
                    human)

        log("balance with no node: one line")
        stopped = [self.waybill, "wallet", "balance", "coop", "--network=regtest",
                   f"--rpcport={free_port()}", f"--datadir={self.home}", "--rpcuser=u",
                   "--rpcpassword=p"]
        proc = subprocess.run(stopped, capture_output=True, text=True, timeout=60,
                              start_new_session=True, env=self.env())
        err = proc.stderr.strip()
        assert_equal(proc.returncode, 1, err)
        assert_true(err.startswith("error: ") and "\n" not in err, err)
        assert_true("connect" in err or "cannot reach" in err, f"says it cannot connect: {err}")

    @staticmethod
    def coins(base):
        return f"{base // COIN}.{base % COIN:08d}"

    @staticmethod
    def readable(decimal):
        whole, _, fraction = decimal.partition(".")
        fraction = fraction.rstrip("0")
        whole = f"{int(whole):,}"
        return whole + ("." + fraction if fraction else "")

    def delete(self):
        log("delete: --yes for scripts; without a terminal it refuses")
        err = self.wb("wallet", "delete", "exporter", expect_fail=True)
        assert_true("--yes" in err, err)
        assert_true(os.path.exists(self.wallet_file("exporter")), "kept")
        self.wb("wallet", "delete", "exporter", "--yes")
        assert_true(not os.path.exists(self.wallet_file("exporter")), "deleted")
        assert_equal([w["name"] for w in self.wbj("wallet", "list")], ["coop", "coop-view"], "list")
        err = self.wb("wallet", "delete", "exporter", "--yes", expect_fail=True)
        assert_true("no wallet named 'exporter'" in err, err)


if __name__ == "__main__":
    WalletKeysTest().main()
