/* SPDX-License-Identifier: MIT */
/*
 * lib/zsend_rec.c - the in-flight table of a zero-copy sender: which
 * buffers each send handed to the kernel, each held by a reference until
 * the notification that covers the send.
 *
 * Rules:
 *  1. Everything that can fail (growing the table, the array of a record
 *     with many buffers) happens in zc__zrec_reserve, before the kernel
 *     sees the pages. zc__zrec_commit, after the kernel took them, only
 *     takes references and cannot fail: a send cannot be taken back.
 *  2. A notification releases the references of its sends at once, in
 *     whatever order notifications come (TCP completes mostly in order;
 *     retransmissions and merged ranges need not); base then moves past
 *     the records done, so that slots are reused in id order.
 *  3. Ids wrap at 2^32 like the kernel's: they are only compared as
 *     differences from base.
 *  4. A record is emptied before its references are dropped, so that the
 *     table is consistent when a dispose callback runs. Callbacks must not
 *     call into the same sender (documented in zc_zsend(3)).
 *  5. References are dropped only in zc_zsend_reap, _drain and _free, so
 *     that dispose callbacks run where the caller expects them. A
 *     notification met elsewhere (io_uring's come in the CQ between
 *     results that a send waits for) is noted on its record and processed
 *     by the next reap.
 */
#include <errno.h>
#include <stdlib.h>

#include "zsend.h"

/* 64 sends in flight before the first growth; it doubles from there. */
#define REC_MIN 64
/* The window must stay far below 2^32 for the differences to order ids. */
#define REC_MAX ((uint32_t)1 << 30)

int zc__zrec_init(struct zc_zsend *z)
{
	z->recs = calloc(REC_MIN, sizeof(*z->recs));
	if (!z->recs)
		return -ENOMEM;
	z->cap = REC_MIN;
	z->base = 0;
	z->next = 0;
	return 0;
}

static struct zc__zrec *rec_at(struct zc_zsend *z, uint32_t id)
{
	return &z->recs[id & (z->cap - 1)];
}

static int in_window(const struct zc_zsend *z, uint32_t id)
{
	return id - z->base < z->next - z->base;
}

