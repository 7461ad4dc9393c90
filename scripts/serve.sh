#!/usr/bin/env bash
# Installs what is missing, then runs Inquest on the shipped defaults (config/inquest.yaml, vault-dev/, SQLite in data/).
# The build's own output goes to standard error, so standard output carries only the service's JSON log lines.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build --product inquest >&2
exec "$(swift build --show-bin-path)/inquest" serve "$@"
