/* SPDX-License-Identifier: MIT */
/*
 * src/http/conn.c - one HTTP connection: the engine's callbacks (on_open,
 * on_io, on_timeout, on_drain, on_close) and the state machine between
 * them. Building the answer to one request is conn_resp.c.
 *
 * Rules:
 *  1. Input is read into a pooled buffer of srv->in_size bytes (more than
 *     --max-header-bytes, so the parser's 431 comes before the buffer is
 *     full). Every complete head in it is answered in order (pipelining)
 *     while fewer than --max-pipeline answers wait in the chain and the
 *     head arena has room; then reading pauses until the chain is sent.
 *  2. Each answer is appended to one zc_chain: its head (in the arena)
 *     and its body (a file range, or a slice of a small file's memory
 *     copy). eng_conn_send sends it when the socket is writable and
 *     resumes after partial sends; EV_WRITE is wanted only while bytes
 *     are left.
 *  3. One timer at a time: --send-timeout while bytes are left (re-armed
 *     on progress), else the head's deadline (--header-timeout from its
 *     first byte: a 408 if bytes came, a silent close if none), else
 *     --keepalive-timeout.
 *  4. An answer that ends the connection (an error the parser found, a
 *     client that said close, a graceful stop) is sent, then the write
 *     side is shut down and the rest of the input is read and dropped for
 *     a moment before closing: closing with unread input sends a RST that
 *     can destroy the answer on its way (nginx's lingering close).
 *  5. Buffers go back to the pools when the connection idles, so 10,000
 *     idle keep-alive connections cost their struct only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "serve_int.h"

/* How long a lingering close waits for the client's FIN. */
#define LINGER_MS 2000

static struct http_conn *conn_of(struct eng_conn *ec)
{
	return (struct http_conn *)ec;
}

static uint64_t now_ms(struct http_conn *c)
{
	return ev_now(c->w->loop);
}

static void release_in(struct http_conn *c)
{
	if (c->in) {
		http_pool_put(&c->w->inbufs, c->in);
		c->in = NULL;
	}
	c->in_len = c->in_off = 0;
}

static void release_arena(struct http_conn *c)
{
	if (c->arena) {
		http_pool_put(&c->w->arenas, c->arena);
		c->arena = NULL;
	}
	c->arena_used = 0;
}

/* Bytes of a next request already here (or a body being skipped). */
static bool head_pending(const struct http_conn *c)
{
	return c->in_len > c->in_off || (c->flags & HTTP_CF_BODY);
}

/* Rule 3: the one timer for the state we are in. */
static void arm_timer(struct http_conn *c)
{
	const struct http_cfg *cfg = c->w->srv->cfg;
	uint64_t now = now_ms(c);

	if (c->flags & HTTP_CF_LINGER)
		return;
	if (zc_chain_bytes(&c->out))
		eng_conn_timeout(&c->ec, cfg->send_ms);
	else if (head_pending(c) || !c->requests)
		eng_conn_timeout(&c->ec, c->head_deadline > now ?
				 c->head_deadline - now : 1);
	else
		eng_conn_timeout(&c->ec, cfg->keepalive_ms);
}

/* A head starts now: its deadline is --header-timeout from here. */
static void head_starts(struct http_conn *c)
{
	c->head_deadline = now_ms(c) + c->w->srv->cfg->header_ms;
}

/*
 * Whether to take another request: not after the last answer, and not
 * while the chain is full (rule 1). Reading also stops at EOF.
 */
static bool can_take(const struct http_conn *c)
{
	const struct http_cfg *cfg = c->w->srv->cfg;

	if (c->flags & HTTP_CF_CLOSE)
		return false;
	if (c->inflight >= cfg->max_pipeline)
		return false;
	return !c->arena || HTTP_ARENA - c->arena_used >= HTTP_RESP_ROOM;
}

