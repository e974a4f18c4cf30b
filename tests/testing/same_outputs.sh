# same_outputs A B: two run directories have equal metrics and training
# history (timings aside, and fields only one of them records) and identical prediction files, byte for byte;
# calls `fail MESSAGE` (the sourcing script's) for each difference. Sourced
# by tests/testing/shell_helpers.sh and tools/same_results.sh.
same_outputs() {
  python3 - "$1/results.json" "$2/results.json" <<'PY' || fail "$1 and $2 differ"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
# Keys both record (a base commit may predate one, as train_flops).
keys = lambda h: set(h[0]) if h else set()
common = keys(a["history"]) & keys(b["history"])
strip = lambda h: [{k: v for k, v in e.items() if k in common and k not in ("seconds", "images_per_sec")} for e in h]
if a["metrics"] != b["metrics"]:
    sys.exit("metrics differ: %s vs %s" % (a["metrics"][-1], b["metrics"][-1]))
if strip(a["history"]) != strip(b["history"]):
    sys.exit("history differs: %d vs %d epochs" % (len(a["history"]), len(b["history"])))
PY
  for file in "$1"/predictions/*; do
    [ -e "$file" ] || continue  # no predictions: the pattern itself
    cmp -s "$file" "$2/predictions/$(basename "$file")" || fail "$(basename "$file") differs ($1 vs $2)"
  done
}

