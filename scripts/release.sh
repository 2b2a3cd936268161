#!/usr/bin/env bash
# Builds the release artifact: one self-contained binary that carries the widget and the
# staff inbox, named natter-<version>-<target>, with its SHA-256 beside it, in
# target/release-artifacts/. Also a static musl build (natter-<version>-x86_64-unknown-linux-musl)
# when the target and musl-gcc can be installed (rustup, Debian's musl-tools).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
version=$(awk -F'"' '/^\[workspace.package\]/{p=1} p && /^version/{print $2; exit}' Cargo.toml)
out="$CARGO_TARGET_DIR/release-artifacts"
bash scripts/build.sh
mkdir -p "$out"

ship() { # built-binary target-triple
  local name="natter-$version-$2"
  cp "$1" "$out/$name"
  strip "$out/$name" 2>/dev/null || true
  (cd "$out" && sha256sum "$name" > "$name.sha256")
  echo "[release] $out/$name ($(du -h "$out/$name" | cut -f1)), sha256 $(cut -d' ' -f1 "$out/$name.sha256")"
}
ship "$CARGO_TARGET_DIR/release/natter" x86_64-unknown-linux-gnu

musl=x86_64-unknown-linux-musl
# Best effort: a static build needs the target and musl-gcc.
rustup target list --installed 2>/dev/null | grep -qx "$musl" || rustup target add "$musl" >/dev/null 2>&1 || true
if ! command -v musl-gcc >/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq musl-tools >/dev/null 2>&1 || true
fi
if rustup target list --installed 2>/dev/null | grep -qx "$musl" && command -v musl-gcc >/dev/null; then
  cargo build --release -p natter-server --bin natter --target "$musl"
  ship "$CARGO_TARGET_DIR/$musl/release/natter" "$musl"
else
  echo "[release] musl build skipped: needs 'rustup target add $musl' and musl-gcc (Debian: musl-tools)"
fi

# The artifact must stand alone: run it from an empty directory and fetch what it serves.
check=$(mktemp -d); trap 'kill $pid 2>/dev/null || true; rm -rf "$check"' EXIT
cp "$out/natter-$version-x86_64-unknown-linux-gnu" "$check/natter"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$check" && exec ./natter serve --addr "127.0.0.1:$port" --database-url "sqlite://$check/natter.db" >"$check/log" 2>&1) &
pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
for path in /embed.js /inbox/; do
  curl -sf -o /dev/null "http://127.0.0.1:$port$path" || { echo "[release] the artifact does not serve $path" >&2; cat "$check/log" >&2; exit 1; }
done
grep -q '/setup?token=' "$check/log" || { echo "[release] a fresh start printed no setup URL" >&2; exit 1; }
echo "[release] checked: serves /embed.js and /inbox/ from an empty directory, prints its setup URL"
