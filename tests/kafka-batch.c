/* SPDX-License-Identifier: MIT */
/*
 * tests/kafka-batch.c - src/kafka/crc32c.c and batch.c: CRC-32C known
 * answers for both implementations, record batches that librdkafka
 * really sent (every codec), valid batches alone and several in a blob,
 * every validation failure with its Kafka error code, header parsing for
 * the log, and the in-place rewrites of an append.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kafka/batch.h"
#include "kafka/crc32c.h"
#include "kafka/proto.h"
#include "fuzz/kafka-client.h"

#include "helpers.h"

#define TS 1700000000000LL

static const struct t_record recs[] = {
	{ "key-0", "value-0", "hk", "hv" },
	{ NULL, "value-1", NULL, NULL },
	{ "key-2", NULL, "h", NULL },
	{ "", "", NULL, NULL },
};

typedef uint32_t (*crc_fn)(uint32_t, const void *, size_t);

/* RFC 3720 B.4 (iSCSI) and the usual check value. */
static void crc_vectors(crc_fn crc)
{
	uint8_t buf[32];
	int i;

	assert_int_equal(crc(0, "", 0), 0);
	assert_int_equal(crc(0, "123456789", 9), 0xe3069283);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(crc(0, buf, 32), 0x8a9136aa);
	memset(buf, 0xff, sizeof(buf));
	assert_int_equal(crc(0, buf, 32), 0x62a8ab43);
	for (i = 0; i < 32; i++)
		buf[i] = (uint8_t)i;
	assert_int_equal(crc(0, buf, 32), 0x46dd794e);
	for (i = 0; i < 32; i++)
		buf[i] = (uint8_t)(31 - i);
	assert_int_equal(crc(0, buf, 32), 0x113fdb5c);
	/* chained calls give the CRC of the concatenation */
	assert_int_equal(crc(crc(0, "1234", 4), "56789", 5), 0xe3069283);
}

static void crc_sw(void **state)
{
	(void)state;
	crc_vectors(kafka_crc32c_sw);
}

static void crc_hw(void **state)
{
	(void)state;
	if (!kafka_crc32c_hw_available()) {
		print_message("no SSE4.2 crc32 instruction on this CPU\n");
		skip();
	}
	crc_vectors(kafka_crc32c_hw);
	crc_vectors(kafka_crc32c);
}

/* Both agree at every length and alignment, and when chained. */
static void crc_agree(void **state)
{
	static uint8_t buf[1100];
	size_t len, off, cut;

	(void)state;
	t_fill(buf, sizeof(buf), 0, 5);
	for (off = 0; off < 8; off++)
		for (len = 0; len + off <= 1090; len += len < 80 ? 1 : 37) {
			assert_int_equal(kafka_crc32c_sw(0, buf + off, len),
					 kafka_crc32c(0, buf + off, len));
			if (kafka_crc32c_hw_available())
				assert_int_equal(
					kafka_crc32c_hw(0, buf + off, len),
					kafka_crc32c_sw(0, buf + off, len));
		}
	for (cut = 0; cut <= 100; cut += 7)
		assert_int_equal(kafka_crc32c(kafka_crc32c_sw(0, buf, cut),
					      buf + cut, 100 - cut),
				 kafka_crc32c_sw(0, buf, 100));
}

/* ---- valid batches ----------------------------------------------------- */

