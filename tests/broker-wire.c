/* SPDX-License-Identifier: MIT */
/*
 * tests/broker-wire.c - `zcio broker` on the wire, with raw sockets: what
 * no client library sends on purpose. ApiVersions v0-2 list the advertised
 * ranges; v3 gets UNSUPPORTED_VERSION and the connection stays open for
 * the retry; an unknown API key, an unsupported version and a malformed
 * body close the connection (and only it); an oversize frame is refused
 * before its body is read; pipelined requests are answered in order, a
 * long-poll fetch holding back the answers behind it; a produce wakes a
 * waiting fetch, on the same worker or on another; acks=0 is not
 * answered; produce errors carry the right
 * codes (CORRUPT_MESSAGE, MESSAGE_TOO_LARGE, UNKNOWN_TOPIC_OR_PARTITION,
 * INVALID_REQUIRED_ACKS, INVALID_TOPIC_EXCEPTION), fetch past the end is
 * OFFSET_OUT_OF_RANGE. Each test runs on both engines (io_uring, epoll).
 */
#include "broker-util.h"
#include "kafka-log-util.h"
#include "kafka/crc32c.h"

/*
 * An uncompressed record batch v2 of @n records whose values are @vlen
 * bytes of @fill, keys null, into @b; returns its size.
 */
static size_t t_batch(uint8_t *b, int n, size_t vlen, uint8_t fill)
{
	uint8_t rec[16 + 65536];
	size_t len = 61, rl;
	int i;

	memset(b, 0, 61);
	t_put_be(b, 0, 8);
	t_put_be(b + 12, (uint32_t)-1, 4);
	b[16] = 2;
	t_put_be(b + 23, (uint32_t)(n - 1), 4);
	t_put_be(b + 27, 1700000000000ull, 8);
	t_put_be(b + 35, 1700000000000ull, 8);
	t_put_be(b + 43, (uint64_t)-1, 8);
	b[51] = 0xff;
	b[52] = 0xff;
	t_put_be(b + 53, (uint32_t)-1, 4);
	t_put_be(b + 57, (uint32_t)n, 4);
	for (i = 0; i < n; i++) {
		rl = 0;
		rec[rl++] = 0;			/* attributes */
		rl += t_put_varint(rec + rl, 0);	/* timestamp delta */
		rl += t_put_varint(rec + rl, i);	/* offset delta */
		rl += t_put_varint(rec + rl, -1);	/* null key */
		rl += t_put_varint(rec + rl, (int64_t)vlen);
		memset(rec + rl, fill, vlen);
		rl += vlen;
		rl += t_put_varint(rec + rl, 0);	/* no headers */
		len += t_put_varint(b + len, (int64_t)rl);
		memcpy(b + len, rec, rl);
		len += rl;
	}
	t_put_be(b + 8, (uint32_t)(len - 12), 4);
	t_put_be(b + 17, kafka_crc32c(0, b + 21, len - 21), 4);
	return len;
}

/* Produce v7 of @blob to @topic/@part with @acks. */
static void t_produce_req(struct t_kreq *r, int32_t corr, const char *topic,
			  int32_t part, int16_t acks, const uint8_t *blob,
			  size_t len)
{
	t_kbegin(r, 0, 7, corr);
	t_kputs(r, NULL);		/* transactional_id */
	t_kput16(r, acks);
	t_kput32(r, 5000);
	t_kput32(r, 1);
	t_kputs(r, topic);
	t_kput32(r, 1);
	t_kput32(r, part);
	t_kput32(r, (int32_t)len);
	t_kput(r, blob, len);
	t_kend(r);
}

/* The error code of the single partition of a Produce v7 answer. */
static int t_produce_error(const uint8_t *f, ssize_t n, int64_t *base)
{
	/* corr, topics[1], name, parts[1], partition, error, base... */
	size_t off = 4 + 4;
	int16_t nl;

	assert_true(n > 30);
	nl = t_get16(f + off);
	off += 2 + (size_t)nl + 4 + 4;
	if (base)
		*base = t_get64(f + off + 2);
	return t_get16(f + off);
}

static void t_apiversions_req(struct t_kreq *r, int16_t ver, int32_t corr)
{
	t_kbegin(r, 18, ver, corr);
	t_kend(r);
}

struct t_fetch_part {
	int16_t error;
	int64_t hwm;
	int32_t records_len;
};

