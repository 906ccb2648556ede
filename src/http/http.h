/* SPDX-License-Identifier: MIT */
/*
 * src/http/http.h - the HTTP/1.1 protocol code of `zcio serve`: pure
 * functions over bytes, no sockets, no event loop, no files opened (except
 * http_mime_load, for startup). Each part has its header:
 *
 *   parse.h  request heads (incremental, in place) and discarding bodies
 *   path.h   percent-decoding and normalizing the path; encoding URLs
 *   range.h  Range evaluation and multipart/byteranges framing
 *   cond.h   ETags and conditional requests (304, 412, If-Range)
 *   date.h   HTTP-date formatting and parsing
 *   mime.h   Content-Type by extension
 *   resp.h   response heads, error pages, redirects, directory listings
 *
 * What is accepted and refused, and why: docs/http.md.
 * A request's way through them:
 *
 *   n = http_parse(&p, buf, len, req)      0: read more; <0: error page
 *   http_path_normalize(req->path...)      -> name under the root
 *   http_cond_eval(req, &entity, now, &c)  304 / 412 / go on
 *   c.use_range && http_range_eval(...)    206 / 416 / 200
 *   http_resp_head(&resp, ...)             the head slice; then the file
 */
#ifndef ZC_HTTP_HTTP_H
#define ZC_HTTP_HTTP_H

#include "parse.h"
#include "path.h"
#include "range.h"
#include "cond.h"
#include "date.h"
#include "mime.h"
#include "resp.h"

#endif
