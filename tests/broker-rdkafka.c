/* SPDX-License-Identifier: MIT */
/*
 * tests/broker-rdkafka.c - `zcio broker` with a C client linked against
 * Debian's librdkafka 2.0.2 (the library under kcat): 100,000 keyed
 * messages with headers produced and consumed back identical and in order
 * per partition, again after a restart; kill -9 during heavy produce with
 * --flush always, several times, one of them with a torn tail appended to
 * a segment: every message the producer was told was written (delivery
 * report without error) is there after the restart, offsets follow on
 * without a gap; offsets by time and the watermarks.
 */
#include <dirent.h>
#include <librdkafka/rdkafka.h>

#include "broker-util.h"

#define NPART 4

static rd_kafka_t *t_producer(const struct t_broker *b, struct t_dr *dr,
			      const char *linger)
{
	/* The kill test makes connection errors on purpose. */
	rd_kafka_conf_t *conf = t_rdkafka_conf(b, "0");
	char err[256];

	rd_kafka_conf_set(conf, "linger.ms", linger, err, sizeof(err));
	rd_kafka_conf_set(conf, "acks", "all", err, sizeof(err));
	rd_kafka_conf_set_opaque(conf, dr);
	rd_kafka_conf_set_dr_msg_cb(conf, t_dr_on);
	return t_rdkafka_new(RD_KAFKA_PRODUCER, conf);
}

/* Message @id: key "key-ID", a value of 20..119 bytes, two headers. */
static size_t t_value(char *buf, size_t cap, long id)
{
	int n = snprintf(buf, cap, "value-%ld-", id);
	size_t len = 20 + (size_t)(id % 100), i;

	for (i = (size_t)n; i < len; i++)
		buf[i] = (char)('a' + (id + (long)i) % 26);
	return len;
}

static void t_send(rd_kafka_t *rk, const char *topic, long id, int64_t ts)
{
	char key[32], val[128], seq[32];
	rd_kafka_resp_err_t err;
	size_t vlen = t_value(val, sizeof(val), id);

	snprintf(key, sizeof(key), "key-%ld", id);
	snprintf(seq, sizeof(seq), "%ld", id);
	for (;;) {
		err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic),
			RD_KAFKA_V_KEY(key, strlen(key)),
			RD_KAFKA_V_VALUE(val, vlen),
			RD_KAFKA_V_HEADER("seq", seq, (ssize_t)strlen(seq)),
			RD_KAFKA_V_HEADER("src", "rdkafka-test", 12),
			RD_KAFKA_V_TIMESTAMP(ts),
			RD_KAFKA_V_OPAQUE((void *)(intptr_t)id),
			RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
			RD_KAFKA_V_END);
		if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
			break;
		rd_kafka_poll(rk, 10);
	}
	assert_int_equal(err, 0);
}

/* Checks one consumed message against message id from its "seq". */
static long t_check_msg(const rd_kafka_message_t *m)
{
	char key[32], val[128];
	rd_kafka_headers_t *hdrs;
	const void *hv;
	size_t hlen, vlen;
	long id;

	assert_int_equal(rd_kafka_message_headers(m, &hdrs), 0);
	assert_int_equal(rd_kafka_header_get(hdrs, 0, "seq", &hv, &hlen), 0);
	id = strtol(hv, NULL, 10);
	assert_int_equal(rd_kafka_header_get(hdrs, 0, "src", &hv, &hlen), 0);
	assert_int_equal(hlen, 12);
	assert_memory_equal(hv, "rdkafka-test", 12);
	snprintf(key, sizeof(key), "key-%ld", id);
	assert_int_equal(m->key_len, strlen(key));
	assert_memory_equal(m->key, key, m->key_len);
	vlen = t_value(val, sizeof(val), id);
	assert_int_equal(m->len, vlen);
	assert_memory_equal(m->payload, val, vlen);
	return id;
}

/*
 * Reads partition @p of @topic from the beginning to @end (its high
 * watermark), checking each message; calls @fn(arg, id, offset).
 */
static void t_consume(rd_kafka_t *rk, rd_kafka_topic_t *rkt, int32_t p,
		      int64_t end, void (*fn)(void *, long, int64_t),
		      void *arg)
{
	rd_kafka_message_t *msgs[1000];
	int64_t next = 0;
	double deadline = t_now() + 60;
	ssize_t n, i;

	if (!end)
		return;
	assert_int_equal(rd_kafka_consume_start(rkt, p,
						RD_KAFKA_OFFSET_BEGINNING),
			 0);
	while (next < end && t_now() < deadline) {
		n = rd_kafka_consume_batch(rkt, p, 1000, msgs, 1000);
		for (i = 0; i < n; i++) {
			if (!msgs[i]->err) {
				/* In order, no gap. */
				assert_int_equal(msgs[i]->offset, next);
				fn(arg, t_check_msg(msgs[i]), next);
				next++;
			} else if (msgs[i]->err !=
				   RD_KAFKA_RESP_ERR__PARTITION_EOF) {
				fail_msg("consume: %s",
					 rd_kafka_err2str(msgs[i]->err));
			}
			rd_kafka_message_destroy(msgs[i]);
		}
		rd_kafka_poll(rk, 0);
	}
	rd_kafka_consume_stop(rkt, p);
	assert_int_equal(next, end);
}

