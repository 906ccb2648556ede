/* SPDX-License-Identifier: MIT */
/*
 * tests/kafka-codec.c - src/kafka/proto*.c and wire.c: the advertised API
 * table, golden bytes of responses built by hand from the protocol guide,
 * and round trips of every request version (encoded as a client would,
 * tests/fuzz/kafka-client.h) and every response version (decoded as a client
 * would), Fetch responses as chains of memory and file pieces, and the
 * encoders' error paths.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zcio/buf.h>
#include <zcio/chain.h>

#include "kafka/proto.h"
#include "kafka/proto_commit.h"
#include "kafka/proto_coord.h"
#include "kafka/proto_int.h"
#include "kafka/proto_producer.h"
#include "fuzz/kafka-client.h"

#include "helpers.h"
#include "kafka-codec-util.h"

/* ---- the table -------------------------------------------------------- */

static void api_table(void **state)
{
	static const struct kafka_api_range want[] = {
		{ 0, 0, 7 }, { 1, 4, 11 }, { 2, 1, 2 }, { 3, 0, 4 },
		{ 8, 0, 7 }, { 9, 0, 5 }, { 10, 0, 2 }, { 11, 0, 5 },
		{ 12, 0, 3 }, { 13, 0, 1 }, { 14, 0, 3 }, { 18, 0, 2 },
		{ 19, 0, 4 }, { 20, 0, 3 }, { 22, 0, 1 },
	};
	unsigned int i;

	(void)state;
	assert_int_equal(kafka_nr_apis, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < kafka_nr_apis; i++) {
		assert_int_equal(kafka_apis[i].key, want[i].key);
		assert_int_equal(kafka_apis[i].min, want[i].min);
		assert_int_equal(kafka_apis[i].max, want[i].max);
		if (i)
			assert_true(kafka_apis[i].key > kafka_apis[i - 1].key);
		assert_ptr_equal(kafka_api_find(want[i].key), &kafka_apis[i]);
	}
	assert_null(kafka_api_find(24));
	assert_null(kafka_api_find(-1));
	assert_string_equal(kafka_api_name(1), "Fetch");
	assert_string_equal(kafka_api_name(18), "ApiVersions");
	assert_string_equal(kafka_api_name(999), "Unknown");
}

static void err_names(void **state)
{
	(void)state;
	assert_string_equal(kafka_err_name(-1), "UNKNOWN_SERVER_ERROR");
	assert_string_equal(kafka_err_name(0), "NONE");
	assert_string_equal(kafka_err_name(2), "CORRUPT_MESSAGE");
	assert_string_equal(kafka_err_name(35), "UNSUPPORTED_VERSION");
	assert_string_equal(kafka_err_name(87), "INVALID_RECORD");
	assert_string_equal(kafka_err_name(100), "UNKNOWN_TOPIC_ID");
	assert_string_equal(kafka_err_name(101), "UNKNOWN_ERROR_CODE");
	assert_string_equal(kafka_err_name(-2), "UNKNOWN_ERROR_CODE");
	assert_int_equal(KAFKA_NOT_LEADER_OR_FOLLOWER, 6);
	assert_int_equal(KAFKA_INVALID_TOPIC_EXCEPTION, 17);
	assert_int_equal(KAFKA_RECORD_LIST_TOO_LARGE, 18);
	assert_int_equal(KAFKA_INVALID_REQUIRED_ACKS, 21);
	assert_int_equal(KAFKA_UNSUPPORTED_FOR_MESSAGE_FORMAT, 43);
	assert_int_equal(KAFKA_UNSUPPORTED_COMPRESSION_TYPE, 76);
}

/* ---- golden bytes ------------------------------------------------------ */

#define API_ENTRIES							\
	0x00, 0x00, 0x00, 0x0f,						\
	0x00, 0x00, 0x00, 0x00, 0x00, 0x07,	/* Produce 0-7 */	\
	0x00, 0x01, 0x00, 0x04, 0x00, 0x0b,	/* Fetch 4-11 */	\
	0x00, 0x02, 0x00, 0x01, 0x00, 0x02,	/* ListOffsets 1-2 */	\
	0x00, 0x03, 0x00, 0x00, 0x00, 0x04,	/* Metadata 0-4 */	\
	0x00, 0x08, 0x00, 0x00, 0x00, 0x07,	/* OffsetCommit 0-7 */	\
	0x00, 0x09, 0x00, 0x00, 0x00, 0x05,	/* OffsetFetch 0-5 */	\
	0x00, 0x0a, 0x00, 0x00, 0x00, 0x02,	/* FindCoordinator 0-2 */ \
	0x00, 0x0b, 0x00, 0x00, 0x00, 0x05,	/* JoinGroup 0-5 */	\
	0x00, 0x0c, 0x00, 0x00, 0x00, 0x03,	/* Heartbeat 0-3 */	\
	0x00, 0x0d, 0x00, 0x00, 0x00, 0x01,	/* LeaveGroup 0-1 */	\
	0x00, 0x0e, 0x00, 0x00, 0x00, 0x03,	/* SyncGroup 0-3 */	\
	0x00, 0x12, 0x00, 0x00, 0x00, 0x02,	/* ApiVersions 0-2 */	\
	0x00, 0x13, 0x00, 0x00, 0x00, 0x04,	/* CreateTopics 0-4 */	\
	0x00, 0x14, 0x00, 0x00, 0x00, 0x03,	/* DeleteTopics 0-3 */	\
	0x00, 0x16, 0x00, 0x00, 0x00, 0x01	/* InitProducerId 0-1 */

static void golden_api_versions(void **state)
{
	static const uint8_t v0[] = {
		0x00, 0x00, 0x00, 0x64, 0x01, 0x02, 0x03, 0x04,
		0x00, 0x00, API_ENTRIES,
	};
	static const uint8_t v1[] = {
		0x00, 0x00, 0x00, 0x68, 0x01, 0x02, 0x03, 0x04,
		0x00, 0x00, API_ENTRIES, 0x00, 0x00, 0x00, 0x00,
	};
	struct kafka_wbuf w;
	int v;

	(void)state;
	kafka_wbuf_init(&w);
	assert_int_equal(kafka_api_versions_resp_encode(&w, 0, CORR, 0), 0);
	assert_golden(&w, v0, sizeof(v0));
	for (v = 1; v <= 2; v++) {
		kafka_wbuf_reset(&w);
		assert_int_equal(kafka_api_versions_resp_encode(&w, v, CORR,
								0), 0);
		/* v2 is the same as v1 */
		assert_golden(&w, v1, sizeof(v1));
	}
	kafka_wbuf_reset(&w);
	assert_int_equal(kafka_api_versions_resp_encode(&w, 3, CORR, 0),
			 -EINVAL);
	assert_int_equal(w.len, 0);
	kafka_wbuf_exit(&w);
}

