/* SPDX-License-Identifier: MIT */
/*
 * tests/broker-commit.c - `zcio broker` as group coordinator, on the
 * wire with raw sockets: FindCoordinator v0-2 names this broker (the
 * address Metadata advertises), a transaction coordinator is
 * COORDINATOR_NOT_AVAILABLE, an unknown key_type INVALID_REQUEST, a
 * malformed body closes the connection. OffsetCommit v0-7 commits read
 * back by OffsetFetch v0-5 (offsets, metadata, leader epochs, unknown
 * partitions, the null topic list), again after a restart; the errors:
 * INVALID_GROUP_ID, UNKNOWN_TOPIC_OR_PARTITION, OFFSET_METADATA_TOO_LARGE,
 * malformed and unsupported versions; concurrent commits over two
 * workers; a full disk (RLIMIT_FSIZE) answered KAFKA_STORAGE_ERROR, the
 * store intact. Each test runs on both engines.
 */
#include <sys/resource.h>

#include "broker-util.h"

static uint8_t rbuf[1 << 20];

#define start(b, ...)	T_BROKER_START_ON(b, T_ENGINE(state), __VA_ARGS__)

/* @r on a connection of its own: the broker closes it. */
static void closes(const struct t_broker *b, const struct t_kreq *r)
{
	int fd = t_connect(b->port);

	t_send_all(fd, r->b, r->len);
	assert_true(t_kclosed(fd, 3000));
	close(fd);
}

/* One request, its answer into rbuf; returns the answer's size. */
static ssize_t roundtrip(int fd, const struct t_kreq *r, int32_t corr)
{
	ssize_t n;

	t_send_all(fd, r->b, r->len);
	n = t_krecv(fd, rbuf, sizeof(rbuf), 5000);
	assert_true(n >= 4);
	assert_int_equal(t_get32(rbuf), corr);
	return n;
}

struct coord {
	int16_t error;
	int32_t node;
	char host[256];
	int32_t port;
};

static void find_coord(int fd, int16_t ver, const char *key, int8_t type,
		       struct coord *c)
{
	struct t_kreq r;
	size_t off = 4;
	int16_t len;
	ssize_t n;

	t_kbegin(&r, 10, ver, 40 + ver);
	t_kputs(&r, key);
	if (ver >= 1)
		t_kput8(&r, type);
	t_kend(&r);
	n = roundtrip(fd, &r, 40 + ver);
	if (ver >= 1)
		off += 4;			/* throttle */
	c->error = t_get16(rbuf + off);
	off += 2;
	if (ver >= 1) {
		len = t_get16(rbuf + off);	/* error_message */
		off += 2 + (len > 0 ? (size_t)len : 0);
		/* a message exactly when there is an error */
		assert_true((len >= 0) == (c->error != 0));
	}
	c->node = t_get32(rbuf + off);
	len = t_get16(rbuf + off + 4);
	off += 6;
	assert_true(len >= 0 && len < 256);
	memcpy(c->host, rbuf + off, (size_t)len);
	c->host[len] = '\0';
	off += (size_t)len;
	c->port = t_get32(rbuf + off);
	assert_int_equal((ssize_t)off + 4, n);
}

