/* SPDX-License-Identifier: MIT */
/*
 * src/http/parse_fields.c - the field lines of a request head and the
 * rules that decide where its body ends (parse.h, RFC 9112 §5-6).
 */
#include <errno.h>
#include <string.h>

#include "lex.h"
#include "parse_int.h"

static const struct {
	const char *name;	/* lower case */
	enum http_hdr id;
} known[] = {
	{ "host", HTTP_H_HOST },
	{ "connection", HTTP_H_CONNECTION },
	{ "content-length", HTTP_H_CONTENT_LENGTH },
	{ "transfer-encoding", HTTP_H_TRANSFER_ENCODING },
	{ "if-match", HTTP_H_IF_MATCH },
	{ "if-none-match", HTTP_H_IF_NONE_MATCH },
	{ "if-modified-since", HTTP_H_IF_MODIFIED_SINCE },
	{ "if-unmodified-since", HTTP_H_IF_UNMODIFIED_SINCE },
	{ "if-range", HTTP_H_IF_RANGE },
	{ "range", HTTP_H_RANGE },
	{ "user-agent", HTTP_H_USER_AGENT },
	{ "referer", HTTP_H_REFERER },
	{ "expect", HTTP_H_EXPECT },
};

static enum http_hdr hdr_id(const char *p, size_t len)
{
	unsigned int i;

	/* Most fields are none of these: the length rules them out. */
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strlen(known[i].name) == len &&
		    http__ieq(p, len, known[i].name))
			return known[i].id;
	return HTTP_H_OTHER;
}

/*
 * field-line = field-name ":" OWS field-value OWS CRLF. @s is the line,
 * @end its CR. No whitespace before the colon (§5.1: MUST reject), no
 * obs-fold (§5.2: we reject rather than unfold), no CTL but HTAB in the
 * value: that is where a bare CR or a NUL would hide.
 */
static int field_line(const char *s, const char *end, struct http_field *f)
{
	const char *c = s, *v;

	while (c < end && http__is((unsigned char)*c, HTTP_C_TCHAR))
		c++;
	if (c == s || c == end || *c != ':')
		return -400;
	f->name.p = s;
	f->name.len = (size_t)(c - s);
	for (v = c + 1; v < end; v++)
		if (!http__is((unsigned char)*v, HTTP_C_FVCHAR))
			return -400;
	for (v = c + 1; v < end && http__is((unsigned char)*v, HTTP_C_OWS);)
		v++;
	while (end > v && http__is((unsigned char)end[-1], HTTP_C_OWS))
		end--;
	f->value.p = v;
	f->value.len = (size_t)(end - v);
	f->id = hdr_id(f->name.p, f->name.len);
	return 0;
}

/*
 * Content-Length = 1*DIGIT, but a recipient may see "5, 5" or the field
 * twice (§6.3 rule 5): all members must be the same number, or it is
 * -400. A number too large for off_t is -413, not -400: it is valid,
 * just more than we take.
 */
static int content_length(const struct http_field *f,
			  struct http_request *req)
{
	struct http_str e;
	size_t pos = 0;
	uint64_t v;
	bool any = false;
	int ret;

	while (http__list_next(f->value.p, f->value.len, &pos, &e)) {
		ret = http__u64(e.p, e.len, &v);
		if (ret == -ERANGE)
			return -413;
		if (ret)
			return -400;
		if (req->body == HTTP_BODY_LENGTH && v != req->content_length)
			return -400;
		req->body = HTTP_BODY_LENGTH;
		req->content_length = v;
		any = true;
	}
	return any ? 0 : -400;
}

/*
 * transfer-coding = token *( OWS ";" OWS transfer-parameter ). Codings
 * we know the names of may come before chunked (we discard the body, so
 * we need not decode them); any other is -501 (§6.1). chunked must be
 * the last and appear once; otherwise the body's end is unknown: -400.
 * TE fields accumulate in order over several lines.
 */