/* The single partition of a Fetch v11 answer. */
static void t_fetch_parse(const uint8_t *f, ssize_t n, struct t_fetch_part *p)
{
	size_t off = 4 + 4 + 2 + 4;	/* corr, throttle, error, session */
	int16_t nl;

	assert_true(n > (ssize_t)off + 8);
	assert_int_equal(t_get32(f + off), 1);
	off += 4;
	nl = t_get16(f + off);
	off += 2 + (size_t)nl;
	assert_int_equal(t_get32(f + off), 1);
	off += 4 + 4;			/* count, partition */
	p->error = t_get16(f + off);
	p->hwm = t_get64(f + off + 2);
	off += 2 + 8 + 8 + 8;		/* error, hwm, lso, log start */
	assert_int_equal(t_get32(f + off), -1);	/* aborted: null */
	off += 4 + 4;			/* aborted, preferred replica */
	p->records_len = t_get32(f + off);
	assert_true((ssize_t)(off + 4) + p->records_len <= n);
}

/* Metadata v4 for @topic (auto-creation allowed). */
static void t_metadata_req(struct t_kreq *r, int32_t corr, const char *topic)
{
	t_kbegin(r, 3, 4, corr);
	t_kput32(r, 1);
	t_kputs(r, topic);
	t_kput8(r, 1);
	t_kend(r);
}

static uint8_t rbuf[4 << 20];
static uint8_t blob[2 << 20];

/* A broker on the engine named by the test's state (every test here runs
 * on "uring" and "epoll") with the options given. */
#define start(b, ...)	T_BROKER_START_ON(b, T_ENGINE(state), __VA_ARGS__)

/*
 * Produces blob[0, @len) to @topic/@part with @acks on @fd (correlation id
 * @corr); returns the answer's error code and, when @base is not NULL,
 * sets *@base to its base offset.
 */
static int produce(int fd, int32_t corr, const char *topic, int32_t part,
		   int16_t acks, size_t len, int64_t *base)
{
	static struct t_kreq r;
	ssize_t n;

	t_produce_req(&r, corr, topic, part, acks, blob, len);
	t_send_all(fd, r.b, r.len);
	n = t_krecv(fd, rbuf, sizeof(rbuf), 5000);
	return t_produce_error(rbuf, n, base);
}

static void api_versions(void **state)
{
	struct t_broker b;
	struct t_kreq r;
	int16_t ver;
	ssize_t n;
	int fd, i, cnt;
	int seen = 0;

	start(&b, NULL);
	fd = t_connect(b.port);
	for (ver = 0; ver <= 2; ver++) {
		t_apiversions_req(&r, ver, 100 + ver);
		t_send_all(fd, r.b, r.len);
		n = t_krecv(fd, rbuf, sizeof(rbuf), 3000);
		assert_true(n >= 10);
		assert_int_equal(t_get32(rbuf), 100 + ver);
		assert_int_equal(t_get16(rbuf + 4), 0);
		cnt = t_get32(rbuf + 6);
		assert_int_equal(n, 10 + 6 * cnt + (ver ? 4 : 0));
		for (i = 0, seen = 0; i < cnt; i++) {
			const uint8_t *e = rbuf + 10 + 6 * i;
			int key = t_get16(e), lo = t_get16(e + 2),
			    hi = t_get16(e + 4);

			if (key == 0 && lo <= 3 && hi >= 7)
				seen |= 1;
			if (key == 1 && lo <= 4 && hi >= 11)
				seen |= 2;
			if (key == 2 && lo <= 1 && hi >= 2)
				seen |= 4;
			if (key == 3 && lo == 0 && hi >= 4)
				seen |= 8;
			if (key == 18 && lo == 0 && hi == 2)
				seen |= 16;
		}
		assert_int_equal(seen, 31);
	}
	close(fd);
	t_broker_stop(&b);
}

