#!/bin/sh
# anvil check --time 30 --json: one JSON object in the schema ci/mutants reads, every backend in it
# (graph fuzzing and properties per backend), done within the budget; then a real failure (a case
# the catalog expects to fail passes: XPASS) makes it unclean with exit 1; a bad flag exits 2.
# Usage: check_test.sh ANVIL_BINARY SOURCE_DIR
set -u
anvil=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAILED: $1"; cat "$tmp/out.json" "$tmp/err" 2>/dev/null | tail -40; exit 1; }

# A scratch binary folder (the build's executables linked in): check's work folders, logs and proof
# cache stay out of the build, where other tests may fuzz at the same time.
build=$(cd "$(dirname "$anvil")/.." && pwd)
mkdir -p "$tmp/bin"
for sub in cli engine fuzz verify; do ln -s "$build/$sub" "$tmp/bin/$sub"; done
[ ! -f "$build/verify-cache.txt" ] || cp "$build/verify-cache.txt" "$tmp/bin/"
export ANVIL_BINARY_DIR="$tmp/bin"

budget=30
start=$(date +%s)
"$anvil" check --time $budget --json --report "$tmp/report.md" > "$tmp/out.json" 2> "$tmp/err"
rc=$?
took=$(( $(date +%s) - start ))
[ $took -le $((budget + 8)) ] || fail "check --time $budget took ${took}s"
python3 - "$tmp/out.json" $rc $budget <<'PY' || fail "schema"
import json, re, sys
out = json.load(open(sys.argv[1]))
rc, budget = int(sys.argv[2]), float(sys.argv[3])
assert set(out) == {"clean", "budget_s", "seconds", "seed", "backends", "rows"}, sorted(out)
assert isinstance(out["clean"], bool) and isinstance(out["seed"], str)
assert out["budget_s"] == budget and out["seconds"] <= budget + 5, (out["budget_s"], out["seconds"])
assert rc == (0 if out["clean"] else 1), (rc, out["clean"])
assert "interp" in out["backends"] and "c" in out["backends"], out["backends"]
names = [r["check"] for r in out["rows"]]
assert len(names) == len(set(names)), "check names must be unique"
for r in out["rows"]:
    fuzz = r["part"] == "fuzz"
    want = {"part", "check", "ok", "seconds", "detail", "findings"} | ({"execs", "execs_per_sec"} if fuzz else set())
    assert set(r) == want, (r["check"], sorted(r))
    assert r["part"] in ("replay", "prove", "properties", "fuzz"), r["part"]
    assert isinstance(r["ok"], bool) and isinstance(r["findings"], list)
for b in out["backends"]:
    assert "fuzz graph@" + b in names and "properties@" + b in names and "edges@" + b in names, b
for part in ("replay", "prove", "properties", "fuzz"):
    assert any(r["part"] == part for r in out["rows"]), part
assert out["clean"] == all(r["ok"] for r in out["rows"])
# A suite row that finished nothing says so first, never a bare "0 passed" that reads as a pass.
for r in out["rows"]:
    assert r["part"] != "properties" or not re.match(r"0 (suites )?passed", r["detail"]), r
built = [r for r in out["rows"] if r["part"] == "fuzz" and not r["detail"].startswith("not built")]
assert not built or any(r["seconds"] > 0 for r in built), "no fuzz campaign ran"
PY
grep -q "^| part | check | result" "$tmp/report.md" || fail "the Markdown report"

# A case the catalog lists as an expected failure that passes: XPASS fails the run.
mkdir -p "$tmp/src/regress/cases/symbolic"
ln -s "$src/corpus" "$tmp/src/corpus"
case=$(ls "$src"/regress/cases/symbolic/*.uop | head -1)
cp "$case" "$tmp/src/regress/cases/symbolic/passes.uop"
echo "symbolic/passes.uop - expected to fail (it does not)" > "$tmp/src/regress/catalog.txt"
ANVIL_SOURCE_DIR="$tmp/src" "$anvil" check replay --time 10 --json --report "$tmp/report.md" > "$tmp/out.json" 2> "$tmp/err"
rc=$?
[ $rc -eq 1 ] || fail "an XPASS must exit 1 (got $rc)"
python3 - "$tmp/out.json" <<'PY' || fail "the XPASS row"
import json, sys
out = json.load(open(sys.argv[1]))
assert out["clean"] is False
row = [r for r in out["rows"] if r["check"] == "regress/"][0]
assert not row["ok"] and "1 XPASS" in row["detail"], row
assert row["findings"] and row["findings"][0].endswith("regress/cases/symbolic/passes.uop"), row["findings"]
PY

# Fake libFuzzer binaries: api finds a bug (reproduced by a fake replayer), the others run clean.
# The finding's reduced case is written to a file the row names; execs come from libFuzzer's stats.
mkdir -p "$tmp/fake/fuzz"
for target in $("$anvil" fuzz --list); do
  printf '#!/bin/sh\necho stat::number_of_executed_units: 100\necho stat::average_exec_per_sec: 50\necho stat::new_units_added: 1\n' \
    > "$tmp/fake/fuzz/fuzz_$target"
done
cat > "$tmp/fake/fuzz/fuzz_api" <<'SH'
#!/bin/sh
for a in "$@"; do case "$a" in -artifact_prefix=*) prefix=${a#-artifact_prefix=} ;; esac; done
printf '=== anvil finding: api/mismatch/sum/interp\n=== reduced case (api):\n# signature: api/mismatch/sum/interp\nsmall\n=== end\n'
echo big > "${prefix}crash-1"
echo "Test unit written to ${prefix}crash-1"
exit 1
SH
printf '#!/bin/sh\necho "FINDING api/mismatch/sum/interp in $1"\nexit 1\n' > "$tmp/fake/fuzz/replay_api"
chmod +x "$tmp/fake/fuzz/"*
ANVIL_BINARY_DIR="$tmp/fake" "$anvil" check fuzz --time 20 --json > "$tmp/out.json" 2> "$tmp/err"
rc=$?
[ $rc -eq 1 ] || fail "a fuzz finding must exit 1 (got $rc)"
python3 - "$tmp/out.json" <<'PY' || fail "the finding row"
import json, sys
out = json.load(open(sys.argv[1]))
rows = {r["check"]: r for r in out["rows"]}
assert out["clean"] is False
api = rows["fuzz api"]
assert not api["ok"] and len(api["findings"]) == 1, api
assert "# signature: api/mismatch/sum/interp" in open(api["findings"][0]).read(), api
for b in out["backends"]:
    g = rows["fuzz graph@" + b]
    assert g["ok"] and g["execs"] == 100 and g["execs_per_sec"] == 50 and not g["findings"], g
PY

"$anvil" check --time soon > /dev/null 2>&1
[ $? -eq 2 ] || fail "a bad --time must exit 2"
echo "check: ok (${took}s for a ${budget}s budget)"
