#!/usr/bin/env bash
# Compiles the C example against interop/include/fastals.h and lib/libfastals.so, runs it, and checks the
# per-level builds' kernels. Ends with "C: N passed, N failed".
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
INC="$ROOT/interop/include"
LIB="$ROOT/interop/python/fastals/lib"
BUILD="$HERE/build"
mkdir -p "$BUILD"
passed=0 failed=0
ok() { echo "PASS $1"; passed=$((passed + 1)); }
ko() { echo "FAIL $1"; [ $# -gt 1 ] && echo "$2" | tail -20; failed=$((failed + 1)); }

# 1. The header compiles cleanly as C99 and as C++.
if out=$(echo '#include "fastals.h"' | gcc -std=c99 -Wall -Wextra -Wpedantic -Werror -fsyntax-only -I"$INC" -x c - 2>&1); then ok "header compiles as C99"; else ko "header compiles as C99" "$out"; fi
if out=$(echo '#include "fastals.h"' | g++ -std=c++11 -Wall -Wextra -Werror -fsyntax-only -I"$INC" -x c++ - 2>&1); then ok "header compiles as C++"; else ko "header compiles as C++" "$out"; fi

# 2. The example builds against libfastals.so (the build picked for this machine) and runs.
if out=$(gcc -std=c99 -O2 -Wall -Wextra -Werror -I"$INC" "$HERE/example.c" -L"$LIB" -lfastals -Wl,-rpath,"$LIB" -o "$BUILD/example" 2>&1); then
  ok "example compiles"
  if out=$("$BUILD/example" 2>&1); then ok "example runs on synthetic COO data"; else ko "example runs on synthetic COO data" "$out"; fi
  echo "$out"
  grep -q "^recommend user 0: item" <<<"$out" && ok "example recommends" || ko "example recommends" "$out"
  grep -q "^progress callbacks: 10$" <<<"$out" && ok "progress callback runs every half-step" || ko "progress callback runs every half-step" "$out"
  grep -q "^bad user index -> status 1: user: index" <<<"$out" && ok "bad argument reports FASTALS_E_INVALID_ARGUMENT with a message" || ko "bad argument message" "$out"
  grep -q "^freed model -> status 2: model: handle 0x[0-9a-f]* is unknown or was already freed" <<<"$out" && ok "use after free reports FASTALS_E_INVALID_HANDLE" || ko "use after free" "$out"
  grep -q "^double free -> status 2$" <<<"$out" && ok "double free reports FASTALS_E_INVALID_HANDLE" || ko "double free" "$out"
  # A CSV file through the loader.
  csv="$BUILD/small.csv"
  { echo "user,item,value"; for u in $(seq 1 30); do for j in 1 2 3 4 5; do echo "u$u,i$(( (u * 3 + j * 7) % 25 )),$j"; done; done; } >"$csv"
  if out=$("$BUILD/example" "$csv" 2>&1) && grep -q "dataset: 30 users" <<<"$out"; then ok "example loads a CSV file"; else ko "example loads a CSV file" "$out"; fi
  if out=$("$BUILD/example" "$BUILD/missing.csv" 2>&1); then ko "missing file is an error" "$out"; else
    grep -q "fastals_dataset_load failed: status 3" <<<"$out" && ok "missing file reports FASTALS_E_IO" || ko "missing file reports FASTALS_E_IO" "$out"; fi
else
  ko "example compiles" "$out"
fi

# 3. fastals_cpu_level() (libfastals_cpu.so: CPUID + XGETBV, the rule Python and build.sh use too) decides which
#    builds this machine runs: each of those runs its level's kernel, each above it is refused by the .NET runtime's
#    own CPU check, and libfastals.so links the widest that runs. No /proc/cpuinfo flag names.
if out=$(gcc -std=c99 -O2 -Wall -Werror -I"$INC" "$HERE/isa_check.c" -ldl -o "$BUILD/isa_check" 2>&1); then
  cpu=$("$BUILD/isa_check" --level "$LIB/libfastals_cpu.so" 2>&1)
  if [[ "$cpu" =~ ^[1-4]$ ]]; then ok "fastals_cpu_level() = $cpu"; else ko "fastals_cpu_level() answers 1..4" "$cpu"; cpu=0; fi
  widest=""
  for spec in "v2:0" "v3:1" "v4:2"; do
    IFS=: read -r level want <<<"$spec"
    if [ "${level#v}" -le "$cpu" ]; then
      widest=$level
      got=$("$BUILD/isa_check" "$LIB/libfastals_$level.so" 2>&1)
      [ "$got" = "$want" ] && ok "libfastals_$level.so runs kernel path $want" || ko "libfastals_$level.so runs kernel path $want (got $got)"
    elif got=$("$BUILD/isa_check" "$LIB/libfastals_$level.so" 2>&1); then
      ko "libfastals_$level.so is above this machine's level (x86-64-v$cpu) yet ran" "$got"
    else
      ok "libfastals_$level.so is refused by this machine (x86-64-v$cpu)"
    fi
  done
  link=$(readlink "$LIB/libfastals.so")
  [ "$link" = "libfastals_$widest.so" ] && ok "libfastals.so links the widest build that runs ($link)" || ko "libfastals.so -> $link, expected libfastals_$widest.so"
else
  ko "isa_check compiles" "$out"
fi

echo "C: $passed passed, $failed failed"
[ "$failed" = 0 ]
