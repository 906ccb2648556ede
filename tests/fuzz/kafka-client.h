/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/kafka-client.h - a small Kafka client codec for the tests
 * and the fuzz target: encodes requests the way librdkafka and
 * kafka-python do (header v1, then the body of the version), decodes
 * responses the way they read them, and builds record batches. Written
 * from the protocol guide and the message JSON, separately from
 * src/kafka/, so that a misread field shows as a failed round trip or
 * golden-bytes test. Static inline: each program includes what it uses.
 */
#ifndef T_KAFKA_CLIENT_H
#define T_KAFKA_CLIENT_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zcio/chain.h>
#include <zcio/view.h>

#include "kafka/batch.h"
#include "kafka/crc32c.h"
#include "kafka/proto.h"

/* ---- raw big-endian output into a growable byte vector --------------- */

struct t_out {
	uint8_t *p;
	size_t len, cap;
};

static inline void t_raw(struct t_out *o, const void *p, size_t n)
{
	if (o->len + n > o->cap) {
		o->cap = (o->len + n) * 2 + 64;
		o->p = realloc(o->p, o->cap);
		if (!o->p)
			abort();
	}
	if (n)
		memcpy(o->p + o->len, p, n);
	o->len += n;
}

static inline void t_be(struct t_out *o, uint64_t x, size_t n)
{
	uint8_t b[8];
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(x >> (8 * (n - 1 - i)));
	t_raw(o, b, n);
}

#define t_i8(o, x) t_be(o, (uint8_t)(x), 1)
#define t_i16(o, x) t_be(o, (uint16_t)(x), 2)
#define t_i32(o, x) t_be(o, (uint32_t)(x), 4)
#define t_i64(o, x) t_be(o, (uint64_t)(x), 8)

static inline void t_str(struct t_out *o, const struct kafka_str *s)
{
	if (s->len < 0) {
		t_i16(o, -1);
		return;
	}
	t_i16(o, s->len);
	t_raw(o, s->p, (size_t)s->len);
}

static inline void t_cstr(struct t_out *o, const char *s)
{
	struct kafka_str k = kafka_str_c(s);

	t_str(o, &k);
}

static inline void t_uvarint(struct t_out *o, uint64_t x)
{
	uint8_t b;

	do {
		b = x & 0x7f;
		x >>= 7;
		if (x)
			b |= 0x80;
		t_raw(o, &b, 1);
	} while (x);
}

static inline void t_varint(struct t_out *o, int64_t x)
{
	t_uvarint(o, (uint64_t)x << 1 ^ (uint64_t)(x >> 63));
}

static inline void t_out_free(struct t_out *o)
{
	free(o->p);
	memset(o, 0, sizeof(*o));
}

/* ---- requests -------------------------------------------------------- */

/* Starts a frame: size placeholder, header v1. Returns its offset. */
static inline size_t t_req_begin(struct t_out *o, int key, int version,
				 int32_t corr, const char *client_id)
{
	size_t start = o->len;

	t_i32(o, 0);
	t_i16(o, key);
	t_i16(o, version);
	t_i32(o, corr);
	t_cstr(o, client_id);
	return start;
}

/* The bytes of the header t_req_begin writes with client id "t". */
#define T_REQ_HDR_LEN (4 + 2 + 2 + 4 + 2 + 1)

static inline void t_req_end(struct t_out *o, size_t start)
{
	uint32_t n = (uint32_t)(o->len - start - 4);

	o->p[start] = (uint8_t)(n >> 24);
	o->p[start + 1] = (uint8_t)(n >> 16);
	o->p[start + 2] = (uint8_t)(n >> 8);
	o->p[start + 3] = (uint8_t)n;
}

static inline void t_api_versions_req(struct t_out *o, int version,
				      int32_t corr)
{
	size_t s = t_req_begin(o, KAFKA_API_API_VERSIONS, version, corr,
			       "rdkafka");

	if (version >= 3) {
		/* what librdkafka 2.0.2 sends first: header v2 adds a tag
		 * byte; the body is compact strings and tags */
		t_i8(o, 0);
		t_uvarint(o, sizeof("librdkafka"));
		t_raw(o, "librdkafka", 10);
		t_uvarint(o, sizeof("2.0.2"));
		t_raw(o, "2.0.2", 5);
		t_i8(o, 0);
	}
	t_req_end(o, s);
}