static void want(struct http_conn *c)
{
	unsigned int ev = 0;

	if ((c->flags & HTTP_CF_LINGER) ||
	    (can_take(c) && !(c->flags & HTTP_CF_EOF)))
		ev |= EV_READ;
	if (zc_chain_bytes(&c->out))
		ev |= EV_WRITE;
	if (ev != eng_conn_wanted(&c->ec))
		eng_conn_want(&c->ec, ev);
}

/* Rule 4: the answers are out; shut down and drain before closing. */
static void linger(struct http_conn *c)
{
	if (c->flags & HTTP_CF_EOF) {
		eng_conn_close(&c->ec, 0);
		return;
	}
	shutdown(c->ec.fd, SHUT_WR);
	release_in(c);
	c->flags |= HTTP_CF_LINGER;
	eng_conn_timeout(&c->ec, LINGER_MS);
	want(c);
}

static void drained(struct http_conn *c)
{
	c->inflight = 0;
	release_arena(c);
	if (c->flags & HTTP_CF_CLOSE) {
		linger(c);
		return;
	}
	if (c->in_len == c->in_off)
		release_in(c);
	else
		head_starts(c);
}

/*
 * Sends what the chain holds. A file that shrank under sendfile
 * (-ENODATA) ends this connection, and every cached entry of this worker
 * is checked again before its next use. Returns false once closed.
 */
static bool flush(struct http_conn *c)
{
	ssize_t n;

	if (!zc_chain_bytes(&c->out))
		return true;
	n = eng_conn_send(&c->ec, &c->out, NULL);
	if (n < 0) {
		if (n == -ENODATA) {
			http_count_err(c->w, HTTP_ERR_TRUNCATED);
			http_files_expire(c->w->files);
			eng_log(ENG_LOG_WARN, "%s: a file shrank while it was "
				"sent; connection closed", c->peer);
		} else {
			http_count_err(c->w, HTTP_ERR_SEND);
		}
		eng_conn_close(&c->ec, (int)n);
		return false;
	}
	if (!zc_chain_bytes(&c->out))
		drained(c);
	return !eng_conn_closed(&c->ec);
}

/* Skips request body bytes; false when the connection must end. */
static bool skip_body(struct http_conn *c)
{
	ssize_t n;

	n = http_body_skip(&c->body, c->in + c->in_off,
			   c->in_len - c->in_off);
	if (n < 0) {
		http_respond_error(c, NULL, (int)-n, true);
		return false;
	}
	c->in_off += (uint32_t)n;
	if (c->body.done)
		c->flags &= ~HTTP_CF_BODY;
	return true;
}

/* Rule 1: answers every complete head in the buffer, in order. */
static void take_requests(struct http_conn *c)
{
	struct http_request *req = &c->w->req;
	ssize_t n;

	while (can_take(c) && !eng_conn_closed(&c->ec)) {
		if ((c->flags & HTTP_CF_BODY) && !skip_body(c))
			break;
		if ((c->flags & HTTP_CF_BODY) || c->in_off == c->in_len)
			break;
		n = http_parse(&c->parser, c->in + c->in_off,
			       c->in_len - c->in_off, req);
		/* Not reached while in_size > max_head: the parser says 431. */
		if (!n && !c->in_off && c->in_len == c->w->srv->in_size)
			n = -431;
		if (!n)
			break;
		if (n < 0) {
			http_respond_error(c, req, (int)-n, true);
			break;
		}
		c->in_off += (uint32_t)n;
		http_parser_reset(&c->parser);
		if (c->inflight)
			eng_metric_inc(c->w->row, c->w->srv->m.pipelined);
		if (c->requests++)
			eng_metric_inc(c->w->row, c->w->srv->m.keepalive_reuse);
		if (req->body != HTTP_BODY_NONE) {
			http_body_init(&c->body, req, &c->w->srv->lim);
			c->flags |= HTTP_CF_BODY;
		}
		http_respond(c, req);
		if (c->in_off < c->in_len || (c->flags & HTTP_CF_BODY))
			head_starts(c);
	}
}

/* Moves unparsed bytes to the front, so a head always starts at 0. */
static void compact(struct http_conn *c)
{
	if (!c->in_off)
		return;
	memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
	c->in_len -= c->in_off;
	c->in_off = 0;
}

