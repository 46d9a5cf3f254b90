#!/usr/bin/env python3
"""scripts/demo-coffee.sh end to end: the 4-node regtest testnet in a temp dir on free ports,
the whole coffee story, the consumer URL, the proof bundle saved and verified offline, and
--down stopping every node at the end. Checks the script's output: the consumer URL printed,
the Digital Link followed to the retail bag's page while the testnet ran, the bundle
verified, and no waybilld left running in the demo's folder."""

import os
import re
import socket
import subprocess

from framework import TestFailure, WaybillTestFramework, assert_equal, assert_true, log

DEMO_TIMEOUT = 480  # seconds; the story is ~30 txs at one block a second


def ports_free(ports, ips):
    for ip in ips:
        for port in ports:
            s = socket.socket()
            try:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind((ip, port))
            except OSError:
                return False
            finally:
                s.close()
    return True


class DemoCoffeeTest(WaybillTestFramework):
    time_limit = 600

    def set_test_params(self):
        self.num_nodes = 0

    def pick_base_port(self):
        """A base port whose 8 testnet ports and REST port (base + 20) are free on the four
        loopback IPs the testnet uses (below Linux's ephemeral range, as testnet's default)."""
        ips = ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"]
        for _ in range(50):
            base = self.rng.randrange(20000, 32000, 2)
            if ports_free(list(range(base, base + 8)) + [base + 20], ips):
                return base
        raise TestFailure("no free port range for the demo's testnet")

    def run_test(self):
        demo_dir = os.path.join(self.tmpdir, "demo")
        base = self.pick_base_port()
        script = os.path.join(self.options.srcdir, "scripts", "demo-coffee.sh")
        cmd = [script, "--bindir", self.options.bindir, "--dir", demo_dir,
               "--base-port", str(base), "--down"]
        log(f"running {' '.join(cmd)}")
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=DEMO_TIMEOUT,
                              cwd=self.tmpdir, start_new_session=True)
        out = proc.stdout
        for line in out.splitlines():
            log(f"demo: {line}")
        if proc.returncode != 0:
            raise TestFailure(f"demo-coffee.sh exited {proc.returncode}: {proc.stderr[-3000:]}")

        rest = f"http://127.0.0.1:{base + 20}"
        url = re.search(r"^consumer URL \(.*\): (\S+)$", out, re.M)
        assert_true(url is not None, "the consumer URL is printed")
        assert_equal(url.group(1), f"{rest}/01/09506000134369/10/RR-2026-31/21/000001",
                     "the consumer URL is the bag's Digital Link")
        bag = re.search(r"^Corner Grocer holds ([0-9a-f]{64})$", out, re.M)
        assert_true(bag is not None, "the retailer's bag is printed")
        landed = re.search(r"^the Digital Link opens (\S+)$", out, re.M)
        assert_true(landed is not None, "the Digital Link was followed")
        assert_equal(landed.group(1), f"{rest}/asset/{bag.group(1)}",
                     "the Digital Link lands on the bag's page")
        bundle = os.path.join(demo_dir, "bag.wbproof")
        assert_true(os.path.exists(bundle) and os.path.getsize(bundle) > 0,
                    "the proof bundle was saved")
        # `waybill proof verify` ends its report with the line "verified" (exit 0).
        assert_true(re.search(r"^verified$", out, re.M) is not None, "the bundle verified offline")
        assert_true("demo: done" in out, "the demo finished")
        leftovers = [d for d in os.listdir(demo_dir) if d.startswith("node")] \
            if os.path.isdir(demo_dir) else []
        assert_equal(leftovers, [], "--down stopped and removed every node")


if __name__ == "__main__":
    DemoCoffeeTest().main()
