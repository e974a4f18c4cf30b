#!/usr/bin/env bash
# The report tool on real driver runs: two seeds of one setting are averaged
# (mean and sample standard deviation, recomputed here from results.json),
# Markdown, CSV and the gnuplot figures (PNG, SVG) are written, DEE is
# measured against a chosen deep ensemble, and bad input is a one-line error.
set -uo pipefail
source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/testing/shell_helpers.sh"
report="$root/tools/report/report"

common=(--dataset=synthetic --dataset_args=train=600,test=300 --model=mlp --threads=1 --epochs=2)
for seed in 1 2; do
  "$driver" "${common[@]}" --method=deep_ensemble --members=3 --seed=$seed --out_dir="$tmp/de_$seed" \
    >/dev/null 2>&1 || fail "deep_ensemble seed $seed failed"
done
"$driver" "${common[@]}" --method=single --seed=1 --out_dir="$tmp/single" >/dev/null 2>&1 || fail "single failed"

"$report" --out_dir="$tmp/report" --sizes=1,3 "$tmp/de_1" "$tmp/de_2" "$tmp/single" >"$tmp/stdout" 2>"$tmp/stderr" \
  || fail "report failed: $(cat "$tmp/stderr")"
cmp -s "$tmp/stdout" "$tmp/report/report.md" || fail "stdout differs from report.md"
python3 - "$tmp" <<'PY' || fail "report numbers"
import csv, json, statistics, sys
tmp = sys.argv[1]
runs = [json.load(open(f"{tmp}/de_{s}/results.json")) for s in (1, 2)]
rows = {(r["method"], int(r["size"])): r for r in csv.DictReader(open(f"{tmp}/report/report.csv"))}
assert set(rows) == {("deep_ensemble", 1), ("deep_ensemble", 3), ("single", 1)}, rows.keys()
for size in (1, 3):
    row = rows[("deep_ensemble", size)]
    assert row["seeds"] == "2", row
    for metric in ("error", "nll", "cnll", "brier", "ece"):
        values = [r["metrics"][size - 1][metric] for r in runs]
        for stat, expected in (("mean", statistics.mean(values)), ("sd", statistics.stdev(values))):
            got = float(row[f"{metric}_{stat}"])
            assert abs(got - expected) <= 1e-5 * max(1.0, abs(expected)), (metric, stat, got, expected)
assert rows[("single", 1)]["seeds"] == "1" and rows[("single", 1)]["error_sd"] == "0"
md = open(f"{tmp}/report/report.md").read()
assert "| deep_ensemble | mlp | synthetic | 2 | 1 | 2 | " in md and " ± " in md, md
PY
for figure in metrics_vs_size training; do
  head -c 8 "$tmp/report/$figure.png" | od -An -tx1 | grep -q "89 50 4e 47 0d 0a 1a 0a" || fail "$figure.png is not a PNG"
  grep -q "<svg" "$tmp/report/$figure.svg" || fail "$figure.svg is not an SVG"
done
[ -s "$tmp/report/plots.gp" ] || fail "plots.gp missing"
[ ! -s "$tmp/report/data/gnuplot.err" ] || fail "gnuplot warned: $(head -3 "$tmp/report/data/gnuplot.err")"

# --cost: the whole ensemble's cost on each group's largest size, the mean
# over seeds (predict seconds with their spread); an older run without cost
# shows "-".
"$report" --out_dir="$tmp/report_cost" --cost --plots=false "$tmp/de_1" "$tmp/de_2" "$tmp/single" >/dev/null \
  2>"$tmp/stderr" || fail "report --cost failed: $(cat "$tmp/stderr")"
