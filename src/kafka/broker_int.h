/* SPDX-License-Identifier: MIT */
/*
 * src/kafka/broker_int.h - what the files of `zcio broker` share: the
 * broker (read-only once the workers run, apart from the topic registry,
 * which locks), the worker (one per engine worker thread, touched by that
 * thread only) and the connection.
 *
 *   broker.c          start, advertise address, housekeeping thread, stop
 *   broker_opt.c      the option table
 *   broker_metrics.c  what is counted, and the /metrics listener
 *   broker_worker.c   per-worker state and the long-poll wakeups
 *   conn.c            the engine protocol module: frames in, chains out
 *   conn_api.c        dispatch; ApiVersions, Metadata, ListOffsets
 *   produce.c         Produce
 *   fetch.c           Fetch, long-poll
 *   topic.c           topics and partitions
 *   coord.c           FindCoordinator
 *   commit.c          OffsetCommit, OffsetFetch; the offset store's life
 *   admin.c           CreateTopics, DeleteTopics
 *   group*.c          the group coordinator (group.h)
 */
#ifndef ZC_KAFKA_BROKER_INT_H
#define ZC_KAFKA_BROKER_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <zcio.h>

#include "engine/engine.h"
#include "kafka/broker.h"
#include "kafka/group.h"
#include "kafka/log.h"
#include "kafka/producer_id.h"
#include "kafka/proto.h"
#include "kafka/topic.h"

/* The node id this broker gives itself in Metadata (the mock's too). */
#define KAFKA_NODE_ID 1

/* Request kinds counted one by one in zcio_kafka_requests_total. */
enum kafka_req_kind {
	KAFKA_REQ_PRODUCE = 0,
	KAFKA_REQ_FETCH,
	KAFKA_REQ_LIST_OFFSETS,
	KAFKA_REQ_METADATA,
	KAFKA_REQ_API_VERSIONS,
	KAFKA_REQ_FIND_COORDINATOR,
	KAFKA_REQ_OFFSET_COMMIT,
	KAFKA_REQ_OFFSET_FETCH,
	KAFKA_REQ_INIT_PRODUCER_ID,
	KAFKA_REQ_REFUSED,		/* unknown key/version, malformed */
	KAFKA_REQ__COUNT
};

/* Metric ids in the engine's registry (broker_metrics.c). */
struct kafka_metric_ids {
	int req[KAFKA_REQ__COUNT];
	int produce_bytes;		/* record batch bytes appended */
	int produce_records;
	int produce_errors;		/* partitions answered an error */
	int produce_duplicates;		/* idempotent retries not kept */
	int fetch_bytes;		/* record bytes put into responses */
	int fetch_sendfile;		/* of the sends: by sendfile */
	int fetch_copied;		/* --fetch-copy: read into memory */
	int user_copied;		/* ledger: copied in user space */
	int fetch_errors;
	int fetch_waits;		/* fetches that long-polled */
	int fetch_wakeups;		/* ... answered early by an append */
	int oversize;			/* over --max-request-bytes */
	int offset_commits;		/* partition offsets committed */
	int offset_commit_errors;	/* ... answered an error */
};

struct kafka_worker;
struct kafka_offsets;

/* The broker: set up before eng_run, read-only while workers run. */
struct kafka_srv {
	const struct kafka_cfg *cfg;
	struct eng *eng;
	int datafd;
	struct kafka_topics *topics;
	struct kafka_log_cfg lcfg;
	struct kafka_offsets *offsets;	/* committed offsets (commit.c) */
	char adv_host[256];		/* what Metadata advertises */
	int32_t adv_port;
	struct kafka_metric_ids m;
	struct kafka_pid_alloc pids;	/* InitProducerId (producer_id.h) */
	bool pids_open;
	/*
	 * Long-poll wakeups cross threads (fetch.c): a notifier holds this
	 * for reading while it wakes workers, a stopping worker for writing
	 * while it leaves, so no wakeup reaches a loop being freed.
	 */
	pthread_rwlock_t wake_lock;
	unsigned int nr_workers;
	struct kafka_worker **workers;	/* by worker id */
	/* The housekeeping thread: interval flushes and retention. */
	pthread_t hk;
	bool hk_running;
	pthread_mutex_t hk_lock;
	pthread_cond_t hk_cond;
	bool hk_stop;
	bool hk_kick;			/* run a round now (a deletion) */
	struct kafka_groups *groups;	/* the coordinator (group.c) */
};

