/* SPDX-License-Identifier: MIT */
/*
 * tests/kafka-producer.c - idempotent producers below the network: the
 * InitProducerId 0-1 codec (golden bytes, round trips, every truncation,
 * negative lengths, trailing bytes, versions outside 0-1), the sequence
 * rules of kafka/producer_state.h one by one (duplicates of each of the
 * last five, gaps, old and new epochs, wrap-around past INT32_MAX), the
 * durable producer id counter (restart, lost and damaged file, the floor
 * from the logs), and the log: duplicates not written, the state rebuilt
 * from the segments when the log is opened again, and two threads racing
 * the same producer's batches into one partition writing each once.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "kafka-log-util.h"
#include "kafka/err.h"
#include "kafka/producer_id.h"
#include "kafka/producer_state.h"
#include "kafka/proto.h"
#include "kafka/proto_producer.h"
#include "fuzz/kafka-client.h"
#include "kafka-codec-util.h"

#define T0 1700000000000LL
#define DAY (86400 * 1000LL)

/* ---- codec ------------------------------------------------------------ */

/* The body of an InitProducerId request as a client writes it. */
static size_t init_pid_body(uint8_t *p, const char *tid, int32_t timeout)
{
	size_t n = 0;
	int16_t len = tid ? (int16_t)strlen(tid) : -1;

	t_put_be(p, (uint16_t)len, 2);
	n = 2;
	if (tid) {
		memcpy(p + n, tid, (size_t)len);
		n += (size_t)len;
	}
	t_put_be(p + n, (uint32_t)timeout, 4);
	return n + 4;
}

static int init_pid_dec(struct zc_view *v, int ver, void *out,
			struct kafka_arena *a)
{
	(void)a;
	return kafka_init_pid_req_decode(v, ver, out);
}

static void codec_request(void **state)
{
	struct kafka_init_pid_req r;
	struct zc_view v;
	uint8_t b[64];
	size_t n;
	int ver;

	(void)state;
	for (ver = 0; ver <= 1; ver++) {
		n = init_pid_body(b, NULL, 60000);
		zc_view_init(&v, b, n);
		assert_int_equal(kafka_init_pid_req_decode(&v, ver, &r), 0);
		assert_true(kafka_str_is_null(&r.transactional_id));
		assert_int_equal(r.transaction_timeout_ms, 60000);

		n = init_pid_body(b, "txn-1", -1);
		zc_view_init(&v, b, n);
		assert_int_equal(kafka_init_pid_req_decode(&v, ver, &r), 0);
		assert_int_equal(r.transactional_id.len, 5);
		assert_memory_equal(r.transactional_id.p, "txn-1", 5);
		assert_ptr_equal(r.transactional_id.p, b + 2);
		assert_int_equal(r.transaction_timeout_ms, -1);

		/* every truncation, and one byte too many */
		t_assert_truncations(init_pid_dec, ver, &r, b, n);
	}
	/* a negative length other than -1, a length past the end */
	n = init_pid_body(b, NULL, 0);
	t_put_be(b, (uint16_t)-2, 2);
	zc_view_init(&v, b, n);
	assert_int_equal(kafka_init_pid_req_decode(&v, 0, &r), -EBADMSG);
	t_put_be(b, 0x7fff, 2);
	zc_view_init(&v, b, n);
	assert_int_equal(kafka_init_pid_req_decode(&v, 0, &r), -EBADMSG);
	/* versions outside 0-1 (v2 is flexible) */
	n = init_pid_body(b, NULL, 0);
	zc_view_init(&v, b, n);
	assert_int_equal(kafka_init_pid_req_decode(&v, 2, &r), -ENOTSUP);
	zc_view_init(&v, b, n);
	assert_int_equal(kafka_init_pid_req_decode(&v, -1, &r), -ENOTSUP);
}

