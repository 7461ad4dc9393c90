# Sourced by the load tests: builds the release binary and starts `inquest serve` on loopback with a temp database
# and the dev secrets. Before sourcing set `port`; `config_extra` is appended to the config. Sets `work` (removed on
# exit), `server` (the pid) and `base` (the URL).
command -v wrk >/dev/null || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo; $sudo apt-get install -y -qq wrk; }
swift build -c release --product inquest >/dev/null
bin=$(swift build -c release --show-bin-path)/inquest

work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
cp -r vault-dev "$work/vault-dev"
cat > "$work/inquest.yaml" <<YAML
host: 127.0.0.1
port: $port
database: $work/inquest.sqlite
vault_dev_path: $work/vault-dev
log_level: warning
${config_extra:-}
YAML

start_server() {
    "$bin" serve --config "$work/inquest.yaml" > "$work/serve.log" 2>&1 &
    server=$!
    for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
    base="http://127.0.0.1:$port"
}
