/* SPDX-License-Identifier: MIT */
/*
 * src/http/cond.c - the evaluation order of conditional requests
 * (cond.h, RFC 9110 §13.2.2).
 */

#include "cond.h"
#include "date.h"

/*
 * Matches @e's tag against every field line with id @id (a list may be
 * split over several lines: §5.3). 1 for a match, 0 for none, -EINVAL
 * when any line is malformed.
 */
static int any_line(const struct http_request *req, enum http_hdr id,
		    const struct http_entity *e, bool weak)
{
	unsigned int i;
	int ret, match = 0;

	for (i = 0; i < req->nr_fields; i++) {
		const struct http_field *f = &req->fields[i];

		if (f->id != id)
			continue;
		ret = http_etag_list_match(f->value.p, f->value.len, e->etag,
					   e->etag_len, weak);
		if (ret < 0)
			return ret;
		match |= ret;
	}
	return match;
}

/* The date in field @v, if it was sent and is valid. */
static bool date_of(const struct http_str *v, int64_t now, int64_t *t)
{
	return v->p && !http_date_parse(v->p, v->len, now, t);
}

static bool safe_method(const struct http_request *req)
{
	return req->method == HTTP_M_GET || req->method == HTTP_M_HEAD;
}

/* §13.1.5: a strong ETag equal to ours, or a date equal to our mtime. */
static bool if_range_holds(const struct http_request *req,
			   const struct http_entity *e, int64_t now)
{
	const struct http_str *v = &req->if_range;
	int64_t t;

	if (v->len && (v->p[0] == '"' || v->p[0] == 'W'))
		return e->etag && http_etag_eq_strong(v->p, v->len, e->etag,
						      e->etag_len);
	return e->has_mtime && date_of(v, now, &t) && t == e->mtime;
}

static int cond_status(const struct http_request *req,
		       const struct http_entity *e, int64_t now)
{
	int64_t t;
	int ret;

	if (req->nr_if_match) {
		if (any_line(req, HTTP_H_IF_MATCH, e, false) != 1)
			return 412;
	} else if (e->has_mtime &&
		   date_of(&req->if_unmodified_since, now, &t) &&
		   e->mtime > t) {
		return 412;
	}
	/* a malformed If-None-Match (ret < 0) counts as absent */
	ret = req->nr_if_none_match ?
	      any_line(req, HTTP_H_IF_NONE_MATCH, e, true) : -1;
	if (ret == 1)
		return safe_method(req) ? 304 : 412;
	if (ret == 0)
		return 0;
	if (safe_method(req) && e->has_mtime &&
	    date_of(&req->if_modified_since, now, &t) && e->mtime <= t)
		return 304;
	return 0;
}

int http_cond_eval(const struct http_request *req,
		   const struct http_entity *e, int64_t now,
		   struct http_cond *out)
{
	out->status = cond_status(req, e, now);
	out->use_range = !out->status && req->range.p &&
			 req->method == HTTP_M_GET &&
			 (!req->if_range.p || if_range_holds(req, e, now));
	return out->status;
}
