/* SPDX-License-Identifier: MIT */
/*
 * kafka/log_recover.c - what kafka_log_open does to the segments it finds:
 * trust a segment that the recovery point says is on disk once its
 * indexes check out, and validate every batch of the others (lengths,
 * magic, offsets following on, CRC32C), cutting at the first bad one.
 *
 * Rules:
 *  1. A segment whose every offset is below the recovery point was synced
 *     whole: its indexes are checked (index.h), its first header is read,
 *     and its batch headers are walked to the end of the file from the
 *     older of the two last index entries; missing entries are added. In
 *     the last segment the walk checks the CRC of the batches after the
 *     last offset entry too: the tail is always validated, at the cost of
 *     reading about one index interval. Any mismatch sends it to rule 2.
 *     Starting at the last time entry's batch makes the segment's max
 *     timestamp exact even when a crash kept a shorter .timeindex than
 *     .index (they reach the disk independently): every batch before the
 *     one an entry names has a smaller max timestamp (segment.c).
 *  2. Any other segment is read whole, each batch checked, indexes built
 *     from scratch; the file is cut (ftruncate) at the first batch that
 *     fails. That is a torn write, a page of zeros the kernel never wrote
 *     back, or anything else that a crash leaves past the synced point.
 *  3. Offsets must follow on from one segment to the next. Segments after
 *     a cut, or after a gap, are deleted: their offsets would not follow,
 *     and they hold nothing that was synced (a sync covers every segment
 *     written before it).
 *  4. Whatever was repaired is synced before the recovery point moves.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kafka/crc32c.h"
#include "kafka/log_int.h"

static uint64_t le_get(const uint8_t *p, int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* The recovery point, or -1 when the file is missing or torn. */
static int rp_read(struct kafka_log *log, int64_t *rp)
{
	uint8_t b[16];
	ssize_t n;

	*rp = -1;
	log->rp_fd = openat(log->dirfd, KAFKA_LOG_RP_FILE,
			    O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (log->rp_fd == -1) {
		log->rp_fd = -1;
		return -errno;
	}
	n = pread(log->rp_fd, b, sizeof(b), 0);
	if (n == (ssize_t)sizeof(b) && !memcmp(b, "ZCRP", 4) &&
	    le_get(b + 4, 4) == kafka_crc32c(0, b + 8, 8) &&
	    (int64_t)le_get(b + 8, 8) >= 0)
		*rp = (int64_t)le_get(b + 8, 8);
	log->rp_file = *rp;
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

struct bases {
	int64_t *v;
	uint32_t n, cap;
};

static int bases_add(struct bases *b, int64_t base)
{
	int64_t *p;

	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 16;
		p = realloc(b->v, b->cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		b->v = p;
	}
	b->v[b->n++] = base;
	return 0;
}

static bool is_index(const char *name, int64_t *base)
{
	return kafka_seg_name_parse(name, ".index", base) ||
	       kafka_seg_name_parse(name, ".timeindex", base);
}

/*
 * The base offsets of the .log files, sorted; index files that have no
 * .log (retention stopped half-way by a crash) are removed.
 */
static int list_segments(struct kafka_log *log, struct bases *b)
{
	struct dirent *de;
	int64_t base;
	DIR *d;
	int fd, ret = 0;

	fd = kafka_log__dup(log->dirfd);
	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while (!ret && (de = readdir(d)))
		if (kafka_seg_name_parse(de->d_name, ".log", &base))
			ret = bases_add(b, base);
	if (!ret && b->n)
		qsort(b->v, b->n, sizeof(*b->v), cmp_i64);
	rewinddir(d);
	while (!ret && (de = readdir(d)))
		if (is_index(de->d_name, &base) &&
		    !bsearch(&base, b->v, b->n, sizeof(*b->v), cmp_i64))
			unlinkat(log->dirfd, de->d_name, 0);
	closedir(d);
	return ret;
}

/*
 * Walks the batches of @seg from @pos, where the batch of offset @expect
 * starts, to @limit, accounting each into the segment and its indexes;
 * checks the CRC of those at or after @crc_from too. *@stop is where it
 * stopped: @limit when every batch was good, else the first bad batch.
 * Returns 0 or -errno (an I/O error, not a bad batch).
 */
static int walk(struct kafka_log *log, struct kafka_seg *seg, uint64_t pos,
		int64_t expect, uint64_t limit, uint64_t crc_from,
		uint64_t *stop)
{
	struct kafka_batch_hdr h;
	struct kafka_scan s;
	int ret, bad;

	kafka_scan_init(&s, seg->fd, pos, limit,
			crc_from < limit ? KAFKA_LOG_SCAN_BUF : 0);
	for (;;) {
		ret = kafka_scan_next(&s, &h);
		if (ret == 1 && h.base_offset != expect)
			ret = -EBADMSG;
		/* An I/O error must stop recovery, never cut the log. */
		if (ret == 1 && s.pos >= crc_from &&
		    (bad = kafka_scan_crc(&s, &h)))
			ret = bad;
		if (ret != 1)
			break;
		kafka_seg_account(seg, &h, s.pos,
				  log->cfg.index_interval_bytes);
		expect = kafka_batch_last_offset(&h) + 1;
		kafka_scan_skip(&s, &h);
	}
	*stop = s.pos;
	kafka_scan_exit(&s);
	return ret == -EBADMSG ? 0 : ret;
}

static void seg_forget(struct kafka_seg *seg)
{
	seg->end = seg->base;
	seg->size = 0;
	seg->max_ts = KAFKA_TS_NONE;
	seg->max_ts_off = seg->base;
}

static int load_one(struct kafka_log *log, struct kafka_idx *x,
		    int64_t base, const char *ext)
{
	char name[KAFKA_SEG_NAME_MAX];
	int ret;

	kafka_seg_name(name, base, ext);
	ret = kafka_idx_load(x, log->dirfd, name, false);
	if (ret == -ENOENT) {
		ret = kafka_idx_load(x, log->dirfd, name, true);
		return ret ? ret : -ENOENT;
	}
	return ret;
}

/*
 * Loads both index files, creating missing ones. Returns 0 when both
 * check out, -ENOENT or -EBADMSG when they must be rebuilt, or -errno.
 */
static int load_indexes(struct kafka_log *log, struct kafka_seg *seg,
			uint64_t size)
{
	int a, b;

	a = load_one(log, &seg->idx, seg->base, ".index");
	if (a && a != -ENOENT && a != -EBADMSG)
		return a;
	b = load_one(log, &seg->tidx, seg->base, ".timeindex");
	if (b && b != -ENOENT && b != -EBADMSG)
		return b;
	if (!a)
		a = kafka_idx_check_off(&seg->idx, size);
	if (!b)
		b = kafka_idx_check_time(&seg->tidx);
	return a ? a : b;
}

/* Reads the first batch header: its offset must be the file name's. */
static int first_batch(struct kafka_seg *seg, uint64_t size,
		       struct kafka_batch_hdr *h)
{
	struct kafka_scan s;
	int ret;

	kafka_scan_init(&s, seg->fd, 0, size, 0);
	ret = kafka_scan_next(&s, h);
	kafka_scan_exit(&s);
	if (ret == 1 && h->base_offset != seg->base)
		ret = -EBADMSG;
	return ret;
}

/*
 * Rule 1. Returns 0 when @seg is loaded and can be trusted, 1 when it
 * needs rule 2, or -errno.
 */
static int load_trusted(struct kafka_log *log, struct kafka_seg *seg,
			uint64_t size, int64_t rp, bool tail)
{
	struct kafka_batch_hdr h;
	int64_t ts, tlast = -1, e = -1;
	uint32_t rel = 0, pos = 0, n;
	uint64_t stop, crc_from = UINT64_MAX;
	int ret;

	ret = load_indexes(log, seg, size);
	if (ret == -EBADMSG || ret == -ENOENT) {
		log->st.rebuilt_indexes++;
		if (kafka_idx_reset(&seg->idx) || kafka_idx_reset(&seg->tidx))
			return -EIO;
	} else if (ret) {
		return ret;
	}
	if (size && first_batch(seg, size, &h) != 1)
		return 1;
	if (tail && seg->idx.n) {
		kafka_idx_off_at(&seg->idx, seg->idx.n - 1, &rel, &pos);
		crc_from = pos;
	}
	if (tail && !seg->idx.n)
		crc_from = 0;
	if (seg->tidx.n) {
		kafka_idx_time_at(&seg->tidx, seg->tidx.n - 1, &ts, &rel);
		seg->max_ts = ts;
		seg->max_ts_off = seg->base + rel;
		tlast = seg->base + rel;
		e = kafka_idx_find_off(&seg->idx, rel);
	}
	rel = pos = 0;
	if (e >= 0)
		kafka_idx_off_at(&seg->idx, (uint32_t)e, &rel, &pos);
	n = seg->idx.n;
	ret = walk(log, seg, pos, seg->base + rel, size, crc_from, &stop);
	if (ret)
		return ret;
	/* The last time entry must name an offset the segment holds. */
	if (stop != size || seg->end > rp || tlast >= seg->end)
		return 1;
	if (seg->idx.n != n)
		log->st.rebuilt_indexes++;
	return 0;
}

/* Rule 2: validates every batch and cuts at the first bad one. */
static int recover(struct kafka_log *log, struct kafka_seg *seg,
		   uint64_t size, uint64_t *cut)
{
	uint64_t stop;
	int ret;

	log->st.recovered_segments++;
	log->st.rebuilt_indexes++;
	seg_forget(seg);
	if (kafka_idx_reset(&seg->idx) || kafka_idx_reset(&seg->tidx))
		return -EIO;
	ret = walk(log, seg, 0, seg->base, size, 0, &stop);
	if (ret)
		return ret;
	*cut = size - stop;
	if (*cut && ftruncate(seg->fd, (off_t)stop) == -1)
		return -errno;
	log->st.truncated_bytes += *cut;
	seg->dirty = true;
	return 0;
}

/*
 * Loads one segment by rule 1 or 2; *@cut gets the bytes cut off. @tail:
 * it is the last one.
 */
static int load_segment(struct kafka_log *log, struct kafka_seg *seg,
			int64_t rp, bool tail, uint64_t *cut)
{
	struct stat st;
	int ret;

	*cut = 0;
	if (fstat(seg->fd, &st) == -1)
		return -errno;
	ret = load_trusted(log, seg, (uint64_t)st.st_size, rp, tail);
	if (ret == 1) {
		seg_forget(seg);
		ret = recover(log, seg, (uint64_t)st.st_size, cut);
	}
	if (!ret)
		kafka_seg_write_index(seg);
	return ret;
}

static void drop(struct kafka_log *log, struct kafka_seg *seg)
{
	kafka_seg_unlink(log->dirfd, seg);
	kafka_seg_free(seg);
	log->st.dropped_segments++;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The active segment's age counts from its first batch's timestamp. */
static void set_roll_time(struct kafka_seg *seg)
{
	struct kafka_batch_hdr h;
	int64_t now = now_ms();

	if (!seg->size || first_batch(seg, seg->size, &h) != 1)
		return;
	seg->roll_ms = h.max_timestamp < now ? h.max_timestamp : now;
}

/* Rules 1-3 over the sorted @b; pushes the segments kept. */
static int load_all(struct kafka_log *log, const struct bases *b,
		    int64_t rp)
{
	struct kafka_seg *seg, *prev = NULL;
	bool dropping = false;
	uint64_t cut;
	uint32_t i;
	int ret;

	for (i = 0; i < b->n; i++) {
		seg = kafka_seg_open(log->dirfd, b->v[i], &ret);
		if (!seg)
			return ret;
		if (dropping || (prev && prev->end != seg->base)) {
			dropping = true;
			drop(log, seg);
			continue;
		}
		ret = load_segment(log, seg, rp, i + 1 == b->n, &cut);
		if (!ret)
			ret = kafka_log__push(log, seg);
		if (ret) {
			kafka_seg_free(seg);
			return ret;
		}
		dropping = cut != 0;
		prev = seg;
	}
	return 0;
}

int kafka_log__recover(struct kafka_log *log)
{
	struct bases b = { 0 };
	struct kafka_seg *seg;
	int64_t rp;
	uint32_t i;
	int ret;

	ret = rp_read(log, &rp);
	if (!ret)
		ret = list_segments(log, &b);
	if (!ret)
		ret = load_all(log, &b, rp);
	free(b.v);
	if (ret)
		return ret;
	if (!log->nsegs) {
		seg = kafka_seg_create(log->dirfd, rp > 0 ? rp : 0, &ret);
		if (!seg)
			return ret;
		ret = kafka_log__push(log, seg);
		if (ret) {
			kafka_seg_free(seg);
			return ret;
		}
		log->dir_dirty = true;
	}
	for (i = 0; i < log->nsegs; i++) {
		seg = log->segs[i];
		kafka_seg_show_all(seg);
		if (i + 1 < log->nsegs)
			kafka_seg_seal(seg, log->dirfd);
	}
	seg = kafka_log__active(log);
	set_roll_time(seg);
	log->hw = seg->end;
	log->synced = rp < seg->end ? rp : seg->end;
	if (log->st.dropped_segments)
		log->dir_dirty = true;
	/* Rule 4. */
	return kafka_log__sync(log, seg->end, true);
}
