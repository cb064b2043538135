#!/usr/bin/env bash
# End-to-end benchmark: peak and gather probes, seconds per ALS iteration (every model/solver/k that
# the options select) on the synthetic 200,000 x 50,000 x 10,000,000 set and the shared real sets,
# recommend throughput and peak training memory. Writes bench/results/<cpu>/e2e.md (or e2e-quick.md).
#   bench/run-e2e.sh --quick        a small set, k = 64, implicit only (about a minute)
#   bench/run-e2e.sh                the default budget (implicit at k = 32, 64, 128; other models at 64)
#   bench/run-e2e.sh --all          every model at every k
# Any other e2e option passes through (see `dotnet run -c Release --project bench/FastAls.Benchmarks -- help`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
exec dotnet run -c Release --project bench/FastAls.Benchmarks -- e2e "$@"
