/* SPDX-License-Identifier: MIT */
/*
 * tests/broker-idem.c - idempotent producers against the real `zcio
 * broker`: InitProducerId 0-1 on the wire (fresh ids that never repeat
 * across a restart or a kill -9, transactional ids refused); raw Produce
 * frames carrying producer id, epoch and sequence: a duplicate of each of
 * the last five batches is acknowledged with its original offset and not
 * written again (ListOffsets and Fetch confirm), a gap is
 * OUT_OF_ORDER_SEQUENCE_NUMBER, an old epoch INVALID_PRODUCER_EPOCH, an
 * unknown producer not starting at 0 UNKNOWN_PRODUCER_ID, sequences wrap
 * past INT32_MAX, and all of it holds after a clean restart and after
 * kill -9; four connections on two workers racing one producer's batches
 * into one partition write each once; then librdkafka 2.0.2 with enable.idempotence=true producing
 * 50,000 numbered messages under --flush always while the broker is
 * killed and restarted on the same port three times: every message ends
 * up in the log exactly once, in order in its partition.
 */
#include <librdkafka/rdkafka.h>

#include "broker-util.h"
#include "kafka-log-util.h"
#include "kafka/crc32c.h"

#define T0 1700000000000LL

static uint8_t rbuf[4 << 20];

/*
 * A record batch from producer @pid/@epoch starting at sequence @seq:
 * @n uncompressed records whose values say "seq-N"; or, with @fake, a
 * "gzip" batch claiming @n records over a few junk bytes (the broker never
 * decompresses, which lets a test reach sequence INT32_MAX cheaply).
 */
static size_t idem_batch(uint8_t *b, int64_t pid, int16_t epoch,
			 int32_t seq, int32_t n, bool fake)
{
	size_t len = 61, rl;
	uint8_t rec[64];
	char val[32];
	int32_t i;
	int vl;

	memset(b, 0, 61);
	t_put_be(b + 12, (uint32_t)-1, 4);
	b[16] = 2;
	t_put_be(b + 21, fake ? 1 : 0, 2);
	t_put_be(b + 23, (uint32_t)(n - 1), 4);
	t_put_be(b + 27, T0, 8);
	t_put_be(b + 35, T0, 8);
	t_put_be(b + 43, (uint64_t)pid, 8);
	t_put_be(b + 51, (uint16_t)epoch, 2);
	t_put_be(b + 53, (uint32_t)seq, 4);
	t_put_be(b + 57, (uint32_t)n, 4);
	for (i = 0; !fake && i < n; i++) {
		vl = snprintf(val, sizeof(val), "seq-%ld", (long)seq + i);
		rl = 0;
		rec[rl++] = 0;
		rl += t_put_varint(rec + rl, 0);
		rl += t_put_varint(rec + rl, i);
		rl += t_put_varint(rec + rl, -1);
		rl += t_put_varint(rec + rl, vl);
		memcpy(rec + rl, val, (size_t)vl);
		rl += (size_t)vl;
		rec[rl++] = 0;
		len += t_put_varint(b + len, (int64_t)rl);
		memcpy(b + len, rec, rl);
		len += rl;
	}
	if (fake) {
		memcpy(b + len, "\x1f\x8b junk", 7);
		len += 7;
	}
	t_put_be(b + 8, len - 12, 4);
	t_put_be(b + 17, kafka_crc32c(0, b + 21, len - 21), 4);
	return len;
}

/* Sends @r on @fd and returns the answer's size (the frame in rbuf). */
static ssize_t roundtrip(int fd, struct t_kreq *r)
{
	ssize_t n;

	t_kend(r);
	t_send_all(fd, r->b, r->len);
	n = t_krecv(fd, rbuf, sizeof(rbuf), 10000);
	assert_true(n >= 4);
	return n;
}

