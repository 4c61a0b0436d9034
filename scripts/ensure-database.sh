#!/usr/bin/env bash
# Create the database named in the URL ($1) if it does not exist.
set -euo pipefail
url="$1"
name="${url##*/}"
name="${name%%\?*}"
admin="${url%/*}/postgres"
if ! psql "$admin" -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1; then
  echo "creating database $name"
  psql "$admin" -qc "CREATE DATABASE \"$name\""
fi
