#!/usr/bin/env bash
# The benchmark harness's smoke test, for CI: starts a release server on a fresh SQLite
# database, opens 300 visitor sockets from 2 generator processes, drives staff replies
# (200/s) and visitor messages (100/s) for 5 s, and fails on any error, seq gap, dropped
# socket or committed message that never reached its socket. Never fails on speed.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --release -q -p natter-server -p natter-bench
exec "$CARGO_TARGET_DIR/release/natter-bench" smoke --natter "$CARGO_TARGET_DIR/release/natter"