static void valid_one(void **state)
{
	struct kafka_batch_info info;
	struct kafka_batch_hdr h;
	struct t_out o = { 0 };

	(void)state;
	t_batch(&o, recs, 4, TS, 0);
	assert_int_equal(kafka_batch_validate(o.p, o.len, NULL, &info), 0);
	assert_int_equal(info.nr_batches, 1);
	assert_int_equal(info.nr_records, 4);
	assert_int_equal(info.first_timestamp, TS);
	assert_int_equal(info.max_timestamp, TS + 3);
	assert_int_equal(info.producer_id, -1);
	assert_int_equal(info.codec, KAFKA_CODEC_NONE);
	assert_false(info.log_append_time);
	assert_int_equal(kafka_batch_hdr_parse(o.p, o.len, &h), 0);
	assert_int_equal(h.base_offset, 0);
	assert_int_equal(kafka_batch_size(&h), o.len);
	assert_int_equal(kafka_batch_size_at(o.p, 12), o.len);
	assert_int_equal(h.partition_leader_epoch, -1);
	assert_int_equal(h.magic, 2);
	assert_int_equal(h.last_offset_delta, 3);
	assert_int_equal(kafka_batch_last_offset(&h), 3);
	assert_int_equal(h.records_count, 4);
	assert_int_equal(h.first_timestamp, TS);
	assert_int_equal(kafka_batch_timestamp(&h), TS + 3);
	assert_int_equal(kafka_batch_record_timestamp(&h, 2), TS + 2);
	assert_int_equal(h.crc, kafka_crc32c(0, o.p + 21, o.len - 21));
	/* a records walk is not needed for the answer */
	assert_int_equal(kafka_batch_validate(o.p, o.len,
		&(struct kafka_batch_limits){ .skip_records = true }, NULL),
		0);
	t_out_free(&o);
}

static void valid_several(void **state)
{
	struct kafka_batch_info info;
	struct t_out o = { 0 };
	size_t second;

	(void)state;
	t_batch(&o, recs, 3, TS, 0);
	second = t_batch(&o, recs, 1, TS + 100, 0);
	t_batch(&o, recs, 2, TS + 50, 0);
	assert_int_equal(kafka_batch_validate(o.p, o.len, NULL, &info), 0);
	assert_int_equal(info.nr_batches, 3);
	assert_int_equal(info.nr_records, 6);
	assert_int_equal(info.first_timestamp, TS);
	assert_int_equal(info.max_timestamp, TS + 100);
	/* Kafka's Produce v3+ rule: one batch per partition */
	assert_int_equal(kafka_batch_validate(o.p, o.len,
		&(struct kafka_batch_limits){ .max_batches = 1 }, &info),
		KAFKA_INVALID_RECORD);
	assert_int_equal(info.bad_off, second);
	assert_int_equal(kafka_batch_validate(o.p, o.len,
		&(struct kafka_batch_limits){ .max_batches = 3 }, NULL), 0);
	t_out_free(&o);
}

/* The records of every produce request librdkafka sent (tests/fuzz/). */
static void real_batches(void **state)
{
	static const struct { const char *file; int codec; int n; } cases[] = {
		{ "rdkafka-produce-v7", 0, 1 },
		{ "rdkafka-produce-v7-none", 0, 50 },
		{ "rdkafka-produce-v7-gzip", 1, 50 },
		{ "rdkafka-produce-v7-snappy", 2, 50 },
		{ "rdkafka-produce-v7-lz4", 3, 50 },
		{ "rdkafka-produce-v7-zstd", 4, 50 },
		{ "kpy-produce-v7", 0, 3 },
	};
	struct kafka_batch_limits lim = { .max_batches = 1 };
	struct kafka_produce_part *pp;
	struct kafka_batch_info info;
	struct kafka_request r;
	char path[256];
	uint8_t *data;
	unsigned int i;
	size_t len;
	int fd;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(path, sizeof(path),
			 "tests/fuzz/corpus/kafka-request/%s", cases[i].file);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			fail_msg("%s: %s (run from the source tree)", path,
				 strerror(errno));
		len = t_slurp(fd, &data);
		close(fd);
		assert_int_equal(kafka_request_decode(&r, data + 4, len - 4),
				 0);
		assert_int_equal(r.hdr.api_key, KAFKA_API_PRODUCE);
		pp = &r.produce.topics[0].partitions[0];
		lim.produce_version = r.hdr.api_version;
		assert_int_equal(kafka_batch_validate(pp->records.p,
						      (size_t)pp->records.len,
						      &lim, &info), 0);
		assert_int_equal(info.codec, cases[i].codec);
		assert_int_equal(info.nr_records, cases[i].n);
		/* zstd needs Produce v7 */
		lim.produce_version = 6;
		assert_int_equal(kafka_batch_validate(pp->records.p,
			(size_t)pp->records.len, &lim, NULL),
			cases[i].codec == 4 ?
			KAFKA_UNSUPPORTED_COMPRESSION_TYPE : 0);
		/* one flipped bit anywhere the CRC covers */
		pp->records.p[pp->records.len - 1] ^= 0x10;
		assert_int_equal(kafka_batch_validate(pp->records.p,
			(size_t)pp->records.len, NULL, NULL),
			KAFKA_CORRUPT_MESSAGE);
		kafka_request_exit(&r);
		free(data);
	}
}

