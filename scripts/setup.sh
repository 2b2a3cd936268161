#!/usr/bin/env bash
# Installs everything Natter needs, idempotently: each step checks before it installs,
# so a second run costs nothing. Used by `scripts/run.sh`, `scripts/test.sh` and CI.
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs npm)
command -v brotli >/dev/null 2>&1 || need_apt+=(brotli)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "installing Debian packages: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! trunk --version 2>/dev/null | grep -q "$TRUNK_VERSION"; then
  log "installing trunk $TRUNK_VERSION (a few minutes, once)"
  cargo install --locked trunk --version "$TRUNK_VERSION"
fi

# wasm-bindgen-cli must match the wasm-bindgen crate exactly; it is not installed
# with --locked because one of its locked dependencies is missing from the registry.
WB_VERSION=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/"/,"",$3); print $3; exit}' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q "$WB_VERSION"; then
  log "installing wasm-bindgen-cli $WB_VERSION"
  cargo install wasm-bindgen-cli --version "$WB_VERSION"
fi

if [ ! -d e2e/node_modules ] && [ -f e2e/package.json ]; then
  log "installing browser-test packages (npm ci)"
  (cd e2e && npm ci --no-audit --no-fund --silent)
fi
if [ ! -x loader/node_modules/.bin/terser ]; then
  log "installing the widget scripts' minifier (npm ci in loader/)"
  (cd loader && npm ci --no-audit --no-fund --silent)
fi
# A real SMTP server for the email tests (aiosmtpd), in its own virtualenv.
if ! target/smtpd-venv/bin/python -c 'import aiosmtpd' 2>/dev/null; then
  log "installing aiosmtpd (the email tests' SMTP server)"
  python3 -m venv target/smtpd-venv
  target/smtpd-venv/bin/pip install --quiet --disable-pip-version-check "aiosmtpd==1.4.6"
fi
# A real S3-compatible server for the attachment tests (moto's server mode).
if [ ! -x target/moto-venv/bin/moto_server ]; then
  log "installing moto (the attachment tests' S3 server)"
  python3 -m venv target/moto-venv
  target/moto-venv/bin/pip install --quiet --disable-pip-version-check "moto[s3,server]==5.2.6"
fi
log "all tools present"
