#!/usr/bin/env bash
# Several driver processes as one job over c10d (Gloo on loopback), started
# and stopped here, each bounded in time: member-parallel runs of 2 and 3
# ranks end with the members, predictions and metrics of the one-process run,
# bit for bit (CPU); a data-parallel run matches the one-process run to float
# rounding; killed ranks resume with --resume; a rank that dies stops the
# others; bad environments, absent peers and ranks with other flags fail with
# one line.
set -uo pipefail
source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/testing/shell_helpers.sh"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# launch W NAME ARGS...: W ranks of one job in the background (pids in
# $pids, logs $tmp/NAME.rankR.log); wait_ranks NAME waits at most 300 s (then
# kills them) and checks that they all succeeded.
launch() {
  local world=$1 name=$2 port; shift 2
  port=$(free_port)
  pids=()
  for ((r = 0; r < world; r++)); do
    MASTER_ADDR=127.0.0.1 MASTER_PORT=$port WORLD_SIZE=$world RANK=$r LOCAL_RANK=$r \
      "$driver" "$@" >"$tmp/$name.rank$r.log" 2>&1 &
    pids+=($!)
  done
}
wait_ranks() {
  local deadline=$((SECONDS + 300)) r=0 pid
  while kill -0 "${pids[@]}" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -9 "$pid"
      fail "$1: rank $r still running after 300 s"
    fi
    wait "$pid" || fail "$1: rank $r exited $?: $(tail -1 "$tmp/$1.rank$r.log")"
    r=$((r + 1))
  done
}

# wait_for_line FILE TEXT MESSAGE: until FILE has TEXT (at most 120 s).
wait_for_line() {
  local waited=0
  until grep -qsF -- "$2" "$1"; do
    sleep 0.05
    waited=$((waited + 1))
    if ((waited > 2400)); then fail "$3"; return; fi
  done
}

