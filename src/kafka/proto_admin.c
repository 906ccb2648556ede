/* SPDX-License-Identifier: MIT */
/*
 * kafka/proto_admin.c - CreateTopics 0-4 and DeleteTopics 0-3, both
 * directions (proto_admin.h): the broker's decoders and encoders, and the
 * command-line client's, which also serve as the tests' reference.
 */
#include <errno.h>
#include <string.h>

#include "kafka/proto.h"
#include "kafka/proto_admin.h"
#include "kafka/proto_int.h"

/* Smallest wire sizes of the array elements, for kafka_read_count. */
#define CT_TOPIC_MIN 16		/* name 2, partitions 4, rf 2, 2 counts */
#define CT_ASSIGN_MIN 8		/* partition 4, broker count 4 */
#define CT_CONFIG_MIN 4		/* name 2, value 2 */
#define CT_RESULT_MIN 4		/* name 2, error 2 (+ message 2 from v1) */
#define DT_NAME_MIN 2
#define DT_RESULT_MIN 4		/* name 2, error 2 */

size_t kafka_req_begin(struct kafka_wbuf *w, int16_t key, int16_t version,
		       int32_t correlation_id,
		       const struct kafka_str *client_id)
{
	size_t start = w->len;

	kafka_put_i32(w, 0);
	kafka_put_i16(w, key);
	kafka_put_i16(w, version);
	kafka_put_i32(w, correlation_id);
	kafka_put_str(w, client_id);
	return start;
}

/* ---- CreateTopics: decoding a request -------------------------------- */

static int assign_decode(struct zc_view *v, struct kafka_create_assignment *x,
			 struct kafka_arena *a)
{
	zc_view_i32be(v, &x->partition);
	return kafka__read_i32_array(v, a, &x->brokers, &x->nr_brokers);
}

static int configs_decode(struct zc_view *v, struct kafka_create_topic *t,
			  struct kafka_arena *a)
{
	uint32_t i;
	int ret;

	t->configs = kafka__read_array(v, CT_CONFIG_MIN, sizeof(*t->configs), a,
				       &t->nr_configs, &ret);
	if (!t->configs)
		return ret;
	for (i = 0; i < t->nr_configs; i++)
		if (kafka_read_str_nn(v, &t->configs[i].name) ||
		    kafka_read_str(v, &t->configs[i].value))
			return -EBADMSG;
	return 0;
}

static int ct_topic_decode(struct zc_view *v, struct kafka_create_topic *t,
			   struct kafka_arena *a)
{
	uint32_t i;
	int ret;

	if (kafka_read_str_nn(v, &t->name))
		return -EBADMSG;
	zc_view_i32be(v, &t->num_partitions);
	zc_view_i16be(v, &t->replication_factor);
	t->assignments = kafka__read_array(v, CT_ASSIGN_MIN,
					   sizeof(*t->assignments), a,
					   &t->nr_assignments, &ret);
	if (!t->assignments)
		return ret;
	for (i = 0; i < t->nr_assignments; i++) {
		ret = assign_decode(v, &t->assignments[i], a);
		if (ret)
			return ret;
	}
	return configs_decode(v, t, a);
}

int kafka_create_topics_req_decode(struct zc_view *v, int version,
				   struct kafka_create_topics_req *r,
				   struct kafka_arena *a)
{
	uint32_t i;
	int8_t vo = 0;
	int ret;

	memset(r, 0, sizeof(*r));
	if (!kafka__in(version, KAFKA_CREATE_TOPICS_MIN,
		       KAFKA_CREATE_TOPICS_MAX))
		return -ENOTSUP;
	r->topics = kafka__read_array(v, CT_TOPIC_MIN, sizeof(*r->topics), a,
				      &r->nr_topics, &ret);
	if (!r->topics)
		return ret;
	for (i = 0; i < r->nr_topics; i++) {
		ret = ct_topic_decode(v, &r->topics[i], a);
		if (ret)
			return ret;
	}
	zc_view_i32be(v, &r->timeout_ms);
	if (version >= 1)
		zc_view_i8(v, &vo);
	r->validate_only = vo != 0;
	return kafka__req_done(v);
}

