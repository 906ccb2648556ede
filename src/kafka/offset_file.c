/* SPDX-License-Identifier: MIT */
/*
 * kafka/offset_file.c - the committed-offsets file (format: offset_store.h):
 * records in and out, and what kafka_offsets_open does to the file:
 * replay into the map, cut a torn or corrupt tail, compact.
 *
 * Replay maps the file read-only: the data directory is locked by the
 * broker, so nothing truncates it under the mapping.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kafka/crc32c.h"
#include "kafka/offset_int.h"

#define TMP_FILE KAFKA_OFFSETS_FILE ".tmp"

static void put_le(uint8_t *p, uint64_t v, int n)
{
	int i;

	for (i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get_le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = v << 8 | p[n];
	return v;
}

size_t kafka_offsets__rec_size(const struct kafka_offsets_ent *e)
{
	return KAFKA_OFFSETS_REC_HDR + KAFKA_OFFSETS_BODY_MIN + e->glen +
	       e->tlen + e->mlen;
}

void kafka_offsets__rec_encode(uint8_t *p, const struct kafka_offsets_ent *e)
{
	size_t strs = (size_t)e->glen + e->tlen + e->mlen;
	size_t len = KAFKA_OFFSETS_BODY_MIN + strs;
	uint8_t *b = p + KAFKA_OFFSETS_REC_HDR;

	b[0] = KAFKA_OFFSETS_REC_COMMIT;
	put_le(b + 1, (uint32_t)e->partition, 4);
	put_le(b + 5, (uint64_t)e->offset, 8);
	put_le(b + 13, (uint32_t)e->leader_epoch, 4);
	put_le(b + 17, (uint64_t)e->commit_ts, 8);
	put_le(b + 25, e->glen, 2);
	put_le(b + 27, e->tlen, 2);
	put_le(b + 29, e->mlen, 2);
	memcpy(b + KAFKA_OFFSETS_BODY_MIN, e->data, strs);
	put_le(p, len, 4);
	put_le(p + 4, kafka_crc32c(0, b, len), 4);
}

/*
 * The record at @p (@left bytes to the end of the file) as a new entry
 * in *@out. Returns its size; 0 when it is torn (runs past the end) or
 * corrupt (length out of bounds, CRC, type or string lengths wrong);
 * -ENOMEM.
 */
static ssize_t rec_decode(const uint8_t *p, size_t left,
			  struct kafka_offsets_ent **out)
{
	struct kafka_offsets_ent *e;
	uint16_t g, t, m;
	const uint8_t *b;
	uint64_t len;

	if (left < KAFKA_OFFSETS_REC_HDR)
		return 0;
	len = get_le(p, 4);
	if (len < KAFKA_OFFSETS_BODY_MIN || len > KAFKA_OFFSETS_BODY_MAX ||
	    len > left - KAFKA_OFFSETS_REC_HDR)
		return 0;
	b = p + KAFKA_OFFSETS_REC_HDR;
	if (kafka_crc32c(0, b, len) != get_le(p + 4, 4) ||
	    b[0] != KAFKA_OFFSETS_REC_COMMIT)
		return 0;
	g = (uint16_t)get_le(b + 25, 2);
	t = (uint16_t)get_le(b + 27, 2);
	m = (uint16_t)get_le(b + 29, 2);
	if (!g || !t || KAFKA_OFFSETS_BODY_MIN + (uint64_t)g + t + m != len)
		return 0;
	b += KAFKA_OFFSETS_BODY_MIN;
	e = kafka_offsets__ent_new((const char *)b, g, (const char *)b + g, t,
				   (const char *)b + g + t, m);
	if (!e)
		return -ENOMEM;
	b = p + KAFKA_OFFSETS_REC_HDR;
	e->partition = (int32_t)(uint32_t)get_le(b + 1, 4);
	e->offset = (int64_t)get_le(b + 5, 8);
	e->leader_epoch = (int32_t)(uint32_t)get_le(b + 13, 4);
	e->commit_ts = (int64_t)get_le(b + 17, 8);
	*out = e;
	return (ssize_t)(KAFKA_OFFSETS_REC_HDR + len);
}

/* What replay found in the file. */
struct replay {
	uint64_t file_size;
	uint64_t good_end;	/* after the last good record */
	uint64_t records;
	bool fresh;		/* no complete header: a new file */
};

static int replay_map(struct kafka_offsets *s, const uint8_t *map,
		      struct replay *r)
{
	struct kafka_offsets_ent *e = NULL;
	uint64_t off = KAFKA_OFFSETS_HDR_LEN;
	ssize_t n;

	if (memcmp(map, KAFKA_OFFSETS_MAGIC, 4) ||
	    get_le(map + 4, 4) != KAFKA_OFFSETS_VERSION)
		return -EBADMSG;
	while (off < r->file_size) {
		n = rec_decode(map + off, r->file_size - off, &e);
		if (n < 0)
			return (int)n;
		if (!n)
			break;
		pthread_mutex_lock(&s->mu);
		kafka_offsets__insert(s, e);
		pthread_mutex_unlock(&s->mu);
		off += (uint64_t)n;
		r->records++;
	}
	r->good_end = off;
	return 0;
}

