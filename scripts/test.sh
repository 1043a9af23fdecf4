#!/bin/sh
# Builds and runs the whole test suite: a release build, then a build with
# AddressSanitizer and UndefinedBehaviorSanitizer.  Installs missing packages.
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
jobs="$(nproc)"

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs")

if [ "${CTORCH_SKIP_SANITIZE:-0}" != 1 ]; then
    cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCTORCH_SANITIZE=ON >/dev/null
    cmake --build build-asan -j"$jobs"
    # the plain-lua5.4 route cannot load a sanitized module without LD_PRELOAD
    (cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        CTORCH_SANITIZED=1 ctest --output-on-failure -j"$jobs")
fi