/* librdkafka's first request: ApiVersions v3, answered in a v0 body. */
static void golden_api_versions_v3(void **state)
{
	static const uint8_t want[] = {
		0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x07,
		0x00, 0x23,			/* UNSUPPORTED_VERSION */
		0x00, 0x00, 0x00, 0x01,
		0x00, 0x12, 0x00, 0x00, 0x00, 0x02,
	};
	struct kafka_request r;
	struct t_out o = { 0 };
	struct kafka_wbuf w;

	(void)state;
	t_api_versions_req(&o, 3, 7);
	assert_int_equal(decode(&o, &r), -ENOTSUP);
	assert_int_equal(r.hdr.api_key, 18);
	assert_int_equal(r.hdr.api_version, 3);
	assert_int_equal(r.hdr.correlation_id, 7);
	assert_true(kafka_str_eq(&r.hdr.client_id, "rdkafka"));
	kafka_wbuf_init(&w);
	assert_int_equal(kafka_unsupported_encode(&w, &r.hdr), 0);
	assert_golden(&w, want, sizeof(want));
	kafka_request_exit(&r);
	/* any other API with an unknown version has no answer */
	r.hdr.api_key = KAFKA_API_FETCH;
	assert_int_equal(kafka_unsupported_encode(&w, &r.hdr), -ENOTSUP);
	assert_int_equal(w.len, sizeof(want));
	kafka_wbuf_exit(&w);
	t_out_free(&o);
}

static void golden_metadata_v1(void **state)
{
	static const uint8_t want[] = {
		0x00, 0x00, 0x00, 0x49, 0x01, 0x02, 0x03, 0x04,
		0x00, 0x00, 0x00, 0x01,			/* 1 broker */
		0x00, 0x00, 0x00, 0x01,			/* node 1 */
		0x00, 0x09, '1', '2', '7', '.', '0', '.', '0', '.', '1',
		0x00, 0x00, 0x23, 0x84,			/* port 9092 */
		0xff, 0xff,				/* rack null */
		0x00, 0x00, 0x00, 0x01,			/* controller */
		0x00, 0x00, 0x00, 0x01,			/* 1 topic */
		0x00, 0x00, 0x00, 0x01, 't',		/* error, name */
		0x00,					/* not internal */
		0x00, 0x00, 0x00, 0x01,			/* 1 partition */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* error, p0 */
		0x00, 0x00, 0x00, 0x01,			/* leader 1 */
		0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
		0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
	};
	static const int32_t one[] = { 1 };
	const struct kafka_metadata_part part = {
		.leader = 1, .nr_replicas = 1, .replicas = one,
		.nr_isr = 1, .isr = one,
	};
	const struct kafka_metadata_topic topic = {
		.name = KAFKA_STR("t"), .nr_partitions = 1,
		.partitions = &part,
	};
	const struct kafka_metadata_broker broker = {
		.node_id = 1, .host = KAFKA_STR("127.0.0.1"), .port = 9092,
		.rack = KAFKA_STR_NULL,
	};
	const struct kafka_metadata_resp resp = {
		.nr_brokers = 1, .brokers = &broker,
		.cluster_id = KAFKA_STR("ignored before v2"),
		.controller_id = 1, .nr_topics = 1, .topics = &topic,
	};
	struct kafka_wbuf w;

	(void)state;
	kafka_wbuf_init(&w);
	assert_int_equal(kafka_metadata_resp_encode(&w, 1, CORR, &resp), 0);
	assert_golden(&w, want, sizeof(want));
	kafka_wbuf_exit(&w);
}

static void golden_produce_v7(void **state)
{
	static const uint8_t want[] = {
		0x00, 0x00, 0x00, 0x33, 0x01, 0x02, 0x03, 0x04,
		0x00, 0x00, 0x00, 0x01, 0x00, 0x03, 'a', 'b', 'c',
		0x00, 0x00, 0x00, 0x01,
		0x00, 0x00, 0x00, 0x02,				/* p2 */
		0x00, 0x00,					/* NONE */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,	/* 256 */
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,	/* -1 */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,	/* 5 */
		0x00, 0x00, 0x00, 0x00,				/* throttle */
	};
	const struct kafka_produce_part_resp part = {
		.partition = 2, .base_offset = 256, .log_append_time = -1,
		.log_start_offset = 5,
	};
	const struct kafka_produce_topic_resp topic = {
		.name = KAFKA_STR("abc"), .nr_partitions = 1,
		.partitions = &part,
	};
	const struct kafka_produce_resp resp = {
		.nr_topics = 1, .topics = &topic,
	};
	struct kafka_wbuf w;

	(void)state;
	kafka_wbuf_init(&w);
	assert_int_equal(kafka_produce_resp_encode(&w, 7, CORR, &resp), 0);
	assert_golden(&w, want, sizeof(want));
	kafka_wbuf_exit(&w);
}

/*
 * Produce v0-2 responses: v0 has neither log_append_time nor
 * throttle_time_ms, v1 adds the throttle, v2 log_append_time.
 */
static void golden_produce_v0_v2(void **state)
{
	static const uint8_t v0[] = {
		0x00, 0x00, 0x00, 0x1d, 0x01, 0x02, 0x03, 0x04,
		0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 'a',
		0x00, 0x00, 0x00, 0x01,
		0x00, 0x00, 0x00, 0x02, 0x00, 0x0a,		/* p2, TOO_LARGE */
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,	/* -1 */
	};
	static const uint8_t v2[] = {
		0x00, 0x00, 0x00, 0x29, 0x01, 0x02, 0x03, 0x04,
		0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 'a',
		0x00, 0x00, 0x00, 0x01,
		0x00, 0x00, 0x00, 0x02, 0x00, 0x0a,		/* p2, TOO_LARGE */
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,	/* -1 */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07,	/* time 7 */
		0x00, 0x00, 0x00, 0x09,				/* throttle */
	};
	const struct kafka_produce_part_resp part = {
		.partition = 2, .error = KAFKA_MESSAGE_TOO_LARGE,
		.base_offset = -1, .log_append_time = 7, .log_start_offset = 5,
	};
	const struct kafka_produce_topic_resp topic = {
		.name = KAFKA_STR("a"), .nr_partitions = 1, .partitions = &part,
	};
	const struct kafka_produce_resp resp = {
		.nr_topics = 1, .topics = &topic, .throttle_time_ms = 9,
	};
	struct kafka_wbuf w;

	(void)state;
	kafka_wbuf_init(&w);
	assert_int_equal(kafka_produce_resp_encode(&w, 0, CORR, &resp), 0);
	assert_golden(&w, v0, sizeof(v0));
	w.len = 0;
	assert_int_equal(kafka_produce_resp_encode(&w, 1, CORR, &resp), 0);
	/* v1 = v0 + throttle */
	assert_int_equal(w.len, sizeof(v0) + 4);
	assert_memory_equal(w.p + 4, v0 + 4, sizeof(v0) - 4);
	w.len = 0;
	assert_int_equal(kafka_produce_resp_encode(&w, 2, CORR, &resp), 0);
	assert_golden(&w, v2, sizeof(v2));
	kafka_wbuf_exit(&w);
}

