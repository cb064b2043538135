#!/usr/bin/env bash
# Builds the fastals wheel (no network): the Python package plus the three libfastals builds and libfastals_cpu.so
# that interop/build.sh published into fastals/lib/. Prints the wheel's path.
# Usage: interop/python/build-wheel.sh [--out FOLDER]     (default folder: interop/python/dist)
# Install it with: python3 -m pip install --no-index PATH/TO/fastals-*.whl   (numpy and scipy must be installed)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec /usr/bin/python3 "$HERE/wheel_backend.py" "$@"