static void codec_response(void **state)
{
	static const uint8_t want[] = {
		0x00, 0x00, 0x00, 0x14,		/* size */
		0x01, 0x02, 0x03, 0x04,		/* correlation id */
		0x00, 0x00, 0x00, 0x07,		/* throttle */
		0x00, 0x00,			/* error */
		0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x2a,
		0x00, 0x03,			/* epoch */
	};
	struct kafka_init_pid_resp r = {
		.throttle_time_ms = 7,
		.producer_id = 0x10000002aLL,
		.producer_epoch = 3,
	};
	struct kafka_wbuf w;
	struct zc_view v;
	int64_t id;
	int16_t err, epoch;
	int32_t thr;
	int ver;

	(void)state;
	kafka_wbuf_init(&w);
	for (ver = 0; ver <= 1; ver++) {
		kafka_wbuf_reset(&w);
		assert_int_equal(kafka_init_pid_resp_encode(&w, ver,
							    0x01020304, &r),
				 0);
		assert_golden(&w, want, sizeof(want));
	}
	/* read back as a client would: an error answer */
	kafka_wbuf_reset(&w);
	r = (struct kafka_init_pid_resp){ 0, KAFKA_UNKNOWN_PRODUCER_ID, -1,
					  -1 };
	assert_int_equal(kafka_init_pid_resp_encode(&w, 1, 9, &r), 0);
	assert_int_equal(t_resp_open(&v, w.p, w.len, 9), 0);
	zc_view_i32be(&v, &thr);
	zc_view_i16be(&v, &err);
	zc_view_i64be(&v, &id);
	zc_view_i16be(&v, &epoch);
	assert_int_equal(zc_view_error(&v), 0);
	assert_int_equal(zc_view_left(&v), 0);
	assert_int_equal(err, KAFKA_UNKNOWN_PRODUCER_ID);
	assert_int_equal(id, -1);
	assert_int_equal(epoch, -1);
	/* v2 is not encoded, and the buffer stays as it was */
	kafka_wbuf_reset(&w);
	assert_int_equal(kafka_init_pid_resp_encode(&w, 2, 9, &r), -EINVAL);
	assert_int_equal(w.len, 0);
	kafka_wbuf_exit(&w);
}

/* kafka_request_decode leaves the body of key 22 for the broker. */
static void codec_request_frame(void **state)
{
	struct kafka_request req;
	struct kafka_init_pid_req r;
	struct zc_view v;
	uint8_t f[64];
	size_t n = 0;

	(void)state;
	t_put_be(f, 22, 2);
	t_put_be(f + 2, 1, 2);
	t_put_be(f + 4, 77, 4);
	t_put_be(f + 8, (uint16_t)-1, 2);
	n = 10 + init_pid_body(f + 10, NULL, 1000);
	assert_int_equal(kafka_request_decode(&req, f, n), 0);
	assert_int_equal(req.hdr.api_key, 22);
	v = req.body;
	assert_int_equal(kafka_init_pid_req_decode(&v, req.hdr.api_version,
						   &r), 0);
	assert_int_equal(r.transaction_timeout_ms, 1000);
	kafka_request_exit(&req);
	/* v2 is outside the advertised range */
	t_put_be(f + 2, 2, 2);
	assert_int_equal(kafka_request_decode(&req, f, n), -ENOTSUP);
	kafka_request_exit(&req);
}

/* ---- the sequence rules ---------------------------------------------- */

/* The header of a batch of @n records from producer @pid. */
static struct kafka_batch_hdr hdr(int64_t pid, int16_t epoch, int32_t seq,
				  int n, int64_t base)
{
	struct kafka_batch_hdr h = {
		.base_offset = base,
		.magic = 2,
		.last_offset_delta = n - 1,
		.first_timestamp = T0,
		.max_timestamp = T0,
		.producer_id = pid,
		.producer_epoch = epoch,
		.base_sequence = seq,
		.records_count = n,
	};

	return h;
}

/* Checks @h and, when accepted, records it at @base. */
static int put(struct kafka_pstate *ps, struct kafka_batch_hdr h,
	       struct kafka_pbatch *dup)
{
	int ret = kafka_pstate_check(ps, &h, dup);

	if (!ret)
		assert_int_equal(kafka_pstate_update(ps, &h, T0), 0);
	return ret;
}

