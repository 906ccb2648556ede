/* SPDX-License-Identifier: MIT */
/*
 * tests/serve-basic.c - `zcio serve` end to end with curl, on both
 * engines: GET and HEAD byte-exact, Content-Type and validators,
 * keep-alive reuse, HTTP/1.0 with and without keep-alive, index.html,
 * the 301 to a directory's slash form, --autoindex on and off, dotfiles,
 * in-root and escaping symlinks, the metrics endpoint, --help.
 */
#include "serve-util.h"
#include "http/serve.h"

static void get_and_head(void **state)
{
	struct t_srv s;
	struct t_resp r;

	T_SRV_START(&s, T_ENGINE(state), t_site(), NULL);
	t_curl(&s, &r, "/1m.bin");
	assert_int_equal(r.exit, 0);
	assert_int_equal(r.code, 200);
	t_assert_pattern(&r, 0, 1u << 20, T_SEED_1M);
	t_assert_field(&r, "Content-Length", "1048576");
	t_assert_field(&r, "Content-Type", "application/octet-stream");
	t_assert_field(&r, "Accept-Ranges", "bytes");
	t_resp_free(&r);
	/* Small files come from the memory copy: same bytes. */
	t_curl(&s, &r, "/small.txt");
	assert_int_equal(r.code, 200);
	t_assert_pattern(&r, 0, 100u, T_SEED_SMALL);
	t_assert_field(&r, "Content-Type", "text/plain; charset=utf-8");
	t_resp_free(&r);
	t_curl(&s, &r, "-I", "/4k.bin");
	assert_int_equal(r.code, 200);
	t_assert_field(&r, "Content-Length", "4096");
	{
		char b[128];

		assert_non_null(t_field(r.hdr, "ETag", b, sizeof(b)));
		assert_non_null(t_field(r.hdr, "Last-Modified", b, sizeof(b)));
		assert_non_null(t_field(r.hdr, "Date", b, sizeof(b)));
		assert_non_null(t_field(r.hdr, "Server", b, sizeof(b)));
	}
	t_resp_free(&r);
	t_srv_stop(&s);
}

static void keepalive_reuse(void **state)
{
	char out[PATH_MAX + 16], *text;
	struct t_srv s;
	struct t_resp r;
	size_t len;

	T_SRV_START(&s, T_ENGINE(state), t_site(), NULL);
	t_curl(&s, &r, "-v", "/4k.bin", "/small.txt", "/4k.bin");
	assert_int_equal(r.exit, 0);
	assert_int_equal(r.code, 200);
	t_resp_free(&r);
	snprintf(out, sizeof(out), "%s/curl.out", s.dir);
	text = t_read_file(out, &len);
	assert_non_null(text);
	assert_int_equal(t_count(text, "Re-using existing connection"), 2);
	assert_int_equal(t_count(text, "Connected to"), 1);
	free(text);
	t_srv_stop(&s);
}

static void http10(void **state)
{
	char buf[16384];
	struct t_srv s;
	int eof, fd;
	size_t n;

	T_SRV_START(&s, T_ENGINE(state), t_site(), NULL);
	/* 1.0 without keep-alive: the answer, then the server closes. */
	n = t_raw(&s, "GET /small.txt HTTP/1.0\r\n\r\n", buf, sizeof(buf),
		  3000, &eof);
	assert_true(n > 100);
	assert_int_equal(t_status(buf), 200);
	assert_non_null(strstr(buf, "Connection: close"));
	assert_true(eof);
	/* 1.0 with keep-alive: two answers on one connection. */
	fd = t_connect(s.port);
	t_send_str(fd, "GET /small.txt HTTP/1.0\r\nConnection: keep-alive"
		   "\r\n\r\n");
	n = t_recv_until(fd, buf, sizeof(buf), 500, &eof);
	assert_int_equal(t_status(buf), 200);
	assert_non_null(strstr(buf, "Connection: keep-alive"));
	assert_false(eof);
	t_send_str(fd, "HEAD /4k.bin HTTP/1.0\r\nConnection: keep-alive"
		   "\r\n\r\n");
	n = t_recv_until(fd, buf, sizeof(buf), 500, &eof);
	assert_true(n > 4);
	assert_int_equal(t_status(buf), 200);
	assert_non_null(strstr(buf, "Content-Length: 4096"));
	/* HEAD: the head and nothing after it. */
	assert_string_equal(buf + n - 4, "\r\n\r\n");
	close(fd);
	/* 1.1 with Connection: close. */
	n = t_raw(&s, "GET /4k.bin HTTP/1.1\r\nHost: x\r\nConnection: close"
		  "\r\n\r\n", buf, sizeof(buf), 3000, &eof);
	assert_int_equal(t_status(buf), 200);
	assert_true(eof);
	t_srv_stop(&s);
}

