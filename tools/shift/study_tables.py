#!/usr/bin/env python3
"""The study tables of docs/RESULTS.md (issue 24) from runs' results.json:
the shift means over corruptions per severity and the OOD AUROC per score, at
size 1 (a single network) and at the largest size, mean +- sd over the runs
(seeds). Usage: tools/shift/study_tables.py RUN/results.json ...
"""
import json
import statistics as st
import sys

runs = [json.load(open(p)) for p in sys.argv[1:]]
def cell(vals, d):
    if len(vals) == 1: return f"{vals[0]:.{d}f}"
    return f"{st.mean(vals):.{d}f} ± {st.stdev(vals):.{d}f}"
print("| severity | size | error % | NLL | NLL at clean T | cNLL (cv) | ECE |")
print("|---|---|---|---|---|---|---|")
for sev in [0,1,2,3,4,5]:
    for si in [0, -1]:
        cells = []
        for m, d in [("error",2),("nll",4),("cnll_clean",4),("cnll_cv",4),("ece",4)]:
            vals=[]
            for r in runs:
                vals.append(r["shift"]["clean"][si][m] if sev==0 else [s for s in r["shift"]["mean_by_severity"] if s["severity"]==sev][0]["by_size"][si][m])
            cells.append(cell(vals, d))
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
