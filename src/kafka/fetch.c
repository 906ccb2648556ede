/* SPDX-License-Identifier: MIT */
/*
 * src/kafka/fetch.c - Fetch v4-11: the zero-copy path, and long-poll.
 *
 * Rules:
 *  1. For each partition the log gives file ranges (kafka_log_read): the
 *     batch holding the fetch offset onwards, at most the partition's
 *     max_bytes and what is left of the response's max_bytes, the first
 *     batch of the first partition with data whole even when larger
 *     (KIP-74, KAFKA_LOG_READ_MIN_ONE). A range stops at a segment's end;
 *     the next segment's range follows only when the first ended on a
 *     batch boundary (next_offset), up to KAFKA_FETCH_RANGES per
 *     partition. The codec puts [header][range][header][range]... into
 *     the connection's chain: the record bytes go from the page cache to
 *     the socket with sendfile, never through user space.
 *  2. --fetch-copy reads each range into a heap buffer with pread and
 *     sends that instead (read+write): the benchmark's reference for what
 *     sendfile saves. Nothing else differs.
 *  3. Long-poll: when fewer than min_bytes are there, no partition has an
 *     error and max_wait_ms > 0, the fetch parks (conn.c, rule 3) until
 *     an append makes a partition it reads grow, or its deadline. Each
 *     look re-reads every partition, so the answer always holds what is
 *     there at that moment; the arrays of the answer are allocated once,
 *     from the request's arena, and filled again.
 *  4. Wakeups: each partition has a bit per worker with a fetch waiting
 *     for it (wait_mask). The log's notify hook, called on the appending
 *     thread after the high watermark moved, queues a recheck on the
 *     waiting workers: deferred work when it is the worker itself, an
 *     ev_async from another thread. The bits are set before the parked
 *     fetch's last look, so an append after that look always wakes it.
 *  5. A deleted topic (DeleteTopics, admin.c) is UNKNOWN_TOPIC_OR_PARTITION
 *     from the next look on, also for a parked fetch that found it
 *     before: the deletion wakes every worker (admin.c) and grew() says
 *     yes. The parts stay allocated; their logs are closed only once no
 *     fetch is parked on them (topic.h, kafka_topics_reap).
 *  6. No fetch sessions (KIP-227): an incremental fetch gets
 *     FETCH_SESSION_ID_NOT_FOUND and no topics; the client falls back to
 *     full fetches (kafka_fetch_session_error).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "broker_int.h"

/* Rule 1: ranges (segments) one partition may answer with. */
#define KAFKA_FETCH_RANGES 4
/* A client's max_wait_ms is capped here (librdkafka sends 500). */
#define KAFKA_FETCH_WAIT_MAX 300000

/*
 * One look at the partitions (rule 3): the answer's arrays, sized for the
 * request, and the references the ranges hold until they are encoded.
 */
struct fetch_look {
	uint32_t nr_parts;
	struct kafka_part **parts;	/* request order; NULL: unknown */
	int64_t *seen_end;		/* log end at the last look */
	struct kafka_fetch_topic_resp *topics;
	struct kafka_fetch_part_resp *presp;
	struct kafka_records_range *ranges;
	struct zc_buf **refs;		/* ours, one per range */
	uint32_t nr_refs;
	uint64_t bytes;
	uint64_t copied;
	bool error;
};

static void drop_refs(struct fetch_look *lk)
{
	uint32_t i;

	for (i = 0; i < lk->nr_refs; i++)
		zc_buf_unref(lk->refs[i]);
	lk->nr_refs = 0;
}

/* The arrays for @req's partitions, and the partitions looked up. */
static struct fetch_look *look_new(struct kafka_srv *srv,
				   struct kafka_request *req)
{
	const struct kafka_fetch_req *f = &req->fetch;
	struct kafka_arena *a = &req->arena;
	struct fetch_look *lk;
	struct kafka_topic *tp;
	uint32_t i, j, n = 0;

