#!/usr/bin/python3
"""Draws the curves of bench/overlay_sim (its CSV: nodes,series,x,y) into one PNG.

  scripts/plot_overlay.py [CSV] [PNG]     (defaults: overlay_sim.csv, docs/overlay_sim.png)

Four panels, one line per network size: block propagation (fraction of nodes that connected
the block against the time since it was mined, averaged over the blocks), the hops the block
took to each node, the mempool anti-entropy after a partition heals (fraction of the
(node, tx) pairs present) and the eclipse runs (fraction of honest nodes whose every outbound
peer is the attacker's, and the attacker's share of all outbound connections).
"""
import csv
import sys
from collections import defaultdict

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    sys.exit("plot_overlay.py needs matplotlib: apt-get install python3-matplotlib "
             "(and Debian's /usr/bin/python3, which this script names in its first line)")


def load(path):
    """series -> nodes -> [(x, y)], in file order."""
    data = defaultdict(lambda: defaultdict(list))
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            data[row["series"]][int(row["nodes"])].append((float(row["x"]), float(row["y"])))
    return data


def draw(ax, curves, xscale=1.0, style="-", label_suffix=""):
    for nodes in sorted(curves):
        points = curves[nodes]
        ax.plot([x * xscale for x, _ in points], [y for _, y in points], style,
                label=f"{nodes:,} nodes{label_suffix}")


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "overlay_sim.csv"
    out = sys.argv[2] if len(sys.argv) > 2 else "docs/overlay_sim.png"
    data = load(src)
    fig, axes = plt.subplots(2, 2, figsize=(12, 9))

    ax = axes[0][0]
    draw(ax, data["block_cdf"], xscale=1 / 1000)
    ax.set(title="Block propagation (mean over blocks)", xlabel="seconds since mined",
           ylabel="fraction of nodes with the block")
    ax.grid(True, alpha=0.3)
    ax.legend()

    ax = axes[0][1]
    draw(ax, data["block_hops"], style="o-")
    ax.set(title="Hops from the miner", xlabel="hops", ylabel="fraction of nodes")
    ax.grid(True, alpha=0.3)
    ax.legend()

    ax = axes[1][0]
    draw(ax, data["antientropy"])
    ax.set(title="Mempool anti-entropy after the partition heals", xlabel="seconds since heal",
           ylabel="fraction of (node, tx) pairs present")
    ax.grid(True, alpha=0.3)
    ax.legend()

    ax = axes[1][1]
    draw(ax, data["eclipse_books_outbound_share"], xscale=1 / 60, style="--",
         label_suffix=", attacker share of outbound (books)")
    draw(ax, data["eclipse_flood_outbound_share"], xscale=1 / 60, style="-",
         label_suffix=", attacker share of outbound (addr flood)")
    draw(ax, data["eclipse_flood"], xscale=1 / 60, style=":",
         label_suffix=", eclipsed fraction (addr flood)")
    ax.set(title="Attacker with 10% of the addresses", xlabel="minutes after the warm-up",
           ylabel="fraction")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=6)

    fig.tight_layout()
    fig.savefig(out, dpi=100)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