static inline void t_metadata_req(struct t_out *o, int version, int32_t corr,
				  const struct kafka_metadata_req *m)
{
	size_t s = t_req_begin(o, KAFKA_API_METADATA, version, corr, "t");
	uint32_t i;

	if (m->all_topics)
		t_i32(o, version >= 1 ? -1 : 0);
	else
		t_i32(o, m->nr_topics);
	for (i = 0; i < m->nr_topics; i++)
		t_str(o, &m->topics[i]);
	if (version >= 4)
		t_i8(o, m->allow_auto_topic_creation);
	t_req_end(o, s);
}

static inline void t_produce_req(struct t_out *o, int version, int32_t corr,
				 const struct kafka_produce_req *p)
{
	size_t s = t_req_begin(o, KAFKA_API_PRODUCE, version, corr, "t");
	const struct kafka_produce_part *pp;
	uint32_t i, j;

	if (version >= 3)
		t_str(o, &p->transactional_id);
	t_i16(o, p->acks);
	t_i32(o, p->timeout_ms);
	t_i32(o, p->nr_topics);
	for (i = 0; i < p->nr_topics; i++) {
		t_str(o, &p->topics[i].name);
		t_i32(o, p->topics[i].nr_partitions);
		for (j = 0; j < p->topics[i].nr_partitions; j++) {
			pp = &p->topics[i].partitions[j];
			t_i32(o, pp->partition);
			t_i32(o, pp->records.len);
			if (pp->records.len > 0)
				t_raw(o, pp->records.p,
				      (size_t)pp->records.len);
		}
	}
	t_req_end(o, s);
}

static inline void t_fetch_req(struct t_out *o, int version, int32_t corr,
			       const struct kafka_fetch_req *f)
{
	size_t s = t_req_begin(o, KAFKA_API_FETCH, version, corr, "t");
	const struct kafka_fetch_part *p;
	uint32_t i, j;

	t_i32(o, f->replica_id);
	t_i32(o, f->max_wait_ms);
	t_i32(o, f->min_bytes);
	t_i32(o, f->max_bytes);
	t_i8(o, f->isolation_level);
	if (version >= 7) {
		t_i32(o, f->session_id);
		t_i32(o, f->session_epoch);
	}
	t_i32(o, f->nr_topics);
	for (i = 0; i < f->nr_topics; i++) {
		t_str(o, &f->topics[i].name);
		t_i32(o, f->topics[i].nr_partitions);
		for (j = 0; j < f->topics[i].nr_partitions; j++) {
			p = &f->topics[i].partitions[j];
			t_i32(o, p->partition);
			if (version >= 9)
				t_i32(o, p->current_leader_epoch);
			t_i64(o, p->fetch_offset);
			if (version >= 5)
				t_i64(o, p->log_start_offset);
			t_i32(o, p->partition_max_bytes);
		}
	}
	if (version >= 7) {
		t_i32(o, f->nr_forgotten);
		for (i = 0; i < f->nr_forgotten; i++) {
			t_str(o, &f->forgotten[i].name);
			t_i32(o, f->forgotten[i].nr_partitions);
			for (j = 0; j < f->forgotten[i].nr_partitions; j++)
				t_i32(o, f->forgotten[i].partitions[j]);
		}
	}
	if (version >= 11)
		t_str(o, &f->rack_id);
	t_req_end(o, s);
}

static inline void t_list_offsets_req(struct t_out *o, int version,
				      int32_t corr,
				      const struct kafka_list_offsets_req *l)
{
	size_t s = t_req_begin(o, KAFKA_API_LIST_OFFSETS, version, corr, "t");
	uint32_t i, j;

	t_i32(o, l->replica_id);
	if (version >= 2)
		t_i8(o, l->isolation_level);
	t_i32(o, l->nr_topics);
	for (i = 0; i < l->nr_topics; i++) {
		t_str(o, &l->topics[i].name);
		t_i32(o, l->topics[i].nr_partitions);
		for (j = 0; j < l->topics[i].nr_partitions; j++) {
			t_i32(o, l->topics[i].partitions[j].partition);
			t_i64(o, l->topics[i].partitions[j].timestamp);
		}
	}
	t_req_end(o, s);
}