/* librdkafka 2.0.2 opens with v3 (flexible): KIP-511's answer, then v2. */
static void api_versions_v3(void **state)
{
	struct t_broker b;
	struct t_kreq r;
	ssize_t n;
	int fd;

	start(&b, NULL);
	fd = t_connect(b.port);
	t_kbegin(&r, 18, 3, 7);
	t_kput8(&r, 0);			/* header tagged fields */
	t_kput8(&r, 11);		/* compact "librdkafka" */
	t_kput(&r, "librdkafka", 10);
	t_kput8(&r, 6);
	t_kput(&r, "2.0.2", 5);
	t_kput8(&r, 0);
	t_kend(&r);
	t_send_all(fd, r.b, r.len);
	n = t_krecv(fd, rbuf, sizeof(rbuf), 3000);
	assert_true(n >= 6);
	assert_int_equal(t_get32(rbuf), 7);
	/* UNSUPPORTED_VERSION */
	assert_int_equal(t_get16(rbuf + 4), 35);
	/* Still open: the retry with v2 on the same connection works. */
	t_apiversions_req(&r, 2, 8);
	t_send_all(fd, r.b, r.len);
	n = t_krecv(fd, rbuf, sizeof(rbuf), 3000);
	assert_true(n > 10);
	assert_int_equal(t_get32(rbuf), 8);
	assert_int_equal(t_get16(rbuf + 4), 0);
	close(fd);
	t_broker_stop(&b);
}

/* Closes within a second; a second connection is served meanwhile. */
static void refused(const struct t_broker *b, struct t_kreq *bad)
{
	struct t_kreq r;
	double t0 = t_now();
	int fd = t_connect(b->port), fd2 = t_connect(b->port);
	ssize_t n;

	t_send_all(fd, bad->b, bad->len);
	assert_true(t_kclosed(fd, 3000));
	assert_true(t_now() - t0 < 2.5);
	close(fd);
	t_apiversions_req(&r, 0, 5);
	t_send_all(fd2, r.b, r.len);
	n = t_krecv(fd2, rbuf, sizeof(rbuf), 3000);
	assert_true(n > 10);
	assert_int_equal(t_get32(rbuf), 5);
	close(fd2);
}

static void bad_requests(void **state)
{
	struct t_broker b;
	struct t_kreq r;

	start(&b, NULL);
	/* An unknown API key. */
	t_kbegin(&r, 999, 0, 1);
	t_kend(&r);
	refused(&b, &r);
	/* A known key, a version outside the advertised range. */
	t_kbegin(&r, 3, 99, 2);
	t_kput32(&r, 0);
	t_kend(&r);
	refused(&b, &r);
	/* Metadata claiming 10^6 topics in a few bytes. */
	t_kbegin(&r, 3, 1, 3);
	t_kput32(&r, 1000000);
	t_kputs(&r, "x");
	t_kend(&r);
	refused(&b, &r);
	/* A negative size prefix. */
	r.len = 0;
	t_kput32(&r, -5);
	t_kput32(&r, 0);
	refused(&b, &r);
	/* Metadata v1 with trailing garbage. */
	t_kbegin(&r, 3, 1, 4);
	t_kput32(&r, -1);
	t_kput32(&r, 12345);
	t_kend(&r);
	refused(&b, &r);
	assert_true(t_metric(&b, "zcio_kafka_requests_total"
			     "{api=\"refused\"}") >= 4);
	t_broker_stop(&b);
}

static void oversize(void **state)
{
	struct t_broker b;
	struct t_kreq r;
	uint8_t junk[8192];

	start(&b, "--max-request-bytes", "4096");
	/* Announced larger than the limit: refused from the prefix. */
	r.len = 0;
	t_kput32(&r, 1 << 30);
	t_kput16(&r, 3);
	t_kput16(&r, 1);
	refused(&b, &r);
	/* Really sent: 8 KiB of a produce, refused the same way. */
	memset(junk, 'x', sizeof(junk));
	t_produce_req(&r, 9, "big", 0, 1, junk, sizeof(junk));
	refused(&b, &r);
	assert_int_equal(t_metric(&b, "zcio_kafka_oversize_frames_total"), 2);
	t_broker_stop(&b);
}

/*
 * Six requests in one write: answers come back in order, and the
 * long-poll fetch (300 ms on an empty partition) holds back the last one.
 */
