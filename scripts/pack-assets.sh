#!/usr/bin/env bash
# Prepares a built front-end folder (dist/ or inbox/dist/) for serving:
# - the widget's app files get content-hashed names (cached for a year by browsers), and
#   the loader, whose URL is stable, is rewritten to import those names; both scripts
#   are minified (scripts/minify-js.sh);
# - every text and wasm file gets its brotli (.br) and gzip (.gz) variant beside it,
#   which the server sends to browsers that accept them.
set -euo pipefail
dir="$1"
cd "$(dirname "$0")/.."

if [ -f "$dir/embed.js" ]; then
  bash scripts/minify-js.sh "$dir/natter-widget.js" --module
  bash scripts/minify-js.sh "$dir/files.js" --module
  for file in natter-widget.js natter-widget_bg.wasm widget.css files.js; do
    [ -f "$dir/$file" ] || continue
    hash=$(sha256sum "$dir/$file" | cut -c1-16)
    hashed="${file%.*}.$hash.${file##*.}"
    mv "$dir/$file" "$dir/$hashed"
    sed -i "s#/widget/$file\\([\"']\\)#/widget/$hashed\\1#g" "$dir/embed.js" "$dir/index.html"
    grep -q "/widget/$hashed" "$dir/embed.js" || { echo "pack-assets: embed.js does not import $file" >&2; exit 1; }
  done
  # Without its banner: it stays in loader/embed.js, and every byte of the loader is
  # fetched with every page of every customer's site.
  bash scripts/minify-js.sh "$dir/embed.js" --comments false
fi

find "$dir" -type f \( -name '*.br' -o -name '*.gz' \) -delete
find "$dir" -type f \( -name '*.js' -o -name '*.wasm' -o -name '*.css' -o -name '*.html' -o -name '*.svg' -o -name '*.json' \) -print0 |
  while IFS= read -r -d '' f; do
    gzip -9 -n -k -f "$f"
    brotli -q 11 -k -f "$f"
  done
