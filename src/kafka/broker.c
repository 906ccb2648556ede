/* SPDX-License-Identifier: MIT */
/*
 * src/kafka/broker.c - starting `zcio broker`: the data directory (made,
 * locked, every partition recovered), the engine with its listeners (the
 * Kafka port and the optional metrics listener), the address Metadata
 * advertises, and the housekeeping thread. Then the engine runs until a
 * signal stops it (engine/engine.h), and every log is flushed and closed.
 *
 * Workers: one by default. The logs are thread-safe and long-poll wakeups
 * cross threads (fetch.c), so --workers N works, but one loop already
 * drives the disk and the NIC faster than the clients on this class of
 * machine, and each extra worker adds lock traffic on the partitions.
 *
 * Housekeeping runs in a thread of its own, not on an engine timer:
 * fdatasync (--flush interval, checkpoints) and unlink (retention) block on
 * the disk, and a worker's loop must never wait for the disk while clients
 * wait for it. (Appends under --flush always do wait for their sync on the
 * worker: that wait is what the producer asked for.)
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "broker_int.h"

/* The wakeup bits of a partition (fetch.c, rule 4) name 64 workers. */
#define KAFKA_MAX_WORKERS 64

/* mkdir -p: every missing directory of @path, mode 0755. */
static int mkdirs(const char *path)
{
	char buf[PATH_MAX], *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/*
 * The data directory, made when missing and locked (flock) so that a
 * second broker on the same directory fails at start instead of
 * interleaving appends with ours.
 */
static int open_data(struct kafka_srv *srv, const char *dir)
{
	int err = mkdirs(dir);

	if (err) {
		eng_log(ENG_LOG_ERROR, "--data %s: %s", dir, strerror(-err));
		return err;
	}
	srv->datafd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (srv->datafd < 0) {
		eng_log(ENG_LOG_ERROR, "--data %s: %s", dir, strerror(errno));
		return -errno;
	}
	if (flock(srv->datafd, LOCK_EX | LOCK_NB)) {
		err = -errno;
		eng_log(ENG_LOG_ERROR, "--data %s: %s", dir,
			err == -EWOULDBLOCK ? "another broker uses it" :
			strerror(-err));
		return err;
	}
	return 0;
}

/* "host:port", "[v6]:port", or "host" alone (@port unchanged then). */
static int split_hostport(const char *text, char *host, size_t len,
			  int32_t *port)
{
	const char *colon, *h = text;
	size_t hl;
	char *end;
	long p;

	if (*text == '[') {
		colon = strchr(text, ']');
		if (!colon)
			return -EINVAL;
		h = text + 1;
		hl = (size_t)(colon - h);
		colon = colon[1] == ':' ? colon + 1 : NULL;
	} else {
		colon = strrchr(text, ':');
		hl = colon ? (size_t)(colon - text) : strlen(text);
	}
	if (hl >= len)
		return -EINVAL;
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (!colon)
		return 0;
	p = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || *end || p < 1 || p > 65535)
		return -EINVAL;
	*port = (int32_t)p;
	return 0;
}

/*
 * What Metadata tells clients to connect to: --advertise (its port may be
 * left out: the bound one), else the first listener's bound address, with
 * a wildcard (0.0.0.0, ::) replaced by the loopback address, which is at
 * least reachable from this machine.
 */
static int advertise(struct kafka_srv *srv, const struct kafka_cfg *cfg)
{
	char bound[128];
	int err;

	eng_listen_text(srv->eng, 0, bound, sizeof(bound));
	err = split_hostport(bound, srv->adv_host, sizeof(srv->adv_host),
			     &srv->adv_port);
	if (err)
		return err;
	if (!strcmp(srv->adv_host, "0.0.0.0") || !*srv->adv_host)
		snprintf(srv->adv_host, sizeof(srv->adv_host), "127.0.0.1");
	else if (!strcmp(srv->adv_host, "::"))
		snprintf(srv->adv_host, sizeof(srv->adv_host), "::1");
	if (!cfg->advertise)
		return 0;
	err = split_hostport(cfg->advertise, srv->adv_host,
			     sizeof(srv->adv_host), &srv->adv_port);
	if (err || !*srv->adv_host) {
		eng_log(ENG_LOG_ERROR, "--advertise %s: want HOST:PORT",
			cfg->advertise);
		return -EINVAL;
	}
	return 0;
}

