#!/bin/sh
# run.sh BUILD_DIR DOWNSTREAM_SOURCE CXX: installs BUILD_DIR into a fresh prefix, then configures,
# builds and runs the downstream project against it with find_package(anvil). Fixed paths under
# BUILD_DIR/package-test, so a rerun reuses the downstream's configure cache and ccache's objects;
# the prefix is wiped first, so a file the install leaves out fails the build.
set -eu
build=$1 downstream=$2 cxx=$3
work="$build/package-test"
rm -rf "$work/prefix"
mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" >"$work/install.log" || { cat "$work/install.log"; exit 1; }
launcher=""
command -v ccache >/dev/null && launcher="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"
# The sanitizer runtimes the installed library needs come with anvil::anvil's usage requirements.
cmake -S "$downstream" -B "$work/build" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" $launcher \
  -DCMAKE_PREFIX_PATH="$(cd "$work" && pwd)/prefix" -DCMAKE_BUILD_TYPE=Debug >"$work/configure.log" 2>&1 ||
  { cat "$work/configure.log"; exit 1; }
cmake --build "$work/build" || exit 1
"$work/build/downstream"
