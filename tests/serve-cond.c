/* SPDX-License-Identifier: MIT */
/*
 * tests/serve-cond.c - conditional requests and ranges through `zcio
 * serve`, on both engines: If-None-Match and If-Modified-Since give 304,
 * If-Match and If-Unmodified-Since give 412; single ranges (first-last,
 * suffix, open-ended) give 206 with the right bytes, unsatisfiable ones
 * 416 with "bytes STAR/size", several ranges multipart/byteranges, and
 * If-Range decides between 206 and 200. Small (memory copy) and large
 * (sendfile) files both.
 */
#include "serve-util.h"

/* The ETag and Last-Modified of @path, from a HEAD. */
static void validators(struct t_srv *s, const char *path, char *etag,
		       char *lm)
{
	struct t_resp r;

	t_curl(s, &r, "-I", path);
	assert_int_equal(r.code, 200);
	assert_non_null(t_field(r.hdr, "ETag", etag, 128));
	assert_non_null(t_field(r.hdr, "Last-Modified", lm, 128));
	t_resp_free(&r);
}

static void hdr(char *buf, size_t cap, const char *name, const char *val)
{
	snprintf(buf, cap, "%s: %s", name, val);
}

static void conditional(void **state)
{
	static const char *const files[] = { "/small.txt", "/1m.bin" };
	char etag[128], lm[128], h[300];
	struct t_srv s;
	struct t_resp r;
	size_t i;

	T_SRV_START(&s, T_ENGINE(state), t_site(), NULL);
	for (i = 0; i < 2; i++) {
		validators(&s, files[i], etag, lm);
		hdr(h, sizeof(h), "If-None-Match", etag);
		t_curl(&s, &r, "-H", h, files[i]);
		assert_int_equal(r.code, 304);
		assert_int_equal(r.len, 0);
		t_assert_field(&r, "ETag", etag);
		t_resp_free(&r);
		t_curl(&s, &r, "-H", "If-None-Match: *", files[i]);
		assert_int_equal(r.code, 304);
		t_resp_free(&r);
		snprintf(h, sizeof(h), "If-None-Match: \"other\", %s", etag);
		t_curl(&s, &r, "-H", h, files[i]);
		assert_int_equal(r.code, 304);
		t_resp_free(&r);
		t_curl(&s, &r, "-H", "If-None-Match: \"other\"", files[i]);
		assert_int_equal(r.code, 200);
		t_resp_free(&r);
		hdr(h, sizeof(h), "If-Modified-Since", lm);
		t_curl(&s, &r, "-H", h, files[i]);
		assert_int_equal(r.code, 304);
		t_resp_free(&r);
		t_curl(&s, &r, "-H",
		       "If-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT",
		       files[i]);
		assert_int_equal(r.code, 200);
		t_resp_free(&r);
		/* If-None-Match wins over If-Modified-Since (RFC 9110). */
		t_curl(&s, &r, "-H", "If-None-Match: \"other\"", "-H", h,
		       files[i]);
		assert_int_equal(r.code, 200);
		t_resp_free(&r);
		hdr(h, sizeof(h), "If-Match", etag);
		t_curl(&s, &r, "-H", h, files[i]);
		assert_int_equal(r.code, 200);
		t_resp_free(&r);
		t_curl(&s, &r, "-H", "If-Match: \"other\"", files[i]);
		assert_int_equal(r.code, 412);
		t_resp_free(&r);
		t_curl(&s, &r, "-H",
		       "If-Unmodified-Since: Sat, 01 Jan 2000 00:00:00 GMT",
		       files[i]);
		assert_int_equal(r.code, 412);
		t_resp_free(&r);
		hdr(h, sizeof(h), "If-Unmodified-Since", lm);
		t_curl(&s, &r, "-H", h, files[i]);
		assert_int_equal(r.code, 200);
		t_resp_free(&r);
	}
	t_srv_stop(&s);
}

