#!/usr/bin/env bash
# Load test of the GitHub change receiver: signed `deployment_status` deliveries (the fixture, about 13 KB) into a
# release build of `inquest serve` on loopback with a temp database. Reports throughput and latency percentiles,
# then checks that every 201 left exactly one stored change.
#   bash scripts/load-changes.sh [REQUESTS] [CONNECTIONS] [DURATION_SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-100000}
connections=${2:-32}
duration=${3:-15}
threads=2
port=${LOAD_PORT:-3919}

config_extra='investigations: { enabled: false }
services:
  payment-gateway: {}
changes:
  sources:
    github: { secrets: [vault://secrets/github-webhook-secret] }'
source scripts/load/server.sh

python3 scripts/load/github_corpus.py "$requests" vault-dev/secrets/github-webhook-secret "$work/corpus.tsv"
start_server

ACCEPTED=201 CORPUS="$work/corpus.tsv" THREADS=$threads wrk -t"$threads" -c"$connections" -d"${duration}s" --latency \
    -s scripts/load/requests.lua "$base" | tee "$work/wrk.out" | grep -E "RESULT|Socket errors" || true
rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
kill -TERM "$server"; wait "$server" || true

answered=$(sed -n 's/.*RESULT accepted=\([0-9]*\).*/\1/p' "$work/wrk.out")
stored=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT COUNT(*) FROM changes WHERE source = 'github'\").fetchone()[0])" "$work/inquest.sqlite")
echo "RESULT peak_rss_mb=$((rss_kb / 1024)) recorded_201=$answered stored_changes=$stored"
# Requests in flight when wrk stopped may be stored without their answer being counted: at most one per connection.
if [ "$stored" -lt "$answered" ] || [ "$stored" -gt $((answered + connections)) ]; then
    echo "FAIL: recorded answers and stored changes do not agree" >&2
    exit 1
fi
echo "OK: every recorded delivery is stored"
