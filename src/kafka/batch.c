/* SPDX-License-Identifier: MIT */
/*
 * kafka/batch.c - record batch v2 headers: parsing for the log, the
 * checks Kafka's broker makes on a produced batch (ProduceRequest
 * .validateRecords, LogValidator.validateBatch, DefaultRecordBatch
 * .ensureValid), and the in-place rewrites of an append.
 */
#include <errno.h>
#include <string.h>

#include <zcio/view.h>

#include "kafka/batch.h"
#include "kafka/crc32c.h"
#include "kafka/err.h"

/* batch_length counts the bytes after itself: the header minus 12. */
#define LENGTH_MIN (KAFKA_BATCH_HDR_LEN - KAFKA_BATCH_LOG_OVERHEAD)
#define MAGIC_OFF 16
#define ATTR_OFF 21
#define MAX_TS_OFF 35
/* attribute bits this codec knows; a client sets nothing above them */
#define ATTR_KNOWN 0x3f

static uint64_t be(const uint8_t *p, size_t n)
{
	return zc__load_be(p, n);
}

static void put_be(uint8_t *p, uint64_t x, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(x >> (8 * (n - 1 - i)));
}

int64_t kafka_batch_size_at(const void *buf, size_t len)
{
	int32_t n;

	if (len < KAFKA_BATCH_LOG_OVERHEAD)
		return -ENODATA;
	n = (int32_t)be((const uint8_t *)buf + 8, 4);
	if (n < LENGTH_MIN)
		return -EBADMSG;
	return (int64_t)n + KAFKA_BATCH_LOG_OVERHEAD;
}

int kafka_batch_hdr_parse(const void *buf, size_t len,
			  struct kafka_batch_hdr *h)
{
	struct zc_view v;

	if (len < KAFKA_BATCH_HDR_LEN)
		return -ENODATA;
	zc_view_init(&v, buf, KAFKA_BATCH_HDR_LEN);
	zc_view_i64be(&v, &h->base_offset);
	zc_view_i32be(&v, &h->batch_length);
	zc_view_i32be(&v, &h->partition_leader_epoch);
	zc_view_i8(&v, &h->magic);
	zc_view_u32be(&v, &h->crc);
	zc_view_i16be(&v, &h->attributes);
	zc_view_i32be(&v, &h->last_offset_delta);
	zc_view_i64be(&v, &h->first_timestamp);
	zc_view_i64be(&v, &h->max_timestamp);
	zc_view_i64be(&v, &h->producer_id);
	zc_view_i16be(&v, &h->producer_epoch);
	zc_view_i32be(&v, &h->base_sequence);
	zc_view_i32be(&v, &h->records_count);
	if (h->magic != KAFKA_BATCH_MAGIC || h->batch_length < LENGTH_MIN)
		return -EBADMSG;
	return 0;
}

int64_t kafka_batch_record_timestamp(const struct kafka_batch_hdr *h,
				     int64_t delta)
{
	if (kafka_batch_log_append_time(h))
		return h->max_timestamp;
	return (int64_t)((uint64_t)h->first_timestamp + (uint64_t)delta);
}

/*
 * zc_view_varint with its output always set: gcc 12 cannot see that the
 * inlined zc_view_uvarint sets it whenever it returns 0, and warns.
 */
static int varint(struct zc_view *v, int64_t *out)
{
	uint64_t u = 0;

	if (zc_view_uvarint(v, &u))
		return zc_view_error(v);
	*out = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
	return 0;
}

/* A varint (32-bit on the wire) length: -1 (null) when @nullable, else
 * 0..left; skips the bytes. False when it does not hold. */
static bool skip_field(struct zc_view *v, bool nullable)
{
	int64_t n;

	if (varint(v, &n))
		return false;
	if (n == -1 && nullable)
		return true;
	if (n < 0 || (uint64_t)n > zc_view_left(v))
		return false;
	return !zc_view_skip(v, (size_t)n);
}

