#!/usr/bin/env bash
# The search benchmark (BENCHMARKS.md, "Search"): for SQLite and then Postgres, seeds
# 1,000,000 messages with and without the search index (its size and write cost), then
# times nine kinds of query through GET /api/v1/search. About 10 minutes; writes
# bench/results/search-<backend>.{md,json}.
#
#   scripts/bench-search.sh
#   scripts/bench-search.sh --conversations 10000 --samples 50
#   BACKENDS=sqlite scripts/bench-search.sh
#
# Needs the sqlite3 and psql clients and the machine's Postgres. Run it on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
if ! command -v sqlite3 >/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get install -y -qq sqlite3 >/dev/null
fi
cargo build --release -q -p natter-server -p natter-bench
for backend in ${BACKENDS:-sqlite postgres}; do
  "$CARGO_TARGET_DIR/release/natter-bench" search --backend "$backend" \
    --natter "$CARGO_TARGET_DIR/release/natter" "$@"
done
