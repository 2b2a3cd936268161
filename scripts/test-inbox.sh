#!/usr/bin/env bash
# Tests the staff inbox: its state rules on the host, then its components in
# headless Chromium (wasm-bindgen-test-runner + ChromeDriver, inbox/webdriver.json).
# Run from anywhere; assumes the tools of scripts/setup.sh are installed.
set -euo pipefail
cd "$(dirname "$0")/.."

export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"

echo "== inbox: host unit tests"
cargo test -p natter-inbox --lib

echo "== inbox: browser tests"
# The runner reads webdriver.json from the current directory.
(cd inbox && cargo test --target wasm32-unknown-unknown -p natter-inbox)
