/* SPDX-License-Identifier: MIT */
/*
 * src/http/range.c - evaluating a Range field against a file size
 * (range.h, RFC 9110 §14.1-14.2).
 */
#include <errno.h>

#include "lex.h"
#include "range.h"

/* One range-spec as sent, before it meets the file size. */
struct spec {
	bool suffix;
	uint64_t first;		/* or the suffix length */
	uint64_t last;		/* UINT64_MAX: open ("first-") */
};

/* A number; one too large for 63 bits is "very large", not an error. */
static int num(const char *p, size_t len, uint64_t *v)
{
	int ret = http__u64(p, len, v);

	if (ret == -ERANGE) {
		*v = UINT64_MAX;
		return 0;
	}
	return ret;
}

/* "first-last", "first-" or "-suffix"; -EINVAL for anything else. */
static int parse_spec(const struct http_str *e, struct spec *sp)
{
	size_t dash;

	for (dash = 0; dash < e->len && e->p[dash] != '-'; dash++)
		;
	if (dash == e->len)
		return -EINVAL;
	if (dash == 0) {
		sp->suffix = true;
		return num(e->p + 1, e->len - 1, &sp->first);
	}
	sp->suffix = false;
	if (num(e->p, dash, &sp->first))
		return -EINVAL;
	if (dash + 1 == e->len) {
		sp->last = UINT64_MAX;
		return 0;
	}
	if (num(e->p + dash + 1, e->len - dash - 1, &sp->last) ||
	    sp->last < sp->first)
		return -EINVAL;
	return 0;
}

/* Clips @sp to the file: false when it selects nothing of it. */
static bool resolve(const struct spec *sp, uint64_t size,
		    struct http_range *r)
{
	if (sp->suffix) {
		if (!sp->first || !size)
			return false;
		r->first = sp->first >= size ? 0 : size - sp->first;
		r->last = size - 1;
		return true;
	}
	if (sp->first >= size)
		return false;
	r->first = sp->first;
	r->last = sp->last < size - 1 ? sp->last : size - 1;
	return true;
}

/* Sorts by first byte, then merges overlapping and adjacent ranges. */
static void coalesce(struct http_ranges *rs)
{
	unsigned int i, j, n = 0;
	struct http_range t;

	for (i = 1; i < rs->n; i++) {
		t = rs->r[i];
		for (j = i; j > 0 && rs->r[j - 1].first > t.first; j--)
			rs->r[j] = rs->r[j - 1];
		rs->r[j] = t;
	}
	for (i = 1; i < rs->n; i++) {
		if (rs->r[i].first <= rs->r[n].last + 1) {
			if (rs->r[i].last > rs->r[n].last)
				rs->r[n].last = rs->r[i].last;
		} else {
			rs->r[++n] = rs->r[i];
		}
	}
	rs->n = n + 1;
}

/*
 * Rules:
 * 1. The whole field must parse ("bytes" in any case, '=', then a list of
 *    range-specs with optional whitespace around commas); anything else,
 *    or more than HTTP_RANGES_MAX specs, makes the field ignored (200).
 * 2. Each spec is clipped to the file; those selecting nothing drop out.
 *    None left: 416 — but a non-zero suffix on an empty file selects the
 *    whole (empty) representation, which is a 200.
 * 3. What is left is sorted and merged (coalesce).
 */
int http_range_eval(const char *s, size_t len, uint64_t size,
		    struct http_ranges *out)
{
	struct http_str e;
	struct spec sp;
	bool empty_suffix = false;
	unsigned int nspec = 0;
	size_t pos = 6;

	out->n = 0;
	if (len < 6 || !http__ieq(s, 5, "bytes") || s[5] != '=')
		return 200;
	while (http__list_next(s, len, &pos, &e)) {
		if (++nspec > HTTP_RANGES_MAX || parse_spec(&e, &sp)) {
			out->n = 0;
			return 200;
		}
		if (resolve(&sp, size, &out->r[out->n]))
			out->n++;
		else if (sp.suffix && sp.first && !size)
			empty_suffix = true;
	}
	if (!nspec)
		return 200;
	if (!out->n)
		return empty_suffix ? 200 : 416;
	coalesce(out);
	return 206;
}
