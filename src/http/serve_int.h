/* SPDX-License-Identifier: MIT */
/*
 * src/http/serve_int.h - what the files of `zcio serve` share: the server
 * (read-only once the workers run), the worker (one per engine worker
 * thread, touched by that thread only) and the connection.
 */
#ifndef ZC_HTTP_SERVE_INT_H
#define ZC_HTTP_SERVE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <zcio.h>

#include "engine/engine.h"
#include "files.h"
#include "http.h"
#include "serve.h"

/*
 * The statuses counted one by one in zcio_http_requests_total{code=...};
 * anything else counts as code="other".
 */
#define HTTP_CODES(X) X(200) X(206) X(301) X(304) X(400) X(403) X(404) \
	X(405) X(408) X(412) X(413) X(414) X(416) X(431) X(500) X(501)	\
	X(503) X(505)

enum http_err_kind {
	HTTP_ERR_TRUNCATED = 0,		/* a file shrank under sendfile */
	HTTP_ERR_SEND,			/* the client went away mid-reply */
	HTTP_ERR_HEADER_TIMEOUT,	/* 408 */
	HTTP_ERR_SEND_TIMEOUT,
	HTTP_ERR_OPEN,			/* open/fstat failed (not 404/403) */
	HTTP_ERR_NOMEM,
	HTTP_ERR__COUNT
};

/* Metric ids in the engine's registry (metrics.c registers them). */
struct http_metric_ids {
	int code[600];			/* by status; -1: count as other */
	int code_other;
	int small_body;			/* body bytes from small-file copies */
	int err[HTTP_ERR__COUNT];
	int keepalive_reuse;		/* requests after the first on a conn */
	int pipelined;			/* requests parsed behind another */
};

struct http_worker;

/* The server: set up before eng_run, read-only while workers run. */
struct http_srv {
	const struct http_cfg *cfg;
	struct eng *eng;
	int rootfd;
	struct http_mime *mime;
	struct http_limits lim;
	size_t in_size;			/* a connection's input buffer */
	struct http_metric_ids m;
	char server[32];		/* "zcio/0.1.0" */
	unsigned int nr_workers;
	struct http_worker **workers;	/* by worker id, for the metrics */
};

/*
 * A free list of equal blocks of @size bytes, per worker: input buffers
 * and head arenas are reused, never allocated per request. At most
 * @max_free idle blocks are kept; more are freed.
 */
struct http_pool {
	void *free;
	size_t size;
	unsigned int nr_free, max_free;
};

/* A block (uninitialised), or NULL when malloc fails. Never blocks. */
void *http_pool_get(struct http_pool *p);
/* Gives @block back: kept for reuse or freed. */
void http_pool_put(struct http_pool *p, void *block);
/* Frees every idle block; blocks still out are the caller's to put. */
void http_pool_exit(struct http_pool *p);

/* One worker thread's state. */
struct http_worker {
	struct http_srv *srv;
	struct eng_worker *ew;
	struct ev_loop *loop;
	uint64_t *row;			/* metrics row */
	struct eng_alog_buf *alog;	/* NULL: no access log */
	struct http_files *files;
	struct http_pool inbufs;	/* srv->in_size bytes each */
	struct http_pool arenas;	/* HTTP_ARENA bytes each */
	int64_t date_sec;		/* the second of date[] and clf[] */
	char date[HTTP_DATE_LEN + 1];	/* IMF-fixdate, for Date: */
	char clf[32];			/* "[10/Oct/2000:13:55:36 +0000]" */
	uint64_t seq;			/* multipart boundaries */
	char *path;			/* normalized path scratch */
	size_t path_cap;
	char *loc;			/* a Location, 3 * path_cap + max_uri */
	size_t loc_cap;
	struct http_request req;	/* ~4.5 KiB: one per worker */
};