static void find_coordinator(void **state)
{
	struct t_broker b;
	struct t_kreq r;
	struct coord c;
	int16_t ver;
	ssize_t n;
	int fd, i, cnt, found = 0;

	start(&b, NULL);
	fd = t_connect(b.port);
	/* advertised from v0: librdkafka's LZ4 and group features need 0 */
	t_kbegin(&r, 18, 2, 1);
	t_kend(&r);
	n = roundtrip(fd, &r, 1);
	cnt = t_get32(rbuf + 6);
	assert_int_equal(n, 10 + 6 * cnt + 4);
	for (i = 0; i < cnt; i++)
		if (t_get16(rbuf + 10 + 6 * i) == 10) {
			assert_int_equal(t_get16(rbuf + 12 + 6 * i), 0);
			assert_int_equal(t_get16(rbuf + 14 + 6 * i), 2);
			found = 1;
		}
	assert_true(found);
	for (ver = 0; ver <= 2; ver++) {
		find_coord(fd, ver, "grp", 0, &c);
		assert_int_equal(c.error, 0);
		assert_int_equal(c.node, 1);
		assert_string_equal(c.host, "127.0.0.1");
		assert_int_equal(c.port, b.port);
	}
	/* an empty group id still has this coordinator */
	find_coord(fd, 1, "", 0, &c);
	assert_int_equal(c.error, 0);
	/* transactions: here too, refused at InitProducerId (broker-idem) */
	find_coord(fd, 2, "txn", 1, &c);
	assert_int_equal(c.error, 0);
	assert_int_equal(c.node, 1);
	assert_int_equal(c.port, b.port);
	find_coord(fd, 1, "x", 7, &c);
	assert_int_equal(c.error, 42);
	assert_int_equal(c.node, -1);
	close(fd);
	/* a null key is malformed: the connection closes */
	t_kbegin(&r, 10, 1, 50);
	t_kputs(&r, NULL);
	t_kput8(&r, 0);
	t_kend(&r);
	closes(&b, &r);
	/* FindCoordinator v3 (flexible) is not advertised: closed too */
	t_kbegin(&r, 10, 3, 51);
	t_kput8(&r, 0);
	t_kend(&r);
	closes(&b, &r);
	assert_true(t_metric(&b, "zcio_kafka_requests_total"
			     "{api=\"find_coordinator\"}") >= 7);
	t_broker_stop(&b);
}

/* Metadata v4 for @topic, auto-created with the default 4 partitions. */
static void create_topic(int fd, const char *topic)
{
	struct t_kreq r;

	t_kbegin(&r, 3, 4, 2);
	t_kput32(&r, 1);
	t_kputs(&r, topic);
	t_kput8(&r, 1);
	t_kend(&r);
	roundtrip(fd, &r, 2);
}

struct cpart {
	int32_t part;
	int64_t offset;
	const char *meta;		/* NULL: a null string */
};

/* OffsetCommit @ver of @n partitions of @topic, correlation 60 + @ver. */
static void commit_req(struct t_kreq *r, int16_t ver, const char *group,
		       const char *topic, const struct cpart *p, int n)
{
	int i;

	t_kbegin(r, 8, ver, 60 + ver);
	t_kputs(r, group);
	if (ver >= 1) {
		t_kput32(r, -1);		/* generation: simple consumer */
		t_kputs(r, "");
	}
	if (ver >= 7)
		t_kputs(r, NULL);
	if (ver >= 2 && ver <= 4)
		t_kput64(r, -1);
	t_kput32(r, 1);
	t_kputs(r, topic);
	t_kput32(r, n);
	for (i = 0; i < n; i++) {
		t_kput32(r, p[i].part);
		t_kput64(r, p[i].offset);
		if (ver >= 6)
			t_kput32(r, 5);	/* leader epoch */
		if (ver == 1)
			t_kput64(r, 1700000000000);
		t_kputs(r, p[i].meta);
	}
	t_kend(r);
}

/* The errors of the answer (in rbuf) to commit_req of @p into @err. */
static void commit_errors_of(int16_t ver, const char *topic,
			     const struct cpart *p, int n, int16_t *err)
{
	size_t off = 4;
	int i;

	if (ver >= 3)
		off += 4;
	assert_int_equal(t_get32(rbuf + off), 1);
	off += 4 + 2 + strlen(topic);
	assert_int_equal(t_get32(rbuf + off), n);
	off += 4;
	for (i = 0; i < n; i++, off += 6) {
		assert_int_equal(t_get32(rbuf + off), p[i].part);
		err[i] = t_get16(rbuf + off + 4);
	}
}