	for (i = 0; i < f->nr_topics; i++)
		n += f->topics[i].nr_partitions;
	lk = kafka_arena_alloc(a, 1, sizeof(*lk));
	if (!lk)
		return NULL;
	lk->nr_parts = n;
	lk->parts = kafka_arena_alloc(a, n, sizeof(*lk->parts));
	lk->seen_end = kafka_arena_alloc(a, n, sizeof(*lk->seen_end));
	lk->topics = kafka_arena_alloc(a, f->nr_topics, sizeof(*lk->topics));
	lk->presp = kafka_arena_alloc(a, n, sizeof(*lk->presp));
	lk->ranges = kafka_arena_alloc(a, (size_t)n * KAFKA_FETCH_RANGES,
				       sizeof(*lk->ranges));
	lk->refs = kafka_arena_alloc(a, (size_t)n * KAFKA_FETCH_RANGES,
				     sizeof(*lk->refs));
	if (!lk->parts || !lk->seen_end || !lk->topics || !lk->presp ||
	    !lk->ranges || !lk->refs)
		return NULL;
	for (i = 0, n = 0; i < f->nr_topics; i++) {
		tp = kafka_topic_find(srv->topics, &f->topics[i].name);
		for (j = 0; j < f->topics[i].nr_partitions; j++, n++)
			lk->parts[n] = tp ? kafka_topic_part(tp,
				f->topics[i].partitions[j].partition) : NULL;
	}
	return lk;
}

/* Rule 2: the range copied into memory; 0 or -errno. */
static int copy_range(struct fetch_look *lk,
		      const struct kafka_log_slice *s,
		      struct kafka_records_range *r)
{
	struct zc_buf *b;
	size_t got = 0;
	ssize_t n;
	int err;

	b = zc_buf_new(s->len, &err);
	if (!b)
		return err;
	while (got < s->len) {
		n = pread(s->file->fd, b->data + got, s->len - got,
			  s->pos + (off_t)got);
		if (n <= 0) {
			zc_buf_unref(b);
			return n < 0 ? -errno : -ENODATA;
		}
		got += (size_t)n;
	}
	*r = (struct kafka_records_range){ .buf = b, .off = 0, .len = got };
	lk->refs[lk->nr_refs++] = b;
	lk->copied += got;
	return 0;
}

/* Adds the slice @s as range @r of the answer; the slice is emptied. */
static int add_range(struct fetch_look *lk, bool copy,
		     struct kafka_log_slice *s,
		     struct kafka_records_range *r)
{
	int err = 0;

	if (copy) {
		err = copy_range(lk, s, r);
		kafka_log_slice_exit(s);
		return err;
	}
	/* The slice's reference becomes ours, dropped after encoding. */
	*r = (struct kafka_records_range){ .buf = s->file, .off = s->pos,
					   .len = s->len };
	lk->refs[lk->nr_refs++] = s->file;
	s->file = NULL;
	s->len = 0;
	return 0;
}

/*
 * Rule 1 for one partition: fills @pr (and its ranges, from @r) reading
 * at most *@left bytes (minus what it takes).
 */
static void read_part(struct fetch_look *lk, bool copy, struct kafka_part *p,
		      const struct kafka_fetch_part *fp,
		      struct kafka_fetch_part_resp *pr,
		      struct kafka_records_range *r, int64_t *left)
{
	struct kafka_log_slice s;
	unsigned int flags = lk->bytes ? 0 : KAFKA_LOG_READ_MIN_ONE;
	int64_t max = fp->partition_max_bytes < *left ?
		      fp->partition_max_bytes : *left;
	int64_t offset = fp->fetch_offset;
	int err;

	pr->high_watermark = kafka_log_end_offset(p->log);
	pr->log_start_offset = kafka_log_start_offset(p->log);
	while (pr->nr_ranges < KAFKA_FETCH_RANGES &&
	       (max > 0 || (flags && !pr->nr_ranges))) {
		memset(&s, 0, sizeof(s));
		err = kafka_log_read(p->log, offset, max > 0 ? (size_t)max : 0,
				     flags, &s);
		pr->high_watermark = s.high_watermark;
		pr->log_start_offset = s.log_start;
		if (err) {
			pr->error = err == -ERANGE ? KAFKA_OFFSET_OUT_OF_RANGE :
						     KAFKA_KAFKA_STORAGE_ERROR;
			if (err != -ERANGE)
				eng_log(ENG_LOG_ERROR, "fetch %s-%d: %s",
					p->topic->name, p->id, strerror(-err));
			kafka_log_slice_exit(&s);
			return;
		}
		if (!s.len) {
			kafka_log_slice_exit(&s);
			break;
		}
		max -= (int64_t)s.len;
		*left -= (int64_t)s.len;
		lk->bytes += s.len;
		offset = s.next_offset;
		if (add_range(lk, copy, &s, &r[pr->nr_ranges])) {
			pr->error = KAFKA_KAFKA_STORAGE_ERROR;
			return;
		}
		pr->nr_ranges++;
		flags = 0;
		/* Only a range that ended on a batch boundary continues. */
		if (offset < 0 || offset >= pr->high_watermark)
			break;
	}
}