/*
 * Per-connection response heads (and error pages, part headers) live in
 * an arena until the chain that points into them is sent. A request is
 * taken only when HTTP_RESP_ROOM bytes are left: a head with a long
 * Location, or an error page, fits in 2 KiB; sixteen part headers of a
 * multipart reply in 3 KiB more.
 */
#define HTTP_ARENA 16384
#define HTTP_RESP_ROOM 5120

enum http_conn_flag {
	HTTP_CF_CLOSE = 0x1,		/* close once the chain is sent */
	HTTP_CF_EOF = 0x2,		/* the client sent FIN */
	HTTP_CF_BODY = 0x4,		/* skipping a request body */
	HTTP_CF_LINGER = 0x8,		/* sent all, shut down, draining */
	HTTP_CF_DRAIN = 0x10,		/* graceful stop: no keep-alive */
	HTTP_CF_HEAD = 0x20,		/* bytes of a head arrived */
};

struct http_conn {
	struct eng_conn ec;		/* first: the engine's part */
	struct http_worker *w;
	struct http_parser parser;
	struct http_body body;
	char *in;			/* pooled; NULL while idle */
	uint32_t in_len, in_off;
	char *arena;			/* pooled; NULL while nothing to send */
	uint32_t arena_used;
	uint32_t inflight;		/* responses in the chain */
	uint32_t flags;			/* enum http_conn_flag */
	uint64_t requests;
	uint64_t head_deadline;		/* ev_now ms: the 408 */
	struct zc_chain out;
	char peer[48];			/* the client's address, for the log */
};

extern const struct eng_proto http_proto;
extern const struct eng_proto http_metrics_proto;

/*
 * Opens the --metrics listener on @addr ("ADDR:PORT"): worker 0 only, not
 * counted in --max-conns. Before eng_run. Returns 0, or -errno after
 * logging it with the option's name.
 */
int http_metrics_listen(struct eng *e, const char *addr);

/*
 * conn_resp.c: answers request @req (its head parsed, its strings in
 * @c's input buffer) by appending head and body to @c's chain; marks @c
 * to close after it when the answer says so, and closes @c itself when
 * memory runs out. Blocks only on the file system (open-file cache).
 */
void http_respond(struct http_conn *c, const struct http_request *req);

/*
 * conn_resp.c: queues the error page for @status (HEAD: head only; @req
 * may be NULL when no head was parsed) and closes the connection after it
 * when @close.
 */
void http_respond_error(struct http_conn *c, const struct http_request *req,
			int status, bool close);

/*
 * conn_dir.c: the --autoindex page of directory @path (normalized, with
 * its trailing '/', @len bytes) in a new heap buffer (*@page, one
 * reference for the caller) of *@page_len bytes. 0 or -errno (-ENOMEM,
 * or the open's error). Blocks on the file system.
 */
int http_dir_page(struct http_worker *w, const char *path, size_t len,
		  struct zc_buf **page, size_t *page_len);

/*
 * log.c: the access log line of one response (combined log format) into
 * the worker's buffer; @req may be NULL. May block when the buffer is full
 * and is written out (engine/log.h).
 */
void http_log_access(struct http_conn *c, const struct http_request *req,
		     int status, uint64_t bytes);

/* serve_worker.c: refreshes w->date and w->clf when the second changed. */
void http_worker_clock(struct http_worker *w);
/* serve_worker.c: the engine's on_worker_start and on_worker_stop. */
int http_worker_start(struct eng_worker *ew);
void http_worker_stop(struct eng_worker *ew);
/* Frees what http_worker_start made; after eng_run returned. */
void http_worker_free(struct http_worker *w);

/* metrics.c: registers the server's metrics (before eng_run); 0/-errno. */
int http_metrics_register(struct http_srv *srv);
/* metrics.c: one answer with @status, in @w's row. */
void http_count_status(struct http_worker *w, int status);

static inline void http_count_err(struct http_worker *w,
				  enum http_err_kind k)
{
	eng_metric_inc(w->row, w->srv->m.err[k]);
}

#endif
