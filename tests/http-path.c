/* SPDX-License-Identifier: MIT */
/*
 * tests/http-path.c - src/http/path.c: percent-decoding and dot-segment
 * removal, every traversal trick we know of, dotfile detection, and URL
 * encoding.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "http/path.h"

#include "helpers.h"

static char out[1024];

static ssize_t norm(const char *in)
{
	memset(out, 0x55, sizeof(out));
	return http_path_normalize(in, strlen(in), out, sizeof(out));
}

static void check(const char *in, const char *want)
{
	ssize_t n = norm(in);

	if (n < 0 || strcmp(out, want) || (size_t)n != strlen(want))
		fail_msg("\"%s\": %zd \"%s\", want \"%s\"", in, n,
			 n < 0 ? "" : out, want);
}

static void check_err(const char *in, int want)
{
	ssize_t n = norm(in);

	if (n != want)
		fail_msg("\"%s\": %zd, want %d", in, n, want);
}

static void plain(void **state)
{
	(void)state;
	check("/", "/");
	check("/index.html", "/index.html");
	check("/a/b/c", "/a/b/c");
	check("/a/b/", "/a/b/");
	check("/a%20b", "/a b");
	check("/%41%62%7e", "/Ab~");
	check("/a+b", "/a+b");		/* '+' is not a space in paths */
	check("/caf%C3%A9", "/caf\xc3\xa9");
	/* overlong UTF-8 for '.' and '/' is just two bytes, not a dot */
	check("/%c0%ae%c0%ae/x", "/\xc0\xae\xc0\xae/x");
	check("/%c0%af", "/\xc0\xaf");
	check("/%e0%80%ae", "/\xe0\x80\xae");
	check("/...", "/...");
	check("/a/..b/c..", "/a/..b/c..");
	check("/.hidden", "/.hidden");
}

static void dot_segments(void **state)
{
	(void)state;
	check("/.", "/");
	check("/./", "/");
	check("/a/.", "/a/");
	check("/a/./b", "/a/b");
	check("/a/b/..", "/a/");
	check("/a/b/../", "/a/");
	check("/a/b/../c", "/a/c");
	check("/a/b/../../c", "/c");
	check("/a/..", "/");
	check("/a/../", "/");
	check("/a/b/c/./../../g", "/a/g");
	check("/a/%2e/b", "/a/b");
	check("/a/%2E%2e/b", "/b");
	check("/a/.%2e/b", "/b");
	/* duplicate slashes collapse */
	check("//", "/");
	check("//a//b///", "/a/b/");
	check("/a//../b", "/b");
}

static void traversal(void **state)
{
	(void)state;
	check_err("/..", -400);
	check_err("/../", -400);
	check_err("/../etc/passwd", -400);
	check_err("/a/../../etc/passwd", -400);
	check_err("/%2e%2e/etc/passwd", -400);
	check_err("/%2E%2E/", -400);
	check_err("/.%2e", -400);
	check_err("//../x", -400);
	check_err("/./../x", -400);
	/* an encoded slash is never a separator */
	check_err("/..%2f..%2fetc/passwd", -404);
	check_err("/a%2Fb", -404);
	check_err("/a%2f", -404);
	/* NUL, controls and backslashes, raw or encoded */
	check_err("/a%00.html", -400);
	check_err("/a%00", -400);
	check_err("/%0a", -400);
	check_err("/%0d%0aSet-Cookie:x", -400);
	check_err("/a%7f", -400);
	check_err("/a\\..\\b", -400);
	check_err("/..\\..\\x", -400);
	check_err("/%5c..%5c", -400);
	check_err("/a%5Cb", -400);
	/* bad escapes */
	check_err("/%", -400);
	check_err("/%4", -400);
	check_err("/a%zz", -400);
	check_err("/a%g0", -400);
	check_err("/%%30", -400);
	/* not a path */
	check_err("", -400);
	check_err("a/b", -400);
	check_err("*", -400);
}

