#!/bin/sh
# Builds everything (installing missing packages) and runs the main job.
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
exec ./build/ctorch-lua examples/fashion_mnist.lua "$@"
