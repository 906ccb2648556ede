/* SPDX-License-Identifier: MIT */
/*
 * src/kafka/conn.c - one Kafka client connection: the engine's callbacks
 * (on_open, on_io, on_timeout, on_drain, on_close) and the state machine
 * between them. What each request does is conn_api.c, produce.c, fetch.c.
 *
 * Rules:
 *  1. Input goes into a per-connection buffer of KAFKA_IN_MIN bytes that
 *     grows to hold one whole frame, never beyond --max-request-bytes (a
 *     frame announced larger closes the connection: the stream cannot be
 *     resynced past it). It shrinks back once drained.
 *  2. Every whole frame in the buffer is handled in order, and each answer
 *     is appended to the one zc_chain of the connection: small answers
 *     are encoded into a kafka_wbuf that joins the chain as one memory
 *     piece; a fetch answer goes straight into the chain, its records as
 *     file ranges. The chain is sent once per round, so pipelined
 *     requests leave in one gathered write, in the order they came.
 *  3. A fetch that has to wait for data (long-poll) parks the connection:
 *     its frame stays where it is in the buffer (its decoded strings point
 *     there), nothing more is read or handled, and answers queued before
 *     it are still sent. This is what Kafka does (it mutes a channel with
 *     a request in flight): later answers never overtake it. An append to
 *     one of its partitions, or its deadline, wakes it (fetch.c).
 *  4. Reading pauses while more than KAFKA_OUT_HIGH bytes of answers wait
 *     in the chain: a client that sends without reading cannot make the
 *     broker queue without bound.
 *  5. Produce with acks=0 has no answer; when it fails, the connection is
 *     closed after what is queued (Kafka's way to tell such a producer).
 *     A request with an unknown API key, a malformed one, and one with an
 *     unsupported version (other than ApiVersions, which gets
 *     UNSUPPORTED_VERSION and stays open) close the connection too, as in
 *     Kafka: they have no answer the client could match.
 *  6. One timer: the parked fetch's deadline, else --idle-timeout (also
 *     the bound for a client that does not read its answers).
 *  7. A JoinGroup or SyncGroup parks the connection the same way (rule 3)
 *     until its group answers it, from whichever thread completes the
 *     group (group_wait.c). Its timer is --idle-timeout, which does not
 *     close it: the group's own deadlines answer it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "broker_int.h"

/* Rule 1: a produce request of librdkafka's default batch fits. */
#define KAFKA_IN_MIN (64u << 10)
/* Rule 4. */
#define KAFKA_OUT_HIGH (4u << 20)

static struct kafka_conn *conn_of(struct eng_conn *ec)
{
	return (struct kafka_conn *)ec;
}

int64_t kafka_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const struct kafka_cfg *cfg_of(const struct kafka_conn *c)
{
	return c->w->srv->cfg;
}

static uint64_t queued(const struct kafka_conn *c)
{
	return zc_chain_bytes(&c->out) + c->wb.len;
}

/* Rule 4, 3: whether to read and handle more requests. */
static bool can_take(const struct kafka_conn *c)
{
	return !(c->flags & (KAFKA_CF_PARKED | KAFKA_CF_CLOSE)) &&
	       queued(c) < KAFKA_OUT_HIGH;
}

static void want(struct kafka_conn *c)
{
	unsigned int ev = 0;

	if (can_take(c) && !(c->flags & KAFKA_CF_EOF))
		ev |= EV_READ;
	if (zc_chain_bytes(&c->out))
		ev |= EV_WRITE;
	if (ev != eng_conn_wanted(&c->ec))
		eng_conn_want(&c->ec, ev);
}

/* Rule 6. */
static void arm_timer(struct kafka_conn *c)
{
	uint64_t now = ev_now(c->w->loop);

	if (c->flags & KAFKA_CF_WAIT)
		eng_conn_timeout(&c->ec, c->fw->deadline > now ?
				 c->fw->deadline - now : 1);
	else
		eng_conn_timeout(&c->ec, cfg_of(c)->idle_ms);
}

/* Counts what the kernel moved, by path, from one send's ledger. */
static void count_sent(struct kafka_conn *c, const struct zc_ledger *l)
{
	const struct kafka_metric_ids *m = &c->w->srv->m;

	if (l->path == ZC_PATH_SENDFILE && l->bytes > l->from_memory)
		kafka_count(c->w, m->fetch_sendfile,
			    l->bytes - l->from_memory);
	if (l->user_copied)
		kafka_count(c->w, m->user_copied, l->user_copied);
}

