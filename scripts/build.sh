#!/usr/bin/env bash
# Builds the widget (into dist/) and the staff inbox (into inbox/dist/), names the
# widget app's files by their content and compresses every file (brotli and gzip),
# then the release server, which carries both inside the binary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
echo "[build] widget"
trunk build --release --config Trunk.toml >/dev/null
bash scripts/pack-assets.sh dist
echo "[build] staff inbox"
(cd inbox && trunk build --release >/dev/null)
bash scripts/pack-assets.sh inbox/dist
echo "[build] server"
cargo build --release -p natter-server --bin natter
