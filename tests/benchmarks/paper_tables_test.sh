#!/usr/bin/env bash
# benchmarks/paper: every row flagfile of every reference table is accepted
# by the driver (flag names, components, parameters: --dry_run), every table
# has its sizes, and run_table.sh runs a small table end to end: rows in
# order, DEE against row 00, the report, finished rows kept on a rerun.
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
echo "1,2,3" >"$mini/sizes"
bash "$paper/run_table.sh" "$mini" "$driver" "$tmp/mini_runs" --seed=4 >"$tmp/table.log" 2>&1 \
  || fail "run_table.sh failed: $(tail -3 "$tmp/table.log")"
python3 - "$tmp/mini_runs" <<'PY' || fail "mini table outputs"
import json, sys
out = sys.argv[1]
snap = json.load(open(f"{out}/01_snapshot/results.json"))
assert snap["config"]["seed"] == 4, snap["config"]["seed"]
assert snap["config"]["dee_reference"].endswith("00_deep_ensemble"), snap["config"]["dee_reference"]
assert all(m["dee"] is not None for m in snap["metrics"]), snap["metrics"]
md = open(f"{out}/report/report.md").read()
assert "| deep_ensemble | mlp | synthetic |" in md and "| snapshot | mlp | synthetic |" in md, md
PY
bash "$paper/run_table.sh" "$mini" "$driver" "$tmp/mini_runs" --seed=4 >"$tmp/table2.log" 2>&1 \
  || fail "run_table.sh rerun failed: $(tail -3 "$tmp/table2.log")"
[ "$(grep -c 'finished earlier, kept' "$tmp/table2.log")" = 2 ] || fail "rerun did not keep both rows"

finish "paper_tables_test ($tables tables)"
