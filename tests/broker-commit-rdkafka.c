/* SPDX-License-Identifier: MIT */
/*
 * tests/broker-commit-rdkafka.c - committed offsets of `zcio broker`
 * with Debian's librdkafka 2.0.2 as the client: a consumer with a
 * group.id that takes its partitions with rd_kafka_assign (no subscribe:
 * no JoinGroup) consumes part of a topic, commits (rd_kafka_commit of its
 * positions, and of explicit offsets with metadata), and after a broker
 * restart on the same data directory rd_kafka_committed reads them back
 * identical and a consumer resuming from the stored offsets gets exactly
 * the messages not consumed before. Under --flush always, commits
 * acknowledged before a kill -9 of the broker are all there after the
 * restart, several times over. And lz4, which librdkafka compresses only
 * for a broker advertising FindCoordinator v0, is stored compressed.
 */
#include <stdbool.h>

#include <librdkafka/rdkafka.h>

#include "broker-util.h"

#define NPART 4
#define NMSG 400

static rd_kafka_conf_t *conf_new(const struct t_broker *b, const char *group)
{
	/* the kill test makes connection errors on purpose */
	rd_kafka_conf_t *conf = t_rdkafka_conf(b, "0");
	char err[256];

	if (group) {
		assert_int_equal(rd_kafka_conf_set(conf, "group.id", group,
						   err, sizeof(err)),
				 RD_KAFKA_CONF_OK);
		rd_kafka_conf_set(conf, "enable.auto.commit", "false", err,
				  sizeof(err));
		rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", err,
				  sizeof(err));
	}
	return conf;
}

static rd_kafka_t *client(const struct t_broker *b, rd_kafka_type_t type,
			  const char *group)
{
	return t_rdkafka_new(type, conf_new(b, group));
}

/*
 * @n messages "m<i> ..." to partition i % NPART of @topic, all delivered,
 * compressed with @codec ("none", "lz4"...).
 */
static void produce_codec(const struct t_broker *b, const char *topic,
			  int n, const char *codec)
{
	rd_kafka_conf_t *conf = conf_new(b, NULL);
	char val[64], err[256];
	rd_kafka_t *rk;
	int i;

	assert_int_equal(rd_kafka_conf_set(conf, "compression.codec", codec,
					   err, sizeof(err)),
			 RD_KAFKA_CONF_OK);
	rk = t_rdkafka_new(RD_KAFKA_PRODUCER, conf);

	for (i = 0; i < n; i++) {
		/* compressible, so that a codec really compresses */
		snprintf(val, sizeof(val), "m%d compressible compressible "
			 "compressible", i);
		assert_int_equal(rd_kafka_producev(rk,
				RD_KAFKA_V_TOPIC(topic),
				RD_KAFKA_V_PARTITION(i % NPART),
				RD_KAFKA_V_VALUE(val, strlen(val)),
				RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
				RD_KAFKA_V_END), 0);
	}
	assert_int_equal(rd_kafka_flush(rk, 30000), 0);
	assert_int_equal(rd_kafka_outq_len(rk), 0);
	rd_kafka_destroy(rk);
}

static void produce(const struct t_broker *b, const char *topic, int n)
{
	produce_codec(b, topic, n, "none");
}

static rd_kafka_topic_partition_list_t *all_parts(const char *topic,
						  int64_t offset)
{
	rd_kafka_topic_partition_list_t *l;
	int p;

	l = rd_kafka_topic_partition_list_new(NPART);
	for (p = 0; p < NPART; p++)
		rd_kafka_topic_partition_list_add(l, topic, p)->offset = offset;
	return l;
}

static void close_consumer(rd_kafka_t *rk)
{
	assert_int_equal(rd_kafka_consumer_close(rk), 0);
	rd_kafka_destroy(rk);
}

/*
 * Polls @rk until @n messages came (60 s at most); @next[p] becomes the
 * offset after the last message of partition p; the first offset seen
 * of each partition goes to @first (when not NULL, -1 when none).
 */