/* InitProducerId @ver; returns the error, *@id and *@epoch. */
static int init_pid(int fd, int16_t ver, const char *tid, int64_t *id,
		    int16_t *epoch)
{
	static struct t_kreq r;
	ssize_t n;

	t_kbegin(&r, 22, ver, 11);
	t_kputs(&r, tid);
	t_kput32(&r, 60000);
	n = roundtrip(fd, &r);
	/* corr, throttle, error, id, epoch */
	assert_int_equal(n, 4 + 4 + 2 + 8 + 2);
	assert_int_equal(t_get32(rbuf), 11);
	*id = t_get64(rbuf + 10);
	*epoch = t_get16(rbuf + 18);
	return t_get16(rbuf + 8);
}

/* Produce v7 of one batch to @topic/0; returns the error, *@base. */
static int produce(int fd, const char *topic, const uint8_t *batch,
		   size_t len, int64_t *base)
{
	static struct t_kreq r;
	size_t off = 4 + 4;

	t_kbegin(&r, 0, 7, 12);
	t_kputs(&r, NULL);
	t_kput16(&r, -1);
	t_kput32(&r, 10000);
	t_kput32(&r, 1);
	t_kputs(&r, topic);
	t_kput32(&r, 1);
	t_kput32(&r, 0);
	t_kput32(&r, (int32_t)len);
	t_kput(&r, batch, len);
	roundtrip(fd, &r);
	/* corr, topics[1], name, partitions[1], partition, error, base */
	off += 2 + strlen(topic) + 4 + 4;
	*base = t_get64(rbuf + off + 2);
	return t_get16(rbuf + off);
}

/* Builds and produces one batch; returns the error. */
static int send_batch(int fd, const char *topic, int64_t pid, int16_t epoch,
		      int32_t seq, int32_t n, int64_t *base)
{
	static uint8_t b[1 << 16];
	size_t len = idem_batch(b, pid, epoch, seq, n, false);

	return produce(fd, topic, b, len, base);
}

/* ListOffsets v1, latest: the high watermark of @topic/0. */
static int64_t hwm(int fd, const char *topic)
{
	static struct t_kreq r;
	size_t off = 4 + 4;

	t_kbegin(&r, 2, 1, 13);
	t_kput32(&r, -1);
	t_kput32(&r, 1);
	t_kputs(&r, topic);
	t_kput32(&r, 1);
	t_kput32(&r, 0);
	t_kput64(&r, -1);
	roundtrip(fd, &r);
	off += 2 + strlen(topic) + 4 + 4;
	assert_int_equal(t_get16(rbuf + off), 0);
	return t_get64(rbuf + off + 2 + 8);
}

/*
 * Fetch v11 of @topic/0 from offset 0: checks the batches follow on
 * without a gap or an overlap up to @end, and returns how many there are.
 */
static int fetch_batches(int fd, const char *topic, int64_t end)
{
	static struct t_kreq r;
	size_t off = 4 + 4 + 2 + 4 + 4;
	int64_t next = 0;
	int32_t len, blen;
	int batches = 0;
	ssize_t n;

	t_kbegin(&r, 1, 11, 14);
	t_kput32(&r, -1);
	t_kput32(&r, 0);
	t_kput32(&r, 1);
	t_kput32(&r, 4 << 20);
	t_kput8(&r, 0);
	t_kput32(&r, 0);
	t_kput32(&r, -1);
	t_kput32(&r, 1);
	t_kputs(&r, topic);
	t_kput32(&r, 1);
	t_kput32(&r, 0);
	t_kput32(&r, -1);
	t_kput64(&r, 0);
	t_kput64(&r, -1);
	t_kput32(&r, 4 << 20);
	t_kput32(&r, 0);
	t_kputs(&r, "");
	n = roundtrip(fd, &r);
	off += 2 + strlen(topic) + 4 + 4;
	assert_int_equal(t_get16(rbuf + off), 0);
	off += 2 + 8 + 8 + 8 + 4 + 4;
	len = t_get32(rbuf + off);
	off += 4;
	assert_true((ssize_t)off + len <= n);
	while (len >= 61) {
		assert_int_equal(t_get64(rbuf + off), next);
		next += t_get32(rbuf + off + 23) + 1;
		blen = t_get32(rbuf + off + 8) + 12;
		assert_true(blen <= len);
		off += (size_t)blen;
		len -= blen;
		batches++;
	}
	assert_int_equal(len, 0);
	assert_int_equal(next, end);
	return batches;
}