static int transfer_encoding(const struct http_field *f,
			     struct http_request *req)
{
	static const char *const codings[] = {
		"gzip", "x-gzip", "deflate", "compress", "x-compress",
	};
	struct http_str e;
	size_t pos = 0, n;
	unsigned int i;
	bool any = false;

	while (http__list_next(f->value.p, f->value.len, &pos, &e)) {
		for (n = 0; n < e.len &&
		     http__is((unsigned char)e.p[n], HTTP_C_TCHAR); n++)
			;
		if (!n)
			return -400;
		any = true;
		if (req->body == HTTP_BODY_CHUNKED)
			return -400;	/* something after chunked */
		if (http__ieq(e.p, n, "chunked")) {
			if (n != e.len)
				return -400;	/* chunked has no params */
			req->body = HTTP_BODY_CHUNKED;
			continue;
		}
		for (i = 0; i < sizeof(codings) / sizeof(codings[0]); i++)
			if (http__ieq(e.p, n, codings[i]))
				break;
		if (i == sizeof(codings) / sizeof(codings[0]))
			return -501;
		req->body = HTTP_BODY_LENGTH;	/* until chunked comes */
	}
	return any ? 0 : -400;
}

/* Connection: close and keep-alive options (RFC 9112 §9.3, §9.6). */
static void connection(const struct http_field *f, bool *close, bool *ka)
{
	struct http_str e;
	size_t pos = 0;

	while (http__list_next(f->value.p, f->value.len, &pos, &e)) {
		if (http__ieq(e.p, e.len, "close"))
			*close = true;
		else if (http__ieq(e.p, e.len, "keep-alive"))
			*ka = true;
	}
}

/* A singleton field: sent twice is -400 rather than a guess. */
static int once(struct http_str *dst, const struct http_field *f)
{
	if (dst->p)
		return -400;
	*dst = f->value;
	return 0;
}

/* First of a list field that may come in several lines. */
static void first(struct http_str *dst, unsigned int *nr,
		  const struct http_field *f)
{
	if (!(*nr)++)
		*dst = f->value;
}

/* What a field of interest means for @req, as it is met. */
struct seen {
	unsigned int host;
	bool cl, te, close, keep_alive;
	struct http_str host_field;
};

static int apply(struct http_request *req, const struct http_field *f,
		 struct seen *s)
{
	switch (f->id) {
	case HTTP_H_HOST:
		s->host++;
		s->host_field = f->value;
		return 0;
	case HTTP_H_CONNECTION:
		connection(f, &s->close, &s->keep_alive);
		return 0;
	case HTTP_H_CONTENT_LENGTH:
		s->cl = true;
		return s->te ? -400 : content_length(f, req);
	case HTTP_H_TRANSFER_ENCODING:
		s->te = true;
		return s->cl ? -400 : transfer_encoding(f, req);
	case HTTP_H_IF_MATCH:
		first(&req->if_match, &req->nr_if_match, f);
		return 0;
	case HTTP_H_IF_NONE_MATCH:
		first(&req->if_none_match, &req->nr_if_none_match, f);
		return 0;
	case HTTP_H_IF_MODIFIED_SINCE:
		return once(&req->if_modified_since, f);
	case HTTP_H_IF_UNMODIFIED_SINCE:
		return once(&req->if_unmodified_since, f);
	case HTTP_H_IF_RANGE:
		return once(&req->if_range, f);
	case HTTP_H_RANGE:
		return once(&req->range, f);
	case HTTP_H_USER_AGENT:
		if (!req->user_agent.p)
			req->user_agent = f->value;
		return 0;
	case HTTP_H_REFERER:
		if (!req->referer.p)
			req->referer = f->value;
		return 0;
	case HTTP_H_EXPECT:
		if (http__ieq(f->value.p, f->value.len, "100-continue"))
			req->expect_continue = true;
		return 0;
	default:
		return 0;
	}
}

