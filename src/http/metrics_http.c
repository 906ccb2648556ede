/* SPDX-License-Identifier: MIT */
/*
 * src/http/metrics_http.c - the --metrics listener: GET /metrics answers
 * the engine's registry in the Prometheus text format; anything else is
 * 404 (405 for other methods). One request per connection, then close:
 * a scraper every few seconds does not need keep-alive, and the listener
 * stays out of the way of the file server (worker 0 only, not counted in
 * --max-conns).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve_int.h"

/* A scraper's request head is a few hundred bytes. */
#define MHEAD_MAX 4096
#define MTIMEOUT_MS 10000

struct mconn {
	struct eng_conn ec;
	struct zc_chain out;
	uint32_t len;
	int answered;
	char head[256];
	char in[MHEAD_MAX];
};

static const struct http_limits mlimits = {
	.max_head = MHEAD_MAX - 1, .max_uri = 1024, .max_fields = 64,
	.max_body = 0,
};

static void free_render(void *opaque, void *data, size_t size)
{
	(void)opaque;
	(void)size;
	free(data);
}

/* The head into m->head and the body as a chain piece. */
static int answer(struct mconn *m, int status, char *body, size_t len,
		  bool head_only)
{
	struct zc_buf *b;
	int n, err;

	n = snprintf(m->head, sizeof(m->head), "HTTP/1.1 %d %s\r\n"
		     "Content-Type: %s\r\nContent-Length: %zu\r\n"
		     "Connection: close\r\n\r\n", status,
		     http_status_reason(status), status == 200 ?
		     ENG_METRICS_CONTENT_TYPE : "text/plain", len);
	err = zc_chain_append_ptr(&m->out, m->head, (size_t)n);
	if (err || head_only || !len) {
		free(body);
		return err;
	}
	b = zc_buf_wrap(body, len, free_render, NULL, &err);
	if (!b) {
		free(body);
		return err;
	}
	err = zc_chain_append_mem(&m->out, b, body, len);
	zc_buf_unref(b);
	return err;
}

static int respond(struct mconn *m, const struct http_request *req,
		   ssize_t parsed)
{
	struct eng *e = eng_worker_engine(m->ec.worker);
	size_t len = 0;
	char *body;
	int err;

	if (parsed < 0)
		return answer(m, (int)-parsed, NULL, 0, false);
	if (req->path.len != 8 || memcmp(req->path.p, "/metrics", 8))
		return answer(m, 404, NULL, 0, false);
	body = eng_metrics_render(eng_metrics(e), &len, &err);
	if (!body)
		return answer(m, 500, NULL, 0, false);
	return answer(m, 200, body, len, req->method == HTTP_M_HEAD);
}

static void on_io(struct eng_conn *ec, unsigned int events)
{
	struct mconn *m = (struct mconn *)ec;
	struct http_request req;
	struct http_parser p;
	ssize_t n;

	if ((events & EV_READ) && !m->answered) {
		n = recv(ec->fd, m->in + m->len, sizeof(m->in) - m->len, 0);
		if (n <= 0) {
			if (n == 0 || errno != EAGAIN)
				eng_conn_close(ec, 0);
			return;
		}
		m->len += (uint32_t)n;
		/* Parsed from the start each time: heads are tiny. */
		http_parser_init(&p, &mlimits);
		n = http_parse(&p, m->in, m->len, &req);
		if (!n && m->len < sizeof(m->in))
			return;
		m->answered = 1;
		if (respond(m, &req, n ? n : -431)) {
			eng_conn_close(ec, -ENOMEM);
			return;
		}
		eng_conn_want(ec, EV_WRITE);
	}
	if (!m->answered || eng_conn_send(ec, &m->out, NULL) < 0 ||
	    !zc_chain_bytes(&m->out))
		eng_conn_close(ec, 0);
}

static int on_open(struct eng_conn *ec)
{
	struct mconn *m = (struct mconn *)ec;

	zc_chain_init(&m->out);
	eng_conn_timeout(ec, MTIMEOUT_MS);
	return 0;
}

static void on_close(struct eng_conn *ec, int err)
{
	(void)err;
	zc_chain_exit(&((struct mconn *)ec)->out);
}

const struct eng_proto http_metrics_proto = {
	.name = "metrics",
	.conn_size = sizeof(struct mconn),
	.on_open = on_open,
	.on_io = on_io,
	.on_close = on_close,
};

int http_metrics_listen(struct eng *e, const char *addr)
{
	int err;

	err = eng_listen(e, addr, &http_metrics_proto,
			 ENG_LISTEN_SINGLE | ENG_LISTEN_NO_LIMIT);
	if (err < 0) {
		eng_log(ENG_LOG_ERROR, "--metrics %s: %s", addr,
			strerror(-err));
		return err;
	}
	return 0;
}
