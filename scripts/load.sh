#!/usr/bin/env bash
# Load test: realistic signed incident.io deliveries (2.4 KB) into a release build of `inquest serve` on loopback, with
# a temp database. Reports the no-work ceiling (the same POSTs refused before any work), then throughput, latency
# percentiles and peak RSS of real ingest, and checks that every 2xx answer left a stored incident.
#   bash scripts/load.sh [REQUESTS] [CONNECTIONS] [DURATION_SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-150000}
connections=${2:-32}
duration=${3:-20}
threads=2
port=${LOAD_PORT:-3917}

config_extra='investigations:
  enabled: ${LOAD_WORKER:-false}   # measure ingest alone; LOAD_WORKER=true runs the worker too'
source scripts/load/server.sh

python3 scripts/load/corpus.py "$requests" vault-dev/secrets/incident-io-webhook-secret "$work/corpus.tsv"
start_server

# First the no-work ceiling: the same deliveries without their signature, refused before any HMAC, JSON or SQL.
DROP_HEADER=webhook-signature CORPUS="$work/corpus.tsv" THREADS=$threads wrk -t"$threads" -c"$connections" \
    -d"$(( (duration + 1) / 2 ))s" -s scripts/load/requests.lua "$base" > "$work/nowork.out" || true
nowork=$(sed -n 's/.*RESULT .* rps=\([0-9]*\).*/\1/p' "$work/nowork.out")
echo "RESULT no_work_rps=$nowork (the same $(head -c 100000 "$work/corpus.tsv" | head -1 | cut -f3 | wc -c)-byte POSTs answered 401 before any work)"

CORPUS="$work/corpus.tsv" THREADS=$threads wrk -t"$threads" -c"$connections" -d"${duration}s" --latency \
    -s scripts/load/requests.lua "$base" | tee "$work/wrk.out" | grep -E "RESULT|Socket errors" || true
real=$(sed -n 's/.*RESULT accepted.* rps=\([0-9]*\).*/\1/p' "$work/wrk.out")
[ -n "$nowork" ] && [ -n "$real" ] && echo "RESULT signed_ingest_share_of_no_work=$(( 100 * real / nowork ))%"
rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
kill -TERM "$server"; wait "$server" || true

# Requests still in flight when wrk stopped may be stored without their answer being counted: at most one per
# connection. Every counted 202 must be stored, and every stored incident must have its investigation queued.
answered=$(sed -n 's/.*RESULT accepted=\([0-9]*\).*/\1/p' "$work/wrk.out")
stored=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM incidents').fetchone()[0])" "$work/inquest.sqlite")
queued=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM investigations').fetchone()[0])" "$work/inquest.sqlite")
echo "RESULT peak_rss_mb=$((rss_kb / 1024)) accepted_202=$answered stored_incidents=$stored queued_investigations=$queued"
if [ "$stored" -lt "$answered" ] || [ "$stored" -gt $((answered + connections)) ] || [ "$stored" != "$queued" ]; then
    echo "FAIL: accepted answers, stored incidents and queued investigations do not agree" >&2
    exit 1
fi
echo "OK: every accepted delivery is stored"