static void rules(void **state)
{
	struct kafka_pstate ps;
	struct kafka_pbatch d;
	int i;

	(void)state;
	kafka_pstate_init(&ps);
	/* rule 5: an unknown producer starts at 0 */
	assert_int_equal(put(&ps, hdr(7, 0, 5, 1, 0), &d),
			 KAFKA_UNKNOWN_PRODUCER_ID);
	assert_null(kafka_pstate_find(&ps, 7));
	/* seven batches of 3 records: seq 0-2, 3-5, ... 18-20 */
	for (i = 0; i < 7; i++)
		assert_int_equal(put(&ps, hdr(7, 0, i * 3, 3, 100 + i * 3),
				     &d), 0);
	assert_int_equal(kafka_pstate_find(&ps, 7)->n, 5);
	/* rule 2: each of the last five is a duplicate, with its offset */
	for (i = 2; i < 7; i++) {
		memset(&d, 0, sizeof(d));
		assert_int_equal(put(&ps, hdr(7, 0, i * 3, 3, -1), &d),
				 KAFKA_DUPLICATE_SEQUENCE_NUMBER);
		assert_int_equal(d.base_offset, 100 + i * 3);
		assert_int_equal(d.last_offset, 100 + i * 3 + 2);
	}
	/* older than the five: no longer known, so out of order */
	assert_int_equal(put(&ps, hdr(7, 0, 3, 3, -1), &d),
			 KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER);
	/* same first sequence, another length: not a duplicate */
	assert_int_equal(put(&ps, hdr(7, 0, 18, 2, -1), &d),
			 KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER);
	/* rule 4: a gap, and a repeat of a sequence inside a batch */
	assert_int_equal(put(&ps, hdr(7, 0, 22, 1, -1), &d),
			 KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER);
	assert_int_equal(put(&ps, hdr(7, 0, 20, 1, -1), &d),
			 KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER);
	assert_int_equal(put(&ps, hdr(7, 0, 21, 1, 121), &d), 0);
	/* rule 3: a new epoch must start at 0 */
	assert_int_equal(put(&ps, hdr(7, 1, 22, 1, -1), &d),
			 KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER);
	assert_int_equal(put(&ps, hdr(7, 1, 0, 1, 122), &d), 0);
	assert_int_equal(kafka_pstate_find(&ps, 7)->n, 1);
	/* rule 1: the old epoch is fenced, even for its duplicates */
	assert_int_equal(put(&ps, hdr(7, 0, 21, 1, -1), &d),
			 KAFKA_INVALID_PRODUCER_EPOCH);
	assert_int_equal(put(&ps, hdr(7, 0, 22, 1, -1), &d),
			 KAFKA_INVALID_PRODUCER_EPOCH);
	/* the duplicate of the new epoch's batch */
	assert_int_equal(put(&ps, hdr(7, 1, 0, 1, -1), &d),
			 KAFKA_DUPLICATE_SEQUENCE_NUMBER);
	assert_int_equal(d.base_offset, 122);
	/* producers are independent */
	assert_int_equal(put(&ps, hdr(8, 0, 0, 1, 123), &d), 0);
	assert_int_equal(put(&ps, hdr(8, 0, 1, 1, 124), &d), 0);
	assert_int_equal(ps.n, 2);
	assert_int_equal(ps.max_id, 8);
	kafka_pstate_exit(&ps);
}

static void wrap_around(void **state)
{
	struct kafka_pstate ps;
	struct kafka_pbatch d;

	(void)state;
	assert_int_equal(kafka_seq_add(INT32_MAX, 1), 0);
	assert_int_equal(kafka_seq_add(INT32_MAX - 1, 3), 1);
	assert_int_equal(kafka_seq_add(5, 0), 5);
	kafka_pstate_init(&ps);
	assert_int_equal(put(&ps, hdr(1, 0, 0, 1, 0), &d), 0);
	/* a restart of the state from the log, near the top */
	assert_int_equal(kafka_pstate_update(&ps, &(struct kafka_batch_hdr){
		.base_offset = 1, .last_offset_delta = 9,
		.producer_id = 1, .base_sequence = INT32_MAX - 9 }, T0), 0);
	/* a batch that crosses INT32_MAX: last sequence 1 */
	assert_int_equal(put(&ps, hdr(1, 0, INT32_MAX - 1, 4, 11), &d),
			 KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER);
	assert_int_equal(put(&ps, hdr(1, 0, 0, 2, 11), &d), 0);
	assert_int_equal(put(&ps, hdr(1, 0, 0, 2, -1), &d),
			 KAFKA_DUPLICATE_SEQUENCE_NUMBER);
	assert_int_equal(d.base_offset, 11);
	assert_int_equal(put(&ps, hdr(1, 0, 2, 1, 13), &d), 0);
	/* and one that wraps inside itself */
	kafka_pstate_exit(&ps);
	kafka_pstate_init(&ps);
	assert_int_equal(kafka_pstate_update(&ps, &(struct kafka_batch_hdr){
		.producer_id = 2, .base_sequence = INT32_MAX - 2 }, T0), 0);
	assert_int_equal(put(&ps, hdr(2, 0, INT32_MAX - 1, 4, 1), &d), 0);
	assert_int_equal(kafka_pstate_find(&ps, 2)->b[1].last_seq, 1);
	assert_int_equal(put(&ps, hdr(2, 0, INT32_MAX - 1, 4, -1), &d),
			 KAFKA_DUPLICATE_SEQUENCE_NUMBER);
	assert_int_equal(put(&ps, hdr(2, 0, 2, 1, 5), &d), 0);
	kafka_pstate_exit(&ps);
}