/*
 * Moves the encoded answers into the chain and sends what the socket
 * takes. Returns false once the connection is closed.
 */
static bool flush(struct kafka_conn *c)
{
	struct zc_ledger l;
	ssize_t n;
	int err;

	if (c->wb.len) {
		err = kafka_wbuf_to_chain(&c->wb, &c->out);
		if (err) {
			eng_conn_close(&c->ec, err);
			return false;
		}
	}
	if (zc_chain_bytes(&c->out)) {
		n = eng_conn_send(&c->ec, &c->out, &l);
		if (n < 0) {
			eng_conn_close(&c->ec, (int)n);
			return false;
		}
		count_sent(c, &l);
	}
	if (!zc_chain_bytes(&c->out) && (c->flags & KAFKA_CF_CLOSE)) {
		eng_conn_close(&c->ec, 0);
		return false;
	}
	return true;
}

/* Rule 1: room for @need bytes from in_off; false when out of memory. */
static bool room(struct kafka_conn *c, size_t need)
{
	size_t cap;
	uint8_t *p;

	if (c->in_off && c->in_cap - c->in_off < need) {
		memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
		c->in_len -= c->in_off;
		c->in_off = 0;
	}
	if (c->in_cap >= need)
		return true;
	cap = need > KAFKA_IN_MIN ? need : KAFKA_IN_MIN;
	p = realloc(c->in, cap);
	if (!p)
		return false;
	c->in = p;
	c->in_cap = (uint32_t)cap;
	return true;
}

/* Rule 1: drained: a grown buffer goes back to the usual size. */
static void drained_in(struct kafka_conn *c)
{
	if (c->in_off != c->in_len || (c->flags & KAFKA_CF_PARKED))
		return;
	c->in_off = c->in_len = 0;
	if (c->in_cap > KAFKA_IN_MIN) {
		free(c->in);
		c->in = NULL;
		c->in_cap = 0;
	}
}

static void log_refused(struct kafka_conn *c, const struct kafka_request *r,
			int err)
{
	const char *why = err == -ENOPROTOOPT ? "unknown API key" :
			  err == -ENOTSUP ? "unsupported version" :
			  "malformed request";

	eng_log(ENG_LOG_INFO, "fd %d: %s (api %d %s v%d, correlation %d); "
		"closing", c->ec.fd, why, r->hdr.api_key,
		kafka_api_name(r->hdr.api_key), r->hdr.api_version,
		r->hdr.correlation_id);
}

/*
 * One frame (@len bytes after the size prefix at @frame): decode and
 * answer. Returns 0, 1 when a fetch parked, or -errno to close (rule 5).
 */
static int handle(struct kafka_conn *c, uint8_t *frame, uint32_t len)
{
	struct kafka_request req;
	int err;

	err = kafka_request_decode(&req, frame, len);
	if (err == -ENOTSUP && !kafka_unsupported_encode(&c->wb, &req.hdr)) {
		kafka_count(c->w, c->w->srv->m.req[KAFKA_REQ_REFUSED], 1);
		kafka_request_exit(&req);
		return 0;
	}
	if (err) {
		if (err != -ENOMEM) {
			kafka_count(c->w, c->w->srv->m.req[KAFKA_REQ_REFUSED],
				    1);
			log_refused(c, &req, err);
		}
		kafka_request_exit(&req);
		return err;
	}
	err = kafka_dispatch(c, &req, len + 4);
	kafka_request_exit(&req);
	return err;
}

/* Rule 2: handles every whole frame in the buffer, in order. */
static void take_requests(struct kafka_conn *c)
{
	const struct kafka_cfg *cfg = cfg_of(c);
	ssize_t size;
	int ret;

	while (can_take(c) && !eng_conn_closed(&c->ec)) {
		size = kafka_frame_size(c->in + c->in_off,
					c->in_len - c->in_off,
					cfg->max_request_bytes);
		if (size < 0) {
			if (size == -EMSGSIZE)
				kafka_count(c->w, c->w->srv->m.oversize, 1);
			eng_log(ENG_LOG_INFO, "fd %d: %s frame; closing",
				c->ec.fd, size == -EMSGSIZE ?
				"oversize (--max-request-bytes)" : "bad");
			eng_conn_close(&c->ec, (int)size);
			return;
		}
		if (!size || (size_t)size > c->in_len - c->in_off) {
			if (size && !room(c, (size_t)size))
				eng_conn_close(&c->ec, -ENOMEM);
			return;
		}
		ret = handle(c, c->in + c->in_off + 4, (uint32_t)size - 4);
		if (ret < 0) {
			eng_conn_close(&c->ec, ret);
			return;
		}
		/* Rule 3: a parked fetch's frame stays until answered. */
		if (ret == 1)
			return;
		c->in_off += (uint32_t)size;
	}
}

