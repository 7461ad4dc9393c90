#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages Inquest builds against, if any are missing. Needs Swift 6.1+ already.
# --tests adds what the test suite runs against: Debian's prometheus (with promtool) and chromium, and python's
# jsonschema.
set -euo pipefail

tests=false
[ "${1:-}" = "--tests" ] && tests=true
packages=(libsqlite3-dev libcurl4-openssl-dev libssl-dev zlib1g-dev)
# prometheus (and its promtool) serves backfilled series to the metric-evidence tests and checks /metrics;
# chromium renders the browser view in BrowserViewTests.
$tests && packages+=(prometheus chromium)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v swift >/dev/null; then
    echo "Swift 6.1 or newer is required: https://www.swift.org/install/linux/" >&2
    exit 1
fi

# The vendor-contract tests check request bodies with python's jsonschema (4.18+, with `referencing`).
if $tests && ! python3 -c "import jsonschema, referencing, rfc3339_validator" 2>/dev/null; then
    echo "installing: python jsonschema"
    python3 -m pip install --quiet "jsonschema>=4.18" rfc3339-validator 2>/dev/null \
        || python3 -m pip install --quiet --break-system-packages "jsonschema>=4.18" rfc3339-validator
fi