python3 - "$tmp" <<'PY' || fail "report --cost numbers"
import csv, json, statistics, sys
tmp = sys.argv[1]
costs = [json.load(open(f"{tmp}/de_{s}/results.json"))["cost"] for s in (1, 2)]
rows = {(r["method"], int(r["size"])): r for r in csv.DictReader(open(f"{tmp}/report_cost/report.csv"))}
whole, part = rows[("deep_ensemble", 3)], rows[("deep_ensemble", 1)]
assert float(whole["parameters"]) == costs[0]["parameters"], whole
assert abs(float(whole["train_flops_per_image"]) / costs[0]["train_flops_per_image"] - 1) < 1e-5, whole
seconds = [c["predict_seconds"] for c in costs]
assert abs(float(whole["predict_seconds_mean"]) - statistics.mean(seconds)) < 1e-5, whole
assert abs(float(whole["predict_seconds_sd"]) - statistics.stdev(seconds)) < 1e-5, whole
assert part["parameters"] == "" and part["predict_seconds_mean"] == "", part
md = open(f"{tmp}/report_cost/report.md").read()
assert "| parameters | train FLOPs / image | predict s |" in md, md
PY
# A run from before the cost field: its cost cells are "-".
mkdir -p "$tmp/no_cost"
python3 -c "
import json, sys
r = json.load(open(sys.argv[1])); del r['cost']; json.dump(r, open(sys.argv[2], 'w'))
" "$tmp/single/results.json" "$tmp/no_cost/results.json"
"$report" --cost --plots=false "$tmp/no_cost" >"$tmp/no_cost.md" 2>"$tmp/stderr" || fail "report --cost of an old run: $(cat "$tmp/stderr")"
grep -q "^| single | mlp | synthetic | 2 | 1 | 1 | .* | - | - | - |$" "$tmp/no_cost.md" || fail "old run's cost: $(cat "$tmp/no_cost.md")"

# A run from an older driver (without the flags recorded since: autocast,
# channels_last, on_divergence, eval_orders) is a seed of the same setting as a new run.
mkdir -p "$tmp/old_de_3"
python3 - "$tmp/de_2/results.json" "$tmp/old_de_3/results.json" <<'PY'
import json, sys
run = json.load(open(sys.argv[1]))
for key in ("autocast", "channels_last", "on_divergence", "eval_orders"):
    del run["config"][key]
run["config"]["seed"] = 3
json.dump(run, open(sys.argv[2], "w"))
PY
"$report" --out_dir="$tmp/report_old" --sizes=1 "$tmp/de_1" "$tmp/old_de_3" >/dev/null 2>"$tmp/stderr" \
  || fail "report over an older run failed: $(cat "$tmp/stderr")"
grep -q "^deep_ensemble,deep_ensemble,mlp,synthetic,2,1,2," "$tmp/report_old/report.csv" \
  || fail "an older run did not group with a new one: $(cat "$tmp/report_old/report.csv")"

# The validation split's seed is a seed too: a run holding out split 1 at
# seed 3 is a seed of the setting whose runs hold out their own seed's split.
mkdir -p "$tmp/split1_de_3"
python3 - "$tmp/de_2/results.json" "$tmp/split1_de_3/results.json" <<'PY'
import json, sys
run = json.load(open(sys.argv[1]))
run["config"]["seed"] = 3
run["config"]["dataset_args"] = "val_seed=1," + run["config"]["dataset_args"]
run["config"]["params"]["dataset"]["val_seed"] = "1"
json.dump(run, open(sys.argv[2], "w"))
PY
"$report" --sizes=1 "$tmp/de_1" "$tmp/split1_de_3" >"$tmp/split.md" 2>"$tmp/stderr" \
  || fail "report over a run with val_seed failed: $(cat "$tmp/stderr")"
grep -q "^| deep_ensemble | mlp | synthetic | 2 | 1 | 2 | " "$tmp/split.md" \
  || fail "a run with its own val_seed did not group with the others: $(cat "$tmp/split.md")"

# A pool of runs (combine) trained nothing of its own: no epochs.
"$driver" --method=combine --method_args=runs="$tmp/de_1:$tmp/de_2" --dataset=synthetic \
  --dataset_args=train=600,test=300 --threads=1 --out_dir="$tmp/pool" >/dev/null 2>&1 || fail "combine failed"
"$report" --sizes=1 "$tmp/pool" >"$tmp/pool.md" 2>"$tmp/stderr" || fail "report over a pool failed: $(cat "$tmp/stderr")"
grep -q "^| combine (runs=de_1:de_2) | [^|]* | synthetic | - | 1 | 1 | " "$tmp/pool.md" \
  || fail "a pool's epochs: $(cat "$tmp/pool.md")"

# A curve averaged over member orders is its own setting, and says so.
cp -r "$tmp/de_2" "$tmp/de_2_orders"
"$driver" --eval_only --eval_orders=3 --out_dir="$tmp/de_2_orders" >/dev/null 2>&1 || fail "--eval_orders=3 failed"
"$report" --sizes=1 "$tmp/de_1" "$tmp/de_2_orders" >"$tmp/orders.md" 2>"$tmp/stderr" \
  || fail "report over an orders run failed: $(cat "$tmp/stderr")"