/* One record (DefaultRecord): exactly @v's bytes, offset delta @i. */
static bool record_ok(struct zc_view *v, int64_t i)
{
	int64_t x = 0, n = 0, k;
	int8_t attrs;

	zc_view_i8(v, &attrs);
	varint(v, &x);			/* timestampDelta */
	if (varint(v, &x) || x != i)	/* offsetDelta */
		return false;
	if (!skip_field(v, true) || !skip_field(v, true))	/* key, value */
		return false;
	if (varint(v, &n) || n < 0 || n > INT32_MAX)
		return false;
	for (k = 0; k < n; k++)
		if (!skip_field(v, false) || !skip_field(v, true))
			return false;
	return !zc_view_error(v) && !zc_view_left(v);
}

/*
 * Walks the uncompressed records after the header: @count records whose
 * varint lengths tile the rest of the batch exactly, with offset deltas
 * 0..count-1 (what LogValidator checks for magic 2).
 */
static bool records_ok(const uint8_t *p, size_t len, int32_t count)
{
	struct zc_view v, rec;
	int64_t i, n;

	zc_view_init(&v, p, len);
	for (i = 0; i < count; i++) {
		if (varint(&v, &n) || n < 0 ||
		    (uint64_t)n > zc_view_left(&v))
			return false;
		zc_view_sub(&v, (size_t)n, &rec);
		if (!record_ok(&rec, i))
			return false;
	}
	return !zc_view_left(&v);
}

static int attributes_check(const struct kafka_batch_hdr *h,
			    const struct kafka_batch_limits *lim)
{
	int codec = kafka_batch_codec(h);

	if (codec > KAFKA_CODEC_ZSTD)
		return KAFKA_UNSUPPORTED_COMPRESSION_TYPE;
	if (codec == KAFKA_CODEC_ZSTD && lim->produce_version > 0 &&
	    lim->produce_version < 7)
		return KAFKA_UNSUPPORTED_COMPRESSION_TYPE;
	if (h->attributes & ~ATTR_KNOWN)
		return KAFKA_INVALID_RECORD;
	if (h->attributes & KAFKA_ATTR_DELETE_HORIZON)
		return KAFKA_INVALID_RECORD;
	if ((h->attributes & KAFKA_ATTR_TRANSACTIONAL) &&
	    !lim->allow_transactional)
		return KAFKA_INVALID_RECORD;
	if ((h->attributes & KAFKA_ATTR_CONTROL) && !lim->allow_control)
		return KAFKA_INVALID_RECORD;
	return KAFKA_NONE;
}

/* The checks of one batch at @p, @left bytes to the blob's end. */
static int batch_check(const uint8_t *p, size_t left,
		       const struct kafka_batch_limits *lim,
		       struct kafka_batch_hdr *h)
{
	uint32_t max = lim->max_batch_bytes ? lim->max_batch_bytes
					    : KAFKA_BATCH_MAX_DEFAULT;
	int64_t size = kafka_batch_size_at(p, left);
	int ret;

	/* lengths first: nothing past them may be read otherwise */
	if (size < 0 || (uint64_t)size > left)
		return KAFKA_CORRUPT_MESSAGE;
	if ((uint64_t)size > max)
		return KAFKA_MESSAGE_TOO_LARGE;
	if (p[MAGIC_OFF] != KAFKA_BATCH_MAGIC)
		return KAFKA_INVALID_RECORD;
	kafka_batch_hdr_parse(p, (size_t)size, h);
	if (kafka_crc32c(0, p + KAFKA_BATCH_CRC_OFF,
			 (size_t)size - KAFKA_BATCH_CRC_OFF) != h->crc)
		return KAFKA_CORRUPT_MESSAGE;
	ret = attributes_check(h, lim);
	if (ret)
		return ret;
	if (h->records_count < 1 ||
	    h->records_count != (int64_t)h->last_offset_delta + 1)
		return KAFKA_INVALID_RECORD;
	if (h->producer_id >= 0 && h->base_sequence < 0)
		return KAFKA_INVALID_RECORD;
	if (kafka_batch_codec(h) == KAFKA_CODEC_NONE && !lim->skip_records &&
	    !records_ok(p + KAFKA_BATCH_HDR_LEN,
			(size_t)size - KAFKA_BATCH_HDR_LEN, h->records_count))
		return KAFKA_INVALID_RECORD;
	return KAFKA_NONE;
}