/* One worker thread's state. */
struct kafka_worker {
	struct kafka_srv *srv;
	struct eng_worker *ew;
	struct ev_loop *loop;
	uint64_t *row;			/* metrics row */
	unsigned int id;
	/*
	 * Long-poll: the connections whose fetch waits, and the wakeups
	 * that make them look again: @wake from another worker's thread
	 * (an append there), @recheck from this one.
	 */
	struct kafka_conn *waiting;
	struct ev_async wake;
	struct ev_defer recheck;
	bool stopped;			/* under srv->wake_lock */
	/*
	 * kafka_topics_epoch as read at the start of this worker's last
	 * recheck: topics deleted up to it are no longer in its hands
	 * (admin.c, reaping). Atomic.
	 */
	uint64_t quiet_epoch;
};

enum kafka_conn_flag {
	KAFKA_CF_EOF = 0x1,		/* the client sent FIN */
	KAFKA_CF_CLOSE = 0x2,		/* close once the chain is sent */
	KAFKA_CF_WAIT = 0x4,		/* a fetch long-polls: no reading */
	KAFKA_CF_DRAIN = 0x8,		/* graceful stop */
	KAFKA_CF_GROUP = 0x10,		/* a JoinGroup/SyncGroup waits */
};

/* Parked: a request waits for its answer, nothing more is read. */
#define KAFKA_CF_PARKED (KAFKA_CF_WAIT | KAFKA_CF_GROUP)

/*
 * A fetch that waits for data (fetch.c): its decoded request, whose
 * strings point into the connection's input buffer (which does not move
 * meanwhile) and whose arena holds the answer's arrays (@look).
 */
struct kafka_fetch_wait {
	struct kafka_request req;
	void *look;			/* fetch.c's struct fetch_look */
	uint64_t deadline;		/* ev_now ms */
	uint32_t frame_len;		/* skipped once answered */
};

struct kafka_conn {
	struct eng_conn ec;		/* first: the engine's part */
	struct kafka_worker *w;
	uint8_t *in;			/* input buffer, grows to a frame */
	uint32_t in_len, in_off, in_cap;
	uint32_t flags;			/* enum kafka_conn_flag */
	struct zc_chain out;		/* answers, in request order */
	struct kafka_wbuf wb;		/* small answers not yet in @out */
	struct kafka_fetch_wait *fw;	/* when KAFKA_CF_WAIT */
	struct kafka_conn *wprev, *wnext;	/* worker's waiting list */
	struct kafka_group_wait *gw;	/* when KAFKA_CF_GROUP */
};

extern const struct eng_proto kafka_proto;

/*
 * The HTTP module's /metrics endpoint (src/http/metrics_http.c) renders
 * whichever engine's registry it runs in; the broker reuses it rather
 * than write a second HTTP responder. As in src/http/serve_int.h.
 */
int http_metrics_listen(struct eng *e, const char *addr);

/* Wall clock in ms (CLOCK_REALTIME), for appends and retention. */
int64_t kafka_now_ms(void);

/*
 * conn_api.c: handles one decoded request @req of @c by encoding its
 * answer into @c->wb (or @c->out: a fetch; none: Produce with acks=0).
 * Returns 0, 1 when the request parked (a long-poll fetch, which then
 * owns @req's arena: the caller stops reading), or a negative errno to
 * close @c. @frame_len is the whole frame's size, prefix included.
 */
int kafka_dispatch(struct kafka_conn *c, struct kafka_request *req,
		   uint32_t frame_len);

/*
 * conn_api.c: the topic @name for Metadata or Produce: found, or created
 * when --auto-create is on and @create (the client allows it). NULL with
 * *@error set to the Kafka code otherwise. Blocks on the disk to create.
 */
struct kafka_topic *kafka_topic_get(struct kafka_srv *srv,
				    const struct kafka_str *name, bool create,
				    int *error);

