/* SPDX-License-Identifier: MIT */
/*
 * kafka/producer_snap.c - the idempotent producer state of a partition as
 * bytes and back (format in producer_state.h). Pure: the log writes the
 * bytes to its directory at a clean close and reads them at open
 * (log_producer.c).
 */
#include <errno.h>
#include <string.h>

#include "kafka/crc32c.h"
#include "kafka/producer_state.h"

#define SNAP_MAGIC "ZCPS"
#define SNAP_HDR (4 + 4 + 8 + 4)	/* magic, crc, offset, count */
#define SNAP_PRODUCER (8 + 8 + 2 + 1 + 1)
#define SNAP_BATCH (4 + 4 + 8 + 8 + 8)

static uint8_t *put(uint8_t *p, uint64_t v, int n)
{
	int i;

	for (i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
	return p + n;
}

static uint64_t get(const uint8_t **p, int n)
{
	uint64_t v = 0;
	int i;

	for (i = n - 1; i >= 0; i--)
		v = v << 8 | (*p)[i];
	*p += n;
	return v;
}

size_t kafka_pstate_snap_size(const struct kafka_pstate *ps)
{
	size_t n = SNAP_HDR;
	uint32_t i;

	for (i = 0; i < ps->cap; i++)
		if (ps->tab[i].id != -1)
			n += SNAP_PRODUCER + ps->tab[i].n * SNAP_BATCH;
	return n;
}

/* @pr's batches, oldest first. */
static uint8_t *put_producer(uint8_t *p, const struct kafka_producer *pr)
{
	const struct kafka_pbatch *b;
	unsigned int k, first = pr->n < KAFKA_PSTATE_BATCHES ? 0 :
				(pr->head + 1u) % KAFKA_PSTATE_BATCHES;

	p = put(p, (uint64_t)pr->id, 8);
	p = put(p, (uint64_t)pr->last_ms, 8);
	p = put(p, (uint16_t)pr->epoch, 2);
	*p++ = pr->n;
	*p++ = 0;
	for (k = 0; k < pr->n; k++) {
		b = &pr->b[(first + k) % KAFKA_PSTATE_BATCHES];
		p = put(p, (uint32_t)b->first_seq, 4);
		p = put(p, (uint32_t)b->last_seq, 4);
		p = put(p, (uint64_t)b->base_offset, 8);
		p = put(p, (uint64_t)b->last_offset, 8);
		p = put(p, (uint64_t)b->timestamp, 8);
	}
	return p;
}

void kafka_pstate_snap_write(const struct kafka_pstate *ps, int64_t offset,
			     uint8_t *buf)
{
	uint8_t *p = buf + 8;
	size_t len = kafka_pstate_snap_size(ps);
	uint32_t i;

	memcpy(buf, SNAP_MAGIC, 4);
	p = put(p, (uint64_t)offset, 8);
	p = put(p, ps->n, 4);
	for (i = 0; i < ps->cap; i++)
		if (ps->tab[i].id != -1)
			p = put_producer(p, &ps->tab[i]);
	put(buf + 4, kafka_crc32c(0, buf + 8, len - 8), 4);
}

/* One batch back into @ps, as a header the log could have held. */
static int read_batch(struct kafka_pstate *ps, const uint8_t **p,
		      int64_t id, int16_t epoch, int64_t last_ms)
{
	struct kafka_batch_hdr h = {
		.producer_id = id,
		.producer_epoch = epoch,
	};
	int32_t last_seq;
	int64_t last;

	h.base_sequence = (int32_t)get(p, 4);
	last_seq = (int32_t)get(p, 4);
	h.base_offset = (int64_t)get(p, 8);
	last = (int64_t)get(p, 8);
	h.max_timestamp = (int64_t)get(p, 8);
	if (h.base_offset < 0 || last < h.base_offset ||
	    last - h.base_offset > INT32_MAX || h.base_sequence < 0)
		return -EBADMSG;
	h.last_offset_delta = (int32_t)(last - h.base_offset);
	if (kafka_seq_add(h.base_sequence, h.last_offset_delta) != last_seq)
		return -EBADMSG;
	return kafka_pstate_update(ps, &h, last_ms);
}

int kafka_pstate_snap_read(struct kafka_pstate *ps, const uint8_t *buf,
			   size_t len, int64_t *offset)
{
	const uint8_t *p = buf + 4, *end = buf + len;
	uint32_t count, i, crc;
	unsigned int nb, k;
	int64_t id, last_ms;
	int16_t epoch;
	int ret;

	if (len < SNAP_HDR || memcmp(buf, SNAP_MAGIC, 4))
		return -EBADMSG;
	crc = (uint32_t)get(&p, 4);
	if (crc != kafka_crc32c(0, buf + 8, len - 8))
		return -EBADMSG;
	*offset = (int64_t)get(&p, 8);
	count = (uint32_t)get(&p, 4);
	if (*offset < 0 || count > (len - SNAP_HDR) / SNAP_PRODUCER)
		return -EBADMSG;
	for (i = 0; i < count; i++) {
		if ((size_t)(end - p) < SNAP_PRODUCER)
			return -EBADMSG;
		id = (int64_t)get(&p, 8);
		last_ms = (int64_t)get(&p, 8);
		epoch = (int16_t)get(&p, 2);
		nb = *p;
		p += 2;
		if (id < 0 || nb < 1 || nb > KAFKA_PSTATE_BATCHES ||
		    kafka_pstate_find(ps, id) ||
		    (size_t)(end - p) < nb * SNAP_BATCH)
			return -EBADMSG;
		for (k = 0; k < nb; k++) {
			ret = read_batch(ps, &p, id, epoch, last_ms);
			if (ret)
				return ret;
		}
	}
	return p == end ? 0 : -EBADMSG;
}