/* Many producers: the table grows and finds every one again. */
static void many_producers(void **state)
{
	struct kafka_pstate ps;
	struct kafka_pbatch d;
	int64_t id;

	(void)state;
	kafka_pstate_init(&ps);
	for (id = 0; id < 20000; id++)
		assert_int_equal(put(&ps, hdr(id * 7919, 0, 0, 1, id), &d), 0);
	for (id = 0; id < 20000; id++) {
		assert_int_equal(put(&ps, hdr(id * 7919, 0, 0, 1, -1), &d),
				 KAFKA_DUPLICATE_SEQUENCE_NUMBER);
		assert_int_equal(d.base_offset, id);
	}
	assert_int_equal(ps.n, 20000);
	assert_null(kafka_pstate_find(&ps, 1));
	kafka_pstate_exit(&ps);
}

/* Idle producers are forgotten; the others keep their state. */
static void expiry(void **state)
{
	struct kafka_pstate ps;
	struct kafka_pbatch d;
	struct kafka_batch_hdr h;
	int64_t id;

	(void)state;
	kafka_pstate_init(&ps);
	for (id = 0; id < 1000; id++) {
		h = hdr(id, 0, 0, 1, id);
		assert_int_equal(kafka_pstate_check(&ps, &h, &d), 0);
		/* even ids last wrote at T0, odd ones a minute later */
		assert_int_equal(kafka_pstate_update(&ps, &h,
						     T0 + (id & 1) * 60000), 0);
	}
	assert_int_equal(kafka_pstate_expire(&ps, T0), 0);
	assert_int_equal(kafka_pstate_expire(&ps, T0 + 1), 500);
	assert_int_equal(ps.n, 500);
	for (id = 0; id < 1000; id++) {
		if (id & 1) {
			assert_int_equal(put(&ps, hdr(id, 0, 0, 1, -1), &d),
					 KAFKA_DUPLICATE_SEQUENCE_NUMBER);
			assert_int_equal(d.base_offset, id);
		} else {
			assert_null(kafka_pstate_find(&ps, id));
			assert_int_equal(put(&ps, hdr(id, 0, 1, 1, -1), &d),
					 KAFKA_UNKNOWN_PRODUCER_ID);
		}
	}
	/* a forgotten producer may start again from 0 */
	assert_int_equal(put(&ps, hdr(0, 0, 0, 1, 5000), &d), 0);
	assert_int_equal(ps.n, 501);
	kafka_pstate_exit(&ps);
}

/* A snapshot gives back the same state; damage of any kind is refused. */
static void snapshot(void **state)
{
	struct kafka_pstate ps, back;
	struct kafka_pbatch d;
	const struct kafka_producer *a, *b;
	uint8_t *buf, *bad;
	size_t len, cut;
	int64_t off, id;
	int i;

	(void)state;
	kafka_pstate_init(&ps);
	kafka_pstate_init(&back);
	len = kafka_pstate_snap_size(&ps);
	buf = malloc(len);
	kafka_pstate_snap_write(&ps, 0, buf);
	assert_int_equal(kafka_pstate_snap_read(&back, buf, len, &off), 0);
	assert_int_equal(back.n, 0);
	free(buf);
	for (id = 0; id < 50; id++)
		for (i = 0; i < (int)id % 9; i++)
			assert_int_equal(put(&ps, hdr(id, (int16_t)(id % 3),
						      i * 2, 2, id * 100 + i),
					     &d), 0);
	len = kafka_pstate_snap_size(&ps);
	buf = malloc(len);
	kafka_pstate_snap_write(&ps, 4242, buf);
	assert_int_equal(kafka_pstate_snap_read(&back, buf, len, &off), 0);
	assert_int_equal(off, 4242);
	assert_int_equal(back.n, ps.n);
	for (id = 0; id < 50; id++) {
		a = kafka_pstate_find(&ps, id);
		b = kafka_pstate_find(&back, id);
		if (!a) {
			assert_null(b);
			continue;
		}
		assert_non_null(b);
		assert_int_equal(a->epoch, b->epoch);
		assert_int_equal(a->n, b->n);
		/* the same answers: duplicates and the next sequence */
		for (i = 0; i < (int)id % 9; i++)
			assert_int_equal(put(&back, hdr(id, a->epoch, i * 2, 2,
							-1), &d),
					 i + 5 < (int)id % 9 ?
					 KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER :
					 KAFKA_DUPLICATE_SEQUENCE_NUMBER);
		assert_int_equal(put(&back, hdr(id, a->epoch, (id % 9) * 2, 1,
						-1), &d), 0);
	}
	/* every truncation, a flipped bit anywhere */
	bad = malloc(len);
	for (cut = 0; cut < len; cut++) {
		kafka_pstate_exit(&back);
		assert_int_equal(kafka_pstate_snap_read(&back, buf, cut, &off),
				 -EBADMSG);
	}
	for (cut = 0; cut < len; cut += 7) {
		memcpy(bad, buf, len);
		bad[cut] ^= 0x10;
		kafka_pstate_exit(&back);
		assert_int_equal(kafka_pstate_snap_read(&back, bad, len, &off),
				 -EBADMSG);
	}
	/* a right CRC over wrong contents: a count too large */
	memcpy(bad, buf, len);
	t_put_be(bad + 16, 0, 4);
	bad[16] = 0xff;
	t_put_be(bad + 4, 0, 4);
	{
		uint32_t crc = kafka_crc32c(0, bad + 8, len - 8);

		bad[4] = (uint8_t)crc;
		bad[5] = (uint8_t)(crc >> 8);
		bad[6] = (uint8_t)(crc >> 16);
		bad[7] = (uint8_t)(crc >> 24);
	}
	kafka_pstate_exit(&back);
	assert_int_equal(kafka_pstate_snap_read(&back, bad, len, &off),
			 -EBADMSG);
	free(bad);
	free(buf);
	kafka_pstate_exit(&back);
	kafka_pstate_exit(&ps);
}