grep -q "^| deep_ensemble, mean of 3 member orders | mlp | synthetic | 2 | 1 | 1 | " "$tmp/orders.md" \
  || fail "no row of 3 member orders: $(cat "$tmp/orders.md")"
grep -q "^| deep_ensemble | mlp | synthetic | 2 | 1 | 1 | " "$tmp/orders.md" || fail "seed 1 lost: $(cat "$tmp/orders.md")"

# --dee_reference: every run's DEE against one deep ensemble, from the run's
# calibrated NLL (none of these runs recorded a DEE), checked against the
# definition re-implemented here: the smallest l with the reference's linearly
# interpolated cNLL(l) <= the run's cNLL.
"$report" --dee_reference="$tmp/de_1" --out_dir="$tmp/report_dee" --plots=false "$tmp/de_2" "$tmp/single" \
  >/dev/null 2>"$tmp/stderr" || fail "report --dee_reference failed: $(cat "$tmp/stderr")"
grep -q "^DEE: against the deep ensemble $tmp/de_1 (sizes 1-3)" "$tmp/report_dee/report.md" \
  || fail "report.md does not name the DEE reference"
python3 - "$tmp" <<'PY' || fail "DEE against the reference"
import csv, json, sys
tmp = sys.argv[1]
ref = [(m["size"], m["cnll"]) for m in json.load(open(f"{tmp}/de_1/results.json"))["metrics"]]
def dee(c):
    if c >= ref[0][1]:
        return 1.0
    for (s0, c0), (s1, c1) in zip(ref, ref[1:]):
        if c1 <= c:
            return max(1.0, s0 + (c0 - c) / (c0 - c1) * (s1 - s0)) if c0 != c1 else s0
    return ref[-1][0]
checked = 0
for row in csv.DictReader(open(f"{tmp}/report_dee/report.csv")):
    run = "de_2" if row["method"] == "deep_ensemble" else "single"
    m = json.load(open(f"{tmp}/{run}/results.json"))["metrics"]
    assert all(x.get("dee") is None for x in m), "runs without --dee_reference recorded a DEE"
    cnll = next(x["cnll"] for x in m if x["size"] == int(row["size"]))
    assert abs(float(row["dee_mean"]) - dee(cnll)) < 1e-6, (row, dee(cnll))
    checked += 1
assert checked == 4, checked
PY

# Runs that name another run (a teacher) group by that run's folder name:
# each seed's student of its own seed's teacher is one setting.
for seed in 1 2; do
  "$driver" "${common[@]}" --method=single --seed=$seed --out_dir="$tmp/seed$seed/teacher" >/dev/null 2>&1 \
    || fail "teacher seed $seed failed"
  "$driver" "${common[@]}" --method=distill --method_args=teacher_from="$tmp/seed$seed/teacher" --seed=$seed \
    --out_dir="$tmp/seed$seed/student" >/dev/null 2>&1 || fail "student seed $seed failed"
done
"$report" --out_dir="$tmp/report_students" --plots=false "$tmp/seed1/student" "$tmp/seed2/student" >/dev/null \
  2>"$tmp/stderr" || fail "report of students failed: $(cat "$tmp/stderr")"
grep -q "| distill (teacher_from=teacher) | mlp | synthetic | 2 | 1 | 2 | " "$tmp/report_students/report.md" \
  || fail "the students of two seeds are not one setting: $(cat "$tmp/report_students/report.md")"

# The report's errors: exit 2, one stderr line naming the problem.
program="$report"
expect_error 2 "$tmp/nothing/results.json: cannot open (not a finished run?)" "$tmp/nothing"
expect_error 2 "are the same setting with seed 1" "$tmp/de_1" "$tmp/de_1"
expect_error 2 "--sizes: '0' is not a positive integer" --sizes=0 "$tmp/de_1"
expect_error 2 "--gnuplot=/nonexistent/gnuplot not found" --out_dir="$tmp/r2" --gnuplot=/nonexistent/gnuplot "$tmp/de_1"
expect_error 2 "no results directories given"
expect_error 2 "--dee_reference $tmp/single/results.json has one ensemble size; DEE needs a deep ensemble's curve" \
  --dee_reference="$tmp/single" "$tmp/de_1"
