#!/usr/bin/env bash
# One command: install what is missing, then run every check and test: formatting,
# lints, the server's API, WebSocket and process tests on SQLite and on Postgres
# (with Redis for the multi-instance tests), the widget's and the inbox's unit and
# headless-Chromium tests, and the browser acceptance suite on release builds.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
export CHROMEDRIVER=/usr/bin/chromedriver
step() { printf '\n\033[1;34m== %s\033[0m\n' "$*"; }

# The multi-instance and Postgres tests need the machine's Postgres and Redis:
# start them if they are installed but stopped.
if ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null && command -v redis-server >/dev/null; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null || true
fi
if ! (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null && command -v pg_ctlcluster >/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
fi

step "format"
cargo fmt --all -- --check

step "lints (host)"
cargo clippy --workspace --all-targets -- -D warnings
# The server's library as it ships: without the tests' `test-support` feature, whose
# `store` is public, so code only tests use shows up here as dead.
cargo clippy -p natter-server --lib --bins -- -D warnings
# The protocol as the widget compiles it: without the staff-only frames.
cargo clippy -p natter-protocol --all-targets -- -D warnings

step "lints (wasm)"
cargo clippy --target wasm32-unknown-unknown -p natter-widget -p natter-inbox --all-targets -- -D warnings

# The WAL test measures the log's size while it writes: it runs on its own, after
# the rest, so that the other tests' load on the two cores does not decide it.
wal_test=wal::the_wal_stays_bounded_under_load_and_empties_when_idle

step "server tests on SQLite, protocol and state-logic unit tests"
cargo test --workspace -- --skip "$wal_test"

step "the SQLite WAL stays bounded (alone)"
cargo test -p natter-server --test api -- --exact "$wal_test"

step "server tests on Postgres"
if (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null || [ -n "${CI:-}" ]; then
  NATTER_TEST_DATABASE=postgres cargo test -p natter-server --test api
else
  echo "SKIPPED: no Postgres on 127.0.0.1:5432 (set NATTER_TEST_POSTGRES_URL); CI always runs this pass"
fi

step "server API tests on databases of earlier releases (upgrades)"
for fixture in server/tests/fixtures/*.db; do
  echo "-- $fixture"
  NATTER_TEST_SQLITE_FIXTURE="$PWD/$fixture" cargo test -p natter-server --test api -- --skip "$wal_test"
done

step "API conformance: Schemathesis against /api/openapi.json"
bash scripts/schemathesis.sh

step "fuzzing (short): frame decoding, input validation and the link finder"
bash scripts/fuzz.sh

step "the files module's unit tests (Node)"
node --test client/js/

step "widget browser tests"
bash scripts/test-widget.sh

step "inbox browser tests"
bash scripts/test-inbox.sh

step "release build: server, widget, inbox"
bash scripts/build.sh

step "the widget's weight: no part grows past its ceiling (scripts/widget-size.sh)"
bash scripts/widget-size.sh

step "browser acceptance suite (real Chromium, release builds)"
# Debug logs, so the next step reads everything the server said during the journey.
NATTER_LOG=debug bash scripts/test-e2e.sh

step "no token in the server's logs"
if grep -Eo 'n[vs]_[A-Za-z0-9_-]{40,}' target/e2e/server.log; then
  echo "a token-shaped string reached target/e2e/server.log" >&2
  exit 1
fi
echo "target/e2e/server.log: $(wc -l < target/e2e/server.log) lines, no token"

step "benchmark smoke run (fails on errors or lost messages, never on speed)"
bash scripts/bench-smoke.sh

echo
echo "All tests passed."
