/* SPDX-License-Identifier: MIT */
/*
 * src/http/path.h - from a request's percent-encoded path to the name
 * that is looked up under the served root, and back to a URL.
 *
 * The normalizer is the first of two walls: it makes sure that the name
 * is plain (no "..", no NUL, no backslash, no encoded slash) so that
 * openat2(RESOLVE_BENEATH) under the root, the second wall, only ever sees
 * an ordinary relative name. docs/http.md gives the reasons for each
 * refusal.
 *
 * Changes (compatible only, newest first):
 *   (none yet)
 */
#ifndef ZC_HTTP_PATH_H
#define ZC_HTTP_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Percent-decodes and normalizes @in (@len bytes: http_request.path, the
 * part before '?') into @out, which gets a NUL after the result. Returns
 * the length (>= 1), or:
 *   -400  a bad escape ("%4", "%zz"), a NUL or other control byte (raw
 *         or encoded), a backslash (raw or %5C), a path that does not
 *         start with '/', or ".." that climbs above the root
 *   -404  an encoded slash (%2F): no file name can contain '/', so no
 *         such file exists; decoding it to '/' would let "a%2F..%2F.."
 *         through a filter that looks at segments
 *   -ENOSPC  @cap < @len + 2
 * The result starts with '/', has no empty, "." or ".." segment, keeps a
 * trailing '/' (it names a directory), and is otherwise the decoded bytes
 * as they are (UTF-8 or not: the file system compares bytes).
 * "/a/b/../c/./d//" -> "/a/c/d/"; "/a/.." -> "/"; "/%2e%2e/x" -> -400.
 */
ssize_t http_path_normalize(const char *in, size_t len, char *out,
			    size_t cap);

/* True when any segment of @p starts with '.' ("/.git/x", "/a/.env"). */
bool http_path_has_dotfile(const char *p, size_t len);

/*
 * Percent-encodes @in for a URL (a Location field, an href): every byte
 * except ALPHA DIGIT "-._~/" becomes %XX, so the result is safe in a
 * header and in a quoted HTML attribute alike. Writes a NUL after it.
 * Returns the length, or -ENOSPC (at most 3 * len + 1 bytes are needed).
 */
ssize_t http_path_encode(const char *in, size_t len, char *out, size_t cap);

#endif