# --ood / --shift runs: the shift table's mean over corruptions per severity
# and the OOD AUROC table, mean and sd over two seeds recomputed from
# results.json; the shift figure's data (mean, median and quartiles over
# corruptions); both figures; a run whose section is not the driver's is one
# line naming its file.
for seed in 1 2; do
  "$driver" "${common[@]}" --method=deep_ensemble --members=2 --seed=$seed --ood=uniform,flipped \
    --shift=gaussian_noise,contrast,rotation --shift_severities=1:3 --out_dir="$tmp/robust_$seed" >/dev/null 2>&1 \
    || fail "robustness run seed $seed failed"
done
"$report" --out_dir="$tmp/report_robust" "$tmp/robust_1" "$tmp/robust_2" >/dev/null 2>"$tmp/stderr" \
  || fail "report over robustness runs failed: $(cat "$tmp/stderr")"
python3 - "$tmp" <<'PY' || fail "report robustness numbers"
import json, statistics, sys
tmp = sys.argv[1]
runs = [json.load(open(f"{tmp}/robust_{s}/results.json")) for s in (1, 2)]
md = open(f"{tmp}/report_robust/report.md").read()
rows = {}
for line in md.splitlines():
    cells = [c.strip() for c in line.strip("|").split("|")]
    if len(cells) >= 9 and cells[0] == "deep_ensemble" and cells[2] in ("clean", "1", "3"):
        rows[("shift", cells[2])] = cells
    if len(cells) == 8 and cells[0] == "deep_ensemble" and cells[1] in ("uniform", "flipped"):
        rows[("ood", cells[1])] = cells
def cell(values, decimals):
    return f"{statistics.mean(values):.{decimals}f} ± {statistics.stdev(values):.{decimals}f}"
for severity in (1, 3):
    means = [next(m for m in r["shift"]["mean_by_severity"] if m["severity"] == severity)["by_size"][-1] for r in runs]
    got = rows[("shift", str(severity))]
    assert got[1] == "2", got
    assert got[3] == cell([m["error"] for m in means], 2), (got, means)
    assert got[5] == cell([m["nll"] for m in means], 4), (got, means)
    assert got[6] == cell([m["cnll_clean"] for m in means], 4), (got, means)
for name in ("uniform", "flipped"):
    sets = [next(s for s in r["ood"]["sets"] if s["name"] == name)["by_size"][-1] for r in runs]
    got = rows[("ood", name)]
    assert got[3] == cell([s["max_prob"]["auroc"] for s in sets], 4), (got, sets)
    assert got[4] == cell([s["entropy"]["auroc"] for s in sets], 4), (got, sets)
    assert got[6] == cell([s["mutual_information"]["auroc"] for s in sets], 4), (got, sets)
# The figure's data: per severity and metric, the mean over corruptions, then
# the median and quartiles over corruptions of each corruption's seed mean.
def quantile(values, q):
    values = sorted(values)
    at = q * (len(values) - 1)
    lo = int(at)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (at - lo) * (values[hi] - values[lo])
data = {}
for line in open(f"{tmp}/report_robust/data/setting_00_shift.dat"):
    if not line.startswith("#"):
        cells = [float(c) for c in line.split()]
        data[int(cells[0])] = cells[1:]
metrics = ["error", "nll", "cnll_clean", "cnll_cv", "ece"]
for severity in (1, 3):
    for i, metric in enumerate(metrics):
        means = [next(m for m in r["shift"]["mean_by_severity"] if m["severity"] == severity)["by_size"][-1][metric]
                 for r in runs]
        per_corruption = {}
        for r in runs:
            for s in r["shift"]["sets"]:
                if s["severity"] == severity:
                    per_corruption.setdefault(s["corruption"], []).append(s["by_size"][-1][metric])
        assert len(per_corruption) == 3, per_corruption
        values = [statistics.mean(v) for v in per_corruption.values()]
        want = [statistics.mean(means), quantile(values, 0.5), quantile(values, 0.25), quantile(values, 0.75)]
        got = data[severity][4 * i:4 * i + 4]
        assert all(abs(g - w) <= 1e-6 * max(1.0, abs(w)) for g, w in zip(got, want)), (severity, metric, got, want)