/*
 * admin.c: CreateTopics and DeleteTopics, decoded from @req->body; 0, or
 * -errno to close the connection (-EBADMSG: malformed). Block on the disk.
 */
int kafka_create_topics(struct kafka_conn *c, struct kafka_request *req);
int kafka_delete_topics(struct kafka_conn *c, struct kafka_request *req);

/*
 * admin.c, on the housekeeping thread: closes the files of deleted topics
 * that no worker can still be using; returns how many wait for that.
 */
uint32_t kafka_admin_reap(struct kafka_srv *srv);

/* produce.c: Produce; 0, or -errno to close the connection. */
int kafka_produce(struct kafka_conn *c, struct kafka_request *req);

/* coord.c: FindCoordinator; 0, or -errno to close the connection. */
int kafka_find_coordinator(struct kafka_conn *c, struct kafka_request *req);

/* commit.c: OffsetCommit and OffsetFetch; 0, or -errno to close. */
int kafka_offset_commit(struct kafka_conn *c, struct kafka_request *req);
int kafka_offset_fetch(struct kafka_conn *c, struct kafka_request *req);

/*
 * commit.c: opens the committed-offset store in the data directory
 * (before the workers run; logs and returns the error), flushes it (the
 * housekeeping thread) and closes it (after the workers stopped). Block.
 */
int kafka_commit_open(struct kafka_srv *srv);
void kafka_commit_flush(struct kafka_srv *srv);
void kafka_commit_close(struct kafka_srv *srv);

/* init_producer_id.c: InitProducerId; 0, or -errno to close. */
int kafka_init_producer_id(struct kafka_conn *c, struct kafka_request *req);

/*
 * fetch.c: Fetch. Answers now (0) or parks the request in @c->fw and
 * returns 1 (the caller then keeps the frame's bytes in place and stops
 * reading). -errno: close.
 */
int kafka_fetch(struct kafka_conn *c, struct kafka_request *req,
		uint32_t frame_len);

/*
 * fetch.c: looks again at @c's parked fetch: answers it when enough data
 * came, when its deadline passed, or when @force (graceful stop); then
 * unparks and returns 1. 0: still waiting. -errno: close.
 */
int kafka_fetch_retry(struct kafka_conn *c, bool force);

/* fetch.c: drops a parked fetch without answering (the conn closes). */
void kafka_fetch_unpark(struct kafka_conn *c);

/* fetch.c: the log's notify hook (kafka_log_set_notify) of @arg's part. */
void kafka_fetch_notify(void *arg, int64_t end);

/*
 * conn.c: resumes @c after its parked fetch was answered: sends, takes
 * the requests behind it. Called by the worker's wakeup and the timer.
 */
void kafka_conn_resume(struct kafka_conn *c);

/* broker_worker.c: the engine's on_worker_start and on_worker_stop. */
int kafka_worker_start(struct eng_worker *ew);
void kafka_worker_stop(struct eng_worker *ew);
void kafka_worker_free(struct kafka_worker *w);

/* broker_worker.c: this thread's worker (NULL outside the workers). */
struct kafka_worker *kafka_worker_self(void);

/*
 * broker_worker.c: makes the workers whose bit (id % 64) is in @mask look
 * at their parked fetches again: deferred work for the calling worker,
 * an ev_async for the others. Any thread; skips stopped workers.
 */
void kafka_workers_wake(struct kafka_srv *srv, uint64_t mask);

/* broker_worker.c: the waiting list of @w. */
void kafka_worker_wait_add(struct kafka_worker *w, struct kafka_conn *c);
void kafka_worker_wait_del(struct kafka_worker *w, struct kafka_conn *c);

/*
 * broker_metrics.c: registers the broker's metrics (before eng_run), and
 * one gauge per partition (any time: topics appear while running).
 */
int kafka_metrics_register(struct kafka_srv *srv);
void kafka_metrics_part(struct kafka_srv *srv, struct kafka_part *p);

static inline void kafka_count(struct kafka_worker *w, int id, uint64_t n)
{
	if (id >= 0)
		eng_metric_add(w->row, id, n);
}

#endif
