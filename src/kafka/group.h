/* SPDX-License-Identifier: MIT */
/*
 * src/kafka/group.h - the group coordinator of `zcio broker`: consumer
 * groups (JoinGroup, SyncGroup, Heartbeat, LeaveGroup), modelled on
 * Kafka's GroupCoordinator. One registry per broker, shared by every
 * worker thread under one lock (group.c says which); JoinGroup and
 * SyncGroup park their connection until the group answers them, which
 * may happen on another worker's thread or on the coordinator's timer
 * thread (group_wait.c).
 *
 *   group.c        the registry, members, protocols; the locking rule
 *   group_state.c  the state machine
 *   group_wait.c   parked requests, wakeups, the timer thread
 *   group_api.c    the four request handlers
 */
#ifndef ZC_KAFKA_GROUP_H
#define ZC_KAFKA_GROUP_H

#include <stdint.h>

#include "kafka/wire.h"

struct kafka_srv;
struct kafka_conn;
struct kafka_worker;
struct kafka_request;

/*
 * Starts the coordinator of @srv (its registry and timer thread) from
 * srv->cfg; before eng_run, after the engine exists (it needs the
 * worker count). 0 or -errno (logged).
 */
int kafka_groups_start(struct kafka_srv *srv);

/* Stops the timer thread and frees every group; after eng_run. */
void kafka_groups_stop(struct kafka_srv *srv);

/*
 * The handlers (conn_api.c dispatches to them): each decodes @req's body,
 * and answers into @c->wb (0), or parks @c (1: JoinGroup and SyncGroup
 * waiting for the rest of the group; the caller stops reading, as for a
 * long-poll fetch, and the frame of @frame_len bytes stays in the input
 * buffer until the answer comes). -errno: close (-EBADMSG: malformed).
 */
int kafka_group_join(struct kafka_conn *c, struct kafka_request *req,
		     uint32_t frame_len);
int kafka_group_sync(struct kafka_conn *c, struct kafka_request *req,
		     uint32_t frame_len);
int kafka_group_heartbeat(struct kafka_conn *c, struct kafka_request *req);
int kafka_group_leave(struct kafka_conn *c, struct kafka_request *req);

/*
 * Worker side of a parked request (group_wait.c), all on @c's worker:
 * kafka_group_wake answers every parked request of @w that the group
 * completed (the worker's wakeup calls it); kafka_group_unpark drops
 * @c's parked request without an answer (the connection closes; the
 * member stays until its session times out, as in Kafka);
 * kafka_group_drain answers it now, COORDINATOR_NOT_AVAILABLE unless the
 * answer was ready (graceful stop; the client finds the coordinator
 * again). kafka_group_drain returns 0 or -errno (close).
 */
void kafka_group_wake(struct kafka_worker *w);
void kafka_group_unpark(struct kafka_conn *c);
int kafka_group_drain(struct kafka_conn *c);

/*
 * For OffsetCommit: may a commit for @group_id by @member_id in
 * @generation_id go ahead? Returns a Kafka error code, as Kafka's
 * GroupCoordinator.handleCommitOffsets decides:
 *   KAFKA_NONE                   generation < 0 (a "simple" commit, e.g.
 *                                generation -1 and member "") on a group
 *                                that is unknown or Empty; or a member of
 *                                the current generation (counts as its
 *                                heartbeat)
 *   KAFKA_ILLEGAL_GENERATION     an unknown group with generation >= 0,
 *                                or another generation than the group's
 *   KAFKA_REBALANCE_IN_PROGRESS  the group is CompletingRebalance (its
 *                                assignment is not out yet)
 *   KAFKA_UNKNOWN_MEMBER_ID      not a member
 *   KAFKA_INVALID_GROUP_ID       an empty or null @group_id
 * Thread-safe (takes the coordinator lock briefly); never blocks on I/O.
 */
int kafka_group_commit_check(struct kafka_srv *srv,
			     const struct kafka_str *group_id,
			     int32_t generation_id,
			     const struct kafka_str *member_id);

#endif