PY
for figure in shift_vs_severity ood_auroc_vs_size; do
  head -c 8 "$tmp/report_robust/$figure.png" | od -An -tx1 | grep -q "89 50 4e 47 0d 0a 1a 0a" \
    || fail "$figure.png is not a PNG"
done
# Two settings of one method that differ in epochs are told apart where no
# column says it (the robustness tables, the legends).
"$driver" "${common[@]}" --epochs=3 --method=deep_ensemble --members=2 --seed=1 --ood=uniform --out_dir="$tmp/robust_e3" \
  >/dev/null 2>&1 || fail "3-epoch robustness run failed"
"$report" --plots=false "$tmp/robust_1" "$tmp/robust_e3" >"$tmp/two_budgets.md" 2>&1 || fail "report over two budgets failed"
grep -q "^| deep_ensemble, 2 epochs | uniform | 2 |" "$tmp/two_budgets.md" \
  && grep -q "^| deep_ensemble, 3 epochs | uniform | 2 |" "$tmp/two_budgets.md" \
  || fail "two budgets of one method share a label: $(grep uniform "$tmp/two_budgets.md")"
# Their figures: one legend per figure naming each setting once, in the
# colour its curves have in every panel of every figure of the report.
"$report" --out_dir="$tmp/report_two" "$tmp/robust_1" "$tmp/robust_e3" >/dev/null 2>"$tmp/stderr" \
  || fail "report with figures over two budgets failed: $(cat "$tmp/stderr")"
for err in gnuplot.err robustness_gnuplot.err; do
  [ ! -s "$tmp/report_two/data/$err" ] || fail "gnuplot warned: $(head -3 "$tmp/report_two/data/$err")"
done
python3 - "$tmp/report_two" <<'PY' || fail "figure legends and styles"
import re, sys
out = sys.argv[1]
style_of = {}  # setting -> its first curves' style (colour, dash, point type), over both scripts
legends = []
for script in ("plots.gp", "robustness.gp"):
    for line in open(f"{out}/{script}"):
        if not line.startswith("plot "):
            continue
        if "setting_" not in line:  # the legend: curves out of range with titles
            legends.append(re.findall(r"2 with (\w+) ([^,]*?) title '((?:[^']|'')*)'", line))
            continue
        for curve in re.findall(r"setting_(\d+)_(\w+)\.dat' using \S+ with (\w+) ([^,]*?) notitle", line):
            setting, name, kind, style = curve
            if kind in ("linespoints", "yerrorlines") and not name.endswith("mutual_information"):
                assert style_of.setdefault(setting, style) == style, (script, curve, style_of)
            assert "linecolor rgb '" + "#" in style, curve
labels = {"deep_ensemble, 2 epochs": "00", "deep_ensemble, 3 epochs": "01"}
assert len(style_of) == 2 and len(set(style_of.values())) == 2, style_of
# per terminal (PNG, SVG): metrics, training, then shift (the 2-epoch run only has --shift) and OOD, whose
# legend adds the two scores' line styles
assert len(legends) == 8, legends
for i, legend in enumerate(legends):
    titles = [title for _, _, title in legend]
    assert len(titles) == len(set(titles)), (i, titles)
    shift = i in (4, 6)
    assert set(labels) & set(titles) == ({"deep_ensemble, 2 epochs"} if shift else set(labels)), (i, titles)
    for kind, style, title in legend:
        if title in labels and kind == "linespoints":
            assert style == style_of[labels[title]], (i, title, style, style_of)
        elif title in labels:  # the training figure's lines: the colour without point type
            assert style_of[labels[title]].startswith(style), (i, title, style, style_of)
    assert ({"entropy", "mutual information"} <= set(titles)) == (i in (5, 7)), (i, titles)
    assert ("mean over corruptions" in titles) == shift, (i, titles)
PY
python3 -c "import json; r = json.load(open('$tmp/robust_1/results.json')); r['shift']['sets'][0].pop('severity'); \
json.dump(r, open('$tmp/robust_bad.json', 'w'))"
expect_error 2 "$tmp/robust_bad.json: the ood or shift section is not the driver's" "$tmp/robust_bad.json"

echo '{"config": {}}' >"$tmp/bad.json"
expect_error 2 "$tmp/bad.json: not a results.json of the driver" "$tmp/bad.json"
printf '{"config": ' >"$tmp/cut.json"
expect_error 2 "$tmp/cut.json: not valid JSON" "$tmp/cut.json"

finish report_test
