#!/usr/bin/env bash
# Minifies a built script of the widget in place with terser (compressed and mangled; a
# leading /*! banner kept unless the arguments say `--comments false`): the loader (embed.js), fetched with every customer page, and
# the app's JS glue (pass --module: an ES module, whose exports keep their names). Both
# count against the widget's weight (issue 21); the sources stay readable.
set -euo pipefail
file="$(realpath "$1")"
shift
cd "$(dirname "$0")/.."
if [ ! -x loader/node_modules/.bin/terser ]; then
  (cd loader && npm ci --no-audit --no-fund --silent)
fi
loader/node_modules/.bin/terser "$file" --compress passes=2 --mangle --comments '/^!/' "$@" --output "$file.min"
mv "$file.min" "$file"
