#!/usr/bin/env bash
# One command: install what is missing, then run every check and test:
# formatting, lints, the server's API and WebSocket tests, the widget's and the
# inbox's unit and headless-Chromium tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
export CHROMEDRIVER=/usr/bin/chromedriver
step() { printf '\n\033[1;34m== %s\033[0m\n' "$*"; }

step "format"
cargo fmt --all -- --check

step "lints (host)"
cargo clippy --workspace --all-targets -- -D warnings

step "lints (wasm)"
cargo clippy --target wasm32-unknown-unknown -p natter-widget -p natter-inbox -- -D warnings

step "server, protocol and state-logic tests"
cargo test --workspace

step "widget browser tests"
bash scripts/test-widget.sh

step "inbox browser tests"
bash scripts/test-inbox.sh

echo
echo "All tests passed."