static void single_ranges(void **state)
{
	struct t_srv s;
	struct t_resp r;

	T_SRV_START(&s, T_ENGINE(state), t_site(), NULL);
	t_curl(&s, &r, "-r", "100-199", "/1m.bin");
	assert_int_equal(r.code, 206);
	t_assert_pattern(&r, 100, 100u, T_SEED_1M);
	t_assert_field(&r, "Content-Range", "bytes 100-199/1048576");
	t_assert_field(&r, "Content-Length", "100");
	t_resp_free(&r);
	/* Suffix: the last 500 bytes. */
	t_curl(&s, &r, "-H", "Range: bytes=-500", "/1m.bin");
	assert_int_equal(r.code, 206);
	t_assert_pattern(&r, (1u << 20) - 500, 500u, T_SEED_1M);
	t_assert_field(&r, "Content-Range",
		       "bytes 1048076-1048575/1048576");
	t_resp_free(&r);
	/* Open-ended, from the memory copy of a small file. */
	t_curl(&s, &r, "-r", "90-", "/small.txt");
	assert_int_equal(r.code, 206);
	t_assert_pattern(&r, 90, 10u, T_SEED_SMALL);
	t_assert_field(&r, "Content-Range", "bytes 90-99/100");
	t_resp_free(&r);
	/* A last byte past the end is cut to the end. */
	t_curl(&s, &r, "-r", "50-5000", "/small.txt");
	assert_int_equal(r.code, 206);
	t_assert_pattern(&r, 50, 50u, T_SEED_SMALL);
	t_resp_free(&r);
	t_curl(&s, &r, "-r", "100-", "/small.txt");
	assert_int_equal(r.code, 416);
	t_assert_field(&r, "Content-Range", "bytes */100");
	t_resp_free(&r);
	t_curl(&s, &r, "-r", "2000000-3000000", "/1m.bin");
	assert_int_equal(r.code, 416);
	t_assert_field(&r, "Content-Range", "bytes */1048576");
	t_resp_free(&r);
	/* Bad syntax or another unit: the Range is ignored (200). */
	t_curl(&s, &r, "-H", "Range: lines=1-2", "/small.txt");
	assert_int_equal(r.code, 200);
	t_assert_pattern(&r, 0, 100u, T_SEED_SMALL);
	t_resp_free(&r);
	/* HEAD with a Range: the whole head, no 206. */
	t_curl(&s, &r, "-I", "-r", "0-1", "/small.txt");
	assert_int_equal(r.code, 200);
	t_resp_free(&r);
	t_srv_stop(&s);
}

/* Checks one part "--B\r\nContent-Type..\r\nContent-Range: bytes F-L/S". */
static const char *part(const char *p, unsigned long first,
			unsigned long last, unsigned int seed)
{
	char want[96];
	const char *body;

	snprintf(want, sizeof(want), "Content-Range: bytes %lu-%lu/", first,
		 last);
	p = strstr(p, want);
	assert_non_null(p);
	body = strstr(p, "\r\n\r\n");
	assert_non_null(body);
	body += 4;
	assert_int_equal(t_check((const uint8_t *)body, last - first + 1,
				 first, seed), -1);
	return body + (last - first + 1);
}

static void multi_ranges(void **state)
{
	char ctype[256], *b;
	struct t_srv s;
	struct t_resp r;
	const char *p;
	size_t i;

	T_SRV_START(&s, T_ENGINE(state), t_site(), NULL);
	for (i = 0; i < 2; i++) {
		const char *path = i ? "/1m.bin" : "/small.txt";
		unsigned int seed = i ? T_SEED_1M : T_SEED_SMALL;

		t_curl(&s, &r, "-r", "0-9,20-29,95-", path);
		assert_int_equal(r.code, 206);
		assert_non_null(t_field(r.hdr, "Content-Type", ctype,
					sizeof(ctype)));
		assert_int_equal(strncmp(ctype, "multipart/byteranges; "
					 "boundary=", 31), 0);
		b = ctype + 31;
		p = part((char *)r.body, 0, 9, seed);
		p = part(p, 20, 29, seed);
		p = part(p, 95, i ? (1u << 20) - 1 : 99, seed);
		assert_non_null(strstr(p, b));
		{
			char cl[32];

			t_field(r.hdr, "Content-Length", cl, sizeof(cl));
			assert_int_equal(strtoul(cl, NULL, 10), r.len);
		}
		t_resp_free(&r);
	}
	/* Overlapping ranges are merged into one. */
	t_curl(&s, &r, "-r", "0-50,10-60", "/small.txt");
	assert_int_equal(r.code, 206);
	t_assert_pattern(&r, 0, 61u, T_SEED_SMALL);
	t_resp_free(&r);
	t_srv_stop(&s);
}

static void if_range(void **state)
{
	char etag[128], lm[128], h[300];
	struct t_srv s;
	struct t_resp r;

	T_SRV_START(&s, T_ENGINE(state), t_site(), NULL);
	validators(&s, "/4k.bin", etag, lm);
	hdr(h, sizeof(h), "If-Range", etag);
	t_curl(&s, &r, "-H", h, "-r", "0-99", "/4k.bin");
	assert_int_equal(r.code, 206);
	t_assert_pattern(&r, 0, 100u, T_SEED_4K);
	t_resp_free(&r);
	t_curl(&s, &r, "-H", "If-Range: \"stale\"", "-r", "0-99", "/4k.bin");
	assert_int_equal(r.code, 200);
	t_assert_pattern(&r, 0, 4096u, T_SEED_4K);
	t_resp_free(&r);
	hdr(h, sizeof(h), "If-Range", lm);
	t_curl(&s, &r, "-H", h, "-r", "0-99", "/4k.bin");
	assert_int_equal(r.code, 206);
	t_resp_free(&r);
	t_srv_stop(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_BOTH(conditional),
		T_BOTH(single_ranges),
		T_BOTH(multi_ranges),
		T_BOTH(if_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
