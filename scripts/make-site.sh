#!/bin/sh
# Builds the demo site that `zcio serve` serves without a DIR: the project's
# documentation as HTML in OUT (default build/site). The man pages are
# rendered with groff -Thtml when the groff package is installed, else as
# text in <pre> (groff-base, always there); Markdown files are shown as
# escaped text in <pre>, so nothing beyond Debian's base tools is needed.
# Usage: scripts/make-site.sh [OUT]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build/site}
mkdir -p "$out/man" "$out/docs"

esc() {
	sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g'
}

# page TITLE < body-html > file
page() {
	printf '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
	printf '<title>%s</title><link rel="stylesheet" href="/style.css">' "$1"
	printf '</head><body><p><a href="/">zcio</a></p>\n'
	cat
	printf '</body></html>\n'
}

text_page() {
	{ printf '<h1>%s</h1>\n<pre>' "$1"; esc; printf '</pre>\n'; } |
		page "$1"
}

if groff -man -Thtml </dev/null >/dev/null 2>&1; then
	man_html() { groff -man -Thtml "$1" 2>/dev/null; }
else
	man_html() {
		groff -man -Tutf8 -P-cbou "$1" 2>/dev/null | text_page "$2"
	}
fi

men=""
for m in "$top"/docs/man/*.[0-9]; do
	[ -e "$m" ] || continue
	n=$(basename "$m")
	man_html "$m" "$n" > "$out/man/$n.html"
	men="$men<li><a href=\"man/$n.html\">$n</a></li>"
done

docs=""
for d in "$top"/README.md "$top"/docs/*.md; do
	[ -e "$d" ] || continue
	n=$(basename "$d" .md)
	text_page "$n" < "$d" > "$out/docs/$n.html"
	docs="$docs<li><a href=\"docs/$n.html\">$n</a></li>"
done

cat > "$out/style.css" <<'EOF'
body { font-family: sans-serif; max-width: 52em; margin: 2em auto;
       padding: 0 1em; line-height: 1.45; }
pre { white-space: pre-wrap; }
EOF

page "zcio" > "$out/index.html" <<EOF
<h1>zcio serve</h1>
<p>This site is served by <code>zcio serve</code>: every file here left
the page cache with <code>sendfile(2)</code>, or, for the small ones, from
an immutable copy in memory, in one <code>sendmsg(2)</code> with its
header. The server's own metrics are at <code>--metrics</code>.</p>
<h2>Documentation</h2><ul>$docs</ul>
<h2>Manual pages</h2><ul>$men</ul>
<h2>Try</h2>
<pre>curl -v http://127.0.0.1:8080/
curl -r 0-99 http://127.0.0.1:8080/docs/README.html
curl -H 'If-None-Match: *' -v http://127.0.0.1:8080/</pre>
EOF
echo "$out"