/*
 * The rules across fields:
 * 1. Host exactly once in HTTP/1.1 (RFC 9112 §3.2: 400 when missing or
 *    repeated), at most once in 1.0; a valid uri-host[:port]. An
 *    absolute-form target's authority wins over it (§3.2.2).
 * 2. Transfer-Encoding in HTTP/1.0 is -400 (§6.1: its framing cannot be
 *    trusted), and with Content-Length (checked as met) too.
 * 3. A body larger than max_body is -413.
 * 4. Persistence: 1.1 unless "close"; 1.0 only with "keep-alive".
 */
static int finish(struct http_request *req, const struct seen *s,
		  const struct http_limits *lim)
{
	if (s->host > 1 || (!s->host && req->minor == 1))
		return -400;
	if (s->host && !http__valid_host(s->host_field.p, s->host_field.len))
		return -400;
	if (s->host && !req->absolute_form)
		req->host = s->host_field;
	if (s->te && req->minor == 0)
		return -400;
	if (s->te && req->body != HTTP_BODY_CHUNKED)
		return -400;
	if (req->body == HTTP_BODY_LENGTH && req->content_length == 0)
		req->body = HTTP_BODY_NONE;
	if (req->body == HTTP_BODY_LENGTH &&
	    req->content_length > lim->max_body)
		return -413;
	req->keep_alive = !s->close && (req->minor == 1 || s->keep_alive);
	return 0;
}

int http__parse_fields(const char *p, const char *end,
		       const struct http_limits *lim,
		       struct http_request *req)
{
	unsigned int max = lim->max_fields < HTTP_FIELDS_MAX ?
			   lim->max_fields : HTTP_FIELDS_MAX;
	struct seen s = { 0 };
	const char *cr;
	int ret;

	while (p < end) {
		if (req->nr_fields == max)
			return -431;
		/* every line ends in CRLF: find_end checked each LF */
		cr = memchr(p, '\n', (size_t)(end - p)) - 1;
		ret = field_line(p, cr, &req->fields[req->nr_fields]);
		if (!ret)
			ret = apply(req, &req->fields[req->nr_fields], &s);
		if (ret)
			return ret;
		req->nr_fields++;
		p = cr + 2;
	}
	return finish(req, &s, lim);
}

/*
 * uri-host = IP-literal / IPv4address / reg-name, then ":" port. Checked
 * loosely but safely: an IP-literal is "[" hex, ':' and '.' "]" (or an
 * IPvFuture's unreserved and sub-delims), a reg-name is unreserved,
 * sub-delims and %XX; the port is digits. Enough to keep spaces, '/',
 * '@' and controls out of a name that gets logged and compared.
 */
bool http__valid_host(const char *p, size_t len)
{
	size_t i = 0;

	if (len && p[0] == '[') {
		for (i = 1; i < len && p[i] != ']'; i++)
			if (!http__is((unsigned char)p[i], HTTP_C_URI) ||
			    p[i] == '/' || p[i] == '?' || p[i] == '@' ||
			    p[i] == '[' || p[i] == '%')
				return false;
		if (i == len)
			return false;
		i++;
	} else {
		for (; i < len && p[i] != ':'; i++) {
			if (p[i] == '%') {
				if (len - i < 3 ||
				    http__hexval((unsigned char)p[i + 1]) < 0 ||
				    http__hexval((unsigned char)p[i + 2]) < 0)
					return false;
				i += 2;
			} else if (!http__is((unsigned char)p[i], HTTP_C_URI) ||
				   p[i] == '/' || p[i] == '?' ||
				   p[i] == '@' || p[i] == '[' || p[i] == ']') {
				return false;
			}
		}
	}
	if (i == len)
		return true;
	if (p[i] != ':')
		return false;
	for (i++; i < len; i++)
		if (!http__is((unsigned char)p[i], HTTP_C_DIGIT))
			return false;
	return true;
}
