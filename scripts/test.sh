#!/usr/bin/env bash
# The whole test suite: installs libpcre2-dev when missing, then `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh
exec swift test "$@"
