/* SPDX-License-Identifier: MIT */
/*
 * src/kafka/admin_client.c - the blocking admin client (admin_client.h):
 * a TCP connection with send/receive timeouts, one request in flight, and
 * the requests `zcio broker topics` needs. Request bodies and response
 * layouts are the non-flexible ones of the protocol guide; CreateTopics
 * and DeleteTopics come from the shared codec (proto_admin.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "kafka/admin_client.h"
#include "kafka/proto.h"
#include "kafka/proto_admin.h"

/* A response larger than this is not an admin answer: refuse it. */
#define ADMIN_RESP_MAX (64u << 20)
#define CLIENT_ID "zcio-admin"

/* Splits "HOST:PORT" / "[V6]:PORT" into @host and @port (in @buf). */
static int split(char *buf, char **host, char **port)
{
	char *colon = strrchr(buf, ':');

	if (!colon || colon == buf || !colon[1])
		return -EINVAL;
	*colon = '\0';
	*port = colon + 1;
	*host = buf;
	if (buf[0] == '[') {
		if (colon[-1] != ']' || colon - buf < 3)
			return -EINVAL;
		colon[-1] = '\0';
		*host = buf + 1;
	}
	return strspn(*port, "0123456789") == strlen(*port) ? 0 : -EINVAL;
}

/* Non-blocking connect bounded by @timeout_ms; the fd or -errno. */
static int connect_one(const struct addrinfo *ai, int timeout_ms)
{
	struct pollfd pfd;
	socklen_t len = sizeof(int);
	int fd, err = 0;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, ai->ai_protocol);
	if (fd < 0)
		return -errno;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
		err = errno;
		if (err == EINPROGRESS) {
			pfd = (struct pollfd){ .fd = fd, .events = POLLOUT };
			err = poll(&pfd, 1, timeout_ms) == 1 ? 0 : ETIMEDOUT;
			if (!err && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err,
					       &len) == -1)
				err = errno;
		}
	}
	if (!err && fcntl(fd, F_SETFL, 0) == -1)
		err = errno;
	if (err) {
		close(fd);
		return -err;
	}
	return fd;
}

static int dial(const char *bootstrap, int timeout_ms)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	char buf[300], *host, *port;
	int fd = -EINVAL;

	if (snprintf(buf, sizeof(buf), "%s", bootstrap) >= (int)sizeof(buf) ||
	    split(buf, &host, &port))
		return -EINVAL;
	if (getaddrinfo(host, port, &hints, &res))
		return -ENOENT;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = connect_one(ai, timeout_ms);
		if (fd >= 0)
			break;
	}
	freeaddrinfo(res);
	return fd;
}