/* ---- record batches -------------------------------------------------- */

struct t_record {
	const char *key;	/* NULL: null key */
	const char *value;	/* NULL: null value */
	const char *hkey;	/* one header when not NULL */
	const char *hval;
};

/*
 * Appends a valid uncompressed batch of @n records (base offset 0, epoch
 * -1, CreateTime @ts + i for record i) and returns its offset in @o.
 * @attrs is ORed into the attributes (a codec number makes it a batch
 * whose "compressed" payload is these raw records: still CRC-valid).
 */
static inline size_t t_batch(struct t_out *o, const struct t_record *r,
			     int n, int64_t ts, int16_t attrs)
{
	size_t start = o->len, rec;
	struct t_out body = { 0 };
	uint32_t crc;
	int i;

	for (i = 0; i < n; i++) {
		struct t_out one = { 0 };

		t_i8(&one, 0);
		t_varint(&one, i);		/* timestampDelta */
		t_varint(&one, i);		/* offsetDelta */
		t_varint(&one, r[i].key ? (int64_t)strlen(r[i].key) : -1);
		if (r[i].key)
			t_raw(&one, r[i].key, strlen(r[i].key));
		t_varint(&one, r[i].value ? (int64_t)strlen(r[i].value) : -1);
		if (r[i].value)
			t_raw(&one, r[i].value, strlen(r[i].value));
		t_varint(&one, r[i].hkey ? 1 : 0);
		if (r[i].hkey) {
			t_varint(&one, (int64_t)strlen(r[i].hkey));
			t_raw(&one, r[i].hkey, strlen(r[i].hkey));
			t_varint(&one, r[i].hval ?
				 (int64_t)strlen(r[i].hval) : -1);
			if (r[i].hval)
				t_raw(&one, r[i].hval, strlen(r[i].hval));
		}
		t_varint(&body, (int64_t)one.len);
		t_raw(&body, one.p, one.len);
		t_out_free(&one);
	}
	t_i64(o, 0);			/* base offset */
	t_i32(o, 49 + body.len);	/* batch length */
	t_i32(o, -1);			/* partition leader epoch */
	t_i8(o, 2);			/* magic */
	t_i32(o, 0);			/* crc, below */
	rec = o->len;
	t_i16(o, attrs);
	t_i32(o, n - 1);		/* last offset delta */
	t_i64(o, ts);
	t_i64(o, ts + (n > 0 ? n - 1 : 0));
	t_i64(o, -1);			/* producer id */
	t_i16(o, -1);
	t_i32(o, -1);			/* base sequence */
	t_i32(o, n);
	t_raw(o, body.p, body.len);
	t_out_free(&body);
	crc = kafka_crc32c(0, o->p + rec, o->len - rec);
	o->p[rec - 4] = (uint8_t)(crc >> 24);
	o->p[rec - 3] = (uint8_t)(crc >> 16);
	o->p[rec - 2] = (uint8_t)(crc >> 8);
	o->p[rec - 1] = (uint8_t)crc;
	return start;
}

/* Recomputes the CRC of the batch at @p (after a test changed it). */
static inline void t_batch_recrc(uint8_t *p)
{
	uint32_t len = (uint32_t)zc__load_be(p + 8, 4), crc;

	crc = kafka_crc32c(0, p + 21, len + 12 - 21);
	p[17] = (uint8_t)(crc >> 24);
	p[18] = (uint8_t)(crc >> 16);
	p[19] = (uint8_t)(crc >> 8);
	p[20] = (uint8_t)crc;
}

/* ---- responses, read as a client ------------------------------------ */

/* Every byte of @c (memory and file pieces) in one malloc'd buffer. */
static inline uint8_t *t_chain_flatten(const struct zc_chain *c, size_t *len)
{
	uint8_t *out = malloc(c->bytes ? c->bytes : 1), *q = out;
	const struct zc_piece *p;
	uint32_t i;

	for (i = 0; i < c->count; i++) {
		p = &c->pieces[(c->head + i) % c->cap];
		if (p->kind == ZC_PIECE_MEM)
			memcpy(q, p->ptr, p->len);
		else if (pread(p->fd, q, p->len, p->off) != (ssize_t)p->len)
			abort();
		q += p->len;
	}
	*len = c->bytes;
	return out;
}