/* ---- CreateTopics: encoding a request (the client) ------------------- */

static void ct_topic_put(struct kafka_wbuf *w,
			 const struct kafka_create_topic *t)
{
	const struct kafka_create_assignment *x;
	uint32_t i, j;

	kafka_put_str(w, &t->name);
	kafka_put_i32(w, t->num_partitions);
	kafka_put_i16(w, t->replication_factor);
	kafka_put_count(w, t->nr_assignments);
	for (i = 0; i < t->nr_assignments; i++) {
		x = &t->assignments[i];
		kafka_put_i32(w, x->partition);
		kafka_put_count(w, x->nr_brokers);
		for (j = 0; j < x->nr_brokers; j++)
			kafka_put_i32(w, x->brokers[j]);
	}
	kafka_put_count(w, t->nr_configs);
	for (i = 0; i < t->nr_configs; i++) {
		kafka_put_str(w, &t->configs[i].name);
		kafka_put_str(w, &t->configs[i].value);
	}
}

int kafka_create_topics_req_encode(struct kafka_wbuf *w, int version,
				   int32_t correlation_id,
				   const struct kafka_str *client_id,
				   const struct kafka_create_topics_req *r)
{
	uint32_t i;
	size_t start;

	if (!kafka__in(version, KAFKA_CREATE_TOPICS_MIN,
		       KAFKA_CREATE_TOPICS_MAX))
		return -EINVAL;
	start = kafka_req_begin(w, KAFKA_API_CREATE_TOPICS, (int16_t)version,
				correlation_id, client_id);
	kafka_put_count(w, r->nr_topics);
	for (i = 0; i < r->nr_topics; i++)
		ct_topic_put(w, &r->topics[i]);
	kafka_put_i32(w, r->timeout_ms);
	if (version >= 1)
		kafka_put_i8(w, r->validate_only ? 1 : 0);
	return kafka_resp_end(w, start, 0);
}

/* ---- CreateTopics: the response, both ways -------------------------- */

int kafka_create_topics_resp_encode(struct kafka_wbuf *w, int version,
				    int32_t correlation_id,
				    const struct kafka_create_topics_resp *r)
{
	const struct kafka_create_topic_resp *t;
	uint32_t i;
	size_t start;

	if (!kafka__in(version, KAFKA_CREATE_TOPICS_MIN,
		       KAFKA_CREATE_TOPICS_MAX))
		return -EINVAL;
	start = kafka_resp_begin(w, correlation_id);
	if (version >= 2)
		kafka_put_i32(w, r->throttle_time_ms);
	kafka_put_count(w, r->nr_topics);
	for (i = 0; i < r->nr_topics; i++) {
		t = &r->topics[i];
		kafka_put_str(w, &t->name);
		kafka_put_i16(w, t->error);
		if (version >= 1)
			kafka_put_str(w, &t->message);
	}
	return kafka_resp_end(w, start, 0);
}

int kafka_create_topics_resp_decode(struct zc_view *v, int version,
				    struct kafka_create_topics_resp *r,
				    struct kafka_arena *a)
{
	struct kafka_create_topic_resp *t;
	uint32_t i;
	int ret;

	memset(r, 0, sizeof(*r));
	if (!kafka__in(version, KAFKA_CREATE_TOPICS_MIN,
		       KAFKA_CREATE_TOPICS_MAX))
		return -ENOTSUP;
	if (version >= 2)
		zc_view_i32be(v, &r->throttle_time_ms);
	r->topics = kafka__read_array(v, CT_RESULT_MIN, sizeof(*r->topics), a,
				      &r->nr_topics, &ret);
	if (!r->topics)
		return ret;
	for (i = 0; i < r->nr_topics; i++) {
		t = &r->topics[i];
		t->message = KAFKA_STR_NULL;
		if (kafka_read_str_nn(v, &t->name) ||
		    zc_view_i16be(v, &t->error) ||
		    (version >= 1 && kafka_read_str(v, &t->message)))
			return -EBADMSG;
	}
	return kafka__req_done(v);
}

