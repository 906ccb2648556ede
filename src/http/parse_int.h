/* SPDX-License-Identifier: MIT */
/*
 * src/http/parse_int.h - private to parse*.c: the steps of http_parse
 * that live in their own files.
 */
#ifndef ZC_HTTP_PARSE_INT_H
#define ZC_HTTP_PARSE_INT_H

#include "parse.h"

/*
 * The field lines in [@p, @end) (each ending in CRLF, the blank line not
 * included) into @req, then the rules that tie fields together (Host,
 * Content-Length vs Transfer-Encoding, Connection). 0 or -status.
 */
int http__parse_fields(const char *p, const char *end,
		       const struct http_limits *lim,
		       struct http_request *req);

/* uri-host [ ":" port ] (RFC 9110 §7.2), possibly empty. */
bool http__valid_host(const char *p, size_t len);

#endif