/*
 * Checks the response frame at @p/@len: size prefix = @len - 4 and the
 * correlation id; leaves @v at the body. 0 or -EBADMSG.
 */
static inline int t_resp_open(struct zc_view *v, const void *p, size_t len,
			      int32_t corr)
{
	int32_t size = 0, id = 0;

	zc_view_init(v, p, len);
	zc_view_i32be(v, &size);
	zc_view_i32be(v, &id);
	if (zc_view_error(v) || (size_t)size != len - 4 || id != corr)
		return -EBADMSG;
	return 0;
}

static inline void *t_alloc(struct kafka_arena *a, uint32_t n, size_t size)
{
	void *p = kafka_arena_alloc(a, n, size);

	if (!p)
		abort();
	return p;
}

static inline uint32_t t_count(struct zc_view *v)
{
	int32_t n = 0;

	zc_view_i32be(v, &n);
	if (n < 0 || (size_t)n > zc_view_left(v))
		return 0;
	return (uint32_t)n;
}

/* An array's count (t_count) into *@n, and room for that many elements
 * of @size bytes in @a. */
static inline void *t_array(struct zc_view *v, struct kafka_arena *a,
			    uint32_t *n, size_t size)
{
	*n = t_count(v);
	return t_alloc(a, *n, size);
}

static inline void t_int32s(struct zc_view *v, struct kafka_arena *a,
			    uint32_t *n, const int32_t **out)
{
	int32_t *x;
	uint32_t i;

	x = t_array(v, a, n, sizeof(*x));
	for (i = 0; i < *n; i++)
		zc_view_i32be(v, &x[i]);
	*out = x;
}

static inline int t_metadata_resp(struct zc_view *v, int version,
				  struct kafka_metadata_resp *r,
				  struct kafka_arena *a)
{
	struct kafka_metadata_broker *b;
	struct kafka_metadata_topic *t;
	struct kafka_metadata_part *p;
	uint32_t i, j;
	int8_t x = 0;

	memset(r, 0, sizeof(*r));
	if (version >= 3)
		zc_view_i32be(v, &r->throttle_time_ms);
	r->brokers = b = t_array(v, a, &r->nr_brokers, sizeof(*b));
	for (i = 0; i < r->nr_brokers; i++) {
		zc_view_i32be(v, &b[i].node_id);
		kafka_read_str(v, &b[i].host);
		zc_view_i32be(v, &b[i].port);
		b[i].rack = KAFKA_STR_NULL;
		if (version >= 1)
			kafka_read_str(v, &b[i].rack);
	}
	r->cluster_id = KAFKA_STR_NULL;
	r->controller_id = -1;
	if (version >= 2)
		kafka_read_str(v, &r->cluster_id);
	if (version >= 1)
		zc_view_i32be(v, &r->controller_id);
	r->topics = t = t_array(v, a, &r->nr_topics, sizeof(*t));
	for (i = 0; i < r->nr_topics; i++) {
		zc_view_i16be(v, &t[i].error);
		kafka_read_str(v, &t[i].name);
		if (version >= 1) {
			zc_view_i8(v, &x);
			t[i].is_internal = x;
		}
		t[i].partitions = p = t_array(v, a, &t[i].nr_partitions,
					      sizeof(*p));
		for (j = 0; j < t[i].nr_partitions; j++) {
			zc_view_i16be(v, &p[j].error);
			zc_view_i32be(v, &p[j].partition);
			zc_view_i32be(v, &p[j].leader);
			t_int32s(v, a, &p[j].nr_replicas, &p[j].replicas);
			t_int32s(v, a, &p[j].nr_isr, &p[j].isr);
		}
	}
	return zc_view_error(v) || zc_view_left(v) ? -EBADMSG : 0;
}

static inline int t_produce_resp(struct zc_view *v, int version,
				 struct kafka_produce_resp *r,
				 struct kafka_arena *a)
{
	struct kafka_produce_topic_resp *t;
	struct kafka_produce_part_resp *p;
	uint32_t i, j;

