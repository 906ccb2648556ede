/* SPDX-License-Identifier: MIT */
/*
 * kafka/producer_id.c - the durable producer id counter (producer_id.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kafka/crc32c.h"
#include "kafka/producer_id.h"

#define PID_TMP KAFKA_PID_FILE ".tmp"
#define PID_MAGIC "ZCPI"

static void put_le(uint8_t *p, uint64_t v, int n)
{
	int i;

	for (i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get_le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* The file's value, -ENOENT when missing, or -errno / -EBADMSG. */
static int64_t load(int dirfd)
{
	uint8_t b[17];
	ssize_t n;
	int fd;

	fd = openat(dirfd, KAFKA_PID_FILE, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return -errno;
	do {
		n = pread(fd, b, sizeof(b), 0);
	} while (n == -1 && errno == EINTR);
	close(fd);
	if (n == -1)
		return -errno;
	if (n != 16 || memcmp(b, PID_MAGIC, 4) ||
	    get_le(b + 4, 4) != kafka_crc32c(0, b + 8, 8) ||
	    (int64_t)get_le(b + 8, 8) < 0)
		return -EBADMSG;
	return (int64_t)get_le(b + 8, 8);
}

/* Replaces the file with @limit, durably (new file, rename). */
static int store(int dirfd, int64_t limit)
{
	uint8_t b[16];
	ssize_t n;
	int fd, ret = 0;

	memcpy(b, PID_MAGIC, 4);
	put_le(b + 8, (uint64_t)limit, 8);
	put_le(b + 4, kafka_crc32c(0, b + 8, 8), 4);
	fd = openat(dirfd, PID_TMP, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0644);
	if (fd == -1)
		return -errno;
	do {
		n = write(fd, b, sizeof(b));
	} while (n == -1 && errno == EINTR);
	if (n != (ssize_t)sizeof(b))
		ret = n == -1 ? -errno : -EIO;
	if (!ret && fsync(fd) == -1)
		ret = -errno;
	close(fd);
	if (!ret && renameat(dirfd, PID_TMP, dirfd, KAFKA_PID_FILE) == -1)
		ret = -errno;
	/* The rename itself must be on disk before an id is used. */
	if (!ret && fsync(dirfd) == -1)
		ret = -errno;
	return ret;
}

int kafka_pid_alloc_init(struct kafka_pid_alloc *a, int dirfd)
{
	int64_t v = load(dirfd);

	a->from_logs = v == -ENOENT;
	if (a->from_logs)
		v = 0;
	if (v < 0)
		return (int)v;
	pthread_mutex_init(&a->lock, NULL);
	a->dirfd = dirfd;
	a->next = v;
	a->limit = v;
	return 0;
}

void kafka_pid_alloc_exit(struct kafka_pid_alloc *a)
{
	pthread_mutex_destroy(&a->lock);
}

void kafka_pid_alloc_seen(struct kafka_pid_alloc *a, int64_t id)
{
	pthread_mutex_lock(&a->lock);
	if (a->from_logs && id >= a->next && id < INT64_MAX) {
		a->next = id + 1;
		if (a->limit < a->next)
			a->limit = a->next;
	}
	pthread_mutex_unlock(&a->lock);
}

int kafka_pid_alloc_next(struct kafka_pid_alloc *a, int64_t *id)
{
	int ret = 0;

	pthread_mutex_lock(&a->lock);
	if (a->next == a->limit) {
		if (a->limit > INT64_MAX - KAFKA_PID_BLOCK)
			ret = -EOVERFLOW;
		else
			ret = store(a->dirfd, a->limit + KAFKA_PID_BLOCK);
		if (!ret)
			a->limit += KAFKA_PID_BLOCK;
	}
	if (!ret)
		*id = a->next++;
	pthread_mutex_unlock(&a->lock);
	return ret;
}
