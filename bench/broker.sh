#!/bin/sh
# `zcio broker` against librdkafka's in-memory mock cluster, and against
# itself forced to copy on fetch (--fetch-copy), in one run, with the same
# client: bench/kafka-perf.c (rdkafka_performance's produce and consume
# loops on librdkafka's public API; Debian ships rdkafka_performance only
# as an example that needs librdkafka's private headers). For 100 B and
# 1 KiB messages: produce and consume MB/s and messages/s (median of REPS
# runs), and the broker process's CPU seconds per GB of payload fetched
# (its threads' time on CPU, /proc/PID/task/*/schedstat, around each
# consume).
#
# The mock keeps only the last 5 MiB of each partition, so the topics have
# PARTS partitions and the counts stay under that (message i goes to
# partition i % PARTS). zcio runs with --flush interval 1000 (the issue's
# produce target); --fetch-copy serves the same data directory afterwards.
# The consumer's local queue limits are raised (CONSUME_CONF) so that
# librdkafka never pauses fetching while the application drains it: its
# default (queued.min.messages 100000 over all partitions of one queue)
# stops fetching for up to a second, whichever the broker, and the run
# would measure that pause.
#
# Usage: bench/broker.sh [ZCIO] [OUTDIR]  (defaults build/zcio,
#        $TMPDIR/zcio-bench-broker). Environment: REPS (5), PARTS (64),
#        N100 (2000000), N1K (256000). Takes about 1.5 minutes.
set -eu
zcio=$(readlink -f "${1:-build/zcio}")
out=${2:-${TMPDIR:-/tmp}/zcio-bench-broker}
reps=${REPS:-5}
parts=${PARTS:-64}
n100=${N100:-2000000}
n1k=${N1K:-256000}
consume_conf="queued.min.messages=10000000 queued.max.messages.kbytes=2097151"
here=$(dirname "$0")
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/var/tmp}/zcio-bench-broker.XXXXXX")
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

cc=${CC:-cc}
$cc -O2 -o "$out/kafka-perf" "$here/kafka-perf.c" -lrdkafka
$cc -O2 -o "$out/kafka-mock" "$here/kafka-mock.c" -lrdkafka
perf=$out/kafka-perf
res=$out/results.txt
: > "$res"

