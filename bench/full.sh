#!/bin/sh
# The full matrix of docs/benchmarks.md: every scenario, path and size,
# three interleaved runs, sender and receiver pinned to CPUs 0 and 1, with
# JSON, CSV and the chart next to the table. Takes about 10 minutes.
# Usage: bench/full.sh [ZCIO] [OUTDIR]  (defaults build/zcio, /tmp/zcio-bench)
set -eu
zcio=${1:-build/zcio}
out=${2:-${TMPDIR:-/tmp}/zcio-bench}
mkdir -p "$out"
"$zcio" bench --pin --json="$out/bench.json" --csv="$out/bench.csv" \
	--svg "$out/bench.svg" | tee "$out/bench.txt"
if command -v rsvg-convert >/dev/null 2>&1; then
	rsvg-convert "$out/bench.svg" -o "$out/bench.png"
fi