# Member-parallel: deep_ensemble and bagging over 2 and 3 ranks.
common=(--dataset=synthetic --dataset_args=train=512,test=200 --model=lenet --epochs=2 --threads=1 --seed=5)
for method in deep_ensemble bagging; do
  "$driver" "${common[@]}" --method=$method --members=5 --out_dir="$tmp/${method}_1" >/dev/null 2>&1 \
    || fail "$method: the one-process run failed"
  for world in 2 3; do
    out="$tmp/${method}_$world"
    launch $world "${method}_$world" "${common[@]}" --method=$method --members=5 --out_dir="$out"
    wait_ranks "${method}_$world"
    same_outputs "$tmp/${method}_1" "$out"
    for file in "$tmp/${method}_1"/members/*; do
      cmp -s "$file" "$out/members/$(basename "$file")" || fail "$method x$world: members/$(basename "$file") differs"
    done
    [ -e "$out/rank_1" ] && fail "$method x$world: rank_1/ left after the finished job"
    python3 -c 'import json, sys; sys.exit(json.load(open(sys.argv[1]))["world_size"] != int(sys.argv[2]))' \
      "$out/results.json" $world || fail "$method x$world: results.json does not say world_size $world"
    grep -q "member 2/5 epoch 2" "$tmp/${method}_$world.rank1.log" || fail "$method x$world: rank 1 did not train member 2"
  done
done

# Data-parallel (snapshot: one trajectory): the batches split over 2 ranks,
# gradients summed; equal to the one-process run up to float rounding (mlp
# without dropout: no per-rank randomness).
dp=(--dataset=synthetic --dataset_args=train=600,test=200 --model=mlp --model_args=dropout=0 --method=snapshot
    --members=2 --epochs=4 --batch_size=50 --threads=1 --seed=5)
"$driver" "${dp[@]}" --out_dir="$tmp/dp_1" >/dev/null 2>&1 || fail "data-parallel: the one-process run failed"
launch 2 dp_2 "${dp[@]}" --out_dir="$tmp/dp_2"
wait_ranks dp_2
python3 - "$tmp/dp_1/results.json" "$tmp/dp_2/results.json" <<'PY' || fail "data-parallel run differs from one process"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
close = lambda x, y: abs(x - y) <= 1e-5 * max(1.0, abs(x))
for x, y in zip(a["metrics"], b["metrics"]):
    for key in ("error", "nll", "brier"):
        if not close(x[key], y[key]):
            sys.exit("size %d %s: %r vs %r" % (x["size"], key, x[key], y[key]))
if len(a["history"]) != len(b["history"]):
    sys.exit("history lengths differ")
for x, y in zip(a["history"], b["history"]):
    if not close(x["loss"], y["loss"]) or x["accuracy"] != y["accuracy"]:
        sys.exit("epoch %d: loss %r vs %r, accuracy %r vs %r" % (x["epoch"], x["loss"], y["loss"], x["accuracy"], y["accuracy"]))
PY

# cut_and_resume NAME RANK TEXT ARGS...: a 2-rank job in $tmp/NAME killed
# (kill -9, both ranks) once rank RANK's log shows TEXT, then continued with
# --resume (logs $tmp/NAME_resumed.rankR.log).
cut_and_resume() {
  local name=$1 rank=$2 text=$3; shift 3
  launch 2 "$name" "$@" --out_dir="$tmp/$name"
  wait_for_line "$tmp/$name.rank$rank.log" "$text" "$name: rank $rank never printed '$text'"
  sleep 0.2
  kill -9 "${pids[@]}" 2>/dev/null
  wait "${pids[@]}" 2>/dev/null
  [ -e "$tmp/$name/results.json" ] && fail "$name: killed ranks left results.json"
  ls "$tmp/$name/rank_1/checkpoints/"run_*.ckpt >/dev/null 2>&1 || fail "$name: rank 1 kept no checkpoint"
  launch 2 "${name}_resumed" "$@" --out_dir="$tmp/$name" --resume
  wait_ranks "${name}_resumed"
}

# Resume: both ranks killed mid-job continue with --resume and the same world
# size, and end as the one-process run did.
slow=(--dataset=synthetic --dataset_args=train=20000,test=300 --model=mlp --model_args=width=256,depth=2,dropout=0.2
      --batch_size=20 --threads=1 --seed=7 --method=deep_ensemble --members=4 --epochs=2)
"$driver" "${slow[@]}" --out_dir="$tmp/slow_1" >/dev/null 2>&1 || fail "resume: the one-process run failed"
cut_and_resume cut 0 "member 3/4 epoch 1 " "${slow[@]}"
grep -q "resumed member 3/4" "$tmp/cut_resumed.rank0.log" || fail "resume: rank 0 did not resume member 3 mid-run"
same_outputs "$tmp/slow_1" "$tmp/cut"

# Data-parallel runs resume too (each rank's generators from its own
# checkpoint): a killed and resumed 2-rank snapshot run, with dropout, ends
# as an uninterrupted 2-rank run, bit for bit.
dp_slow=("${slow[@]}" --method=snapshot --members=2 --epochs=4)
launch 2 dp_full "${dp_slow[@]}" --out_dir="$tmp/dp_full"
wait_ranks dp_full
cut_and_resume dp_cut 1 "epoch 2 " "${dp_slow[@]}"
grep -q "resumed " "$tmp/dp_cut_resumed.rank1.log" || fail "dp resume: rank 1 resumed nothing"
same_outputs "$tmp/dp_full" "$tmp/dp_cut"

# A rank that dies: the other one fails promptly, naming the step (Gloo
# names the peer's address).
launch 2 dies "${dp[@]}" --dataset_args=train=60000,test=100 --epochs=20 --out_dir="$tmp/dies"
wait_for_line "$tmp/dies.rank1.log" "epoch 1 " "dies: rank 1 never trained"
kill -9 "${pids[1]}"
wait "${pids[1]}" 2>/dev/null
start=$SECONDS
while kill -0 "${pids[0]}" 2>/dev/null && ((SECONDS - start < 60)); do sleep 0.1; done
if kill -0 "${pids[0]}" 2>/dev/null; then
  kill -9 "${pids[0]}"
  fail "dies: rank 0 still running 60 s after its peer died"
fi
wait "${pids[0]}" && fail "dies: rank 0 succeeded without its peer"
tail -1 "$tmp/dies.rank0.log" | grep -qE "^error: rank 0 of 2: distributed: all-reduce: .*(closed|reset)" \
  || fail "dies: rank 0's last line: $(tail -1 "$tmp/dies.rank0.log")"

# Errors: one line, non-zero exit.
program=env
expect_error 2 "environment: RANK=2 must be below WORLD_SIZE=2" RANK=2 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 \
  MASTER_PORT=29500 "$driver" --dataset=synthetic
expect_error 2 "environment: WORLD_SIZE=2 is set but RANK is not" WORLD_SIZE=2 "$driver" --dataset=synthetic
expect_error 2 "environment: WORLD_SIZE=2 needs MASTER_ADDR" RANK=0 WORLD_SIZE=2 "$driver" --dataset=synthetic
expect_error 2 "environment: MASTER_PORT='http' must be an integer in [1, 65535]" RANK=0 WORLD_SIZE=2 \
  MASTER_ADDR=127.0.0.1 MASTER_PORT=http "$driver" --dataset=synthetic
expect_error 2 "--eval_only runs in one process" RANK=0 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=29500 \
  "$driver" --eval_only --out_dir="$tmp/dp_1"
expect_error 2 "not all 2 ranks arrived within 2 s" RANK=0 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 \
  MASTER_PORT="$(free_port)" "$driver" --dataset=synthetic --dist_timeout_s=2 --out_dir="$tmp/alone"
[ -e "$tmp/alone" ] && fail "a job whose peers never came left --out_dir"
program=$driver
# Ranks with other flags: both refuse, naming the difference.
port=$(free_port)
for r in 0 1; do
  MASTER_ADDR=127.0.0.1 MASTER_PORT=$port WORLD_SIZE=2 RANK=$r timeout -s KILL 120 "$driver" "${common[@]}" \
    --members=$((3 + r)) --out_dir="$tmp/mismatch" >"$tmp/mismatch.$r.log" 2>&1 &
  pids[$r]=$!
done
for r in 0 1; do
  wait "${pids[$r]}" && fail "mismatch: rank $r succeeded"
  grep -q "every rank must run the same job, but members is 4 on rank 1 but 3 on rank 0" "$tmp/mismatch.$r.log" \
    || fail "mismatch: rank $r said: $(tail -1 "$tmp/mismatch.$r.log")"
done

finish "distributed checks"
