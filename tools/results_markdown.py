#!/usr/bin/env python3
"""Prints the metrics of results directories as one Markdown table.

    tools/results_markdown.py runs/fmnist_reduced/*     # rows: method x size

Reads only results.json (the driver's output); standard library only.
"""
import json
import sys


def fmt(value, spec):
    return "-" if value is None else format(value, spec)


def main(dirs):
    print("| method | size | error % | NLL | cNLL | Brier | ECE | AUROC | DEE | train s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for d in dirs:
        with open(d.rstrip("/") + "/results.json") as f:
            r = json.load(f)
        c = r["config"]
        name = c["method"] + (" (" + c["method_args"] + ")" if c["method_args"] else "")
        for i, m in enumerate(r["metrics"]):
            print("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                name if i == 0 else "", m["size"], fmt(m["error"], ".2f"), fmt(m["nll"], ".4f"),
                fmt(m["cnll"], ".4f"), fmt(m["brier"], ".4f"), fmt(m["ece"], ".4f"),
                fmt(m["auroc"], ".4f"), fmt(m["dee"], ".2f"),
                "%.0f" % r["train_seconds"] if i == 0 else ""))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: results_markdown.py RESULTS_DIR...")
    main(sys.argv[1:])
