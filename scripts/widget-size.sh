#!/usr/bin/env bash
# Builds the shipped widget (trunk --release, cargo profile "widget") and reports what a
# visitor downloads, gzipped (-9): the loader alone, and the app (wasm + JS + CSS), which is
# fetched only when the browser is idle or the visitor opens the chat.
# Writes the figures at the top of docs/widget-size.md (for the README to quote), above its
# marker line; what follows the marker (the profile and its history) is kept.
set -euo pipefail
cd "$(dirname "$0")/.."

# The targets (issue 21): the app ≤ 100 KB, the loader ≤ 3 KB. Until they are met, CI holds
# the line at the ceilings (what was last measured, rounded up): the script fails when either
# part grows past its ceiling, and says how far each is from its target.
LOADER_BUDGET=3072
APP_BUDGET=102400
LOADER_CEILING=${LOADER_CEILING:-3072}
APP_CEILING=${APP_CEILING:-222310}

trunk build --release >/dev/null
# As it ships: minified, the app's files under their hashed names (which the loader
# carries), as scripts/build.sh leaves them.
bash scripts/pack-assets.sh dist
gz() { gzip -9c "$@" | wc -c; }
raw() { cat "$@" | wc -c; }
wasm=$(ls dist/natter-widget_bg.*.wasm)
js=$(ls dist/natter-widget.*.js)
css=$(ls dist/widget.*.css)
files=$(ls dist/files.*.js)
loader=(dist/embed.js)
app=("$wasm" "$js" "$css")
wasm_gz=$(gz "$wasm")
js_gz=$(gz "$js")
css_gz=$(gz "$css")
loader_gz=$(gz "${loader[@]}")
app_gz=$((wasm_gz + js_gz + css_gz))
kb() { awk -v b="$1" 'BEGIN { printf "%.1f KB", b / 1024 }'; }

mkdir -p docs
doc=docs/widget-size.md
marker='<!-- the table above is written by the size script; what follows is kept -->'
notes=$(sed -n "/^$marker\$/,\$p" "$doc" 2>/dev/null || true)
{
  echo "# Widget size"
  echo
  echo "Measured by \`scripts/widget-size.sh\` ($(date -u +%Y-%m-%d)), gzip -9, each file compressed alone."
  echo
  echo "| Part | Raw | Gzipped | Budget |"
  echo "|---|---:|---:|---:|"
  echo "| Loader (\`embed.js\`, fetched with the page) | $(kb "$(raw "${loader[@]}")") | $(kb "$loader_gz") | $(kb $LOADER_BUDGET) |"
  echo "| App: wasm | $(kb "$(raw "$wasm")") | $(kb "$wasm_gz") | |"
  echo "| App: JS glue | $(kb "$(raw "$js")") | $(kb "$js_gz") | |"
  echo "| App: CSS | $(kb "$(raw "$css")") | $(kb "$css_gz") | |"
  echo "| App total (fetched when idle or on first open) | $(kb "$(raw "${app[@]}")") | $(kb "$app_gz") | $(kb $APP_BUDGET) |"
  echo "| Files module (\`files.js\`, fetched when a file is first picked or shown) | $(kb "$(raw "$files")") | $(kb "$(gz "$files")") | |"
  echo
  if [ -n "$notes" ]; then echo "$notes"; else echo "$marker"; fi
} > "$doc.new"
mv "$doc.new" "$doc"
sed -n "1,/^$marker\$/p" "$doc"

status=0
check() { # part, size, target, ceiling
  if [ "$2" -gt "$4" ]; then
    echo "the $1 grew past its ceiling: $(kb "$2") > $(kb "$4") (target $(kb "$3"))" >&2; status=1
  elif [ "$2" -gt "$3" ]; then
    echo "the $1 is over its target: $(kb "$2") > $(kb "$3") (ceiling $(kb "$4"))" >&2
  fi
}
check loader "$loader_gz" "$LOADER_BUDGET" "$LOADER_CEILING"
check app "$app_gz" "$APP_BUDGET" "$APP_CEILING"
exit $status
