#!/usr/bin/env python3
"""benchmarks/ratios.py: the figures of a results file (benchmarks/results/*.tsv), as rows.

For every section, case and metric of the file, and every pair of tools compared in the
scripts (mqtk against its reference), prints the two medians, the per-run ratios, the
median of those ratios and the ratio of the medians, so a table and its verdict can be
checked against the raw rows instead of by hand arithmetic.

    benchmarks/ratios.py benchmarks/results/sub-ecf433b.tsv [--metric cpu_per_100k ...]
        [--pair mqtk-F=mqtk ...] [--markdown]
"""
import argparse
import statistics
import sys
from collections import defaultdict

# (tool, reference) pairs the scripts report; pairs absent from a file are skipped.
PAIRS = [
    ("mqtk", "mosquitto_pub"), ("mqtk", "paho_c_pub"), ("mqtk", "mqttjs"),
    ("mqtk", "mosquitto_sub"), ("mqtk-F", "mqtk"), ("mqtk-json", "mqtk"),
    ("mosquitto_sub-F", "mosquitto_sub"),
    ("mqtk-reply", "pipeline"), ("mqtk-self", "pipeline"),
    ("mqtk", "mosquitto"), ("mqtk", "echo"), ("mqtk", "mqtk_pub"),
]
SKIP_METRICS = {"exit", "run", "workers"}


def number(text):
    try:
        return float(text)
    except ValueError:
        return None


def read(path):
    """{(section, case, metric): {tool: {run: value}}}, numeric values only."""
    rows = defaultdict(lambda: defaultdict(dict))
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            cells = line.rstrip("\n").split("\t")
            if len(cells) != 6:
                continue
            section, case, tool, run, metric, value = cells
            v = number(value)
            if v is not None:
                rows[(section, case, metric)][tool][run] = v
    return rows


def fmt(v, digits=3):
    if v is None:
        return "NA"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.{digits}g}" if abs(v) < 1 else f"{v:.{digits}f}".rstrip("0").rstrip(".")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("results")
    ap.add_argument("--metric", action="append", help="only these metrics")
    ap.add_argument("--pair", action="append", help="TOOL=REFERENCE (replaces the defaults)")
    ap.add_argument("--markdown", action="store_true", help="markdown table rows")
    args = ap.parse_args()
    pairs = [tuple(p.split("=", 1)) for p in args.pair] if args.pair else PAIRS
    rows = read(args.results)
    sep = " | " if args.markdown else "\t"
    head = ["section", "case", "metric", "tool", "ref", "median tool", "median ref",
            "per-run ratios", "median of ratios", "ratio of medians"]
    print(("| " + sep.join(head) + " |") if args.markdown else sep.join(head))
    for (section, case, metric), tools in rows.items():
        if metric in SKIP_METRICS or (args.metric and metric not in args.metric):
            continue
        for a, b in pairs:
            if a not in tools or b not in tools:
                continue
            ma = statistics.median(tools[a].values())
            mb = statistics.median(tools[b].values())
            per_run = [tools[a][r] / tools[b][r] for r in sorted(tools[a], key=int)
                       if r in tools[b] and tools[b][r] != 0]
            mr = statistics.median(per_run) if per_run else None
            rm = ma / mb if mb else None
            cells = [section, case, metric, a, b, fmt(ma, 4), fmt(mb, 4),
                     " ".join(f"{x:.2f}" for x in per_run),
                     f"{mr:.2f}" if mr is not None else "NA", f"{rm:.2f}" if rm is not None else "NA"]
            print(("| " + sep.join(cells) + " |") if args.markdown else sep.join(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
