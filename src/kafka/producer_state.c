/* SPDX-License-Identifier: MIT */
/*
 * kafka/producer_state.c - per-partition idempotent producer state: an
 * open-addressing hash table (linear probing, no deletions) of producers,
 * each with a ring of its last five batches. See producer_state.h.
 */
#include <errno.h>
#include <stdlib.h>

#include "kafka/err.h"
#include "kafka/producer_state.h"

void kafka_pstate_init(struct kafka_pstate *ps)
{
	ps->tab = NULL;
	ps->cap = 0;
	ps->n = 0;
	ps->max_id = -1;
}

void kafka_pstate_exit(struct kafka_pstate *ps)
{
	free(ps->tab);
	kafka_pstate_init(ps);
}

int32_t kafka_seq_add(int32_t seq, int32_t n)
{
	/* Kafka's DefaultRecordBatch.incrementSequence: past INT32_MAX
	 * the sequence goes on from 0. */
	if (seq > INT32_MAX - n)
		return n - (INT32_MAX - seq) - 1;
	return seq + n;
}

static uint32_t slot_of(const struct kafka_pstate *ps, int64_t id)
{
	/* Fibonacci hashing: ids are handed out consecutively. */
	return (uint32_t)(((uint64_t)id * 0x9e3779b97f4a7c15ull) >> 32) &
	       (ps->cap - 1);
}

static struct kafka_producer *lookup(const struct kafka_pstate *ps,
				     int64_t id)
{
	uint32_t i;

	if (!ps->cap)
		return NULL;
	for (i = slot_of(ps, id); ps->tab[i].id != -1;
	     i = (i + 1) & (ps->cap - 1))
		if (ps->tab[i].id == id)
			return &ps->tab[i];
	return NULL;
}

const struct kafka_producer *kafka_pstate_find(const struct kafka_pstate *ps,
					       int64_t id)
{
	return lookup(ps, id);
}

/* Puts @p into a slot of @ps's table, which has room and lacks it. */
static void place(struct kafka_pstate *ps, const struct kafka_producer *p)
{
	struct kafka_producer *s = &ps->tab[slot_of(ps, p->id)];

	while (s->id != -1)
		s = s == &ps->tab[ps->cap - 1] ? ps->tab : s + 1;
	*s = *p;
}

/* Keeps the table at most 3/4 full with room for one more; -ENOMEM. */
static int reserve(struct kafka_pstate *ps)
{
	struct kafka_producer *old = ps->tab;
	uint32_t ocap = ps->cap, cap = ocap ? ocap * 2 : 16, i;

	if ((uint64_t)(ps->n + 1) * 4 <= (uint64_t)ocap * 3)
		return 0;
	if (cap > (1u << 30))
		return -ENOMEM;
	ps->tab = malloc(cap * sizeof(*ps->tab));
	if (!ps->tab) {
		ps->tab = old;
		return -ENOMEM;
	}
	ps->cap = cap;
	for (i = 0; i < cap; i++)
		ps->tab[i].id = -1;
	for (i = 0; i < ocap; i++)
		if (old[i].id != -1)
			place(ps, &old[i]);
	free(old);
	return 0;
}

uint32_t kafka_pstate_expire(struct kafka_pstate *ps, int64_t before)
{
	struct kafka_producer *old = ps->tab;
	uint32_t i, gone = 0;

	for (i = 0; i < ps->cap; i++)
		gone += old[i].id != -1 && old[i].last_ms < before;
	if (!gone)
		return 0;
	/* Linear probing has no simple delete: rebuild without them. */
	ps->tab = malloc(ps->cap * sizeof(*ps->tab));
	if (!ps->tab) {
		ps->tab = old;
		return 0;
	}
	for (i = 0; i < ps->cap; i++)
		ps->tab[i].id = -1;
	for (i = 0; i < ps->cap; i++)
		if (old[i].id != -1 && old[i].last_ms >= before)
			place(ps, &old[i]);
	ps->n -= gone;
	free(old);
	return gone;
}

static const struct kafka_pbatch *newest(const struct kafka_producer *p)
{
	return p->n ? &p->b[p->head] : NULL;
}

static const struct kafka_pbatch *find_dup(const struct kafka_producer *p,
					   int32_t first, int32_t last)
{
	unsigned int i;

	for (i = 0; i < p->n; i++)
		if (p->b[i].first_seq == first && p->b[i].last_seq == last)
			return &p->b[i];
	return NULL;
}

int kafka_pstate_check(struct kafka_pstate *ps,
		       const struct kafka_batch_hdr *h,
		       struct kafka_pbatch *dup)
{
	const struct kafka_producer *p = lookup(ps, h->producer_id);
	const struct kafka_pbatch *b, *last = p ? newest(p) : NULL;
	int32_t first = h->base_sequence;
	int32_t lseq = kafka_seq_add(first, h->last_offset_delta);

	if (!last)		/* rule 5 (known id, no batch: as unknown) */
		return first ? KAFKA_UNKNOWN_PRODUCER_ID : reserve(ps);
	if (h->producer_epoch < p->epoch)		/* rule 1 */
		return KAFKA_INVALID_PRODUCER_EPOCH;
	if (h->producer_epoch > p->epoch)		/* rule 3 */
		return first ? KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER : 0;
	b = find_dup(p, first, lseq);			/* rule 2 */
	if (b) {
		*dup = *b;
		return KAFKA_DUPLICATE_SEQUENCE_NUMBER;
	}
	if (first != kafka_seq_add(last->last_seq, 1))	/* rule 4 */
		return KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER;
	return 0;
}

int kafka_pstate_update(struct kafka_pstate *ps,
			const struct kafka_batch_hdr *h, int64_t now_ms)
{
	struct kafka_producer *p = lookup(ps, h->producer_id);
	struct kafka_pbatch *b;
	int ret;

	if (!p) {
		ret = reserve(ps);
		if (ret)
			return ret;
		p = &ps->tab[slot_of(ps, h->producer_id)];
		while (p->id != -1)
			p = p == &ps->tab[ps->cap - 1] ? ps->tab : p + 1;
		p->id = h->producer_id;
		p->epoch = h->producer_epoch;
		p->n = 0;
		p->head = 0;
		ps->n++;
		if (h->producer_id > ps->max_id)
			ps->max_id = h->producer_id;
	}
	p->last_ms = now_ms;
	if (h->producer_epoch != p->epoch) {
		/* A bump (or, at recovery, whatever the log says). */
		p->epoch = h->producer_epoch;
		p->n = 0;
	}
	p->head = p->n ? (uint8_t)((p->head + 1) % KAFKA_PSTATE_BATCHES) : 0;
	if (p->n < KAFKA_PSTATE_BATCHES)
		p->n++;
	b = &p->b[p->head];
	b->first_seq = h->base_sequence;
	b->last_seq = kafka_seq_add(h->base_sequence, h->last_offset_delta);
	b->base_offset = h->base_offset;
	b->last_offset = kafka_batch_last_offset(h);
	b->timestamp = h->max_timestamp;
	return 0;
}