static void info_add(struct kafka_batch_info *info,
		     const struct kafka_batch_hdr *h)
{
	if (!info->nr_batches) {
		info->first_timestamp = h->first_timestamp;
		info->max_timestamp = h->max_timestamp;
		info->producer_id = h->producer_id;
		info->producer_epoch = h->producer_epoch;
		info->base_sequence = h->base_sequence;
		info->codec = kafka_batch_codec(h);
	}
	if (h->max_timestamp > info->max_timestamp)
		info->max_timestamp = h->max_timestamp;
	if (kafka_batch_log_append_time(h))
		info->log_append_time = true;
	info->nr_batches++;
	info->nr_records += (uint32_t)h->records_count;
}

int kafka_batch_validate(const void *buf, size_t len,
			 const struct kafka_batch_limits *lim,
			 struct kafka_batch_info *info)
{
	static const struct kafka_batch_limits dflt;
	struct kafka_batch_info tmp;
	struct kafka_batch_hdr h;
	const uint8_t *p = buf;
	size_t off = 0;
	int ret;

	if (!lim)
		lim = &dflt;
	if (!info)
		info = &tmp;
	memset(info, 0, sizeof(*info));
	/* Kafka: "must have at least one record batch"; a null records
	 * field (p NULL, len maybe (size_t)-1 from its -1) is none */
	if (!len || !p)
		return KAFKA_INVALID_RECORD;
	while (off < len) {
		info->bad_off = off;
		if (lim->max_batches && info->nr_batches == lim->max_batches)
			return KAFKA_INVALID_RECORD;
		ret = batch_check(p + off, len - off, lim, &h);
		if (ret)
			return ret;
		info_add(info, &h);
		off += (size_t)kafka_batch_size(&h);
	}
	info->bad_off = 0;
	return KAFKA_NONE;
}

void kafka_batch_set_base_offset(void *p, int64_t base_offset)
{
	put_be(p, (uint64_t)base_offset, 8);
}

void kafka_batch_set_leader_epoch(void *p, int32_t epoch)
{
	put_be((uint8_t *)p + 12, (uint32_t)epoch, 4);
}

int64_t kafka_batch_assign_offsets(void *buf, size_t len, int64_t first,
				   int32_t epoch)
{
	struct kafka_batch_hdr h;
	uint8_t *p = buf;
	size_t off = 0;

	while (len - off >= KAFKA_BATCH_HDR_LEN &&
	       !kafka_batch_hdr_parse(p + off, len - off, &h) &&
	       (uint64_t)kafka_batch_size(&h) <= len - off) {
		kafka_batch_set_base_offset(p + off, first);
		kafka_batch_set_leader_epoch(p + off, epoch);
		first += (int64_t)h.last_offset_delta + 1;
		off += (size_t)kafka_batch_size(&h);
	}
	return first;
}

void kafka_batch_set_log_append_time(void *buf, size_t len, int64_t now_ms)
{
	uint8_t *p = buf;
	int64_t size = kafka_batch_size_at(p, len);
	uint16_t attrs;

	if (size < KAFKA_BATCH_HDR_LEN || (uint64_t)size > len)
		return;
	attrs = (uint16_t)be(p + ATTR_OFF, 2) | KAFKA_ATTR_LOG_APPEND_TIME;
	put_be(p + ATTR_OFF, attrs, 2);
	put_be(p + MAX_TS_OFF, (uint64_t)now_ms, 8);
	put_be(p + 17, kafka_crc32c(0, p + KAFKA_BATCH_CRC_OFF,
				    (size_t)size - KAFKA_BATCH_CRC_OFF), 4);
}
