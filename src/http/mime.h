/* SPDX-License-Identifier: MIT */
/*
 * src/http/mime.h - Content-Type from a file name's extension.
 *
 * A built-in table of common types is always there; the contents of a
 * mime.types file (Debian's /etc/mime.types, from the media-types package)
 * add the extensions it lacks. Where both name an extension the built-in
 * table wins: it is the one that has been checked against current
 * practice (text/javascript per RFC 9239, where older mime.types files
 * say application/javascript; image/avif; font/woff2 ...).
 * "; charset=utf-8" is added to text types, JavaScript, JSON, XML, SVG and
 * the +json/+xml types. Lookups never allocate.
 *
 * Changes (compatible only, newest first):
 *   (none yet)
 */
#ifndef ZC_HTTP_MIME_H
#define ZC_HTTP_MIME_H

#include <stddef.h>

#define HTTP_MIME_DEFAULT "application/octet-stream"

/* A table: the built-in one plus what was loaded. Opaque; heap. */
struct http_mime;

/* A table with the built-in types only; NULL and *@err = -ENOMEM. */
struct http_mime *http_mime_new(int *err);
void http_mime_free(struct http_mime *m);

/*
 * Adds the types in @text (@len bytes in mime.types syntax: "type ext
 * ext ...", '#' comments, any whitespace). Malformed lines and overlong
 * names are skipped, not fatal. Copies what it keeps. Returns the number
 * of extensions added, or -ENOMEM.
 */
int http_mime_add_text(struct http_mime *m, const char *text, size_t len);

/*
 * Reads the file at @path (say "/etc/mime.types") and adds its types with
 * http_mime_add_text. Blocks on the read: call it at startup. Returns the
 * number added, -errno from open/read, or -EFBIG above 4 MiB.
 */
int http_mime_load(struct http_mime *m, const char *path);

/*
 * The Content-Type for file name or path @name (@len bytes): looks at the
 * extension after the last '.' of the last segment, case-insensitively.
 * @m may be NULL (built-in table only). Never NULL: HTTP_MIME_DEFAULT when
 * unknown. The string lives as long as @m (static for built-ins).
 */
const char *http_mime_type(const struct http_mime *m, const char *name,
			   size_t len);

#endif
