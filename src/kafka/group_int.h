/* SPDX-License-Identifier: MIT */
/*
 * src/kafka/group_int.h - shared by group*.c only: the registry, groups,
 * members and parked requests. Every field of these structs is guarded by
 * kafka_groups.lock (group.c, "Locking"), except those marked "worker".
 */
#ifndef ZC_KAFKA_GROUP_INT_H
#define ZC_KAFKA_GROUP_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "kafka/group.h"
#include "kafka/wire.h"

enum kafka_group_state {
	KAFKA_GROUP_EMPTY = 0,
	KAFKA_GROUP_PREPARING,		/* PreparingRebalance: joins held */
	KAFKA_GROUP_COMPLETING,		/* CompletingRebalance: syncs held */
	KAFKA_GROUP_STABLE,
	KAFKA_GROUP_DEAD,		/* being freed */
};

/*
 * A JoinGroup or SyncGroup waiting for its group. Created by the worker
 * of @c; answered (ans encoded, @ready) by whichever thread completes the
 * group, then handed to that worker through its ready list.
 */
struct kafka_group_wait {
	struct kafka_conn *c;		/* worker: the parked connection */
	unsigned int worker;		/* its worker id */
	int16_t api;			/* KAFKA_API_JOIN_GROUP / _SYNC_GROUP */
	int16_t version;
	int32_t correlation_id;
	uint32_t frame_len;		/* worker: skipped once answered */
	struct kafka_member *m;		/* waiting on it; NULL once answered */
	struct kafka_wbuf ans;		/* the whole response frame */
	bool ready;			/* ans is final */
	bool inline_;			/* its own handler still runs */
	struct kafka_group_wait *next;	/* on a worker's ready list */
};

struct kafka_protocol {
	char *name;
	uint8_t *meta;
	int32_t meta_len;
};

struct kafka_member {
	struct kafka_member *next;	/* join order */
	char *id;
	int32_t session_ms, rebalance_ms;
	uint32_t nr_protos;
	struct kafka_protocol *protos;	/* by preference */
	uint8_t *assignment;
	int32_t assign_len;
	uint64_t deadline;		/* session expiry, monotonic ms */
	bool joined;			/* rejoined in this rebalance */
	struct kafka_group_wait *join_w, *sync_w;
};

/* A member id handed out with MEMBER_ID_REQUIRED, not joined yet. */
struct kafka_pending {
	struct kafka_pending *next;
	char *id;
	uint64_t deadline;
};

struct kafka_group {
	struct kafka_group *next;
	char *id;
	enum kafka_group_state state;
	int32_t generation;
	char *protocol_type;		/* NULL while Empty */
	char *protocol;			/* selected; NULL when none */
	struct kafka_member *members;
	struct kafka_member *leader;
	uint32_t nr_members;
	struct kafka_pending *pending;
	/* PreparingRebalance: the end of the window, or of the initial
	 * delay (Kafka's InitialDelayedJoin) while @initial. */
	uint64_t join_deadline;
	bool initial;
	bool new_member;		/* joined during the initial delay */
	int64_t delay_left;		/* of the rebalance timeout */
};

struct kafka_groups {
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* the timer thread sleeps on it */
	struct kafka_srv *srv;
	struct kafka_group *groups;
	struct kafka_group_wait **ready;	/* per worker */
	uint32_t initial_delay_ms;
	uint32_t min_session_ms, max_session_ms;
	pthread_t timer;
	bool timer_running, stop;
	/* counters for the metrics (read without the lock: gauges) */
	uint64_t nr_groups, nr_members, rebalances;
	int req[4];			/* join, sync, heartbeat, leave */
};

/*
 * group.c: the registry and the members (the caller holds gs->lock).
 * kafka_group_strdup: @s as a NUL-terminated copy ("" for null), NULL
 * when out of memory. find: NULL when not there. new: an Empty group,
 * generation 0, NULL when out of memory. kafka_group_free unlinks *@gp
 * (no members left) and frees it; kafka_member_free frees a member that
 * is no longer in a group. kafka_member_id_new: "client_id-<uuid v4>"
 * (malloc'd; NULL on failure). kafka_member_set_protos copies @r's
 * protocols into @m (0 or -ENOMEM, then @m keeps its own).
 */
