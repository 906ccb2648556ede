#!/bin/sh
# The measurement behind ZC_TUNE_SMALL_COPY (docs/benchmarks.md): read/write
# against the zero-copy paths at small sizes, file -> loopback TCP and
# file -> file, interleaved, pinned. Prints the table with its crossover
# section; extra arguments go to zcio bench (--json=FILE, --runs 9, ...).
# Usage: bench/small-copy.sh [ZCIO] [ARGS...]   (ZCIO default build/zcio)
set -eu
zcio=build/zcio
if [ $# -gt 0 ] && [ -x "$1" ]; then
	zcio=$1
	shift
fi
exec "$zcio" bench --pin --runs 5 --time 0.3 -S tcp,file \
	-p readwrite,sendfile,splice,copy_file_range \
	--sizes 512,1k,2k,4k,8k,16k,32k,64k,128k,256k \
	--latency-sizes none "$@"