static void result_invariants(void **state)
{
	static const char *const in[] = {
		"/", "/a/b/../c/./d//", "/x/%2e%2e/y/", "/././.",
		"/a/b/c/../..", "/%2e/%2e%2e/z",
	};
	unsigned int i;
	ssize_t n;

	(void)state;
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		n = norm(in[i]);
		if (n < 0)
			continue;
		assert_int_equal(out[0], '/');
		assert_null(strstr(out, "//"));
		assert_null(strstr(out, "/./"));
		assert_null(strstr(out, "/../"));
		assert_int_equal(out[n], '\0');
	}
}

static void capacity(void **state)
{
	char small[8];

	(void)state;
	/* len + 2: room for the result and the NUL */
	assert_int_equal(http_path_normalize("/abcde", 6, small, 7),
			 -ENOSPC);
	assert_int_equal(http_path_normalize("/abcde", 6, small, 8), 6);
	assert_string_equal(small, "/abcde");
	assert_int_equal(http_path_normalize("/abcd/", 6, small, 8), 6);
	assert_string_equal(small, "/abcd/");
	/* not NUL-terminated input: only @len bytes are read */
	assert_int_equal(http_path_normalize("/ab/..XYZ", 6, small, 8), 1);
	assert_string_equal(small, "/");
}

static void dotfiles(void **state)
{
	(void)state;
	assert_true(http_path_has_dotfile("/.git/config", 12));
	assert_true(http_path_has_dotfile("/a/.env", 7));
	assert_true(http_path_has_dotfile("/a/.well-known/x", 16));
	assert_true(http_path_has_dotfile(".x", 2));
	assert_false(http_path_has_dotfile("/a.b/c.d", 8));
	assert_false(http_path_has_dotfile("/", 1));
	assert_false(http_path_has_dotfile("/a/b./c", 7));
}

static void encode(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(http_path_encode("/a b/c", 6, buf, sizeof(buf)), 8);
	assert_string_equal(buf, "/a%20b/c");
	assert_int_equal(http_path_encode("/x?#%&\"'<>", 10, buf, sizeof(buf)),
			 26);
	assert_string_equal(buf, "/x%3F%23%25%26%22%27%3C%3E");
	assert_int_equal(http_path_encode("\r\n\xc3\xa9", 4, buf, sizeof(buf)),
			 12);
	assert_string_equal(buf, "%0D%0A%C3%A9");
	assert_int_equal(http_path_encode("-._~AZaz09/", 11, buf, sizeof(buf)),
			 11);
	assert_string_equal(buf, "-._~AZaz09/");
	/* exactly enough, one short */
	assert_int_equal(http_path_encode(" ", 1, buf, 4), 3);
	assert_int_equal(http_path_encode(" ", 1, buf, 3), -ENOSPC);
	assert_int_equal(http_path_encode("ab", 2, buf, 3), 2);
	assert_int_equal(http_path_encode("ab", 2, buf, 2), -ENOSPC);
	assert_int_equal(http_path_encode("", 0, buf, 1), 0);
	assert_int_equal(http_path_encode("", 0, buf, 0), -ENOSPC);
}

/* Encoding then normalizing gives back the name, for every byte but the
 * ones the normalizer refuses. */
static void round_trip(void **state)
{
	char name[4], enc[16], back[16];
	unsigned int c;
	ssize_t n;

	(void)state;
	for (c = 1; c < 256; c++) {
		name[0] = '/';
		name[1] = (char)c;
		name[2] = 'x';
		n = http_path_encode(name, 3, enc, sizeof(enc));
		assert_true(n > 0);
		n = http_path_normalize(enc, (size_t)n, back, sizeof(back));
		if (c < 0x20 || c == 0x7f || c == '\\') {
			assert_int_equal(n, -400);
		} else if (c == '/') {
			/* kept as a separator by the encoder: "//x" */
			assert_int_equal(n, 2);
		} else {
			assert_int_equal(n, 3);
			assert_memory_equal(back, name, 3);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain),
		cmocka_unit_test(dot_segments),
		cmocka_unit_test(traversal),
		cmocka_unit_test(result_invariants),
		cmocka_unit_test(capacity),
		cmocka_unit_test(dotfiles),
		cmocka_unit_test(encode),
		cmocka_unit_test(round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