/* ---- producer ids ----------------------------------------------------- */

static int fresh_dir(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s-%d", t_dir_disk(), name, (int)getpid());
	assert_int_equal(mkdir(buf, 0755), 0);
	return t_dirfd(buf);
}

static void pid_alloc(void **state)
{
	struct kafka_pid_alloc a;
	char dir[512];
	int64_t id, last = -1;
	int fd = fresh_dir(dir, sizeof(dir), "pids"), i, f;

	(void)state;
	assert_int_equal(kafka_pid_alloc_init(&a, fd), 0);
	for (i = 0; i < KAFKA_PID_BLOCK + 5; i++) {
		assert_int_equal(kafka_pid_alloc_next(&a, &id), 0);
		assert_int_equal(id, last + 1);
		last = id;
	}
	kafka_pid_alloc_exit(&a);
	/* a restart (clean or not) starts past the reserved blocks; the
	 * file is there, so ids in the logs do not move it */
	assert_int_equal(kafka_pid_alloc_init(&a, fd), 0);
	kafka_pid_alloc_seen(&a, INT64_MAX - 1);
	assert_int_equal(kafka_pid_alloc_next(&a, &id), 0);
	assert_int_equal(id, 2 * KAFKA_PID_BLOCK);
	kafka_pid_alloc_exit(&a);
	/* without the file, the logs' floor */
	assert_int_equal(unlinkat(fd, KAFKA_PID_FILE, 0), 0);
	assert_int_equal(kafka_pid_alloc_init(&a, fd), 0);
	kafka_pid_alloc_seen(&a, 5 * KAFKA_PID_BLOCK);
	kafka_pid_alloc_seen(&a, 7);
	assert_int_equal(kafka_pid_alloc_next(&a, &id), 0);
	assert_int_equal(id, 5 * KAFKA_PID_BLOCK + 1);
	kafka_pid_alloc_exit(&a);
	assert_int_equal(kafka_pid_alloc_init(&a, fd), 0);
	assert_int_equal(kafka_pid_alloc_next(&a, &id), 0);
	assert_true(id > 5 * KAFKA_PID_BLOCK + 1);
	kafka_pid_alloc_exit(&a);
	/* a damaged file is refused, not guessed at */
	f = openat(fd, KAFKA_PID_FILE, O_WRONLY);
	assert_true(f >= 0);
	assert_int_equal(pwrite(f, "X", 1, 9), 1);
	close(f);
	assert_int_equal(kafka_pid_alloc_init(&a, fd), -EBADMSG);
	/* a lost one starts from 0 (the broker adds the logs' floor) */
	assert_int_equal(unlinkat(fd, KAFKA_PID_FILE, 0), 0);
	assert_int_equal(kafka_pid_alloc_init(&a, fd), 0);
	assert_int_equal(kafka_pid_alloc_next(&a, &id), 0);
	assert_int_equal(id, 0);
	kafka_pid_alloc_exit(&a);
	close(fd);
}

/* ---- the log ---------------------------------------------------------- */