/* OffsetCommit @ver of @n partitions of @topic; errors into @err. */
static void commit(int fd, int16_t ver, const char *group,
		   const char *topic, const struct cpart *p, int n,
		   int16_t *err)
{
	struct t_kreq r;

	commit_req(&r, ver, group, topic, p, n);
	roundtrip(fd, &r, 60 + ver);
	commit_errors_of(ver, topic, p, n, err);
}

struct fpart {
	char topic[64];
	int32_t part;
	int64_t offset;
	int32_t epoch;
	char meta[4100];
	int16_t error;
};

/*
 * OffsetFetch @ver of @n partitions of @topic (@topic NULL: the null
 * list); the answer's partitions into @out (at most @cap); returns how
 * many, the top-level error (v2+) in *@top.
 */
static int offset_fetch(int fd, int16_t ver, const char *group,
			const char *topic, const int32_t *parts, int n,
			struct fpart *out, int cap, int16_t *top)
{
	struct t_kreq r;
	int32_t nt, np, i, j, k = 0;
	size_t off = 4;
	int16_t len;
	ssize_t size;

	t_kbegin(&r, 9, ver, 80 + ver);
	t_kputs(&r, group);
	if (!topic) {
		t_kput32(&r, -1);
	} else {
		t_kput32(&r, 1);
		t_kputs(&r, topic);
		t_kput32(&r, n);
		for (i = 0; i < n; i++)
			t_kput32(&r, parts[i]);
	}
	t_kend(&r);
	size = roundtrip(fd, &r, 80 + ver);
	if (ver >= 3)
		off += 4;
	nt = t_get32(rbuf + off);
	off += 4;
	for (i = 0; i < nt; i++) {
		char name[64];

		len = t_get16(rbuf + off);
		assert_true(len > 0 && len < 64);
		memcpy(name, rbuf + off + 2, (size_t)len);
		name[len] = '\0';
		off += 2 + (size_t)len;
		np = t_get32(rbuf + off);
		off += 4;
		for (j = 0; j < np; j++, k++) {
			assert_true(k < cap);
			snprintf(out[k].topic, sizeof(out[k].topic), "%s",
				 name);
			out[k].part = t_get32(rbuf + off);
			out[k].offset = t_get64(rbuf + off + 4);
			off += 12;
			out[k].epoch = -1;
			if (ver >= 5) {
				out[k].epoch = t_get32(rbuf + off);
				off += 4;
			}
			len = t_get16(rbuf + off);
			assert_true(len >= -1 && len < 4100);
			off += 2;
			out[k].meta[0] = '\0';
			if (len == -1) {
				snprintf(out[k].meta, sizeof(out[k].meta),
					 "(null)");
			} else {
				memcpy(out[k].meta, rbuf + off, (size_t)len);
				out[k].meta[len] = '\0';
				off += (size_t)len;
			}
			out[k].error = t_get16(rbuf + off);
			off += 2;
		}
	}
	*top = 0;
	if (ver >= 2) {
		*top = t_get16(rbuf + off);
		off += 2;
	}
	assert_int_equal((ssize_t)off, size);
	return k;
}

/* What commit version @cv left for "ct", read with fetch version @fv. */
static void check_committed(int fd, int cv, int16_t fv)
{
	static const int32_t parts[] = { 0, 1, 2, 9 };
	struct fpart f[8];
	char group[16], meta[16];
	int16_t top;

	snprintf(group, sizeof(group), "g%d", cv);
	snprintf(meta, sizeof(meta), "m%d", cv);
	assert_int_equal(offset_fetch(fd, fv, group, "ct", parts, 4, f, 8,
				      &top), 4);
	assert_int_equal(top, 0);
	assert_string_equal(f[0].topic, "ct");
	assert_int_equal(f[0].part, 0);
	assert_int_equal(f[0].offset, 100 + cv);
	assert_string_equal(f[0].meta, meta);
	assert_int_equal(f[0].epoch, fv >= 5 && cv >= 6 ? 5 : -1);
	assert_int_equal(f[0].error, 0);
	/* a null metadata reads back empty, as Kafka stores it */
	assert_int_equal(f[1].offset, 200 + cv);
	assert_string_equal(f[1].meta, "");
	/* never committed */
	assert_int_equal(f[2].offset, -1);
	assert_string_equal(f[2].meta, "");
	assert_int_equal(f[2].error, 0);
	/* no such partition: v0 says so, v1+ answer "nothing committed" */
	assert_int_equal(f[3].offset, -1);
	assert_int_equal(f[3].error, fv == 0 ? 3 : 0);
	/* the null list (v2+): the group's two partitions */
	if (fv < 2)
		return;
	assert_int_equal(offset_fetch(fd, fv, group, NULL, NULL, 0, f, 8,
				      &top), 2);
	assert_string_equal(f[0].topic, "ct");
	assert_int_equal(f[0].part, 0);
	assert_int_equal(f[0].offset, 100 + cv);
	assert_int_equal(f[1].part, 1);
	assert_int_equal(f[1].offset, 200 + cv);
}