static void consume(rd_kafka_t *rk, int n, int64_t *next, int64_t *first)
{
	double end = t_now() + 60;
	rd_kafka_message_t *m;
	int got = 0;

	while (got < n && t_now() < end) {
		m = rd_kafka_consumer_poll(rk, 100);
		if (!m)
			continue;
		if (m->err) {
			if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
				fail_msg("consume: %s",
					 rd_kafka_message_errstr(m));
			rd_kafka_message_destroy(m);
			continue;
		}
		assert_true(m->partition >= 0 && m->partition < NPART);
		if (first && first[m->partition] < 0)
			first[m->partition] = m->offset;
		/* in order, no gap, within a partition */
		if (next[m->partition] >= 0)
			assert_int_equal(m->offset, next[m->partition]);
		next[m->partition] = m->offset + 1;
		got++;
		rd_kafka_message_destroy(m);
	}
	assert_int_equal(got, n);
}

/* Sync commit of @offs (and metadata "md-<topic>-<p>-<off>"). */
static void commit_offsets(rd_kafka_t *rk, const char *topic,
			   const int64_t *offs)
{
	rd_kafka_topic_partition_list_t *l = all_parts(topic, 0);
	char meta[64];
	int p;

	for (p = 0; p < NPART; p++) {
		l->elems[p].offset = offs[p];
		snprintf(meta, sizeof(meta), "md-%s-%d-%lld", topic, p,
			 (long long)offs[p]);
		l->elems[p].metadata = strdup(meta);
		l->elems[p].metadata_size = strlen(meta);
	}
	assert_int_equal(rd_kafka_commit(rk, l, 0), 0);
	rd_kafka_topic_partition_list_destroy(l);
}

/*
 * rd_kafka_committed of every partition: the offsets into @offs
 * (RD_KAFKA_OFFSET_INVALID when none); with @meta, checks the metadata
 * commit_offsets wrote.
 */
static void committed(rd_kafka_t *rk, const char *topic, int64_t *offs,
		      bool meta)
{
	rd_kafka_topic_partition_list_t *l = all_parts(topic, 0);
	char want[64];
	int p;

	assert_int_equal(rd_kafka_committed(rk, l, 10000), 0);
	for (p = 0; p < NPART; p++) {
		assert_int_equal(l->elems[p].err, 0);
		offs[p] = l->elems[p].offset;
		if (!meta)
			continue;
		snprintf(want, sizeof(want), "md-%s-%d-%lld", topic, p,
			 (long long)offs[p]);
		assert_int_equal(l->elems[p].metadata_size, strlen(want));
		assert_memory_equal(l->elems[p].metadata, want,
				    strlen(want));
	}
	rd_kafka_topic_partition_list_destroy(l);
}

