#!/usr/bin/env bash
# Resume after a crash, with real child processes: for methods with every
# kind of carried state (several runs, phases on one trainer, collected
# snapshots, SWAG moments, Langevin noise streams, boosting's residual loss,
# VI's KL warm-up, dropout's generator, MIMO's shuffles, BatchEnsemble's
# parameter groups), a run killed with SIGKILL mid-epoch
# and continued with --resume ends with the same metrics, history and
# predictions, bit for bit, as an uninterrupted run with the same seed (CPU).
# Also: a killed run leaves no results.json; finished and interrupted runs
# are not overwritten without --overwrite; --resume checks the flags.
set -uo pipefail
# Errors here may follow progress lines on stderr.
ONE_LINE=false
source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/testing/shell_helpers.sh"

common=(--dataset=synthetic --dataset_args=train=20000,test=500 --model=mlp
        --model_args=width=256,depth=2,dropout=0.2 --batch_size=20 --threads=1 --seed=7)

# case NAME PATTERN ARGS...: kill -9 shortly after stderr shows PATTERN.
case_resume() {
  local name=$1 pattern=$2; shift 2
  local full="$tmp/full_$name" cut="$tmp/cut_$name"
  "$driver" "${common[@]}" "$@" --out_dir="$full" >/dev/null 2>"$tmp/full_$name.log" \
    || { fail "$name: uninterrupted run failed: $(tail -1 "$tmp/full_$name.log")"; return; }
  : >"$tmp/cut_$name.log"
  "$driver" "${common[@]}" "$@" --out_dir="$cut" >/dev/null 2>"$tmp/cut_$name.log" &
  local pid=$! waited=0
  until grep -qF -- "$pattern" "$tmp/cut_$name.log"; do
    sleep 0.02
    waited=$((waited + 1))
    if (( waited > 3000 )) || ! kill -0 "$pid" 2>/dev/null; then
      fail "$name: never printed '$pattern'"; kill -9 "$pid" 2>/dev/null; return
    fi
  done
  sleep 0.12  # into the next epoch
  kill -9 "$pid"
  wait "$pid" 2>/dev/null
  [ -e "$cut/results.json" ] && fail "$name: a killed run left results.json"
  cp "$cut/checkpoints/job.json" "$tmp/job_$name.json"
  ls "$cut"/checkpoints/run_*.ckpt >/dev/null 2>&1 || fail "$name: no checkpoint after '$pattern'"
  expect_error 2 "holds an interrupted run (checkpoints/); pass --resume" "${common[@]}" "$@" --out_dir="$cut"
  "$driver" "${common[@]}" "$@" --out_dir="$cut" --resume >/dev/null 2>"$tmp/resumed_$name.log" \
    || { fail "$name: --resume failed: $(tail -1 "$tmp/resumed_$name.log")"; return; }
  grep -q "resumed " "$tmp/resumed_$name.log" || fail "$name: nothing was resumed mid-run"
  [ -e "$cut/checkpoints" ] && fail "$name: checkpoints/ left after the finished run"
  same_outputs "$full" "$cut"
  # The training time counts the epochs of the killed process too: never
  # less than the history's epochs together (as in an uninterrupted run).
  python3 -c "import json, sys; r = json.load(open('$cut/results.json')); \
total = sum(e['seconds'] for e in r['history']); \
sys.exit(0 if r['train_seconds'] >= total else '%.3f s of training < %.3f s of epochs' % (r['train_seconds'], total))" \
    || fail "$name: the resumed run's train_seconds leaves out the restored epochs"
}

case_resume deep_ensemble "member 2/3 epoch 1 " --method=deep_ensemble --members=3 --epochs=3
case_resume fge "fge epoch 4 " --method=fge --members=3 --epochs=6 --method_args=cycle_epochs=1
case_resume swag "swag epoch 4 " --method=swag --members=4 --epochs=6
case_resume csgld "csgld epoch 2 " --method=csgld --members=4 --epochs=4 --method_args=cycles=2
case_resume boosting "member 2/2 epoch 1 " --method=boosting --members=2 --epochs=2
case_resume vi_ffg "vi_ffg epoch 1 " --method=vi_ffg --members=2 --epochs=3 --method_args=kl_warmup=0.9
# MIMO's shuffles come from (seed, iteration); BatchEnsemble's optimizer has
# a second parameter group (the fast weights).
case_resume mimo "mimo epoch 1 " --method=mimo --members=2 --epochs=2 --method_args=batch_repetitions=1
case_resume batch_ensemble "batch_ensemble epoch 1 " --method=batch_ensemble --members=2 --epochs=2

# The run directory's rules.
run=(--method=single --epochs=1 --dataset=synthetic --model=mlp --threads=1)
"$driver" "${run[@]}" --out_dir="$tmp/done" >/dev/null 2>&1 || fail "a small run failed"
expect_error 2 "holds a finished run (results.json); pass --overwrite" "${run[@]}" --out_dir="$tmp/done"
expect_error 2 "--resume: --out_dir=$tmp/done holds a finished run" "${run[@]}" --out_dir="$tmp/done" --resume
expect_error 2 "--resume and --overwrite exclude each other" "${run[@]}" --out_dir="$tmp/done" --resume --overwrite
expect_error 2 "holds no interrupted run" "${run[@]}" --out_dir="$tmp/fresh" --resume
expect_error 2 "--resume needs --out_dir" "${run[@]}" --resume
"$driver" "${run[@]}" --out_dir="$tmp/done" --overwrite >/dev/null 2>&1 || fail "--overwrite did not replace the run"
# --overwrite clears the old run only once the data and the evaluation sets
# are made: a wrong path fails with the finished run still there.
expect_error 2 "/nonexistent" "${run[@]}" --dataset=fashion_mnist --dataset_args=dir=/nonexistent \
  --out_dir="$tmp/done" --overwrite
