/* SPDX-License-Identifier: MIT */
/*
 * src/http/conn_resp.c - the answer to one request, appended to the
 * connection's chain: its head in the connection's arena, then its body
 * as a file range of the cached fd (sendfile) or a slice of the small
 * file's memory copy (one sendmsg with the head). Nothing is copied but
 * the head, and nothing is allocated but the arena once per busy spell.
 *
 * The way of a request: normalize the path (path.h) -> open-file cache
 * (files.h) -> a directory: redirect, index file or listing -> a file:
 * conditional request (cond.h) -> Range (range.h) -> head (resp.h).
 */
#include <errno.h>
#include <string.h>

#include "serve_int.h"

/* The arena, taken from the pool on first use; NULL when none is left. */
static char *arena(struct http_conn *c, size_t *room)
{
	if (!c->arena) {
		c->arena = http_pool_get(&c->w->arenas);
		c->arena_used = 0;
		if (!c->arena)
			return NULL;
	}
	*room = HTTP_ARENA - c->arena_used;
	return c->arena + c->arena_used;
}

/* Appends @n bytes just written at the arena's end to the chain. */
static int push_arena(struct http_conn *c, size_t n)
{
	int ret = zc_chain_append_ptr(&c->out, c->arena + c->arena_used, n);

	if (!ret)
		c->arena_used += (uint32_t)n;
	return ret;
}

static bool keep_alive(const struct http_conn *c,
		       const struct http_request *req)
{
	return req && req->keep_alive && !(c->flags & HTTP_CF_DRAIN) &&
	       !eng_worker_stopping(c->ec.worker);
}

/* The fields every answer has. */
static void base(struct http_conn *c, const struct http_request *req,
		 struct http_resp *r, int status)
{
	memset(r, 0, sizeof(*r));
	r->status = status;
	r->keep_alive = keep_alive(c, req);
	r->date = c->w->date;
	r->server = c->w->srv->server;
}

/* Counts, logs, and ends the connection after an answer that says so. */
static void done(struct http_conn *c, const struct http_request *req,
		 const struct http_resp *r, uint64_t body)
{
	c->inflight++;
	http_count_status(c->w, r->status);
	http_log_access(c, req, r->status, body);
	if (!r->keep_alive)
		c->flags |= HTTP_CF_CLOSE;
}

static void fail_nomem(struct http_conn *c)
{
	http_count_err(c->w, HTTP_ERR_NOMEM);
	eng_conn_close(&c->ec, -ENOMEM);
}

/* An error page (or a redirect: r->location) for the request. */
static void queue_error(struct http_conn *c, const struct http_request *req,
			struct http_resp *r)
{
	bool head_only = req && req->method == HTTP_M_HEAD;
	size_t room, len = 0;
	ssize_t n;
	char *p;

	p = arena(c, &room);
	if (!p) {
		fail_nomem(c);
		return;
	}
	n = http_resp_error(r, head_only, p, room);
	if (n < 0 || push_arena(c, (size_t)n)) {
		fail_nomem(c);
		return;
	}
	if (!head_only)
		http_error_page(r->status, &len);
	done(c, req, r, len);
}

void http_respond_error(struct http_conn *c, const struct http_request *req,
			int status, bool close)
{
	struct http_resp r;

	http_worker_clock(c->w);
	base(c, req, &r, status);
	if (close)
		r.keep_alive = false;
	queue_error(c, req, &r);
}

/* The status for an error of http_files_get. */
static int open_status(struct http_conn *c, int err)
{
	switch (err) {
	case -ENOENT:
	case -ENOTDIR:
		return 404;
	case -EACCES:
	case -EPERM:
		return 403;
	case -ENAMETOOLONG:
		return 414;
	case -EMFILE:
	case -ENFILE:
	case -ENOMEM:
		eng_log(ENG_LOG_WARN, "%s: cannot open a file: %s", c->peer,
			strerror(-err));
		http_count_err(c->w, HTTP_ERR_OPEN);
		return 503;
	}
	eng_log(ENG_LOG_ERROR, "%s: cannot open a file: %s", c->peer,
		strerror(-err));
	http_count_err(c->w, HTTP_ERR_OPEN);
	return 500;
}

