/* SPDX-License-Identifier: MIT */
/*
 * src/kafka/group_api.c - the JoinGroup, SyncGroup, Heartbeat and
 * LeaveGroup handlers: decode (kafka/proto_group.h), run the coordinator
 * (group.c) under its lock, answer now or park (group_wait.c, rule 1).
 */
#include <errno.h>
#include <stdlib.h>

#include "broker_int.h"
#include "group_int.h"
#include "kafka/proto_group.h"

enum { REQ_JOIN, REQ_SYNC, REQ_HEARTBEAT, REQ_LEAVE };

/* A body the codec refused: counted and logged; the caller closes. */
static int refused(struct kafka_conn *c, const struct kafka_request *req,
		   int err)
{
	if (err == -ENOMEM)
		return err;
	kafka_count(c->w, c->w->srv->m.req[KAFKA_REQ_REFUSED], 1);
	eng_log(ENG_LOG_INFO, "fd %d: malformed request (api %d %s v%d, "
		"correlation %d); closing", c->ec.fd, req->hdr.api_key,
		kafka_api_name(req->hdr.api_key), req->hdr.api_version,
		req->hdr.correlation_id);
	return err;
}

static struct kafka_group_wait *wait_new(struct kafka_conn *c,
					 const struct kafka_request *req,
					 uint32_t frame_len)
{
	struct kafka_group_wait *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->c = c;
	w->worker = c->w->id;
	w->api = req->hdr.api_key;
	w->version = req->hdr.api_version;
	w->correlation_id = req->hdr.correlation_id;
	w->frame_len = frame_len;
	w->inline_ = true;
	kafka_wbuf_init(&w->ans);
	return w;
}

/*
 * Rule 1 of group_wait.c, called with the lock held (and releases it):
 * the answer is ready (0) or the connection parks (1).
 */
static int finish(struct kafka_groups *gs, struct kafka_conn *c,
		  struct kafka_group_wait *w)
{
	int err;

	if (!w->ready) {
		w->inline_ = false;
		c->gw = w;
		c->flags |= KAFKA_CF_GROUP;
		pthread_mutex_unlock(&gs->lock);
		return 1;
	}
	pthread_mutex_unlock(&gs->lock);
	err = w->ans.len ? 0 : -ENOMEM;
	if (!err)
		kafka_put_raw(&c->wb, w->ans.p, w->ans.len);
	kafka_wbuf_exit(&w->ans);
	free(w);
	return err ? err : c->wb.err;
}

/*
 * JoinGroup and SyncGroup: both may wait for the rest of the group, so
 * both run the state machine on a struct kafka_group_wait.
 */
static int held(struct kafka_conn *c, struct kafka_request *req,
		uint32_t frame_len)
{
	struct kafka_groups *gs = c->w->srv->groups;
	bool join = req->hdr.api_key == KAFKA_API_JOIN_GROUP;
	struct kafka_join_group_req jr;
	struct kafka_sync_group_req sr;
	struct kafka_group_wait *w;
	struct zc_view v = req->body;
	int err;

	kafka_count(c->w, gs->req[join ? REQ_JOIN : REQ_SYNC], 1);
	err = join ? kafka_join_group_req_decode(&v, req->hdr.api_version,
						 &jr, &req->arena) :
		     kafka_sync_group_req_decode(&v, req->hdr.api_version,
						 &sr, &req->arena);
	if (err)
		return refused(c, req, err);
	w = wait_new(c, req, frame_len);
	if (!w)
		return -ENOMEM;
	pthread_mutex_lock(&gs->lock);
	if (join)
		kafka_group_do_join(gs, &jr, &req->hdr.client_id, w);
	else
		kafka_group_do_sync(gs, &sr, w);
	return finish(gs, c, w);
}

int kafka_group_join(struct kafka_conn *c, struct kafka_request *req,
		     uint32_t frame_len)
{
	return held(c, req, frame_len);
}

int kafka_group_sync(struct kafka_conn *c, struct kafka_request *req,
		     uint32_t frame_len)
{
	return held(c, req, frame_len);
}

int kafka_group_heartbeat(struct kafka_conn *c, struct kafka_request *req)
{
	struct kafka_groups *gs = c->w->srv->groups;
	struct kafka_group_resp resp = { 0 };
	struct kafka_heartbeat_req r;
	struct zc_view v = req->body;
	int err;

	kafka_count(c->w, gs->req[REQ_HEARTBEAT], 1);
	err = kafka_heartbeat_req_decode(&v, req->hdr.api_version, &r);
	if (err)
		return refused(c, req, err);
	pthread_mutex_lock(&gs->lock);
	resp.error = (int16_t)kafka_group_do_heartbeat(gs, &r.group_id,
						       r.generation_id,
						       &r.member_id);
	pthread_mutex_unlock(&gs->lock);
	return kafka_heartbeat_resp_encode(&c->wb, req->hdr.api_version,
					   req->hdr.correlation_id, &resp);
}

int kafka_group_leave(struct kafka_conn *c, struct kafka_request *req)
{
	struct kafka_groups *gs = c->w->srv->groups;
	struct kafka_group_resp resp = { 0 };
	struct kafka_leave_group_req r;
	struct zc_view v = req->body;
	int err;

	kafka_count(c->w, gs->req[REQ_LEAVE], 1);
	err = kafka_leave_group_req_decode(&v, req->hdr.api_version, &r);
	if (err)
		return refused(c, req, err);
	pthread_mutex_lock(&gs->lock);
	resp.error = (int16_t)kafka_group_do_leave(gs, &r.group_id,
						   &r.member_id);
	pthread_mutex_unlock(&gs->lock);
	return kafka_leave_group_resp_encode(&c->wb, req->hdr.api_version,
					     req->hdr.correlation_id, &resp);
}