/* Rule 3: one look at every partition; fills the answer's arrays. */
static void look(struct kafka_srv *srv, struct kafka_request *req,
		 struct fetch_look *lk)
{
	const struct kafka_fetch_req *f = &req->fetch;
	struct kafka_fetch_part_resp *pr;
	int64_t left = f->max_bytes > 0 ? f->max_bytes : 0;
	uint32_t i, j, n = 0;

	drop_refs(lk);
	lk->bytes = lk->copied = 0;
	lk->error = false;
	for (i = 0; i < f->nr_topics; i++) {
		lk->topics[i].name = f->topics[i].name;
		lk->topics[i].nr_partitions = f->topics[i].nr_partitions;
		lk->topics[i].partitions = &lk->presp[n];
		for (j = 0; j < f->topics[i].nr_partitions; j++, n++) {
			pr = &lk->presp[n];
			memset(pr, 0, sizeof(*pr));
			pr->partition = f->topics[i].partitions[j].partition;
			pr->ranges = &lk->ranges[n * KAFKA_FETCH_RANGES];
			if (!lk->parts[n] ||
			    kafka_topic_deleted(lk->parts[n]->topic)) {
				pr->error = KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
				pr->high_watermark = -1;
				pr->log_start_offset = -1;
			} else {
				read_part(lk, srv->cfg->fetch_copy,
					  lk->parts[n],
					  &f->topics[i].partitions[j], pr,
					  &lk->ranges[n * KAFKA_FETCH_RANGES],
					  &left);
				lk->seen_end[n] = pr->high_watermark;
			}
			pr->last_stable_offset = pr->high_watermark;
			if (pr->error)
				lk->error = true;
			if (left < 0)
				left = 0;
		}
	}
}

/* Encodes the answer of the last look into @c's chain (after wb). */
static int answer(struct kafka_conn *c, struct kafka_request *req,
		  struct fetch_look *lk, int session_error)
{
	struct kafka_srv *srv = c->w->srv;
	struct kafka_fetch_resp resp = {
		.error = (int16_t)session_error,
		.isolation_level = req->fetch.isolation_level,
		.nr_topics = session_error ? 0 : req->fetch.nr_topics,
		.topics = lk ? lk->topics : NULL,
	};
	int err;

	if (c->wb.len) {
		err = kafka_wbuf_to_chain(&c->wb, &c->out);
		if (err)
			return err;
	}
	err = kafka_fetch_resp_encode(&c->out, req->hdr.api_version,
				      req->hdr.correlation_id, &resp);
	if (lk) {
		kafka_count(c->w, srv->m.fetch_bytes, lk->bytes);
		kafka_count(c->w, srv->m.fetch_copied, lk->copied);
		if (lk->error)
			kafka_count(c->w, srv->m.fetch_errors, 1);
		drop_refs(lk);
	}
	return err;
}

static bool satisfied(const struct kafka_request *req,
		      const struct fetch_look *lk)
{
	const struct kafka_fetch_req *f = &req->fetch;

	return lk->error || f->max_wait_ms <= 0 ||
	       lk->bytes >= (uint64_t)(f->min_bytes > 0 ? f->min_bytes : 0);
}

/* Rule 4: this worker waits (or no longer) for the parts of @lk. */
static void wait_mark(struct kafka_worker *w, struct fetch_look *lk, int on)
{
	uint64_t bit = 1ull << (w->id % 64);
	struct kafka_part *p;
	uint32_t i;

	for (i = 0; i < lk->nr_parts; i++) {
		p = lk->parts[i];
		if (!p)
			continue;
		if (on && !p->wait_count[w->id]++)
			__atomic_fetch_or(&p->wait_mask, bit, __ATOMIC_SEQ_CST);
		else if (!on && !--p->wait_count[w->id] &&
			 w->srv->nr_workers <= 64)
			__atomic_fetch_and(&p->wait_mask, ~bit,
					   __ATOMIC_SEQ_CST);
	}
}