static void pipelined(void **state)
{
	static struct t_kreq all, r;
	struct t_broker b;
	int fd, i;
	double t0;
	ssize_t n;

	start(&b, NULL);
	fd = t_connect(b.port);
	/* The topic first, so that the fetch below waits. */
	t_metadata_req(&r, 1, "pipe");
	t_send_all(fd, r.b, r.len);
	assert_true(t_krecv(fd, rbuf, sizeof(rbuf), 5000) > 0);
	all.len = 0;
	t_apiversions_req(&r, 2, 11);
	t_kput(&all, r.b, r.len);
	t_metadata_req(&r, 12, "pipe");
	t_kput(&all, r.b, r.len);
	t_apiversions_req(&r, 0, 13);
	t_kput(&all, r.b, r.len);
	t_kbegin(&r, 2, 1, 14);		/* ListOffsets v1: latest */
	t_kput32(&r, -1);
	t_kput32(&r, 1);
	t_kputs(&r, "pipe");
	t_kput32(&r, 1);
	t_kput32(&r, 0);
	t_kput64(&r, -1);
	t_kend(&r);
	t_kput(&all, r.b, r.len);
	t_fetch_req(&r, 15, "pipe", 0, 0, 300, 1, 50 << 20);
	t_kput(&all, r.b, r.len);
	t_apiversions_req(&r, 1, 16);
	t_kput(&all, r.b, r.len);
	t0 = t_now();
	t_send_all(fd, all.b, all.len);
	for (i = 11; i <= 16; i++) {
		n = t_krecv(fd, rbuf, sizeof(rbuf), 5000);
		assert_true(n >= 4);
		assert_int_equal(t_get32(rbuf), i);
		if (i == 14) {
			/* offset 0, no error */
			assert_int_equal(t_get16(rbuf + 4 + 4 + 2 + 4 + 4 + 4),
					 0);
			assert_true(t_now() - t0 < 0.25);
		}
	}
	/* The last answer waited for the fetch's 300 ms. */
	assert_true(t_now() - t0 >= 0.28);
	close(fd);
	t_broker_stop(&b);
}

/* A waiting fetch is answered as soon as a produce appends. */
static void long_poll_wakeup(void **state)
{
	struct t_broker b;
	struct t_kreq r;
	struct t_fetch_part fp;
	size_t len;
	double t0;
	ssize_t n;
	int fd, pfd;

	start(&b, NULL);
	fd = t_connect(b.port);
	pfd = t_connect(b.port);
	t_metadata_req(&r, 1, "lp");
	t_send_all(fd, r.b, r.len);
	assert_true(t_krecv(fd, rbuf, sizeof(rbuf), 5000) > 0);
	t_fetch_req(&r, 2, "lp", 0, 0, 20000, 1, 50 << 20);
	t0 = t_now();
	t_send_all(fd, r.b, r.len);
	usleep(200000);
	len = t_batch(blob, 10, 100, 'a');
	assert_int_equal(produce(pfd, 3, "lp", 0, 1, len, NULL), 0);
	n = t_krecv(fd, rbuf, sizeof(rbuf), 5000);
	assert_true(n > 0);
	assert_true(t_now() - t0 < 2);
	assert_int_equal(t_get32(rbuf), 2);
	t_fetch_parse(rbuf, n, &fp);
	assert_int_equal(fp.error, 0);
	assert_int_equal(fp.hwm, 10);
	assert_int_equal(fp.records_len, (int32_t)len);
	assert_int_equal(t_metric(&b, "zcio_kafka_fetch_wakeups_total"), 1);
	/* Fetch past the end: OFFSET_OUT_OF_RANGE, at once. */
	t_fetch_req(&r, 4, "lp", 0, 11, 5000, 1, 50 << 20);
	t_send_all(fd, r.b, r.len);
	n = t_krecv(fd, rbuf, sizeof(rbuf), 2000);
	t_fetch_parse(rbuf, n, &fp);
	assert_int_equal(fp.error, 1);
	/* The records on the wire are the batch as produced. */
	t_fetch_req(&r, 5, "lp", 0, 0, 0, 0, 50 << 20);
	t_send_all(fd, r.b, r.len);
	n = t_krecv(fd, rbuf, sizeof(rbuf), 2000);
	t_fetch_parse(rbuf, n, &fp);
	/* Bytes 12-15 are the leader epoch the broker writes (0). */
	assert_memory_equal(rbuf + n - len + 16, blob + 16, len - 16);
	close(fd);
	close(pfd);
	t_broker_stop(&b);
}

/*
 * With two workers, the fetching and the producing connection land on the
 * same or on different workers (SO_REUSEPORT hashes each connection):
 * eight rounds make a wakeup across threads all but certain, and every
 * round must answer the waiting fetch at once.
 */