char *kafka_group_strdup(const struct kafka_str *s);
struct kafka_group *kafka_group_find(struct kafka_groups *gs,
				     const struct kafka_str *id);
struct kafka_group *kafka_group_new(struct kafka_groups *gs,
				    const struct kafka_str *id);
void kafka_group_free(struct kafka_groups *gs, struct kafka_group **gp);
struct kafka_member *kafka_member_find(struct kafka_group *g,
				       const struct kafka_str *id);
struct kafka_pending **kafka_pending_find(struct kafka_group *g,
					  const struct kafka_str *id);
void kafka_pending_free(struct kafka_pending **pp);
void kafka_member_free(struct kafka_groups *gs, struct kafka_member *m);
char *kafka_member_id_new(const struct kafka_str *client_id);
struct kafka_join_group_req;
int kafka_member_set_protos(struct kafka_member *m,
			    const struct kafka_join_group_req *r);

/*
 * group.c: protocols. offer: @m's protocol @name or NULL. supports:
 * Kafka's supportsProtocols for a JoinGroup @r of member @self (NULL: a
 * new one). same_protos: Kafka's MemberMetadata.matches. select: the
 * protocol of the next generation (group_state.c rule 3), a name owned
 * by the leader's protocols, or NULL when no protocol is common.
 */
const struct kafka_protocol *kafka_member_offer(const struct kafka_member *m,
						const struct kafka_str *name);
bool kafka_group_supports(const struct kafka_group *g,
			  const struct kafka_join_group_req *r,
			  const struct kafka_member *self);
bool kafka_member_same_protos(const struct kafka_member *m,
			      const struct kafka_join_group_req *r);
const char *kafka_group_select_protocol(const struct kafka_group *g);

/* group_wait.c: the monotonic clock of every group deadline. */
uint64_t kafka_group_now(void);

/*
 * group_wait.c: @w's answer (already in @w->ans) is final: handed to its
 * worker (woken), or left for its own handler when inline. Unlinks it
 * from its member.
 */
void kafka_group_deliver(struct kafka_groups *gs, struct kafka_group_wait *w);

/* group_wait.c: the timer thread should look at the deadlines again. */
void kafka_group_poke(struct kafka_groups *gs);

/*
 * group_state.c: the state machine; the caller holds gs->lock. @w is the
 * parked request to answer (always answered, maybe later); the handler's
 * decoded request gives the fields.
 */
struct kafka_sync_group_req;
void kafka_group_do_join(struct kafka_groups *gs,
			 const struct kafka_join_group_req *r,
			 const struct kafka_str *client_id,
			 struct kafka_group_wait *w);
void kafka_group_do_sync(struct kafka_groups *gs,
			 const struct kafka_sync_group_req *r,
			 struct kafka_group_wait *w);
int kafka_group_do_heartbeat(struct kafka_groups *gs,
			     const struct kafka_str *group_id,
			     int32_t generation,
			     const struct kafka_str *member);
int kafka_group_do_leave(struct kafka_groups *gs,
			 const struct kafka_str *group_id,
			 const struct kafka_str *member);

/*
 * group_state.c: encodes @w's error answer (no assignment, no members)
 * and delivers it.
 */
void kafka_group_fail(struct kafka_groups *gs, struct kafka_group_wait *w,
		      int error);

/* What a tick expired, for the log line written after the lock. */
struct kafka_tick_note {
	unsigned int count;		/* sessions that timed out */
	size_t len;
	char text[400];			/* "group/member, ..." (cut) */
};

/*
 * group_state.c: the timer's work: expires sessions and pending
 * members, ends rebalance windows, frees idle empty groups; the members
 * expired are added to @note (zeroed by the caller). Returns the next
 * deadline (UINT64_MAX: none). Caller holds gs->lock.
 */
uint64_t kafka_group_tick(struct kafka_groups *gs, uint64_t now,
			  struct kafka_tick_note *note);

/* group.c: frees every group (the broker stops; no request is parked). */
void kafka_group_free_all(struct kafka_groups *gs);

/* Counters read by the metrics without the lock. */
#define KAFKA_GROUP_COUNT(gs, f, n) \
	__atomic_add_fetch(&(gs)->f, (uint64_t)(n), __ATOMIC_RELAXED)

#endif