/*
 * A batch of @n records from producer @pid, with a correct CRC; its time
 * grows with @seq, so that time index entries run to the segment's end.
 */
static struct t_batch pbatch(int64_t pid, int16_t epoch, int32_t seq, int n)
{
	struct t_batch b = t_batch_make(n, 20, (unsigned int)seq, T0 + seq,
					1, 0);

	t_put_be(b.p + 43, (uint64_t)pid, 8);
	t_put_be(b.p + 51, (uint16_t)epoch, 2);
	t_put_be(b.p + 53, (uint32_t)seq, 4);
	t_put_be(b.p + 17, kafka_crc32c(0, b.p + 21, b.len - 21), 4);
	return b;
}

/* The size of the first batch of the first segment of "idem-0". */
static size_t first_batch_size(int dirfd)
{
	uint8_t h[12];
	int f = openat(dirfd, "idem-0/00000000000000000000.log", O_RDONLY);

	assert_true(f >= 0);
	assert_int_equal(pread(f, h, sizeof(h), 0), (ssize_t)sizeof(h));
	close(f);
	return (size_t)t_get_be(h + 8, 4) + 12;
}

/* Flips a byte at @off of the file @name under @dirfd. */
static void damage(int dirfd, const char *name, off_t off)
{
	uint8_t c;
	int f = openat(dirfd, name, O_RDWR);

	assert_true(f >= 0);
	assert_int_equal(pread(f, &c, 1, off), 1);
	c ^= 0x40;
	assert_int_equal(pwrite(f, &c, 1, off), 1);
	close(f);
}

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Appends at the wall clock time, as the broker does. */
static int append(struct kafka_log *log, int64_t pid, int16_t epoch,
		  int32_t seq, int n, int64_t *base)
{
	struct t_batch b = pbatch(pid, epoch, seq, n);
	int ret = kafka_log_append(log, b.p, b.len, wall_ms(), base);

	t_batch_free(&b);
	return ret;
}

static struct kafka_log *open_log(int dirfd, int flush)
{
	struct kafka_log_cfg cfg;
	struct kafka_log *log = NULL;

	kafka_log_cfg_init(&cfg);
	cfg.flush = flush;
	cfg.segment_bytes = 1024;	/* several segments to rebuild from */
	cfg.retention_ms = -1;		/* the batches are from 2023 */
	assert_int_equal(kafka_log_open(dirfd, "idem", 0, KAFKA_LOG_CREATE,
					&cfg, &log), 0);
	return log;
}

