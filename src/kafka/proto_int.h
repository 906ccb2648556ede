/* SPDX-License-Identifier: MIT */
/*
 * kafka/proto_int.h - shared by the proto*.c files only: the versions each
 * decoder and encoder can really read and write (kafka_apis must stay
 * within them: tests/kafka-codec.c checks it), and small helpers.
 */
#ifndef ZC_KAFKA_PROTO_INT_H
#define ZC_KAFKA_PROTO_INT_H

#include <errno.h>
#include <stdbool.h>

#include <zcio/view.h>

#include "kafka/wire.h"

#define KAFKA_API_VERSIONS_MIN 0
#define KAFKA_API_VERSIONS_MAX 2
#define KAFKA_METADATA_MIN 0
#define KAFKA_METADATA_MAX 4
#define KAFKA_PRODUCE_MIN 0
#define KAFKA_PRODUCE_MAX 7
#define KAFKA_FETCH_MIN 4
#define KAFKA_FETCH_MAX 11
#define KAFKA_LIST_OFFSETS_MIN 1
#define KAFKA_LIST_OFFSETS_MAX 2

static inline bool kafka__in(int version, int min, int max)
{
	return version >= min && version <= max;
}

/*
 * The end of a body decoder: -EBADMSG when a read failed or bytes are
 * left over (every non-flexible body has an exact length), else 0.
 */
static inline int kafka__req_done(const struct zc_view *v)
{
	return zc_view_error(v) || zc_view_left(v) ? -EBADMSG : 0;
}

/*
 * A non-null array: reads its count (kafka_read_count, @min_size wire
 * bytes an element) and takes that many zeroed elements of @size from @a.
 * Returns the array with *@nr set, or NULL with *@err = -EBADMSG (a bad
 * count) or -ENOMEM, *@nr untouched. The caller decodes the elements.
 */
static inline void *kafka__read_array(struct zc_view *v, size_t min_size,
				      size_t size, struct kafka_arena *a,
				      uint32_t *nr, int *err)
{
	uint32_t n;
	void *p;

	if (kafka_read_count(v, min_size, false, &n, NULL)) {
		*err = -EBADMSG;
		return NULL;
	}
	p = kafka_arena_alloc(a, n, size);
	if (!p) {
		*err = -ENOMEM;
		return NULL;
	}
	*nr = n;
	return p;
}

/*
 * A non-null array of int32 (partition or broker ids) into *@arr and
 * *@nr, as kafka__read_array. Returns 0, -EBADMSG or -ENOMEM.
 */
static inline int kafka__read_i32_array(struct zc_view *v,
					struct kafka_arena *a,
					int32_t **arr, uint32_t *nr)
{
	uint32_t i;
	int err;

	*arr = kafka__read_array(v, 4, sizeof(**arr), a, nr, &err);
	if (!*arr)
		return err;
	for (i = 0; i < *nr; i++)
		zc_view_i32be(v, &(*arr)[i]);
	return zc_view_error(v) ? -EBADMSG : 0;
}

#endif