static rd_kafka_t *t_consumer(const struct t_broker *b)
{
	rd_kafka_conf_t *conf = t_rdkafka_conf(b, "0");
	char err[256];

	rd_kafka_conf_set(conf, "enable.partition.eof", "true", err,
			  sizeof(err));
	rd_kafka_conf_set(conf, "check.crcs", "true", err, sizeof(err));
	return t_rdkafka_new(RD_KAFKA_CONSUMER, conf);
}

/* The high watermark of @topic/@p. */
static int64_t t_hwm(rd_kafka_t *rk, const char *topic, int32_t p)
{
	int64_t lo, hi;

	assert_int_equal(rd_kafka_query_watermark_offsets(rk, topic, p, &lo,
							  &hi, 10000), 0);
	return hi;
}

struct keyed_check {
	const struct t_dr *dr;
	int32_t part;
	long last;			/* the id seen last here */
	uint64_t seen;
};

/* Each message at the offset its delivery report gave, ids ascending. */
static void keyed_one(void *arg, long id, int64_t offset)
{
	struct keyed_check *k = arg;

	assert_int_equal(k->dr->part[id], k->part);
	assert_int_equal(k->dr->offset[id], offset);
	assert_true(id > k->last);
	k->last = id;
	k->seen++;
}

static void keyed_verify(const struct t_broker *b, const struct t_dr *dr)
{
	rd_kafka_t *rk = t_consumer(b);
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, "keyed", NULL);
	struct keyed_check k = { .dr = dr };
	uint64_t total = 0;
	int32_t p;

	for (p = 0; p < NPART; p++) {
		k.part = p;
		k.last = -1;
		k.seen = 0;
		t_consume(rk, rkt, p, t_hwm(rk, "keyed", p), keyed_one, &k);
		/* Keys spread: every partition got some. */
		assert_true(k.seen > 1000);
		total += k.seen;
	}
	assert_int_equal(total, 100000);
	rd_kafka_topic_destroy(rkt);
	rd_kafka_destroy(rk);
}

static void keyed_100k(void **state)
{
	struct t_broker b;
	struct t_dr dr;
	rd_kafka_t *rk;
	long i;

	(void)state;
	t_dr_init(&dr, 100000);
	t_broker_dirs(&b);
	T_BROKER_START(&b, "--segment-bytes", "1m");
	rk = t_producer(&b, &dr, "5");
	for (i = 0; i < 100000; i++) {
		t_send(rk, "keyed", i, 0);
		if (!(i % 1000))
			rd_kafka_poll(rk, 0);
	}
	assert_int_equal(rd_kafka_flush(rk, 60000), 0);
	rd_kafka_destroy(rk);
	assert_int_equal(dr.ok, 100000);
	assert_int_equal(dr.failed, 0);
	keyed_verify(&b, &dr);
	t_broker_stop(&b);
	/* Again from a restarted broker: the log was closed cleanly. */
	T_BROKER_START(&b, NULL);
	keyed_verify(&b, &dr);
	t_broker_stop(&b);
	t_dr_exit(&dr);
}

struct kill_check {
	uint8_t *present;
	uint64_t n;
};

static void kill_one(void *arg, long id, int64_t offset)
{
	struct kill_check *k = arg;

	(void)offset;
	assert_int_equal(k->present[id], 0);	/* no duplicate */
	k->present[id] = 1;
	k->n++;
}

/* Appends junk to the newest segment of "crash-0": a torn last write. */
static void tear(const struct t_broker *b)
{
	char dir[PATH_MAX + 32], path[PATH_MAX * 2], last[256] = "";
	struct dirent *de;
	DIR *d;
	int fd;

	snprintf(dir, sizeof(dir), "%s/crash-0", b->data);
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)))
		if (strstr(de->d_name, ".log") &&
		    strcmp(de->d_name, last) > 0)
			snprintf(last, sizeof(last), "%s", de->d_name);
	closedir(d);
	assert_true(last[0]);
	snprintf(path, sizeof(path), "%s/%s", dir, last);
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	/* A batch header that promises more than follows. */
	assert_int_equal(write(fd, "\0\0\0\0\0\0\0\0\0\0\x10\0\0\0\0\0\x02"
			       "garbage", 24), 24);
	close(fd);
}

/*
 * Three rounds: produce hard (acks=all, --flush always), kill -9 the
 * broker once some thousands are acknowledged, restart, check that every
 * acknowledged message is there, once, in a log without gaps.
 */
