#!/usr/bin/env bash
# The fault suite: kill -9 during load, kill -9 with escalations pending, provider faults, a full disk, schemathesis
# against the OpenAPI document, a fuzz run, and no secret in any log line. Runs the real `inquest serve` on loopback against fake providers.
#   bash scripts/faults.sh            full form (about 5 minutes after the builds; fuzzes for 60 s)
#   bash scripts/faults.sh --short    CI form (smaller batches; fuzzes for 15 s)
set -euo pipefail
cd "$(dirname "$0")/.."
short=""
fuzz_seconds=60
if [ "${1:-}" = "--short" ]; then short="--short"; fuzz_seconds=15; fi

bash scripts/install-deps.sh
if ! command -v python3 >/dev/null; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get install -y -qq python3
fi
# The api-conformance scenario runs schemathesis (PyPI) against the live server's /openapi.json.
if ! command -v schemathesis >/dev/null; then
    echo "installing: python schemathesis"
    python3 -m pip install --quiet schemathesis 2>/dev/null || python3 -m pip install --quiet --break-system-packages schemathesis
fi
swift build --product inquest 2>&1 | tail -n 1
python3 scripts/faults/faults.py --bin "$(swift build --show-bin-path)/inquest" $short
bash scripts/fuzz.sh "$fuzz_seconds"
