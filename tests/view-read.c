/* SPDX-License-Identifier: MIT */
/*
 * tests/view-read.c - zcio/view.h: big-endian integers of every width,
 * varints, the sticky -ENODATA past the end, sub-views, random access, and
 * a view over a slice.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <zcio.h>

#include "helpers.h"

static void unsigned_be(void **state)
{
	static const uint8_t b[] = {
		0x81,
		0x12, 0x34,
		0xde, 0xad, 0xbe, 0xef,
		0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	};
	struct zc_view v;
	uint64_t u64;
	uint32_t u32;
	uint16_t u16;
	uint8_t u8;

	(void)state;
	zc_view_init(&v, b, sizeof(b));
	assert_int_equal(zc_view_left(&v), 15);
	assert_int_equal(zc_view_u8(&v, &u8), 0);
	assert_int_equal(u8, 0x81);
	assert_int_equal(zc_view_u16be(&v, &u16), 0);
	assert_int_equal(u16, 0x1234);
	assert_int_equal(zc_view_u32be(&v, &u32), 0);
	assert_int_equal(u32, 0xdeadbeef);
	assert_int_equal(zc_view_u64be(&v, &u64), 0);
	assert_true(u64 == 0x0123456789abcdefull);
	assert_int_equal(zc_view_left(&v), 0);
	assert_int_equal(zc_view_error(&v), 0);
}

static void signed_be(void **state)
{
	static const uint8_t b[] = {
		0xff,
		0x80, 0x00,
		0xff, 0xff, 0xff, 0xfe,
		0x80, 0, 0, 0, 0, 0, 0, 0,
		0x7f,
		0x7f, 0xff,
		0x7f, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};
	struct zc_view v;
	int64_t i64;
	int32_t i32;
	int16_t i16;
	int8_t i8;

	(void)state;
	zc_view_init(&v, b, sizeof(b));
	assert_int_equal(zc_view_i8(&v, &i8), 0);
	assert_int_equal(i8, -1);
	assert_int_equal(zc_view_i16be(&v, &i16), 0);
	assert_int_equal(i16, INT16_MIN);
	assert_int_equal(zc_view_i32be(&v, &i32), 0);
	assert_int_equal(i32, -2);
	assert_int_equal(zc_view_i64be(&v, &i64), 0);
	assert_true(i64 == INT64_MIN);
	assert_int_equal(zc_view_i8(&v, &i8), 0);
	assert_int_equal(i8, 127);
	assert_int_equal(zc_view_i16be(&v, &i16), 0);
	assert_int_equal(i16, INT16_MAX);
	assert_int_equal(zc_view_i32be(&v, &i32), 0);
	assert_int_equal(i32, INT32_MAX);
	assert_int_equal(zc_view_i64be(&v, &i64), 0);
	assert_true(i64 == -1);
	assert_int_equal(zc_view_left(&v), 0);
}

struct uv_case {
	uint8_t bytes[10];
	size_t len;
	uint64_t value;
};

static void uvarint(void **state)
{
	static const struct uv_case cases[] = {
		{ { 0x00 }, 1, 0 },
		{ { 0x01 }, 1, 1 },
		{ { 0x7f }, 1, 127 },
		{ { 0x80, 0x01 }, 2, 128 },
		{ { 0xac, 0x02 }, 2, 300 },
		{ { 0xff, 0xff, 0x03 }, 3, 65535 },
		{ { 0xff, 0xff, 0xff, 0xff, 0x0f }, 5, UINT32_MAX },
		{ { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
		    0x01 }, 10, 1ull << 63 },
		{ { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		    0x01 }, 10, UINT64_MAX },
		/* Not minimal but within 10 bytes: accepted, as protobuf. */
		{ { 0x81, 0x80, 0x00 }, 3, 1 },
	};
	struct zc_view v;
	uint64_t u;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		zc_view_init(&v, cases[i].bytes, cases[i].len);
		u = 12345;
		assert_int_equal(zc_view_uvarint(&v, &u), 0);
		assert_true(u == cases[i].value);
		assert_int_equal(zc_view_left(&v), 0);
	}
}

static void uvarint_overflow(void **state)
{
	static const uint8_t eleven[] = {
		0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
		0x01,
	};
	static const uint8_t big10[] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02,
	};
	static const uint8_t short3[] = { 0x80, 0x80, 0x80 };
	struct zc_view v;
	uint64_t u = 7;
	uint8_t b;

	(void)state;
	/* An 11th byte: longer than any uint64 needs. */
	zc_view_init(&v, eleven, sizeof(eleven));
	assert_int_equal(zc_view_uvarint(&v, &u), -EOVERFLOW);
	assert_true(u == 7);
	assert_int_equal(zc_view_error(&v), -EOVERFLOW);
	assert_int_equal(zc_view_left(&v), 0);
	/* Sticky: the first error is kept, the byte left is not readable. */
	assert_int_equal(zc_view_u8(&v, &b), -EOVERFLOW);
	assert_int_equal(zc_view_error(&v), -EOVERFLOW);
	assert_int_equal(zc_view_skip(&v, 0), -EOVERFLOW);

	/* 10 bytes whose value needs 65 bits. */
	zc_view_init(&v, big10, sizeof(big10));
	assert_int_equal(zc_view_uvarint(&v, &u), -EOVERFLOW);
	assert_true(u == 7);

	/* Cut short: the data ran out before the last byte. */
	zc_view_init(&v, short3, sizeof(short3));
	assert_int_equal(zc_view_uvarint(&v, &u), -ENODATA);
	assert_true(u == 7);
}