	memset(r, 0, sizeof(*r));
	r->topics = t = t_array(v, a, &r->nr_topics, sizeof(*t));
	for (i = 0; i < r->nr_topics; i++) {
		kafka_read_str(v, &t[i].name);
		t[i].partitions = p = t_array(v, a, &t[i].nr_partitions,
					      sizeof(*p));
		for (j = 0; j < t[i].nr_partitions; j++) {
			zc_view_i32be(v, &p[j].partition);
			zc_view_i16be(v, &p[j].error);
			zc_view_i64be(v, &p[j].base_offset);
			p[j].log_append_time = -1;
			if (version >= 2)
				zc_view_i64be(v, &p[j].log_append_time);
			p[j].log_start_offset = -1;
			if (version >= 5)
				zc_view_i64be(v, &p[j].log_start_offset);
		}
	}
	if (version >= 1)
		zc_view_i32be(v, &r->throttle_time_ms);
	return zc_view_error(v) || zc_view_left(v) ? -EBADMSG : 0;
}

static inline int t_list_offsets_resp(struct zc_view *v, int version,
				      struct kafka_list_offsets_resp *r,
				      struct kafka_arena *a)
{
	struct kafka_list_offsets_topic_resp *t;
	struct kafka_list_offsets_part_resp *p;
	uint32_t i, j;

	memset(r, 0, sizeof(*r));
	if (version >= 2)
		zc_view_i32be(v, &r->throttle_time_ms);
	r->topics = t = t_array(v, a, &r->nr_topics, sizeof(*t));
	for (i = 0; i < r->nr_topics; i++) {
		kafka_read_str(v, &t[i].name);
		t[i].partitions = p = t_array(v, a, &t[i].nr_partitions,
					      sizeof(*p));
		for (j = 0; j < t[i].nr_partitions; j++) {
			zc_view_i32be(v, &p[j].partition);
			zc_view_i16be(v, &p[j].error);
			zc_view_i64be(v, &p[j].timestamp);
			zc_view_i64be(v, &p[j].offset);
		}
	}
	return zc_view_error(v) || zc_view_left(v) ? -EBADMSG : 0;
}

/* A fetch response partition as a client sees it: records are bytes. */
struct t_fetch_part {
	int32_t partition;
	int16_t error;
	int64_t hwm, lso, log_start;
	int32_t aborted;		/* the count: -1 null */
	int32_t preferred;
	struct kafka_bytes records;
};

struct t_fetch_topic {
	struct kafka_str name;
	uint32_t n;
	struct t_fetch_part *parts;
};

struct t_fetch_resp {
	int32_t throttle;
	int16_t error;
	int32_t session_id;
	uint32_t n;
	struct t_fetch_topic *topics;
};

static inline int t_fetch_resp(struct zc_view *v, int version,
			       struct t_fetch_resp *r, struct kafka_arena *a)
{
	struct t_fetch_part *p;
	uint32_t i, j;

	memset(r, 0, sizeof(*r));
	zc_view_i32be(v, &r->throttle);
	if (version >= 7) {
		zc_view_i16be(v, &r->error);
		zc_view_i32be(v, &r->session_id);
	}
	r->topics = t_array(v, a, &r->n, sizeof(*r->topics));
	for (i = 0; i < r->n; i++) {
		kafka_read_str(v, &r->topics[i].name);
		r->topics[i].parts = p = t_array(v, a, &r->topics[i].n,
						 sizeof(*p));
		for (j = 0; j < r->topics[i].n; j++) {
			zc_view_i32be(v, &p[j].partition);
			zc_view_i16be(v, &p[j].error);
			zc_view_i64be(v, &p[j].hwm);
			zc_view_i64be(v, &p[j].lso);
			p[j].log_start = -1;
			if (version >= 5)
				zc_view_i64be(v, &p[j].log_start);
			zc_view_i32be(v, &p[j].aborted);
			if (p[j].aborted > 0)
				zc_view_skip(v, 16 * (size_t)p[j].aborted);
			p[j].preferred = -1;
			if (version >= 11)
				zc_view_i32be(v, &p[j].preferred);
			kafka_read_bytes(v, &p[j].records);
		}
	}
	return zc_view_error(v) || zc_view_left(v) ? -EBADMSG : 0;
}

#endif
