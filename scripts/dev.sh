#!/usr/bin/env bash
# `make dev`: anvil + the GHOSTNET suite (deployed at once, then 1 s blocks)
# + demo traffic (the seeded scenario, then endless position traffic) + the
# host with every GHOSTNET core handler, all local. Ctrl-C stops everything.
# Logs go to .dev/.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CARGO_TARGET_DIR:=$HOME/.cache/wraith-target}"
: "${DATABASE_URL:=postgres://postgres@127.0.0.1:5432/wraith_dev}"
export DATABASE_URL
PORT=8545
DEV=.dev
mkdir -p "$DEV"

if (echo > "/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  echo "port $PORT is in use; stop whatever listens there (an old anvil?) and retry" >&2
  exit 1
fi

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

# Automine while deploying (one block per transaction, instant); the deploy
# step then switches anvil to a block every second.
.tools/node_modules/.bin/anvil --port "$PORT" --host 127.0.0.1 --silent >"$DEV/anvil.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do (echo > "/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done

# A new chain: start from an empty database (the old one indexed another chain).
name="${DATABASE_URL##*/}"
admin="${DATABASE_URL%/*}/postgres"
psql "$admin" -qc "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)"
psql "$admin" -qc "CREATE DATABASE \"$name\""

"$CARGO_TARGET_DIR/release/wraith-devnet" --port "$PORT" deploy --out "$DEV/deployment.json" \
  --config-template config/dev.toml --config-out "$DEV/wraith.toml" --block-time 1 >/dev/null
echo "contracts deployed: $DEV/deployment.json"

"$CARGO_TARGET_DIR/release/wraith-devnet" --port "$PORT" traffic --deployment "$DEV/deployment.json" >"$DEV/traffic.log" 2>&1 &
pids+=($!)

gc=$(python3 -c 'import json;print(json.load(open(".dev/deployment.json"))["GhostCore"])')
player=$(python3 -c 'import json;print(json.load(open(".dev/deployment.json"))["players"][0])')
cat <<MSG

wraith is starting. Open:
  status     http://127.0.0.1:8080/api/v1/status
  positions  http://127.0.0.1:8080/api/v1/positions?level=1
  a player   http://127.0.0.1:8080/api/v1/positions/$player
  scans      http://127.0.0.1:8080/api/v1/scans
  DeadPool   http://127.0.0.1:8080/api/v1/deadpool/rounds
  live feed  ws://127.0.0.1:8080/ws  (send {"type":"SUBSCRIBE","channels":["feed"]})
  health     http://127.0.0.1:8080/health/ready
Chain: anvil http://127.0.0.1:$PORT (GhostCore $gc); traffic log: $DEV/traffic.log
Ctrl-C stops anvil, the traffic and the host.

MSG
"$CARGO_TARGET_DIR/release/wraith" --config "$DEV/wraith.toml" run &
pids+=($!)
wait "${pids[-1]}"
