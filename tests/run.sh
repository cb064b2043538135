#!/usr/bin/env bash
# Builds and runs every FastAls test suite (.NET, Python, C) and ends with one line:
#   N passed, N failed, N skipped
# Usage: tests/run.sh            (from anywhere; installs what the suites need when missing)
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT="${FASTALS_TEST_OUT:-$ROOT/tests/.out}"
rm -rf "$OUT"
mkdir -p "$OUT"
export FASTALS_TEST_OUT="$OUT"   # tests keep artifacts (e.g. the report screenshot) here
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

passed=0 failed=0 skipped=0 infra_fail=0

log() { printf '[tests] %s\n' "$*" >&2; }

# ---- system packages the Python and C suites need (Debian's python3 with numpy/scipy/pytest, gcc)
need_pkgs=()
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import numpy, scipy, pytest' 2>/dev/null || need_pkgs+=(python3 python3-numpy python3-scipy python3-pytest)
# the wheel test (interop/python/tests/test_wheel.py) makes a venv and pip-installs the wheel into it
dpkg -s python3-venv python3-pip >/dev/null 2>&1 || need_pkgs+=(python3-venv python3-pip)
command -v gcc >/dev/null 2>&1 || need_pkgs+=(gcc libc6-dev)
# dask.distributed runs interop/python/tests/test_distributed.py (a LocalCluster of worker processes)
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import dask.distributed' 2>/dev/null || need_pkgs+=(python3-distributed)
# NativeAOT links with clang; Microsoft's prerequisites for it also name zlib1g-dev.
if [ -f "$ROOT/tests/needs-clang.txt" ]; then
  command -v clang >/dev/null 2>&1 || need_pkgs+=(clang)
  dpkg -s zlib1g-dev >/dev/null 2>&1 || need_pkgs+=(zlib1g-dev)
fi
# headless Chromium renders the CLI's HTML report in tests/FastAls.Cli.Tests (skipped visibly when absent)
command -v chromium >/dev/null 2>&1 || need_pkgs+=(chromium)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing: ${need_pkgs[*]}"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}") >"$OUT/apt.log" 2>&1 \
      || { log "apt-get failed; see $OUT/apt.log"; tail -20 "$OUT/apt.log" >&2; }
  else
    log "missing packages (${need_pkgs[*]}) and cannot install them (not root or no apt-get)"
  fi
fi

# ---- .NET: build once (Release), then every test project
log "building FastAls.sln"
if ! dotnet build "$ROOT/FastAls.sln" -c Release -nologo -v q >"$OUT/build.log" 2>&1; then
  log "build failed:"; grep -E "error|Error" "$OUT/build.log" | head -40 >&2
  infra_fail=1
fi

# NuGet packages (FastAls, FastAls.DataFrame, the FastAls.Cli tool) from that build, once; PackageTests in
# tests/FastAls.Cli.Tests installs the tool from this folder and builds a console project against it.
if [ $infra_fail = 0 ]; then
  log "packing (dotnet pack) into $OUT/packages"
  if dotnet pack "$ROOT/FastAls.sln" -c Release --no-build -nologo -v q -o "$OUT/packages" >"$OUT/pack.log" 2>&1; then
    export FASTALS_PACKAGES="$OUT/packages"
  else
    log "pack failed:"; tail -40 "$OUT/pack.log" >&2
    infra_fail=1
  fi
fi

# Native library + other artifacts the Python and C suites load.
if [ $infra_fail = 0 ] && [ -x "$ROOT/interop/build.sh" ]; then
  log "publishing the NativeAOT library (interop/build.sh)"
  if ! "$ROOT/interop/build.sh" >"$OUT/native.log" 2>&1; then
    log "native build failed:"; tail -40 "$OUT/native.log" >&2
    infra_fail=1
  fi
fi

if [ $infra_fail = 0 ]; then
  for proj in "$ROOT"/tests/*/*.csproj; do
    name="$(basename "$proj" .csproj)"
    log "dotnet test $name"
    dotnet test "$proj" -c Release --no-build -nologo \
      --logger "trx;LogFileName=$name.trx" --results-directory "$OUT" \
      --logger "console;verbosity=minimal" 2>&1 | tee "$OUT/$name.log" | grep -E "^\s*(Failed|Skipped) |Passed!|Failed!|error" >&2
    trx="$OUT/$name.trx"
    if [ -f "$trx" ]; then
      counters="$(grep -o '<Counters [^>]*>' "$trx" | head -1)"
      get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
      t=$(get total); p=$(get passed); f=$(get failed); e=$(get error); x=$(get executed)
      passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0} + ${e:-0}))
      skipped=$((skipped + ${t:-0} - ${x:-0}))
    else
      log "$name produced no results"; failed=$((failed + 1))
    fi
  done
fi

# ---- Python (Debian's interpreter, never the first python3 on PATH)
if [ $infra_fail = 0 ] && [ -d "$ROOT/interop/python/tests" ]; then
  log "pytest interop/python/tests"
  (cd "$ROOT/interop/python" && /usr/bin/python3 -m pytest -q -rs -p no:cacheprovider tests) >"$OUT/pytest.log" 2>&1
  tail -25 "$OUT/pytest.log" >&2
  summary="$(grep -E '^(=+ )?[0-9]+ (passed|failed|skipped|error).* in [0-9.]+s' "$OUT/pytest.log" | tail -1)"
  n() { echo "$summary" | grep -oE "[0-9]+ $1" | grep -oE '^[0-9]+' || echo 0; }
  pp=$(n passed); pf=$(n failed); pe=$(n error); ps=$(n skipped)
  if [ -z "$summary" ]; then pf=1; fi
  passed=$((passed + pp)); failed=$((failed + pf + pe)); skipped=$((skipped + ps))
fi

# ---- C (each interop/c/test_*.sh prints "C: N passed, N failed")
if [ $infra_fail = 0 ] && [ -x "$ROOT/interop/c/run-tests.sh" ]; then
  log "C tests (interop/c/run-tests.sh)"
  "$ROOT/interop/c/run-tests.sh" >"$OUT/c.log" 2>&1
  tail -20 "$OUT/c.log" >&2
  line="$(grep -E '^C: [0-9]+ passed, [0-9]+ failed' "$OUT/c.log" | tail -1)"
  if [ -n "$line" ]; then
    cp=$(echo "$line" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+'); cf=$(echo "$line" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+')
    passed=$((passed + cp)); failed=$((failed + cf))
  else
    failed=$((failed + 1))
  fi
fi

if [ $infra_fail != 0 ]; then failed=$((failed + 1)); fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