/* ---- every failure ---------------------------------------------------- */

static void put32(uint8_t *p, uint32_t x)
{
	p[0] = (uint8_t)(x >> 24);
	p[1] = (uint8_t)(x >> 16);
	p[2] = (uint8_t)(x >> 8);
	p[3] = (uint8_t)x;
}

/* A fresh 2-record batch, changed by @edit, CRC fixed when @recrc. */
static int edited(void (*edit)(uint8_t *p, size_t len), int recrc,
		  const struct kafka_batch_limits *lim)
{
	struct t_out o = { 0 };
	int ret;

	t_batch(&o, recs, 2, TS, 0);
	edit(o.p, o.len);
	if (recrc)
		t_batch_recrc(o.p);
	ret = kafka_batch_validate(o.p, o.len, lim, NULL);
	t_out_free(&o);
	return ret;
}

static void e_base_offset(uint8_t *p, size_t len)
{
	(void)len;
	kafka_batch_set_base_offset(p, 123456789);
	kafka_batch_set_leader_epoch(p, 77);
}

static void e_magic0(uint8_t *p, size_t len)
{
	(void)len;
	p[16] = 0;
}

static void e_magic1(uint8_t *p, size_t len)
{
	(void)len;
	p[16] = 1;
}

static void e_body_bit(uint8_t *p, size_t len)
{
	p[len / 2] ^= 1;
}

static void e_crc_bit(uint8_t *p, size_t len)
{
	(void)len;
	p[18] ^= 0x80;
}

static void e_count0(uint8_t *p, size_t len)
{
	(void)len;
	put32(p + 23, (uint32_t)-1);	/* last offset delta */
	put32(p + 57, 0);
}

static void e_count_mismatch(uint8_t *p, size_t len)
{
	(void)len;
	put32(p + 57, 3);
}

static void e_delta_mismatch(uint8_t *p, size_t len)
{
	(void)len;
	put32(p + 23, 5);
}

static void e_sequence(uint8_t *p, size_t len)
{
	(void)len;
	memset(p + 43, 0, 8);		/* producer id 0 */
}

static void e_codec5(uint8_t *p, size_t len)
{
	(void)len;
	p[22] |= 5;
}

static void e_codec7(uint8_t *p, size_t len)
{
	(void)len;
	p[22] |= 7;
}

static void e_zstd(uint8_t *p, size_t len)
{
	(void)len;
	p[22] |= 4;
}

static void e_bit6(uint8_t *p, size_t len)
{
	(void)len;
	p[22] |= 0x40;
}

static void e_bit8(uint8_t *p, size_t len)
{
	(void)len;
	p[21] |= 0x01;
}

static void e_txn(uint8_t *p, size_t len)
{
	(void)len;
	p[22] |= KAFKA_ATTR_TRANSACTIONAL;
}

static void e_control(uint8_t *p, size_t len)
{
	(void)len;
	p[22] |= KAFKA_ATTR_CONTROL;
}

static void e_append_time(uint8_t *p, size_t len)
{
	(void)len;
	p[22] |= KAFKA_ATTR_LOG_APPEND_TIME;
}

