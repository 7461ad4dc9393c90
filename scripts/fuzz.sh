#!/usr/bin/env bash
# libFuzzer over WebhookIn's parsers of untrusted input (signature headers, incident.io and Alertmanager bodies,
# on-call query overrides): builds scripts/fuzz with the fuzzer and address sanitizers, then runs it from the seed
# corpus for SECONDS (default 60). A crash fails the run and leaves the input in scripts/fuzz/crash-*.
#   bash scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/fuzz"
seconds=${1:-60}
swift build --sanitize=fuzzer --sanitize=address --product FuzzWebhookIn 2>&1 | tail -n 1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp corpus/* "$work/"
status=0
"$(swift build --show-bin-path)/FuzzWebhookIn" -max_total_time="$seconds" -max_len=8192 -timeout=5 \
    -print_final_stats=1 "$work" > "$work.log" 2>&1 || status=$?
grep -E "DONE|stat::number_of_executed_units|stat::peak_rss|ERROR|SUMMARY|Test unit written" "$work.log" || true
rm -f "$work.log"
[ "$status" -eq 0 ] && echo "RESULT fuzz seconds=$seconds crashes=0" || echo "FAIL: the fuzzer found a crash" >&2
exit "$status"