/* Every partition now: the housekeeping thread's snapshot. */
static void each_part(struct kafka_srv *srv,
		      void (*fn)(struct kafka_srv *, struct kafka_part *))
{
	struct kafka_topic **list;
	uint32_t n, i, j;

	n = kafka_topics_count(srv->topics);
	list = malloc((n ? n : 1) * sizeof(*list));
	if (!list)
		return;
	n = kafka_topics_list(srv->topics, list, n);
	for (i = 0; i < n; i++)
		for (j = 0; j < list[i]->nr_parts; j++)
			fn(srv, &list[i]->parts[j]);
	free(list);
}

static void flush_part(struct kafka_srv *srv, struct kafka_part *p)
{
	int err = kafka_log_flush(p->log);

	(void)srv;
	if (err)
		eng_log(ENG_LOG_ERROR, "flush %s-%d: %s", p->topic->name,
			p->id, strerror(-err));
}

static void retain_part(struct kafka_srv *srv, struct kafka_part *p)
{
	int n = kafka_log_retention(p->log, kafka_now_ms());

	(void)srv;
	if (n < 0)
		eng_log(ENG_LOG_ERROR, "retention %s-%d: %s", p->topic->name,
			p->id, strerror(-n));
	else if (n)
		eng_log(ENG_LOG_INFO, "retention %s-%d: %d segment%s deleted",
			p->topic->name, p->id, n, n == 1 ? "" : "s");
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * Under --flush never the partitions are still flushed this often, as
 * Kafka checkpoints its recovery point every minute
 * (log.flush.offset.checkpoint.interval.ms): it promises nothing more to
 * producers, but bounds what the next start must check after a crash. A
 * partition with nothing new costs no system call.
 */
#define KAFKA_CHECKPOINT_MS 60000
/* How soon the housekeeping thread looks again at deleted topics whose
 * files it could not close yet (admin.c): the workers' wakeups take less. */
#define KAFKA_REAP_RETRY_MS 50

/*
 * The housekeeping thread: every flush_ms (--flush interval, else the
 * checkpoint interval) it flushes every partition, every
 * retention_check_ms it applies retention, and each time it wakes (a
 * deletion wakes it) it closes the files of deleted topics (admin.c). It
 * sleeps on a condition variable, so stopping it is immediate.
 */
static void *housekeeping(void *arg)
{
	struct kafka_srv *srv = arg;
	const struct kafka_cfg *cfg = srv->cfg;
	bool interval = cfg->flush != KAFKA_FLUSH_ALWAYS;
	uint64_t every = cfg->flush == KAFKA_FLUSH_INTERVAL ? cfg->flush_ms :
			 KAFKA_CHECKPOINT_MS;
	uint64_t now = mono_ms(), next_flush = now + every;
	uint64_t next_ret = now + cfg->retention_check_ms, next;
	uint32_t reaping = 0;
	struct timespec ts;

	eng_log_set_thread("hk");
	pthread_mutex_lock(&srv->hk_lock);
	while (!srv->hk_stop) {
		next = interval && next_flush < next_ret ? next_flush :
							   next_ret;
		/* Deleted topics wait for the workers: look again soon. */
		if (reaping && next > mono_ms() + KAFKA_REAP_RETRY_MS)
			next = mono_ms() + KAFKA_REAP_RETRY_MS;
		ts.tv_sec = (time_t)(next / 1000);
		ts.tv_nsec = (long)(next % 1000) * 1000000;
		if (!srv->hk_kick && mono_ms() < next)
			pthread_cond_timedwait(&srv->hk_cond, &srv->hk_lock,
					       &ts);
		srv->hk_kick = false;
		if (srv->hk_stop)
			break;
		pthread_mutex_unlock(&srv->hk_lock);
		now = mono_ms();
		if (interval && now >= next_flush) {
			each_part(srv, flush_part);
			kafka_commit_flush(srv);
			next_flush = now + every;
		}
		if (now >= next_ret) {
			each_part(srv, retain_part);
			next_ret = now + cfg->retention_check_ms;
		}
		reaping = kafka_admin_reap(srv);
		pthread_mutex_lock(&srv->hk_lock);
	}
	pthread_mutex_unlock(&srv->hk_lock);
	return NULL;
}

/* Started before eng_run: eng_thread_start keeps its signals off it. */
static int start_hk(struct kafka_srv *srv)
{
	int err;

	err = eng_thread_start(&srv->hk, housekeeping, srv);
	if (err) {
		eng_log(ENG_LOG_ERROR, "housekeeping thread: %s",
			strerror(-err));
		return err;
	}
	srv->hk_running = true;
	return 0;
}

static void stop_hk(struct kafka_srv *srv)
{
	if (!srv->hk_running)
		return;
	pthread_mutex_lock(&srv->hk_lock);
	srv->hk_stop = true;
	pthread_cond_signal(&srv->hk_cond);
	pthread_mutex_unlock(&srv->hk_lock);
	pthread_join(srv->hk, NULL);
	srv->hk_running = false;
}

/* What recovery did to a partition, when it did anything. */
static void log_recovery(struct kafka_part *p)
{
	struct kafka_log_stats st;

	kafka_log_stats(p->log, &st);
	if (st.truncated_bytes || st.dropped_segments)
		eng_log(ENG_LOG_WARN, "recovered %s-%d: cut %llu bytes of "
			"torn or invalid tail, dropped %u segment%s; log end "
			"%lld", p->topic->name, p->id,
			(unsigned long long)st.truncated_bytes,
			st.dropped_segments,
			st.dropped_segments == 1 ? "" : "s",
			(long long)st.high_watermark);
	if (st.recovered_segments || st.rebuilt_indexes)
		eng_log(ENG_LOG_INFO, "recovered %s-%d: %llu segment%s "
			"checked, %u index%s rebuilt", p->topic->name, p->id,
			(unsigned long long)st.recovered_segments,
			st.recovered_segments == 1 ? "" : "s",
			st.rebuilt_indexes,
			st.rebuilt_indexes == 1 ? "" : "es");
}

/* The registry's hook: wakeups and gauges for each partition opened. */
static void part_opened(void *arg, struct kafka_part *p)
{
	struct kafka_srv *srv = arg;

	log_recovery(p);
	kafka_pid_alloc_seen(&srv->pids, kafka_log_max_producer_id(p->log));
	p->ctx = srv;
	kafka_log_set_notify(p->log, kafka_fetch_notify, p);
	kafka_metrics_part(srv, p);
}

static void log_cfg(struct kafka_log_cfg *l, const struct kafka_cfg *cfg)
{
	kafka_log_cfg_init(l);
	l->segment_bytes = cfg->segment_bytes;
	l->segment_ms = (int64_t)cfg->segment_ms;
	l->retention_bytes = cfg->retention_bytes;
	l->retention_ms = cfg->retention_ms;
	/* enum kafka_flush and enum kafka_log_flush share their values. */
	l->flush = cfg->flush;
}

static int open_topics(struct kafka_srv *srv)
{
	struct kafka_topics_cfg tcfg = {
		.dirfd = srv->datafd,
		.log = srv->lcfg,
		.nr_workers = srv->nr_workers,
		.on_open = part_opened,
		.arg = srv,
	};
	int err = kafka_topics_open(&tcfg, &srv->topics);

	if (err)
		eng_log(ENG_LOG_ERROR, "--data %s: %s", srv->cfg->data,
			strerror(-err));
	return err;
}

static int start_engine(struct kafka_srv *srv, const struct kafka_cfg *cfg)
{
	struct eng_config ecfg = cfg->eng;
	int err;

	if (!ecfg.nlisten)
		eng_config_set(&ecfg, "listen", "127.0.0.1:9092");
	if (!cfg->workers_set)
		ecfg.workers = 1;
	ecfg.proto = &kafka_proto;
	ecfg.proto_data = srv;
	srv->eng = eng_new(&ecfg, &err);
	if (!srv->eng)
		return err;
	srv->nr_workers = eng_workers(srv->eng);
	if (srv->nr_workers > KAFKA_MAX_WORKERS) {
		eng_log(ENG_LOG_ERROR, "--workers: at most %d",
			KAFKA_MAX_WORKERS);
		return -EINVAL;
	}
	srv->workers = calloc(srv->nr_workers, sizeof(*srv->workers));
	if (!srv->workers)
		return -ENOMEM;
	if (cfg->metrics) {
		err = http_metrics_listen(srv->eng, cfg->metrics);
		if (err)
			return err;
	}
	return 0;
}

/* Producer ids (before the topics, whose logs raise its floor). */
static int open_pids(struct kafka_srv *srv)
{
	int err = kafka_pid_alloc_init(&srv->pids, srv->datafd);

	if (err)
		eng_log(ENG_LOG_ERROR, "--data %s: %s: %s", srv->cfg->data,
			KAFKA_PID_FILE, err == -EBADMSG ? "damaged; refusing "
			"to start rather than hand out an id twice" :
			strerror(-err));
	else
		srv->pids_open = true;
	return err;
}

/* Everything eng_run needs; the error is logged. */
static int start(struct kafka_srv *srv, const struct kafka_cfg *cfg)
{
	int err;

	log_cfg(&srv->lcfg, cfg);
	err = open_data(srv, cfg->data);
	if (!err)
		err = open_pids(srv);
	if (!err)
		err = start_engine(srv, cfg);
	if (!err)
		err = advertise(srv, cfg);
	if (!err)
		err = kafka_metrics_register(srv);
	if (!err)
		err = kafka_groups_start(srv);
	if (!err)
		err = open_topics(srv);
	if (!err)
		err = kafka_commit_open(srv);
	if (!err)
		err = start_hk(srv);
	return err;
}

static void banner(struct kafka_srv *srv, const struct kafka_cfg *cfg)
{
	static const char *const flush[] = { "never", "interval", "always" };
	unsigned int i, nk = cfg->eng.nlisten ? cfg->eng.nlisten : 1;
	char addr[128];

	if (cfg->quiet)
		return;
	for (i = 0; i < eng_listen_count(srv->eng); i++)
		fprintf(stderr, "zcio broker: %s on %s\n",
			i < nk ? "kafka" : "metrics",
			eng_listen_text(srv->eng, i, addr, sizeof(addr)));
	fprintf(stderr, "zcio broker: data %s, %u topic%s, advertised as "
		"%s:%d, flush %s%s\n", cfg->data,
		kafka_topics_count(srv->topics),
		kafka_topics_count(srv->topics) == 1 ? "" : "s",
		srv->adv_host, srv->adv_port, flush[cfg->flush],
		cfg->fetch_copy ? ", fetch by copy" : "");
	fprintf(stderr, "zcio broker: %u worker%s, engine %s; Ctrl-C stops\n",
		eng_workers(srv->eng), eng_workers(srv->eng) == 1 ? "" : "s",
		ev_backend_name(eng_backend(srv->eng)));
}

static void stop(struct kafka_srv *srv)
{
	unsigned int i;

	stop_hk(srv);
	if (srv->eng)
		eng_free(srv->eng);
	/* After the engine: no worker, no metrics render uses them now. */
	kafka_groups_stop(srv);
	kafka_topics_close(srv->topics);
	kafka_commit_close(srv);
	for (i = 0; srv->workers && i < srv->nr_workers; i++)
		kafka_worker_free(srv->workers[i]);
	free(srv->workers);
	if (srv->pids_open)
		kafka_pid_alloc_exit(&srv->pids);
	if (srv->datafd >= 0)
		close(srv->datafd);
	pthread_cond_destroy(&srv->hk_cond);
	pthread_mutex_destroy(&srv->hk_lock);
	pthread_rwlock_destroy(&srv->wake_lock);
}

int kafka_broker_run(const struct kafka_cfg *cfg)
{
	struct kafka_srv srv = { .cfg = cfg, .datafd = -1 };
	pthread_condattr_t ca;
	int ret;

	pthread_mutex_init(&srv.hk_lock, NULL);
	/* The housekeeping thread's deadlines are CLOCK_MONOTONIC. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&srv.hk_cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_rwlock_init(&srv.wake_lock, NULL);
	ret = start(&srv, cfg);
	if (!ret) {
		banner(&srv, cfg);
		ret = eng_run(srv.eng);
		if (ret)
			eng_log(ENG_LOG_ERROR, "stopped: %s", strerror(-ret));
	}
	stop(&srv);
	return ret ? 1 : 0;
}
