#!/bin/sh
# `make run`: builds the demo site next to the binary (build/site, what
# `zcio serve` serves without a DIR) and runs the server on it in the
# foreground, on 127.0.0.1:8080 unless ZCIO_LISTEN says otherwise, with the
# access log on standard output, until Ctrl-C.
# Usage: scripts/run-serve.sh [ZCIO] [zcio serve options...]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
zcio=${1:-$top/build/zcio}
[ $# -gt 0 ] && shift
listen=${ZCIO_LISTEN:-127.0.0.1:8080}
site=$(dirname "$zcio")/site
"$top/scripts/make-site.sh" "$site" >/dev/null
echo "zcio serve: http://$listen/ (the demo site in $site; Ctrl-C stops)"
exec "$zcio" serve --listen "$listen" --access-log - "$@"