static void log_rules(void **state)
{
	struct kafka_log_stats st;
	struct kafka_log *log;
	struct t_batch two;
	char dir[512];
	int64_t base, end;
	int fd = fresh_dir(dir, sizeof(dir), "plog"), i, round;

	(void)state;
	log = open_log(fd, KAFKA_LOG_FLUSH_ALWAYS);
	/* plain batches go on as before */
	assert_int_equal(append(log, -1, -1, -1, 2, &base), 0);
	assert_int_equal(base, 0);
	for (i = 0; i < 60; i++) {
		assert_int_equal(append(log, 42, 0, i * 2, 2, &base), 0);
		assert_int_equal(base, 2 + i * 2);
	}
	end = kafka_log_end_offset(log);
	assert_int_equal(end, 122);
	for (round = 0; round < 3; round++) {
		/* duplicates of the last five: original offsets, no write */
		for (i = 55; i < 60; i++) {
			assert_int_equal(append(log, 42, 0, i * 2, 2, &base),
					 1);
			assert_int_equal(base, 2 + i * 2);
		}
		assert_int_equal(append(log, 42, 0, 54 * 2, 2, &base),
				 -EILSEQ);
		assert_int_equal(append(log, 42, 0, 121, 2, &base), -EILSEQ);
		assert_int_equal(append(log, 42, -1, 120, 2, &base), -ESTALE);
		assert_int_equal(append(log, 43, 0, 3, 1, &base), -ESRCH);
		assert_int_equal(kafka_log_end_offset(log), end);
		kafka_log_stats(log, &st);
		assert_true(st.segments > 3);
		assert_true(kafka_log_max_producer_id(log) == 42);
		/*
		 * Again after a clean close (from its snapshot), and as
		 * after a crash: no recovery point and no snapshot, or a
		 * damaged one, so every segment is read again.
		 */
		assert_int_equal(kafka_log_close(log), 0);
		if (round == 1)
			assert_int_equal(unlinkat(fd, "idem-0/"
						  "producer-snapshot", 0), 0);
		if (round == 2)
			damage(fd, "idem-0/producer-snapshot", 30);
		if (round)
			assert_int_equal(unlinkat(fd, "idem-0/recovery-point",
						  0), 0);
		log = open_log(fd, KAFKA_LOG_FLUSH_NEVER);
		kafka_log_stats(log, &st);
		assert_int_equal(st.producers, 1);
		assert_int_equal(st.producer_snapshot, round == 0);
		assert_int_equal(st.producer_scanned_segments,
				 round ? st.segments : 0);
		/* a good one stays, a damaged one goes */
		assert_int_equal(faccessat(fd, "idem-0/producer-snapshot",
					   F_OK, 0), round ? -1 : 0);
	}
	/* the next batch goes on, a new epoch from 0 */
	assert_int_equal(append(log, 42, 0, 120, 1, &base), 0);
	assert_int_equal(base, end);
	assert_int_equal(append(log, 42, 1, 5, 1, &base), -EILSEQ);
	assert_int_equal(append(log, 42, 1, 0, 1, &base), 0);
	/* an idempotent batch must come alone */
	two = pbatch(44, 0, 0, 1);
	two.p = realloc(two.p, two.len * 2);
	memcpy(two.p + two.len, two.p, two.len);
	assert_int_equal(kafka_log_append(log, two.p, two.len * 2, T0, &base),
			 -EINVAL);
	t_batch_free(&two);
	kafka_log_stats(log, &st);
	assert_int_equal(st.duplicates, 0);
	assert_int_equal(append(log, 42, 1, 0, 1, &base), 1);
	kafka_log_stats(log, &st);
	assert_int_equal(st.duplicates, 1);
	/* retention forgets producers idle for producer_expiration_ms
	 * (7 days), counted from the last append or from the open */
	assert_int_equal(append(log, 45, 0, 0, 1, &base), 0);
	assert_int_equal(kafka_log_retention(log, wall_ms() + 6 * DAY), 0);
	assert_int_equal(append(log, 45, 0, 1, 1, &base), 0);
	assert_int_equal(kafka_log_retention(log, wall_ms() + 8 * DAY), 0);
	assert_int_equal(append(log, 45, 0, 2, 1, &base), -ESRCH);
	assert_int_equal(append(log, 42, 1, 1, 1, &base), -ESRCH);
	assert_int_equal(append(log, 42, 1, 0, 1, &base), 0);
	kafka_log_stats(log, &st);
	assert_int_equal(st.producers_expired, 2);
	assert_int_equal(kafka_log_close(log), 0);
	close(fd);
}