static void commit_versions(void **state)
{
	const char *args[] = { "--engine", T_ENGINE(state), NULL };
	struct cpart p[4];
	struct t_broker b;
	char meta[16], group[16];
	int16_t err[4], fv;
	int fd, cv;

	start(&b, NULL);
	fd = t_connect(b.port);
	create_topic(fd, "ct");
	for (cv = 0; cv <= 7; cv++) {
		snprintf(group, sizeof(group), "g%d", cv);
		snprintf(meta, sizeof(meta), "m%d", cv);
		/* an earlier value first: the last one wins */
		p[0] = (struct cpart){ 0, 1, "old" };
		commit(fd, (int16_t)cv, group, "ct", p, 1, err);
		assert_int_equal(err[0], 0);
		p[0] = (struct cpart){ 0, 100 + cv, meta };
		p[1] = (struct cpart){ 1, 200 + cv, NULL };
		p[2] = (struct cpart){ 9, 5, "" };
		commit(fd, (int16_t)cv, group, "ct", p, 3, err);
		assert_int_equal(err[0], 0);
		assert_int_equal(err[1], 0);
		assert_int_equal(err[2], 3);	/* UNKNOWN_TOPIC_OR_PARTITION */
		commit(fd, (int16_t)cv, group, "no-such-topic", p, 1, err);
		assert_int_equal(err[0], 3);
		for (fv = 0; fv <= 5; fv++)
			check_committed(fd, cv, fv);
	}
	close(fd);
	assert_int_equal(t_metric(&b, "zcio_kafka_offset_commits_total"), 24);
	assert_int_equal(t_metric(&b, "zcio_kafka_offset_commit_errors_total"),
			 16);
	t_broker_stop(&b);
	/* the same after a restart */
	t_broker_start(&b, args);
	fd = t_connect(b.port);
	for (cv = 0; cv <= 7; cv++)
		for (fv = 0; fv <= 5; fv++)
			check_committed(fd, cv, fv);
	close(fd);
	t_broker_stop(&b);
}