/* The first record's offset delta (its 4th byte: length, attrs, ts). */
static void e_rec_offset(uint8_t *p, size_t len)
{
	(void)len;
	assert_int_equal(p[64], 0);
	p[64] = 2;			/* zigzag 1 */
}

/* The first record's length one more than its bytes. */
static void e_rec_len(uint8_t *p, size_t len)
{
	(void)len;
	p[61] += 2;
}

/* The first record's key length -2 (zigzag 3). */
static void e_rec_key(uint8_t *p, size_t len)
{
	(void)len;
	p[65] = 3;
}

static void failures(void **state)
{
	struct kafka_batch_limits txn = { .allow_transactional = true };
	struct kafka_batch_limits ctl = { .allow_control = true };
	struct kafka_batch_limits skip = { .skip_records = true };
	struct kafka_batch_limits v3 = { .produce_version = 3 };
	struct kafka_batch_limits v7 = { .produce_version = 7 };

	(void)state;
	/* outside the CRC: still valid */
	assert_int_equal(edited(e_base_offset, 0, NULL), 0);
	assert_int_equal(edited(e_magic0, 1, NULL), KAFKA_INVALID_RECORD);
	assert_int_equal(edited(e_magic1, 1, NULL), KAFKA_INVALID_RECORD);
	assert_int_equal(edited(e_body_bit, 0, NULL), KAFKA_CORRUPT_MESSAGE);
	assert_int_equal(edited(e_crc_bit, 0, NULL), KAFKA_CORRUPT_MESSAGE);
	assert_int_equal(edited(e_count0, 1, NULL), KAFKA_INVALID_RECORD);
	assert_int_equal(edited(e_count_mismatch, 1, NULL),
			 KAFKA_INVALID_RECORD);
	assert_int_equal(edited(e_delta_mismatch, 1, NULL),
			 KAFKA_INVALID_RECORD);
	assert_int_equal(edited(e_sequence, 1, NULL), KAFKA_INVALID_RECORD);
	assert_int_equal(edited(e_codec5, 1, NULL),
			 KAFKA_UNSUPPORTED_COMPRESSION_TYPE);
	assert_int_equal(edited(e_codec7, 1, NULL),
			 KAFKA_UNSUPPORTED_COMPRESSION_TYPE);
	assert_int_equal(edited(e_zstd, 1, &v3),
			 KAFKA_UNSUPPORTED_COMPRESSION_TYPE);
	assert_int_equal(edited(e_zstd, 1, &v7), 0);
	assert_int_equal(edited(e_bit6, 1, NULL), KAFKA_INVALID_RECORD);
	assert_int_equal(edited(e_bit8, 1, NULL), KAFKA_INVALID_RECORD);
	assert_int_equal(edited(e_txn, 1, NULL), KAFKA_INVALID_RECORD);
	assert_int_equal(edited(e_txn, 1, &txn), 0);
	assert_int_equal(edited(e_control, 1, NULL), KAFKA_INVALID_RECORD);
	assert_int_equal(edited(e_control, 1, &ctl), 0);
	assert_int_equal(edited(e_append_time, 1, NULL), 0);
	/* the records walk; a compressed codec or skip_records trusts them */
	assert_int_equal(edited(e_rec_offset, 1, NULL), KAFKA_INVALID_RECORD);
	assert_int_equal(edited(e_rec_offset, 1, &skip), 0);
	assert_int_equal(edited(e_rec_len, 1, NULL), KAFKA_INVALID_RECORD);
	assert_int_equal(edited(e_rec_len, 1, &skip), 0);
	assert_int_equal(edited(e_rec_key, 1, NULL), KAFKA_INVALID_RECORD);
}

