#!/usr/bin/env bash
# Property-based run of schemathesis against the served OpenAPI document:
# a scratch anvil with the GHOSTNET suite and one scenario round, the host
# (debug build) indexing it into a fresh database, then `st run` with the
# check that no answer is a 5xx. Run by `make test` (via `make schemathesis`).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CARGO_TARGET_DIR:=$HOME/.cache/wraith-target}"
BIN="$CARGO_TARGET_DIR/debug"
ST=.tools/venv/bin/st
OUT=.wraith/schemathesis
mkdir -p "$OUT"
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
CHAIN=$(free_port)
API=$(free_port)
DB="wraith_schemathesis_$$"
ADMIN_URL="postgres://postgres@127.0.0.1:5432/postgres"

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT INT TERM

.tools/node_modules/.bin/anvil --port "$CHAIN" --host 127.0.0.1 --silent >"$OUT/anvil.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do (echo > "/dev/tcp/127.0.0.1/$CHAIN") 2>/dev/null && break; sleep 0.1; done
psql "$ADMIN_URL" -qc "CREATE DATABASE \"$DB\""

sed "s/127.0.0.1:8545/127.0.0.1:$CHAIN/g; s/127.0.0.1:8080/127.0.0.1:$API/; s/^format = \"pretty\"/format = \"json\"/" \
  config/dev.toml >"$OUT/dev.toml"
"$BIN/wraith-devnet" --port "$CHAIN" deploy --out "$OUT/deployment.json" \
  --config-template "$OUT/dev.toml" --config-out "$OUT/wraith.toml" --block-time 0 >/dev/null
"$BIN/wraith-devnet" --port "$CHAIN" traffic --deployment "$OUT/deployment.json" \
  --rounds 1 --steps 40 --interval-ms 0 >"$OUT/traffic.log" 2>&1

DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB" WRAITH_API__RATE_LIMIT_PER_IP=0 \
  "$BIN/wraith" --config "$OUT/wraith.toml" run >"$OUT/host.log" 2>&1 &
pids+=($!)
head=$(curl -s -X POST -H 'content-type: application/json' \
  --data '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}' "http://127.0.0.1:$CHAIN" |
  python3 -c 'import json,sys;print(int(json.load(sys.stdin)["result"],16))')
for _ in $(seq 1 600); do
  indexed=$(curl -sf "http://127.0.0.1:$API/api/v1/status" 2>/dev/null |
    python3 -c 'import json,sys;print(json.load(sys.stdin).get("indexed_block") or 0)' 2>/dev/null || echo 0)
  [ "$indexed" -ge "$head" ] && break
  sleep 0.2
done
echo "schemathesis: the host indexed block $indexed of $head; running st against http://127.0.0.1:$API/api/v1/openapi.json"
"$ST" run "http://127.0.0.1:$API/api/v1/openapi.json" \
  --checks not_a_server_error --max-examples 25 --seed 1 \
  --report junit --report-dir "$OUT" "$@"