# CPU seconds of process $1 so far, every thread: the nanoseconds on CPU
# of /proc/PID/task/*/schedstat (/proc/PID/stat counts 10 ms ticks, too
# coarse for a consume of a second).
cpu() {
	cat /proc/"$1"/task/*/schedstat 2>/dev/null |
		awk '{ ns += $1 } END { printf "%.4f\n", ns / 1e9 }'
}

# Waits for a port file and prints its first line.
port_of() {
	i=0
	while [ ! -s "$1" ] && [ $i -lt 500 ]; do sleep 0.02; i=$((i + 1)); done
	head -n1 "$1"
}

# One produce run: TARGET BOOT SIZE COUNT REP, to a fresh topic, after
# sync(1) so that the write-back the runs before it left is not charged
# to it.
produce1() {
	sync
	line=$("$perf" produce "$2" "t$3-r$5" "$parts" "$4" "$3")
	echo "$1 $3 $line" >> "$res"
	echo "  $1 ${3}B $line"
}

# One consume run of topic r1: TARGET BOOT SIZE COUNT PID.
consume1() {
	c0=$(cpu "$5")
	# shellcheck disable=SC2086
	line=$("$perf" consume "$2" "t$3-r1" "$parts" "$4" $consume_conf)
	c1=$(cpu "$5")
	c=$(echo "$c0 $c1" | awk '{ printf "%.4f", $2 - $1 }')
	echo "$1 $3 $line cpu=$c" >> "$res"
	echo "  $1 ${3}B $line cpu=${c}s"
}

# A zcio broker in the background: NAME DATA ARGS...; sets $bpid, $boot.
broker() {
	name=$1
	data=$2
	shift 2
	rm -f "$work/$name.port"
	"$zcio" broker --listen 127.0.0.1:0 --port-file "$work/$name.port" \
		--data "$data" --partitions "$parts" --quiet "$@" \
		2>> "$work/zcio.log" &
	bpid=$!
	pids="$pids $bpid"
	boot=$(port_of "$work/$name.port")
}

topics=""
for s in 100 1024; do
	r=1
	while [ "$r" -le "$reps" ]; do
		topics="$topics t$s-r$r:$parts"
		r=$((r + 1))
	done
done

# The runs of the targets alternate, so that what else the machine does
# meanwhile falls on all of them alike.
echo "mock: librdkafka $(pkg-config --modversion rdkafka 2>/dev/null) mock cluster"
echo "zcio: $("$zcio" --version)"
# shellcheck disable=SC2086
"$out/kafka-mock" $topics > "$work/mock.port" &
mpid=$!
pids="$pids $mpid"
mboot=$(port_of "$work/mock.port")
broker zcio "$work/data" --flush interval 1000
zpid=$bpid
zboot=$boot
# Without syncs, on a directory of its own: what the broker takes when
# the disk's write-back is not the limit.
broker never "$work/never" --flush never
npid=$bpid
nboot=$boot
for s in 100 1024; do
	n=$n100
	[ "$s" = 1024 ] && n=$n1k
	r=1
	while [ "$r" -le "$reps" ]; do
		produce1 mock "$mboot" "$s" "$n" "$r"
		produce1 zcio "$zboot" "$s" "$n" "$r"
		produce1 never "$nboot" "$s" "$n" "$r"
		r=$((r + 1))
	done
done
kill "$npid"
wait "$npid" || true

# --fetch-copy serves a copy of the same log (the data directory is
# locked by the broker that owns it), next to the sendfile broker.
kill "$zpid"
wait "$zpid" || true
cp -a "$work/data" "$work/data-copy"
# The copy's dirty pages are written back now, not during the consume
# runs, whose CPU (writeback on the brokers' threads included) is measured.
sync
broker zcio "$work/data"
zpid=$bpid
zboot=$boot
broker copy "$work/data-copy" --fetch-copy
cpid=$bpid
cboot=$boot
for s in 100 1024; do
	n=$n100
	[ "$s" = 1024 ] && n=$n1k
	r=1
	while [ "$r" -le "$reps" ]; do
		consume1 mock "$mboot" "$s" "$n" "$mpid"
		consume1 zcio "$zboot" "$s" "$n" "$zpid"
		consume1 copy "$cboot" "$s" "$n" "$cpid"
		r=$((r + 1))
	done
done
kill "$mpid" "$zpid" "$cpid"
wait "$zpid" "$cpid" || true

# The table: medians of the runs, and the ratios the issue sets targets on.
awk -v reps="$reps" '
function med(key,   n, i, j, t, a) {
	n = cnt[key]
	for (i = 1; i <= n; i++) a[i] = val[key, i]
	for (i = 1; i <= n; i++)
		for (j = i + 1; j <= n; j++)
			if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function put(key, v) { val[key, ++cnt[key]] = v }
{
	tgt = $1; size = $2; op = $3
	for (i = 4; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	put(tgt SUBSEP size SUBSEP op SUBSEP "msgs", f["msgs_s"])
	put(tgt SUBSEP size SUBSEP op SUBSEP "mb", f["MB_s"])
	if (op == "consume")
		put(tgt SUBSEP size SUBSEP op SUBSEP "cpu",
		    f["cpu"] / (f["bytes"] / 1e9))
}
END {
	printf "\n| broker | size | produce msg/s | produce MB/s | consume msg/s | consume MB/s | broker CPU s/GB fetched |\n"
	printf "|---|---|---|---|---|---|---|\n"
	n = split("mock zcio copy never", T, " ")
	for (s = 1; s <= 2; s++) {
		size = s == 1 ? 100 : 1024
		for (t = 1; t <= n; t++) {
			k = T[t] SUBSEP size SUBSEP
			pm = "(same log)"; pb = "-"
			if (cnt[k "produce" SUBSEP "msgs"]) {
				pm = sprintf("%.0f", med(k "produce" SUBSEP "msgs"))
				pb = sprintf("%.1f", med(k "produce" SUBSEP "mb"))
			}
			name = "librdkafka mock"
			if (T[t] == "zcio") name = "zcio (sendfile), flush interval 1000"
			if (T[t] == "copy") name = "zcio --fetch-copy"
			if (T[t] == "never") name = "zcio, flush never"
			cm = "-"; cb = "-"; cc = "-"
			if (cnt[k "consume" SUBSEP "msgs"]) {
				cm = sprintf("%.0f", med(k "consume" SUBSEP "msgs"))
				cb = sprintf("%.1f", med(k "consume" SUBSEP "mb"))
				cc = sprintf("%.2f", med(k "consume" SUBSEP "cpu"))
			}
			printf "| %s | %d B | %s | %s | %s | %s | %s |\n",
			       name, size, pm, pb, cm, cb, cc
		}
	}
	printf "\nRatios (medians of %d runs):\n\n", reps
	for (s = 1; s <= 2; s++) {
		size = s == 1 ? 100 : 1024
		z = "zcio" SUBSEP size SUBSEP; m = "mock" SUBSEP size SUBSEP
		c = "copy" SUBSEP size SUBSEP
		v = "never" SUBSEP size SUBSEP
		printf "- %d B: consume zcio/mock %.2f (target >= 0.90), " \
		       "produce zcio/mock %.2f (target >= 0.80; flush " \
		       "never %.2f), fetch CPU sendfile/copy %.2f " \
		       "(target <= 0.50), consume sendfile/copy %.2f\n", size,
		       med(z "consume" SUBSEP "mb") / med(m "consume" SUBSEP "mb"),
		       med(z "produce" SUBSEP "mb") / med(m "produce" SUBSEP "mb"),
		       med(v "produce" SUBSEP "mb") / med(m "produce" SUBSEP "mb"),
		       med(z "consume" SUBSEP "cpu") / med(c "consume" SUBSEP "cpu"),
		       med(z "consume" SUBSEP "mb") / med(c "consume" SUBSEP "mb")
	}
}' "$res" | tee "$out/table.md"
echo "raw runs: $res"