static void golden_list_offsets_v2(void **state)
{
	static const uint8_t want[] = {
		0x00, 0x00, 0x00, 0x29, 0x01, 0x02, 0x03, 0x04,
		0x00, 0x00, 0x00, 0x0a,				/* throttle */
		0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 'x',
		0x00, 0x00, 0x00, 0x01,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x01,		/* p0, OOR */
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a,	/* 42 */
	};
	const struct kafka_list_offsets_part_resp part = {
		.error = 1, .timestamp = -1, .offset = 42,
	};
	const struct kafka_list_offsets_topic_resp topic = {
		.name = KAFKA_STR("x"), .nr_partitions = 1,
		.partitions = &part,
	};
	const struct kafka_list_offsets_resp resp = {
		.throttle_time_ms = 10, .nr_topics = 1, .topics = &topic,
	};
	struct kafka_wbuf w;

	(void)state;
	kafka_wbuf_init(&w);
	assert_int_equal(kafka_list_offsets_resp_encode(&w, 2, CORR, &resp),
			 0);
	assert_golden(&w, want, sizeof(want));
	kafka_wbuf_exit(&w);
}

/*
 * Fetch v11, one partition whose 5 record bytes come from a file: the
 * chain is [header..records length][file range], nothing after (records
 * is the last field), and the size prefix counts the file bytes.
 */
static void golden_fetch_v11(void **state)
{
	static const uint8_t want[] = {
		0x00, 0x00, 0x00, 0x48, 0x01, 0x02, 0x03, 0x04,
		0x00, 0x00, 0x00, 0x00,				/* throttle */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00,		/* err, sess */
		0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't',
		0x00, 0x00, 0x00, 0x01,
		0x00, 0x00, 0x00, 0x03, 0x00, 0x00,		/* p3 */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09,	/* hwm */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09,	/* lso */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,	/* start */
		0xff, 0xff, 0xff, 0xff,				/* aborted */
		0xff, 0xff, 0xff, 0xff,				/* replica */
		0x00, 0x00, 0x00, 0x05, 'h', 'e', 'l', 'l', 'o',
	};
	struct kafka_records_range range = { .off = 2, .len = 5 };
	const struct kafka_fetch_part_resp part = {
		.partition = 3, .high_watermark = 9, .last_stable_offset = 9,
		.log_start_offset = 1, .nr_ranges = 1, .ranges = &range,
	};
	const struct kafka_fetch_topic_resp topic = {
		.name = KAFKA_STR("t"), .nr_partitions = 1,
		.partitions = &part,
	};
	const struct kafka_fetch_resp resp = {
		.nr_topics = 1, .topics = &topic,
	};
	struct zc_chain c;
	uint8_t *flat;
	size_t len;
	int fd, err;

	(void)state;
	fd = t_memfd(0, 0);
	assert_int_equal(pwrite(fd, "..hello..", 9, 0), 9);
	range.buf = zc_buf_file(fd, 1, &err);
	assert_non_null(range.buf);
	zc_chain_init(&c);
	assert_int_equal(kafka_fetch_resp_encode(&c, 11, CORR, &resp), 0);
	assert_int_equal(zc_chain_pieces(&c), 2);
	assert_int_equal(c.pieces[c.head].kind, ZC_PIECE_MEM);
	assert_int_equal(c.pieces[c.head].len, sizeof(want) - 5);
	assert_int_equal(c.pieces[(c.head + 1) % c.cap].kind, ZC_PIECE_FILE);
	assert_int_equal(c.pieces[(c.head + 1) % c.cap].off, 2);
	flat = t_chain_flatten(&c, &len);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(flat, want, len);
	free(flat);
	zc_chain_exit(&c);
	zc_buf_unref(range.buf);
}

/* ---- request round trips ---------------------------------------------- */

static void api_versions_req(void **state)
{
	struct kafka_request r;
	struct t_out o = { 0 };
	int v;

	(void)state;
	for (v = 0; v <= 2; v++) {
		o.len = 0;
		t_api_versions_req(&o, v, v);
		assert_int_equal(decode(&o, &r), 0);
		assert_int_equal(r.hdr.api_key, KAFKA_API_API_VERSIONS);
		assert_int_equal(r.hdr.api_version, v);
		assert_int_equal(r.hdr.correlation_id, v);
		assert_int_equal(zc_view_left(&r.body), 0);
		kafka_request_exit(&r);
	}
	t_out_free(&o);
}

static void metadata_req(void **state)
{
	struct kafka_str names[] = { KAFKA_STR("orders"), KAFKA_STR(""),
				     KAFKA_STR("a.b_c-d") };
	struct kafka_metadata_req m = {
		.nr_topics = 3, .topics = names,
		.allow_auto_topic_creation = false,
	};
	struct kafka_request r;
	struct t_out o = { 0 };
	uint32_t i;
	int v;

	(void)state;
	for (v = 0; v <= 4; v++) {
		o.len = 0;
		t_metadata_req(&o, v, 100 + v, &m);
		assert_int_equal(decode(&o, &r), 0);
		assert_int_equal(r.hdr.api_key, KAFKA_API_METADATA);
		assert_int_equal(r.hdr.correlation_id, 100 + v);
		assert_false(r.metadata.all_topics);
		assert_int_equal(r.metadata.nr_topics, 3);
		for (i = 0; i < 3; i++)
			assert_str_eq(&r.metadata.topics[i], &names[i]);
		/* before v4 the field is absent and creation allowed */
		assert_int_equal(r.metadata.allow_auto_topic_creation, v < 4);
		kafka_request_exit(&r);
	}
	/* all topics: v0 sends an empty array, v1+ a null one */
	m.all_topics = true;
	m.nr_topics = 0;
	for (v = 0; v <= 4; v++) {
		o.len = 0;
		t_metadata_req(&o, v, 1, &m);
		assert_int_equal(decode(&o, &r), 0);
		assert_true(r.metadata.all_topics);
		assert_int_equal(r.metadata.nr_topics, 0);
		kafka_request_exit(&r);
	}
	/* v1+: an empty array is no topic at all (brokers only) */
	m.all_topics = false;
	for (v = 1; v <= 4; v++) {
		o.len = 0;
		t_metadata_req(&o, v, 1, &m);
		assert_int_equal(decode(&o, &r), 0);
		assert_false(r.metadata.all_topics);
		assert_int_equal(r.metadata.nr_topics, 0);
		kafka_request_exit(&r);
	}
	t_out_free(&o);
}