/* Doubles the table; the records of [base, next) keep their ids. */
static int grow(struct zc_zsend *z)
{
	uint32_t cap = z->cap * 2, id;
	struct zc__zrec *r;

	if (z->cap >= REC_MAX)
		return -ENOMEM;
	r = calloc(cap, sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (id = z->base; id != z->next; id++)
		r[id & (cap - 1)] = *rec_at(z, id);
	free(z->recs);
	z->recs = r;
	z->cap = cap;
	return 0;
}

/*
 * The references a send of the first @n bytes of @r needs: one per run of
 * consecutive iovecs of the same buffer (a header and a body in one
 * buffer, or slices of one page, cost one reference).
 */
static uint32_t count_bufs(const struct zc__zrun *r, size_t n,
			   struct zc_buf **out)
{
	uint32_t k = 0;
	int i;

	for (i = 0; i < r->cnt && n; i++) {
		if (!k || r->bufs[i] != r->bufs[i - 1]) {
			if (out)
				out[k] = zc_buf_ref(r->bufs[i]);
			k++;
		}
		n -= r->iov[i].iov_len < n ? r->iov[i].iov_len : n;
	}
	return k;
}

int zc__zrec_reserve(struct zc_zsend *z, const struct zc__zrun *r)
{
	uint32_t n = count_bufs(r, r->bytes, NULL);

	if (z->next - z->base == z->cap && grow(z))
		return -ENOMEM;
	z->spare = NULL;
	if (n > ZREC_INLINE) {
		z->spare = malloc(n * sizeof(*z->spare));
		if (!z->spare)
			return -ENOMEM;
	}
	return 0;
}

void zc__zrec_unreserve(struct zc_zsend *z)
{
	free(z->spare);
	z->spare = NULL;
}

uint32_t zc__zrec_commit(struct zc_zsend *z, const struct zc__zrun *r,
			 size_t n)
{
	uint32_t id = z->next++;
	struct zc__zrec *rec = rec_at(z, id);

	rec->many = z->spare;
	z->spare = NULL;
	rec->nbufs = count_bufs(r, n, rec->many ? rec->many : rec->bufs);
	rec->waiting = 1;
	rec->noted = 0;
	rec->copied = 0;
	rec->quiet = 0;
	if (++z->st.inflight > z->st.inflight_max)
		z->st.inflight_max = z->st.inflight;
	return id;
}

/* Rule 4: empties the record, then drops what it held. */
static void release(struct zc_zsend *z, struct zc__zrec *rec)
{
	struct zc_buf *inl[ZREC_INLINE], **b = rec->many;
	uint32_t i, n = rec->nbufs;

	if (!b) {
		for (i = 0; i < n; i++)
			inl[i] = rec->bufs[i];
		b = inl;
	}
	rec->many = NULL;
	rec->nbufs = 0;
	rec->waiting = 0;
	if (rec->noted) {
		rec->noted = 0;
		z->noted--;
	}
	z->st.inflight--;
	z->st.released += n;
	for (i = 0; i < n; i++)
		zc_buf_unref(b[i]);
	if (b != inl)
		free(b);
}

static void advance(struct zc_zsend *z)
{
	while (z->base != z->next && !rec_at(z, z->base)->waiting)
		z->base++;
}

/* Releases @id if it is waiting: 1 if it was and counts as a send. */
static uint32_t finish(struct zc_zsend *z, uint32_t id)
{
	struct zc__zrec *rec;
	int quiet;

	if (!in_window(z, id))
		return 0;
	rec = rec_at(z, id);
	if (!rec->waiting)
		return 0;
	quiet = rec->quiet;
	release(z, rec);
	return !quiet;
}

/*
 * The notification for ids [lo, hi] (inclusive, as MSG_ZEROCOPY's
 * [ee_info, ee_data]). Ids outside the window (a duplicate, a send of
 * another owner of the socket) are ignored. The copied verdict applies to
 * the whole range: the kernel merges ranges keeping the first one's code.
 * Returns the sends completed.
 */
uint32_t zc__zrec_complete(struct zc_zsend *z, uint32_t lo, uint32_t hi,
			   int copied)
{
	uint32_t span = hi - lo, done = 0, id, end;

	if (span >= z->next - z->base) {
		/* A range wider than the window: walk the window instead. */
		end = z->next;
		for (id = z->base; id != end; id++)
			if (id - lo <= span)
				done += finish(z, id);
	} else {
		id = lo;
		do
			done += finish(z, id);
		while (id++ != hi);
	}
	advance(z);
	z->st.completions += done;
	if (copied)
		z->st.copied += done;
	return done;
}

/* Rule 5: the notification of @id came; it is processed by the next reap. */
void zc__zrec_note(struct zc_zsend *z, uint32_t id, int copied)
{
	struct zc__zrec *rec;

	if (!in_window(z, id))
		return;
	rec = rec_at(z, id);
	if (!rec->waiting || rec->noted)
		return;
	rec->noted = 1;
	rec->copied = !!copied;
	z->noted++;
}

/* Processes the notifications noted so far. Returns the sends completed. */
uint32_t zc__zrec_complete_noted(struct zc_zsend *z)
{
	uint32_t id, end = z->next, done = 0;
	struct zc__zrec *rec;
	int copied;

	for (id = z->base; z->noted && id != end; id++) {
		rec = rec_at(z, id);
		if (!rec->noted)
			continue;
		copied = rec->copied && !rec->quiet;
		done += finish(z, id);
		z->st.copied += (uint64_t)copied;
	}
	advance(z);
	z->st.completions += done;
	return done;
}

/* The send @id moved nothing; its notification is still awaited. */
void zc__zrec_quiet(struct zc_zsend *z, uint32_t id)
{
	if (in_window(z, id))
		rec_at(z, id)->quiet = 1;
}

/* Releases @id without a notification (io_uring said none will come). */
void zc__zrec_drop(struct zc_zsend *z, uint32_t id)
{
	finish(z, id);
	advance(z);
}

/*
 * Frees the table. Records still waiting keep their references for good:
 * the kernel may still read those pages. Returns how many there were.
 */
uint32_t zc__zrec_exit(struct zc_zsend *z)
{
	uint32_t id, leaked = 0;
	struct zc__zrec *rec;

	for (id = z->base; z->recs && id != z->next; id++) {
		rec = rec_at(z, id);
		leaked += rec->waiting;
		free(rec->many);
	}
	free(z->recs);
	free(z->spare);
	z->recs = NULL;
	z->spare = NULL;
	return leaked;
}
