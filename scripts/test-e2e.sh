#!/usr/bin/env bash
# The browser acceptance suite (e2e/): the whole visitor ↔ staff journey in headless
# Chromium (Debian's /usr/bin/chromium, driven by playwright-core) against the release
# server and widget on loopback, with the widget embedded in a page on another origin.
# Builds what is missing; on failure, screenshots and consoles are under target/e2e/.
set -euo pipefail
cd "$(dirname "$0")/.."

export NATTER_BIN="${NATTER_BIN:-${CARGO_TARGET_DIR:-$PWD/target}/release/natter}"
if [ ! -x "$NATTER_BIN" ] || [ ! -f dist/embed.js ] || [ ! -f inbox/dist/index.html ]; then
  echo "[e2e] building the server, widget and inbox (scripts/build.sh)"
  bash scripts/build.sh
fi
if [ ! -d e2e/node_modules/playwright-core ] || [ ! -d e2e/node_modules/axe-core ]; then
  echo "[e2e] installing the suite's packages (npm ci)"
  (cd e2e && npm ci --no-audit --no-fund --silent)
fi

mkdir -p target/e2e
rm -f target/e2e/*.png target/e2e/*.console.log
# Whole-suite guard: a hung browser or server must not hang CI.
exec timeout --kill-after=15s "${E2E_TIMEOUT:-600}s" \
  node --test --test-concurrency=1 --test-reporter=tap e2e/journey.test.mjs e2e/polish.test.mjs e2e/ship.test.mjs e2e/leads.test.mjs