/* Lengths: truncated at every byte, too short, too long, trailing bytes. */
static void lengths(void **state)
{
	struct kafka_batch_info info;
	struct t_out o = { 0 };
	uint8_t *copy;
	size_t len, full;

	(void)state;
	assert_int_equal(kafka_batch_validate("", 0, NULL, NULL),
			 KAFKA_INVALID_RECORD);
	assert_int_equal(kafka_batch_validate(NULL, (size_t)-1, NULL, NULL),
			 KAFKA_INVALID_RECORD);
	t_batch(&o, recs, 4, TS, 0);
	full = o.len;
	for (len = 1; len < full; len++) {
		/* exactly the truncated bytes, so ASan sees any overread */
		copy = malloc(len);
		memcpy(copy, o.p, len);
		assert_int_equal(kafka_batch_validate(copy, len, NULL, &info),
				 KAFKA_CORRUPT_MESSAGE);
		assert_int_equal(info.bad_off, 0);
		free(copy);
	}
	/* a valid batch followed by a torn one */
	t_raw(&o, o.p, 30);
	assert_int_equal(kafka_batch_validate(o.p, o.len, NULL, &info),
			 KAFKA_CORRUPT_MESSAGE);
	assert_int_equal(info.bad_off, full);
	assert_int_equal(info.nr_batches, 1);
	o.len = full;
	/* batch_length below the header, negative, past the end */
	put32(o.p + 8, 48);
	assert_int_equal(kafka_batch_validate(o.p, o.len, NULL, NULL),
			 KAFKA_CORRUPT_MESSAGE);
	put32(o.p + 8, (uint32_t)-1);
	assert_int_equal(kafka_batch_validate(o.p, o.len, NULL, NULL),
			 KAFKA_CORRUPT_MESSAGE);
	put32(o.p + 8, 0x7fffffff);
	assert_int_equal(kafka_batch_validate(o.p, o.len, NULL, NULL),
			 KAFKA_CORRUPT_MESSAGE);
	put32(o.p + 8, (uint32_t)(full - 12));
	assert_int_equal(kafka_batch_validate(o.p, o.len, NULL, NULL), 0);
	/* the size limit counts the whole batch, 12 included */
	assert_int_equal(kafka_batch_validate(o.p, o.len,
		&(struct kafka_batch_limits){
			.max_batch_bytes = (uint32_t)full }, NULL), 0);
	assert_int_equal(kafka_batch_validate(o.p, o.len,
		&(struct kafka_batch_limits){
			.max_batch_bytes = (uint32_t)full - 1 }, NULL),
		KAFKA_MESSAGE_TOO_LARGE);
	t_out_free(&o);
}

/* A batch of a record near Kafka's default limit (1 MiB + 12). */
static void size_limit(void **state)
{
	struct t_record big = { "k", NULL, NULL, NULL };
	struct t_out o = { 0 };
	char *value;
	size_t n = KAFKA_BATCH_MAX_DEFAULT - 61 - 20;

	(void)state;
	value = malloc(n + 1);
	memset(value, 'v', n);
	value[n] = 0;
	big.value = value;
	t_batch(&o, &big, 1, TS, 0);
	assert_true(o.len <= KAFKA_BATCH_MAX_DEFAULT);
	assert_int_equal(kafka_batch_validate(o.p, o.len, NULL, NULL), 0);
	o.len = 0;
	value[n - 1] = 0;
	memset(value, 'v', n - 1);
	value = realloc(value, n + 40);
	memset(value, 'v', n + 39);
	value[n + 39] = 0;
	big.value = value;
	t_batch(&o, &big, 1, TS, 0);
	assert_true(o.len > KAFKA_BATCH_MAX_DEFAULT);
	assert_int_equal(kafka_batch_validate(o.p, o.len, NULL, NULL),
			 KAFKA_MESSAGE_TOO_LARGE);
	free(value);
	t_out_free(&o);
}

/* ---- for the log -------------------------------------------------- */

