#!/usr/bin/env bash
# One command: install what is missing, build everything, and run Natter with the
# SQLite default and demo data. Prints the URLs to open. Extra flags go to `natter serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
mkdir -p data
exec "${CARGO_TARGET_DIR:-$PWD/target}/release/natter" serve --demo --database-url "sqlite://data/natter.db" "$@"
