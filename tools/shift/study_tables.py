#!/usr/bin/env python3
"""The study tables of docs/RESULTS.md (issue 24) from runs' results.json:
the shift means over corruptions per severity and the OOD AUROC per score, at
size 1 (a single network) and at the largest size, mean +- sd over the runs
(seeds). Usage: tools/shift/study_tables.py RUN/results.json ...

With --per-run first: one row per run (one seed of each method), at its
largest size: error and NLL (the mean over corruptions) per severity, the
calibration at the middle severity, OOD AUROC (entropy / MI) per set.
"""
import json
import statistics as st
import sys

args = sys.argv[1:]
per_run = bool(args) and args[0] == "--per-run"
runs = [json.load(open(p)) for p in args[per_run:]]
METRICS = [("error", 2), ("nll", 4), ("cnll_clean", 4), ("cnll_cv", 4), ("ece", 4)]

def label(r):
    c = r["config"]
    return f"{c['method']} ({r['shift']['clean'][-1]['size']}, {c['epochs']} ep.)"

# Run r's metrics at severity `sev` (0: clean; else the mean over corruptions)
# and size index `si` (0: the smallest, -1: the largest).
def row_of(r, sev, si=-1):
    if sev == 0: return r["shift"]["clean"][si]
    return [s for s in r["shift"]["mean_by_severity"] if s["severity"] == sev][0]["by_size"][si]

sevs = [0] + [m["severity"] for m in runs[0]["shift"]["mean_by_severity"]]
if per_run:
    heads = ["clean" if v == 0 else f"severity {v}" for v in sevs]
    for metric, title, d in [("error", "error %", 2), ("nll", "NLL", 4)]:
        print(f"| method: {title} | " + " | ".join(heads) + " |")
        print("|---|" + "---:|" * len(heads))
        for r in runs:
            print(f"| {label(r)} | " + " | ".join(f"{row_of(r, v)[metric]:.{d}f}" for v in sevs) + " |")
        print()
    mid = sevs[len(sevs) // 2]
    print(f"| method (severity {mid}) | NLL | NLL at clean T | cNLL (cv) | ECE |")
    print("|---|---:|---:|---:|---:|")
    for r in runs:
        row = row_of(r, mid)
        print(f"| {label(r)} | " + " | ".join(f"{row[m]:.4f}" for m in ("nll", "cnll_clean", "cnll_cv", "ece")) + " |")
    print()
    names = [s["name"] for s in runs[0]["ood"]["sets"]]
    print("| method | " + " | ".join(f"{n} (entropy / MI)" for n in names) + " |")
    print("|---|" + "---|" * len(names))
    for r in runs:
        sets = {s["name"]: s["by_size"][-1] for s in r["ood"]["sets"]}
        cells = [f"{sets[n]['entropy']['auroc']:.3f} / {sets[n]['mutual_information']['auroc']:.3f}"
                 if n in sets and "mutual_information" in sets[n] else "-" for n in names]
        print(f"| {label(r)} | " + " | ".join(cells) + " |")
    sys.exit(0)
def cell(vals, d):
    if len(vals) == 1: return f"{vals[0]:.{d}f}"
    return f"{st.mean(vals):.{d}f} ± {st.stdev(vals):.{d}f}"
print("| severity | size | error % | NLL | NLL at clean T | cNLL (cv) | ECE |")
print("|---|---|---|---|---|---|---|")
for sev in sevs:
    for si in [0, -1]:
        cells = [cell([row_of(r, sev, si)[m] for r in runs], d) for m, d in METRICS]
        size = runs[0]["shift"]["clean"][si]["size"]
        print(f"| {'clean' if sev==0 else sev} | {size} | " + " | ".join(cells) + " |")
print()
scores = runs[0]["ood"]["scores"]
print("| OOD set | size | " + " | ".join(scores) + " | FPR95 (entropy / MI) |")
print("|---|---|" + "---|"*len(scores) + "---|")
for s_i, s in enumerate(runs[0]["ood"]["sets"]):
    for si in [0, -1]:
        cells=[cell([r["ood"]["sets"][s_i]["by_size"][si][sc]["auroc"] for r in runs], 3) for sc in scores]
        fpr = "-" if si == 0 else (cell([r["ood"]["sets"][s_i]["by_size"][si]["entropy"]["fpr95"] for r in runs], 3) + " / " + cell([r["ood"]["sets"][s_i]["by_size"][si]["mutual_information"]["fpr95"] for r in runs], 3))
        print(f"| {s['name']} | {s['by_size'][si]['size']} | " + " | ".join(cells) + f" | {fpr} |")
