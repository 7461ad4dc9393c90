#!/usr/bin/env bash
# libFuzzer over the parsers of untrusted input (WebhookIn's and Alerting's) (signature headers, incident.io and Alertmanager bodies,
# on-call query overrides): builds scripts/fuzz with the fuzzer and address sanitizers, then runs it from the seed
# corpus for SECONDS (default 60). A crash fails the run and leaves the input in scripts/fuzz/crash-*.
#   bash scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/fuzz"
seconds=${1:-60}
# `--sanitize=fuzzer` makes SwiftPM link libFuzzer's main (not the target's); the single `-sanitize=fuzzer,address`
# after it is what every module is compiled with. Passing `--sanitize=address` too would add a second flag in no
# fixed order, and swiftc keeps only the last: a build without coverage, or without ASan.
if ! swift build --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address --product FuzzWebhookIn > /tmp/inquest-fuzz-build.log 2>&1; then
    grep -E "error" /tmp/inquest-fuzz-build.log >&2
    exit 1
fi
tail -n 1 /tmp/inquest-fuzz-build.log
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus" && cp corpus/* "$work/corpus/"
status=0
"$(swift build --show-bin-path)/FuzzWebhookIn" -max_total_time="$seconds" -max_len=8192 -timeout=5 \
    -print_final_stats=1 "$work/corpus" > "$work/fuzz.log" 2>&1 || status=$?
grep -E "DONE|stat::number_of_executed_units|stat::peak_rss|ERROR|SUMMARY|Test unit written" "$work/fuzz.log" || true
if [ "$status" -ne 0 ]; then
    echo "FAIL: the fuzzer found a crash" >&2
elif ! grep -q "DONE" "$work/fuzz.log"; then
    echo "FAIL: the fuzzer did not run (built without -sanitize=fuzzer?)" >&2
    status=1
else
    echo "RESULT fuzz seconds=$seconds crashes=0"
fi
exit "$status"
