/* SPDX-License-Identifier: MIT */
/*
 * kafka/proto.c - framing, the request header and the request dispatcher
 * of the Kafka codec; topic name rules.
 */
#include <errno.h>
#include <string.h>

#include "kafka/proto.h"
#include "kafka/proto_int.h"

ssize_t kafka_frame_size(const void *buf, size_t have, size_t max)
{
	const uint8_t *p = buf;
	int32_t size;

	if (have < 4)
		return 0;
	size = (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
			 (uint32_t)p[2] << 8 | p[3]);
	if (size < KAFKA_REQ_HDR_MIN)
		return -EBADMSG;
	if ((size_t)size > max)
		return -EMSGSIZE;
	return (ssize_t)size + 4;
}

int kafka_req_header_decode(struct zc_view *v, struct kafka_req_header *h)
{
	memset(h, 0, sizeof(*h));
	zc_view_i16be(v, &h->api_key);
	zc_view_i16be(v, &h->api_version);
	zc_view_i32be(v, &h->correlation_id);
	kafka_read_str(v, &h->client_id);
	return zc_view_error(v) ? -EBADMSG : 0;
}

/* ApiVersions 0-2 has an empty body. */
static int api_versions_req_decode(struct zc_view *v)
{
	return kafka__req_done(v);
}

static int decode_body(struct kafka_request *r)
{
	struct zc_view v = r->body;
	int ver = r->hdr.api_version;

	switch (r->hdr.api_key) {
	case KAFKA_API_API_VERSIONS:
		return api_versions_req_decode(&v);
	case KAFKA_API_METADATA:
		return kafka_metadata_req_decode(&v, ver, &r->metadata,
						 &r->arena);
	case KAFKA_API_PRODUCE:
		return kafka_produce_req_decode(&v, ver, &r->produce,
						&r->arena);
	case KAFKA_API_FETCH:
		return kafka_fetch_req_decode(&v, ver, &r->fetch, &r->arena);
	case KAFKA_API_LIST_OFFSETS:
		return kafka_list_offsets_req_decode(&v, ver,
						     &r->list_offsets,
						     &r->arena);
	default:
		/* in kafka_apis, decoded by the broker from r->body */
		return 0;
	}
}

int kafka_request_decode(struct kafka_request *r, void *frame, size_t len)
{
	const struct kafka_api_range *api;
	struct zc_view v;

	memset(r, 0, sizeof(*r));
	kafka_arena_init(&r->arena);
	zc_view_init(&v, frame, len);
	zc_view_init(&r->body, NULL, 0);
	if (kafka_req_header_decode(&v, &r->hdr))
		return -EBADMSG;
	zc_view_init(&r->body, v.p + v.pos, zc_view_left(&v));
	api = kafka_api_find(r->hdr.api_key);
	if (!api)
		return -ENOPROTOOPT;
	if (!kafka__in(r->hdr.api_version, api->min, api->max))
		return -ENOTSUP;
	return decode_body(r);
}

void kafka_request_exit(struct kafka_request *r)
{
	kafka_arena_exit(&r->arena);
}

int kafka_fetch_session_error(const struct kafka_fetch_req *f)
{
	/* 0 opens a session (we decline: session_id 0), -1 is sessionless;
	 * anything else continues a session we never created */
	if (f->session_epoch == 0 || f->session_epoch == -1)
		return KAFKA_NONE;
	return KAFKA_FETCH_SESSION_ID_NOT_FOUND;
}

/*
 * Kafka's rule (Topic.validate): 249 bytes at most, which keeps a log
 * directory "<topic>-<partition>" within NAME_MAX (255) for up to 5-digit
 * partitions; characters safe in file names.
 */
bool kafka_topic_name_valid(const struct kafka_str *name)
{
	int32_t i;
	char c;

	if (name->len < 1 || name->len > 249)
		return false;
	if (kafka_str_eq(name, ".") || kafka_str_eq(name, ".."))
		return false;
	for (i = 0; i < name->len; i++) {
		c = name->p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	return true;
}
