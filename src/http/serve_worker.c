/* SPDX-License-Identifier: MIT */
/*
 * src/http/serve_worker.c - the state of one worker thread: its open-file
 * cache, buffer pools, access-log buffer, the request scratch and the
 * clock strings (Date and the access log's time, made once a second).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "serve_int.h"

/*
 * Blocks kept per pool when connections give them back: enough for the
 * busy connections of a benchmark, without keeping the peak of a storm.
 */
#define POOL_KEEP 1024

void *http_pool_get(struct http_pool *p)
{
	void *b = p->free;

	if (!b)
		return malloc(p->size);
	p->free = *(void **)b;
	p->nr_free--;
	return b;
}

void http_pool_put(struct http_pool *p, void *block)
{
	if (p->nr_free >= p->max_free) {
		free(block);
		return;
	}
	*(void **)block = p->free;
	p->free = block;
	p->nr_free++;
}

void http_pool_exit(struct http_pool *p)
{
	void *b;

	while ((b = p->free)) {
		p->free = *(void **)b;
		free(b);
	}
	p->nr_free = 0;
}

static const char months[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

/*
 * The coarse clock is read from the vDSO without a syscall; a second's
 * resolution is all Date and the log show.
 */
void http_worker_clock(struct http_worker *w)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	if (ts.tv_sec == w->date_sec)
		return;
	w->date_sec = ts.tv_sec;
	http_date_format(ts.tv_sec, w->date);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(w->clf, sizeof(w->clf), "[%d/___/%Y:%H:%M:%S +0000]", &tm);
	/* %b depends on the locale; the log format wants English. */
	memcpy(w->clf + 4, months[tm.tm_mon], 3);
}

static int setup(struct http_worker *w, struct eng_worker *ew)
{
	struct http_srv *srv = eng_data(eng_worker_engine(ew));
	const struct http_cfg *cfg = srv->cfg;
	struct http_files_cfg fcfg = {
		.rootfd = srv->rootfd,
		.entries = cfg->cache_entries,
		.valid_ms = cfg->cache_valid_ms,
		.small_max = cfg->small_file_max,
		.dotfiles = cfg->dotfiles,
		.mime = srv->mime,
	};
	int err;

	w->srv = srv;
	w->ew = ew;
	w->loop = eng_worker_loop(ew);
	w->row = eng_worker_metrics(ew);
	w->alog = eng_worker_alog(ew);
	w->inbufs.size = srv->in_size;
	w->inbufs.max_free = POOL_KEEP;
	w->arenas.size = HTTP_ARENA;
	w->arenas.max_free = POOL_KEEP;
	/* Room for the index name after the longest path. */
	w->path_cap = cfg->max_uri + 2 + 256;
	w->loc_cap = 3 * w->path_cap + cfg->max_uri + 4;
	w->path = malloc(w->path_cap);
	w->loc = malloc(w->loc_cap);
	if (!w->path || !w->loc)
		return -ENOMEM;
	w->files = http_files_new(&fcfg, &err);
	if (!w->files)
		return err;
	w->date_sec = -1;
	http_worker_clock(w);
	return 0;
}

/* on_worker_start: the worker's state, published for the metrics. */
int http_worker_start(struct eng_worker *ew)
{
	struct http_srv *srv = eng_data(eng_worker_engine(ew));
	struct http_worker *w;
	int ret;

	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	ret = setup(w, ew);
	if (ret) {
		http_worker_free(w);
		return ret;
	}
	eng_worker_set_data(ew, w);
	__atomic_store_n(&srv->workers[eng_worker_id(ew)], w,
			 __ATOMIC_RELEASE);
	return 0;
}

/*
 * on_worker_stop: every connection is closed. The worker itself is freed
 * by http_serve_run after eng_run returns, so that the metrics renderer
 * never reads a freed cache.
 */
void http_worker_stop(struct eng_worker *ew)
{
	struct http_worker *w = eng_worker_data(ew);

	http_pool_exit(&w->inbufs);
	http_pool_exit(&w->arenas);
}

void http_worker_free(struct http_worker *w)
{
	if (!w)
		return;
	http_files_free(w->files);
	http_pool_exit(&w->inbufs);
	http_pool_exit(&w->arenas);
	free(w->path);
	free(w->loc);
	free(w);
}
