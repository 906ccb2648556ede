/* SPDX-License-Identifier: MIT */
/*
 * src/http/mime_int.h - private to the mime*.c files: the built-in table
 * and the shape of a loaded one.
 */
#ifndef ZC_HTTP_MIME_INT_H
#define ZC_HTTP_MIME_INT_H

#include <stddef.h>
#include <stdint.h>

#include "mime.h"

/*
 * Extensions longer than this are not looked up (nor loaded): none of the
 * 1500-odd in Debian's mime.types is, and a fixed key keeps the table
 * free of per-entry allocations.
 */
#define HTTP_MIME_EXT_MAX 15
/* A type from mime.types longer than this is a bad line: skipped. */
#define HTTP_MIME_TYPE_MAX 127

struct http_mime_ent {
	const char *ext;	/* lower case */
	const char *type;	/* with "; charset=utf-8" where it applies */
};

extern const struct http_mime_ent http__mime_builtin[];
extern const unsigned int http__mime_nr_builtin;

struct http_mime_slot {
	char ext[HTTP_MIME_EXT_MAX + 1];	/* "" when free */
	const char *type;
};

/* A type string copied from a loaded file. */
struct http_mime_blob {
	struct http_mime_blob *next;
	char s[];
};

/* Open addressing, linear probing, at most half full. */
struct http_mime {
	struct http_mime_slot *slots;
	unsigned int mask;		/* slots - 1, a power of two minus 1 */
	unsigned int used;
	struct http_mime_blob *blobs;
};

#endif