/* ---- InitProducerId ---------------------------------------------------- */

static void init_producer_id(void **state)
{
	struct t_broker b;
	int64_t id, prev = -1;
	int16_t epoch;
	int fd, round, i;
	char path[PATH_MAX + 32];

	(void)state;
	t_broker_dirs(&b);
	for (round = 0; round < 3; round++) {
		T_BROKER_START(&b, "--flush", "always");
		fd = t_connect(b.port);
		for (i = 0; i < 4; i++) {
			assert_int_equal(init_pid(fd, (int16_t)(i & 1), NULL,
						  &id, &epoch), 0);
			assert_true(id > prev);
			assert_int_equal(epoch, 0);
			prev = id;
		}
		/* no transactions: a clear, fatal error for librdkafka */
		assert_int_equal(init_pid(fd, 1, "txn", &id, &epoch), 53);
		assert_int_equal(id, -1);
		assert_int_equal(epoch, -1);
		assert_int_equal(init_pid(fd, 0, "", &id, &epoch), 42);
		close(fd);
		assert_int_equal((long)t_metric(&b, "zcio_kafka_requests_total"
				"{api=\"init_producer_id\"}"), 6);
		/* a clean stop, then kill -9s: ids never come back */
		if (round)
			assert_int_equal(t_broker_signal(&b, SIGKILL, 5),
					 128 + SIGKILL);
		else
			t_broker_stop(&b);
	}
	/* a damaged id file stops the start, rather than reuse an id */
	snprintf(path, sizeof(path), "%s/producer-ids", b.data);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "XXXX", 4, 0), 4);
	close(fd);
	assert_int_equal(t_broker_startv(&b, NULL), -1);
}

/* ---- the sequence rules on the wire ---------------------------------- */

/* The last five of 8 batches of 3 (seq 0-23, offsets 0-23) are known. */
static void check_dups(int fd, int64_t pid, int64_t end)
{
	int64_t base;
	int i;

	for (i = 3; i < 8; i++) {
		assert_int_equal(send_batch(fd, "idem", pid, 0, i * 3, 3,
					    &base), 0);
		assert_int_equal(base, i * 3);
	}
	/* the sixth from the end is too old to be told apart from a gap */
	assert_int_equal(send_batch(fd, "idem", pid, 0, 6, 3, &base), 45);
	assert_int_equal(send_batch(fd, "idem", pid, 0, 25, 1, &base), 45);
	assert_int_equal(hwm(fd, "idem"), end);
}