static void cross_worker_wakeup(void **state)
{
	struct t_broker b;
	struct t_kreq r;
	struct t_fetch_part fp;
	size_t len;
	double t0;
	ssize_t n;
	int fd, pfd, round;

	start(&b, "--workers", "2");
	fd = t_connect(b.port);
	t_metadata_req(&r, 1, "xw");
	t_send_all(fd, r.b, r.len);
	assert_true(t_krecv(fd, rbuf, sizeof(rbuf), 5000) > 0);
	close(fd);
	len = t_batch(blob, 1, 10, 'w');
	for (round = 0; round < 8; round++) {
		fd = t_connect(b.port);
		pfd = t_connect(b.port);
		t_fetch_req(&r, 2, "xw", 0, round, 10000, 1, 50 << 20);
		t0 = t_now();
		t_send_all(fd, r.b, r.len);
		usleep(50000);
		assert_int_equal(produce(pfd, 3, "xw", 0, 1, len, NULL), 0);
		n = t_krecv(fd, rbuf, sizeof(rbuf), 5000);
		assert_true(n > 0);
		assert_true(t_now() - t0 < 2);
		t_fetch_parse(rbuf, n, &fp);
		assert_int_equal(fp.error, 0);
		assert_int_equal(fp.hwm, round + 1);
		assert_true(fp.records_len > 0);
		close(fd);
		close(pfd);
	}
	assert_int_equal(t_metric(&b, "zcio_kafka_fetch_wakeups_total"), 8);
	t_broker_stop(&b);
}

static void produce_errors(void **state)
{
	struct t_broker b;
	struct t_kreq r;
	int64_t base;
	size_t len;
	ssize_t n;
	int fd;

	start(&b, "--max-message-bytes", "100000");
	fd = t_connect(b.port);
	len = t_batch(blob, 3, 50, 'b');
	assert_int_equal(produce(fd, 1, "pe", 0, -1, len, &base), 0);
	assert_int_equal(base, 0);
	assert_int_equal(produce(fd, 2, "pe", 0, 1, len, &base), 0);
	assert_int_equal(base, 3);
	/* A flipped bit under the CRC. */
	blob[70] ^= 1;
	assert_int_equal(produce(fd, 3, "pe", 0, 1, len, NULL), 2);
	blob[70] ^= 1;
	/* No partition 99; a bad acks; a bad topic name. */
	assert_int_equal(produce(fd, 4, "pe", 99, 1, len, NULL), 3);
	assert_int_equal(produce(fd, 5, "pe", 0, 2, len, NULL), 21);
	assert_int_equal(produce(fd, 6, "bad/name", 0, 1, len, NULL), 17);
	/* Over --max-message-bytes. */
	len = t_batch(blob, 4, 30000, 'c');
	assert_int_equal(produce(fd, 7, "pe", 0, 1, len, NULL), 10);
	/* acks=0: no answer; the next request's answer comes first. */
	len = t_batch(blob, 2, 10, 'd');
	t_produce_req(&r, 8, "pe", 0, 0, blob, len);
	t_send_all(fd, r.b, r.len);
	t_apiversions_req(&r, 0, 9);
	t_send_all(fd, r.b, r.len);
	n = t_krecv(fd, rbuf, sizeof(rbuf), 5000);
	assert_true(n > 0);
	assert_int_equal(t_get32(rbuf), 9);
	/* ... and it was appended: the next base offset is 8. */
	len = t_batch(blob, 1, 10, 'e');
	assert_int_equal(produce(fd, 10, "pe", 0, 1, len, &base), 0);
	assert_int_equal(base, 8);
	/* acks=0 that fails closes the connection (Kafka's signal). */
	blob[70] ^= 1;
	t_produce_req(&r, 11, "pe", 0, 0, blob, len);
	t_send_all(fd, r.b, r.len);
	assert_true(t_kclosed(fd, 3000));
	close(fd);
	assert_true(t_metric(&b, "zcio_kafka_produce_errors_total") >= 6);
	t_broker_stop(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_BOTH(api_versions),
		T_BOTH(api_versions_v3),
		T_BOTH(bad_requests),
		T_BOTH(oversize),
		T_BOTH(pipelined),
		T_BOTH(long_poll_wakeup),
		T_BOTH(cross_worker_wakeup),
		T_BOTH(produce_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