/* Appends bytes [off, off + len) of @f's body: memory copy or file range. */
static int push_body(struct http_conn *c, const struct http_file *f,
		     uint64_t off, uint64_t len)
{
	if (f->mem) {
		eng_metric_add(c->w->row, c->w->srv->m.small_body, len);
		return zc_chain_append_mem(&c->out, f->mem, f->mem->data + off,
					   len);
	}
	return zc_chain_append_file(&c->out, f->store, (off_t)off, len);
}

/* The head of @r into the arena, then the body range (GET only). */
static void queue_file(struct http_conn *c, const struct http_request *req,
		       struct http_resp *r, const struct http_file *f,
		       uint64_t off, uint64_t len)
{
	bool head_only = req->method == HTTP_M_HEAD;
	size_t room;
	ssize_t n;
	char *p;

	p = arena(c, &room);
	if (!p) {
		fail_nomem(c);
		return;
	}
	n = http_resp_head(r, p, room);
	if (n < 0 || push_arena(c, (size_t)n) ||
	    (!head_only && len && push_body(c, f, off, len))) {
		fail_nomem(c);
		return;
	}
	done(c, req, r, head_only ? 0 : len);
}

/* Content-Type, Last-Modified and ETag: prebuilt lines, or fields. */
static void validators(struct http_resp *r, const struct http_file *f,
		       bool with_type)
{
	if (with_type && f->meta_len) {
		r->extra = f->meta;
		return;
	}
	if (with_type) {
		r->content_type = f->ctype;
		r->accept_ranges = true;
	}
	r->etag = f->etag;
	r->has_last_modified = true;
	r->last_modified = f->mtime.tv_sec;
}

/*
 * multipart/byteranges: the head, then per range a part header (arena)
 * and the range, then the closing boundary (range.h).
 */
static void queue_multipart(struct http_conn *c,
			    const struct http_request *req,
			    const struct http_file *f,
			    const struct http_ranges *rs)
{
	char bnd[HTTP_BOUNDARY_LEN + 1], ctype[64];
	bool head_only = req->method == HTTP_M_HEAD;
	struct http_resp r;
	size_t room;
	unsigned int i;
	ssize_t n;
	char *p;

	http_multipart_boundary(bnd, ++c->w->seq ^ (uint64_t)f->ino);
	memcpy(ctype, "multipart/byteranges; boundary=", 31);
	memcpy(ctype + 31, bnd, sizeof(bnd));
	base(c, req, &r, 206);
	validators(&r, f, false);
	r.content_type = ctype;
	r.accept_ranges = true;
	r.has_content_length = true;
	r.content_length = http_multipart_length(bnd, f->ctype, rs, f->size);
	p = arena(c, &room);
	if (!p || (n = http_resp_head(&r, p, room)) < 0 ||
	    push_arena(c, (size_t)n))
		goto nomem;
	for (i = 0; !head_only && i < rs->n; i++) {
		p = arena(c, &room);
		n = http_multipart_part(p, room, bnd, f->ctype, &rs->r[i],
					f->size);
		if (n < 0 || push_arena(c, (size_t)n) ||
		    push_body(c, f, rs->r[i].first,
			      rs->r[i].last - rs->r[i].first + 1))
			goto nomem;
	}
	if (!head_only) {
		p = arena(c, &room);
		n = http_multipart_end(p, room, bnd);
		if (n < 0 || push_arena(c, (size_t)n))
			goto nomem;
	}
	done(c, req, &r, head_only ? 0 : r.content_length);
	return;
nomem:
	fail_nomem(c);
}

/* A regular file: 304/412, then 206/416 or 200. */
static void serve_file(struct http_conn *c, const struct http_request *req,
		       const struct http_file *f)
{
	struct http_entity e = {
		.etag = f->etag, .etag_len = f->etag_len,
		.mtime = f->mtime.tv_sec, .has_mtime = true,
	};
	struct http_ranges rs;
	struct http_cond cond;
	struct http_resp r;
	int st;

	http_cond_eval(req, &e, c->w->date_sec, &cond);
	if (cond.status == 412) {
		http_respond_error(c, req, 412, false);
		return;
	}
	if (cond.status == 304) {
		base(c, req, &r, 304);
		validators(&r, f, false);
		queue_file(c, req, &r, f, 0, 0);
		return;
	}
	st = 200;
	if (cond.use_range && req->method == HTTP_M_GET)
		st = http_range_eval(req->range.p, req->range.len, f->size,
				     &rs);
	if (st == 416) {
		base(c, req, &r, 416);
		r.size = f->size;
		queue_error(c, req, &r);
		return;
	}
	if (st == 206 && rs.n > 1) {
		queue_multipart(c, req, f, &rs);
		return;
	}
	base(c, req, &r, st);
	validators(&r, f, true);
	r.has_content_length = true;
	if (st == 206) {
		r.content_range = HTTP_CR_BYTES;
		r.range = rs.r[0];
		r.size = f->size;
		r.content_length = rs.r[0].last - rs.r[0].first + 1;
		queue_file(c, req, &r, f, rs.r[0].first, r.content_length);
		return;
	}
	r.content_length = f->size;
	queue_file(c, req, &r, f, 0, f->size);
}

