#!/usr/bin/env python3
"""Initial sync of a big chain from one peer, and the memory of a node serving many syncing
peers (docs/BENCHMARKS.md "sync_bench.py"; issue 14).

  python3 bench/sync_bench.py --bindir build [--blocks N --txs T] [--full] [--runs R]
                              [--serve-peers P] [--serve-blocks K] [--base-port 27400] [--keep]
                              [--no-serve] [--perf FILE]

1. The chain: build/bench/chaingen writes N regtest blocks (block 1 funds T accounts from the
   dev keys, each later block holds T signed transfers) to /tmp/waybill_chaingen_v1_bN_tT.bin,
   kept for the next run. A source waybilld is given them with `submitblock` (it validates
   each) once; its data folder is then kept in /tmp/waybill_syncsrc_v1_bN_tT and copied for
   each run.
2. The sync: the source node, and a fresh node started with only --connect to it. Measured:
   the total time from the fresh node's start to its "new tip" log line of block N; tx/s while blocks download and
   connect (the txs of blocks 2..N between the "new tip" log lines of blocks 1 and N), against
   the bound cores x single-core Schnorr verify/s (build/bench/bench_verify, run before and
   after the sync: the higher of the two);
   the fresh node's VmRSS and VmHWM (/proc/PID/status) every 0.5 s; and, from
   getblockchaininfo and getpeerinfo every 0.5 s, its best header against its tip (headers
   first) and the blocks in flight (downloaded ahead of validation). The node's own progress
   lines ("sync: ...", node/sync_progress.h) are printed from its debug.log.
3. Serving: P raw-socket peers (tests/functional/p2p_codec.py, one thread each) connect to the
   source at once, each handshakes and fetches blocks 1..K (default 100) with getdata, at most 16 in flight
   like a syncing node, reading and checking every frame; the source's VmRSS is sampled every
   0.5 s. (64 waybilld processes validating the chain at once would take 64 x the sync's CPU on
   this 2-core machine: raw peers load only the serving side, which is what is measured.)

Quick by default (--blocks 100); --full is the issue's chain (--blocks 500). Ports
27400-27599 on 127.0.0.1."""

import argparse
import os
import re
import resource
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "functional"))
from framework import REGTEST_MAGIC, RpcClient, header_hash  # noqa: E402
from p2p_codec import INV_BLOCK, P2PConnection, inv_payload  # noqa: E402

HEADER_SIZE = 116
TIP_LINE = re.compile(r"^(\S+) \[info\] new tip: height (\d+), block ([0-9a-f]{64})")
SYNC_LINE = re.compile(r"^\S+ \[info\] sync: ")
IN_FLIGHT = 16  # what a syncing waybilld asks of one peer (p2p/peer_manager.h)
CACHE_VERSION = "v1"


def read_chain(path):
    """The blocks of a chaingen file, as bytes."""
    blocks = []
    with open(path, "rb") as f:
        data = f.read()
    pos = 0
    while pos < len(data):
        size, = struct.unpack_from("<I", data, pos)
        blocks.append(data[pos + 4:pos + 4 + size])
        pos += 4 + size
    return blocks


def tx_count(block):
    """The compact-size tx count after the header."""
    first = block[HEADER_SIZE]
    if first < 0xfd:
        return first
    fmt = {0xfd: "<H", 0xfe: "<I", 0xff: "<Q"}[first]
    return struct.unpack_from(fmt, block, HEADER_SIZE + 1)[0]