static void rules_restart(void **state)
{
	struct t_broker b;
	int64_t pid, base, end = 24;
	int16_t epoch;
	int fd, i, round;

	(void)state;
	t_broker_dirs(&b);
	T_BROKER_START(&b, "--flush", "always", "--segment-bytes", "1000");
	fd = t_connect(b.port);
	assert_int_equal(init_pid(fd, 1, NULL, &pid, &epoch), 0);
	/* unknown producer, not at 0 */
	assert_int_equal(send_batch(fd, "idem", pid, 0, 5, 1, &base), 59);
	for (i = 0; i < 8; i++) {
		assert_int_equal(send_batch(fd, "idem", pid, 0, i * 3, 3,
					    &base), 0);
		assert_int_equal(base, i * 3);
	}
	for (round = 0; round < 3; round++) {
		check_dups(fd, pid, end);
		/* this broker process counted exactly those five */
		assert_int_equal((long)t_metric(&b, "zcio_kafka_produce_"
						"duplicates_total"), 5);
		assert_int_equal(fetch_batches(fd, "idem", end), 8);
		close(fd);
		/* as it was after a clean restart and after kill -9 */
		if (round == 2)
			break;
		if (round)
			assert_int_equal(t_broker_signal(&b, SIGKILL, 5),
					 128 + SIGKILL);
		else
			t_broker_stop(&b);
		T_BROKER_START(&b, "--flush", "always", "--segment-bytes",
			       "1000");
		fd = t_connect(b.port);
	}
	fd = t_connect(b.port);
	/* the stream goes on; a new epoch from 0 fences the old one */
	assert_int_equal(send_batch(fd, "idem", pid, 0, 24, 2, &base), 0);
	assert_int_equal(base, 24);
	assert_int_equal(send_batch(fd, "idem", pid, 1, 3, 1, &base), 45);
	assert_int_equal(send_batch(fd, "idem", pid, 1, 0, 1, &base), 0);
	assert_int_equal(base, 26);
	assert_int_equal(send_batch(fd, "idem", pid, 0, 26, 1, &base), 47);
	assert_int_equal(send_batch(fd, "idem", pid, 0, 24, 2, &base), 47);
	assert_int_equal(hwm(fd, "idem"), 27);
	assert_int_equal(fetch_batches(fd, "idem", 27), 10);
	close(fd);
	/* a kill -9 right after: the new epoch is what the log says */
	assert_int_equal(t_broker_signal(&b, SIGKILL, 5), 128 + SIGKILL);
	T_BROKER_START(&b, "--flush", "always");
	fd = t_connect(b.port);
	assert_int_equal(send_batch(fd, "idem", pid, 0, 26, 1, &base), 47);
	assert_int_equal(send_batch(fd, "idem", pid, 1, 0, 1, &base), 0);
	assert_int_equal(base, 26);
	assert_int_equal(send_batch(fd, "idem", pid, 1, 1, 1, &base), 0);
	assert_int_equal(base, 27);
	close(fd);
	t_broker_stop(&b);
}

/* Sequences wrap from INT32_MAX to 0, also across a restart. */
static void wrap_around(void **state)
{
	static uint8_t big[256];
	struct t_broker b;
	int64_t pid, base;
	int16_t epoch;
	size_t len;
	int fd;

	(void)state;
	t_broker_dirs(&b);
	T_BROKER_START(&b, "--flush", "never");
	fd = t_connect(b.port);
	assert_int_equal(init_pid(fd, 0, NULL, &pid, &epoch), 0);
	/* sequences 0 .. INT32_MAX - 2 in one (fake) batch */
	len = idem_batch(big, pid, 0, 0, INT32_MAX - 1, true);
	assert_int_equal(produce(fd, "wrap", big, len, &base), 0);
	assert_int_equal(base, 0);
	/* INT32_MAX - 1, INT32_MAX, 0 */
	assert_int_equal(send_batch(fd, "wrap", pid, 0, INT32_MAX - 1, 3,
				    &base), 0);
	assert_int_equal(base, INT32_MAX - 1);
	close(fd);
	t_broker_stop(&b);
	T_BROKER_START(&b, "--flush", "never");
	fd = t_connect(b.port);
	assert_int_equal(send_batch(fd, "wrap", pid, 0, INT32_MAX - 1, 3,
				    &base), 0);
	assert_int_equal(base, INT32_MAX - 1);
	assert_int_equal(send_batch(fd, "wrap", pid, 0, 0, 1, &base), 45);
	assert_int_equal(send_batch(fd, "wrap", pid, 0, 1, 2, &base), 0);
	assert_int_equal(base, (int64_t)INT32_MAX + 2);
	assert_int_equal(hwm(fd, "wrap"), (int64_t)INT32_MAX + 4);
	close(fd);
	t_broker_stop(&b);
}

/*
 * Four connections, spread over two workers, each pipeline the same 200
 * batches of one producer to one partition at once: every batch is
 * written exactly once (the check and the append are one step under the
 * partition's lock), every success carries the batch's one offset, and a
 * connection that fell more than five batches behind gets 45 for those.
 */
