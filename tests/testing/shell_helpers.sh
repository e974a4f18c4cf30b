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

# same_outputs A B (tests/testing/same_outputs.sh, which tools/same_results.sh
# uses too).
source "$root/tests/testing/same_outputs.sh"

finish() {
  if [ "$failures" -ne 0 ]; then echo "$1: $failures failure(s)"; exit 1; fi
  echo "$1: all passed"
}
