#!/bin/sh
# `anvil golden` end to end on a scratch copy of golden/ (ANVIL_GOLDEN_DIR): a changed file gives a
# diff and exit 1; --accept without a reason is a usage error (exit 2, nothing written); with a
# reason it rewrites the file and appends the reason to CHANGES.md; then everything matches.
# Usage: golden_cli_test.sh ANVIL_BINARY GOLDEN_DIR
set -u
anvil=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$2" "$tmp/golden"
export ANVIL_GOLDEN_DIR="$tmp/golden"
fail() { echo "FAIL: $*"; exit 1; }

echo "# edited" >> "$tmp/golden/interp/softmax.txt"
cp "$tmp/golden/interp/softmax.txt" "$tmp/edited"
cp "$tmp/golden/CHANGES.md" "$tmp/changes"

"$anvil" golden > "$tmp/out" 2>&1
rc=$?
[ $rc = 1 ] || fail "changed copy: exit $rc, want 1"
grep -q '^-# edited$' "$tmp/out" || fail "no diff line for the edit: $(cat "$tmp/out")"
grep -q 'anvil golden --accept "one-line reason"' "$tmp/out" || fail "no accept command"

for args in "--accept" "--accept --dir $tmp/golden" "--accept  "; do
  # shellcheck disable=SC2086
  "$anvil" golden $args > "$tmp/out" 2>&1
  rc=$?
  [ $rc = 2 ] || fail "golden $args: exit $rc, want 2 (usage error)"
  grep -q 'needs a one-line reason' "$tmp/out" || fail "golden $args: $(cat "$tmp/out")"
done
"$anvil" golden --accept "" > "$tmp/out" 2>&1
[ $? = 2 ] || fail "an empty reason was accepted"
cmp -s "$tmp/golden/interp/softmax.txt" "$tmp/edited" || fail "a refused accept wrote the file"
cmp -s "$tmp/golden/CHANGES.md" "$tmp/changes" || fail "a refused accept wrote CHANGES.md"

"$anvil" golden --accept "test: softmax edited by hand" > "$tmp/out" 2>&1 || fail "accept: $(cat "$tmp/out")"
tail -n 1 "$tmp/golden/CHANGES.md" | grep -Eq '^\| [0-9-]+ [0-9:]+ UTC \| 1: interp/softmax\.txt \| test: softmax edited by hand \|$' ||
  fail "CHANGES.md: $(tail -n 1 "$tmp/golden/CHANGES.md")"
"$anvil" golden > "$tmp/out" 2>&1 || fail "after accept: $(cat "$tmp/out")"
echo "golden_cli_test: ok"