expect_error 2 "/nonexistent" "${run[@]}" --ood=mnist --ood_args=mnist:dir=/nonexistent --out_dir="$tmp/done" \
  --overwrite
[ -e "$tmp/done/results.json" ] || fail "a refused --overwrite removed results.json"
"$driver" --eval_only --out_dir="$tmp/done" >/dev/null 2>&1 || fail "a refused --overwrite damaged the finished run"
# A job that stopped before its first epoch ended (job.json alone in
# checkpoints/) is not an interrupted run: the same directory takes the next
# command. A bad flag or path fails before the directory is touched.
expect_error 2 "/nonexistent" "${run[@]}" --dataset=fashion_mnist --dataset_args=dir=/nonexistent --out_dir="$tmp/early"
[ -e "$tmp/early/checkpoints" ] && fail "a run refused for its dataset path prepared the directory"
mkdir -p "$tmp/early/checkpoints" && cp "$tmp/job_deep_ensemble.json" "$tmp/early/checkpoints/job.json"
"$driver" "${run[@]}" --out_dir="$tmp/early" >/dev/null 2>&1 || fail "a directory without checkpoints was refused"
# Runs a method builds on are checked before --overwrite clears anything.
expect_error 2 "--method_args=weights_from=$tmp/typo: $tmp/typo/results.json: cannot open (not a finished run?)" \
  --method=mc_dropout --method_args=weights_from="$tmp/typo" --dataset=synthetic --model=mlp --threads=1 \
  --out_dir="$tmp/done" --overwrite
[ -e "$tmp/done/results.json" ] || fail "--overwrite left no results.json"
# Resuming under other flags names the first difference.
mkdir -p "$tmp/other/checkpoints"
python3 -c "import json; j = json.load(open('$tmp/job_deep_ensemble.json')); j['epochs'] = 9; \
json.dump(j, open('$tmp/other/checkpoints/job.json', 'w'))"
expect_error 2 "--resume: epochs is 3 here but 9 in the interrupted run" "${common[@]}" --method=deep_ensemble \
  --members=3 --epochs=3 --out_dir="$tmp/other" --resume
# An unwritable directory is reported before training.
mkdir -p "$tmp/locked" && chmod 500 "$tmp/locked"
if [ ! -w "$tmp/locked" ]; then  # (root can write anyway)
  expect_error 2 "locked" "${run[@]}" --out_dir="$tmp/locked/run"
fi

# A run directory belongs to one process: while a run holds it, a second run
# (another seed, --overwrite, --resume), --eval_only and --dry_run are refused
# with one line naming the holder's pid, and the holder's job file stays its
# own. The busy run is far longer than the checks take, however loaded the
# machine, and is killed after them: a dead holder's lock is no obstacle.
"$driver" "${common[@]}" --method=deep_ensemble --members=2 --epochs=500 --out_dir="$tmp/busy" >/dev/null \
  2>"$tmp/busy.log" &
busy=$!
waited=0
until grep -q "epoch 1 " "$tmp/busy.log"; do
  sleep 0.05
  waited=$((waited + 1))
  (( waited > 2000 )) && { fail "the busy run never started: $(tail -1 "$tmp/busy.log")"; break; }
done
for extra in --seed=2 --overwrite --resume --dry_run; do
  expect_error 2 "--out_dir=$tmp/busy is in use by process $busy (a run or --eval_only)" "${run[@]}" \
    --out_dir="$tmp/busy" "$extra"
done
expect_error 2 "--out_dir=$tmp/busy is in use by process $busy" --eval_only --out_dir="$tmp/busy"
kill -0 "$busy" 2>/dev/null || fail "the busy run ended before the checks: $(tail -1 "$tmp/busy.log")"
python3 -c "import json, sys; c = json.load(open('$tmp/busy/checkpoints/job.json')); \
sys.exit(0 if (c['seed'], c['members'], c['method'], c['epochs']) == (7, 2, 'deep_ensemble', 500) else 1)" \
  || fail "the busy run's job.json is not its own"
kill -9 "$busy"
wait "$busy" 2>/dev/null
"$driver" "${run[@]}" --out_dir="$tmp/busy" --overwrite >/dev/null 2>&1 \
  || fail "--overwrite after the holder died was refused"
"$driver" --eval_only --out_dir="$tmp/busy" >/dev/null 2>&1 || fail "--eval_only after the run ended was refused"

# Divergence: one line naming member, epoch and iteration; exit 1; no results.
expect_error 1 "training diverged: member 1/2 (train) epoch 1 iteration 2 has loss nan" "${run[@]}" \
  --method=deep_ensemble --members=2 --lr=1e30 --out_dir="$tmp/diverged"
[ -e "$tmp/diverged/results.json" ] && fail "a diverged run left results.json"
expect_error 1 "training diverged: all 2 members" "${run[@]}" --method=deep_ensemble --members=2 --lr=1e30 \
  --on_divergence=skip_member --out_dir="$tmp/diverged_skip"
expect_error 2 "--on_divergence='skip' must be fail or skip_member" "${run[@]}" --on_divergence=skip

finish resume_test