static void produce_req(void **state)
{
	static const struct t_record recs[] = {
		{ "k", "v", "h", "x" }, { NULL, "v2", NULL, NULL },
	};
	struct t_out batch = { 0 }, o = { 0 };
	struct kafka_produce_part parts[3];
	struct kafka_produce_topic topics[2];
	struct kafka_produce_req p;
	struct kafka_request r;
	const struct kafka_produce_part *got;
	int v;

	(void)state;
	t_batch(&batch, recs, 2, 1700000000000, 0);
	parts[0] = (struct kafka_produce_part){ 0,
		{ batch.p, (int32_t)batch.len } };
	parts[1] = (struct kafka_produce_part){ 7, { NULL, -1 } };
	parts[2] = (struct kafka_produce_part){ 1, { batch.p, 0 } };
	topics[0] = (struct kafka_produce_topic){ KAFKA_STR("t1"), 2, parts };
	topics[1] = (struct kafka_produce_topic){ KAFKA_STR("t2"), 1,
						  parts + 2 };
	p = (struct kafka_produce_req){ KAFKA_STR_NULL, -1, 30000, 2, topics };
	for (v = 0; v <= 7; v++) {
		o.len = 0;
		p.transactional_id = v == 5 ? KAFKA_STR("txn") : KAFKA_STR_NULL;
		t_produce_req(&o, v, v, &p);
		assert_int_equal(decode(&o, &r), 0);
		assert_int_equal(r.hdr.api_version, v);
		/* v0-2 have no transactional_id: it decodes as null */
		assert_str_eq(&r.produce.transactional_id,
			      &p.transactional_id);
		assert_int_equal(r.produce.acks, -1);
		assert_int_equal(r.produce.timeout_ms, 30000);
		assert_int_equal(r.produce.nr_topics, 2);
		assert_str_eq(&r.produce.topics[0].name, &topics[0].name);
		assert_int_equal(r.produce.topics[0].nr_partitions, 2);
		got = &r.produce.topics[0].partitions[0];
		assert_int_equal(got->partition, 0);
		assert_int_equal(got->records.len, batch.len);
		assert_memory_equal(got->records.p, batch.p, batch.len);
		/* in place: the records point into the frame */
		assert_true(got->records.p > o.p &&
			    got->records.p + batch.len <= o.p + o.len);
		assert_int_equal(kafka_batch_validate(got->records.p,
						      batch.len, NULL, NULL),
				 0);
		got = &r.produce.topics[0].partitions[1];
		assert_int_equal(got->partition, 7);
		assert_int_equal(got->records.len, -1);
		assert_null(got->records.p);
		got = &r.produce.topics[1].partitions[0];
		assert_int_equal(got->records.len, 0);
		kafka_request_exit(&r);
	}
	t_out_free(&o);
	t_out_free(&batch);
}

static void fetch_req(void **state)
{
	struct kafka_fetch_part fp[3] = {
		{ 0, 5, 123456789012, 10, 1048576 },
		{ 1, 6, 0, 0, 65536 },
		{ 2, 7, 42, -1, 1 },
	};
	struct kafka_fetch_topic ft[2] = {
		{ KAFKA_STR("alpha"), 2, fp }, { KAFKA_STR("beta"), 1, fp + 2 },
	};
	int32_t gone[2] = { 4, 9 };
	struct kafka_fetch_forgotten fg = { KAFKA_STR("gamma"), 2, gone };
	struct kafka_fetch_req f = {
		.replica_id = -1, .max_wait_ms = 500, .min_bytes = 1,
		.max_bytes = 52428800, .isolation_level = 1,
		.session_id = 0, .session_epoch = -1, .nr_topics = 2,
		.topics = ft, .nr_forgotten = 1, .forgotten = &fg,
		.rack_id = KAFKA_STR("rack-1"),
	};
	const struct kafka_fetch_part *g, *want;
	struct kafka_request r;
	struct t_out o = { 0 };
	uint32_t i, j;
	int v;

	(void)state;
	for (v = 4; v <= 11; v++) {
		o.len = 0;
		t_fetch_req(&o, v, v, &f);
		assert_int_equal(decode(&o, &r), 0);
		assert_int_equal(r.fetch.replica_id, -1);
		assert_int_equal(r.fetch.max_wait_ms, 500);
		assert_int_equal(r.fetch.min_bytes, 1);
		assert_int_equal(r.fetch.max_bytes, 52428800);
		assert_int_equal(r.fetch.isolation_level, 1);
		assert_int_equal(r.fetch.session_id, 0);
		assert_int_equal(r.fetch.session_epoch, -1);
		assert_int_equal(r.fetch.nr_topics, 2);
		for (i = 0; i < 2; i++) {
			assert_str_eq(&r.fetch.topics[i].name, &ft[i].name);
			assert_int_equal(r.fetch.topics[i].nr_partitions,
					 ft[i].nr_partitions);
			for (j = 0; j < ft[i].nr_partitions; j++) {
				g = &r.fetch.topics[i].partitions[j];
				want = &ft[i].partitions[j];
				assert_int_equal(g->partition,
						 want->partition);
				assert_int_equal(g->fetch_offset,
						 want->fetch_offset);
				assert_int_equal(g->partition_max_bytes,
						 want->partition_max_bytes);
				/* absent fields get Kafka's defaults */
				assert_int_equal(g->current_leader_epoch,
					v >= 9 ? want->current_leader_epoch
					       : -1);
				assert_int_equal(g->log_start_offset,
					v >= 5 ? want->log_start_offset : -1);
			}
		}
		if (v >= 7) {
			assert_int_equal(r.fetch.nr_forgotten, 1);
			assert_str_eq(&r.fetch.forgotten[0].name, &fg.name);
			assert_int_equal(r.fetch.forgotten[0].nr_partitions, 2);
			assert_int_equal(r.fetch.forgotten[0].partitions[1], 9);
		} else {
			assert_int_equal(r.fetch.nr_forgotten, 0);
		}
		if (v >= 11)
			assert_true(kafka_str_eq(&r.fetch.rack_id, "rack-1"));
		else
			assert_true(kafka_str_eq(&r.fetch.rack_id, ""));
		assert_int_equal(kafka_fetch_session_error(&r.fetch), 0);
		kafka_request_exit(&r);
	}
	t_out_free(&o);
}

static void fetch_sessions(void **state)
{
	struct kafka_fetch_req f = { .session_epoch = -1 };

	(void)state;
	assert_int_equal(kafka_fetch_session_error(&f), KAFKA_NONE);
	f.session_epoch = 0;		/* asks for a new session */
	assert_int_equal(kafka_fetch_session_error(&f), KAFKA_NONE);
	f.session_id = 12;
	f.session_epoch = 1;		/* incremental */
	assert_int_equal(kafka_fetch_session_error(&f),
			 KAFKA_FETCH_SESSION_ID_NOT_FOUND);
	f.session_epoch = -5;
	assert_int_equal(kafka_fetch_session_error(&f),
			 KAFKA_FETCH_SESSION_ID_NOT_FOUND);
}

static void list_offsets_req(void **state)
{
	struct kafka_list_offsets_part lp[3] = {
		{ 0, KAFKA_OFFSET_LATEST }, { 1, KAFKA_OFFSET_EARLIEST },
		{ 2, 1700000000123 },
	};
	struct kafka_list_offsets_topic lt = { KAFKA_STR("t"), 3, lp };
	struct kafka_list_offsets_req l = { -1, 1, 1, &lt };
	const struct kafka_list_offsets_part *got;
	struct kafka_request r;
	struct t_out o = { 0 };
	uint32_t j;
	int v;

	(void)state;
	for (v = 1; v <= 2; v++) {
		o.len = 0;
		t_list_offsets_req(&o, v, v, &l);
		assert_int_equal(decode(&o, &r), 0);
		assert_int_equal(r.list_offsets.replica_id, -1);
		assert_int_equal(r.list_offsets.isolation_level, v >= 2);
		assert_int_equal(r.list_offsets.nr_topics, 1);
		assert_int_equal(r.list_offsets.topics[0].nr_partitions, 3);
		for (j = 0; j < 3; j++) {
			got = &r.list_offsets.topics[0].partitions[j];
			assert_int_equal(got->partition, lp[j].partition);
			assert_int_equal(got->timestamp, lp[j].timestamp);
		}
		kafka_request_exit(&r);
	}
	t_out_free(&o);
}

