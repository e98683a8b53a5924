#!/bin/sh
# anvil conform --jobs 3 gives the same reports as --jobs 1: shards run every third row in their own
# process and the merge puts their cells back in row order. The JSON's "matrix" is keyed (sorted) by row,
# so the order shows in its "problems" list (refused dtypes, spread over the rows) and in the Markdown's
# op x dtype table; both are compared, less what differs from run to run (seconds, date).
# Usage: conform_jobs_test.sh ANVIL_BINARY [BACKEND]
set -u
anvil=$1
backend=${2:-interp}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAILED: $1"; tail -40 "$tmp/err" 2>/dev/null; exit 1; }

# Eleven rows (lerp names four), three cells each: every shard gets three or four rows, and each row has
# refused cells (neg on bool, bitwise_not on floats, float-only activations on integers) to list in order.
ops=neg,elu,silu,bitwise_not,softplus,mish,lerp,hardswish
quick="--backend $backend --cases 2 --sample 3 --seed 7 --ops $ops"
for jobs in 1 3; do
  # shellcheck disable=SC2086
  "$anvil" conform $quick --jobs $jobs --json "$tmp/jobs$jobs.json" --md "$tmp/jobs$jobs.md" \
    --case-dir "$tmp/cases" > "$tmp/out$jobs" 2> "$tmp/err" || fail "conform --jobs $jobs: exit $?"
done
# Top-level keys are indented one space (nlohmann's dump(1)); the Markdown's header line holds both.
strip_json() { grep -v -E '^ "(seconds|date)":' "$1"; }
strip_md() { grep -v -E '^anvil commit ' "$1"; }
strip_json "$tmp/jobs1.json" > "$tmp/a.json"
strip_json "$tmp/jobs3.json" > "$tmp/b.json"
strip_md "$tmp/jobs1.md" > "$tmp/a.md"
strip_md "$tmp/jobs3.md" > "$tmp/b.md"
diff "$tmp/a.json" "$tmp/b.json" > "$tmp/err" || fail "the JSON of --jobs 3 differs from --jobs 1"
diff "$tmp/a.md" "$tmp/b.md" > "$tmp/err" || fail "the Markdown of --jobs 3 differs from --jobs 1"
# Not vacuous: every row ran, and some problems are listed for the order to show in.
[ "$(grep -c '"row": ' "$tmp/a.json")" -ge 6 ] || fail "fewer than 6 problems to order: $(cat "$tmp/a.json")"
for row in $(echo $ops | tr , ' '); do
  grep -q "^| $row |" "$tmp/a.md" || fail "row $row missing from the report"
done
echo "conform --jobs: ok ($(head -1 "$tmp/out3"))"
