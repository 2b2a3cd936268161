#!/usr/bin/env bash
# Builds the release server, the widget (into dist/) and the staff inbox (into inbox/dist/).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
echo "[build] widget"
trunk build --release --config Trunk.toml >/dev/null
echo "[build] staff inbox"
(cd inbox && trunk build --release >/dev/null)
echo "[build] server"
cargo build --release -p natter-server --bin natter