def status_kib(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def load():
    return open("/proc/loadavg").read().split()[:3]


class Daemon:
    """One waybilld on regtest, its RPC on 127.0.0.1."""

    def __init__(self, bindir, datadir, p2pport, rpcport, extra):
        self.datadir = datadir
        self.netdir = os.path.join(datadir, "regtest")
        os.makedirs(datadir, exist_ok=True)
        args = [os.path.join(bindir, "node", "waybilld"), f"--datadir={datadir}",
                "--network=regtest", "--rpcbind=127.0.0.1", f"--rpcport={rpcport}",
                "--bind=127.0.0.1", f"--port={p2pport}", "--printtoconsole=0"] + extra
        self.log = open(os.path.join(datadir, "stderr.txt"), "ab")
        self.started = time.monotonic()
        self.started_epoch = time.time()
        self.process = subprocess.Popen(args, stdout=self.log, stderr=self.log,
                                        stdin=subprocess.DEVNULL)
        self.pid = self.process.pid
        deadline = time.monotonic() + 120
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"waybilld exited ({self.process.returncode}): {args}")
            try:
                with open(os.path.join(self.netdir, ".cookie")) as f:
                    user, password = f.read().strip().split(":", 1)
                self.rpc = RpcClient("127.0.0.1", rpcport, (user, password), timeout=600)
                self.rpc.call("getblockcount")
                return
            except (OSError, ValueError, RuntimeError, Exception):  # noqa: B014 not ready yet
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self):
        if self.process.poll() is None:
            try:
                self.rpc.call("stop")
                self.process.wait(timeout=120)
            except Exception:  # noqa: BLE001 a stuck node is killed
                self.process.kill()
                self.process.wait()
        self.log.close()

    def tip_times(self):
        """{height: time (s since the epoch)} of the node's "new tip" log lines."""
        times = {}
        with open(os.path.join(self.netdir, "debug.log"), errors="replace") as f:
            for line in f:
                m = TIP_LINE.match(line)
                if m:
                    t = datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%fZ")
                    times[int(m.group(2))] = t.timestamp()
        return times

    def sync_lines(self):
        with open(os.path.join(self.netdir, "debug.log"), errors="replace") as f:
            return [line.rstrip() for line in f if SYNC_LINE.match(line)]


class Sampler(threading.Thread):
    """Every 0.5 s: (seconds since start, VmRSS KiB, VmHWM KiB) of a process, or with `probe`
    (seconds since start, probe()) whenever probe returns (an RPC may wait for a block being
    connected: it does not delay the RSS samples, which another Sampler takes)."""

    def __init__(self, pid, probe=None, start_time=None):
        super().__init__(daemon=True)
        self.pid, self.probe = pid, probe
        self.samples = []
        self.done = threading.Event()
        self.start_time = start_time or time.monotonic()

    def run(self):
        while not self.done.is_set():
            now = time.monotonic() - self.start_time
            if self.probe:
                value = self.probe()
                if value is not None:
                    self.samples.append((now, value))
            else:
                self.samples.append((now, status_kib(self.pid, "VmRSS"),
                                     status_kib(self.pid, "VmHWM")))
            self.done.wait(0.5)

    def stop(self):
        self.done.set()
        self.join()

    def max_mib(self):
        rss = max((s[1] for s in self.samples), default=0)
        hwm = max((s[2] for s in self.samples), default=0)
        return rss / 1024, hwm / 1024


def chain_file(args):
    path = f"/tmp/waybill_chaingen_{CACHE_VERSION}_b{args.blocks}_t{args.txs}.bin"
    if not os.path.exists(path):
        print(f"generating {path} ...", flush=True)
        subprocess.run([os.path.join(args.bindir, "bench", "chaingen"), "--out", path,
                        "--blocks", str(args.blocks), "--txs", str(args.txs)], check=True)
    return path


def source_datadir(args, blocks):
    """A data folder whose chain holds every block, made once by submitblock and cached."""
    cache = f"/tmp/waybill_syncsrc_{CACHE_VERSION}_b{args.blocks}_t{args.txs}"
    if os.path.exists(os.path.join(cache, "complete")):
        return cache
    shutil.rmtree(cache, ignore_errors=True)
    print(f"loading {len(blocks)} blocks into a source node by submitblock ({cache}) ...",
          flush=True)
    start = time.monotonic()
    node = Daemon(args.bindir, cache, args.base_port + 90, args.base_port + 91, ["--listen=0"])
    try:
        for i, block in enumerate(blocks):
            result = node.rpc.call("submitblock", block.hex())
            if result is not None:
                raise RuntimeError(f"submitblock of block {i + 1}: {result}")
        if node.rpc.call("getblockcount") != len(blocks):
            raise RuntimeError("the source node's tip is not the chain's last block")
    finally:
        node.stop()
    for name in ("debug.log", "stderr.txt"):
        for folder in (cache, node.netdir):
            p = os.path.join(folder, name)
            if os.path.exists(p):
                os.remove(p)
    open(os.path.join(cache, "complete"), "w").close()
    print(f"  loaded in {time.monotonic() - start:.1f} s", flush=True)
    return cache