/* Reads every good record of @s->fd into the map. */
static int replay(struct kafka_offsets *s, struct replay *r)
{
	struct stat sb;
	void *map;
	int err;

	memset(r, 0, sizeof(*r));
	if (fstat(s->fd, &sb))
		return -errno;
	r->file_size = (uint64_t)sb.st_size;
	if (r->file_size < KAFKA_OFFSETS_HDR_LEN) {
		/* created now, or a crash tore the header of a new file */
		r->fresh = true;
		return 0;
	}
	map = mmap(NULL, r->file_size, PROT_READ, MAP_PRIVATE, s->fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	err = replay_map(s, map, r);
	munmap(map, r->file_size);
	return err;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(fd, p, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Buffered output of the compacted file. */
struct out {
	int fd;
	int err;
	size_t len;
	uint8_t buf[65536];
};

static void out_put(struct out *o, const struct kafka_offsets_ent *e)
{
	size_t n = kafka_offsets__rec_size(e);

	if (o->len + n > sizeof(o->buf)) {
		if (!o->err)
			o->err = write_all(o->fd, o->buf, o->len);
		o->len = 0;
	}
	/* a record is at most 8 + 31 + 3 * 65535 bytes: beyond the buffer */
	if (n > sizeof(o->buf)) {
		uint8_t *p = malloc(n);

		if (!p) {
			o->err = o->err ? o->err : -ENOMEM;
			return;
		}
		kafka_offsets__rec_encode(p, e);
		if (!o->err)
			o->err = write_all(o->fd, p, n);
		free(p);
		return;
	}
	kafka_offsets__rec_encode(o->buf + o->len, e);
	o->len += n;
}

/* Every entry of the map, after the header, into @o. */
static void out_all(struct kafka_offsets *s, struct out *o)
{
	const struct kafka_offsets_ent *e;
	uint32_t i;

	memcpy(o->buf, KAFKA_OFFSETS_MAGIC, 4);
	put_le(o->buf + 4, KAFKA_OFFSETS_VERSION, 4);
	o->len = KAFKA_OFFSETS_HDR_LEN;
	for (i = 0; i < s->nbuckets; i++)
		for (e = s->buckets[i]; e; e = e->next)
			out_put(o, e);
	if (!o->err)
		o->err = write_all(o->fd, o->buf, o->len);
}

/*
 * Writes the map's latest values to the temporary file, syncs it and
 * renames it over the store's file, then syncs the directory. Once the
 * rename is done s->st.compacted is set and s->fd is the new file (the
 * old one closed), even if the directory's sync then fails. A failure
 * before removes the temporary file and leaves s->fd unchanged.
 */
static int compact(struct kafka_offsets *s)
{
	struct out *o;
	struct stat sb;
	int err, fd;

	o = malloc(sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->err = 0;
	o->fd = openat(s->dirfd, TMP_FILE,
		       O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (o->fd < 0) {
		err = -errno;
		free(o);
		return err;
	}
	out_all(s, o);
	err = o->err;
	fd = o->fd;
	free(o);
	if (!err && fdatasync(fd))
		err = -errno;
	if (!err && fstat(fd, &sb))
		err = -errno;
	if (!err && renameat(s->dirfd, TMP_FILE, s->dirfd,
			     KAFKA_OFFSETS_FILE))
		err = -errno;
	if (err) {
		close(fd);
		unlinkat(s->dirfd, TMP_FILE, 0);
		return err;
	}
	close(s->fd);
	s->fd = fd;
	s->size = (uint64_t)sb.st_size;
	s->st.compacted = true;
	/* the rename is durable once the directory is */
	return fsync(s->dirfd) ? -errno : 0;
}

/*
 * Compaction failed: keep the file, but never append after a bad tail or
 * to a file without its header.
 */
static int repair(struct kafka_offsets *s, const struct replay *r)
{
	uint8_t hdr[KAFKA_OFFSETS_HDR_LEN];

	s->size = r->good_end;
	if (r->fresh) {
		memcpy(hdr, KAFKA_OFFSETS_MAGIC, 4);
		put_le(hdr + 4, KAFKA_OFFSETS_VERSION, 4);
		if (pwrite(s->fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr))
			return errno ? -errno : -EIO;
		s->size = KAFKA_OFFSETS_HDR_LEN;
	}
	if (ftruncate(s->fd, (off_t)s->size) || fdatasync(s->fd))
		return -errno;
	return 0;
}

int kafka_offsets__load(struct kafka_offsets *s)
{
	struct replay r;
	int err;

	/* a compaction that crashed before its rename left this */
	unlinkat(s->dirfd, TMP_FILE, 0);
	s->fd = openat(s->dirfd, KAFKA_OFFSETS_FILE,
		       O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (s->fd < 0)
		return -errno;
	err = replay(s, &r);
	if (err)
		goto fail;
	s->st.replayed = r.records;
	s->st.truncated_bytes = r.fresh ? r.file_size :
				r.file_size - r.good_end;
	s->size = r.file_size;
	if (r.fresh || r.good_end < r.file_size || r.records > s->st.keys) {
		err = compact(s);
		if (err && !s->st.compacted) {
			s->st.compact_err = err;
			err = repair(s, &r);
		}
		if (err)
			goto fail;
	}
	s->synced = s->size;
	return 0;
fail:
	close(s->fd);
	s->fd = -1;
	return err;
}
