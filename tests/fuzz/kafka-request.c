/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/kafka-request.c - libFuzzer target for the Kafka codec of
 * `zcio broker` (src/kafka/): the fuzzer's bytes are what a client sends
 * on a connection, a stream of size-prefixed requests of any API key and
 * version, each decoded and, when it decodes, taken through what the
 * broker would do with it: its records validated, offsets assigned, and a
 * response encoded for it and read back as a client would. The raw bytes
 * are also a records blob for kafka_batch_validate, as they are and with
 * every batch's CRC fixed up so that the checks behind the CRC are
 * reached too.
 *
 * Invariants (fz_assert aborts: a crash for libFuzzer): decoders return
 * only their documented errors; everything decoded points inside the
 * frame; a decoded request re-encoded by the test client
 * (tests/fuzz/kafka-client.h) gives the same body bytes; every response
 * frame's size prefix equals its length and the client reads back what
 * was encoded; a valid blob stays valid after offsets are assigned and
 * after a LogAppendTime rewrite, and gets exactly nr_records offsets.
 *
 * Build: make fuzz (clang -fsanitize=fuzzer,address,undefined); the
 * suite replays the seeds and tests/fuzz/regress/kafka-request/ with the
 * normal compiler (tests/kafka-fuzz-run.c).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zcio/buf.h>
#include <zcio/chain.h>

#include "kafka/batch.h"
#include "kafka/crc32c.h"
#include "kafka/producer_state.h"
#include "kafka/proto.h"
#include "kafka/proto_admin.h"
#include "kafka/proto_producer.h"
#include "kafka-client.h"
#include "kafka-client-commit.h"
#include "kafka-client-group.h"

