#!/usr/bin/env bash
# Installs what is missing, then runs Inquest on the shipped defaults (config/inquest.yaml, vault-dev/, SQLite in data/).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
exec swift run inquest serve "$@"