/* Versions outside the table are refused before the body is read. */
static void unsupported_versions(void **state)
{
	static const struct { int key, lo, hi; } cases[] = {
		{ KAFKA_API_PRODUCE, -1, 8 }, { KAFKA_API_FETCH, 3, 12 },
		{ KAFKA_API_LIST_OFFSETS, 0, 3 }, { KAFKA_API_METADATA, -1, 5 },
		{ KAFKA_API_API_VERSIONS, -1, 3 },
		{ KAFKA_API_FIND_COORDINATOR, -1, 3 },
		{ KAFKA_API_OFFSET_COMMIT, -1, 8 },
		{ KAFKA_API_OFFSET_FETCH, -1, 6 },
	};
	struct kafka_request r;
	struct t_out o = { 0 };
	unsigned int i;
	size_t s;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		o.len = 0;
		s = t_req_begin(&o, cases[i].key, cases[i].lo, 5, NULL);
		t_req_end(&o, s);
		assert_int_equal(decode(&o, &r), -ENOTSUP);
		assert_int_equal(r.hdr.correlation_id, 5);
		assert_true(kafka_str_is_null(&r.hdr.client_id));
		kafka_request_exit(&r);
		o.len = 0;
		s = t_req_begin(&o, cases[i].key, cases[i].hi, 6, "x");
		t_req_end(&o, s);
		assert_int_equal(decode(&o, &r), -ENOTSUP);
		kafka_request_exit(&r);
	}
	/* keys outside the table: unknown, or known but not served */
	for (i = 0; i < 3; i++) {
		static const int keys[] = { 24, 99, -1 };

		o.len = 0;
		s = t_req_begin(&o, keys[i], 0, 8, "x");
		t_req_end(&o, s);
		assert_int_equal(decode(&o, &r), -ENOPROTOOPT);
		assert_int_equal(r.hdr.api_key, keys[i]);
		assert_int_equal(r.hdr.correlation_id, 8);
		kafka_request_exit(&r);
	}
	/* the per-API decoders check their own range too */
	{
		struct kafka_arena a;
		struct zc_view v;
		union {
			struct kafka_metadata_req m;
			struct kafka_produce_req p;
			struct kafka_fetch_req f;
			struct kafka_list_offsets_req l;
		} u;

		kafka_arena_init(&a);
		zc_view_init(&v, NULL, 0);
		assert_int_equal(kafka_metadata_req_decode(&v, 5, &u.m, &a),
				 -ENOTSUP);
		assert_int_equal(kafka_produce_req_decode(&v, 8, &u.p, &a),
				 -ENOTSUP);
		assert_int_equal(kafka_fetch_req_decode(&v, 3, &u.f, &a),
				 -ENOTSUP);
		assert_int_equal(kafka_list_offsets_req_decode(&v, 0, &u.l,
							       &a), -ENOTSUP);
		kafka_arena_exit(&a);
	}
	t_out_free(&o);
}

/* The codec's own limits contain the advertised table. */
static void table_within_codec(void **state)
{
	static const struct { int key, lo, hi; } codec[] = {
		{ KAFKA_API_PRODUCE, KAFKA_PRODUCE_MIN, KAFKA_PRODUCE_MAX },
		{ KAFKA_API_FETCH, KAFKA_FETCH_MIN, KAFKA_FETCH_MAX },
		{ KAFKA_API_LIST_OFFSETS, KAFKA_LIST_OFFSETS_MIN,
		  KAFKA_LIST_OFFSETS_MAX },
		{ KAFKA_API_METADATA, KAFKA_METADATA_MIN, KAFKA_METADATA_MAX },
		{ KAFKA_API_API_VERSIONS, KAFKA_API_VERSIONS_MIN,
		  KAFKA_API_VERSIONS_MAX },
		{ KAFKA_API_FIND_COORDINATOR, KAFKA_FIND_COORDINATOR_MIN,
		  KAFKA_FIND_COORDINATOR_MAX },
		{ KAFKA_API_OFFSET_COMMIT, KAFKA_OFFSET_COMMIT_MIN,
		  KAFKA_OFFSET_COMMIT_MAX },
		{ KAFKA_API_OFFSET_FETCH, KAFKA_OFFSET_FETCH_MIN,
		  KAFKA_OFFSET_FETCH_MAX },
		{ KAFKA_API_INIT_PRODUCER_ID, KAFKA_INIT_PRODUCER_ID_MIN,
		  KAFKA_INIT_PRODUCER_ID_MAX },
	};
	const struct kafka_api_range *a;
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(codec) / sizeof(codec[0]); i++) {
		a = kafka_api_find(codec[i].key);
		assert_non_null(a);
		assert_true(a->min >= codec[i].lo && a->max <= codec[i].hi);
	}
}

/* Frames back to back, split anywhere: kafka-python pipelines. */
static void pipelined_frames(void **state)
{
	struct kafka_metadata_req m = { .all_topics = true };
	struct kafka_request r;
	struct t_out o = { 0 };
	size_t off = 0, have;
	ssize_t n;
	int count = 0;

	(void)state;
	t_api_versions_req(&o, 0, 1);
	t_metadata_req(&o, 0, 2, &m);
	t_api_versions_req(&o, 2, 3);
	for (have = 0; have <= o.len; have++) {
		n = kafka_frame_size(o.p + off, have - off, 1024);
		assert_true(n >= 0);
		if (n == 0) {
			assert_true(have - off < 4);
			continue;
		}
		if ((size_t)n > have - off)
			continue;
		assert_int_equal(kafka_request_decode(&r, o.p + off + 4,
						      (size_t)n - 4), 0);
		assert_int_equal(r.hdr.correlation_id, ++count);
		kafka_request_exit(&r);
		off += (size_t)n;
	}
	assert_int_equal(count, 3);
	assert_int_equal(off, o.len);
	t_out_free(&o);
}

/* ---- response round trips ----------------------------------------- */