static void directories(void **state)
{
	struct t_srv s;
	struct t_resp r;

	T_SRV_START(&s, T_ENGINE(state), t_site(), NULL);
	t_curl(&s, &r, "/");
	assert_int_equal(r.code, 200);
	assert_int_equal(r.len, 14);
	assert_memory_equal(r.body, "<h1>root</h1>\n", 14);
	t_assert_field(&r, "Content-Type", "text/html; charset=utf-8");
	t_resp_free(&r);
	t_curl(&s, &r, "/dir");
	assert_int_equal(r.code, 301);
	t_assert_field(&r, "Location", "/dir/");
	t_resp_free(&r);
	t_curl(&s, &r, "/dir?x=1");
	assert_int_equal(r.code, 301);
	t_assert_field(&r, "Location", "/dir/?x=1");
	t_resp_free(&r);
	t_curl(&s, &r, "-L", "/dir");
	assert_int_equal(r.code, 200);
	assert_memory_equal(r.body, "<h1>dir</h1>\n", 13);
	t_resp_free(&r);
	/* No index and no --autoindex: forbidden, as nginx does. */
	t_curl(&s, &r, "/plain/");
	assert_int_equal(r.code, 403);
	t_resp_free(&r);
	t_curl(&s, &r, "/sub/page.html");
	assert_int_equal(r.code, 200);
	t_resp_free(&r);
	t_srv_stop(&s);
}

static void autoindex(void **state)
{
	struct t_srv s;
	struct t_resp r;

	T_SRV_START(&s, T_ENGINE(state), t_site(), "--autoindex");
	t_curl(&s, &r, "/plain/");
	assert_int_equal(r.code, 200);
	assert_non_null(r.body);
	assert_non_null(strstr((char *)r.body, "a.txt"));
	assert_non_null(strstr((char *)r.body, "b.txt"));
	assert_null(strstr((char *)r.body, ".secret"));
	t_resp_free(&r);
	/* The root has index.html: the listing is not used there. */
	t_curl(&s, &r, "/");
	assert_int_equal(r.len, 14);
	t_resp_free(&r);
	t_srv_stop(&s);
	/* A listing of the root without index: names escaped. */
	T_SRV_START(&s, T_ENGINE(state), t_site(), "--autoindex", "--index",
		    "none.html");
	t_curl(&s, &r, "/");
	assert_int_equal(r.code, 200);
	assert_non_null(strstr((char *)r.body, "a b&amp;c.txt"));
	assert_non_null(strstr((char *)r.body, "a%20b%26c.txt"));
	assert_non_null(strstr((char *)r.body, "link-in"));
	/* A symlink that leaves the root is not even listed. */
	assert_null(strstr((char *)r.body, "link-out"));
	assert_null(strstr((char *)r.body, ".hidden"));
	t_resp_free(&r);
	t_srv_stop(&s);
}

static void dotfiles_and_links(void **state)
{
	struct t_srv s;
	struct t_resp r;

	T_SRV_START(&s, T_ENGINE(state), t_site(), NULL);
	t_curl(&s, &r, "/.hidden");
	assert_int_equal(r.code, 403);
	t_resp_free(&r);
	t_curl(&s, &r, "/plain/.secret");
	assert_int_equal(r.code, 403);
	t_resp_free(&r);
	t_curl(&s, &r, "/link-in");
	assert_int_equal(r.code, 200);
	t_assert_pattern(&r, 0, 100u, T_SEED_SMALL);
	t_resp_free(&r);
	t_curl(&s, &r, "/link-out");
	assert_int_equal(r.code, 403);
	assert_null(strstr((char *)r.body, "root:"));
	t_resp_free(&r);
	t_curl(&s, &r, "/up-out");
	assert_int_equal(r.code, 403);
	t_resp_free(&r);
	t_curl(&s, &r, "/abs-out/passwd");
	assert_int_equal(r.code, 403);
	assert_null(strstr((char *)r.body, "root:"));
	t_resp_free(&r);
	t_srv_stop(&s);
	T_SRV_START(&s, T_ENGINE(state), t_site(), "--dotfiles", "allow");
	t_curl(&s, &r, "/.hidden");
	assert_int_equal(r.code, 200);
	assert_memory_equal(r.body, "secret\n", 7);
	t_resp_free(&r);
	t_srv_stop(&s);
}

