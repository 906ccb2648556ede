#!/usr/bin/env bash
# scripts/demo.sh - what `make run` shows: the transfer paths this kernel
# supports, then one big file sent into a TCP socket (sendfile, then the
# same with read/write for contrast) and copied to another file
# (copy_file_range), each with the ledger of what it cost.
#
#   scripts/demo.sh PATH/TO/zcio
#
# Environment: ZCIO_DEMO_MIB (file size, default 256), TMPDIR (default
# /var/tmp: on disk, where /tmp may be tmpfs). Every step is under a time
# limit, and the temporary directory and the background sink are removed on
# any exit.
set -euo pipefail

zcio=${1:?usage: scripts/demo.sh PATH/TO/zcio}
mib=${ZCIO_DEMO_MIB:-256}
limit=60	# seconds per step; a step takes about one on a laptop
tmp=$(mktemp -d "${TMPDIR:-/var/tmp}/zcio-demo.XXXXXX")
sink_pid=

cleanup() {
	if [ -n "$sink_pid" ]; then
		kill "$sink_pid" 2>/dev/null || true
		wait "$sink_pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
# A signal ends the script through the EXIT trap.
trap 'exit 130' INT TERM HUP

say() {
	printf '\n== %s\n' "$*"
}

# Waits for the sink to write its port; fails if it died or took too long.
wait_port() {
	local i
	for i in $(seq 100); do
		[ -s "$tmp/port" ] && return 0
		kill -0 "$sink_pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "demo: the sink did not start" >&2
	return 1
}

say "Transfer paths on this kernel ($(uname -r))"
"$zcio" paths

say "Making a ${mib} MiB file of random bytes in $tmp"
head -c "$((mib << 20))" /dev/urandom > "$tmp/big"

say "A sink on 127.0.0.1 drains two connections to /dev/null"
timeout "$((3 * limit))" "$zcio" sink --listen 127.0.0.1:0 \
	--port-file "$tmp/port" --count 2 > "$tmp/sink.out" &
sink_pid=$!
wait_port
port=$(cat "$tmp/port")

say "file -> TCP socket: zcio cat BIG > /dev/tcp/127.0.0.1/$port"
echo "   standard output is a socket, so the best path is sendfile:"
echo "   the page cache goes to the socket, 0 bytes through user space."
timeout "$limit" "$zcio" cat -v "$tmp/big" > "/dev/tcp/127.0.0.1/$port"

say "The same, forced to read/write (--method readwrite)"
echo "   every byte is copied into a user buffer and out again."
timeout "$limit" "$zcio" cat -v --method readwrite "$tmp/big" \
	> "/dev/tcp/127.0.0.1/$port"

wait "$sink_pid"
sink_pid=
say "What the sink received (socket -> /dev/null: splice)"
cat "$tmp/sink.out"
echo "   Over loopback the rates are close; what differs is the CPU's work:"
echo "   the last column, the bytes it copied through user space."

say "file -> file: zcio copy -v BIG COPY"
echo "   copy_file_range: the kernel copies (or shares extents) itself."
timeout "$limit" "$zcio" copy -v "$tmp/big" "$tmp/copy"
cmp "$tmp/big" "$tmp/copy"
echo "   cmp: the copy is identical."
