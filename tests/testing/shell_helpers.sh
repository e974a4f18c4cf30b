# Sourced by the shell tests (after `set -uo pipefail`): where the built
# binaries are, a scratch folder, failure counting and the common checks.
#
#   source "$TEST_SRCDIR/$TEST_WORKSPACE/tests/testing/shell_helpers.sh"
#   expect_error 2 "--members=-1 must be >= 1" --members=-1
#   finish "driver checks"
#
# root, driver, tmp; fail MESSAGE; expect_error CODE SUBSTRING ARGS... runs
# "$program" (default: the driver) and wants exit code CODE and SUBSTRING on
# stderr, on its one line unless ONE_LINE=false; finish NAME exits 1 if any
# check failed; same_outputs A B compares two runs' outputs.
root="$TEST_SRCDIR/$TEST_WORKSPACE"
driver="$root/driver/driver"
program="$driver"
tmp="$TEST_TMPDIR"
failures=0
ONE_LINE=${ONE_LINE:-true}

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

expect_error() {
  local code=$1 needle=$2; shift 2
  "$program" "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  [ "$rc" = "$code" ] || fail "$* exited $rc, expected $code: $(tail -1 "$tmp/err")"
  if [ "$ONE_LINE" = true ] && [ "$(wc -l <"$tmp/err")" != 1 ]; then
    fail "$* printed $(wc -l <"$tmp/err") lines on stderr: $(cat "$tmp/err")"
  fi
  grep -qF -- "$needle" "$tmp/err" || fail "$* stderr lacks '$needle': $(tail -1 "$tmp/err")"
}

# same_outputs A B: equal metrics and history (minus timings) and identical
# predictions, bit for bit.
same_outputs() {
  python3 - "$1/results.json" "$2/results.json" <<'PY' || fail "$1 and $2 differ"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
strip = lambda h: [{k: v for k, v in e.items() if k not in ("seconds", "images_per_sec")} for e in h]
if a["metrics"] != b["metrics"]:
    sys.exit("metrics differ: %s vs %s" % (a["metrics"][-1], b["metrics"][-1]))
if strip(a["history"]) != strip(b["history"]):
    sys.exit("history differs: %d vs %d epochs" % (len(a["history"]), len(b["history"])))
PY
  for file in "$1"/predictions/*; do
    cmp -s "$file" "$2/predictions/$(basename "$file")" || fail "$(basename "$file") differs ($1 vs $2)"
  done
}

finish() {
  if [ "$failures" -ne 0 ]; then echo "$1: $failures failure(s)"; exit 1; fi
  echo "$1: all passed"
}