static struct fetch_look *parked_look(struct kafka_conn *c)
{
	return (struct fetch_look *)c->fw->look;
}

/* Parks @req (moved into c->fw) with its first look @lk. */
static int park(struct kafka_conn *c, struct kafka_request *req,
		struct fetch_look *lk)
{
	struct kafka_fetch_wait *fw;
	int32_t wait = req->fetch.max_wait_ms;

	fw = calloc(1, sizeof(*fw));
	if (!fw)
		return -ENOMEM;
	/* The arena (and lk in it) now belongs to the parked request. */
	fw->req = *req;
	kafka_arena_init(&req->arena);
	fw->look = lk;
	fw->deadline = ev_now(c->w->loop) + (uint64_t)(wait <
		KAFKA_FETCH_WAIT_MAX ? wait : KAFKA_FETCH_WAIT_MAX);
	c->fw = fw;
	c->flags |= KAFKA_CF_WAIT;
	wait_mark(c->w, lk, 1);
	kafka_worker_wait_add(c->w, c);
	kafka_count(c->w, c->w->srv->m.fetch_waits, 1);
	/* Rule 4: an append between the look and the marks is seen here. */
	ev_defer(c->w->loop, &c->w->recheck);
	return 1;
}

void kafka_fetch_unpark(struct kafka_conn *c)
{
	struct kafka_fetch_wait *fw = c->fw;

	if (!fw)
		return;
	drop_refs(parked_look(c));
	wait_mark(c->w, parked_look(c), 0);
	kafka_worker_wait_del(c->w, c);
	kafka_request_exit(&fw->req);
	free(fw);
	c->fw = NULL;
	c->flags &= ~KAFKA_CF_WAIT;
}

/* Whether a partition of the parked fetch grew since the last look. */
static bool grew(const struct fetch_look *lk)
{
	uint32_t i;

	for (i = 0; i < lk->nr_parts; i++) {
		if (!lk->parts[i])
			continue;
		/* rule 5: a deleted topic's log may be closed: not read */
		if (kafka_topic_deleted(lk->parts[i]->topic) ||
		    kafka_log_end_offset(lk->parts[i]->log) != lk->seen_end[i])
			return true;
	}
	return false;
}

int kafka_fetch_retry(struct kafka_conn *c, bool force)
{
	struct kafka_fetch_wait *fw = c->fw;
	struct fetch_look *lk;
	bool late;
	int err;

	if (!fw)
		return 1;
	lk = parked_look(c);
	late = ev_now(c->w->loop) >= fw->deadline;
	if (!force && !late && !grew(lk))
		return 0;
	look(c->w->srv, &fw->req, lk);
	if (!force && !late && !satisfied(&fw->req, lk)) {
		drop_refs(lk);
		return 0;
	}
	if (!late)
		kafka_count(c->w, c->w->srv->m.fetch_wakeups, 1);
	err = answer(c, &fw->req, lk, KAFKA_NONE);
	/* The frame is answered: the next one starts behind it. */
	c->in_off += fw->frame_len;
	kafka_fetch_unpark(c);
	return err ? err : 1;
}

int kafka_fetch(struct kafka_conn *c, struct kafka_request *req,
		uint32_t frame_len)
{
	struct kafka_srv *srv = c->w->srv;
	struct fetch_look *lk;
	int serr, ret;

	kafka_count(c->w, srv->m.req[KAFKA_REQ_FETCH], 1);
	serr = kafka_fetch_session_error(&req->fetch);
	if (serr)
		return answer(c, req, NULL, serr);
	lk = look_new(srv, req);
	if (!lk)
		return -ENOMEM;
	look(srv, req, lk);
	if (satisfied(req, lk) || (c->flags & KAFKA_CF_DRAIN))
		return answer(c, req, lk, KAFKA_NONE);
	drop_refs(lk);
	ret = park(c, req, lk);
	if (ret == 1)
		c->fw->frame_len = frame_len;
	return ret;
}

void kafka_fetch_notify(void *arg, int64_t end)
{
	struct kafka_part *p = arg;
	uint64_t mask = __atomic_load_n(&p->wait_mask, __ATOMIC_SEQ_CST);

	(void)end;
	if (mask)
		kafka_workers_wake(p->ctx, mask);
}