static void varint_zigzag(void **state)
{
	static const struct {
		uint64_t zig;
		int64_t value;
	} cases[] = {
		{ 0, 0 }, { 1, -1 }, { 2, 1 }, { 3, -2 }, { 4, 2 },
		{ 4294967294ull, 2147483647 }, { 4294967295ull, -2147483648ll },
		{ UINT64_MAX - 1, INT64_MAX }, { UINT64_MAX, INT64_MIN },
	};
	uint8_t buf[10];
	struct zc_view v;
	uint64_t z;
	int64_t s;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* Encode the zigzag value as LEB128. */
		for (n = 0, z = cases[i].zig; z >= 0x80; z >>= 7)
			buf[n++] = (uint8_t)(z | 0x80);
		buf[n++] = (uint8_t)z;
		zc_view_init(&v, buf, n);
		assert_int_equal(zc_view_varint(&v, &s), 0);
		assert_true(s == cases[i].value);
		assert_int_equal(zc_view_left(&v), 0);
	}
	/* Kafka's encoding of -1 (a null length) is the single byte 0x01. */
	buf[0] = 0x01;
	zc_view_init(&v, buf, 1);
	assert_int_equal(zc_view_varint(&v, &s), 0);
	assert_true(s == -1);
}

static void past_end_sticky(void **state)
{
	static const uint8_t b[] = { 1, 2, 3 };
	const uint8_t *p = NULL;
	uint8_t dst[4] = { 0 };
	struct zc_view v;
	uint32_t u32 = 42;
	uint16_t u16 = 42;
	uint8_t u8 = 42;

	(void)state;
	zc_view_init(&v, b, sizeof(b));
	assert_int_equal(zc_view_u32be(&v, &u32), -ENODATA);
	assert_int_equal(u32, 42);
	assert_int_equal(zc_view_error(&v), -ENODATA);
	assert_int_equal(zc_view_left(&v), 0);
	/* Three bytes are there, yet every later read fails. */
	assert_int_equal(zc_view_u8(&v, &u8), -ENODATA);
	assert_int_equal(u8, 42);
	assert_int_equal(zc_view_u16be(&v, &u16), -ENODATA);
	assert_int_equal(zc_view_skip(&v, 0), -ENODATA);
	assert_int_equal(zc_view_bytes(&v, 1, &p), -ENODATA);
	assert_null(p);
	assert_int_equal(zc_view_copy(&v, dst, 1), -ENODATA);
	assert_int_equal(dst[0], 0);

	/* Exactly to the end is fine; one more byte is not. */
	zc_view_init(&v, b, sizeof(b));
	assert_int_equal(zc_view_copy(&v, dst, 2), 0);
	assert_memory_equal(dst, b, 2);
	assert_int_equal(zc_view_bytes(&v, 1, &p), 0);
	assert_ptr_equal(p, b + 2);
	assert_int_equal(zc_view_skip(&v, 0), 0);
	assert_int_equal(zc_view_left(&v), 0);
	assert_int_equal(zc_view_skip(&v, 1), -ENODATA);
	assert_int_equal(zc_view_skip(&v, SIZE_MAX), -ENODATA);

	/* A huge skip cannot wrap the cursor around. */
	zc_view_init(&v, b, sizeof(b));
	assert_int_equal(zc_view_skip(&v, 1), 0);
	assert_int_equal(zc_view_skip(&v, SIZE_MAX), -ENODATA);
}

