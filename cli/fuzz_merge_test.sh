#!/bin/sh
# anvil fuzz TARGET --merge --corpus DIR: libFuzzer's -merge=1 over a scratch copy of a corpus with
# duplicated and invalid units added. Duplicates go (the first name stays), invalid units go, every
# unit left replays clean, and the counts before and after are printed.
# A scratch binary dir (holding only the fuzz binary) keeps the last campaign's work corpus out.
# Usage: fuzz_merge_test.sh ANVIL_BINARY CORPUS_DIR FUZZ_BINARY REPLAYER
set -u
anvil=$1
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
tmp=$scratch/corpus
mkdir -p "$tmp" "$scratch/bin/fuzz"
ln -s "$(readlink -f "$3")" "$scratch/bin/fuzz/fuzz_symbolic"
cp "$2"/* "$tmp/"
for f in $(ls "$2" | head -5); do cp "$2/$f" "$tmp/zz-copy-of-$f"; done
echo "this is not an expression (" > "$tmp/zz-invalid"
before=$(ls "$tmp" | wc -l)
fail() { echo "FAILED: $1"; echo "$out"; exit 1; }

out=$(ANVIL_BINARY_DIR="$scratch/bin" "$anvil" fuzz symbolic --merge --corpus "$tmp" 2>&1) || fail "exit $?"
echo "$out" | grep -q "^merge symbolic: $before corpus + [0-9]* campaign units -> [0-9]* units" || fail "no counts"
ls "$tmp" | grep -q "^zz-" && fail "a duplicate or invalid unit survived: $(ls "$tmp" | grep '^zz-')"
after=$(ls "$tmp" | wc -l)
[ "$after" -gt 0 ] && [ "$after" -lt "$before" ] || fail "$before units before, $after after"
merged=$out
out=$("$4" "$tmp" 2>&1) || fail "the merged corpus does not replay clean"
out=$merged
echo "$out" | grep "^merge"; echo "fuzz merge: $before units -> $after: ok"
