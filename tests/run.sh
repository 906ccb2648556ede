#!/bin/sh
# Runs every test program in DIR, each under a time limit, and prints one
# line per program and a closing "N passed, N failed, N skipped" that counts
# the cmocka tests inside them. A program that crashes or times out before
# cmocka's summary counts as one failure. Usage: tests/run.sh DIR [NAME...]
# Environment: ZC_TEST_TIMEOUT (seconds per program, default 600).
set -u
dir=$1
shift
limit=${ZC_TEST_TIMEOUT:-600}
pass=0 fail=0 skip=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

if [ $# -gt 0 ]; then
	progs=""
	for n in "$@"; do progs="$progs $dir/$n"; done
else
	progs=$(find "$dir" -maxdepth 1 -type f -perm -u+x | sort)
fi

count() {
	# cmocka: "[  PASSED  ] 3 test(s)." etc.
	sed -n "s/^\[  $1 *\] \([0-9][0-9]*\) test(s)[.,].*/\1/p" "$log" | head -n1
}

for t in $progs; do
	name=$(basename "$t")
	start=$(date +%s)
	timeout -k 10 "$limit" "$t" >"$log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	p=$(count PASSED); f=$(count FAILED); s=$(count SKIPPED)
	p=${p:-0}; f=${f:-0}; s=${s:-0}
	if [ -z "$(count PASSED)$(count FAILED)" ] || { [ $rc -ne 0 ] && [ "$f" = 0 ]; }; then
		f=$((f + 1))
		echo "FAIL $name (exit $rc, ${secs}s)"
		tail -n 30 "$log" | sed 's/^/    /'
	elif [ "$f" != 0 ]; then
		echo "FAIL $name: $p passed, $f failed, $s skipped (${secs}s)"
		grep -E '^\[  (FAILED|ERROR) |[Ff]ailure|^.*: error:' "$log" | head -n 40 | sed 's/^/    /'
	else
		echo "ok   $name: $p passed, $s skipped (${secs}s)"
		grep '^\[  SKIPPED \] [a-z]' "$log" | sed 's/^/    /'
	fi
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