static void header_parse(void **state)
{
	struct kafka_batch_hdr h;
	struct t_out o = { 0 };

	(void)state;
	t_batch(&o, recs, 2, TS, KAFKA_CODEC_LZ4);
	assert_int_equal(kafka_batch_hdr_parse(o.p, 60, &h), -ENODATA);
	assert_int_equal(kafka_batch_size_at(o.p, 11), -ENODATA);
	assert_int_equal(kafka_batch_size_at(o.p, 12), o.len);
	assert_int_equal(kafka_batch_hdr_parse(o.p, 61, &h), 0);
	assert_int_equal(kafka_batch_codec(&h), KAFKA_CODEC_LZ4);
	o.p[16] = 1;
	assert_int_equal(kafka_batch_hdr_parse(o.p, o.len, &h), -EBADMSG);
	o.p[16] = 2;
	put32(o.p + 8, 10);
	assert_int_equal(kafka_batch_hdr_parse(o.p, o.len, &h), -EBADMSG);
	assert_int_equal(kafka_batch_size_at(o.p, o.len), -EBADMSG);
	t_out_free(&o);
}

static void assign_offsets(void **state)
{
	struct kafka_batch_info info;
	struct kafka_batch_hdr h;
	struct t_out o = { 0 };
	size_t b2, b3;

	(void)state;
	t_batch(&o, recs, 3, TS, 0);
	b2 = t_batch(&o, recs, 1, TS, 0);
	b3 = t_batch(&o, recs, 2, TS, 0);
	assert_int_equal(kafka_batch_assign_offsets(o.p, o.len, 100, 4), 106);
	assert_int_equal(kafka_batch_hdr_parse(o.p, o.len, &h), 0);
	assert_int_equal(h.base_offset, 100);
	assert_int_equal(h.partition_leader_epoch, 4);
	assert_int_equal(kafka_batch_hdr_parse(o.p + b2, o.len - b2, &h), 0);
	assert_int_equal(h.base_offset, 103);
	assert_int_equal(kafka_batch_hdr_parse(o.p + b3, o.len - b3, &h), 0);
	assert_int_equal(h.base_offset, 104);
	assert_int_equal(kafka_batch_last_offset(&h), 105);
	assert_int_equal(kafka_batch_validate(o.p, o.len, NULL, &info), 0);
	assert_int_equal(info.nr_records, 6);
	t_out_free(&o);
}

static void log_append_time(void **state)
{
	struct kafka_batch_info info;
	struct kafka_batch_hdr h;
	struct t_out o = { 0 };

	(void)state;
	t_batch(&o, recs, 3, TS, 0);
	kafka_batch_set_log_append_time(o.p, o.len, TS + 5000);
	assert_int_equal(kafka_batch_validate(o.p, o.len, NULL, &info), 0);
	assert_true(info.log_append_time);
	assert_int_equal(info.max_timestamp, TS + 5000);
	assert_int_equal(kafka_batch_hdr_parse(o.p, o.len, &h), 0);
	assert_true(kafka_batch_log_append_time(&h));
	assert_int_equal(kafka_batch_timestamp(&h), TS + 5000);
	/* every record gets the batch's time, whatever its delta */
	assert_int_equal(kafka_batch_record_timestamp(&h, 0), TS + 5000);
	assert_int_equal(kafka_batch_record_timestamp(&h, 2), TS + 5000);
	assert_int_equal(h.first_timestamp, TS);
	/* a length shorter than the batch: nothing written */
	memcpy(o.p + 35, "\0\0\0\0\0\0\0\0", 8);
	kafka_batch_set_log_append_time(o.p, o.len - 1, 1);
	assert_int_equal(kafka_batch_hdr_parse(o.p, o.len, &h), 0);
	assert_int_equal(h.max_timestamp, 0);
	t_out_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(crc_sw),
		cmocka_unit_test(crc_hw),
		cmocka_unit_test(crc_agree),
		cmocka_unit_test(valid_one),
		cmocka_unit_test(valid_several),
		cmocka_unit_test(real_batches),
		cmocka_unit_test(failures),
		cmocka_unit_test(lengths),
		cmocka_unit_test(size_limit),
		cmocka_unit_test(header_parse),
		cmocka_unit_test(assign_offsets),
		cmocka_unit_test(log_append_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
