#!/usr/bin/env bash
# The driver as a user runs it: listing, flag errors (one line, non-zero exit),
# --print_lr, plugins, a real training run with its outputs, --eval_only and
# DEE. Runs the real binary built by Bazel.
set -uo pipefail
source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/testing/shell_helpers.sh"
plugin="$root/plugins/one_cycle_schedule.so"
duplicate="$root/tests/plugins/duplicate_schedule_plugin.so"

# --list names every registry and component.
"$driver" --list >"$tmp/list" || fail "--list exited non-zero"
for needle in "methods (--method" "deep_ensemble" "snapshot" "fge" "mc_dropout" "models (--model" "lenet" \
              "preresnet20" "datasets (--dataset" "fashion_mnist" "synthetic" "schedules (--schedule" \
              "cyclic_cosine" "triangular" "lr0 (float, default --lr" \
              "out-of-distribution sets (--ood" "  held_out  " "  mnist  " "  uniform  " "  rotated  " \
              "corruptions (--shift" "  gaussian_noise  " "  jpeg  " "  fog  " "  translation  " \
              "limit (int, default 0, >= 0): use only the first N images in file order"; do
  grep -qF -- "$needle" "$tmp/list" || fail "--list lacks '$needle'"
done

# Flag and name errors.
expect_error 2 "registered methods: bagging, batch_ensemble, boosting, combine, csgld, deep_ensemble, distill, distill_dirichlet, fge, kfac_laplace, masksembles, mc_dropout, mimo, packed_ensembles, select, single, snapshot, swa, swag, swag_diag, vi_ffg" --method=no_such_method
expect_error 2 "did you mean 'lenet'?" --model=lenett --dataset=synthetic
expect_error 2 "unknown parameter 'cycle'; did you mean 'cycles'?" --schedule=cyclic_cosine --schedule_args=cycle=3 --print_lr
expect_error 2 "method 'snapshot': parameter 'variant'='x' must be one of" --method=snapshot --method_args=variant=x --dataset=synthetic
expect_error 2 "--members=-1 must be >= 1" --members=-1 --dataset=synthetic
# Every flag that can be checked from the configuration fails before any
# work (one line, no progress line, no directory made), with the allowed range.
expect_error 2 "--lr=inf must be a finite number > 0" --lr=inf --dataset=synthetic --out_dir="$tmp/early_lr"
expect_error 2 "--momentum=nan must be in [0, 1)" --momentum=nan --dataset=synthetic
expect_error 2 "--weight_decay=inf must be a finite number >= 0" --weight_decay=inf --dataset=synthetic
expect_error 2 "--cnll_splits=0 must be >= 1" --cnll_splits=0 --dataset=synthetic
expect_error 2 "--threads=-2 must be >= 0" --threads=-2 --dataset=synthetic
expect_error 2 "--eval_sizes: '5' must be ascending integers in [1, 3] (the ensemble size)" --eval_sizes=5 \
  --members=3 --dataset=synthetic --out_dir="$tmp/early_sizes"
expect_error 2 "--eval_sizes: '2' must be ascending integers in [1, 1]" --eval_sizes=1,2 --method=single \
  --dataset=synthetic --out_dir="$tmp/early_sizes"
expect_error 2 "--eval_sizes: '4' must be ascending integers in [1, 3]" --eval_sizes=4 --members=3 --dry_run
[ -e "$tmp/early_lr" ] || [ -e "$tmp/early_sizes" ] && fail "a run refused at the start made its --out_dir"
expect_error 2 "--device='tpu' must be cpu, cuda or auto" --device=tpu --dataset=synthetic
expect_error 2 "unexpected argument 'stray'" stray
expect_error 2 "--eval_sizes: '2' must be ascending" --eval_sizes=3,2 --dataset=synthetic
expect_error 2 "sets its own schedule" --method=fge --schedule=cosine --dataset=synthetic
expect_error 2 "--autocast='fp8' must be off or bf16" --autocast=fp8 --dataset=synthetic
expect_error 2 "--members_together=0 must be >= 1" --members_together=0 --dataset=synthetic
expect_error 2 "--members_together: method 'fge' does not train independent members" --method=fge \
  --members_together=2 --dataset=synthetic