static int send_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int recv_all(int fd, uint8_t *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = recv(fd, p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		if (n == 0)
			return -ECONNRESET;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Sends the request frame in @w (correlation id @corr) and reads its
 * answer into *@resp (malloc'd); @v views the body after the
 * correlation id. @w is emptied.
 */
static int call(struct kafka_admin *a, struct kafka_wbuf *w, int32_t corr,
		uint8_t **resp, struct zc_view *v)
{
	uint8_t hdr[4];
	uint32_t size;
	int32_t got;
	int err;

	*resp = NULL;
	err = w->err ? w->err : send_all(a->fd, w->p, w->len);
	kafka_wbuf_reset(w);
	if (!err)
		err = recv_all(a->fd, hdr, 4);
	if (err)
		return err;
	size = (uint32_t)hdr[0] << 24 | hdr[1] << 16 | hdr[2] << 8 | hdr[3];
	if (size < 4 || size > ADMIN_RESP_MAX)
		return -EPROTO;
	*resp = malloc(size);
	if (!*resp)
		return -ENOMEM;
	err = recv_all(a->fd, *resp, size);
	if (err)
		return err;
	zc_view_init(v, *resp, size);
	if (zc_view_i32be(v, &got) || got != corr)
		return -EPROTO;
	return 0;
}

static const struct kafka_str client_id = KAFKA_STR(CLIENT_ID);

/* The highest version in both [lo, hi] and the broker's [min, max]. */
static int16_t pick(int16_t min, int16_t max, int16_t lo, int16_t hi)
{
	if (max < lo || min > hi)
		return -1;
	return max < hi ? max : hi;
}

static int api_versions(struct kafka_admin *a, struct kafka_wbuf *w)
{
	int16_t err = 0, key = 0, min = 0, max = 0;
	int32_t corr = ++a->corr;
	uint8_t *resp;
	struct zc_view v;
	uint32_t n = 0, i;
	size_t start;
	int ret;

	start = kafka_req_begin(w, KAFKA_API_API_VERSIONS, 0, corr,
				&client_id);
	kafka_resp_end(w, start, 0);
	ret = call(a, w, corr, &resp, &v);
	if (!ret && (zc_view_i16be(&v, &err) ||
		     kafka_read_count(&v, 6, false, &n, NULL) || err))
		ret = -EPROTO;
	for (i = 0; !ret && i < n; i++) {
		zc_view_i16be(&v, &key);
		zc_view_i16be(&v, &min);
		zc_view_i16be(&v, &max);
		if (key == KAFKA_API_CREATE_TOPICS)
			a->create_v = pick(min, max, 0, 4);
		else if (key == KAFKA_API_DELETE_TOPICS)
			a->delete_v = pick(min, max, 0, 3);
		else if (key == KAFKA_API_METADATA)
			a->metadata_v = pick(min, max, 1, 1);
		else if (key == KAFKA_API_LIST_OFFSETS)
			a->list_offsets_v = pick(min, max, 1, 1);
	}
	if (!ret && zc_view_error(&v))
		ret = -EPROTO;
	free(resp);
	return ret;
}

int kafka_admin_open(struct kafka_admin *a, const char *bootstrap,
		     int timeout_ms)
{
	struct timeval tv = { timeout_ms / 1000, timeout_ms % 1000 * 1000 };
	struct kafka_wbuf w;
	int ret;

	memset(a, 0, sizeof(*a));
	a->create_v = a->delete_v = a->metadata_v = a->list_offsets_v = -1;
	a->timeout_ms = timeout_ms;
	a->fd = dial(bootstrap, timeout_ms);
	if (a->fd < 0)
		return a->fd;
	setsockopt(a->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(a->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	kafka_wbuf_init(&w);
	ret = api_versions(a, &w);
	kafka_wbuf_exit(&w);
	if (ret)
		kafka_admin_close(a);
	return ret;
}

void kafka_admin_close(struct kafka_admin *a)
{
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
}

/* One exchange's buffers: the request, the answer and its arrays. */
struct xchg {
	struct kafka_wbuf w;
	struct kafka_arena ar;
	uint8_t *resp;
	struct zc_view v;
};

static void xchg_init(struct xchg *x)
{
	kafka_wbuf_init(&x->w);
	kafka_arena_init(&x->ar);
	x->resp = NULL;
}

static void xchg_exit(struct xchg *x)
{
	free(x->resp);
	kafka_arena_exit(&x->ar);
	kafka_wbuf_exit(&x->w);
}

/* A one-topic answer must name that topic. */
static bool one_named(uint32_t nr, const struct kafka_str *got,
		      const char *name)
{
	return nr == 1 && kafka_str_eq(got, name);
}

int kafka_admin_create(struct kafka_admin *a, const char *name,
		       int32_t partitions, bool validate_only, int *code,
		       char *msg, size_t msg_len)
{
	struct kafka_create_topic t = {
		.name = kafka_str_c(name),
		.num_partitions = partitions,
		.replication_factor = -1,
	};
	struct kafka_create_topics_req q = {
		.nr_topics = 1, .topics = &t,
		.timeout_ms = a->timeout_ms,
		.validate_only = validate_only,
	};
	struct kafka_create_topics_resp r;
	int32_t corr = ++a->corr;
	struct xchg x;
	int ret;

	msg[0] = '\0';
	if (a->create_v < 0)
		return -ENOTSUP;
	xchg_init(&x);
	ret = kafka_create_topics_req_encode(&x.w, a->create_v, corr,
					     &client_id, &q);
	if (!ret)
		ret = call(a, &x.w, corr, &x.resp, &x.v);
	if (!ret && (kafka_create_topics_resp_decode(&x.v, a->create_v, &r,
						     &x.ar) ||
		     !one_named(r.nr_topics, &r.topics[0].name, name)))
		ret = -EPROTO;
	if (!ret) {
		*code = r.topics[0].error;
		if (r.topics[0].message.len > 0)
			snprintf(msg, msg_len, "%.*s", r.topics[0].message.len,
				 r.topics[0].message.p);
	}
	xchg_exit(&x);
	return ret;
}

int kafka_admin_delete(struct kafka_admin *a, const char *name, int *code)
{
	struct kafka_str n = kafka_str_c(name);
	struct kafka_delete_topics_req q = {
		.nr_topics = 1, .topics = &n, .timeout_ms = a->timeout_ms,
	};
	struct kafka_delete_topics_resp r;
	int32_t corr = ++a->corr;
	struct xchg x;
	int ret;

	if (a->delete_v < 0)
		return -ENOTSUP;
	xchg_init(&x);
	ret = kafka_delete_topics_req_encode(&x.w, a->delete_v, corr,
					     &client_id, &q);
	if (!ret)
		ret = call(a, &x.w, corr, &x.resp, &x.v);
	if (!ret && (kafka_delete_topics_resp_decode(&x.v, a->delete_v, &r,
						     &x.ar) ||
		     !one_named(r.nr_topics, &r.topics[0].name, name)))
		ret = -EPROTO;
	if (!ret)
		*code = r.topics[0].error;
	xchg_exit(&x);
	return ret;
}

/* ---- list: Metadata v1, then ListOffsets v1 ------------------------- */

void kafka_admin_topics_free(struct kafka_admin_topic *t, uint32_t nr)
{
	uint32_t i;

	for (i = 0; t && i < nr; i++)
		free(t[i].parts);
	free(t);
}

/* Skips an int32 array (replicas, isr). */
static int skip_i32s(struct zc_view *v)
{
	uint32_t n;

	if (kafka_read_count(v, 4, false, &n, NULL))
		return -EPROTO;
	return zc_view_skip(v, (size_t)n * 4) ? -EPROTO : 0;
}

static int meta_part(struct zc_view *v, struct kafka_admin_part *p)
{
	int32_t leader;

	p->end = -1;
	if (zc_view_i16be(v, &p->error) || zc_view_i32be(v, &p->id) ||
	    zc_view_i32be(v, &leader) || skip_i32s(v) || skip_i32s(v))
		return -EPROTO;
	return 0;
}

static int cmp_part(const void *a, const void *b)
{
	const struct kafka_admin_part *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

static int meta_topic(struct zc_view *v, struct kafka_admin_topic *t)
{
	struct kafka_str name;
	uint32_t n, i;
	int8_t internal = 0;

	if (zc_view_i16be(v, &t->error) || kafka_read_str_nn(v, &name) ||
	    name.len >= (int32_t)sizeof(t->name) ||
	    zc_view_i8(v, &internal) ||
	    kafka_read_count(v, 18, false, &n, NULL))
		return -EPROTO;
	memcpy(t->name, name.p, (size_t)name.len);
	t->internal = internal != 0;
	t->parts = calloc(n ? n : 1, sizeof(*t->parts));
	if (!t->parts)
		return -ENOMEM;
	t->nr_parts = n;
	for (i = 0; i < n; i++)
		if (meta_part(v, &t->parts[i]))
			return -EPROTO;
	qsort(t->parts, n, sizeof(*t->parts), cmp_part);
	return 0;
}

static int cmp_topic(const void *a, const void *b)
{
	const struct kafka_admin_topic *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* Metadata v1 with a null topic array (all topics). */
static int metadata(struct kafka_admin *a, struct kafka_wbuf *w,
		    struct kafka_admin_topic **out, uint32_t *nr)
{
	struct kafka_str s;
	int32_t corr = ++a->corr, x;
	struct zc_view v;
	uint8_t *resp;
	uint32_t n, i;
	size_t start;
	int ret;

	if (a->metadata_v < 0)
		return -ENOTSUP;
	start = kafka_req_begin(w, KAFKA_API_METADATA, 1, corr, &client_id);
	kafka_put_i32(w, -1);
	kafka_resp_end(w, start, 0);
	ret = call(a, w, corr, &resp, &v);
	/* brokers: node_id, host, port, rack */
	if (!ret && kafka_read_count(&v, 12, false, &n, NULL))
		ret = -EPROTO;
	for (i = 0; !ret && i < n; i++)
		if (zc_view_i32be(&v, &x) || kafka_read_str(&v, &s) ||
		    zc_view_i32be(&v, &x) || kafka_read_str(&v, &s))
			ret = -EPROTO;
	if (!ret && (zc_view_i32be(&v, &x) ||
		     kafka_read_count(&v, 9, false, &n, NULL)))
		ret = -EPROTO;
	if (!ret) {
		*out = calloc(n ? n : 1, sizeof(**out));
		ret = *out ? 0 : -ENOMEM;
	}
	for (i = 0; !ret && i < n; i++, (*nr)++)
		ret = meta_topic(&v, &(*out)[i]);
	if (!ret && zc_view_left(&v))
		ret = -EPROTO;
	free(resp);
	if (!ret)
		qsort(*out, *nr, sizeof(**out), cmp_topic);
	return ret;
}

/* Puts the answer of one partition into its place in @t. */
static void set_end(struct kafka_admin_topic *t, uint32_t nr,
		    const struct kafka_str *name, int32_t part, int16_t err,
		    int64_t off)
{
	uint32_t i, j;

	for (i = 0; i < nr; i++) {
		if (!kafka_str_eq(name, t[i].name))
			continue;
		for (j = 0; j < t[i].nr_parts; j++) {
			if (t[i].parts[j].id != part)
				continue;
			t[i].parts[j].end = err ? -1 : off;
			if (err)
				t[i].parts[j].error = err;
		}
	}
}

/* ListOffsets v1, latest, for every partition of @t. */
static int end_offsets(struct kafka_admin *a, struct kafka_wbuf *w,
		       struct kafka_admin_topic *t, uint32_t nr)
{
	int32_t corr = ++a->corr, part = 0;
	struct kafka_str name;
	int64_t ts = 0, off = 0;
	struct zc_view v;
	uint32_t i, j, n, m;
	uint8_t *resp;
	size_t start;
	int16_t err = 0;
	int ret;

	if (a->list_offsets_v < 0 || !nr)
		return 0;
	start = kafka_req_begin(w, KAFKA_API_LIST_OFFSETS, 1, corr,
				&client_id);
	kafka_put_i32(w, -1);			/* replica_id */
	kafka_put_count(w, nr);
	for (i = 0; i < nr; i++) {
		kafka_put_str(w, &(struct kafka_str){ t[i].name,
			(int32_t)strlen(t[i].name) });
		kafka_put_count(w, t[i].nr_parts);
		for (j = 0; j < t[i].nr_parts; j++) {
			kafka_put_i32(w, t[i].parts[j].id);
			kafka_put_i64(w, KAFKA_OFFSET_LATEST);
		}
	}
	kafka_resp_end(w, start, 0);
	ret = call(a, w, corr, &resp, &v);
	if (!ret && kafka_read_count(&v, 6, false, &n, NULL))
		ret = -EPROTO;
	for (i = 0; !ret && i < n; i++) {
		if (kafka_read_str_nn(&v, &name) ||
		    kafka_read_count(&v, 22, false, &m, NULL)) {
			ret = -EPROTO;
			break;
		}
		for (j = 0; j < m; j++) {
			zc_view_i32be(&v, &part);
			zc_view_i16be(&v, &err);
			zc_view_i64be(&v, &ts);
			if (zc_view_i64be(&v, &off))
				break;
			set_end(t, nr, &name, part, err, off);
		}
	}
	if (!ret && (zc_view_error(&v) || zc_view_left(&v)))
		ret = -EPROTO;
	free(resp);
	return ret;
}

int kafka_admin_list(struct kafka_admin *a, struct kafka_admin_topic **out,
		     uint32_t *nr)
{
	struct kafka_wbuf w;
	int ret;

	*out = NULL;
	*nr = 0;
	kafka_wbuf_init(&w);
	ret = metadata(a, &w, out, nr);
	if (!ret)
		ret = end_offsets(a, &w, *out, *nr);
	kafka_wbuf_exit(&w);
	if (ret) {
		kafka_admin_topics_free(*out, *nr);
		*out = NULL;
		*nr = 0;
	}
	return ret;
}