static void commit_errors(void **state)
{
	static const int32_t parts[] = { 0, 1 };
	struct t_broker b;
	struct cpart p[2];
	struct fpart f[4];
	struct t_kreq r;
	char *big;
	int16_t err[2], top, ver;
	int fd;

	start(&b, NULL);
	fd = t_connect(b.port);
	create_topic(fd, "ce");
	/* an empty group id: every partition, every version */
	p[0] = (struct cpart){ 0, 1, "" };
	p[1] = (struct cpart){ 1, 2, "" };
	for (ver = 0; ver <= 7; ver++) {
		commit(fd, ver, "", "ce", p, 2, err);
		assert_int_equal(err[0], 24);
		assert_int_equal(err[1], 24);
	}
	/* v0-1 answer it per partition, v2+ at the top, without topics */
	for (ver = 0; ver <= 5; ver++) {
		int n = offset_fetch(fd, ver, "", "ce", parts, 2, f, 4, &top);

		if (ver < 2) {
			assert_int_equal(n, 2);
			assert_int_equal(f[1].error, 24);
			assert_int_equal(f[1].offset, -1);
		} else {
			assert_int_equal(n, 0);
			assert_int_equal(top, 24);
		}
	}
	/* metadata: 4096 bytes fit, 4097 do not */
	big = malloc(4098);
	assert_non_null(big);
	memset(big, 'x', 4097);
	big[4097] = '\0';
	p[0] = (struct cpart){ 0, 7, big };
	p[1] = (struct cpart){ 1, 8, big + 1 };
	commit(fd, 2, "ge", "ce", p, 2, err);
	assert_int_equal(err[0], 12);		/* OFFSET_METADATA_TOO_LARGE */
	assert_int_equal(err[1], 0);
	free(big);
	assert_int_equal(offset_fetch(fd, 1, "ge", "ce", parts, 2, f, 4, &top),
			 2);
	assert_int_equal(f[0].offset, -1);
	assert_int_equal(f[1].offset, 8);
	assert_int_equal(strlen(f[1].meta), 4096);
	/* a group that committed nothing: an empty null-list answer */
	assert_int_equal(offset_fetch(fd, 3, "nobody", NULL, NULL, 0, f, 4,
				      &top), 0);
	assert_int_equal(top, 0);
	/* OffsetFetch v1 with a null topic list is malformed: closed */
	t_kbegin(&r, 9, 1, 90);
	t_kputs(&r, "ge");
	t_kput32(&r, -1);
	t_kend(&r);
	closes(&b, &r);
	close(fd);
	/* OffsetCommit truncated in a partition: closed */
	t_kbegin(&r, 8, 2, 91);
	t_kputs(&r, "ge");
	t_kput32(&r, -1);
	t_kputs(&r, "");
	t_kput64(&r, -1);
	t_kput32(&r, 1);
	t_kputs(&r, "ce");
	t_kput32(&r, 1);
	t_kput32(&r, 0);
	t_kend(&r);
	closes(&b, &r);
	/* the flexible versions are not advertised: closed */
	t_kbegin(&r, 8, 8, 92);
	t_kput8(&r, 0);
	t_kend(&r);
	closes(&b, &r);
	t_kbegin(&r, 9, 6, 93);
	t_kput8(&r, 0);
	t_kend(&r);
	closes(&b, &r);
	/* and the broker still serves, the good commit still there */
	fd = t_connect(b.port);
	assert_int_equal(offset_fetch(fd, 5, "ge", "ce", parts, 2, f, 4, &top),
			 2);
	assert_int_equal(f[1].offset, 8);
	close(fd);
	t_broker_stop(&b);
}

/*
 * --workers 2, --flush always: four connections (spread over both
 * workers) commit to one group at once, each its own partition, 50
 * rounds, requests sent on all four before any answer is read. The last
 * values are read back, and again after a restart.
 */
static void concurrent_commits(void **state)
{
	const char *args[] = { "--engine", T_ENGINE(state), "--workers", "2",
			       "--flush", "always", NULL };
	static const int32_t parts[] = { 0, 1, 2, 3 };
	struct t_broker b;
	struct cpart p;
	struct fpart f[4];
	struct t_kreq r;
	int fd[4], i, k, round;
	int16_t err, top;

	start(&b, "--workers", "2", "--flush", "always");
	fd[0] = t_connect(b.port);
	create_topic(fd[0], "cc");
	for (k = 1; k < 4; k++)
		fd[k] = t_connect(b.port);
	for (round = 0; round < 50; round++) {
		for (k = 0; k < 4; k++) {
			p = (struct cpart){ k, 1000 * k + round, "x" };
			commit_req(&r, 7, "cg", "cc", &p, 1);
			t_send_all(fd[k], r.b, r.len);
		}
		for (k = 0; k < 4; k++) {
			p = (struct cpart){ k, 0, NULL };
			assert_int_equal(t_krecv(fd[k], rbuf, sizeof(rbuf),
						 5000) > 0, 1);
			commit_errors_of(7, "cc", &p, 1, &err);
			assert_int_equal(err, 0);
		}
	}
	for (i = 0; i < 2; i++) {
		assert_int_equal(offset_fetch(fd[0], 5, "cg", "cc", parts, 4,
					      f, 4, &top), 4);
		for (k = 0; k < 4; k++)
			assert_int_equal(f[k].offset, 1000 * k + 49);
		for (k = 0; k < 4; k++)
			close(fd[k]);
		if (i)
			break;
		assert_int_equal(t_metric(&b,
				 "zcio_kafka_offset_commits_total"), 200);
		t_broker_stop(&b);
		t_broker_start(&b, args);
		for (k = 0; k < 4; k++)
			fd[k] = t_connect(b.port);
	}
	t_broker_stop(&b);
}