/* One recv; false when the connection ended or nothing came. */
static bool read_some(struct kafka_conn *c)
{
	ssize_t n;

	if (!room(c, c->in_len - c->in_off + 4096)) {
		eng_conn_close(&c->ec, -ENOMEM);
		return false;
	}
	n = recv(c->ec.fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
	if (n > 0) {
		c->in_len += (uint32_t)n;
		return true;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return false;
	if (n < 0) {
		eng_conn_close(&c->ec, -errno);
		return false;
	}
	c->flags |= KAFKA_CF_EOF;
	return false;
}

/* After any progress: send, then decide what to wait for. */
static void settle(struct kafka_conn *c)
{
	if (eng_conn_closed(&c->ec) || !flush(c))
		return;
	drained_in(c);
	/* The client is gone and everything it asked is answered. */
	if ((c->flags & KAFKA_CF_EOF) && !(c->flags & KAFKA_CF_PARKED) &&
	    !zc_chain_bytes(&c->out)) {
		eng_conn_close(&c->ec, 0);
		return;
	}
	want(c);
	arm_timer(c);
}

void kafka_conn_resume(struct kafka_conn *c)
{
	if (eng_conn_closed(&c->ec))
		return;
	take_requests(c);
	settle(c);
}

static void on_io(struct eng_conn *ec, unsigned int events)
{
	struct kafka_conn *c = conn_of(ec);

	if ((events & EV_WRITE) && !flush(c))
		return;
	if ((events & EV_READ) && can_take(c) &&
	    !(c->flags & KAFKA_CF_EOF))
		read_some(c);
	if (eng_conn_closed(ec))
		return;
	take_requests(c);
	settle(c);
}

static void on_timeout(struct eng_conn *ec)
{
	struct kafka_conn *c = conn_of(ec);
	int ret;

	if (c->flags & KAFKA_CF_GROUP) {
		/* Rule 7: the group answers it; only look again later. */
		arm_timer(c);
		return;
	}
	if (!(c->flags & KAFKA_CF_WAIT)) {
		/* Idle, or a client that has not read its answers. */
		eng_conn_close(ec, zc_chain_bytes(&c->out) ? -ETIMEDOUT : 0);
		return;
	}
	ret = kafka_fetch_retry(c, false);
	if (ret < 0) {
		eng_conn_close(ec, ret);
		return;
	}
	kafka_conn_resume(c);
}

static int on_open(struct eng_conn *ec)
{
	struct kafka_conn *c = conn_of(ec);

	c->w = eng_worker_data(ec->worker);
	zc_chain_init(&c->out);
	kafka_wbuf_init(&c->wb);
	arm_timer(c);
	return 0;
}

/*
 * Graceful stop: a parked fetch is answered now with what there is;
 * answers in flight go out; then the connection closes.
 */
static void on_drain(struct eng_conn *ec)
{
	struct kafka_conn *c = conn_of(ec);
	int ret;

	c->flags |= KAFKA_CF_DRAIN;
	if (c->flags & KAFKA_CF_GROUP) {
		ret = kafka_group_drain(c);
		if (ret < 0) {
			eng_conn_close(ec, ret);
			return;
		}
	}
	if (c->flags & KAFKA_CF_WAIT) {
		ret = kafka_fetch_retry(c, true);
		if (ret < 0) {
			eng_conn_close(ec, ret);
			return;
		}
	}
	c->flags |= KAFKA_CF_CLOSE;
	settle(c);
}

static void on_close(struct eng_conn *ec, int err)
{
	struct kafka_conn *c = conn_of(ec);

	(void)err;
	if (c->flags & KAFKA_CF_WAIT)
		kafka_fetch_unpark(c);
	if (c->flags & KAFKA_CF_GROUP)
		kafka_group_unpark(c);
	zc_chain_exit(&c->out);
	kafka_wbuf_exit(&c->wb);
	free(c->in);
	c->in = NULL;
	c->in_cap = c->in_len = c->in_off = 0;
}

const struct eng_proto kafka_proto = {
	.name = "kafka",
	.conn_size = sizeof(struct kafka_conn),
	.on_open = on_open,
	.on_io = on_io,
	.on_timeout = on_timeout,
	.on_drain = on_drain,
	.on_close = on_close,
	.on_worker_start = kafka_worker_start,
	.on_worker_stop = kafka_worker_stop,
};
