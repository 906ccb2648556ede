/* SPDX-License-Identifier: MIT */
/*
 * kafka/segment_scan.c - reading batch headers (and, for recovery, whole
 * batches) back from a segment file through a buffer: one pread brings in
 * the headers of many small batches, and a large batch is skipped without
 * reading its records.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kafka/crc32c.h"
#include "kafka/segment.h"

void kafka_scan_init(struct kafka_scan *s, int fd, uint64_t pos,
		     uint64_t limit, size_t cap)
{
	s->fd = fd;
	s->pos = pos;
	s->limit = limit;
	s->buf = NULL;
	if (cap > sizeof(s->inline_buf))
		s->buf = malloc(cap);
	if (s->buf) {
		s->cap = cap;
	} else {
		/* The small buffer only costs more preads. */
		s->buf = s->inline_buf;
		s->cap = sizeof(s->inline_buf);
	}
	s->buf_pos = 0;
	s->buf_len = 0;
}

void kafka_scan_exit(struct kafka_scan *s)
{
	if (s->buf != s->inline_buf)
		free(s->buf);
	s->buf = s->inline_buf;
	s->buf_len = 0;
}

/*
 * Makes [@pos, @pos + @len) (@len <= cap) available in the buffer, reading
 * from @pos on as much as fits below the limit. Returns a pointer to it,
 * or NULL with *@err: -EBADMSG when the file ends first, or -errno.
 */
static const uint8_t *fill(struct kafka_scan *s, uint64_t pos, size_t len,
			   int *err)
{
	size_t want, got = 0;
	ssize_t n;

	if (pos >= s->buf_pos && pos + len <= s->buf_pos + s->buf_len)
		return s->buf + (pos - s->buf_pos);
	want = s->cap;
	if (s->limit - pos < want)
		want = (size_t)(s->limit - pos);
	s->buf_pos = pos;
	s->buf_len = 0;
	while (got < want) {
		n = pread(s->fd, s->buf + got, want - got, (off_t)(pos + got));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			*err = -errno;
			return NULL;
		}
		if (!n)
			break;
		got += (size_t)n;
	}
	s->buf_len = got;
	if (got < len) {
		*err = -EBADMSG;
		return NULL;
	}
	return s->buf;
}

int kafka_scan_next(struct kafka_scan *s, struct kafka_batch_hdr *h)
{
	const uint8_t *p;
	int err = 0;

	if (s->pos >= s->limit)
		return 0;
	if (s->limit - s->pos < KAFKA_BATCH_HDR_LEN)
		return -EBADMSG;
	p = fill(s, s->pos, KAFKA_BATCH_HDR_LEN, &err);
	if (!p)
		return err;
	if (kafka_batch_hdr_parse(p, KAFKA_BATCH_HDR_LEN, h))
		return -EBADMSG;
	if (h->last_offset_delta < 0 ||
	    (uint64_t)kafka_batch_size(h) > s->limit - s->pos)
		return -EBADMSG;
	return 1;
}

int kafka_scan_crc(struct kafka_scan *s, const struct kafka_batch_hdr *h)
{
	uint64_t pos = s->pos + KAFKA_BATCH_CRC_OFF;
	uint64_t end = s->pos + (uint64_t)kafka_batch_size(h);
	const uint8_t *p;
	uint32_t crc = 0;
	size_t n;
	int err = 0;

	while (pos < end) {
		n = end - pos < s->cap ? (size_t)(end - pos) : s->cap;
		p = fill(s, pos, n, &err);
		if (!p)
			return err;
		crc = kafka_crc32c(crc, p, n);
		pos += n;
	}
	return crc == h->crc ? 0 : -EBADMSG;
}

int kafka_scan_read(struct kafka_scan *s, const struct kafka_batch_hdr *h,
		    uint8_t **out)
{
	size_t len = (size_t)kafka_batch_size(h), got = 0;
	uint8_t *p = malloc(len);
	ssize_t n;

	if (!p)
		return -ENOMEM;
	while (got < len) {
		n = pread(s->fd, p + got, len - got, (off_t)(s->pos + got));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(p);
			return n ? -errno : -EIO;
		}
		got += (size_t)n;
	}
	*out = p;
	return 0;
}