static void metadata_resp(void **state)
{
	static const int32_t reps[] = { 1, 2, 3 }, isr[] = { 1, 3 };
	const struct kafka_metadata_part parts[2] = {
		{ 0, 0, 1, 3, reps, 2, isr },
		{ KAFKA_LEADER_NOT_AVAILABLE, 1, -1, 0, NULL, 0, NULL },
	};
	const struct kafka_metadata_topic topics[2] = {
		{ 0, KAFKA_STR("orders"), true, 2, parts },
		{ KAFKA_UNKNOWN_TOPIC_OR_PARTITION, KAFKA_STR("nope"), false,
		  0, NULL },
	};
	const struct kafka_metadata_broker brokers[2] = {
		{ 1, KAFKA_STR("localhost"), 9092, KAFKA_STR("r1") },
		{ 2, KAFKA_STR("127.0.0.1"), 19092, KAFKA_STR_NULL },
	};
	const struct kafka_metadata_resp in = {
		.throttle_time_ms = 7, .nr_brokers = 2, .brokers = brokers,
		.cluster_id = KAFKA_STR("zcio"), .controller_id = 1,
		.nr_topics = 2, .topics = topics,
	};
	struct kafka_metadata_resp out;
	struct kafka_arena a;
	struct kafka_wbuf w;
	struct zc_view v;
	uint32_t i, j;
	int ver;

	(void)state;
	for (ver = 0; ver <= 4; ver++) {
		kafka_wbuf_init(&w);
		kafka_arena_init(&a);
		assert_int_equal(kafka_metadata_resp_encode(&w, ver, ver, &in),
				 0);
		assert_int_equal(t_resp_open(&v, w.p, w.len, ver), 0);
		assert_int_equal(t_metadata_resp(&v, ver, &out, &a), 0);
		assert_int_equal(out.throttle_time_ms, ver >= 3 ? 7 : 0);
		assert_int_equal(out.nr_brokers, 2);
		for (i = 0; i < 2; i++) {
			assert_int_equal(out.brokers[i].node_id,
					 brokers[i].node_id);
			assert_str_eq(&out.brokers[i].host, &brokers[i].host);
			assert_int_equal(out.brokers[i].port, brokers[i].port);
			if (ver >= 1)
				assert_str_eq(&out.brokers[i].rack,
					      &brokers[i].rack);
		}
		if (ver >= 2)
			assert_true(kafka_str_eq(&out.cluster_id, "zcio"));
		assert_int_equal(out.controller_id, ver >= 1 ? 1 : -1);
		assert_int_equal(out.nr_topics, 2);
		for (i = 0; i < 2; i++) {
			assert_int_equal(out.topics[i].error, topics[i].error);
			assert_str_eq(&out.topics[i].name, &topics[i].name);
			assert_int_equal(out.topics[i].is_internal,
					 ver >= 1 && topics[i].is_internal);
			assert_int_equal(out.topics[i].nr_partitions,
					 topics[i].nr_partitions);
		}
		for (j = 0; j < 2; j++) {
			const struct kafka_metadata_part *p =
				&out.topics[0].partitions[j];

			assert_int_equal(p->error, parts[j].error);
			assert_int_equal(p->partition, parts[j].partition);
			assert_int_equal(p->leader, parts[j].leader);
			assert_int_equal(p->nr_replicas, parts[j].nr_replicas);
			assert_int_equal(p->nr_isr, parts[j].nr_isr);
			if (p->nr_replicas)
				assert_memory_equal(p->replicas, reps,
						    sizeof(reps));
			if (p->nr_isr)
				assert_memory_equal(p->isr, isr, sizeof(isr));
		}
		kafka_arena_exit(&a);
		kafka_wbuf_exit(&w);
	}
}

static void produce_resp(void **state)
{
	const struct kafka_produce_part_resp parts[2] = {
		{ 0, 0, 1000, -1, 10 },
		{ 3, KAFKA_CORRUPT_MESSAGE, -1, -1, -1 },
	};
	const struct kafka_produce_topic_resp topic = {
		KAFKA_STR("t"), 2, parts,
	};
	const struct kafka_produce_resp in = { 1, &topic, 3 };
	struct kafka_produce_resp out;
	struct kafka_arena a;
	struct kafka_wbuf w;
	struct zc_view v;
	uint32_t j;
	int ver;

	(void)state;
	for (ver = 3; ver <= 7; ver++) {
		kafka_wbuf_init(&w);
		kafka_arena_init(&a);
		assert_int_equal(kafka_produce_resp_encode(&w, ver, 9, &in), 0);
		assert_int_equal(t_resp_open(&v, w.p, w.len, 9), 0);
		assert_int_equal(t_produce_resp(&v, ver, &out, &a), 0);
		assert_int_equal(out.throttle_time_ms, 3);
		assert_int_equal(out.nr_topics, 1);
		assert_true(kafka_str_eq(&out.topics[0].name, "t"));
		assert_int_equal(out.topics[0].nr_partitions, 2);
		for (j = 0; j < 2; j++) {
			const struct kafka_produce_part_resp *p =
				&out.topics[0].partitions[j];

			assert_int_equal(p->partition, parts[j].partition);
			assert_int_equal(p->error, parts[j].error);
			assert_int_equal(p->base_offset, parts[j].base_offset);
			assert_int_equal(p->log_append_time,
					 parts[j].log_append_time);
			assert_int_equal(p->log_start_offset, ver >= 5 ?
					 parts[j].log_start_offset : -1);
		}
		kafka_arena_exit(&a);
		kafka_wbuf_exit(&w);
	}
}

static void list_offsets_resp(void **state)
{
	const struct kafka_list_offsets_part_resp parts[2] = {
		{ 0, 0, 1700000000000, 17 }, { 1, 0, -1, -1 },
	};
	const struct kafka_list_offsets_topic_resp topic = {
		KAFKA_STR("t"), 2, parts,
	};
	const struct kafka_list_offsets_resp in = { 4, 1, &topic };
	struct kafka_list_offsets_resp out;
	struct kafka_arena a;
	struct kafka_wbuf w;
	struct zc_view v;
	int ver;

	(void)state;
	for (ver = 1; ver <= 2; ver++) {
		kafka_wbuf_init(&w);
		kafka_arena_init(&a);
		assert_int_equal(kafka_list_offsets_resp_encode(&w, ver, 1,
								&in), 0);
		assert_int_equal(t_resp_open(&v, w.p, w.len, 1), 0);
		assert_int_equal(t_list_offsets_resp(&v, ver, &out, &a), 0);
		assert_int_equal(out.throttle_time_ms, ver >= 2 ? 4 : 0);
		assert_int_equal(out.topics[0].nr_partitions, 2);
		assert_int_equal(out.topics[0].partitions[0].timestamp,
				 1700000000000);
		assert_int_equal(out.topics[0].partitions[0].offset, 17);
		assert_int_equal(out.topics[0].partitions[1].offset, -1);
		kafka_arena_exit(&a);
		kafka_wbuf_exit(&w);
	}
}

static void api_versions_resp(void **state)
{
	struct kafka_wbuf w;
	struct zc_view v;
	int16_t err, key, lo, hi;
	int32_t n, throttle;
	int ver, i;

	(void)state;
	for (ver = 0; ver <= 2; ver++) {
		kafka_wbuf_init(&w);
		assert_int_equal(kafka_api_versions_resp_encode(&w, ver, 3,
						KAFKA_INVALID_REQUEST), 0);
		assert_int_equal(t_resp_open(&v, w.p, w.len, 3), 0);
		zc_view_i16be(&v, &err);
		zc_view_i32be(&v, &n);
		assert_int_equal(err, KAFKA_INVALID_REQUEST);
		assert_int_equal(n, kafka_nr_apis);
		for (i = 0; i < n; i++) {
			zc_view_i16be(&v, &key);
			zc_view_i16be(&v, &lo);
			zc_view_i16be(&v, &hi);
			assert_int_equal(key, kafka_apis[i].key);
			assert_int_equal(lo, kafka_apis[i].min);
			assert_int_equal(hi, kafka_apis[i].max);
		}
		if (ver >= 1) {
			zc_view_i32be(&v, &throttle);
			assert_int_equal(throttle, 0);
		}
		assert_int_equal(zc_view_error(&v), 0);
		assert_int_equal(zc_view_left(&v), 0);
		kafka_wbuf_exit(&w);
	}
}

