/* SPDX-License-Identifier: MIT */
/*
 * kafka/index.c - a segment's offset and time index: a heap array while
 * the segment is active, a read-only mapping once sealed (index.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kafka/index.h"

static void put_be(uint8_t *p, uint64_t v, int n)
{
	while (n--) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

static uint64_t get_be(const uint8_t *p, int n)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

void kafka_idx_init(struct kafka_idx *x, uint32_t esize)
{
	memset(x, 0, sizeof(*x));
	x->esize = esize;
	x->fd = -1;
}

void kafka_idx_exit(struct kafka_idx *x)
{
	if (x->map_len)
		munmap(x->ent, x->map_len);
	else
		free(x->ent);
	if (x->fd >= 0)
		close(x->fd);
	kafka_idx_init(x, x->esize);
}

static int grow(struct kafka_idx *x, uint32_t want)
{
	uint32_t cap = x->cap ? x->cap : 64;
	uint8_t *p;

	if (x->map_len)
		return -EROFS;
	if (want <= x->cap)
		return 0;
	while (cap < want) {
		if (cap > UINT32_MAX / 2)
			return -ENOMEM;
		cap *= 2;
	}
	p = realloc(x->ent, (size_t)cap * x->esize);
	if (!p)
		return -ENOMEM;
	x->ent = p;
	x->cap = cap;
	return 0;
}

static ssize_t pread_full(int fd, uint8_t *p, size_t len, off_t off)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pread(fd, p + done, len - done, off + (off_t)done);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -errno;
		if (!n)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

int kafka_idx_load(struct kafka_idx *x, int dirfd, const char *name,
		   bool create)
{
	int flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0);
	struct stat st;
	uint32_t n;
	ssize_t got;
	int ret;

	kafka_idx_exit(x);
	x->fd = openat(dirfd, name, flags, 0644);
	if (x->fd == -1)
		return -errno;
	if (fstat(x->fd, &st) == -1)
		return -errno;
	if ((uint64_t)st.st_size / x->esize > UINT32_MAX / 2)
		return -EBADMSG;
	n = (uint32_t)((uint64_t)st.st_size / x->esize);
	ret = grow(x, n);
	if (ret)
		return ret;
	got = pread_full(x->fd, x->ent, (size_t)n * x->esize, 0);
	if (got < 0)
		return (int)got;
	x->n = (uint32_t)((size_t)got / x->esize);
	x->written = x->n;
	x->synced = x->n;
	if (x->n != n || (uint64_t)st.st_size % x->esize)
		return -EBADMSG;
	return 0;
}

int kafka_idx_reset(struct kafka_idx *x)
{
	x->n = 0;
	x->written = 0;
	x->synced = 0;
	if (x->fd >= 0 && ftruncate(x->fd, 0) == -1)
		return -errno;
	return 0;
}

int kafka_idx_add_off(struct kafka_idx *x, uint32_t rel, uint32_t pos)
{
	uint8_t *p;
	int ret = grow(x, x->n + 1);

	if (ret)
		return ret;
	p = x->ent + (size_t)x->n * x->esize;
	put_be(p, rel, 4);
	put_be(p + 4, pos, 4);
	x->n++;
	return 0;
}

int kafka_idx_add_time(struct kafka_idx *x, int64_t ts, uint32_t rel)
{
	uint8_t *p;
	int ret = grow(x, x->n + 1);

	if (ret)
		return ret;
	p = x->ent + (size_t)x->n * x->esize;
	put_be(p, (uint64_t)ts, 8);
	put_be(p + 8, rel, 4);
	x->n++;
	return 0;
}

void kafka_idx_off_at(const struct kafka_idx *x, uint32_t i, uint32_t *rel,
		      uint32_t *pos)
{
	const uint8_t *p = x->ent + (size_t)i * x->esize;

	*rel = (uint32_t)get_be(p, 4);
	*pos = (uint32_t)get_be(p + 4, 4);
}

void kafka_idx_time_at(const struct kafka_idx *x, uint32_t i, int64_t *ts,
		       uint32_t *rel)
{
	const uint8_t *p = x->ent + (size_t)i * x->esize;

	*ts = (int64_t)get_be(p, 8);
	*rel = (uint32_t)get_be(p + 8, 4);
}

/* The first field of entry @i as a signed key: offsets fit, so do times. */
static int64_t key_at(const struct kafka_idx *x, uint32_t i)
{
	const uint8_t *p = x->ent + (size_t)i * x->esize;

	if (x->esize == KAFKA_IDX_OFF_SIZE)
		return (int64_t)get_be(p, 4);
	return (int64_t)get_be(p, 8);
}

/* The last entry whose key is <= @key, or -1. */
static int64_t find(const struct kafka_idx *x, int64_t key)
{
	uint32_t lo = 0, hi = x->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (key_at(x, mid) <= key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (int64_t)lo - 1;
}

int64_t kafka_idx_find_off(const struct kafka_idx *x, uint32_t rel)
{
	return find(x, rel);
}

int64_t kafka_idx_find_time(const struct kafka_idx *x, int64_t ts)
{
	return find(x, ts);
}

int kafka_idx_check_off(const struct kafka_idx *x, uint64_t log_size)
{
	uint32_t i, rel, pos, prel = 0, ppos = 0;

	for (i = 0; i < x->n; i++) {
		kafka_idx_off_at(x, i, &rel, &pos);
		if (pos >= log_size || (i && (rel <= prel || pos <= ppos)))
			return -EBADMSG;
		prel = rel;
		ppos = pos;
	}
	return 0;
}

int kafka_idx_check_time(const struct kafka_idx *x)
{
	uint32_t i, rel, prel = 0;
	int64_t ts, pts = 0;

	for (i = 0; i < x->n; i++) {
		kafka_idx_time_at(x, i, &ts, &rel);
		if (i && (ts <= pts || rel < prel))
			return -EBADMSG;
		pts = ts;
		prel = rel;
	}
	return 0;
}

int kafka_idx_write(struct kafka_idx *x)
{
	size_t off = (size_t)x->written * x->esize;
	size_t len = (size_t)(x->n - x->written) * x->esize;
	size_t done = 0;
	ssize_t n;

	if (x->fd < 0 || !len)
		return 0;
	while (done < len) {
		n = pwrite(x->fd, x->ent + off + done, len - done,
			   (off_t)(off + done));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			n = -errno;
			/* A half entry would make the file look torn. */
			if (ftruncate(x->fd, (off_t)off) == -1)
				return -errno;
			return (int)n;
		}
		done += (size_t)n;
	}
	x->written = x->n;
	return 0;
}

void kafka_idx_seal(struct kafka_idx *x, int dirfd, const char *name)
{
	size_t len;
	void *map;
	int fd;

	if (x->map_len)
		return;
	if (kafka_idx_write(x) || !x->n) {
		/* Keep the heap copy: the file is short or there is none. */
		goto out;
	}
	len = (size_t)x->n * x->esize;
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		goto out;
	map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		goto out;
	free(x->ent);
	x->ent = map;
	x->map_len = len;
	x->cap = 0;
out:
	if (x->fd >= 0 && x->synced == x->written) {
		close(x->fd);
		x->fd = -1;
	}
}
