#!/usr/bin/env bash
# Method plugins in the real driver. plugins/tta.so trains or loads, then
# evaluates, saves and re-evaluates like any method: with the identity view
# every member is the single network's own prediction, byte for byte; with
# random views the members differ. The README's example method trains and
# evaluates.
set -uo pipefail
source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/testing/shell_helpers.sh"
tta="$root/plugins/tta.so"
# Trained with random flips (the synthetic images are not crop-invariant).
job=(--dataset=synthetic --dataset_args=noise=0.45,train=480,test=400,classes=5,augment=flip --model=mlp --epochs=2
     --batch_size=40 --seed=5 --device=cpu --threads=1 --eval_batch_size=128)

"$driver" "${job[@]}" --method=single --out_dir="$tmp/single" >"$tmp/log" 2>&1 || fail "single: $(tail -3 "$tmp/log")"

# Trained by the plugin (the same network as single's), identity views.
"$driver" "${job[@]}" --plugins="$tta" --method=tta --method_args=views=none --members=2 \
  --out_dir="$tmp/identity" >"$tmp/log" 2>&1 || fail "tta views=none: $(tail -3 "$tmp/log")"
for m in 000 001; do
  cmp -s "$tmp/single/predictions/member_000.npy" "$tmp/identity/predictions/member_$m.npy" ||
    fail "views=none: member $m differs from the single network's predictions"
done
python3 - "$tmp/single/results.json" "$tmp/identity/results.json" <<'PY' || fail "views=none: metrics differ from single's"
import json, sys
single, tta = (json.load(open(p)) for p in sys.argv[1:3])
assert single["metrics"][0]["nll"] == tta["metrics"][0]["nll"], (single["metrics"][0], tta["metrics"][0])
assert single["metrics"][0]["error"] == tta["metrics"][-1]["error"]
PY

# Loaded from the single run, random flips: the members differ.
"$driver" "${job[@]}" --plugins="$tta" --method=tta --method_args=weights_from="$tmp/single",views=flip --members=3 \
  --out_dir="$tmp/views" >"$tmp/log" 2>&1 || fail "tta weights_from: $(tail -3 "$tmp/log")"
grep -q "0 epochs of training planned" "$tmp/log" || fail "weights_from: the network was trained again"
for pair in "000 001" "000 002" "001 002"; do
  read -r a b <<<"$pair"
  cmp -s "$tmp/views/predictions/member_$a.npy" "$tmp/views/predictions/member_$b.npy" &&
    fail "random views: members $a and $b are the same"
done
cmp -s "$tmp/single/predictions/member_000.npy" "$tmp/views/predictions/member_000.npy" &&
  fail "random views: member 0 is the unaugmented prediction"
python3 - "$tmp/views/results.json" <<'PY' || fail "random views: results.json"
import json, sys
r = json.load(open(sys.argv[1]))
assert [m["size"] for m in r["metrics"]] == [1, 2, 3], r["metrics"]
assert r["combination"] == {"rule": "mean_probabilities"}, r["combination"]
assert r["metrics"][-1]["error"] < 20, r["metrics"]  # a trained network's views (chance: 80%)
PY

# --eval_only reads the plugin's own ensemble kind back: the same numbers.
cp -r "$tmp/views" "$tmp/views_again"
"$driver" --plugins="$tta" --eval_only --out_dir="$tmp/views_again" --threads=1 --eval_batch_size=128 \
  >"$tmp/log" 2>&1 || fail "tta --eval_only: $(tail -3 "$tmp/log")"
same_outputs "$tmp/views" "$tmp/views_again"
# The views do not depend on the batch size: another --eval_batch_size, the
# same metrics (up to the forward pass's rounding).
cp -r "$tmp/views" "$tmp/views_batch"
"$driver" --plugins="$tta" --eval_only --out_dir="$tmp/views_batch" --threads=1 --eval_batch_size=37 \
  >"$tmp/log" 2>&1 || fail "tta --eval_only --eval_batch_size=37: $(tail -3 "$tmp/log")"
python3 - "$tmp/views/results.json" "$tmp/views_batch/results.json" <<'PY' || fail "views depend on the batch size"
import json, sys
a, b = (json.load(open(p))["metrics"] for p in sys.argv[1:3])
for x, y in zip(a, b):
    assert x["error"] == y["error"] and abs(x["nll"] - y["nll"]) < 1e-5, (x, y)
PY
# Without the plugin its method is unknown: one line naming it.
expect_error 2 "'tta'" --eval_only --out_dir="$tmp/views_again"

# The README's "Write a method plugin" example.
readme="$root/tests/plugins/readme_method_plugin.so"
"$driver" "${job[@]}" --plugins="$readme" --method=last_epochs --members=2 --epochs=3 --out_dir="$tmp/last" \
  >"$tmp/log" 2>&1 || fail "last_epochs: $(tail -3 "$tmp/log")"
python3 - "$tmp/last/results.json" <<'PY' || fail "last_epochs: results.json"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["ensemble_size"] == 2 and len(r["history"]) == 3, (r["ensemble_size"], len(r["history"]))
assert r["metrics"][-1]["error"] < 60, r["metrics"]
PY
cmp -s "$tmp/last/predictions/member_000.npy" "$tmp/last/predictions/member_001.npy" &&
  fail "last_epochs: the two epochs' weights predict the same"
ONE_LINE=false expect_error 2 "last_epochs: needs --members <= --epochs" "${job[@]}" --plugins="$readme" --method=last_epochs \
  --members=4 --epochs=3 --out_dir="$tmp/last_bad"

finish "method plugins"
