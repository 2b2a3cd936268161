#!/usr/bin/env bash
# Fuzzes protocol frame decoding, input validation and the link finder with cargo-fuzz (libFuzzer).
# Short by default (CI); for a long run: FUZZ_SECONDS=3600 bash scripts/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${FUZZ_SECONDS:-20}"
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
# cargo-fuzz needs nightly flags (sanitizers); the stable toolchain accepts them so.
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$PWD/target}"
for target in frames validate; do
  echo "== fuzz $target for ${seconds}s"
  cargo fuzz run "$target" -- -max_total_time="$seconds" -rss_limit_mb=2048
done
