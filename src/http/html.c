/* SPDX-License-Identifier: MIT */
/*
 * src/http/html.c - HTML escaping, directory redirects and the
 * --autoindex listing page (resp.h).
 */
#include <errno.h>

#include "date.h"
#include "out.h"
#include "path.h"
#include "resp.h"

/* The entity for @c, or NULL when it stands for itself. */
static const char *entity(char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	default:
		return NULL;
	}
}

static void out_escaped(struct http_out *w, const char *in, size_t len)
{
	size_t i, run = 0;
	const char *e;

	for (i = 0; i < len; i++) {
		e = entity(in[i]);
		if (!e)
			continue;
		http__out_mem(w, in + run, i - run);
		http__out_str(w, e);
		run = i + 1;
	}
	http__out_mem(w, in + run, len - run);
}

ssize_t http_html_escape(const char *in, size_t len, char *out, size_t cap)
{
	struct http_out w;

	http__out_init(&w, out, cap);
	out_escaped(&w, in, len);
	return http__out_end(&w);
}

/* Percent-encodes @in into @w (by http_path_encode, in place). */
static void out_encoded(struct http_out *w, const char *in, size_t len)
{
	ssize_t n;

	if (w->full)
		return;
	n = http_path_encode(in, len, w->p + w->len, w->cap - w->len);
	if (n < 0)
		w->full = true;
	else
		w->len += (size_t)n;
}

ssize_t http_location_dir(const char *path, size_t path_len,
			  const char *query, size_t query_len, bool has_query,
			  char *out, size_t cap)
{
	struct http_out w;

	/* "//evil.example/" is a network-path reference: another host */
	while (path_len >= 2 && path[0] == '/' && path[1] == '/') {
		path++;
		path_len--;
	}
	http__out_init(&w, out, cap);
	out_encoded(&w, path, path_len);
	if (!path_len || path[path_len - 1] != '/')
		http__out_str(&w, "/");
	if (has_query) {
		http__out_str(&w, "?");
		http__out_mem(&w, query, query_len);
	}
	http__out_mem(&w, "", 1);
	if (w.full)
		return -ENOSPC;
	return (ssize_t)w.len - 1;
}

static void row(struct http_out *w, const char *name, size_t len,
		bool is_dir, const char *date, uint64_t size)
{
	http__out_str(w, "<tr><td><a href=\"");
	out_encoded(w, name, len);
	http__out_str(w, is_dir ? "/\">" : "\">");
	out_escaped(w, name, len);
	http__out_str(w, is_dir ? "/</a></td><td>" : "</a></td><td>");
	http__out_str(w, date);
	http__out_str(w, "</td><td>");
	if (is_dir)
		http__out_str(w, "-");
	else
		http__out_u64(w, size);
	http__out_str(w, "</td></tr>\n");
}

#define PAGE_HEAD1 "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">" \
	"<title>Index of "
#define PAGE_HEAD2 "</title></head>\n<body><h1>Index of "
#define PAGE_HEAD3 "</h1>\n<table>\n<tr><th>Name</th><th>Last modified" \
	"</th><th>Size</th></tr>\n"
#define PAGE_TAIL "</table>\n</body></html>\n"
/* A row without the name and the numbers: its markup. */
#define ROW_FIXED (sizeof("<tr><td><a href=\"/\">/</a></td><td></td><td>" \
			  "</td></tr>\n") - 1)

ssize_t http_autoindex(const char *dir, size_t dir_len,
		       const struct http_dirent *ents, size_t n, char *buf,
		       size_t cap)
{
	char date[HTTP_DATE_LEN + 1];
	struct http_out w;
	size_t i;

	http__out_init(&w, buf, cap);
	http__out_str(&w, PAGE_HEAD1);
	out_escaped(&w, dir, dir_len);
	http__out_str(&w, PAGE_HEAD2);
	out_escaped(&w, dir, dir_len);
	http__out_str(&w, PAGE_HEAD3);
	if (!(dir_len == 1 && dir[0] == '/'))
		row(&w, "..", 2, true, "", 0);
	for (i = 0; i < n; i++) {
		http_date_format(ents[i].mtime, date);
		row(&w, ents[i].name, ents[i].name_len, ents[i].is_dir, date,
		    ents[i].size);
	}
	http__out_str(&w, PAGE_TAIL);
	return http__out_end(&w);
}

size_t http_autoindex_bound(size_t dir_len, const struct http_dirent *ents,
			    size_t n)
{
	size_t total, i;

	total = sizeof(PAGE_HEAD1 PAGE_HEAD2 PAGE_HEAD3 PAGE_TAIL) +
		2 * 6 * dir_len + ROW_FIXED + 8;
	for (i = 0; i < n; i++)
		/* href: 3 bytes per name byte (+1 for the NUL the encoder
		 * needs room for); text: 6 per byte ("&quot;"); a date and
		 * 20 digits. */
		total += ROW_FIXED + 9 * ents[i].name_len + 1 +
			 HTTP_DATE_LEN + 20;
	return total;
}
