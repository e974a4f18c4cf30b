#!/usr/bin/env bash
# benchmarks/paper/robustness_fmnist.sh end to end on a small setting (real
# Fashion-MNIST and MNIST files, lenet, 2 networks of 2 epochs, one severity):
# the deep ensembles of two seeds hold out one validation split and combine
# into the DEE reference, MC dropout reads the first deep ensemble's network,
# a deep ensemble trained without three classes has them as its first OOD set.
# One run is killed (SIGKILL) after its first checkpoint; the same command
# again keeps the finished runs, resumes the killed one and then makes the
# reference that could not be made without it.
set -uo pipefail
source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/testing/shell_helpers.sh"
script="$root/benchmarks/paper/robustness_fmnist.sh"
out="$tmp/study"

# The driver, except that its first run into deep_ensemble_s1 is killed once
# that run's first checkpoint is written.
cat >"$tmp/driver_killing_s1.sh" <<EOF
#!/usr/bin/env bash
target=""
for arg in "\$@"; do [[ \$arg == --out_dir=*/deep_ensemble_s1 ]] && target=\${arg#--out_dir=}; done
if [[ -z \$target || ! -f "$tmp/kill_s1" ]]; then exec "$driver" "\$@" --threads=1; fi
rm "$tmp/kill_s1"
"$driver" "\$@" --threads=1 &
pid=\$!
until compgen -G "\$target/checkpoints/run_*.ckpt" >/dev/null; do
  kill -0 \$pid 2>/dev/null || { echo "the run ended before its first checkpoint" >&2; exit 3; }
  sleep 0.05
done
kill -9 \$pid
wait \$pid
EOF
chmod +x "$tmp/driver_killing_s1.sh"
touch "$tmp/kill_s1"

study() {
  SEEDS="0 1" REFERENCE="0 1" MEMBERS=2 EPOCHS=2 DRAWS=2 ONE_SEED_METHODS="mc_dropout snapshot" SEVERITIES=1 HELD_OUT=5:7:9 \
    DEVICE=cpu OOD_ARGS="mnist:dir=$root/tests/data/mnist,limit=64;uniform:count=64;gaussian:count=64" \
    bash "$script" "$tmp/driver_killing_s1.sh" "$out" "$root/tests/data/mnist" \
    train_limit=2048,val_size=256,test_limit=64
}

# A malformed HELD_OUT stops the script before any run.
HELD_OUT=5,7 bash "$script" "$driver" "$tmp/bad_held_out" >"$tmp/out" 2>"$tmp/err"
[ $? = 2 ] || fail "HELD_OUT=5,7: exit code not 2"
grep -q "HELD_OUT=5,7: expected class indices such as 5:7:9" "$tmp/err" || fail "HELD_OUT=5,7: $(cat "$tmp/err")"
[ -e "$tmp/bad_held_out" ] && fail "HELD_OUT=5,7: a run started"

study >"$tmp/first.log" 2>&1 || fail "first pass: $(tail -3 "$tmp/first.log")"
[ -f "$tmp/kill_s1" ] && fail "deep_ensemble_s1 was never started"
[ -e "$out/deep_ensemble_s1/results.json" ] && fail "the killed run left results.json"
[ -f "$out/deep_ensemble_s1/checkpoints/job.json" ] || fail "the killed run left no job.json"
grep -q "^== deep_ensemble_s1: exit code 137" "$tmp/first.log" || fail "no exit code for the killed run"
grep -q "deep_ensemble_s1/results.json: cannot open" "$tmp/first.log" \
  || fail "combine did not name the missing part: $(grep -A2 '== deep_ensemble_ref' "$tmp/first.log")"
for run in deep_ensemble_s0 mc_dropout snapshot held_out_s0; do
  [ -f "$out/$run/results.json" ] || fail "first pass: $run did not finish"
done
kept=("$out"/{deep_ensemble_s0,mc_dropout,snapshot,held_out_s0}/results.json)
sum_before=$(md5sum "${kept[@]}")

study >"$tmp/second.log" 2>&1 || fail "second pass: $(tail -3 "$tmp/second.log")"
for run in deep_ensemble_s0 mc_dropout snapshot held_out_s0; do
  grep -q "^== $run: finished earlier, kept" "$tmp/second.log" || fail "second pass did not keep $run"
done
grep -q "^== deep_ensemble_s1: resuming" "$tmp/second.log" || fail "second pass did not resume deep_ensemble_s1"
# The driver's own word that it continued from the checkpoint, not from scratch.
grep -q "resumed member 1/2 (train) after epoch" "$tmp/second.log" \
  || fail "the driver did not continue deep_ensemble_s1's first member: $(grep -i resum "$tmp/second.log")"
grep -q "exit code" "$tmp/second.log" && fail "second pass: $(grep -B3 'exit code' "$tmp/second.log")"
[ "$(md5sum "${kept[@]}")" == "$sum_before" ] \
  || fail "a kept run was written again"

python3 - "$out" <<'PY' || fail "study outputs"
import json, sys
out = sys.argv[1]
def load(run): return json.load(open(f"{out}/{run}/results.json"))
s0, s1, ref, mcd = (load(r) for r in ("deep_ensemble_s0", "deep_ensemble_s1", "deep_ensemble_ref", "mc_dropout"))
for run, seed in ((s0, 0), (s1, 1)):
    c = run["config"]
    assert c["seed"] == seed and c["members"] == 2 and c["epochs"] == 2, c
    assert "val_seed=0" in c["dataset_args"], c["dataset_args"]
    sets = {(x["corruption"], x["severity"]) for x in run["shift"]["sets"]}
    assert ("gaussian_noise", 1) in sets and len(sets) >= 16, sorted(sets)
assert ref["config"]["method"] == "combine" and ref["ensemble_size"] == 4, (ref["config"]["method"], ref["ensemble_size"])
assert ref["method_capabilities"]["independent_members_on_shared_data"], ref["method_capabilities"]
assert "shift" not in ref or not ref["shift"], "the reference evaluates the test set only"
assert "deep_ensemble_s0" in mcd["config"]["method_args"], mcd["config"]["method_args"]
held = load("held_out_s0")
assert "hold_out_classes=5:7:9" in held["config"]["dataset_args"], held["config"]["dataset_args"]
names = [x["name"] for x in held["ood"]["sets"]]
assert names == ["held_out", "mnist", "uniform", "gaussian", "flipped", "rotated"], names
PY
finish "robustness_fmnist.sh"
