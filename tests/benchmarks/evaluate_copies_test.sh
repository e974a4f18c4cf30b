#!/usr/bin/env bash
# benchmarks/paper/evaluate_copies.sh: finished runs evaluated again on
# another OOD set in copies, the runs themselves untouched, the copies' test
# metrics the runs' own (to float rounding), the members' OOD predictions
# saved; a failed evaluation leaves no results.json in its copy; a directory
# that is no finished run, a copy that would be a run, or two runs of one
# name stop it before any work.
set -uo pipefail
source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/testing/shell_helpers.sh"
script="$root/benchmarks/paper/evaluate_copies.sh"

common=(--dataset=synthetic --dataset_args=train=600,test=300 --model=mlp --threads=1 --epochs=1)
for seed in 1 2; do
  "$driver" "${common[@]}" --method=deep_ensemble --members=2 --seed=$seed --out_dir="$tmp/runs/de_$seed" \
    >/dev/null 2>&1 || fail "deep_ensemble seed $seed failed"
done
before=$(cd "$tmp/runs" && find . -type f -exec md5sum {} + | sort)
bash "$script" "$driver" "$tmp/copies" "$tmp/runs/de_1" "$tmp/runs/de_2" -- --ood=uniform --ood_args=uniform:count=100 \
  >"$tmp/log" 2>&1 || fail "evaluate_copies.sh failed: $(tail -3 "$tmp/log")"
[ "$(cd "$tmp/runs" && find . -type f -exec md5sum {} + | sort)" == "$before" ] || fail "a run was changed"
for seed in 1 2; do
  [ -d "$tmp/copies/de_$seed/members" ] && fail "de_$seed: the copy kept its members"
  for m in 000 001; do
    [ -f "$tmp/copies/de_$seed/predictions/ood/uniform/member_$m.npy" ] || fail "de_$seed: no OOD predictions of $m"
  done
done
python3 - "$tmp" <<'PY' || fail "the copies' results"
import json, sys
tmp = sys.argv[1]
for seed in (1, 2):
    run = json.load(open(f"{tmp}/runs/de_{seed}/results.json"))
    copy = json.load(open(f"{tmp}/copies/de_{seed}/results.json"))
    assert "ood" not in run or not run["ood"], "the run had no OOD set"
    assert [s["name"] for s in copy["ood"]["sets"]] == ["uniform"], copy["ood"]
    assert copy["ood"]["sets"][0]["by_size"][-1]["size"] == 2, copy["ood"]["sets"][0]["by_size"]
    # The same members on the same test images; one pass over more sets batches them otherwise (float sums).
    for a, b in zip(copy["metrics"], run["metrics"], strict=True):
        assert a.keys() == b.keys() and a["size"] == b["size"] and a["error"] == b["error"], (a, b)
        for k, v in b.items():
            assert v is None and a[k] is None or abs(a[k] - v) <= 1e-5 * max(1.0, abs(v)), (k, a, b)
    assert copy["config"]["seed"] == seed and copy["train_seconds"] == run["train_seconds"]
PY

KEEP_MEMBERS=1 bash "$script" "$driver" "$tmp/kept" "$tmp/runs/de_1" -- --ood=uniform >/dev/null 2>&1 \
  || fail "KEEP_MEMBERS=1 failed"
[ -f "$tmp/kept/de_1/members/ensemble.json" ] || fail "KEEP_MEMBERS=1 did not keep members/"

# A failed evaluation: its copy keeps no results.json, the next run is still
# evaluated, the exit code is 1.
bash "$script" "$driver" "$tmp/failing" "$tmp/runs/de_1" "$tmp/runs/de_2" -- --ood=uniform --ood_args=uniform:count=0 \
  >"$tmp/log" 2>&1
[ $? = 1 ] || fail "a failed evaluation: exit code not 1"
grep -q "^== de_1: exit code 2" "$tmp/log" || fail "no exit code line for the failed copy: $(tail -3 "$tmp/log")"
[ -e "$tmp/failing/de_1/results.json" ] && fail "the failed copy kept the run's results.json"
grep -q "^== de_2" "$tmp/log" || fail "the run after the failed one was not evaluated"

# A copy that would be one of the runs, or two runs of one name: refused
# before any work, the runs untouched.
bash "$script" "$driver" "$tmp/runs" "$tmp/runs/de_1/" -- --ood=uniform >"$tmp/out" 2>"$tmp/err"
[ $? = 2 ] || fail "OUT_ROOT holding the runs: exit code not 2"
grep -q "would be, or be inside, the run" "$tmp/err" || fail "no error for OUT_ROOT over the runs: $(cat "$tmp/err")"
mkdir -p "$tmp/nest/de_1" && cp -r "$tmp/runs/de_1" "$tmp/nest/de_1/"
bash "$script" "$driver" "$tmp/nest" "$tmp/nest/de_1/de_1" -- --ood=uniform >"$tmp/out" 2>"$tmp/err"
[ $? = 2 ] || fail "a copy holding the run: exit code not 2"
grep -q "would hold the run" "$tmp/err" || fail "no error for a copy holding the run: $(cat "$tmp/err")"
[ -f "$tmp/nest/de_1/de_1/results.json" ] || fail "the nested run was removed"
mkdir -p "$tmp/other" && cp -r "$tmp/runs/de_1" "$tmp/other/"
bash "$script" "$driver" "$tmp/same_name" "$tmp/runs/de_1" "$tmp/other/de_1" -- --ood=uniform >"$tmp/out" 2>"$tmp/err"
[ $? = 2 ] || fail "two runs of one name: exit code not 2"
grep -q "would share the copy" "$tmp/err" || fail "no error for two runs of one name: $(cat "$tmp/err")"
[ "$(cd "$tmp/runs" && find . -type f -exec md5sum {} + | sort)" == "$before" ] || fail "a refused call changed a run"

mkdir -p "$tmp/not_a_run"
bash "$script" "$driver" "$tmp/none" "$tmp/runs/de_1" "$tmp/not_a_run" -- --ood=uniform >"$tmp/out" 2>"$tmp/err"
[ $? = 2 ] || fail "a directory that is no run: exit code not 2"
grep -q "$tmp/not_a_run: no finished run" "$tmp/err" || fail "no error naming the directory: $(cat "$tmp/err")"
[ -e "$tmp/none" ] && fail "work started before the inputs were checked"
finish "evaluate_copies.sh"