#define RACE_CONNS 4
#define RACE_BATCHES 200

static void race_workers(void **state)
{
	static struct t_kreq r;
	static uint8_t reqs[RACE_BATCHES][256], b[256];
	static size_t rl[RACE_BATCHES];
	struct t_broker b0;
	int64_t pid, base;
	int16_t epoch;
	size_t len, off;
	int fd[RACE_CONNS], c, i, ok = 0, late = 0, err;
	ssize_t n;

	(void)state;
	t_broker_dirs(&b0);
	T_BROKER_START(&b0, "--workers", "2", "--flush", "never");
	fd[0] = t_connect(b0.port);
	assert_int_equal(init_pid(fd[0], 1, NULL, &pid, &epoch), 0);
	assert_int_equal(send_batch(fd[0], "race", pid, 0, 0, 2, &base), 0);
	close(fd[0]);
	for (i = 1; i < RACE_BATCHES; i++) {
		len = idem_batch(b, pid, 0, i * 2, 2, false);
		t_kbegin(&r, 0, 7, i);
		t_kputs(&r, NULL);
		t_kput16(&r, 1);
		t_kput32(&r, 10000);
		t_kput32(&r, 1);
		t_kputs(&r, "race");
		t_kput32(&r, 1);
		t_kput32(&r, 0);
		t_kput32(&r, (int32_t)len);
		t_kput(&r, b, len);
		t_kend(&r);
		assert_true(r.len <= sizeof(reqs[i]));
		memcpy(reqs[i], r.b, r.len);
		rl[i] = r.len;
	}
	for (c = 0; c < RACE_CONNS; c++)
		fd[c] = t_connect(b0.port);
	/* request by request, round the connections */
	for (i = 1; i < RACE_BATCHES; i++)
		for (c = 0; c < RACE_CONNS; c++)
			t_send_all(fd[c], reqs[i], rl[i]);
	for (c = 0; c < RACE_CONNS; c++) {
		for (i = 1; i < RACE_BATCHES; i++) {
			n = t_krecv(fd[c], rbuf, sizeof(rbuf), 10000);
			assert_true(n > 0);
			assert_int_equal(t_get32(rbuf), i);
			off = 4 + 4 + 2 + 4 + 4 + 4;
			err = t_get16(rbuf + off);
			if (err == 45) {
				late++;
				continue;
			}
			assert_int_equal(err, 0);
			assert_int_equal(t_get64(rbuf + off + 2), i * 2);
			ok++;
		}
		close(fd[c]);
	}
	fprintf(stderr, "info: %d answers with the offset, %d too late "
		"(45)\n", ok, late);
	assert_int_equal(ok + late, RACE_CONNS * (RACE_BATCHES - 1));
	fd[0] = t_connect(b0.port);
	assert_int_equal(hwm(fd[0], "race"), RACE_BATCHES * 2);
	assert_int_equal(fetch_batches(fd[0], "race", RACE_BATCHES * 2),
			 RACE_BATCHES);
	close(fd[0]);
	t_broker_stop(&b0);
}

/* ---- librdkafka, kill -9 mid-stream ---------------------------------- */

#define NMSG 50000
#define NPART 4
#define KILL_EVERY 8000		/* messages between two kill -9s */

static rd_kafka_conf_t *conf_for(const struct t_broker *b)
{
	rd_kafka_conf_t *conf = t_rdkafka_conf(b, "0");
	char err[256];

	rd_kafka_conf_set(conf, "reconnect.backoff.max.ms", "200", err,
			  sizeof(err));
	return conf;
}

static rd_kafka_t *idem_producer(const struct t_broker *b,
				 struct t_dr *dr)
{
	rd_kafka_conf_t *conf = conf_for(b);
	char err[256];

