#!/bin/sh
# anvil fuzz files a finding only when a fresh process reproduces it with the campaign's signature:
# a finding's `=== anvil finding:` line, a crash's `=== anvil crash: STAGE OP BACKEND` line.
# Fake fuzz_api and replay_api scripts stand in for the libFuzzer binary and the replayer.
# Usage: fuzz_triage_test.sh ANVIL_BINARY
set -u
anvil=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin/fuzz" "$tmp/src/corpus/api"
echo seed > "$tmp/src/corpus/api/seed"
cat > "$tmp/bin/fuzz/fuzz_api" <<'SH'
#!/bin/sh
for a in "$@"; do case "$a" in -artifact_prefix=*) prefix=${a#-artifact_prefix=} ;; esac; done
case "$CAMPAIGN" in
  finding) printf '=== anvil finding: api/mismatch/sum/interp\n=== reduced case (api):\n# signature: api/mismatch/sum/interp\nsmall\n=== end\n' ;;
  crash) echo "=== anvil crash: interp LOAD interp" >&2 ;;
esac
echo big > "${prefix}crash-1"
echo "artifact_prefix='$prefix'; Test unit written to ${prefix}crash-1"
exit 1
SH
cat > "$tmp/bin/fuzz/replay_api" <<'SH'
#!/bin/sh
case "$REPLAY" in
  same) echo "FINDING api/mismatch/sum/interp in $1"; exit 1 ;;
  other) echo "FINDING api/mismatch/mean/interp in $1"; exit 1 ;;
  crash-same) echo "=== anvil crash: interp LOAD interp" >&2; kill -SEGV $$ ;;
  crash-other) echo "=== anvil crash: schedule PAD -" >&2; kill -SEGV $$ ;;
esac
exit 0
SH
chmod +x "$tmp/bin/fuzz/fuzz_api" "$tmp/bin/fuzz/replay_api"
fail() { echo "FAILED: $1"; echo "$out"; exit 1; }
fuzz() { CAMPAIGN=$1 REPLAY=$2 ANVIL_BINARY_DIR="$tmp/bin" ANVIL_SOURCE_DIR="$tmp/src" "$anvil" fuzz api --runs 1 ${3:-} 2>&1; }

out=$(fuzz finding same)
echo "$out" | grep -q "crash-1: reproduced in a fresh process (api/mismatch/sum/interp)" || fail "same finding"
echo "$out" | grep -q "^small$" || fail "the reduced case is not reported"
out=$(fuzz finding other --file)
echo "$out" | grep -q "reproduced with another signature api/mismatch/sum/interp vs api/mismatch/mean/interp (not filed)" ||
  fail "another finding"
[ ! -e "$tmp/src/regress" ] || fail "another finding was filed"
out=$(fuzz crash crash-same)
echo "$out" | grep -q "crash-1: reproduced in a fresh process (api/crash/LOAD/interp)" || fail "same crash"
echo "$out" | grep -q "^# signature: api/crash/LOAD/interp$" || fail "the crash case lacks its signature"
out=$(fuzz crash crash-other)
echo "$out" | grep -q "reproduced with another signature api/crash/LOAD/interp vs api/crash/PAD/- (not filed)" ||
  fail "another crash"
echo "$out" | grep -q "^big$" && fail "another crash is reported as a case"
out=$(fuzz finding pass)
echo "$out" | grep -q "crash-1: NOT reproduced in a fresh process (pass; the campaign said api/mismatch/sum/interp)" ||
  fail "a finding that passes"
echo "fuzz triage: ok"
