#!/usr/bin/env bash
# One command for the published figures (see BENCHMARKS.md): builds the release server
# and the load generator, runs the standard scenarios, each on a fresh server, and writes
# bench/results/results.md (the table), results.json, latency.svg and rss.svg. Then the
# widget's weight, when scripts/widget-size.sh exists.
#
#   scripts/bench.sh                      # everything (about 10 minutes)
#   scripts/bench.sh --only idle,ingest-normal
#   scripts/bench.sh --quick              # a short try-out; figures not for publishing
#   scripts/bench.sh --server-env MALLOC_ARENA_MAX=2
#
# Run it on a quiet machine: server and generator share the cores, so anything else
# running (a compile) shows in the latency and throughput. The load average before
# each scenario is recorded beside its figures.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
OUT="${BENCH_OUT:-bench/results}"

limit=$(ulimit -n)
if [ "$limit" != unlimited ] && [ "$limit" -lt 20000 ]; then
  echo "[bench] open-file limit is $limit: the idle scenario needs ~20,000 (ulimit -n 20000)" >&2
fi
echo "[bench] load average before the run: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

cargo build --release -q -p natter-server -p natter-bench
mkdir -p "$OUT"
"$CARGO_TARGET_DIR/release/natter-bench" suite \
  --natter "$CARGO_TARGET_DIR/release/natter" --out "$OUT" "$@"

# The widget's weight is measured by the widget's own script; include its table.
{
  echo
  echo "## Widget weight"
  echo
  if [ -f scripts/widget-size.sh ]; then
    if ! bash scripts/widget-size.sh >/dev/null 2>"$OUT/widget-size.err"; then
      status="**past its ceiling, or failed** (see widget-size.err)"
    elif grep -q "over its target" "$OUT/widget-size.err"; then
      status="within its ceiling, **over its target**"
    else
      status="within budget"
    fi
    sed -n '1,/^<!-- the table above/p' docs/widget-size.md | sed -n '/^|/p'
    echo
    echo "From \`scripts/widget-size.sh\` ($status)."
  else
    echo "| Part | Gzipped | Budget |"
    echo "|---|---:|---:|"
    echo "| **NOT MEASURED**: scripts/widget-size.sh is missing | – | loader ≤ 3 KB, app ≤ 100 KB |"
  fi
} >> "$OUT/results.md"
echo "[bench] wrote $OUT/results.md, results.json, latency.svg, rss.svg"