static void commit_restart(void **state)
{
	static const char *const args[] = { NULL };
	static const int64_t explicit[NPART] = { 11, 0, 33, 99 };
	int64_t next[NPART], first[NPART], got[NPART];
	rd_kafka_topic_partition_list_t *l;
	struct t_broker b;
	rd_kafka_t *rk;
	int p, left = NMSG;

	(void)state;
	t_broker_dirs(&b);
	t_broker_start(&b, args);
	produce(&b, "rt", NMSG);

	/* consume 150, commit the positions */
	rk = client(&b, RD_KAFKA_CONSUMER, "rg");
	l = all_parts("rt", RD_KAFKA_OFFSET_BEGINNING);
	assert_int_equal(rd_kafka_assign(rk, l), 0);
	rd_kafka_topic_partition_list_destroy(l);
	for (p = 0; p < NPART; p++)
		next[p] = -1;
	consume(rk, 150, next, NULL);
	assert_int_equal(rd_kafka_commit(rk, NULL, 0), 0);
	committed(rk, "rt", got, false);
	for (p = 0; p < NPART; p++) {
		assert_int_equal(got[p], next[p] < 0 ? RD_KAFKA_OFFSET_INVALID :
					 next[p]);
		left -= next[p] < 0 ? 0 : (int)next[p];
	}
	assert_int_equal(left, NMSG - 150);
	close_consumer(rk);
	/* explicit offsets with metadata, in another group */
	rk = client(&b, RD_KAFKA_CONSUMER, "rg-meta");
	commit_offsets(rk, "rt", explicit);
	committed(rk, "rt", got, true);
	assert_memory_equal(got, explicit, sizeof(got));
	close_consumer(rk);
	t_broker_stop(&b);

	t_broker_start(&b, args);
	rk = client(&b, RD_KAFKA_CONSUMER, "rg-meta");
	committed(rk, "rt", got, true);
	assert_memory_equal(got, explicit, sizeof(got));
	close_consumer(rk);
	/* resume from the stored offsets: exactly the rest */
	rk = client(&b, RD_KAFKA_CONSUMER, "rg");
	committed(rk, "rt", got, false);
	for (p = 0; p < NPART; p++)
		assert_int_equal(got[p], next[p] < 0 ?
				 RD_KAFKA_OFFSET_INVALID : next[p]);
	l = all_parts("rt", RD_KAFKA_OFFSET_STORED);
	assert_int_equal(rd_kafka_assign(rk, l), 0);
	rd_kafka_topic_partition_list_destroy(l);
	for (p = 0; p < NPART; p++)
		first[p] = next[p] = -1;
	consume(rk, left, next, first);
	for (p = 0; p < NPART; p++) {
		/* a partition read to its end before has nothing left */
		if (first[p] < 0) {
			assert_int_equal(got[p], NMSG / NPART);
			continue;
		}
		assert_int_equal(first[p], got[p] < 0 ? 0 : got[p]);
		assert_int_equal(next[p], NMSG / NPART);
	}
	close_consumer(rk);
	assert_true(t_metric(&b, "zcio_kafka_requests_total"
			     "{api=\"offset_fetch\"}") >= 2);
	t_broker_stop(&b);
}

/*
 * --flush always: rounds of 40 synchronous commits, the consumer closed,
 * the broker killed with SIGKILL and restarted: the last commit of each
 * partition is what rd_kafka_committed reads.
 */
static void kill9_always(void **state)
{
	static const char *const args[] = { "--flush", "always", NULL };
	int64_t offs[NPART], got[NPART];
	struct t_broker b;
	rd_kafka_t *rk;
	int r, i, p;

	(void)state;
	t_broker_dirs(&b);
	t_broker_start(&b, args);
	produce(&b, "kt", 8);
	for (r = 0; r < 4; r++) {
		rk = client(&b, RD_KAFKA_CONSUMER, "kg");
		if (r) {
			committed(rk, "kt", got, true);
			assert_memory_equal(got, offs, sizeof(got));
		}
		for (i = 0; i < 40; i++) {
			for (p = 0; p < NPART; p++)
				offs[p] = 1000 * r + 10 * i + p;
			commit_offsets(rk, "kt", offs);
		}
		close_consumer(rk);
		assert_int_equal(t_broker_signal(&b, SIGKILL, 5),
				 128 + SIGKILL);
		t_broker_start(&b, args);
	}
	rk = client(&b, RD_KAFKA_CONSUMER, "kg");
	committed(rk, "kt", got, true);
	assert_memory_equal(got, offs, sizeof(got));
	close_consumer(rk);
	t_broker_stop(&b);
}

/*
 * librdkafka 2.0.2 compresses lz4 only for a broker that advertises
 * FindCoordinator from v0 (rdkafka_feature.c): the first batch stored in
 * DATA/lz-0 must say lz4 (attributes & 7 == 3).
 */
static void lz4_enabled(void **state)
{
	static const char *const args[] = { NULL };
	char path[PATH_MAX * 2];
	struct t_broker b;
	uint8_t *d;
	size_t len;
	int fd;

	(void)state;
	t_broker_dirs(&b);
	t_broker_start(&b, args);
	produce_codec(&b, "lz", 400, "lz4");
	t_broker_stop(&b);
	snprintf(path, sizeof(path), "%s/lz-0/00000000000000000000.log",
		 b.data);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	len = t_slurp(fd, &d);
	close(fd);
	assert_true(len > 61);
	assert_int_equal(t_get16(d + 21) & 7, 3);
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(commit_restart),
		cmocka_unit_test(kill9_always),
		cmocka_unit_test(lz4_enabled),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