static void sub_views(void **state)
{
	static const uint8_t b[] = { 0, 4, 'a', 'b', 'c', 'd', 0xee, 0xff };
	struct zc_view v, s, t;
	const uint8_t *p;
	uint16_t len;
	uint8_t u8;

	(void)state;
	zc_view_init(&v, b, sizeof(b));
	assert_int_equal(zc_view_u16be(&v, &len), 0);
	assert_int_equal(zc_view_sub(&v, len, &s), 0);
	assert_int_equal(zc_view_left(&s), 4);
	assert_int_equal(zc_view_left(&v), 2);
	assert_int_equal(zc_view_bytes(&s, 4, &p), 0);
	assert_memory_equal(p, "abcd", 4);
	/* The sub-view ends at its own limit, not at the parent's. */
	assert_int_equal(zc_view_u8(&s, &u8), -ENODATA);
	assert_int_equal(zc_view_error(&v), 0);
	assert_int_equal(zc_view_u8(&v, &u8), 0);
	assert_int_equal(u8, 0xee);

	/* A sub-view longer than what is left fails both. */
	assert_int_equal(zc_view_sub(&v, 2, &t), -ENODATA);
	assert_int_equal(zc_view_error(&t), -ENODATA);
	assert_int_equal(zc_view_left(&t), 0);
	assert_int_equal(zc_view_error(&v), -ENODATA);
	assert_int_equal(zc_view_u8(&t, &u8), -ENODATA);

	/* Of zero bytes, at the end: fine and empty. */
	zc_view_init(&v, b, sizeof(b));
	assert_int_equal(zc_view_skip(&v, sizeof(b)), 0);
	assert_int_equal(zc_view_sub(&v, 0, &t), 0);
	assert_int_equal(zc_view_left(&t), 0);
	assert_int_equal(zc_view_error(&t), 0);
}

static void random_access(void **state)
{
	static const uint8_t b[] = { 10, 11, 12, 13, 14, 15 };
	struct zc_view v;
	uint8_t u8;

	(void)state;
	zc_view_init(&v, b, sizeof(b));
	assert_int_equal(zc_view_skip(&v, 2), 0);
	assert_ptr_equal(zc_view_at(&v, 0, 6), b);
	assert_ptr_equal(zc_view_at(&v, 4, 2), b + 4);
	assert_ptr_equal(zc_view_at(&v, 6, 0), b + 6);
	assert_null(zc_view_at(&v, 5, 2));
	assert_null(zc_view_at(&v, 7, 0));
	assert_null(zc_view_at(&v, SIZE_MAX, 1));
	assert_null(zc_view_at(&v, 1, SIZE_MAX));
	assert_null(zc_view_at(&v, SIZE_MAX, SIZE_MAX));
	/* None of that moved the cursor or failed the view. */
	assert_int_equal(zc_view_error(&v), 0);
	assert_int_equal(zc_view_left(&v), 4);
	assert_int_equal(zc_view_u8(&v, &u8), 0);
	assert_int_equal(u8, 12);

	/* It works on a failed view too: it reads the bytes, not the cursor. */
	assert_int_equal(zc_view_skip(&v, 100), -ENODATA);
	assert_ptr_equal(zc_view_at(&v, 5, 1), b + 5);
}

static void over_slice(void **state)
{
	struct zc_slice s, empty = { 0 }, fs;
	struct zc_buf *b, *f;
	struct zc_view v;
	const uint8_t *p = NULL;
	uint32_t u32;
	int fd;

	(void)state;
	b = zc_buf_new(64, NULL);
	assert_non_null(b);
	t_fill(b->data, 64, 0, 9);
	memcpy(b->data + 20, "\x00\x00\x01\x00", 4);
	assert_int_equal(zc_slice_init(&s, b, 20, 8), 0);
	zc_buf_unref(b);

	zc_view_init_slice(&v, &s);
	assert_int_equal(zc_view_left(&v), 8);
	assert_int_equal(zc_view_u32be(&v, &u32), 0);
	assert_int_equal(u32, 256);
	assert_int_equal(zc_view_bytes(&v, 4, &p), 0);
	assert_ptr_equal(p, s.buf->data + 24);
	assert_int_equal(t_check(p, 4, 24, 9), -1);
	/* The window ends the view though the buffer goes on. */
	assert_int_equal(zc_view_u8(&v, (uint8_t *)&u32), -ENODATA);
	zc_slice_exit(&s);

	/* No memory behind it: an empty view; reading nothing works. */
	zc_view_init_slice(&v, &empty);
	assert_int_equal(zc_view_left(&v), 0);
	p = NULL;
	assert_int_equal(zc_view_bytes(&v, 0, &p), 0);
	assert_non_null(p);
	assert_int_equal(zc_view_skip(&v, 0), 0);
	assert_int_equal(zc_view_u8(&v, (uint8_t *)&u32), -ENODATA);

	fd = t_memfd(100, 10);
	f = zc_buf_file(fd, 1, NULL);
	assert_non_null(f);
	assert_int_equal(zc_slice_init(&fs, f, 0, 100), 0);
	zc_buf_unref(f);
	zc_view_init_slice(&v, &fs);
	assert_int_equal(zc_view_left(&v), 0);
	assert_int_equal(zc_view_skip(&v, 1), -ENODATA);
	zc_slice_exit(&fs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unsigned_be),
		cmocka_unit_test(signed_be),
		cmocka_unit_test(uvarint),
		cmocka_unit_test(uvarint_overflow),
		cmocka_unit_test(varint_zigzag),
		cmocka_unit_test(past_end_sticky),
		cmocka_unit_test(sub_views),
		cmocka_unit_test(random_access),
		cmocka_unit_test(over_slice),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
