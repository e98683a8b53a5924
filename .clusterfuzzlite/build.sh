#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build: every fuzz target `anvil fuzz --list` names, built with the fleet's
# compiler and flags ($CC $CXX $CFLAGS $CXXFLAGS, $LIB_FUZZING_ENGINE) and the minimal ANVIL_WITH_* set
# (interp and c backends only: no LLVM, Z3, libtorch, tests, OpenCL or CUDA), into $OUT with each
# target's seed corpus, dictionary and options. ci/cflite-build runs this script locally.
set -euo pipefail  # OSS-Fuzz runs this with bash -eu; the same when run as `bash build.sh`
src="$SRC/anvil"
build="${WORK:-/tmp}/anvil-build"

# The sanitizer and coverage flags come from $CFLAGS/$CXXFLAGS; anvil adds none of its own, but takes
# two checks out of OSS-Fuzz's UBSan set: float division by zero is defined (IEEE inf/NaN, as PyTorch)
# and interp computes it on purpose; -fsanitize=function would check calls into the c backend's
# dlopen'ed kernels, which the system compiler builds without its type prologue.
if [[ ${SANITIZER:-} == undefined ]]; then
  CFLAGS="$CFLAGS -fno-sanitize=float-divide-by-zero,function"
  CXXFLAGS="$CXXFLAGS -fno-sanitize=float-divide-by-zero,function"
fi
cmake -S "$src" -B "$build" -G Ninja \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS" -DCMAKE_BUILD_TYPE= \
  -DANVIL_WITH_LLVM=OFF -DANVIL_WITH_Z3=OFF -DANVIL_WITH_TORCH=OFF -DANVIL_WITH_TESTS=OFF \
  -DANVIL_WITH_OPENCL=OFF -DANVIL_WITH_CUDA=OFF -DANVIL_WITH_BENCH=OFF \
  -DANVIL_SANITIZE= -DANVIL_FUZZ_INSTRUMENT=OFF -DANVIL_LIB_FUZZING_ENGINE="$LIB_FUZZING_ENGINE" \
  -DANVIL_VALIDATE=ON -DANVIL_GUARD_PAGES=ON

# The target list is the cli's registry (fuzz/lib/targets.cpp): a target CMake does not build fails here.
cmake --build "$build" --target anvil_cli anvil_kernel_worker
targets=$("$build/cli/anvil" fuzz --list)
[[ -n "$targets" ]] || { echo "build.sh: anvil fuzz --list named no target" >&2; exit 1; }
cmake --build "$build" --target $(printf 'fuzz_%s ' $targets)

# The graph target runs backend kernels in anvil_kernel_worker, found next to the fuzz binary.
cp "$build/fuzz/anvil_kernel_worker" "$OUT/"
for t in $targets; do
  name="anvil_$t"
  cp "$build/fuzz/fuzz_$t" "$OUT/$name"
  # Seed corpus: corpus/TARGET, the readable .uop cases the project replays on every commit.
  rm -f "$OUT/${name}_seed_corpus.zip"
  if [[ -d "$src/corpus/$t" ]]; then
    (cd "$src/corpus/$t" && zip -q -r "$OUT/${name}_seed_corpus.zip" .)
  fi
  # The same limits as `anvil fuzz` (cli/fuzz_cmd.cpp): inputs up to 16 KiB, 10 s per input, 4 GiB.
  {
    echo "[libfuzzer]"
    echo "max_len = 16384"
    echo "timeout = 10"
    echo "rss_limit_mb = 4096"
    if [[ -f "$src/fuzz/dict/$t.dict" ]]; then
      cp "$src/fuzz/dict/$t.dict" "$OUT/$name.dict"
      echo "dict = $name.dict"
    fi
  } >"$OUT/$name.options"
done
echo "build.sh: built $(echo $targets | wc -w) fuzz targets into $OUT: $(echo $targets)"