# Refused once the model exists (after the progress lines): resnet110 pads channels.
ONE_LINE=false expect_error 2 "mixes the members' channels" --model=resnet110 --members_together=2 --epochs=1 \
  --dataset=synthetic --dataset_args=train=64,test=16 --out_dir="$tmp/together_refused"
if ! command -v nvidia-smi >/dev/null; then  # no GPU on this machine
  expect_error 2 "--device=cuda: no CUDA device is available" --device=cuda --dataset=synthetic
fi
"$driver" --no_such_flag >/dev/null 2>"$tmp/err" && fail "an unknown flag was accepted"
grep -q "unknown command line flag 'no_such_flag'" "$tmp/err" || fail "unknown flag message: $(cat "$tmp/err")"

# --print_lr: the cyclic cosine of 2 cycles over 6 iterations.
"$driver" --print_lr --schedule=cyclic_cosine --schedule_args=cycles=2,lr0=1 --epochs=2 --iters_per_epoch=3 >"$tmp/lr" \
  || fail "--print_lr failed"
printf 'iteration,lr\n1,1\n2,0.75\n3,0.25\n4,1\n5,0.75\n6,0.25\n' >"$tmp/lr_expected"
diff "$tmp/lr" "$tmp/lr_expected" >/dev/null || fail "--print_lr printed: $(cat "$tmp/lr")"

# Plugins: the real one loads and works; failures are one-line errors naming the file.
"$driver" --plugins="$plugin" --list >"$tmp/plugin_list" || fail "--list with the plugin failed"
grep -q "one_cycle .*(plugin)" "$tmp/plugin_list" || fail "plugin schedule not listed"
grep -q "one_cycle_schedule.so (one_cycle learning-rate schedule)" "$tmp/plugin_list" || fail "plugin not listed"
"$driver" --plugins="$plugin" --schedule=one_cycle --print_lr --epochs=1 --iters_per_epoch=100 --lr=0.4 >"$tmp/oc" \
  || fail "plugin schedule --print_lr failed"
[ "$(sed -n 2p "$tmp/oc")" = "1,0.016" ] || fail "one_cycle starts at $(sed -n 2p "$tmp/oc")"
[ "$(sed -n 31p "$tmp/oc")" = "30,0.4" ] || fail "one_cycle peak: $(sed -n 31p "$tmp/oc")"
expect_error 2 "plugin '/no/such.so': no such file" --plugins=/no/such.so --list
expect_error 2 "failed to load" --plugins="$root/tests/plugins/BUILD" --list
"$driver" --plugins="$duplicate" --list >/dev/null 2>"$tmp/err"
[ $? = 2 ] || fail "a duplicate registration did not exit 2"
grep -q "schedule 'cosine' is registered twice: at schedulers/schedules.cc:[0-9]* and at tests/plugins/duplicate_schedule_plugin.cc:[0-9]*" \
  "$tmp/err" || fail "duplicate message: $(cat "$tmp/err")"
expect_error 2 "registered components while it was opened" --plugins="$root/tests/plugins/load_time_plugin.so" --list
expect_error 2 "built for plugin API 999, this driver has API 7" --plugins="$root/tests/plugins/wrong_api_plugin.so" --list
# The README's plugin example, compiled out of README.md: halving every epoch.
"$driver" --plugins="$root/tests/plugins/readme_plugin.so" --schedule=halving --print_lr --epochs=2 \
  --iters_per_epoch=2 --lr=0.4 >"$tmp/halving" || fail "the README's plugin: --print_lr failed"
printf 'iteration,lr\n1,0.4\n2,0.4\n3,0.2\n4,0.2\n' >"$tmp/halving_expected"
diff "$tmp/halving" "$tmp/halving_expected" >/dev/null || fail "the README's plugin printed: $(cat "$tmp/halving")"

