/* SPDX-License-Identifier: MIT */
/*
 * src/http/mime.c - Content-Type lookup by extension and the parsing of
 * mime.types text (mime.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lex.h"
#include "mime_int.h"

static uint32_t hash(const char *ext)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	while (*ext)
		h = (h ^ (unsigned char)*ext++) * 16777619u;
	return h;
}

/* The slot holding @ext, or the free slot where it would go. */
static struct http_mime_slot *find(const struct http_mime *m,
				   const char *ext)
{
	unsigned int i = hash(ext) & m->mask;

	while (m->slots[i].ext[0] && strcmp(m->slots[i].ext, ext))
		i = (i + 1) & m->mask;
	return &m->slots[i];
}

static int grow(struct http_mime *m)
{
	struct http_mime_slot *old = m->slots, *s;
	unsigned int i, n = m->mask + 1;

	m->slots = calloc(2 * (size_t)n, sizeof(*s));
	if (!m->slots) {
		m->slots = old;
		return -ENOMEM;
	}
	m->mask = 2 * n - 1;
	for (i = 0; i < n; i++)
		if (old[i].ext[0])
			*find(m, old[i].ext) = old[i];
	free(old);
	return 0;
}

/* Adds @ext -> @type unless @ext is there already. 1 if added. */
static int add(struct http_mime *m, const char *ext, const char *type)
{
	struct http_mime_slot *s;

	if (2 * (m->used + 1) > m->mask + 1 && grow(m))
		return -ENOMEM;
	s = find(m, ext);
	if (s->ext[0])
		return 0;
	strcpy(s->ext, ext);
	s->type = type;
	m->used++;
	return 1;
}

struct http_mime *http_mime_new(int *err)
{
	struct http_mime *m = calloc(1, sizeof(*m));
	unsigned int i;

	if (m) {
		m->mask = 255;
		m->slots = calloc(m->mask + 1, sizeof(*m->slots));
	}
	if (!m || !m->slots) {
		free(m);
		*err = -ENOMEM;
		return NULL;
	}
	/* 58 built-ins in 256 slots: no growth, cannot fail. */
	for (i = 0; i < http__mime_nr_builtin; i++)
		add(m, http__mime_builtin[i].ext, http__mime_builtin[i].type);
	return m;
}

void http_mime_free(struct http_mime *m)
{
	struct http_mime_blob *b, *next;

	if (!m)
		return;
	for (b = m->blobs; b; b = next) {
		next = b->next;
		free(b);
	}
	free(m->slots);
	free(m);
}

