#!/usr/bin/env bash
# benchmarks/paper: every row flagfile of every reference table is accepted
# by the driver (flag names, components, parameters: --dry_run), every table
# has its sizes, and run_table.sh runs a small table end to end: rows in
# order, DEE against row 00, the report with its budget columns, finished
# rows kept on a rerun. The budget columns' premise is checked too: a run of
# a shorter budget has the same first members as the longer run
# (deep_ensemble, snapshot, fge).
set -uo pipefail
source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/testing/shell_helpers.sh"
paper="$root/benchmarks/paper"

tables=0
for table in "$paper"/*/; do
  table=${table%/}
  [ -f "$table/common.flags" ] || continue
  tables=$((tables + 1))
  [ -s "$table/sizes" ] || fail "$(basename "$table") has no sizes file"
  for row in "$table"/[0-9]*.flags; do
    "$driver" --flagfile="$table/common.flags" --flagfile="$row" --dry_run >"$tmp/out" 2>&1 \
      || fail "$(basename "$table")/$(basename "$row"): $(tail -1 "$tmp/out")"
    grep -q "^ok: " "$tmp/out" || fail "$(basename "$row"): no plan printed"
  done
done
[ "$tables" -ge 6 ] || fail "only $tables tables found"

# A bad flag in a flagfile is caught by --dry_run.
printf '%s\n' --method=snapshot --method_args=lr=0.1 >"$tmp/bad.flags"
"$driver" --flagfile="$tmp/bad.flags" --dry_run >/dev/null 2>"$tmp/err" && fail "a bad row passed --dry_run"
grep -q "unknown parameter 'lr'" "$tmp/err" || fail "bad row message: $(cat "$tmp/err")"

# A small table, end to end.
mini="$tmp/mini_table"
mkdir -p "$mini"
printf '%s\n' --model=mlp --dataset=synthetic --dataset_args=train=400,test=200 --epochs=2 --threads=1 \
  --device=cpu >"$mini/common.flags"
printf '%s\n' --method=deep_ensemble --members=3 >"$mini/00_deep_ensemble.flags"
printf '%s\n' --method=snapshot --members=2 --epochs=4 >"$mini/01_snapshot.flags"
printf '%s\n' --method=fge --method_args=cycle_epochs=1 --members=4 --epochs=5 >"$mini/02_fge.flags"
echo "1,2,3" >"$mini/sizes"
printf '%s\n' "# B = 2 epochs" "1B 00_deep_ensemble=1 01_snapshot=1 02_fge=1" \
  "2B 00_deep_ensemble=2 01_snapshot=2 02_fge=3  # fge: 1 epoch of pre-training" >"$mini/budgets"
bash "$paper/run_table.sh" "$mini" "$driver" "$tmp/mini_runs" --seed=4 >"$tmp/table.log" 2>&1 \
  || fail "run_table.sh failed: $(tail -3 "$tmp/table.log")"
python3 - "$tmp/mini_runs" <<'PY' || fail "mini table outputs"
import csv, json, sys
out = sys.argv[1]
snap = json.load(open(f"{out}/01_snapshot/results.json"))
assert snap["config"]["seed"] == 4, snap["config"]["seed"]
assert snap["config"]["dee_reference"].endswith("00_deep_ensemble"), snap["config"]["dee_reference"]
assert all(m["dee"] is not None for m in snap["metrics"]), snap["metrics"]
md = open(f"{out}/report/report.md").read()
assert "| deep_ensemble | mlp | synthetic |" in md and "| snapshot | mlp | synthetic |" in md, md
assert "| 02_fge | fge (cycle_epochs=1) | 5 | " in md, md
assert f"DEE: against the deep ensemble {out}/00_deep_ensemble (sizes 1-3)" in md, md
budgets = list(csv.DictReader(open(f"{out}/report/budgets.csv")))
assert [(b["budget"], b["row"], b["size"]) for b in budgets] == [
    ("1B", "00_deep_ensemble", "1"), ("1B", "01_snapshot", "1"), ("1B", "02_fge", "1"),
    ("2B", "00_deep_ensemble", "2"), ("2B", "01_snapshot", "2"), ("2B", "02_fge", "3")], budgets
fge = json.load(open(f"{out}/02_fge/results.json"))
assert abs(float(budgets[5]["error_mean"]) - fge["metrics"][2]["error"]) < 1e-9, (budgets[5], fge["metrics"][2])
PY
bash "$paper/run_table.sh" "$mini" "$driver" "$tmp/mini_runs" --seed=4 >"$tmp/table2.log" 2>&1 \
  || fail "run_table.sh rerun failed: $(tail -3 "$tmp/table2.log")"
[ "$(grep -c 'finished earlier, kept' "$tmp/table2.log")" = 3 ] || fail "rerun did not keep every row"

# Shorter budgets: their members are the first members of the table's runs,
# so every metric of every size they have is the same.
short() {
  local name=$1; shift
  "$driver" --flagfile="$mini/common.flags" --seed=4 --out_dir="$tmp/short_$name" "$@" >"$tmp/short.log" 2>&1 \
    || fail "short $name: $(tail -1 "$tmp/short.log")"
}
short 00_deep_ensemble --method=deep_ensemble --members=2
short 01_snapshot --method=snapshot --members=1 --epochs=2
short 02_fge --method=fge --method_args=cycle_epochs=1 --members=3 --epochs=4
python3 - "$tmp" <<'PY' || fail "a shorter budget's members differ from the longer run's first members"
import json, sys
tmp = sys.argv[1]
for row in ("00_deep_ensemble", "01_snapshot", "02_fge"):
    short = json.load(open(f"{tmp}/short_{row}/results.json"))["metrics"]
    full = json.load(open(f"{tmp}/mini_runs/{row}/results.json"))["metrics"]
    assert len(short) < len(full), (row, len(short), len(full))
    for s, f in zip(short, full):
        s.pop("dee", None), f.pop("dee", None)
        assert s == f, (row, s, f)
PY

# A budgets file that asks for more members than a row has.
printf '%s\n' "1B 00_deep_ensemble=4" >"$tmp/too_many"
program="$root/tools/report/report"
expect_error 2 "column 1B asks row '00_deep_ensemble' for an ensemble of 4; its runs have sizes 1,2,3" \
  --budgets="$tmp/too_many" "$tmp/mini_runs/00_deep_ensemble"
expect_error 2 "row '01_snapshot' is none of the results folders given" --budgets="$mini/budgets" \
  "$tmp/mini_runs/00_deep_ensemble"
printf '%s\n' "1B 00_deep_ensemble=0" >"$tmp/zero"
expect_error 2 "$tmp/zero:1: '00_deep_ensemble=0' is not row=size (a positive size)" --budgets="$tmp/zero" \
  "$tmp/mini_runs/00_deep_ensemble"

finish "paper_tables_test ($tables tables)"