/*
 * Fetch, every version: three partitions (records from a file in two
 * ranges, none, and memory), both isolation levels; the chain alternates
 * memory and record pieces and reads back as the client expects.
 */
static void fetch_resp(void **state)
{
	static const char file[] = "0123456789abcdefghij";
	static char mem[] = "MEMORY";
	struct kafka_records_range r0[2] = {
		{ .off = 0, .len = 4 }, { .off = 10, .len = 6 },
	}, r2 = { .off = 1, .len = 4 };
	struct kafka_fetch_part_resp parts[3] = {
		{ 0, 0, 100, 100, 0, 2, r0 },
		{ 1, KAFKA_OFFSET_OUT_OF_RANGE, 50, 50, 5, 0, NULL },
		{ 2, 0, 7, 7, 0, 1, &r2 },
	};
	const struct kafka_fetch_topic_resp topics[2] = {
		{ KAFKA_STR("t0"), 2, parts },
		{ KAFKA_STR("t1"), 1, parts + 2 },
	};
	struct kafka_fetch_resp in = {
		.throttle_time_ms = 1, .nr_topics = 2, .topics = topics,
	};
	struct t_fetch_resp out;
	struct zc_buf *fb, *mb;
	struct kafka_arena a;
	struct zc_chain c;
	struct zc_view v;
	uint8_t *flat;
	size_t len;
	int fd, err, ver, iso;

	(void)state;
	fd = t_memfd(0, 0);
	assert_int_equal(pwrite(fd, file, 20, 0), 20);
	fb = zc_buf_file(fd, 1, &err);
	mb = zc_buf_wrap(mem, 6, NULL, NULL, &err);
	assert_non_null(fb);
	assert_non_null(mb);
	r0[0].buf = r0[1].buf = fb;
	r2.buf = mb;
	for (ver = 4; ver <= 11; ver++) {
		for (iso = 0; iso <= 1; iso++) {
			in.isolation_level = (int8_t)iso;
			zc_chain_init(&c);
			kafka_arena_init(&a);
			assert_int_equal(kafka_fetch_resp_encode(&c, ver, 5,
								 &in), 0);
			/* [mem][file][file][mem][mem-records] */
			assert_int_equal(zc_chain_pieces(&c), 5);
			flat = t_chain_flatten(&c, &len);
			assert_int_equal(t_resp_open(&v, flat, len, 5), 0);
			assert_int_equal(t_fetch_resp(&v, ver, &out, &a), 0);
			assert_int_equal(out.throttle, 1);
			assert_int_equal(out.error, 0);
			assert_int_equal(out.session_id, 0);
			assert_int_equal(out.n, 2);
			assert_int_equal(out.topics[0].n, 2);
			assert_int_equal(out.topics[0].parts[0].records.len,
					 10);
			assert_memory_equal(out.topics[0].parts[0].records.p,
					    "0123abcdef", 10);
			assert_int_equal(out.topics[0].parts[0].hwm, 100);
			assert_int_equal(out.topics[0].parts[0].lso, 100);
			assert_int_equal(out.topics[0].parts[0].aborted,
					 iso ? 0 : -1);
			assert_int_equal(out.topics[0].parts[0].preferred, -1);
			assert_int_equal(out.topics[0].parts[1].error,
					 KAFKA_OFFSET_OUT_OF_RANGE);
			assert_int_equal(out.topics[0].parts[1].log_start,
					 ver >= 5 ? 5 : -1);
			/* no records: empty, never null */
			assert_int_equal(out.topics[0].parts[1].records.len, 0);
			assert_int_equal(out.topics[1].parts[0].records.len, 4);
			assert_memory_equal(out.topics[1].parts[0].records.p,
					    "EMOR", 4);
			free(flat);
			kafka_arena_exit(&a);
			zc_chain_exit(&c);
		}
	}
	/* adjacent ranges of one file are sent by one sendfile */
	r0[1].off = 4;
	zc_chain_init(&c);
	assert_int_equal(kafka_fetch_resp_encode(&c, 11, 5, &in), 0);
	assert_int_equal(zc_chain_pieces(&c), 4);
	zc_chain_exit(&c);
	assert_int_equal(zc_buf_refs(fb), 1);
	assert_int_equal(zc_buf_refs(mb), 1);
	zc_buf_unref(fb);
	zc_buf_unref(mb);
}

/* Records from a bare fd, and a session error with no topics. */
static void fetch_resp_fd(void **state)
{
	struct kafka_records_range rr = { .buf = NULL, .off = 3, .len = 2 };
	const struct kafka_fetch_part_resp part = {
		0, 0, 1, 1, 0, 1, &rr,
	};
	const struct kafka_fetch_topic_resp topic = {
		KAFKA_STR("t"), 1, &part,
	};
	struct kafka_fetch_resp in = { .nr_topics = 1, .topics = &topic };
	struct t_fetch_resp out;
	struct kafka_arena a;
	struct zc_chain c;
	struct zc_view v;
	uint8_t *flat;
	size_t len;

	(void)state;
	rr.fd = t_memfd(0, 0);
	assert_int_equal(pwrite(rr.fd, "abcdefg", 7, 0), 7);
	zc_chain_init(&c);
	kafka_arena_init(&a);
	assert_int_equal(kafka_fetch_resp_encode(&c, 7, 1, &in), 0);
	flat = t_chain_flatten(&c, &len);
	assert_int_equal(t_resp_open(&v, flat, len, 1), 0);
	assert_int_equal(t_fetch_resp(&v, 7, &out, &a), 0);
	assert_memory_equal(out.topics[0].parts[0].records.p, "de", 2);
	free(flat);
	zc_chain_clear(&c);

	in.error = KAFKA_FETCH_SESSION_ID_NOT_FOUND;
	in.nr_topics = 0;
	assert_int_equal(kafka_fetch_resp_encode(&c, 7, 2, &in), 0);
	flat = t_chain_flatten(&c, &len);
	assert_int_equal(t_resp_open(&v, flat, len, 2), 0);
	assert_int_equal(t_fetch_resp(&v, 7, &out, &a), 0);
	assert_int_equal(out.error, KAFKA_FETCH_SESSION_ID_NOT_FOUND);
	assert_int_equal(out.n, 0);
	free(flat);
	kafka_arena_exit(&a);
	zc_chain_exit(&c);
	close(rr.fd);
}

/* ---- encoder errors and buffers --------------------------------------- */

