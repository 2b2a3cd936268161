#!/usr/bin/env bash
# The widget's tests: the pure state logic on the host, then the app in headless Chromium
# (wasm-bindgen-test with ChromeDriver; options in ./webdriver.json). Run from anywhere.
# Tools come from scripts/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== widget unit tests (host)"
cargo test -p natter-widget --lib

echo "== widget browser tests (headless Chromium)"
CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}" \
  cargo test --target wasm32-unknown-unknown -p natter-widget --test widget