/* text, JavaScript, JSON and XML: the types a charset applies to. */
static bool wants_charset(const char *t, size_t n)
{
	static const char *const exact[] = {
		"application/javascript", "application/json",
		"application/xml", "application/ecmascript",
	};
	unsigned int i;

	if (n > 5 && !memcmp(t, "text/", 5))
		return true;
	if ((n > 5 && !memcmp(t + n - 5, "+json", 5)) ||
	    (n > 4 && !memcmp(t + n - 4, "+xml", 4)))
		return true;
	for (i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (strlen(exact[i]) == n && !memcmp(t, exact[i], n))
			return true;
	return false;
}

/* type "/" subtype, both tokens, lower-cased into a new blob. */
static const char *keep_type(struct http_mime *m, const char *t, size_t n,
			     int *err)
{
	static const char utf8[] = "; charset=utf-8";
	struct http_mime_blob *b;
	size_t i, slash = 0;

	for (i = 0; i < n; i++) {
		if (t[i] == '/' && !slash && i)
			slash = i;
		else if (!http__is((unsigned char)t[i], HTTP_C_TCHAR))
			return NULL;
	}
	if (!slash || slash == n - 1 || n > HTTP_MIME_TYPE_MAX)
		return NULL;
	b = malloc(sizeof(*b) + n + sizeof(utf8));
	if (!b) {
		*err = -ENOMEM;
		return NULL;
	}
	for (i = 0; i < n; i++)
		b->s[i] = (char)http__lower((unsigned char)t[i]);
	b->s[n] = '\0';
	if (wants_charset(b->s, n))
		memcpy(b->s + n, utf8, sizeof(utf8));
	b->next = m->blobs;
	m->blobs = b;
	return b->s;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* The next whitespace-separated word of the line [*i, end). */
static bool word(const char *s, size_t end, size_t *i, struct http_str *w)
{
	while (*i < end && is_space(s[*i]))
		(*i)++;
	if (*i >= end)
		return false;
	w->p = s + *i;
	while (*i < end && !is_space(s[*i]))
		(*i)++;
	w->len = (size_t)(s + *i - w->p);
	return true;
}

/* Adds the extensions of one line; returns how many, or -ENOMEM. */
static int add_line(struct http_mime *m, const char *s, size_t end)
{
	char ext[HTTP_MIME_EXT_MAX + 1];
	const char *type = NULL;
	struct http_str w;
	size_t i = 0, k;
	int err = 0, ret, added = 0;

	if (!word(s, end, &i, &w))
		return 0;
	while (word(s, end, &i, &w)) {
		if (w.len > HTTP_MIME_EXT_MAX)
			continue;
		for (k = 0; k < w.len; k++) {
			ext[k] = (char)http__lower((unsigned char)w.p[k]);
			if (!http__is((unsigned char)ext[k], HTTP_C_TCHAR) ||
			    ext[k] == '.')
				break;
		}
		if (k < w.len)
			continue;
		ext[k] = '\0';
		if (!type) {
			struct http_str t;
			size_t j = 0;

			word(s, end, &j, &t);
			type = keep_type(m, t.p, t.len, &err);
			if (!type)
				return err;
		}
		ret = add(m, ext, type);
		if (ret < 0)
			return ret;
		added += ret;
	}
	return added;
}

/*
 * Rules: a line is "type ext..." separated by any whitespace; '#' starts
 * a comment to the end of the line; a line whose type is not
 * token/token, and extensions that are too long or hold a non-token
 * byte or '.', are skipped. The first mapping of an extension wins, so
 * the built-in table wins over every file and an earlier file line over
 * a later one. The type blob is shared by the line's extensions and
 * freed with the table (a line with nothing new leaves an unused blob;
 * bounded by the text's size).
 */
int http_mime_add_text(struct http_mime *m, const char *text, size_t len)
{
	size_t start = 0, end, hash_at;
	int ret, added = 0;

	while (start < len) {
		for (end = start; end < len && text[end] != '\n'; end++)
			;
		for (hash_at = start; hash_at < end && text[hash_at] != '#';
		     hash_at++)
			;
		ret = add_line(m, text + start, hash_at - start);
		if (ret < 0)
			return ret;
		added += ret;
		start = end + 1;
	}
	return added;
}

static int cmp_ext(const void *key, const void *ent)
{
	return strcmp(key, ((const struct http_mime_ent *)ent)->ext);
}

const char *http_mime_type(const struct http_mime *m, const char *name,
			   size_t len)
{
	char ext[HTTP_MIME_EXT_MAX + 1];
	const struct http_mime_ent *e;
	const struct http_mime_slot *s;
	size_t dot = len, i;

	for (i = len; i > 0 && name[i - 1] != '/'; i--)
		if (name[i - 1] == '.' && dot == len)
			dot = i - 1;
	/* no dot, a trailing dot, or a dotfile's only dot: no extension */
	if (dot == len || dot == i || len - dot - 1 > HTTP_MIME_EXT_MAX ||
	    len - dot - 1 == 0)
		return HTTP_MIME_DEFAULT;
	for (i = 0; i < len - dot - 1; i++)
		ext[i] = (char)http__lower((unsigned char)name[dot + 1 + i]);
	ext[i] = '\0';
	if (m) {
		s = find(m, ext);
		return s->ext[0] ? s->type : HTTP_MIME_DEFAULT;
	}
	e = bsearch(ext, http__mime_builtin, http__mime_nr_builtin,
		    sizeof(*e), cmp_ext);
	return e ? e->type : HTTP_MIME_DEFAULT;
}