#define fz_assert(c)							\
	do {								\
		if (!(c)) {						\
			fprintf(stderr, "%s:%d: invariant failed: %s\n", \
				__FILE__, __LINE__, #c);		\
			abort();					\
		}							\
	} while (0)

#define FZ_MAX_FRAME (1 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *frame_lo, *frame_hi;

static void in_frame(const void *p, int32_t len)
{
	const uint8_t *c = p;

	if (len <= 0)
		return;
	fz_assert(c >= frame_lo && c <= frame_hi &&
		  (size_t)len <= (size_t)(frame_hi - c));
}

static void in_frame_str(const struct kafka_str *s)
{
	fz_assert(s->len >= -1 && s->len <= INT16_MAX);
	fz_assert((s->len < 0) == (s->p == NULL));
	in_frame(s->p, s->len);
}

/* The client's encoding of the decoded body equals the frame's body. */
static void same_body(struct t_out *o, const struct zc_view *body,
		      size_t skip_tail)
{
	fz_assert(o->len >= T_REQ_HDR_LEN);
	fz_assert(o->len - T_REQ_HDR_LEN == body->len);
	fz_assert(!memcmp(o->p + T_REQ_HDR_LEN, body->p,
			  body->len - skip_tail));
	t_out_free(o);
}

/*
 * A request body decoder's value, which must be 0 (decoded) or -EBADMSG.
 * Returns true when it decoded; when not, exits @a (the decoder's arena,
 * or NULL) first.
 */
static bool decoded(int ret, struct kafka_arena *a)
{
	fz_assert(ret == 0 || ret == -EBADMSG);
	if (ret && a)
		kafka_arena_exit(a);
	return ret == 0;
}

/* Fixes the CRC of every whole batch in @p (a copy) so that the checks
 * behind it are reached. */
static void fix_crcs(uint8_t *p, size_t len)
{
	size_t off = 0;
	int64_t n;

	while (len - off >= KAFKA_BATCH_HDR_LEN) {
		n = kafka_batch_size_at(p + off, len - off);
		if (n < 0 || (uint64_t)n > len - off)
			return;
		t_batch_recrc(p + off);
		off += (size_t)n;
	}
}

static bool good_batch_err(int e)
{
	return e == KAFKA_NONE || e == KAFKA_CORRUPT_MESSAGE ||
	       e == KAFKA_INVALID_RECORD || e == KAFKA_MESSAGE_TOO_LARGE ||
	       e == KAFKA_UNSUPPORTED_COMPRESSION_TYPE;
}

/* What the log does with a valid blob; @p is a private copy. */
static void check_valid_blob(uint8_t *p, size_t len,
			     const struct kafka_batch_limits *lim,
			     const struct kafka_batch_info *info)
{
	struct kafka_batch_info again;
	struct kafka_batch_hdr h;
	int64_t next, expect = 1000;
	size_t off = 0;

	fz_assert(info->nr_batches >= 1 && info->nr_records >= 1);
	next = kafka_batch_assign_offsets(p, len, 1000, 7);
	fz_assert(next == 1000 + (int64_t)info->nr_records);
	while (off < len) {
		fz_assert(!kafka_batch_hdr_parse(p + off, len - off, &h));
		fz_assert(h.base_offset == expect);
		fz_assert(h.partition_leader_epoch == 7);
		fz_assert(kafka_batch_size_at(p + off, len - off) ==
			  kafka_batch_size(&h));
		expect = kafka_batch_last_offset(&h) + 1;
		off += (size_t)kafka_batch_size(&h);
	}
	fz_assert(off == len && expect == next);
	/* base offset and epoch are outside the CRC */
	fz_assert(kafka_batch_validate(p, len, lim, &again) == KAFKA_NONE);
	fz_assert(again.nr_records == info->nr_records);
	kafka_batch_set_log_append_time(p, len, 1767225600000);
	fz_assert(kafka_batch_validate(p, len, lim, &again) == KAFKA_NONE);
	fz_assert(!kafka_batch_hdr_parse(p, len, &h));
	fz_assert(kafka_batch_log_append_time(&h));
	fz_assert(kafka_batch_record_timestamp(&h, 5) == 1767225600000);
}

/* @data as a records blob, as is and with CRCs fixed, under @lim. */
static void check_blob(const uint8_t *data, size_t len,
		       const struct kafka_batch_limits *lim)
{
	struct kafka_batch_info info;
	uint8_t *copy;
	int e;

	e = kafka_batch_validate(data, len, lim, &info);
	fz_assert(good_batch_err(e));
	fz_assert(e || info.nr_batches >= 1);
	fz_assert(!e || info.bad_off < len || !len);
	copy = malloc(len ? len : 1);
	fz_assert(copy);
	if (len)
		memcpy(copy, data, len);
	fix_crcs(copy, len);
	e = kafka_batch_validate(copy, len, lim, &info);
	fz_assert(good_batch_err(e));
	fz_assert(e != KAFKA_CORRUPT_MESSAGE || info.bad_off < len);
	if (!e)
		check_valid_blob(copy, len, lim, &info);
	free(copy);
}

static void check_api_versions(const struct kafka_request *r)
{
	struct kafka_wbuf w;
	struct zc_view v;

	kafka_wbuf_init(&w);
	fz_assert(!kafka_api_versions_resp_encode(&w, r->hdr.api_version,
						  r->hdr.correlation_id, 0));
	fz_assert(!t_resp_open(&v, w.p, w.len, r->hdr.correlation_id));
	kafka_wbuf_exit(&w);
}

static void check_metadata(const struct kafka_request *r)
{
	const struct kafka_metadata_req *m = &r->metadata;
	struct kafka_metadata_topic *topics;
	struct kafka_metadata_resp resp = { 0 }, back;
	struct kafka_metadata_broker b = {
		1, KAFKA_STR("127.0.0.1"), 9092, KAFKA_STR_NULL,
	};
	int ver = r->hdr.api_version;
	struct kafka_arena a;
	struct t_out o = { 0 };
	struct kafka_wbuf w;
	struct zc_view v;
	uint32_t i;

	fz_assert(!m->all_topics || !m->nr_topics);
	for (i = 0; i < m->nr_topics; i++) {
		fz_assert(m->topics[i].len >= 0);
		in_frame_str(&m->topics[i]);
		kafka_topic_name_valid(&m->topics[i]);
	}
	t_metadata_req(&o, ver, 0, m);
	same_body(&o, &r->body, ver >= 4);
	if (ver >= 4)
		fz_assert(m->allow_auto_topic_creation ==
			  (r->body.p[r->body.len - 1] != 0));

	kafka_arena_init(&a);
	topics = t_alloc(&a, m->nr_topics, sizeof(*topics));
	for (i = 0; i < m->nr_topics; i++) {
		topics[i].error = KAFKA_UNKNOWN_TOPIC_OR_PARTITION;
		topics[i].name = m->topics[i];
	}
	resp = (struct kafka_metadata_resp){ 0, 1, &b, KAFKA_STR("c"), 1,
					     m->nr_topics, topics };
	kafka_wbuf_init(&w);
	fz_assert(!kafka_metadata_resp_encode(&w, ver, 3, &resp));
	fz_assert(!t_resp_open(&v, w.p, w.len, 3));
	fz_assert(!t_metadata_resp(&v, ver, &back, &a));
	fz_assert(back.nr_topics == m->nr_topics);
	for (i = 0; i < m->nr_topics; i++)
		fz_assert(back.topics[i].name.len == m->topics[i].len &&
			  !memcmp(back.topics[i].name.p, m->topics[i].p,
				  (size_t)m->topics[i].len));
	kafka_wbuf_exit(&w);
	kafka_arena_exit(&a);
}

static void check_produce(const struct kafka_request *r)
{
	const struct kafka_produce_req *p = &r->produce;
	struct kafka_batch_limits lim = {
		.produce_version = r->hdr.api_version, .max_batches = 1,
	};
	struct kafka_produce_topic_resp *tr;
	struct kafka_produce_part_resp *pr;
	struct kafka_produce_resp resp, back;
	const struct kafka_produce_part *pp;
	struct kafka_arena a;
	struct t_out o = { 0 };
	struct kafka_wbuf w;
	struct zc_view v;
	uint32_t i, j;

	in_frame_str(&p->transactional_id);
	t_produce_req(&o, r->hdr.api_version, 0, p);
	same_body(&o, &r->body, 0);
	kafka_arena_init(&a);
	tr = t_alloc(&a, p->nr_topics, sizeof(*tr));
	for (i = 0; i < p->nr_topics; i++) {
		in_frame_str(&p->topics[i].name);
		tr[i].name = p->topics[i].name;
		tr[i].nr_partitions = p->topics[i].nr_partitions;
		tr[i].partitions = pr = t_alloc(&a, tr[i].nr_partitions,
						sizeof(*pr));
		for (j = 0; j < tr[i].nr_partitions; j++) {
			pp = &p->topics[i].partitions[j];
			in_frame(pp->records.p, pp->records.len);
			fz_assert(pp->records.len >= -1);
			check_blob(pp->records.p, pp->records.len > 0 ?
				   (size_t)pp->records.len : 0, &lim);
			pr[j].partition = pp->partition;
			pr[j].error = (int16_t)kafka_batch_validate(
				pp->records.p, pp->records.len > 0 ?
				(size_t)pp->records.len : 0, &lim, NULL);
			pr[j].base_offset = pp->records.len;
		}
	}
	resp = (struct kafka_produce_resp){ p->nr_topics, tr, 0 };
	kafka_wbuf_init(&w);
	fz_assert(!kafka_produce_resp_encode(&w, r->hdr.api_version, 4,
					     &resp));
	fz_assert(!t_resp_open(&v, w.p, w.len, 4));
	fz_assert(!t_produce_resp(&v, r->hdr.api_version, &back, &a));
	fz_assert(back.nr_topics == p->nr_topics);
	kafka_wbuf_exit(&w);
	kafka_arena_exit(&a);
}

/* A fetch response whose records are slices of the frame itself. */
static void check_fetch_resp(const struct kafka_request *r,
			     const uint8_t *frame, size_t len)
{
	const struct kafka_fetch_req *f = &r->fetch;
	struct kafka_fetch_topic_resp *tr;
	struct kafka_fetch_part_resp *pr;
	struct kafka_records_range *rr;
	struct kafka_fetch_resp resp = { 0 };
	struct t_fetch_resp back;
	struct kafka_arena a;
	struct zc_chain c;
	struct zc_buf *b;
	struct zc_view v;
	uint8_t *flat;
	size_t n, off;
	uint32_t i, j;
	int err = 0;

	/* ranges of at most 64 MiB in all, so the frame fits in int32 */
	size_t budget = 64 << 20;

	b = zc_buf_copy(frame, len, &err);
	fz_assert(b);
	kafka_arena_init(&a);
	tr = t_alloc(&a, f->nr_topics, sizeof(*tr));
	for (i = 0; i < f->nr_topics; i++) {
		tr[i].name = f->topics[i].name;
		tr[i].nr_partitions = f->topics[i].nr_partitions;
		tr[i].partitions = pr = t_alloc(&a, tr[i].nr_partitions,
						sizeof(*pr));
		for (j = 0; j < tr[i].nr_partitions; j++) {
			pr[j].partition = f->topics[i].partitions[j].partition;
			pr[j].high_watermark =
				f->topics[i].partitions[j].fetch_offset;
			rr = t_alloc(&a, 1, sizeof(*rr));
			off = (uint32_t)pr[j].partition % (len + 1);
			rr->buf = b;
			rr->off = (off_t)off;
			rr->len = (uint32_t)f->topics[i].partitions[j]
				  .partition_max_bytes % (len - off + 1);
			if (rr->len > budget)
				rr->len = 0;
			budget -= rr->len;
			pr[j].nr_ranges = 1;
			pr[j].ranges = rr;
		}
	}
	resp.error = (int16_t)kafka_fetch_session_error(f);
	resp.isolation_level = f->isolation_level;
	resp.nr_topics = f->nr_topics;
	resp.topics = tr;
	zc_chain_init(&c);
	fz_assert(!kafka_fetch_resp_encode(&c, r->hdr.api_version, 5, &resp));
	flat = t_chain_flatten(&c, &n);
	fz_assert(!t_resp_open(&v, flat, n, 5));
	fz_assert(!t_fetch_resp(&v, r->hdr.api_version, &back, &a));
	fz_assert(back.n == f->nr_topics);
	for (i = 0; i < back.n; i++)
		for (j = 0; j < back.topics[i].n; j++) {
			rr = (struct kafka_records_range *)
			     tr[i].partitions[j].ranges;
			fz_assert(back.topics[i].parts[j].records.len ==
				  (int32_t)rr->len);
			fz_assert(!rr->len ||
				  !memcmp(back.topics[i].parts[j].records.p,
					  frame + rr->off, rr->len));
		}
	free(flat);
	zc_chain_exit(&c);
	fz_assert(zc_buf_refs(b) == 1);
	zc_buf_unref(b);
	kafka_arena_exit(&a);
}

static void check_fetch(const struct kafka_request *r, const uint8_t *frame,
			size_t len)
{
	const struct kafka_fetch_req *f = &r->fetch;
	struct t_out o = { 0 };
	uint32_t i;

	for (i = 0; i < f->nr_topics; i++)
		in_frame_str(&f->topics[i].name);
	for (i = 0; i < f->nr_forgotten; i++)
		in_frame_str(&f->forgotten[i].name);
	fz_assert(r->hdr.api_version >= 7 || !f->nr_forgotten);
	t_fetch_req(&o, r->hdr.api_version, 0, f);
	same_body(&o, &r->body, 0);
	check_fetch_resp(r, frame, len);
}

static void check_list_offsets(const struct kafka_request *r)
{
	const struct kafka_list_offsets_req *l = &r->list_offsets;
	struct kafka_list_offsets_topic_resp *tr;
	struct kafka_list_offsets_resp resp, back;
	struct kafka_arena a;
	struct t_out o = { 0 };
	struct kafka_wbuf w;
	struct zc_view v;
	uint32_t i;

	t_list_offsets_req(&o, r->hdr.api_version, 0, l);
	same_body(&o, &r->body, 0);
	kafka_arena_init(&a);
	tr = t_alloc(&a, l->nr_topics, sizeof(*tr));
	for (i = 0; i < l->nr_topics; i++)
		tr[i].name = l->topics[i].name;
	resp = (struct kafka_list_offsets_resp){ 0, l->nr_topics, tr };
	kafka_wbuf_init(&w);
	fz_assert(!kafka_list_offsets_resp_encode(&w, r->hdr.api_version, 6,
						  &resp));
	fz_assert(!t_resp_open(&v, w.p, w.len, 6));
	fz_assert(!t_list_offsets_resp(&v, r->hdr.api_version, &back, &a));
	fz_assert(back.nr_topics == l->nr_topics);
	kafka_wbuf_exit(&w);
	kafka_arena_exit(&a);
}

/*
 * JoinGroup: re-encoded equal; an answer listing every protocol as a
 * member (name as id, metadata as metadata) reads back.
 */
static void check_join_group(const struct kafka_request *r)
{
	struct kafka_join_group_resp resp, back;
	struct kafka_join_member *ms;
	struct kafka_join_group_req j;
	int ver = r->hdr.api_version;
	struct zc_view v = r->body;
	struct t_out o = { 0 };
	struct kafka_arena a;
	struct kafka_wbuf w;
	uint32_t i;

	kafka_arena_init(&a);
	if (!decoded(kafka_join_group_req_decode(&v, ver, &j, &a), &a))
		return;
	in_frame_str(&j.group_id);
	in_frame_str(&j.member_id);
	in_frame_str(&j.protocol_type);
	in_frame_str(&j.group_instance_id);
	fz_assert(ver >= 5 || kafka_str_is_null(&j.group_instance_id));
	fz_assert(ver >= 1 || j.rebalance_timeout_ms == j.session_timeout_ms);
	t_join_group_req(&o, ver, 0, &j);
	same_body(&o, &r->body, 0);
	ms = t_alloc(&a, j.nr_protocols, sizeof(*ms));
	for (i = 0; i < j.nr_protocols; i++) {
		in_frame_str(&j.protocols[i].name);
		fz_assert(j.protocols[i].metadata.len >= 0);
		in_frame(j.protocols[i].metadata.p,
			 j.protocols[i].metadata.len);
		ms[i].member_id = j.protocols[i].name;
		ms[i].group_instance_id = KAFKA_STR_NULL;
		ms[i].metadata = j.protocols[i].metadata;
	}
	resp = (struct kafka_join_group_resp){ 0, 0, 1, j.protocol_type,
		j.member_id, j.group_id, j.nr_protocols, ms };
	kafka_wbuf_init(&w);
	fz_assert(!kafka_join_group_resp_encode(&w, ver, 11, &resp));
	fz_assert(!t_resp_open(&v, w.p, w.len, 11));
	fz_assert(!t_join_group_resp(&v, ver, &back, &a));
	fz_assert(back.nr_members == j.nr_protocols);
	for (i = 0; i < j.nr_protocols; i++)
		fz_assert(back.members[i].metadata.len ==
			  j.protocols[i].metadata.len);
	kafka_wbuf_exit(&w);
	kafka_arena_exit(&a);
}

/* SyncGroup: re-encoded equal; each assignment goes back as an answer. */
static void check_sync_group(const struct kafka_request *r)
{
	struct kafka_sync_group_resp resp, back;
	struct kafka_sync_group_req s;
	int ver = r->hdr.api_version;
	struct zc_view v = r->body;
	struct t_out o = { 0 };
	struct kafka_arena a;
	struct kafka_wbuf w;
	uint32_t i;

	kafka_arena_init(&a);
	if (!decoded(kafka_sync_group_req_decode(&v, ver, &s, &a), &a))
		return;
	in_frame_str(&s.group_id);
	in_frame_str(&s.member_id);
	in_frame_str(&s.group_instance_id);
	fz_assert(ver >= 3 || kafka_str_is_null(&s.group_instance_id));
	t_sync_group_req(&o, ver, 0, &s);
	same_body(&o, &r->body, 0);
	kafka_wbuf_init(&w);
	for (i = 0; i < s.nr_assignments; i++) {
		in_frame_str(&s.assignments[i].member_id);
		fz_assert(s.assignments[i].assignment.len >= 0);
		resp = (struct kafka_sync_group_resp){ 0, 0,
			s.assignments[i].assignment };
		kafka_wbuf_reset(&w);
		fz_assert(!kafka_sync_group_resp_encode(&w, ver, 12, &resp));
		fz_assert(!t_resp_open(&v, w.p, w.len, 12));
		fz_assert(!t_sync_group_resp(&v, ver, &back));
		fz_assert(back.assignment.len == resp.assignment.len);
	}
	kafka_wbuf_exit(&w);
	kafka_arena_exit(&a);
}

/* Heartbeat and LeaveGroup: re-encoded equal; the answer reads back. */
static void check_heartbeat_leave(const struct kafka_request *r)
{
	struct kafka_group_resp resp = { 1, 27 }, back;
	bool hb = r->hdr.api_key == KAFKA_API_HEARTBEAT;
	struct kafka_leave_group_req l;
	struct kafka_heartbeat_req h;
	int ver = r->hdr.api_version;
	struct zc_view v = r->body;
	struct t_out o = { 0 };
	struct kafka_wbuf w;

	if (!decoded(hb ? kafka_heartbeat_req_decode(&v, ver, &h) :
		     kafka_leave_group_req_decode(&v, ver, &l), NULL))
		return;
	if (hb) {
		in_frame_str(&h.group_id);
		in_frame_str(&h.member_id);
		in_frame_str(&h.group_instance_id);
		t_heartbeat_req(&o, ver, 0, &h);
	} else {
		in_frame_str(&l.group_id);
		in_frame_str(&l.member_id);
		t_leave_group_req(&o, ver, 0, &l);
	}
	same_body(&o, &r->body, 0);
	kafka_wbuf_init(&w);
	fz_assert(!(hb ? kafka_heartbeat_resp_encode(&w, ver, 13, &resp) :
		    kafka_leave_group_resp_encode(&w, ver, 13, &resp)));
	fz_assert(!t_resp_open(&v, w.p, w.len, 13));
	fz_assert(!t_group_resp(&v, ver, &back));
	fz_assert(back.error == 27);
	kafka_wbuf_exit(&w);
}

static void check_find_coord(const struct kafka_request *r)
{
	struct kafka_find_coord_req f;
	struct kafka_find_coord_resp resp, back;
	struct zc_view v = r->body;
	struct t_out o = { 0 };
	struct kafka_wbuf w;

	if (!decoded(kafka_find_coord_req_decode(&v, r->hdr.api_version, &f),
		     NULL))
		return;
	in_frame_str(&f.key);
	fz_assert(f.key.len >= 0);
	t_find_coord_req(&o, r->hdr.api_version, 0, &f);
	same_body(&o, &r->body, 0);
	resp = (struct kafka_find_coord_resp){ 0, (int16_t)f.key_type, f.key,
					       1, f.key, f.key.len };
	kafka_wbuf_init(&w);
	fz_assert(!kafka_find_coord_resp_encode(&w, r->hdr.api_version, 9,
						&resp));
	fz_assert(!t_resp_open(&v, w.p, w.len, 9));
	fz_assert(!t_find_coord_resp(&v, r->hdr.api_version, &back));
	fz_assert(back.port == f.key.len && back.host.len == f.key.len);
	kafka_wbuf_exit(&w);
}

/* OffsetCommit: re-encoded equal; an answer per partition reads back. */
static void check_commit(const struct kafka_request *r)
{
	struct kafka_commit_topic_resp *tr;
	struct kafka_commit_part_resp *pr;
	struct kafka_commit_resp resp, back;
	const struct kafka_commit_part *p;
	int ver = r->hdr.api_version;
	struct kafka_commit_req c;
	struct zc_view v = r->body;
	struct t_out o = { 0 };
	struct kafka_arena a;
	struct kafka_wbuf w;
	uint32_t i, j;

	kafka_arena_init(&a);
	if (!decoded(kafka_commit_req_decode(&v, ver, &c, &a), &a))
		return;
	in_frame_str(&c.group_id);
	in_frame_str(&c.member_id);
	in_frame_str(&c.group_instance_id);
	fz_assert(ver >= 7 || kafka_str_is_null(&c.group_instance_id));
	t_commit_req(&o, ver, 0, &c);
	same_body(&o, &r->body, 0);
	tr = t_alloc(&a, c.nr_topics, sizeof(*tr));
	for (i = 0; i < c.nr_topics; i++) {
		in_frame_str(&c.topics[i].name);
		tr[i].name = c.topics[i].name;
		tr[i].nr_partitions = c.topics[i].nr_partitions;
		tr[i].partitions = pr = t_alloc(&a, tr[i].nr_partitions,
						sizeof(*pr));
		for (j = 0; j < tr[i].nr_partitions; j++) {
			p = &c.topics[i].partitions[j];
			in_frame_str(&p->metadata);
			fz_assert(ver >= 6 || p->leader_epoch == -1);
			pr[j].partition = p->partition;
			pr[j].error = (int16_t)p->offset;
		}
	}
	resp = (struct kafka_commit_resp){ 0, c.nr_topics, tr };
	kafka_wbuf_init(&w);
	fz_assert(!kafka_commit_resp_encode(&w, ver, 10, &resp));
	fz_assert(!t_resp_open(&v, w.p, w.len, 10));
	fz_assert(!t_commit_resp(&v, ver, &back, &a));
	fz_assert(back.nr_topics == c.nr_topics);
	for (i = 0; i < c.nr_topics; i++)
		for (j = 0; j < tr[i].nr_partitions; j++)
			fz_assert(back.topics[i].partitions[j].error ==
				  tr[i].partitions[j].error);
	kafka_wbuf_exit(&w);
	kafka_arena_exit(&a);
}

/* OffsetFetch: the same, with the topics' names as metadata. */
static void check_offset_fetch(const struct kafka_request *r)
{
	struct kafka_offset_fetch_topic_resp *tr;
	struct kafka_offset_fetch_part_resp *pr;
	struct kafka_offset_fetch_resp resp, back;
	struct kafka_offset_fetch_req f;
	int ver = r->hdr.api_version;
	struct zc_view v = r->body;
	struct t_out o = { 0 };
	struct kafka_arena a;
	struct kafka_wbuf w;
	uint32_t i, j;

	kafka_arena_init(&a);
	if (!decoded(kafka_offset_fetch_req_decode(&v, ver, &f, &a), &a))
		return;
	fz_assert(!f.all_topics || (ver >= 2 && !f.nr_topics));
	in_frame_str(&f.group_id);
	t_offset_fetch_req(&o, ver, 0, &f);
	same_body(&o, &r->body, 0);
	tr = t_alloc(&a, f.nr_topics, sizeof(*tr));
	for (i = 0; i < f.nr_topics; i++) {
		in_frame_str(&f.topics[i].name);
		tr[i].name = f.topics[i].name;
		tr[i].nr_partitions = f.topics[i].nr_partitions;
		tr[i].partitions = pr = t_alloc(&a, tr[i].nr_partitions,
						sizeof(*pr));
		for (j = 0; j < tr[i].nr_partitions; j++) {
			pr[j].partition = f.topics[i].partitions[j];
			pr[j].offset = pr[j].partition;
			pr[j].leader_epoch = -1;
			pr[j].metadata = f.topics[i].name;
		}
	}
	resp = (struct kafka_offset_fetch_resp){ 0, f.nr_topics, tr, 0 };
	kafka_wbuf_init(&w);
	fz_assert(!kafka_offset_fetch_resp_encode(&w, ver, 11, &resp));
	fz_assert(!t_resp_open(&v, w.p, w.len, 11));
	fz_assert(!t_offset_fetch_resp(&v, ver, &back, &a));
	fz_assert(back.nr_topics == f.nr_topics);
	for (i = 0; i < f.nr_topics; i++)
		for (j = 0; j < tr[i].nr_partitions; j++)
			fz_assert(back.topics[i].partitions[j].offset ==
				  f.topics[i].partitions[j]);
	kafka_wbuf_exit(&w);
	kafka_arena_exit(&a);
}

/*
 * InitProducerId 0-1: the body kafka_request_decode left is decoded by
 * the broker's decoder, re-encoded as a client would, and a response for
 * it read back.
 */
static void check_init_pid(const struct kafka_request *r)
{
	struct kafka_init_pid_resp resp = { 0, KAFKA_NONE, 0, 0 };
	struct kafka_init_pid_req q;
	struct zc_view v = r->body;
	struct t_out o = { 0 };
	struct kafka_wbuf w;
	int64_t id;
	int16_t err, epoch;
	int32_t thr;
	size_t s;

	if (!decoded(kafka_init_pid_req_decode(&v, r->hdr.api_version, &q),
		     NULL))
		return;
	in_frame_str(&q.transactional_id);
	s = t_req_begin(&o, KAFKA_API_INIT_PRODUCER_ID, r->hdr.api_version,
			0, "t");
	t_str(&o, &q.transactional_id);
	t_i32(&o, q.transaction_timeout_ms);
	t_req_end(&o, s);
	same_body(&o, &r->body, 0);
	resp.producer_id = q.transaction_timeout_ms;
	resp.producer_epoch = (int16_t)q.transactional_id.len;
	kafka_wbuf_init(&w);
	fz_assert(!kafka_init_pid_resp_encode(&w, r->hdr.api_version, 8,
					      &resp));
	fz_assert(!t_resp_open(&v, w.p, w.len, 8));
	zc_view_i32be(&v, &thr);
	zc_view_i16be(&v, &err);
	zc_view_i64be(&v, &id);
	zc_view_i16be(&v, &epoch);
	fz_assert(!zc_view_error(&v) && !zc_view_left(&v));
	fz_assert(id == resp.producer_id && epoch == resp.producer_epoch);
	kafka_wbuf_exit(&w);
}

static void check_unsupported(const struct kafka_request *r)
{
	struct kafka_wbuf w;
	struct zc_view v;
	int ret;

	kafka_wbuf_init(&w);
	ret = kafka_unsupported_encode(&w, &r->hdr);
	if (r->hdr.api_key == KAFKA_API_API_VERSIONS) {
		fz_assert(ret == 0);
		fz_assert(!t_resp_open(&v, w.p, w.len,
				       r->hdr.correlation_id));
	} else {
		fz_assert(ret == -ENOTSUP && w.len == 0);
	}
	kafka_wbuf_exit(&w);
}

/*
 * Re-encoded by the client side of proto_admin.c: the same frame, except
 * that a boolean in the last byte (@last_bool) may have been any non-zero
 * value (Kafka reads it as true) and is written as 1.
 */
static void same_frame(struct kafka_wbuf *w, const uint8_t *frame, size_t len,
		       bool last_bool)
{
	size_t n = last_bool ? len - 1 : len;

	fz_assert(w->len == len + 4);
	fz_assert(!memcmp(w->p + 4, frame, n));
	if (last_bool)
		fz_assert(w->p[4 + n] == (frame[n] != 0));
}

/* CreateTopics: decode, re-encode, answer every topic, read it back. */
static void check_create_topics(struct kafka_request *r,
				const uint8_t *frame, size_t len)
{
	struct kafka_create_topics_resp resp = { 0 }, back;
	struct kafka_create_topics_req q;
	struct kafka_wbuf w;
	struct zc_view v = r->body;
	uint32_t i;
	int ver = r->hdr.api_version;

	if (!decoded(kafka_create_topics_req_decode(&v, ver, &q, &r->arena),
		     NULL))
		return;
	kafka_wbuf_init(&w);
	fz_assert(!kafka_create_topics_req_encode(&w, ver,
			r->hdr.correlation_id, &r->hdr.client_id, &q));
	same_frame(&w, frame, len, ver >= 1);
	resp.nr_topics = q.nr_topics;
	resp.topics = kafka_arena_alloc(&r->arena, q.nr_topics,
					sizeof(*resp.topics));
	fz_assert(resp.topics);
	for (i = 0; i < q.nr_topics; i++) {
		in_frame_str(&q.topics[i].name);
		resp.topics[i].name = q.topics[i].name;
		resp.topics[i].error = (int16_t)i;
		resp.topics[i].message = q.topics[i].name;
	}
	kafka_wbuf_reset(&w);
	fz_assert(!kafka_create_topics_resp_encode(&w, ver, 9, &resp));
	fz_assert(!t_resp_open(&v, w.p, w.len, 9));
	fz_assert(!kafka_create_topics_resp_decode(&v, ver, &back,
						   &r->arena));
	fz_assert(back.nr_topics == q.nr_topics);
	for (i = 0; i < q.nr_topics; i++)
		fz_assert(back.topics[i].error == (int16_t)i &&
			  back.topics[i].name.len == q.topics[i].name.len);
	kafka_wbuf_exit(&w);
}

static void check_delete_topics(struct kafka_request *r,
				const uint8_t *frame, size_t len)
{
	struct kafka_delete_topics_resp resp = { 0 }, back;
	struct kafka_delete_topics_req q;
	struct kafka_wbuf w;
	struct zc_view v = r->body;
	uint32_t i;
	int ver = r->hdr.api_version;

	if (!decoded(kafka_delete_topics_req_decode(&v, ver, &q, &r->arena),
		     NULL))
		return;
	kafka_wbuf_init(&w);
	fz_assert(!kafka_delete_topics_req_encode(&w, ver,
			r->hdr.correlation_id, &r->hdr.client_id, &q));
	same_frame(&w, frame, len, false);
	resp.nr_topics = q.nr_topics;
	resp.topics = kafka_arena_alloc(&r->arena, q.nr_topics,
					sizeof(*resp.topics));
	fz_assert(resp.topics);
	for (i = 0; i < q.nr_topics; i++) {
		in_frame_str(&q.topics[i]);
		resp.topics[i].name = q.topics[i];
		resp.topics[i].error = 3;
	}
	kafka_wbuf_reset(&w);
	fz_assert(!kafka_delete_topics_resp_encode(&w, ver, 9, &resp));
	fz_assert(!t_resp_open(&v, w.p, w.len, 9));
	fz_assert(!kafka_delete_topics_resp_decode(&v, ver, &back,
						   &r->arena));
	fz_assert(back.nr_topics == q.nr_topics);
	kafka_wbuf_exit(&w);
}

/* One whole frame body (after the size prefix) at @frame. */
static void check_frame(uint8_t *frame, size_t len)
{
	struct kafka_request r;
	int ret;

	frame_lo = frame;
	frame_hi = frame + len;
	ret = kafka_request_decode(&r, frame, len);
	fz_assert(ret == 0 || ret == -EBADMSG || ret == -ENOTSUP ||
		  ret == -ENOPROTOOPT);
	if (ret != -EBADMSG) {
		in_frame_str(&r.hdr.client_id);
		in_frame(r.body.p, (int32_t)r.body.len);
	}
	if (ret == -ENOTSUP)
		check_unsupported(&r);
	if (ret) {
		kafka_request_exit(&r);
		return;
	}
	switch (r.hdr.api_key) {
	case KAFKA_API_JOIN_GROUP:
		check_join_group(&r);
		break;
	case KAFKA_API_SYNC_GROUP:
		check_sync_group(&r);
		break;
	case KAFKA_API_HEARTBEAT:
	case KAFKA_API_LEAVE_GROUP:
		check_heartbeat_leave(&r);
		break;
	case KAFKA_API_API_VERSIONS:
		check_api_versions(&r);
		break;
	case KAFKA_API_METADATA:
		check_metadata(&r);
		break;
	case KAFKA_API_PRODUCE:
		check_produce(&r);
		break;
	case KAFKA_API_FETCH:
		check_fetch(&r, frame, len);
		break;
	case KAFKA_API_LIST_OFFSETS:
		check_list_offsets(&r);
		break;
	case KAFKA_API_FIND_COORDINATOR:
		check_find_coord(&r);
		break;
	case KAFKA_API_OFFSET_COMMIT:
		check_commit(&r);
		break;
	case KAFKA_API_OFFSET_FETCH:
		check_offset_fetch(&r);
		break;
	case KAFKA_API_CREATE_TOPICS:
		check_create_topics(&r, frame, len);
		break;
	case KAFKA_API_DELETE_TOPICS:
		check_delete_topics(&r, frame, len);
		break;
	case KAFKA_API_INIT_PRODUCER_ID:
		check_init_pid(&r);
		break;
	default:
		fz_assert(0);
	}
	kafka_request_exit(&r);
}

/*
 * The bytes as an idempotent producer snapshot (producer_state.h, read
 * from a partition directory at open), with its CRC fixed up so that the
 * checks behind it are reached: refused, or read whole and written back
 * to as many bytes that read back the same, and every producer then takes
 * its newest batch for a duplicate.
 */
static void check_snapshot(const uint8_t *data, size_t size)
{
	struct kafka_pstate ps, back;
	struct kafka_batch_hdr h = { 0 };
	const struct kafka_producer *p;
	struct kafka_pbatch d;
	uint8_t *buf, *out;
	int64_t off, off2;
	uint32_t crc, i;
	int ret;

	if (size < 8)
		return;
	buf = malloc(size);
	fz_assert(buf);
	memcpy(buf, data, size);
	memcpy(buf, "ZCPS", 4);
	crc = kafka_crc32c(0, buf + 8, size - 8);
	for (i = 0; i < 4; i++)
		buf[4 + i] = (uint8_t)(crc >> (8 * i));
	kafka_pstate_init(&ps);
	ret = kafka_pstate_snap_read(&ps, buf, size, &off);
	fz_assert(ret == 0 || ret == -EBADMSG);
	if (!ret) {
		fz_assert(kafka_pstate_snap_size(&ps) == size);
		out = malloc(size);
		fz_assert(out);
		kafka_pstate_snap_write(&ps, off, out);
		kafka_pstate_init(&back);
		fz_assert(!kafka_pstate_snap_read(&back, out, size, &off2));
		fz_assert(off2 == off && back.n == ps.n);
		for (i = 0; i < ps.cap; i++) {
			p = &ps.tab[i];
			if (p->id == -1)
				continue;
			h.producer_id = p->id;
			h.producer_epoch = p->epoch;
			h.base_sequence = p->b[p->head].first_seq;
			h.last_offset_delta = (int32_t)
				(p->b[p->head].last_offset -
				 p->b[p->head].base_offset);
			fz_assert(kafka_pstate_check(&back, &h, &d) ==
				  KAFKA_DUPLICATE_SEQUENCE_NUMBER);
			fz_assert(d.first_seq == h.base_sequence &&
				  d.last_seq == p->b[p->head].last_seq);
		}
		kafka_pstate_exit(&back);
		free(out);
	}
	kafka_pstate_exit(&ps);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kafka_batch_limits lim = { 0 };
	size_t off = 0;
	uint8_t *buf;
	ssize_t n;
	int rounds;

	/* the frames are patched in place by produce: a private copy */
	buf = malloc(size ? size : 1);
	fz_assert(buf);
	if (size)
		memcpy(buf, data, size);
	for (rounds = 0; rounds < 64 && off < size; rounds++) {
		n = kafka_frame_size(buf + off, size - off, FZ_MAX_FRAME);
		fz_assert(n == 0 || n == -EBADMSG || n == -EMSGSIZE ||
			  (n >= 4 + KAFKA_REQ_HDR_MIN &&
			   n <= 4 + FZ_MAX_FRAME));
		fz_assert(n != 0 || size - off < 4);
		if (n <= 0)
			break;
		if ((size_t)n > size - off) {
			/* what a truncated frame would give, were it let in */
			check_frame(buf + off + 4, size - off - 4);
			break;
		}
		check_frame(buf + off + 4, (size_t)n - 4);
		off += (size_t)n;
	}
	free(buf);

	check_blob(data, size, NULL);
	if (size) {
		lim.max_batches = data[0] & 3;
		lim.produce_version = (int16_t)(data[0] >> 2 & 7);
		lim.skip_records = data[0] & 0x20;
		lim.allow_transactional = data[0] & 0x40;
		lim.allow_control = data[0] & 0x80;
		lim.max_batch_bytes = size > 1 ? data[1] * 16u : 0;
		check_blob(data, size, &lim);
	}
	check_snapshot(data, size);
	return 0;
}
