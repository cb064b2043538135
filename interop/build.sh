#!/usr/bin/env bash
# Publishes libfastals (NativeAOT, C ABI) once per x86-64 level into interop/python/fastals/lib/:
#   libfastals_v2.so  baseline x86-64-v2 (SSE4.2; scalar kernels)
#   libfastals_v3.so  x86-64-v3 (AVX2 + FMA; Vector256 kernels)
#   libfastals_v4.so  x86-64-v4 (AVX-512; Vector512 kernels)
#   libfastals_cpu.so fastals_cpu_level(): the x86-64 level this CPU and OS run (CPUID + XGETBV, from
#                     interop/c/fastals_cpu.c; built with gcc)
#   libfastals.so ->  the widest build this machine runs (what the C example links against)
# Under NativeAOT the instruction set is fixed at compile time (IlcInstructionSet), so one binary per level
# is the way to run the widest kernels the CPU has. The Python package, this script and interop/c/isa_check all
# pick with fastals_cpu_level(): the widest build at or below that level that exists.
# Usage: interop/build.sh [--sync] [--levels "v2 v3 v4"]
#   --sync  also rewrite interop/include/fastals.h and interop/python/fastals/_signatures.py from the
#           generator's output (a test fails while the checked-in copies differ).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LIB="$ROOT/interop/python/fastals/lib"
LEVELS="v2 v3 v4"
SYNC=0
while [ $# -gt 0 ]; do
  case "$1" in
    --sync) SYNC=1 ;;
    --levels) LEVELS="$2"; shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if ! command -v gcc >/dev/null 2>&1; then
  echo "interop/build.sh needs gcc (12 or newer: libfastals_cpu.so; also NativeAOT's linker when clang is absent)" >&2; exit 1
fi

mkdir -p "$LIB" "$ROOT/interop/c/build"
# The CPU-level helper (tiny, no dependencies) and the C tool that reports its answer.
gcc -std=c99 -O2 -Wall -Wextra -Werror -shared -fPIC -fvisibility=hidden "$ROOT/interop/c/fastals_cpu.c" -o "$LIB/libfastals_cpu.so.tmp"
mv "$LIB/libfastals_cpu.so.tmp" "$LIB/libfastals_cpu.so"
ISA_CHECK="$ROOT/interop/c/build/isa_check"
gcc -std=c99 -O2 -Wall -Werror -I"$ROOT/interop/include" "$ROOT/interop/c/isa_check.c" -ldl -o "$ISA_CHECK"
PROJ="$ROOT/src/FastAls.Native/FastAls.Native.csproj"
for level in $LEVELS; do
  start=$(date +%s)
  out="$ROOT/src/FastAls.Native/bin/publish/$level"
  # The ILC step must not reuse another level's object file: drop the native intermediates first.
  rm -rf "$ROOT/src/FastAls.Native/obj/Release/net10.0/linux-x64/native"
  dotnet publish "$PROJ" -c Release -r linux-x64 -nologo -v q -p:IlcInstructionSet="x86-64-$level" -o "$out"
  cp "$out/FastAls.Native.so" "$LIB/libfastals_$level.so.tmp"
  mv "$LIB/libfastals_$level.so.tmp" "$LIB/libfastals_$level.so"
  echo "published libfastals_$level.so in $(( $(date +%s) - start )) s"
done

cpu_level="$("$ISA_CHECK" --level "$LIB/libfastals_cpu.so")"
best=""
for level in v2 v3 v4; do
  if [ "${level#v}" -le "$cpu_level" ] && [ -f "$LIB/libfastals_$level.so" ]; then best=$level; fi
done
if [ -z "$best" ]; then
  rm -f "$LIB/libfastals.so"
  echo "no libfastals build in $LIB runs on this machine (x86-64 level $cpu_level; the builds need v2 or newer); libfastals.so not linked" >&2
  exit 1
fi
ln -sfn "libfastals_$best.so" "$LIB/libfastals.so"
echo "libfastals.so -> libfastals_$best.so (this machine: x86-64-v$cpu_level)"

if [ $SYNC = 1 ]; then
  /usr/bin/env python3 - "$LIB/libfastals.so" "$ROOT" <<'PY'
import ctypes, os, sys
lib = ctypes.CDLL(sys.argv[1])
root = sys.argv[2]
def text(which):
    n = ctypes.c_int64()
    lib.fastals_interface_text(ctypes.c_int32(which), None, ctypes.c_int64(0), ctypes.byref(n))
    buf = ctypes.create_string_buffer(n.value + 1)
    rc = lib.fastals_interface_text(ctypes.c_int32(which), buf, ctypes.c_int64(n.value + 1), ctypes.byref(n))
    assert rc == 0, rc
    return buf.value.decode("utf-8")
for which, rel in ((0, "interop/include/fastals.h"), (1, "interop/python/fastals/_signatures.py")):
    path = os.path.join(root, rel)
    with open(path + ".tmp", "w", encoding="utf-8", newline="\n") as f:
        f.write(text(which))
    os.replace(path + ".tmp", path)
    print("wrote", rel)
PY
fi