	assert_int_equal(rd_kafka_conf_set(conf, "enable.idempotence", "true",
					   err, sizeof(err)),
			 RD_KAFKA_CONF_OK);
	rd_kafka_conf_set(conf, "linger.ms", "2", err, sizeof(err));
	rd_kafka_conf_set(conf, "batch.num.messages", "200", err,
			  sizeof(err));
	rd_kafka_conf_set_opaque(conf, dr);
	rd_kafka_conf_set_dr_msg_cb(conf, t_dr_on);
	return t_rdkafka_new(RD_KAFKA_PRODUCER, conf);
}

static void send_id(rd_kafka_t *rk, long id)
{
	char val[32];
	rd_kafka_resp_err_t err;
	int len = snprintf(val, sizeof(val), "msg-%ld", id);

	for (;;) {
		err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC("idem-rk"),
			RD_KAFKA_V_PARTITION((int32_t)(id % NPART)),
			RD_KAFKA_V_VALUE(val, (size_t)len),
			RD_KAFKA_V_OPAQUE((void *)(intptr_t)id),
			RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
			RD_KAFKA_V_END);
		if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
			break;
		rd_kafka_poll(rk, 10);
	}
	assert_int_equal(err, 0);
}

/*
 * Reads partition @p from the start to its high watermark: each message
 * must be the next id of that partition (ids p, p + 4, p + 8, ...: none
 * lost, none twice, in order) at the offset its delivery report gave.
 */
static long consume_part(rd_kafka_t *rk, int32_t p, const struct t_dr *dr)
{
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, "idem-rk", NULL);
	rd_kafka_message_t *msgs[1000];
	double deadline = t_now() + 60;
	long want = p, seen = 0, id;
	int64_t lo, hi, next = 0;
	ssize_t n, i;
	char val[32];

	assert_int_equal(rd_kafka_query_watermark_offsets(rk, "idem-rk", p,
							  &lo, &hi, 10000),
			 0);
	assert_int_equal(rd_kafka_consume_start(rkt, p,
						RD_KAFKA_OFFSET_BEGINNING),
			 0);
	while (next < hi && t_now() < deadline) {
		n = rd_kafka_consume_batch(rkt, p, 1000, msgs, 1000);
		for (i = 0; i < n; i++) {
			if (msgs[i]->err) {
				assert_int_equal(msgs[i]->err,
					RD_KAFKA_RESP_ERR__PARTITION_EOF);
				rd_kafka_message_destroy(msgs[i]);
				continue;
			}
			assert_int_equal(msgs[i]->offset, next);
			assert_true(msgs[i]->len < sizeof(val));
			memcpy(val, msgs[i]->payload, msgs[i]->len);
			val[msgs[i]->len] = 0;
			id = strtol(val + 4, NULL, 10);
			if (id != want)
				fail_msg("partition %d offset %lld: msg-%ld, "
					 "expected msg-%ld", p,
					 (long long)next, id, want);
			assert_int_equal(dr->part[id], p);
			assert_int_equal(dr->offset[id], next);
			want += NPART;
			next++;
			seen++;
			rd_kafka_message_destroy(msgs[i]);
		}
	}
	rd_kafka_consume_stop(rkt, p);
	rd_kafka_topic_destroy(rkt);
	assert_int_equal(next, hi);
	return seen;
}

/*
 * A transactional librdkafka producer: the broker has no transactions, and
 * the client must learn it at once and fatally (FindCoordinator names this
 * broker, InitProducerId answers TRANSACTIONAL_ID_AUTHORIZATION_FAILED),
 * not retry until its timeout.
 */
