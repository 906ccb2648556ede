/* SPDX-License-Identifier: MIT */
/*
 * kafka/proto_fetch_resp.c - the Fetch 4-11 response as a chain: every
 * field in one refcounted buffer, cut at each partition's records length,
 * with the partition's record ranges (file ranges) spliced in between.
 *
 * Rules:
 * 1. Nothing of a record range is read: its length alone is known, so the
 *    size prefix is computed up front as memory bytes + range lengths.
 * 2. Two passes over the same writer: the first only counts the memory
 *    bytes (and checks every length), the second writes them into a
 *    buffer of exactly that size, which therefore never moves, so the
 *    chain's memory pieces can point into it as it is written.
 * 3. Every check happens in the first pass: after it only -ENOMEM can
 *    stop the second, half-way through the chain.
 */
#include <errno.h>

#include <zcio/buf.h>
#include <zcio/chain.h>

#include "kafka/proto.h"
#include "kafka/proto_int.h"

struct out {
	struct kafka_wbuf w;
	struct zc_chain *c;	/* NULL in the counting pass */
	struct zc_buf *b;	/* the memory of the second pass */
	size_t cut;		/* the first byte of b not in the chain yet */
	uint64_t extra;		/* sum of the range lengths */
	int err;
};

/* Sum of @p's ranges into *@len; -EINVAL/-EOVERFLOW on bad ranges. */
static int records_len(const struct kafka_fetch_part_resp *p, uint64_t *len)
{
	const struct kafka_records_range *r;
	uint64_t sum = 0;
	uint32_t i;

	for (i = 0; i < p->nr_ranges; i++) {
		r = &p->ranges[i];
		if (r->off < 0)
			return -EINVAL;
		if (r->buf && r->buf->data &&
		    ((uint64_t)r->off > r->buf->size ||
		     r->len > r->buf->size - (uint64_t)r->off))
			return -EINVAL;
		if (r->len > INT32_MAX)
			return -EOVERFLOW;
		sum += r->len;
	}
	if (sum > INT32_MAX)
		return -EOVERFLOW;
	*len = sum;
	return 0;
}

/* Moves the memory written since the last cut into the chain. */
static void flush_mem(struct out *o)
{
	size_t n = o->w.len - o->cut;

	if (o->err || !n)
		return;
	o->err = zc_chain_append_mem(o->c, o->b, o->b->data + o->cut, n);
	o->cut = o->w.len;
}

static int append_range(struct zc_chain *c, const struct kafka_records_range *r)
{
	if (!r->len)
		return 0;
	if (!r->buf)
		return zc_chain_append_fd(c, r->fd, r->off, r->len);
	if (r->buf->data)
		return zc_chain_append_mem(c, r->buf, r->buf->data + r->off,
					   r->len);
	return zc_chain_append_file(c, r->buf, r->off, r->len);
}

static void put_records(struct out *o, const struct kafka_fetch_part_resp *p)
{
	uint64_t len = 0;
	uint32_t i;
	int ret;

	ret = records_len(p, &len);
	if (ret && !o->err)
		o->err = ret;
	kafka_put_i32(&o->w, (int32_t)len);
	if (!o->c) {
		o->extra += len;
		return;
	}
	/* no records: the next partition goes on in the same piece */
	if (!len)
		return;
	flush_mem(o);
	for (i = 0; i < p->nr_ranges && !o->err; i++)
		o->err = append_range(o->c, &p->ranges[i]);
}

static void put_part(struct out *o, int version, int8_t isolation,
		     const struct kafka_fetch_part_resp *p)
{
	struct kafka_wbuf *w = &o->w;

	kafka_put_i32(w, p->partition);
	kafka_put_i16(w, p->error);
	kafka_put_i64(w, p->high_watermark);
	kafka_put_i64(w, p->last_stable_offset);	/* v4+ */
	if (version >= 5)
		kafka_put_i64(w, p->log_start_offset);
	/* aborted_transactions (v4+): Kafka sends null unless the consumer
	 * reads committed, and then the (here always empty) list */
	kafka_put_i32(w, isolation == KAFKA_READ_COMMITTED ? 0 : -1);
	if (version >= 11)
		kafka_put_i32(w, -1);	/* preferred_read_replica: none */
	put_records(o, p);
}

/* The whole frame; @size is the size prefix (unknown while counting). */
static void put_resp(struct out *o, int version, int32_t correlation_id,
		     const struct kafka_fetch_resp *r, int32_t size)
{
	const struct kafka_fetch_topic_resp *t;
	struct kafka_wbuf *w = &o->w;
	uint32_t i, j;

	kafka_put_i32(w, size);
	kafka_put_i32(w, correlation_id);
	kafka_put_i32(w, r->throttle_time_ms);		/* v1+ */
	if (version >= 7) {
		kafka_put_i16(w, r->error);
		kafka_put_i32(w, r->session_id);
	}
	kafka_put_count(w, r->nr_topics);
	for (i = 0; i < r->nr_topics; i++) {
		t = &r->topics[i];
		kafka_put_str(w, &t->name);
		kafka_put_count(w, t->nr_partitions);
		for (j = 0; j < t->nr_partitions; j++)
			put_part(o, version, r->isolation_level,
				 &t->partitions[j]);
	}
}

int kafka_fetch_resp_encode(struct zc_chain *c, int version,
			    int32_t correlation_id,
			    const struct kafka_fetch_resp *r)
{
	struct out o = { .c = NULL };
	uint64_t size;
	size_t mem;
	int err = 0;

	if (!kafka__in(version, KAFKA_FETCH_MIN, KAFKA_FETCH_MAX))
		return -EINVAL;
	kafka_wbuf_init_count(&o.w);
	put_resp(&o, version, correlation_id, r, 0);
	if (o.err || o.w.err)
		return o.err ? o.err : o.w.err;
	mem = o.w.len;
	size = mem - 4 + o.extra;
	if (size > INT32_MAX)
		return -EOVERFLOW;

	o.b = zc_buf_new(mem, &err);
	if (!o.b)
		return err ? err : -ENOMEM;
	kafka_wbuf_init_fixed(&o.w, o.b->data, mem);
	o.c = c;
	put_resp(&o, version, correlation_id, r, (int32_t)size);
	flush_mem(&o);
	/* the counted size and the written one agree by construction */
	err = o.err ? o.err : o.w.err;
	zc_buf_unref(o.b);
	return err;
}
