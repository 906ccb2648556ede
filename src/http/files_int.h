/* SPDX-License-Identifier: MIT */
/*
 * src/http/files_int.h - what files.c and files_open.c share: making and
 * freeing one cache entry. Private to the open-file cache.
 */
#ifndef ZC_HTTP_FILES_INT_H
#define ZC_HTTP_FILES_INT_H

#include <stddef.h>
#include <stdint.h>

#include "files.h"
#include "serve.h"

/* The longest path kept; longer ones are refused before any open. */
#define HTTP__KEY_MAX 4096

/*
 * Opens @key (@len bytes, relative to cfg->rootfd, not NUL-terminated
 * necessarily) and makes a new entry for it with hash @h. Returns 0 and
 * the entry in *@out, or the negative errno of http_files_get. Blocks.
 */
int http__file_open(const struct http_files_cfg *cfg, const char *key,
		    size_t len, uint32_t h, struct http_file **out);

/* Drops the entry's references on its stores and frees it. */
void http__file_free(struct http_file *f);

#endif