# --describe_model prints the layers and the parameter count.
"$driver" --model=wrn28_10 --describe_model --input_shape=3x32x32 --num_classes=10 >"$tmp/describe" \
  || fail "--describe_model failed"
grep -q "^parameters: 36479194$" "$tmp/describe" || fail "wrn28_10 count: $(tail -1 "$tmp/describe")"
grep -q "group1_block1 *WideBlock" "$tmp/describe" || fail "no layer lines: $(head -3 "$tmp/describe")"
expect_error 2 "--input_shape='3x32' must be CxHxW" --model=lenet --describe_model --input_shape=3x32

# A real run on synthetic data: table, results.json, predictions, members.
data=(--dataset=synthetic --dataset_args=noise=0.4,train=300,test=200 --model=mlp --model_args=width=32,depth=1
      --epochs=4 --batch_size=50 --members=3 --seed=1)
"$driver" "${data[@]}" --method=deep_ensemble --out_dir="$tmp/de" >"$tmp/de.out" 2>"$tmp/de.err" \
  || fail "training run failed: $(cat "$tmp/de.err")"
grep -q "size   error %      NLL     cNLL    Brier      ECE    AUROC     DEE" "$tmp/de.out" || fail "no table: $(cat "$tmp/de.out")"
grep -q "member 3/3 epoch 4" "$tmp/de.err" || fail "no progress lines"

# OpenBLAS's generic kernels on a CPU with AVX2 get a one-line warning that
# names the variable to set; kernels that match the CPU, none. (A LibTorch
# with MKL, as PyPI's, loads no OpenBLAS: nothing to warn about.)
if grep -qw avx2 /proc/cpuinfo && ldd "$driver" | grep -q "libblas\|openblas"; then
  for kernels in Prescott Haswell; do
    OPENBLAS_CORETYPE=$kernels "$driver" "${data[@]}" --method=single --epochs=1 --out_dir="$tmp/blas_$kernels" \
      >/dev/null 2>"$tmp/blas_$kernels.err" || fail "run with $kernels kernels failed: $(tail -1 "$tmp/blas_$kernels.err")"
  done
  grep -q "^warning: OpenBLAS runs its generic Prescott kernels on this AVX.* OPENBLAS_CORETYPE=[A-Za-z]* (or unset it)$" \
    "$tmp/blas_Prescott.err" || fail "no warning of Prescott kernels: $(head -3 "$tmp/blas_Prescott.err")"
  ! grep -q "OpenBLAS" "$tmp/blas_Haswell.err" || fail "a warning with Haswell kernels: $(grep OpenBLAS "$tmp/blas_Haswell.err")"
  # Unset, the driver gets the CPU's own kernels by itself (where OpenBLAS
  # falls back, it restarts with OPENBLAS_CORETYPE set and says so).
  env -u OPENBLAS_CORETYPE "$driver" "${data[@]}" --method=single --epochs=1 --out_dir="$tmp/blas_default" \
    >/dev/null 2>"$tmp/blas_default.err" || fail "run with default kernels failed: $(tail -1 "$tmp/blas_default.err")"
  ! grep -q "generic Prescott" "$tmp/blas_default.err" || fail "the default run kept the generic kernels"
  if grep -q "OPENBLAS_CORETYPE=.* chosen for this CPU" "$tmp/blas_default.err"; then
    [ "$(grep -c OpenBLAS "$tmp/blas_default.err")" = 1 ] || fail "more than one OpenBLAS line: $(cat "$tmp/blas_default.err")"
  fi
  env -u OPENBLAS_CORETYPE "$driver" --members=0 >/dev/null 2>"$tmp/err"
  [ "$(wc -l <"$tmp/err")" = 1 ] || fail "a restarted driver's error is not one line: $(cat "$tmp/err")"
fi