static void rdkafka_transactional(void **state)
{
	rd_kafka_conf_t *conf;
	rd_kafka_error_t *e;
	struct t_broker b;
	rd_kafka_t *rk;
	char err[256];
	time_t t0;

	(void)state;
	t_broker_dirs(&b);
	T_BROKER_START(&b, "--quiet");
	conf = conf_for(&b);
	assert_int_equal(rd_kafka_conf_set(conf, "transactional.id", "tx-1",
					   err, sizeof(err)),
			 RD_KAFKA_CONF_OK);
	rk = t_rdkafka_new(RD_KAFKA_PRODUCER, conf);
	t0 = time(NULL);
	e = rd_kafka_init_transactions(rk, 30000);
	assert_non_null(e);
	assert_true(rd_kafka_error_is_fatal(e) ||
		    rd_kafka_error_code(e) ==
			    RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
	assert_false(rd_kafka_error_is_retriable(e));
	assert_true(time(NULL) - t0 < 20);
	rd_kafka_error_destroy(e);
	rd_kafka_destroy(rk);
	t_broker_stop(&b);
}

static void rdkafka_kill9(void **state)
{
	struct t_dr dr;
	struct t_broker b;
	rd_kafka_conf_t *cconf;
	rd_kafka_t *rk;
	char err[256];
	long id, total = 0;
	double dups = 0;
	int32_t p;
	int kills = 0;

	(void)state;
	t_dr_init(&dr, NMSG);
	t_broker_dirs(&b);
	T_BROKER_START(&b, "--flush", "always", "--partitions", "4");
	b.listen_port = b.port;
	rk = idem_producer(&b, &dr);
	for (id = 0; id < NMSG; id++) {
		if (id % 1000 == 0 && id % KILL_EVERY == KILL_EVERY - 1000)
			dups += t_metric(&b, "zcio_kafka_produce_"
					 "duplicates_total");
		send_id(rk, id);
		if (id % 1000 != 999)
			continue;
		if (id % KILL_EVERY != KILL_EVERY - 1) {
			rd_kafka_poll(rk, 20);
			continue;
		}
		/*
		 * kill -9 a few ms after 1000 messages were queued: with
		 * linger.ms 2 their batches are on the wire then, some
		 * written and syncing, their answers not yet sent.
		 */
		rd_kafka_poll(rk, 4);
		assert_int_equal(t_broker_signal(&b, SIGKILL, 5),
				 128 + SIGKILL);
		kills++;
		usleep(100 * 1000);
		T_BROKER_START(&b, "--flush", "always", "--partitions", "4");
	}
	assert_int_equal(rd_kafka_flush(rk, 120 * 1000), 0);
	assert_int_equal(rd_kafka_outq_len(rk), 0);
	if (dr.failed)
		fail_msg("%llu delivery failures, last: %s",
			 (unsigned long long)dr.failed,
			 rd_kafka_err2str(dr.last_err));
	assert_int_equal(dr.ok, NMSG);
	assert_int_equal(kills, NMSG / KILL_EVERY);
	rd_kafka_destroy(rk);

	cconf = conf_for(&b);
	rd_kafka_conf_set(cconf, "enable.partition.eof", "true", err,
			  sizeof(err));
	rk = t_rdkafka_new(RD_KAFKA_CONSUMER, cconf);
	for (p = 0; p < NPART; p++)
		total += consume_part(rk, p, &dr);
	assert_int_equal(total, NMSG);
	dups += t_metric(&b, "zcio_kafka_produce_duplicates_total");
	fprintf(stderr, "info: %d kills; retried batches that were already "
		"written: %.0f\n", kills, dups);
	/* 4-8 per run on an idle 2-core VM; 0 means the kills missed every
	 * batch in flight, which a busy machine can make happen: then this
	 * run checked exactly-once delivery without a retried duplicate
	 * (rules_restart covers that path deterministically). */
	if (!dups)
		fprintf(stderr, "note: no retried batch was a duplicate\n");
	rd_kafka_destroy(rk);
	t_broker_stop(&b);
	t_dr_exit(&dr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(init_producer_id),
		cmocka_unit_test(rules_restart),
		cmocka_unit_test(wrap_around),
		cmocka_unit_test(race_workers),
		cmocka_unit_test(rdkafka_transactional),
		cmocka_unit_test(rdkafka_kill9),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