/* ---- DeleteTopics ----------------------------------------------------- */

int kafka_delete_topics_req_decode(struct zc_view *v, int version,
				   struct kafka_delete_topics_req *r,
				   struct kafka_arena *a)
{
	uint32_t i;
	int ret;

	memset(r, 0, sizeof(*r));
	if (!kafka__in(version, KAFKA_DELETE_TOPICS_MIN,
		       KAFKA_DELETE_TOPICS_MAX))
		return -ENOTSUP;
	r->topics = kafka__read_array(v, DT_NAME_MIN, sizeof(*r->topics), a,
				      &r->nr_topics, &ret);
	if (!r->topics)
		return ret;
	for (i = 0; i < r->nr_topics; i++)
		if (kafka_read_str_nn(v, &r->topics[i]))
			return -EBADMSG;
	zc_view_i32be(v, &r->timeout_ms);
	return kafka__req_done(v);
}

int kafka_delete_topics_req_encode(struct kafka_wbuf *w, int version,
				   int32_t correlation_id,
				   const struct kafka_str *client_id,
				   const struct kafka_delete_topics_req *r)
{
	uint32_t i;
	size_t start;

	if (!kafka__in(version, KAFKA_DELETE_TOPICS_MIN,
		       KAFKA_DELETE_TOPICS_MAX))
		return -EINVAL;
	start = kafka_req_begin(w, KAFKA_API_DELETE_TOPICS, (int16_t)version,
				correlation_id, client_id);
	kafka_put_count(w, r->nr_topics);
	for (i = 0; i < r->nr_topics; i++)
		kafka_put_str(w, &r->topics[i]);
	kafka_put_i32(w, r->timeout_ms);
	return kafka_resp_end(w, start, 0);
}

int kafka_delete_topics_resp_encode(struct kafka_wbuf *w, int version,
				    int32_t correlation_id,
				    const struct kafka_delete_topics_resp *r)
{
	uint32_t i;
	size_t start;

	if (!kafka__in(version, KAFKA_DELETE_TOPICS_MIN,
		       KAFKA_DELETE_TOPICS_MAX))
		return -EINVAL;
	start = kafka_resp_begin(w, correlation_id);
	if (version >= 1)
		kafka_put_i32(w, r->throttle_time_ms);
	kafka_put_count(w, r->nr_topics);
	for (i = 0; i < r->nr_topics; i++) {
		kafka_put_str(w, &r->topics[i].name);
		kafka_put_i16(w, r->topics[i].error);
	}
	return kafka_resp_end(w, start, 0);
}

int kafka_delete_topics_resp_decode(struct zc_view *v, int version,
				    struct kafka_delete_topics_resp *r,
				    struct kafka_arena *a)
{
	uint32_t i;
	int ret;

	memset(r, 0, sizeof(*r));
	if (!kafka__in(version, KAFKA_DELETE_TOPICS_MIN,
		       KAFKA_DELETE_TOPICS_MAX))
		return -ENOTSUP;
	if (version >= 1)
		zc_view_i32be(v, &r->throttle_time_ms);
	r->topics = kafka__read_array(v, DT_RESULT_MIN, sizeof(*r->topics), a,
				      &r->nr_topics, &ret);
	if (!r->topics)
		return ret;
	for (i = 0; i < r->nr_topics; i++)
		if (kafka_read_str_nn(v, &r->topics[i].name) ||
		    zc_view_i16be(v, &r->topics[i].error))
			return -EBADMSG;
	return kafka__req_done(v);
}