/* A directory asked for without its '/': 301 to the slash form. */
static void redirect_dir(struct http_conn *c, const struct http_request *req,
			 size_t len)
{
	struct http_worker *w = c->w;
	struct http_resp r;
	ssize_t n;

	n = http_location_dir(w->path, len, req->query.p, req->query.len,
			      req->has_query, w->loc, w->loc_cap);
	if (n < 0) {
		http_respond_error(c, req, 414, false);
		return;
	}
	base(c, req, &r, 301);
	r.location = w->loc;
	queue_error(c, req, &r);
}

/* The --autoindex page: heap memory the chain holds until it is sent. */
static void serve_listing(struct http_conn *c,
			  const struct http_request *req, size_t len)
{
	bool head_only = req->method == HTTP_M_HEAD;
	struct zc_buf *page;
	struct http_resp r;
	size_t plen, room;
	ssize_t n;
	char *p;
	int ret;

	ret = http_dir_page(c->w, c->w->path, len, &page, &plen);
	if (ret) {
		http_respond_error(c, req, open_status(c, ret), false);
		return;
	}
	base(c, req, &r, 200);
	r.content_type = "text/html; charset=utf-8";
	r.has_content_length = true;
	r.content_length = plen;
	p = arena(c, &room);
	if (!p || (n = http_resp_head(&r, p, room)) < 0 ||
	    push_arena(c, (size_t)n) || (!head_only &&
	    zc_chain_append_mem(&c->out, page, page->data, plen))) {
		zc_buf_unref(page);
		fail_nomem(c);
		return;
	}
	zc_buf_unref(page);
	done(c, req, &r, head_only ? 0 : plen);
}

/* A directory with its '/': the index file, a listing, or 403. */
static void serve_dir(struct http_conn *c, const struct http_request *req,
		      size_t len)
{
	struct http_worker *w = c->w;
	const struct http_cfg *cfg = w->srv->cfg;
	size_t ilen = strlen(cfg->index);
	struct http_file *f;
	int ret;

	if (len + ilen + 1 > w->path_cap) {
		http_respond_error(c, req, 414, false);
		return;
	}
	memcpy(w->path + len, cfg->index, ilen + 1);
	ret = http_files_get(w->files, w->path, len + ilen, ev_now(w->loop),
			     &f);
	w->path[len] = '\0';
	if (!ret && f->kind == HTTP_FILE_REG) {
		serve_file(c, req, f);
		return;
	}
	if ((ret == -ENOENT || !ret) && cfg->autoindex) {
		serve_listing(c, req, len);
		return;
	}
	http_respond_error(c, req, ret && ret != -ENOENT ?
			   open_status(c, ret) : 403, false);
}

void http_respond(struct http_conn *c, const struct http_request *req)
{
	struct http_worker *w = c->w;
	struct http_file *f;
	ssize_t len;
	int ret;

	http_worker_clock(w);
	len = http_path_normalize(req->path.p, req->path.len, w->path,
				  w->path_cap);
	if (len < 0) {
		http_respond_error(c, req, len == -ENOSPC ? 414 : (int)-len,
				   false);
		return;
	}
	ret = http_files_get(w->files, w->path, (size_t)len, ev_now(w->loop),
			     &f);
	if (ret) {
		http_respond_error(c, req, open_status(c, ret), false);
		return;
	}
	if (f->kind == HTTP_FILE_REG)
		serve_file(c, req, f);
	else if (w->path[len - 1] != '/')
		redirect_dir(c, req, (size_t)len);
	else
		serve_dir(c, req, (size_t)len);
}
