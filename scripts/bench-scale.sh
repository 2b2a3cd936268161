#!/usr/bin/env bash
# The data-scale benchmark (BENCHMARKS.md, "A year of a busy shop"): for SQLite and
# then Postgres, seeds 1,000,000 conversations and ~10,000,000 messages in bulk, then
# measures the inbox list (first and 100th page), detail, history, lead creation,
# reply latency and ingest (beside an empty database's), size per message, start-up
# and, on SQLite, the WAL over 10 minutes of sustained ingest. About 45 minutes;
# writes bench/results/scale-<backend>-after.{md,json}.
#
#   scripts/bench-scale.sh                          # the published run
#   scripts/bench-scale.sh --conversations 100000 --wal-secs 60 --label try
#   BACKENDS=sqlite scripts/bench-scale.sh
#
# Needs ~8 GB of disk for the SQLite file, the sqlite3 and psql clients, and the
# machine's Postgres for the second half. Run it on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
if ! command -v sqlite3 >/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get install -y -qq sqlite3 >/dev/null
fi
cargo build --release -q -p natter-server -p natter-bench
for backend in ${BACKENDS:-sqlite postgres}; do
  "$CARGO_TARGET_DIR/release/natter-bench" scale --backend "$backend" --compare-empty \
    --natter "$CARGO_TARGET_DIR/release/natter" "$@"
done