def verify_bound(args):
    """(verify/s on 1 core, on all cores at once, verifications per CPU second): bench_verify
    runs 2 s on one thread, then 2 s on every core; its CPU time comes from rusage."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([os.path.join(args.bindir, "bench", "bench_verify"), "--seconds", "2"],
                         check=True, capture_output=True, text=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    one = float(re.search(r"verify_1core (\S+)", out).group(1))
    every = float(re.search(r"verify_allcores (\S+) threads (\d+)", out).group(1))
    # Key generation and signing before the timed runs are a small part of the CPU time.
    return one, every, (one + every) * 2 / cpu


def schedstat(pid):
    """{thread id: (ns on a CPU, ns runnable but waiting for a CPU)} of a process's threads."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                on_cpu, waiting, _ = f.read().split()
            out[tid] = (int(on_cpu), int(waiting))
        except OSError:
            pass
    return out


def sched_delta(before, after):
    """(s on a CPU, s waiting for one) of the threads between two schedstat()s."""
    on = sum(a[0] - before.get(t, (0, 0))[0] for t, a in after.items()) / 1e9
    wait = sum(a[1] - before.get(t, (0, 0))[1] for t, a in after.items()) / 1e9
    return on, wait


def cpu_seconds(pid):
    """utime + stime of a process, from /proc (Linux)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sync_once(args, blocks, workdir, run):
    """One sync of a fresh node from the source; returns its figures."""
    cores = os.cpu_count()
    before = verify_bound(args)
    src_dir = os.path.join(workdir, f"source{run}")
    shutil.copytree(source_datadir(args, blocks), src_dir)
    port = args.base_port
    source = Daemon(args.bindir, src_dir, port, port + 1, [])
    fresh = None
    try:
        load_before = load()
        fresh = Daemon(args.bindir, os.path.join(workdir, f"fresh{run}"), port + 2, port + 3,
                       [f"--connect=127.0.0.1:{port}", "--listen=0"])
        rpc = fresh.rpc
        cpu_start = cpu_seconds(fresh.pid)
        sched_start = schedstat(fresh.pid)
        perf = None
        if args.perf and run == 0:
            perf = subprocess.Popen(["perf", "record", "-g", "-F", "499", "-o", args.perf, "-p",
                                     str(fresh.pid)], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)

        def chain_view():
            try:
                info = rpc.call("getblockchaininfo")
                peers = rpc.call("getpeerinfo")
                return (info["blocks"], info["headers"], sum(p["inflight"] for p in peers))
            except Exception:  # noqa: BLE001 a busy node's reply may time out: no sample
                return None

        sampler = Sampler(fresh.pid, start_time=fresh.started)
        watcher = Sampler(fresh.pid, probe=chain_view, start_time=fresh.started)
        sampler.start()
        watcher.start()
        deadline = time.monotonic() + args.timeout
        while True:
            views = [v for _, v in watcher.samples]
            if views and views[-1][0] >= len(blocks):
                break
            if time.monotonic() > deadline or fresh.process.poll() is not None:
                raise RuntimeError(f"sync did not finish (last view {views[-1:]})")
            time.sleep(0.2)
        cpu = cpu_seconds(fresh.pid) - cpu_start
        on_cpu, waiting = sched_delta(sched_start, schedstat(fresh.pid))
        if perf:
            perf.send_signal(signal.SIGINT)
            perf.wait()
        sampler.stop()
        watcher.stop()
        load_after = load()
        # Measured again after the sync; the higher is the bound (the machine is shared: the
        # lower one saw more of the other users, and the sync did not have it any better).
        after = verify_bound(args)
        verify_1, verify_all = max(before[0], after[0]), max(before[1], after[1])
        verify_cpu = max(before[2], after[2])
        bound = cores * verify_1
        times = fresh.tip_times()
        n = len(blocks)
        # To the log line of the last block (RPC polling would add its own latency).
        total = times[n] - fresh.started_epoch
        phase = times[n] - times[1]
        txs = sum(tx_count(b) for b in blocks[1:])
        views = watcher.samples
        all_headers = next((t for t, v in views if v[1] >= n), None)
        first_block = next((t for t, v in views if v[0] >= 1), None)
        lead = max(v[1] - v[0] for _, v in views)
        inflight = max(v[2] for _, v in views)
        rss, hwm = sampler.max_mib()
        return {
            "verify_1core": verify_1, "verify_allcores": verify_all, "bound": bound,
            "total_s": total, "phase_s": phase, "txs": txs, "tx_per_s": txs / phase,
            "all_txs_per_s": sum(tx_count(b) for b in blocks) / total,
            "headers_all_at": all_headers, "first_block_at": first_block, "lead": lead,
            "inflight": inflight, "rss_mib": rss, "hwm_mib": hwm,
            "load": (load_before, load_after), "sync_lines": fresh.sync_lines(),
            "cpu_s": cpu, "on_cpu_s": on_cpu, "waiting_s": waiting, "verify_per_cpu_s": verify_cpu,
            "tx_per_cpu_s": sum(tx_count(b) for b in blocks) / cpu,
            "verify_runs": (before, after),
            "samples": len(sampler.samples), "views": len(views),
        }
    finally:
        if fresh:
            fresh.stop()
        source.stop()
        if not args.keep:
            shutil.rmtree(src_dir, ignore_errors=True)


def serve_peers(args, blocks, workdir):
    """P raw peers fetch blocks 1..K from the source at once; the source's RSS meanwhile."""
    src_dir = os.path.join(workdir, "source-serve")
    shutil.copytree(source_datadir(args, blocks), src_dir)
    port = args.base_port + 10
    source = Daemon(args.bindir, src_dir, port, port + 1, ["--maxconnections=200"])
    try:
        genesis = source.rpc.call("getblockhash", 0)
        ids = [header_hash(b[:HEADER_SIZE]).hex() for b in blocks[:args.serve_blocks]]
        rss_idle = status_kib(source.pid, "VmRSS") / 1024
        errors, received = [], [0] * args.serve_peers

        def peer(i):
            try:
                # An address of its own: the source's eviction sees 64 distinct peers.
                conn = P2PConnection("127.0.0.1", port, REGTEST_MAGIC,
                                     source_ip=f"127.0.{1 + i // 250}.{1 + i % 250}", timeout=60)
                conn.handshake(genesis)
                next_item, pending = 0, 0
                while received[i] < len(ids):
                    want = min(IN_FLIGHT - pending, len(ids) - next_item)
                    if want > 0:
                        conn.send("getdata", inv_payload(
                            [(INV_BLOCK, h) for h in ids[next_item:next_item + want]]))
                        next_item += want
                        pending += want
                    command, payload = conn.receive(timeout=300)
                    if command == "block":
                        received[i] += 1
                        pending -= 1
                    elif command == "ping":
                        conn.send("pong", payload)
                    elif command == "notfound":
                        raise RuntimeError("notfound")
                conn.close()
            except Exception as e:  # noqa: BLE001 reported below
                errors.append(f"peer {i}: {e!r}")

        sampler = Sampler(source.pid)
        sampler.start()
        start = time.monotonic()
        threads = [threading.Thread(target=peer, args=(i,)) for i in range(args.serve_peers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - start
        sampler.stop()
        rss, hwm = sampler.max_mib()
        served = sum(len(b) for b in blocks[:args.serve_blocks])
        return {"peers": args.serve_peers, "blocks": args.serve_blocks, "rss_idle": rss_idle,
                "rss_mib": rss, "hwm_mib": hwm, "elapsed": elapsed, "errors": errors,
                "served_mb": served * sum(1 for r in received if r == len(ids)) / 1e6,
                "complete": sum(1 for r in received if r == len(ids))}
    finally:
        source.stop()
        if not args.keep:
            shutil.rmtree(src_dir, ignore_errors=True)


def ratio(name, value, op, goal):
    met = value >= goal if op == ">=" else value <= goal
    return f"RATIO {name} {value:.3f} goal {op}{goal:g} {'met' if met else 'NOT met'}"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bindir", default="build")
    p.add_argument("--blocks", type=int, default=None, help="chain length (default 100; --full 500)")
    p.add_argument("--txs", type=int, default=2000, help="txs per block (default 2000)")
    p.add_argument("--full", action="store_true", help="the issue's chain: 500 blocks")
    p.add_argument("--runs", type=int, default=1, help="syncs, each from a new fresh node")
    p.add_argument("--serve-peers", type=int, default=64)
    p.add_argument("--serve-blocks", type=int, default=None,
                   help="blocks each serving peer fetches (default 100: P x 37.6 MB)")
    p.add_argument("--no-serve", action="store_true", help="skip the serving measurement")
    p.add_argument("--base-port", type=int, default=27400)
    p.add_argument("--timeout", type=float, default=3600)
    p.add_argument("--perf", metavar="FILE",
                   help="perf record -g the fresh node of the first run into FILE")
    p.add_argument("--keep", action="store_true", help="keep the run's data folders")
    args = p.parse_args()
    if args.blocks is None:
        args.blocks = 500 if args.full else 100
    args.serve_blocks = min(args.serve_blocks or 100, args.blocks)

    head = subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True).stdout.strip()
    print(f"sync_bench: {args.blocks} blocks x {args.txs} txs, regtest, HEAD {head}, "
          f"{os.cpu_count()} cores, {datetime.now():%Y-%m-%d %H:%M}, load {' '.join(load())}",
          flush=True)
    blocks = read_chain(chain_file(args))
    print(f"chain: {len(blocks)} blocks, {sum(len(b) for b in blocks) / 1e6:.1f} MB, "
          f"{sum(tx_count(b) for b in blocks)} txs", flush=True)
    workdir = tempfile.mkdtemp(prefix="waybill_sync_bench_")
    results = []
    try:
        for run in range(args.runs):
            r = sync_once(args, blocks, workdir, run)
            results.append(r)
            print(f"run {run + 1}: sync of {args.blocks} blocks in {r['total_s']:.1f} s "
                  f"(all {args.blocks * args.txs} txs: {r['all_txs_per_s']:.0f} tx/s); "
                  f"blocks 2..{args.blocks} connected in {r['phase_s']:.1f} s: "
                  f"{r['tx_per_s']:.0f} tx/s; bound {os.cpu_count()} x {r['verify_1core']:.0f} "
                  f"= {r['bound']:.0f}/s (all cores at once: {r['verify_allcores']:.0f}/s) "
                  f"-> {r['tx_per_s'] / r['bound']:.3f}", flush=True)
            print(f"  bound runs before/after the sync: 1 core {r['verify_runs'][0][0]:.0f} / "
                  f"{r['verify_runs'][1][0]:.0f}/s, all cores {r['verify_runs'][0][1]:.0f} / "
                  f"{r['verify_runs'][1][1]:.0f}/s (the higher is the bound)")
            print(f"  CPU: the fresh node used {r['cpu_s']:.1f} CPU s ({r['cpu_s'] / r['total_s']:.2f}"
                  f" CPU s per s over the sync, of {os.cpu_count()} possible): {r['tx_per_cpu_s']:.0f} tx per CPU s"
                  f" against {r['verify_per_cpu_s']:.0f} verifications per CPU s (bench_verify) "
                  f"-> {r['tx_per_cpu_s'] / r['verify_per_cpu_s']:.3f}", flush=True)
            print(f"  scheduler (/proc/PID/task/*/schedstat, summed over threads): "
                  f"{r['on_cpu_s']:.1f} s on a CPU, {r['waiting_s']:.1f} s runnable but waiting "
                  f"for one (the machine's other load)", flush=True)
            print(f"  headers first: all {args.blocks} headers at {r['headers_all_at']:.1f} s, "
                  f"first block connected at {r['first_block_at']:.1f} s; best header ahead of "
                  f"the tip by up to {r['lead']} blocks; up to {r['inflight']} blocks in flight",
                  flush=True)
            print(f"  fresh node RSS: max VmRSS {r['rss_mib']:.0f} MiB, VmHWM {r['hwm_mib']:.0f} "
                  f"MiB ({r['samples']} samples, 0.5 s apart; {r['views']} RPC views); load {' '.join(r['load'][0])} -> "
                  f"{' '.join(r['load'][1])}", flush=True)
            for line in r["sync_lines"]:
                print(f"  log: {line}")
        serve = None if args.no_serve else serve_peers(args, blocks, workdir)
        if serve:
            print(f"serving: {serve['peers']} raw peers each fetching blocks 1..{serve['blocks']} "
                  f"({serve['complete']} complete, {serve['served_mb']:.0f} MB in "
                  f"{serve['elapsed']:.1f} s): source VmRSS idle {serve['rss_idle']:.0f} MiB, "
                  f"max {serve['rss_mib']:.0f} MiB, VmHWM {serve['hwm_mib']:.0f} MiB", flush=True)
            for e in serve["errors"][:5]:
                print(f"  {e}")
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"kept {workdir}")
    # The median run (of the ratio; the lower of two) and the worst RSS.
    best = sorted(results, key=lambda r: r["tx_per_s"] / r["bound"])[(len(results) - 1) // 2]
    worst_rss = max(max(r["rss_mib"], r["hwm_mib"]) for r in results)
    print(f"load {' '.join(load())}")
    print(ratio("sync_txs_vs_verify_bound", best["tx_per_s"] / best["bound"], ">=", 0.7))
    print(ratio("sync_rss_mib_vs_512", worst_rss / 512, "<=", 1))


if __name__ == "__main__":
    main()