# bf16 autocast on CPU through lenet, whose fc1 (9216 -> 128) is large
# enough for models/threaded_linear.h to split, unless autocast is on.
"$driver" --dataset=synthetic --dataset_args=size=28,train=256,test=64 --model=lenet --method=single --epochs=1 \
  --batch_size=64 --autocast=bf16 --out_dir="$tmp/lenet_bf16" >/dev/null 2>"$tmp/lenet_bf16.err" \
  || fail "lenet with --autocast=bf16 on CPU failed: $(tail -1 "$tmp/lenet_bf16.err")"

# Members trained together (a pair, then one) in bf16: three members saved, the flags recorded.
"$driver" "${data[@]}" --method=deep_ensemble --members_together=2 --autocast=bf16 --out_dir="$tmp/together" \
  >/dev/null 2>"$tmp/together.err" || fail "--members_together run failed: $(tail -1 "$tmp/together.err")"
grep -q "members 1-2/3 epoch 4" "$tmp/together.err" || fail "no pair progress: $(tail -3 "$tmp/together.err")"
python3 -c "
import json, sys
r = json.load(open(sys.argv[1]))
assert r['config']['members_together'] == 2 and r['config']['autocast'] == 'bf16', r['config']
assert [m['size'] for m in r['metrics']] == [1, 2, 3], r['metrics']
" "$tmp/together/results.json" || fail "together results.json"
# --eval_only writes the training settings back as they were.
"$driver" --eval_only --out_dir="$tmp/together" >/dev/null 2>&1 || fail "--eval_only of the together run failed"
python3 -c "
import json, sys
c = json.load(open(sys.argv[1]))['config']
assert c['members_together'] == 2 and c['autocast'] == 'bf16', c
" "$tmp/together/results.json" || fail "--eval_only lost the training settings"
for f in results.json predictions/labels.npy predictions/member_000.npy predictions/member_002.npy \
         members/ensemble.json members/member_002.pt; do
  [ -s "$tmp/de/$f" ] || fail "missing $f"
done
python3 - "$tmp/de/results.json" <<'PY' || fail "results.json content"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["config"]["method"] == "deep_ensemble" and r["config"]["members"] == 3, r["config"]
assert r["config"]["params"]["model"]["width"] == "32"
assert set(r["versions"]) >= {"ensembles", "libtorch"} and r["device"] == "cpu"
assert len(r["history"]) == 12 and {"member", "epoch", "lr", "loss", "accuracy", "seconds", "images_per_sec"} <= set(r["history"][0])
sizes = [m["size"] for m in r["metrics"]]
assert sizes == [1, 2, 3], sizes
for m in r["metrics"]:
    assert {"error", "nll", "cnll", "brier", "ece", "auroc", "dee"} <= set(m) and m["dee"] is None
assert r["metrics"][-1]["nll"] < r["metrics"][0]["nll"], r["metrics"]
PY
grep -q "^cost: .* parameters stored (.*B), .* FLOPs of training (.* per training image), .* s to predict 200 test images with 3 members$" \
  "$tmp/de.out" || fail "no cost line: $(tail -2 "$tmp/de.out")"
# Cost: three members store and train three times what one network does; an
# MLP's forward pass is its weights' multiply-adds (parameters less biases).
"$driver" "${data[@]}" --method=single --out_dir="$tmp/one" >/dev/null 2>"$tmp/one.err" \
  || fail "single run failed: $(tail -1 "$tmp/one.err")"