/* Drops input during a lingering close; closes at EOF or error. */
static void linger_read(struct http_conn *c)
{
	char buf[4096];
	ssize_t n;

	do {
		n = recv(c->ec.fd, buf, sizeof(buf), MSG_DONTWAIT);
	} while (n > 0);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		eng_conn_close(&c->ec, 0);
}

/* One read; false when the connection ended or nothing came. */
static bool read_some(struct http_conn *c)
{
	struct http_srv *srv = c->w->srv;
	ssize_t n;

	if (!c->in) {
		c->in = http_pool_get(&c->w->inbufs);
		if (!c->in) {
			http_count_err(c->w, HTTP_ERR_NOMEM);
			eng_conn_close(&c->ec, -ENOMEM);
			return false;
		}
	}
	compact(c);
	if (c->in_len == srv->in_size)
		return true;
	n = recv(c->ec.fd, c->in + c->in_len, srv->in_size - c->in_len, 0);
	if (n > 0) {
		if (!head_pending(c) && !(c->flags & HTTP_CF_HEAD) &&
		    c->requests)
			head_starts(c);
		c->flags |= HTTP_CF_HEAD;
		c->in_len += (uint32_t)n;
		return true;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		if (c->in_len == c->in_off)
			release_in(c);
		return false;
	}
	if (n < 0) {
		eng_conn_close(&c->ec, -errno);
		return false;
	}
	/* EOF: what was asked is answered, then we close (on_io). */
	c->flags |= HTTP_CF_EOF;
	return false;
}

/*
 * Answers the heads already in the buffer once the chain has room again
 * (they were left there while it was full, rule 1). Stops when a round
 * answers nothing new.
 */
static void take_buffered(struct http_conn *c)
{
	uint32_t off;

	while (!zc_chain_bytes(&c->out) && can_take(c) && head_pending(c)) {
		off = c->in_off;
		take_requests(c);
		if (eng_conn_closed(&c->ec) || !flush(c))
			return;
		if (c->in_off == off)
			break;
	}
}

static void on_io(struct eng_conn *ec, unsigned int events)
{
	struct http_conn *c = conn_of(ec);

	if (c->flags & HTTP_CF_LINGER) {
		linger_read(c);
		return;
	}
	if ((events & EV_WRITE) && !flush(c))
		return;
	if ((events & EV_READ) && can_take(c) &&
	    !(c->flags & HTTP_CF_EOF) && read_some(c)) {
		take_requests(c);
		if (eng_conn_closed(ec) || !flush(c))
			return;
	}
	if (eng_conn_closed(ec) || (c->flags & HTTP_CF_LINGER))
		return;
	take_buffered(c);
	if (eng_conn_closed(ec) || (c->flags & HTTP_CF_LINGER))
		return;
	if (!head_pending(c))
		c->flags &= ~HTTP_CF_HEAD;
	/* The client is gone and everything it asked for is answered. */
	if ((c->flags & HTTP_CF_EOF) && !zc_chain_bytes(&c->out)) {
		eng_conn_close(ec, 0);
		return;
	}
	want(c);
	arm_timer(c);
}

static void on_timeout(struct eng_conn *ec)
{
	struct http_conn *c = conn_of(ec);

	if (c->flags & HTTP_CF_LINGER) {
		eng_conn_close(ec, 0);
		return;
	}
	if (zc_chain_bytes(&c->out)) {
		http_count_err(c->w, HTTP_ERR_SEND_TIMEOUT);
		eng_conn_close(ec, -ETIMEDOUT);
		return;
	}
	if (!(c->flags & HTTP_CF_HEAD)) {
		/* Idle keep-alive, or a connection that never said a word. */
		eng_conn_close(ec, 0);
		return;
	}
	http_count_err(c->w, HTTP_ERR_HEADER_TIMEOUT);
	c->flags &= ~HTTP_CF_BODY;
	http_respond_error(c, NULL, 408, true);
	if (flush(c) && !(c->flags & HTTP_CF_LINGER)) {
		want(c);
		arm_timer(c);
	}
}

