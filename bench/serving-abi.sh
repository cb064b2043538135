#!/usr/bin/env bash
# Serving latency through the C ABI (bench/serving_abi.c) beside the kernel-only rate, in one run (issue 14, serving).
#   bench/serving-abi.sh [--rounds R] [NAME=LIB.so ...] [-- serving_abi options]
# Without a NAME=LIB.so, this tree's interop/python/fastals/lib/libfastals_v3.so (publish it first with
# interop/build.sh --levels v3). Several libraries (for example a base commit's build and this tree's) run in
# alternation, one process per run, --rounds rounds (default 2). Each round also runs the bench project's
# `score` mode (the packed score kernel alone, as users/s over the same catalogue), so the batch call's users/s can be
# read against the kernel-only rate of the same moment. A few minutes at the defaults (200,000 x 50,000 x k = 64).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/bench/out"
rounds=2
libs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --) shift; break ;;
    *=*) libs+=("$1"); shift ;;
    *) echo "unknown argument: $1 (bench/serving-abi.sh [--rounds R] [NAME=LIB.so ...] [-- serving_abi options])" >&2; exit 2 ;;
  esac
done
[ ${#libs[@]} -gt 0 ] || libs=("this-tree=$ROOT/interop/python/fastals/lib/libfastals_v3.so")
mkdir -p "$OUT"
gcc -std=gnu11 -O2 -Wall -Wextra -Werror -I"$ROOT/interop/include" "$ROOT/bench/serving_abi.c" -ldl -lm -o "$OUT/serving_abi"
dotnet build "$ROOT/bench/FastAls.Benchmarks/FastAls.Benchmarks.csproj" -c Release -v q -nologo >/dev/null
BENCH="$ROOT/bench/FastAls.Benchmarks/bin/Release/net10.0/FastAls.Benchmarks.dll"
threads=$(nproc)
for r in $(seq 1 "$rounds"); do
  echo "## round $r ($(date -u +%H:%M:%S), load average $(cut -d' ' -f1-3 /proc/loadavg))"
  echo "kernel-only: $(dotnet "$BENCH" score --k 64 --items 50000 --threads "$threads")"
  for spec in "${libs[@]}"; do
    echo "### ${spec%%=*}"
    "$OUT/serving_abi" "${spec#*=}" "$@"
  done
done