static void kill9_recovery(void **state)
{
	enum { MAX = 600000 };
	struct kill_check k;
	struct t_broker b;
	struct t_dr dr;
	rd_kafka_t *rk, *ck;
	rd_kafka_topic_t *rkt;
	long id = 0, i;
	double deadline;
	int round;

	(void)state;
	t_dr_init(&dr, MAX);
	k.present = calloc(MAX, 1);
	assert_non_null(k.present);
	t_broker_dirs(&b);
	T_BROKER_START(&b, "--flush", "always", "--segment-bytes", "256k");
	for (round = 0; round < 3; round++) {
		uint64_t want = dr.ok + 2000 + 3000 * (uint64_t)round;

		rk = t_producer(&b, &dr, "2");
		deadline = t_now() + 20;
		while (dr.ok < want && id < MAX - 1000 && t_now() < deadline) {
			for (i = 0; i < 200; i++)
				t_send(rk, "crash", id++, 0);
			rd_kafka_poll(rk, 0);
		}
		/* Kill with batches in flight. */
		assert_int_equal(t_broker_signal(&b, SIGKILL, 5),
				 128 + SIGKILL);
		rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE |
			       RD_KAFKA_PURGE_F_INFLIGHT);
		rd_kafka_flush(rk, 5000);
		rd_kafka_destroy(rk);
		assert_true(dr.ok >= want);
		if (round == 1)
			tear(&b);
		T_BROKER_START(&b, "--flush", "always", "--segment-bytes",
			       "256k");
		if (round == 1) {
			size_t len;
			char *log = t_read_file(b.log, &len);

			/* The torn tail was found and cut. */
			assert_non_null(log);
			assert_non_null(strstr(log, "recovered crash-0: cut 24 "
					       "bytes"));
			free(log);
		}
	}
	ck = t_consumer(&b);
	rkt = rd_kafka_topic_new(ck, "crash", NULL);
	k.n = 0;
	/* The test topic is auto-created with 4 partitions: read all. */
	for (i = 0; i < NPART; i++)
		t_consume(ck, rkt, (int32_t)i, t_hwm(ck, "crash", (int32_t)i),
			  kill_one, &k);
	for (i = 0; i < id; i++)
		if (dr.part[i] >= 0 && !k.present[i])
			fail_msg("acknowledged message %ld lost", i);
	assert_true(k.n >= dr.ok);
	fprintf(stderr, "kill9_recovery: %ld sent, %llu acknowledged, %llu "
		"found after 3 kills\n", id, (unsigned long long)dr.ok,
		(unsigned long long)k.n);
	rd_kafka_topic_destroy(rkt);
	rd_kafka_destroy(ck);
	t_broker_stop(&b);
	free(k.present);
	t_dr_exit(&dr);
}

/* offsetsForTimes (ListOffsets v2 by timestamp) and the watermarks. */
static void offsets_for_times(void **state)
{
	rd_kafka_topic_partition_list_t *l;
	struct t_broker b;
	struct t_dr dr;
	rd_kafka_t *rk;
	int64_t base = 1700000000000LL, lo, hi;
	long i;

	(void)state;
	t_dr_init(&dr, 100);
	t_broker_dirs(&b);
	T_BROKER_START(&b, NULL);
	rk = t_producer(&b, &dr, "50");
	for (i = 0; i < 100; i++) {
		char key[16];

		snprintf(key, sizeof(key), "%ld", i);
		assert_int_equal(rd_kafka_producev(rk,
			RD_KAFKA_V_TOPIC("times"), RD_KAFKA_V_PARTITION(1),
			RD_KAFKA_V_VALUE(key, strlen(key)),
			RD_KAFKA_V_TIMESTAMP(base + i * 10),
			RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
			RD_KAFKA_V_END), 0);
	}
	assert_int_equal(rd_kafka_flush(rk, 10000), 0);
	assert_int_equal(dr.ok, 100);
	l = rd_kafka_topic_partition_list_new(3);
	rd_kafka_topic_partition_list_add(l, "times", 1)->offset = base + 505;
	assert_int_equal(rd_kafka_offsets_for_times(rk, l, 10000), 0);
	assert_int_equal(l->elems[0].err, 0);
	assert_int_equal(l->elems[0].offset, 51);
	l->elems[0].offset = base + 5000;	/* after everything */
	assert_int_equal(rd_kafka_offsets_for_times(rk, l, 10000), 0);
	assert_int_equal(l->elems[0].offset, -1);
	l->elems[0].offset = 0;			/* before everything */
	assert_int_equal(rd_kafka_offsets_for_times(rk, l, 10000), 0);
	assert_int_equal(l->elems[0].offset, 0);
	rd_kafka_topic_partition_list_destroy(l);
	assert_int_equal(rd_kafka_query_watermark_offsets(rk, "times", 1,
							  &lo, &hi, 10000), 0);
	assert_int_equal(lo, 0);
	assert_int_equal(hi, 100);
	assert_int_equal(rd_kafka_query_watermark_offsets(rk, "times", 0,
							  &lo, &hi, 10000), 0);
	assert_int_equal(hi, 0);
	rd_kafka_destroy(rk);
	t_broker_stop(&b);
	t_dr_exit(&dr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(keyed_100k),
		cmocka_unit_test(kill9_recovery),
		cmocka_unit_test(offsets_for_times),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