/* The client's address without the port, as the access log shows it. */
static void peer_text(const struct eng_conn *ec, char *buf, size_t len)
{
	const struct sockaddr_in *sin = (const void *)&ec->peer;
	const struct sockaddr_in6 *sin6 = (const void *)&ec->peer;

	if (ec->peer.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &sin6->sin6_addr, buf, (socklen_t)len);
	else if (ec->peer.ss_family == AF_INET)
		inet_ntop(AF_INET, &sin->sin_addr, buf, (socklen_t)len);
	else
		snprintf(buf, len, "-");
}

static bool is_loopback(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in *sin = (const void *)ss;
	const struct sockaddr_in6 *sin6 = (const void *)ss;
	const uint8_t *a = sin6->sin6_addr.s6_addr;

	if (ss->ss_family == AF_INET)
		return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	if (ss->ss_family != AF_INET6)
		return false;
	if (IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
		return true;
	return IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) && a[12] == 127;
}

/*
 * --loopback-sndbuf: a client on this host gets a small fixed send
 * buffer instead of the kernel's autotuning (which grows it to MiBs).
 * Over loopback the bandwidth-delay product is tiny, so the buffer never
 * limits throughput, and sending in bursts of at most this much keeps the
 * bytes in cache and the two sides working in step: 64 MiB files went
 * from 1.8-2.0 to 5.5-8.3 GB/s with hget -c4 (docs/serve.md). Remote
 * clients keep autotuning: a fixed buffer would cap them at buffer/RTT.
 */
static void loopback_sndbuf(struct http_conn *c)
{
	int v = (int)c->w->srv->cfg->loopback_sndbuf;

	if (v && is_loopback(&c->ec.peer))
		setsockopt(c->ec.fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
}

static int on_open(struct eng_conn *ec)
{
	struct http_conn *c = conn_of(ec);

	c->w = eng_worker_data(ec->worker);
	loopback_sndbuf(c);
	http_parser_init(&c->parser, &c->w->srv->lim);
	zc_chain_init(&c->out);
	peer_text(ec, c->peer, sizeof(c->peer));
	head_starts(c);
	arm_timer(c);
	return 0;
}

/*
 * Graceful stop: a connection with nothing to send closes now (a head
 * half received included), one that sends finishes that, then closes.
 */
static void on_drain(struct eng_conn *ec)
{
	struct http_conn *c = conn_of(ec);

	c->flags |= HTTP_CF_DRAIN;
	if (!zc_chain_bytes(&c->out)) {
		eng_conn_close(ec, 0);
		return;
	}
	/* The answers in the chain go out; no request after them. */
	c->flags |= HTTP_CF_CLOSE;
	want(c);
}

static void on_close(struct eng_conn *ec, int err)
{
	struct http_conn *c = conn_of(ec);

	(void)err;
	zc_chain_exit(&c->out);
	release_in(c);
	release_arena(c);
}

/* Over --max-conns: a 503 that never blocks, then the engine closes. */
static void on_refuse(struct eng_worker *ew, int fd)
{
	size_t len;
	const char *page = http_error_page(503, &len);
	char head[256];
	int n;

	(void)ew;
	n = snprintf(head, sizeof(head), "HTTP/1.1 503 Service Unavailable"
		     "\r\nContent-Type: text/html\r\nContent-Length: %zu\r\n"
		     "Retry-After: 1\r\nConnection: close\r\n\r\n", len);
	if (send(fd, head, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL | MSG_MORE)
	    == n)
		send(fd, page, len, MSG_DONTWAIT | MSG_NOSIGNAL);
}

const struct eng_proto http_proto = {
	.name = "http",
	.conn_size = sizeof(struct http_conn),
	.on_open = on_open,
	.on_io = on_io,
	.on_timeout = on_timeout,
	.on_drain = on_drain,
	.on_close = on_close,
	.on_refuse = on_refuse,
	.on_worker_start = http_worker_start,
	.on_worker_stop = http_worker_stop,
};