static void encode_errors(void **state)
{
	static char big[40000];
	struct kafka_produce_topic_resp topic = { { big, 40000 }, 0, NULL };
	struct kafka_produce_resp pr = { 1, &topic, 0 };
	struct kafka_records_range huge = { .fd = 0, .len = 1u << 31 };
	struct kafka_fetch_part_resp fp = { .nr_ranges = 1, .ranges = &huge };
	struct kafka_fetch_topic_resp ft = { KAFKA_STR("t"), 1, &fp };
	struct kafka_fetch_resp fr = { .nr_topics = 1, .topics = &ft };
	struct kafka_metadata_resp mr = { 0 };
	struct kafka_wbuf w;
	struct zc_chain c;

	(void)state;
	kafka_wbuf_init(&w);
	/* one good response, then failures that leave it intact */
	assert_int_equal(kafka_metadata_resp_encode(&w, 0, 1, &mr), 0);
	assert_int_equal(w.len, 16);
	assert_int_equal(kafka_produce_resp_encode(&w, 7, 2, &pr),
			 -EOVERFLOW);
	assert_int_equal(w.len, 16);
	assert_int_equal(w.err, 0);
	assert_int_equal(kafka_metadata_resp_encode(&w, 5, 1, &mr), -EINVAL);
	assert_int_equal(kafka_produce_resp_encode(&w, 8, 1, &pr), -EINVAL);
	assert_int_equal(kafka_list_offsets_resp_encode(&w, 0, 1, NULL),
			 -EINVAL);
	assert_int_equal(w.len, 16);
	kafka_wbuf_exit(&w);

	zc_chain_init(&c);
	assert_int_equal(kafka_fetch_resp_encode(&c, 12, 1, &fr), -EINVAL);
	assert_int_equal(kafka_fetch_resp_encode(&c, 11, 1, &fr), -EOVERFLOW);
	huge.len = 1u << 30;
	fp.nr_ranges = 1;
	ft.nr_partitions = 1;
	{
		/* two partitions of 1 GiB: each fits, the frame does not */
		struct kafka_fetch_part_resp two[2] = { fp, fp };

		ft.nr_partitions = 2;
		ft.partitions = two;
		assert_int_equal(kafka_fetch_resp_encode(&c, 11, 1, &fr),
				 -EOVERFLOW);
	}
	huge.off = -1;
	huge.len = 1;
	ft.nr_partitions = 1;
	ft.partitions = &fp;
	assert_int_equal(kafka_fetch_resp_encode(&c, 11, 1, &fr), -EINVAL);
	assert_int_equal(zc_chain_pieces(&c), 0);
	zc_chain_exit(&c);
}

static void wbuf_modes(void **state)
{
	struct kafka_str s = KAFKA_STR("abc");
	uint8_t fixed[6];
	struct kafka_wbuf w;
	struct zc_chain c;
	uint8_t *flat;
	size_t len;

	(void)state;
	kafka_wbuf_init_count(&w);
	kafka_put_str(&w, &s);
	kafka_put_i64(&w, 1);
	assert_null(kafka_wbuf_extend(&w, 3));
	assert_int_equal(w.len, 16);
	assert_int_equal(w.err, 0);

	kafka_wbuf_init_fixed(&w, fixed, sizeof(fixed));
	kafka_put_str(&w, &s);
	assert_int_equal(w.len, 5);
	kafka_put_i16(&w, 1);
	assert_int_equal(w.err, -ENOBUFS);
	assert_memory_equal(fixed, "\0\3abc", 5);

	kafka_wbuf_init(&w);
	kafka_put_bytes(&w, NULL, -1);
	kafka_put_bytes(&w, "xy", 2);
	kafka_put_count(&w, (size_t)INT32_MAX + 1);
	assert_int_equal(w.err, -EOVERFLOW);
	kafka_wbuf_reset(&w);
	assert_int_equal(w.len, 0);
	assert_int_equal(w.err, 0);
	/* two responses in one wbuf leave as one memory piece */
	kafka_api_versions_resp_encode(&w, 0, 1, 0);
	kafka_api_versions_resp_encode(&w, 1, 2, 0);
	len = w.len;
	zc_chain_init(&c);
	assert_int_equal(kafka_wbuf_to_chain(&w, &c), 0);
	assert_null(w.p);
	assert_int_equal(zc_chain_pieces(&c), 1);
	assert_int_equal(zc_chain_bytes(&c), len);
	flat = t_chain_flatten(&c, &len);
	assert_int_equal(flat[7], 1);
	/* the second starts after the first: 4 + its size field */
	assert_int_equal(flat[4 + (flat[2] << 8 | flat[3]) + 7], 2);
	free(flat);
	/* empty: nothing appended */
	assert_int_equal(kafka_wbuf_to_chain(&w, &c), 0);
	assert_int_equal(zc_chain_pieces(&c), 1);
	zc_chain_exit(&c);
	kafka_wbuf_exit(&w);
}

static void topic_names(void **state)
{
	static char long_name[251];
	struct kafka_str s;

	(void)state;
	s = KAFKA_STR("orders.v1_x-Y9");
	assert_true(kafka_topic_name_valid(&s));
	s = KAFKA_STR("");
	assert_false(kafka_topic_name_valid(&s));
	s = KAFKA_STR(".");
	assert_false(kafka_topic_name_valid(&s));
	s = KAFKA_STR("..");
	assert_false(kafka_topic_name_valid(&s));
	s = KAFKA_STR("...");
	assert_true(kafka_topic_name_valid(&s));
	s = KAFKA_STR("a/b");
	assert_false(kafka_topic_name_valid(&s));
	s = KAFKA_STR("a b");
	assert_false(kafka_topic_name_valid(&s));
	s = KAFKA_STR_NULL;
	assert_false(kafka_topic_name_valid(&s));
	memset(long_name, 'a', sizeof(long_name));
	s = (struct kafka_str){ long_name, 249 };
	assert_true(kafka_topic_name_valid(&s));
	s.len = 250;
	assert_false(kafka_topic_name_valid(&s));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(api_table),
		cmocka_unit_test(table_within_codec),
		cmocka_unit_test(err_names),
		cmocka_unit_test(golden_api_versions),
		cmocka_unit_test(golden_api_versions_v3),
		cmocka_unit_test(golden_metadata_v1),
		cmocka_unit_test(golden_produce_v7),
		cmocka_unit_test(golden_produce_v0_v2),
		cmocka_unit_test(golden_list_offsets_v2),
		cmocka_unit_test(golden_fetch_v11),
		cmocka_unit_test(api_versions_req),
		cmocka_unit_test(metadata_req),
		cmocka_unit_test(produce_req),
		cmocka_unit_test(fetch_req),
		cmocka_unit_test(fetch_sessions),
		cmocka_unit_test(list_offsets_req),
		cmocka_unit_test(unsupported_versions),
		cmocka_unit_test(pipelined_frames),
		cmocka_unit_test(api_versions_resp),
		cmocka_unit_test(metadata_resp),
		cmocka_unit_test(produce_resp),
		cmocka_unit_test(list_offsets_resp),
		cmocka_unit_test(fetch_resp),
		cmocka_unit_test(fetch_resp_fd),
		cmocka_unit_test(encode_errors),
		cmocka_unit_test(wbuf_modes),
		cmocka_unit_test(topic_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