/*
 * The broker runs under RLIMIT_FSIZE 64 KiB (SIGXFSZ ignored, both
 * inherited): commits of four 4 KiB metadata fill the store file until a
 * write stops part-way. That commit is KAFKA_STORAGE_ERROR for its four
 * partitions, the earlier values stay, a small commit still fits (the
 * partial record was cut off), and a restart finds nothing to repair.
 */
static void storage_error(void **state)
{
	const char *args[] = { "--engine", T_ENGINE(state), NULL };
	static const int32_t parts[] = { 0, 1, 2, 3 };
	struct rlimit old, lim;
	struct t_broker b;
	struct cpart p[4];
	struct fpart f[4];
	void (*was)(int);
	char *meta, *log;
	int16_t err[4], top;
	size_t len;
	int fd, i, k, last = -1, failed = 0;

	meta = malloc(4097);
	assert_non_null(meta);
	memset(meta, 'q', 4096);
	meta[4096] = '\0';
	was = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 65536;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	t_broker_dirs(&b);
	i = t_broker_startv(&b, args);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, was);
	if (i) {
		t_broker_dump(&b);
		fail_msg("zcio broker did not start");
	}
	fd = t_connect(b.port);
	create_topic(fd, "se");
	for (i = 0; i < 10 && !failed; i++) {
		for (k = 0; k < 4; k++)
			p[k] = (struct cpart){ k, i, meta };
		commit(fd, 2, "sg", "se", p, 4, err);
		for (k = 0; k < 4; k++)
			assert_int_equal(err[k], err[0]);
		if (err[0] == 56)
			failed = 1;
		else
			last = i;
		assert_true(err[0] == 0 || err[0] == 56);
	}
	assert_true(failed);
	assert_true(last >= 1);
	assert_int_equal(offset_fetch(fd, 3, "sg", "se", parts, 4, f, 4, &top),
			 4);
	for (k = 0; k < 4; k++)
		assert_int_equal(f[k].offset, last);
	p[0] = (struct cpart){ 2, 777, "" };
	commit(fd, 2, "sg", "se", p, 1, err);
	assert_int_equal(err[0], 0);
	close(fd);
	assert_true(t_metric(&b, "zcio_kafka_offset_commit_errors_total") >=
		    4);
	t_broker_stop(&b);
	t_broker_start(&b, args);
	fd = t_connect(b.port);
	assert_int_equal(offset_fetch(fd, 5, "sg", "se", parts, 4, f, 4, &top),
			 4);
	assert_int_equal(f[0].offset, last);
	assert_int_equal(f[2].offset, 777);
	assert_int_equal(strlen(f[3].meta), 4096);
	close(fd);
	t_broker_stop(&b);
	/* the failed write left no torn record for the restart to cut */
	log = t_read_file(b.log, &len);
	assert_non_null(log);
	assert_null(strstr(log, "torn or invalid tail"));
	free(log);
	free(meta);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_BOTH(find_coordinator),
		T_BOTH(commit_versions),
		T_BOTH(commit_errors),
		T_BOTH(concurrent_commits),
		T_BOTH(storage_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
