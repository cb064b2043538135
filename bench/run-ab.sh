#!/bin/bash
# In-process A/B of two source trees on the synthetic set (bench/ab): both builds train in one process, iterations
# alternating, so that the host's noise falls on both alike. Prints min and median ms per iteration and B/A per pair.
#
#   bench/run-ab.sh BASE_REV [ITERATIONS] -- "model solver k threads users [items interactions]" ...
#   bench/run-ab.sh HEAD~3 100 -- "implicit cg 32 1 10000" "implicit cg 64 1 100000"
#   bench/run-ab.sh --same 100 -- "implicit cg 32 1 10000"     # A/A control: this tree against itself
#
# A is BASE_REV (exported with git archive), B is the working tree. Builds go to bench/out/ab (ignored). The first
# AB_WARMUP iterations of each side (default 10) are left out: each side JIT-compiles its own copy of the library, so
# small sets, whose iterations take milliseconds, need more (see an A/A run with --same).
# AB_CONTINUE=1: one iteration by Fit, the rest by one ContinueTraining call. AB_QUIET=1: one iteration by Fit, then
# one ContinueTraining call per iteration without progress, timed around the call (a fit that nothing observes).
# AB_BEFORE=model:solver:k,...: each side first trains these models (three iterations each), as a process that trains
# several models does.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
base=${1:?usage: bench/run-ab.sh BASE_REV|--same [ITERATIONS] -- CONFIG...}
shift
iterations=50
if [[ $# -gt 0 && $1 != -- ]]; then iterations=$1; shift; fi
[[ ${1:-} == -- ]] && shift
[[ $# -gt 0 ]] || { echo "no configuration given (\"model solver k threads users\")" >&2; exit 2; }
out=$root/bench/out/ab
rm -rf "$out"
mkdir -p "$out"
build_runner() { # $1 = source tree, $2 = output dir
    local copy=$out/runner-$(basename "$2")
    cp -r "$root/bench/ab/Runner" "$copy"
    dotnet build "$copy/AbRunner.csproj" -c Release -nologo -v q -p:FastAlsSrc="$1" -o "$2" >"$out/build-$(basename "$2").log" \
        || { cat "$out/build-$(basename "$2").log" >&2; exit 1; }
}
if [[ $base == --same ]]; then
    build_runner "$root" "$out/A"
    cp -r "$out/A" "$out/B"
else
    mkdir -p "$out/base"
    git -C "$root" archive "$base" | tar -x -C "$out/base"
    build_runner "$out/base" "$out/A"
    build_runner "$root" "$out/B"
fi
dotnet build "$root/bench/ab/Host/AbHost.csproj" -c Release -nologo -v q -o "$out/host" >"$out/build-host.log" \
    || { cat "$out/build-host.log" >&2; exit 1; }
for config in "$@"; do
    # shellcheck disable=SC2086
    dotnet "$out/host/AbHost.dll" "$out/A" "$out/B" "$iterations" $config
done
