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

#endif
