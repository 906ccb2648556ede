/* SPDX-License-Identifier: MIT */
/*
 * kafka/log.c - opening and closing a partition log, its configuration,
 * counters and directory names (log.h). Recovery is log_recover.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kafka/log_int.h"

#define DAY_MS (24 * 3600 * 1000LL)

void kafka_log_cfg_init(struct kafka_log_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->segment_bytes = 1ull << 30;
	cfg->segment_ms = 7 * DAY_MS;
	cfg->retention_bytes = -1;
	cfg->retention_ms = 7 * DAY_MS;
	cfg->index_interval_bytes = 4096;
	cfg->leader_epoch = 0;
	cfg->flush = KAFKA_LOG_FLUSH_NEVER;
	cfg->producer_expiration_ms = 7 * DAY_MS;
}

static int cfg_check(const struct kafka_log_cfg *cfg)
{
	if (!cfg->segment_bytes || cfg->segment_bytes > UINT32_MAX ||
	    cfg->segment_ms < 0 || cfg->retention_bytes < -1 ||
	    cfg->retention_ms < -1 || cfg->flush < KAFKA_LOG_FLUSH_NEVER ||
	    cfg->flush > KAFKA_LOG_FLUSH_ALWAYS)
		return -EINVAL;
	return 0;
}

/* Kafka's rule (Topic.java): [a-zA-Z0-9._-]{1,249}, not "." or "..". */
bool kafka_log_topic_valid(const char *topic, size_t len)
{
	size_t i;
	char c;

	if (!len || len > KAFKA_LOG_TOPIC_MAX)
		return false;
	if ((len == 1 && topic[0] == '.') ||
	    (len == 2 && topic[0] == '.' && topic[1] == '.'))
		return false;
	for (i = 0; i < len; i++) {
		c = topic[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	return true;
}

int kafka_log_dirname(char *buf, size_t size, const char *topic,
		      int32_t partition)
{
	int n;

	if (!kafka_log_topic_valid(topic, strlen(topic)) || partition < 0)
		return -EINVAL;
	n = snprintf(buf, size, "%s-%" PRId32, topic, partition);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return n;
}

int kafka_log_dirname_parse(const char *name, char *topic,
			    int32_t *partition)
{
	const char *dash = strrchr(name, '-');
	const char *p;
	int64_t v = 0;

	if (!dash || !dash[1] || (dash[1] == '0' && dash[2]))
		return -EINVAL;
	for (p = dash + 1; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (*p - '0');
		if (v > INT32_MAX)
			return -EINVAL;
	}
	if (!kafka_log_topic_valid(name, (size_t)(dash - name)))
		return -EINVAL;
	memcpy(topic, name, (size_t)(dash - name));
	topic[dash - name] = '\0';
	*partition = (int32_t)v;
	return 0;
}

int kafka_log__dup(int fd)
{
	int d = fcntl(fd, F_DUPFD_CLOEXEC, 0);

	return d == -1 ? -errno : d;
}

uint32_t kafka_log__find(struct kafka_log *log, int64_t offset)
{
	uint32_t lo = 0, hi = log->nsegs, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (log->segs[mid]->base <= offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? lo - 1 : 0;
}

int kafka_log__push(struct kafka_log *log, struct kafka_seg *seg)
{
	struct kafka_seg **p;
	uint32_t cap;

	if (log->nsegs == log->segs_cap) {
		cap = log->segs_cap ? log->segs_cap * 2 : 16;
		p = realloc(log->segs, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		log->segs = p;
		log->segs_cap = cap;
	}
	log->segs[log->nsegs++] = seg;
	return 0;
}

void kafka_log__notify(struct kafka_log *log, int64_t end)
{
	kafka_log_notify_fn fn;
	void *arg;

	pthread_mutex_lock(&log->lock);
	fn = log->notify;
	arg = log->notify_arg;
	pthread_mutex_unlock(&log->lock);
	if (fn)
		fn(arg, end);
}

/*
 * The partition directory, created when missing and allowed: then its
 * entry in the data directory is synced, so that a segment acknowledged
 * under ALWAYS cannot lose the directory it lives in.
 */
static int open_dir(int dirfd, const char *name, unsigned int flags)
{
	int fd;

	if ((flags & KAFKA_LOG_CREATE) && !mkdirat(dirfd, name, 0755) &&
	    fsync(dirfd) == -1)
		return -errno;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
		    O_NOFOLLOW);
	if (fd == -1)
		return -errno;
	/* Two brokers (or two opens) on one log would corrupt it. */
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		close(fd);
		return errno == EWOULDBLOCK ? -EBUSY : -errno;
	}
	return fd;
}

static void log_free(struct kafka_log *log)
{
	uint32_t i;

	for (i = 0; i < log->nsegs; i++)
		kafka_seg_free(log->segs[i]);
	free(log->segs);
	kafka_pstate_exit(&log->ps);
	if (log->rp_fd >= 0)
		close(log->rp_fd);
	if (log->dirfd >= 0)
		close(log->dirfd);
	pthread_mutex_destroy(&log->lock);
	pthread_mutex_destroy(&log->sync_lock);
	free(log);
}

int kafka_log_open(int dirfd, const char *topic, int32_t partition,
		   unsigned int flags, const struct kafka_log_cfg *cfg,
		   struct kafka_log **out)
{
	char name[KAFKA_LOG_DIRNAME_MAX];
	struct kafka_log *log;
	int ret;

	ret = kafka_log_dirname(name, sizeof(name), topic, partition);
	if (ret < 0)
		return -EINVAL;
	if (cfg_check(cfg))
		return -EINVAL;
	log = calloc(1, sizeof(*log));
	if (!log)
		return -ENOMEM;
	pthread_mutex_init(&log->lock, NULL);
	pthread_mutex_init(&log->sync_lock, NULL);
	log->cfg = *cfg;
	log->rp_fd = -1;
	kafka_pstate_init(&log->ps);
	log->snap_end = -1;
	log->dirfd = open_dir(dirfd, name, flags);
	if (log->dirfd < 0) {
		ret = log->dirfd;
		log->dirfd = -1;
		log_free(log);
		return ret;
	}
	ret = kafka_log__recover(log);
	if (!ret)
		ret = kafka_log__producers_load(log);
	if (ret) {
		log_free(log);
		return ret;
	}
	*out = log;
	return 0;
}

int kafka_log_close(struct kafka_log *log)
{
	int ret;

	if (!log)
		return 0;
	ret = kafka_log__sync(log, INT64_MAX, true);
	if (!ret)
		kafka_log__producers_checkpoint(log);
	log_free(log);
	return ret;
}

int64_t kafka_log_start_offset(struct kafka_log *log)
{
	int64_t v;

	pthread_mutex_lock(&log->lock);
	v = log->segs[0]->base;
	pthread_mutex_unlock(&log->lock);
	return v;
}

int64_t kafka_log_end_offset(struct kafka_log *log)
{
	int64_t v;

	pthread_mutex_lock(&log->lock);
	v = log->hw;
	pthread_mutex_unlock(&log->lock);
	return v;
}

void kafka_log_set_notify(struct kafka_log *log, kafka_log_notify_fn fn,
			  void *arg)
{
	pthread_mutex_lock(&log->lock);
	log->notify = fn;
	log->notify_arg = arg;
	pthread_mutex_unlock(&log->lock);
}

void kafka_log_stats(struct kafka_log *log, struct kafka_log_stats *st)
{
	uint64_t bytes = 0;
	uint32_t i;

	pthread_mutex_lock(&log->lock);
	*st = log->st;
	for (i = 0; i < log->nsegs; i++)
		bytes += log->segs[i]->size;
	st->bytes = bytes;
	st->segments = log->nsegs;
	st->log_start = log->segs[0]->base;
	st->high_watermark = log->hw;
	st->recovery_point = log->rp_file;
	pthread_mutex_unlock(&log->lock);
}

void kafka_log_slice_exit(struct kafka_log_slice *s)
{
	zc_buf_unref(s->file);
	s->file = NULL;
	s->len = 0;
}