/* Copies the file @from to @to under @dirfd. */
static void copy_file(int dirfd, const char *from, const char *to)
{
	uint8_t buf[1 << 16];
	ssize_t n;
	int in = openat(dirfd, from, O_RDONLY);
	int out = openat(dirfd, to, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(in >= 0 && out >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	close(in);
	close(out);
}

/*
 * The snapshot a retention check writes, as a kill -9 would leave it
 * (older than the log): the open loads it and reads only the segments
 * after its offset, and gets the same state as a full scan.
 */
static void log_checkpoint(void **state)
{
	struct kafka_log_stats st;
	struct kafka_log *log;
	char dir[512];
	int64_t base;
	int fd = fresh_dir(dir, sizeof(dir), "pckp"), i;

	(void)state;
	log = open_log(fd, KAFKA_LOG_FLUSH_NEVER);
	for (i = 0; i < 60; i++)
		assert_int_equal(append(log, 5, 0, i, 1, &base), 0);
	assert_int_equal(kafka_log_retention(log, wall_ms()), 0);
	/* nothing new: no second write */
	assert_int_equal(kafka_log_retention(log, wall_ms()), 0);
	kafka_log_stats(log, &st);
	assert_int_equal(st.producer_snapshots, 1);
	copy_file(fd, "idem-0/producer-snapshot", "old-snapshot");
	for (i = 60; i < 100; i++) {
		assert_int_equal(append(log, 5, 0, i, 1, &base), 0);
		assert_int_equal(append(log, 6, 0, i - 60, 1, &base), 0);
	}
	assert_int_equal(kafka_log_close(log), 0);
	assert_int_equal(renameat(fd, "old-snapshot", fd,
				  "idem-0/producer-snapshot"), 0);
	log = open_log(fd, KAFKA_LOG_FLUSH_NEVER);
	kafka_log_stats(log, &st);
	assert_true(st.producer_snapshot);
	assert_int_equal(st.producers, 2);
	assert_true(st.producer_scanned_segments > 0);
	assert_true(st.producer_scanned_segments < st.segments);
	for (i = 95; i < 100; i++)
		assert_int_equal(append(log, 5, 0, i, 1, &base), 1);
	for (i = 35; i < 40; i++)
		assert_int_equal(append(log, 6, 0, i, 1, &base), 1);
	assert_int_equal(append(log, 5, 0, 94, 1, &base), -EILSEQ);
	assert_int_equal(append(log, 5, 0, 100, 1, &base), 0);
	assert_int_equal(append(log, 6, 0, 40, 1, &base), 0);
	assert_int_equal(kafka_log_close(log), 0);
	close(fd);
}

/*
 * A damaged batch header in the middle of a segment that recovery trusts
 * (below the recovery point, before its last index entry): the rebuild
 * stops reading that segment, the log still opens, the producer's later
 * batches in the next segment are known.
 */
static void log_damaged_middle(void **state)
{
	struct kafka_log_cfg cfg;
	struct kafka_log_stats st;
	struct kafka_log *log;
	char dir[512];
	int64_t base;
	int fd = fresh_dir(dir, sizeof(dir), "pdmg"), i;

	(void)state;
	kafka_log_cfg_init(&cfg);
	cfg.segment_bytes = 4096;
	cfg.index_interval_bytes = 128;
	assert_int_equal(kafka_log_open(fd, "idem", 0, KAFKA_LOG_CREATE, &cfg,
					&log), 0);
	for (i = 0; i < 100; i++)
		assert_int_equal(append(log, 3, 0, i * 2, 2, &base), 0);
	kafka_log_stats(log, &st);
	assert_true(st.segments >= 3);
	assert_int_equal(kafka_log_close(log), 0);
	assert_int_equal(unlinkat(fd, "idem-0/producer-snapshot", 0), 0);
	/* the magic byte of the second batch of the first segment */
	damage(fd, "idem-0/00000000000000000000.log",
	       (off_t)(first_batch_size(fd) + 16));
	assert_int_equal(kafka_log_open(fd, "idem", 0, 0, &cfg, &log), 0);
	kafka_log_stats(log, &st);
	assert_int_equal(st.producer_scan_errors, 1);
	assert_int_equal(st.producers, 1);
	assert_int_equal(append(log, 3, 0, 198, 2, &base), 1);
	assert_int_equal(append(log, 3, 0, 200, 2, &base), 0);
	assert_int_equal(kafka_log_close(log), 0);
	close(fd);
}

/*
 * Two threads send each of one producer's batches at the same moment (a
 * retry on a second connection racing the first): one writes it, the
 * other is told it is a duplicate, and both get the same offset.
 */
struct racer {
	struct kafka_log *log;
	pthread_barrier_t *bar;
	int64_t base[400];
	int dups;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	int i, ret;

	for (i = 0; i < 400; i++) {
		pthread_barrier_wait(r->bar);
		ret = append(r->log, 9, 0, i * 3, 3, &r->base[i]);
		assert_true(ret == 0 || ret == 1);
		r->dups += ret;
	}
	return NULL;
}

static void log_race(void **state)
{
	pthread_barrier_t bar;
	struct racer r[2];
	pthread_t t[2];
	char dir[512];
	int fd = fresh_dir(dir, sizeof(dir), "prace"), i;

	(void)state;
	memset(r, 0, sizeof(r));
	pthread_barrier_init(&bar, NULL, 2);
	r[0].bar = r[1].bar = &bar;
	r[0].log = r[1].log = open_log(fd, KAFKA_LOG_FLUSH_NEVER);
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	/* every batch once, both threads told the same offsets */
	assert_int_equal(kafka_log_end_offset(r[0].log), 1200);
	assert_int_equal(r[0].dups + r[1].dups, 400);
	for (i = 0; i < 400; i++) {
		assert_int_equal(r[0].base[i], i * 3);
		assert_int_equal(r[1].base[i], i * 3);
	}
	assert_int_equal(kafka_log_close(r[0].log), 0);
	pthread_barrier_destroy(&bar);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(codec_request),
		cmocka_unit_test(codec_response),
		cmocka_unit_test(codec_request_frame),
		cmocka_unit_test(rules),
		cmocka_unit_test(wrap_around),
		cmocka_unit_test(many_producers),
		cmocka_unit_test(snapshot),
		cmocka_unit_test(expiry),
		cmocka_unit_test(pid_alloc),
		cmocka_unit_test(log_rules),
		cmocka_unit_test(log_checkpoint),
		cmocka_unit_test(log_damaged_middle),
		cmocka_unit_test(log_race),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
