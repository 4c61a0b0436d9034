#!/usr/bin/env bash
# Start the local PostgreSQL cluster if it is not accepting connections.
set -euo pipefail
if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  exit 0
fi
echo "PostgreSQL is down; starting it"
ver=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1)
if [ -z "$ver" ]; then
  echo "no PostgreSQL cluster found under /etc/postgresql; install PostgreSQL 15+" >&2
  exit 1
fi
pg_ctlcluster --skip-systemctl-redirect "$ver" main start
for _ in $(seq 1 50); do
  pg_isready -h 127.0.0.1 -p 5432 -q && exit 0
  sleep 0.2
done
echo "PostgreSQL did not come up" >&2
exit 1