python3 - "$tmp/one/results.json" "$tmp/de/results.json" <<'PY' || fail "cost in results.json"
import json, sys
one, de = (json.load(open(p))["cost"] for p in sys.argv[1:])
classes, hidden, epochs = 4, 32, 4
assert de["parameters"] == 3 * one["parameters"], (de, one)
assert de["train_flops"] == 3 * one["train_flops"], (de, one)
assert one["train_flops_per_image"] == epochs * 3 * 2 * (one["parameters"] - hidden - classes), one
assert one["train_images"] == 300 and one["test_images"] == 200 and de["predicted_members"] == 3, de
assert de["stored_bytes"] > 4 * de["parameters"] and de["predict_seconds"] > 0, de
PY
# The predictions are NumPy arrays: recompute the ensemble NLL from them, by
# the combination rule results.json states.
recompute_nll() {
  python3 - "$1" <<'PY'
import json, math, struct, sys
d = sys.argv[1]
def load(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<H", raw[8:10])[0]
    header = raw[10:10 + n].decode()
    shape = tuple(int(x) for x in header.split("(")[1].split(")")[0].split(",") if x.strip())
    fmt = "<%d%s" % (math.prod(shape), "q" if "<i8" in header else "f")
    return shape, struct.unpack(fmt, raw[10 + n:])
r = json.load(open(d + "/results.json"))
k = r["ensemble_size"]
(_,), labels = load(d + "/predictions/labels.npy")
members = [load("%s/predictions/member_%03d.npy" % (d, i))[1] for i in range(k)]
(n, c) = load(d + "/predictions/member_000.npy")[0]
nll = 0.0
for i in range(n):
    if r["combination"]["rule"] == "mean_probabilities":
        p = sum(math.exp(m[i * c + labels[i]]) for m in members) / k
        nll -= math.log(p)
    else:
        w = r["combination"]["weights"]
        s = [sum(w[j] * max(members[j][i * c + y], -1e4) for j in range(k)) for y in range(c)]
        top = max(s)
        nll -= s[labels[i]] - top - math.log(sum(math.exp(v - top) for v in s))
nll /= n
want = r["metrics"][-1]["nll"]
assert abs(nll - want) < 1e-4, (nll, want)
PY
}
recompute_nll "$tmp/de" || fail "predictions do not reproduce the metrics"

# --eval_only reproduces the metrics from the saved members.
cp "$tmp/de/results.json" "$tmp/de_first.json"
"$driver" --eval_only --out_dir="$tmp/de" >"$tmp/eval.out" 2>"$tmp/eval.err" || fail "--eval_only failed: $(cat "$tmp/eval.err")"
python3 - "$tmp/de_first.json" "$tmp/de/results.json" <<'PY' || fail "--eval_only metrics differ"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for x, y in zip(a["metrics"], b["metrics"]):
    for k in ("error", "nll", "cnll", "brier", "ece"):
        assert abs(x[k] - y[k]) < 1e-9, (k, x[k], y[k])
assert len(b["history"]) == len(a["history"])
for k in ("parameters", "train_flops", "stored_bytes"):  # training's cost kept, storage measured again
    assert b["cost"][k] == a["cost"][k], (k, a["cost"], b["cost"])
PY
# --eval_orders: each size averaged over orders of the members (a copy of the
# run); all three members are one set in any order, so size 3 stays as it was.
cp -r "$tmp/de" "$tmp/de_orders"
"$driver" --eval_only --eval_orders=4 --out_dir="$tmp/de_orders" >"$tmp/orders.out" 2>"$tmp/orders.err" \
  || fail "--eval_only --eval_orders=4 failed: $(tail -1 "$tmp/orders.err")"
grep -q "(3 members, cpu; each size the mean of 4 member orders)" "$tmp/orders.out" \
  || fail "the table does not say it averages orders: $(head -2 "$tmp/orders.out")"
grep -q "evaluated size 2 over 4 orders" "$tmp/orders.err" || fail "no order progress: $(tail -2 "$tmp/orders.err")"
python3 - "$tmp/de_first.json" "$tmp/de_orders/results.json" <<'PY' || fail "--eval_orders results"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
assert b["config"]["eval_orders"] == 4 and a["config"]["eval_orders"] == 1, (a["config"], b["config"])
assert abs(a["metrics"][2]["nll"] - b["metrics"][2]["nll"]) < 1e-9, (a["metrics"][2], b["metrics"][2])
assert abs(a["metrics"][0]["nll"] - b["metrics"][0]["nll"]) > 1e-9, "size 1 is member 0 alone, not averaged"
PY
expect_error 2 "--eval_orders=2: the members of method 'snapshot' are not exchangeable (made in a sequence" --method=snapshot \
  --eval_orders=2 --dataset=synthetic --dry_run
expect_error 2 "--eval_orders=0 must be >= 1" --eval_orders=0 --dataset=synthetic
expect_error 2 "results.json: cannot open" --eval_only --out_dir="$tmp/nowhere"
# A damaged member file: one line naming it (LibTorch's backtrace only at --v=1).
cp -r "$tmp/de" "$tmp/de_torn"
head -c 3000 "$tmp/de/members/member_001.pt" >"$tmp/de_torn/members/member_001.pt"
expect_error 2 "$tmp/de_torn/members/member_001.pt: cannot read weights: " --eval_only --out_dir="$tmp/de_torn"
"$driver" --eval_only --out_dir="$tmp/de_torn" --v=1 >/dev/null 2>"$tmp/torn_v1.err"
[ "$(wc -l <"$tmp/torn_v1.err")" -gt 3 ] || fail "--v=1 printed no backtrace: $(cat "$tmp/torn_v1.err")"
# --dry_run checks --out_dir as the run would.
expect_error 2 "holds a finished run (results.json); pass --overwrite" "${data[@]}" --out_dir="$tmp/de" --dry_run
"$driver" "${data[@]}" --out_dir="$tmp/de" --overwrite --dry_run >/dev/null 2>&1 || fail "--dry_run --overwrite refused"
[ -e "$tmp/de/results.json" ] || fail "--dry_run --overwrite removed the run"

# Boosting combines members by weighted logits; the predictions and the
# weights in results.json reproduce its NLL.
"$driver" "${data[@]}" --method=boosting --out_dir="$tmp/boost" >/dev/null 2>"$tmp/boost.err" \
  || fail "boosting run failed: $(cat "$tmp/boost.err")"
recompute_nll "$tmp/boost" || fail "boosting predictions and weights do not reproduce the metrics"

# SWAG on a network with BatchNorm: statistics recomputed per draw; draws
# reproducible from the saved moments (--eval_only gives the same metrics).
swag=(--dataset=synthetic --dataset_args=noise=0.8,train=200,test=100 --model=preresnet20 --epochs=3
      --batch_size=50 --members=3 --seed=2 --method=swag)
"$driver" "${swag[@]}" --out_dir="$tmp/swag" >/dev/null 2>"$tmp/swag.err" || fail "swag run failed: $(cat "$tmp/swag.err")"
cp "$tmp/swag/results.json" "$tmp/swag_first.json"
"$driver" --eval_only --out_dir="$tmp/swag" >/dev/null 2>"$tmp/swag_eval.err" \
  || fail "swag --eval_only failed: $(cat "$tmp/swag_eval.err")"
python3 - "$tmp/swag_first.json" "$tmp/swag/results.json" <<'PY' || fail "swag --eval_only metrics differ"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
assert [m["nll"] for m in a["metrics"]] == [m["nll"] for m in b["metrics"]], (a["metrics"], b["metrics"])
assert len(a["metrics"]) == 3
PY

# DEE of a snapshot ensemble against the deep ensemble.
"$driver" "${data[@]}" --method=snapshot --out_dir="$tmp/sse" --dee_reference="$tmp/de" >/dev/null 2>&1 \
  || fail "snapshot with --dee_reference failed"
python3 -c "
import json; m = json.load(open('$tmp/sse/results.json'))['metrics']
assert all(x['dee'] is not None and 1 <= x['dee'] <= 3 for x in m), m" || fail "DEE values"
expect_error 2 "is a 'snapshot' run, not independently trained members; DEE needs a deep ensemble's run" "${data[@]}" --method=single --out_dir="$tmp/s" --dee_reference="$tmp/sse"

finish driver_test