static void metrics(void **state)
{
	char buf[65536];
	struct t_srv s;
	struct t_resp r;
	int eof;

	T_SRV_START(&s, T_ENGINE(state), t_site(), "--metrics",
		    "127.0.0.1:0");
	t_curl(&s, &r, "/4k.bin", "/4k.bin", "/nope");
	assert_int_equal(r.code, 404);
	t_resp_free(&r);
	{
		struct t_srv m = s;

		m.port = s.mport;
		t_raw(&m, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", buf,
		      sizeof(buf), 3000, &eof);
	}
	assert_int_equal(t_status(buf), 200);
	assert_non_null(strstr(buf, "Content-Type: text/plain; version=0.0.4"));
	assert_non_null(strstr(buf, "# TYPE zcio_http_requests_total counter"));
	assert_non_null(strstr(buf, "requests_total{code=\"200\"} 2\n"));
	assert_non_null(strstr(buf, "requests_total{code=\"404\"} 1\n"));
	assert_non_null(strstr(buf, "zcio_http_keepalive_requests_total 2"));
	assert_non_null(strstr(buf, "zcio_http_cache_hits_total 1"));
	assert_non_null(strstr(buf, "zcio_http_cache_memory_bytes 4096"));
	/* Both 4 KiB bodies came from the small file's memory copy. */
	assert_non_null(strstr(buf, "zcio_http_small_file_bytes_total 8192"));
	assert_non_null(strstr(buf, "zcio_connections_open "));
	assert_non_null(strstr(buf, "zcio_ledger_bytes_total{path="));
	t_srv_stop(&s);
}

/* --listen twice (IPv4 and IPv6), and --port as the bench harness uses. */
static void listen_forms(void **state)
{
	char pf[PATH_MAX + 16], url[128];
	struct t_srv s;
	struct t_resp r;
	int port6, fd;

	fd = socket(AF_INET6, SOCK_STREAM, 0);
	if (fd < 0)
		skip();
	close(fd);
	T_SRV_START(&s, T_ENGINE(state), t_site(), "--listen", "[::1]:0");
	snprintf(pf, sizeof(pf), "%s/port", s.dir);
	port6 = t_port_line(pf, 1);
	assert_true(port6 > 0);
	snprintf(url, sizeof(url), "http://[::1]:%d/small.txt", port6);
	t_curl(&s, &r, "-g", url);
	assert_int_equal(r.code, 200);
	t_assert_pattern(&r, 0, 100u, T_SEED_SMALL);
	t_resp_free(&r);
	t_curl(&s, &r, "/small.txt");
	assert_int_equal(r.code, 200);
	t_resp_free(&r);
	t_srv_stop(&s);
}

static void help_lists_every_option(void **state)
{
	char out[PATH_MAX], *text, *argv[] = {
		(char *)t_zcio(), "serve", "--help", NULL
	};
	size_t len;

	(void)state;
	snprintf(out, sizeof(out), "%s/help.txt", t_dir_tmpfs());
	assert_int_equal(t_run(argv, out, NULL), 0);
	text = t_read_file(out, &len);
	assert_non_null(text);
	/* Both option tables, the engine's and the server's. */
	{
		const struct eng_option *eo;
		char want[64];
		unsigned int i;

		for (eo = eng_options; eo->name; eo++) {
			snprintf(want, sizeof(want), "--%s ", eo->name);
			if (!strstr(text, want))
				fail_msg("--help lacks %s", want);
		}
		for (i = 0; i < http_nr_opts; i++) {
			snprintf(want, sizeof(want), "--%s ",
				 http_opts[i].name);
			if (!strstr(text, want))
				fail_msg("--help lacks %s", want);
		}
	}
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_BOTH(get_and_head),
		T_BOTH(keepalive_reuse),
		T_BOTH(http10),
		T_BOTH(directories),
		T_BOTH(autoindex),
		T_BOTH(dotfiles_and_links),
		T_BOTH(metrics),
		T_BOTH(listen_forms),
		cmocka_unit_test(help_lists_every_option),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
