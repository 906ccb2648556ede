/* SPDX-License-Identifier: MIT */
/*
 * src/http/resp.h - response heads, error pages, redirects and directory
 * listings, written into caller buffers. The head is the memory slice of
 * a response chain; the file range follows it (DESIGN.md).
 *
 * Every writer returns the bytes written or -ENOSPC (nothing useful
 * written) and never writes past @cap. None allocates.
 *
 * Changes (compatible only, newest first):
 *   http_location_dir: collapses leading slashes and does not double a
 *   trailing one ("/" stays "/"; never a "//host" network-path).
 */
#ifndef ZC_HTTP_RESP_H
#define ZC_HTTP_RESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "range.h"

/* "Not Found" for 404, ...; "Unknown" for a status we never send. */
const char *http_status_reason(int status);

enum http_cr {
	HTTP_CR_NONE = 0,
	HTTP_CR_BYTES,		/* Content-Range: bytes F-L/SIZE */
	HTTP_CR_UNSATISFIED,	/* Content-Range: bytes STAR/SIZE (416) */
};

/*
 * What goes into a head. Zero-initialize it and set what applies; a
 * field left 0/NULL is not written (content_length: set
 * has_content_length). The status line is always "HTTP/1.1" (RFC 9110
 * §6.2: a server sends its own version, also to 1.0 clients).
 * Strings are written as given: they must not contain CR or LF (the
 * caller builds them: dates, ETags, encoded Locations, known types).
 */
struct http_resp {
	int status;
	bool keep_alive;	/* "Connection: keep-alive", else "close" */
	const char *date;	/* IMF-fixdate (http_date_format) */
	const char *server;	/* "zcio/0.1" */
	bool has_content_length;
	uint64_t content_length;
	const char *content_type;
	bool has_last_modified;
	int64_t last_modified;	/* seconds; formatted here */
	const char *etag;	/* quoted, as http_etag_make wrote it */
	bool accept_ranges;	/* "Accept-Ranges: bytes" */
	enum http_cr content_range;
	struct http_range range;	/* for HTTP_CR_BYTES */
	uint64_t size;		/* the file size, for Content-Range */
	const char *location;	/* already encoded (http_location_dir) */
	bool allow;		/* "Allow: GET, HEAD" (405) */
	const char *extra;	/* raw field lines, each ending in CRLF */
};

/*
 * Writes the status line, the fields of @r and the blank line into @buf.
 * Returns the length, or -ENOSPC. 512 bytes always suffice unless
 * location/extra/server are long.
 */
ssize_t http_resp_head(const struct http_resp *r, char *buf, size_t cap);

/*
 * A complete error (or redirect) response for r->status: the head of @r
 * with Content-Type text/html, the Content-Length of a small built-in page
 * naming the status, Allow for 405 (set here), Content-Range for 416 (from
 * r->size, set here), and then the page itself unless @head_only (HEAD:
 * the same fields, no body). r->content_type/length/range are overridden.
 * Returns the total length, or -ENOSPC (1024 bytes suffice when the
 * strings in @r are short).
 */
ssize_t http_resp_error(const struct http_resp *r, bool head_only,
			char *buf, size_t cap);

/*
 * The small HTML page http_resp_error sends for @status: a static string,
 * its length in *@len. Usable as an immortal slice.
 */
const char *http_error_page(int status, size_t *len);

/*
 * The Location for a directory asked for without its trailing slash:
 * percent-encoded @path (decoded and normalized: give the output of
 * http_path_normalize, never the raw path; leading slashes are collapsed
 * anyway, since "//host/x" would be a redirect to another host)
 * + "/" (unless it ends in one) + ("?" + @query when
 * @has_query; the query is copied as sent, since http_parse already
 * checked that it holds only URI characters). Writes a NUL. Returns the
 * length or -ENOSPC (3 * path_len + query_len + 3 bytes always suffice).
 */
ssize_t http_location_dir(const char *path, size_t path_len,
			  const char *query, size_t query_len, bool has_query,
			  char *out, size_t cap);

/*
 * Escapes &, <, >, " and ' for HTML text and quoted attributes. No NUL is
 * written. Returns the length, or -ENOSPC (6 * len always suffices).
 */
ssize_t http_html_escape(const char *in, size_t len, char *out, size_t cap);

/* One entry of a directory listing (names as on disk, not encoded). */
struct http_dirent {
	const char *name;
	size_t name_len;
	bool is_dir;
	uint64_t size;
	int64_t mtime;		/* seconds */
};

/*
 * An HTML index page of @dir (the decoded, normalized path, ending in
 * '/') listing @ents in the order given (the caller sorts; "../" is added
 * first unless @dir is "/"). Names are HTML-escaped in the text and
 * percent-encoded in the hrefs, so a file called "<script>" or "a?b#c"
 * is shown and linked correctly. Dates are IMF-fixdates, sizes in bytes
 * ("-" for directories). Returns the length, or -ENOSPC: size the buffer
 * with http_autoindex_bound().
 */
ssize_t http_autoindex(const char *dir, size_t dir_len,
		       const struct http_dirent *ents, size_t n, char *buf,
		       size_t cap);

/* An upper bound on http_autoindex()'s output for the same arguments. */
size_t http_autoindex_bound(size_t dir_len, const struct http_dirent *ents,
			    size_t n);

#endif
