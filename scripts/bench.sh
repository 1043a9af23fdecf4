#!/bin/sh
# Benchmarks ctorch against PyTorch (Debian's python3-torch, run by
# /usr/bin/python3) on this machine, in one run, and prints per workload the
# ctorch figure, the PyTorch figure, their ratio and the target.
#
# Usage: scripts/bench.sh [workload...]     (default: all)
# Environment: CTORCH_BENCH_BUILD (build dir, default build), BENCH_ROUNDS
# (default 3: every program runs this many times, taking turns; each figure
# is the median over rounds, each ratio the median of the rounds' ratios),
# BENCH_THREADS (threads for all three: ctorch,
# PyTorch, OpenBLAS; default one per core), BENCH_CLOCK=cpu (time by process
# CPU time, steadier on a busy shared machine; use with BENCH_THREADS=1),
# BENCH_N (matmul size), BENCH_OPS (ops per timed repetition).
#
# Adding a workload: write bench/<name>.lua and bench/<name>.py, each printing
# one `RESULT <number>` line (bench/common.lua and bench/common.py help), and
# add a `workload` line at the bottom of this file.
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
build=${CTORCH_BENCH_BUILD:-build}
python=/usr/bin/python3

sh scripts/deps.sh python3-torch
mkdir -p "$build"
if ! { cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release &&
       cmake --build "$build" -j"$(nproc)" --target ctorch-lua; } >"$build/bench-build.log" 2>&1; then
    tail -n 40 "$build/bench-build.log"
    echo "bench: the Release build failed (full log: $build/bench-build.log)" >&2
    exit 1
fi
# shellcheck disable=SC2046
cc -O2 -o "$build/openblas_gemm" bench/openblas_gemm.c $(pkg-config --cflags --libs openblas)

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# The RESULT number printed by a command, or "n/a" (its output goes to $log).
log="$build/bench.log"
: >"$log"
result_of() {
    out=$("$@" 2>&1) || true
    printf '%s\n%s\n' "--- $*" "$out" >>"$log"
    printf '%s\n' "$out" | grep -v '^RESULT' | sed 's/^/    /' >&2
    r=$(printf '%s\n' "$out" | sed -n 's/^RESULT //p' | tail -n1)
    echo "${r:-n/a}"
}

# Median of the numbers given as arguments ("n/a" when there are none).
median() {
    printf '%s\n' "$@" | grep -E '^[0-9.eE+-]+$' | sort -g |
        awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2];
                                  else printf "%.6g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# a / b to 4 digits, or "n/a"
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.4f\n", a / b; else print "n/a" }'
}

rounds=${BENCH_ROUNDS:-3}
if [ -n "${BENCH_THREADS:-}" ]; then
    export CTORCH_NUM_THREADS="$BENCH_THREADS" OPENBLAS_NUM_THREADS="$BENCH_THREADS" BENCH_THREADS
fi
echo "clock: ${BENCH_CLOCK:-wall}, threads: ${BENCH_THREADS:-one per core}, rounds: $rounds"
selected=${*:-}
failures=0
printf '%-12s %-9s %12s %12s %10s  %s\n' workload unit ctorch pytorch ratio target

# workload NAME UNIT REF OP FACTOR [REF_COMMAND...]
#   target: ctorch OP FACTOR * REF, where REF is "pytorch" or "ref" (the figure
#   printed by REF_COMMAND, e.g. OpenBLAS called directly).
workload() {
    name=$1 unit=$2 ref=$3 op=$4 factor=$5
    shift 5
    if [ -n "$selected" ] && ! printf ' %s ' "$selected" | grep -q " $name "; then
        return 0
    fi
    echo "[$name]" >&2
    # the programs take turns, round after round, so a change in the
    # machine's load hits them alike; each figure is the median over rounds
    # ratios are taken within a round (same moment, same load), then the median
    cts="" pts="" refs="" ratios="" tratios=""
    round=1
    while [ "$round" -le "$rounds" ]; do
        c=$(result_of "$build/ctorch-lua" "bench/$name.lua")
        p=$(result_of "$python" "bench/$name.py")
        r=$p
        if [ "$ref" = ref ]; then
            r=$(result_of "$@")
        fi
        cts="$cts $c" pts="$pts $p" refs="$refs $r"
        ratios="$ratios $(ratio "$c" "$p")" tratios="$tratios $(ratio "$c" "$r")"
        round=$((round + 1))
    done
    ct=$(median $cts)
    pt=$(median $pts)
    refname=PyTorch
    if [ "$ref" = ref ]; then
        refname="$(basename "$1") (median $(median $refs) $unit)"
    fi
    line=$(awk -v ratio="$(median $ratios)" -v tr="$(median $tratios)" -v op="$op" -v f="$factor" -v rn="$refname" '
        BEGIN {
            if (tr + 0 > 0) {
                ok = (op == "<=") ? (tr <= f) : (tr >= f)
                tgt = sprintf("ctorch %s %s x %s: %s (%.3f x)", op, f, rn, ok ? "met" : "MISSED", tr)
            } else {
                tgt = "n/a"
            }
            printf "%s\t%s\n", ratio, tgt
        }')
    ratio=$(printf '%s' "$line" | cut -f1)
    target=$(printf '%s' "$line" | cut -f2)
    printf '%-12s %-9s %12s %12s %10s  %s\n' "$name" "$unit" "$ct" "$pt" "$ratio" "$target"
    case $target in *MISSED* | n/a) failures=$((failures + 1)) ;; esac
}

workload op_overhead us/op pytorch '<=' 0.3333
workload backward_step us/iter pytorch '<=' 0.25
workload train_lenet_b4 images/s pytorch '>=' 2.0
workload train_lenet_b64 images/s pytorch '>=' 1.3
workload train_alexnet_b64 images/s pytorch '>=' 1.0
workload conv us pytorch '<=' 1.0
workload loader_w0 batches/s pytorch '>=' 1.0
workload loader_w2 batches/s pytorch '>=' 1.0
workload train_loader_w0 images/s pytorch '>=' 1.0
workload train_loader_w2 images/s pytorch '>=' 1.0
workload matmul GFLOP/s ref '>=' 0.95 "$root/$build/openblas_gemm" "${BENCH_N:-1024}"

echo
echo "raw output: $log"
[ "$failures" -eq 0 ] || echo "$failures target(s) missed or not measured"
