/* SPDX-License-Identifier: MIT */
/*
 * tests/xfer-fallback.c - the ladders of zc_copy() (STYLE.md §6) and what
 * forcing a path means (include/zcio/xfer.h):
 *
 *  file->file    copy_file_range -> sendfile -> read/write
 *  file->socket  sendfile -> splice through a pooled pipe -> read/write
 *  socket->any   splice -> recv/send
 *
 *  1. Each rung runs forced, byte-exact, and the ledger names it.
 *  2. A rung the kernel refuses at run time gives -ENOTSUP when forced,
 *     with nothing moved (the input reads back whole, the output is
 *     unchanged); zc_copy() then takes the next rung, counts the refusal in
 *     ledger.refused and in zc_stats, and moves every byte. Kernel facts
 *     used, checked on Linux 6.18: copy_file_range between tmpfs (or a
 *     memfd) and ext4 is EXDEV; onto an O_APPEND file copy_file_range is
 *     EBADF, sendfile and splice are EINVAL, write(2) works.
 *  3. The small-copy rule: below ZC_TUNE_SMALL_COPY bytes zc_copy() uses
 *     read/write and says so in ledger.small; forcing a path overrides it.
 *  4. Names, zc_path_supported, zc_stats and zc_tune_* keep their word.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zcio.h>
#include "helpers.h"

#define SEED 0xfa11u
#define BIG ((size_t)(1u << 20) + 3)
#define TEST_TIMEOUT 60

static uint8_t *expect;		/* BIG pattern bytes, seed SEED */
/* Buffers a test holds, freed by teardown() when an assertion ends the
 * test early (the suite runs under LeakSanitizer too). */
static void *owned[8];
static long small_default = -1;
static char where[200];

#define EXPECT_EQ(got, want, what)					\
	do {								\
		long long g_ = (long long)(got), w_ = (long long)(want);\
		if (g_ != w_)						\
			fail_msg("%s: %s is %lld, expected %lld",	\
				 where, (what), g_, w_);		\
	} while (0)

static const char *pname(enum zc_path p)
{
	const char *s = zc_path_name(p);

	return s ? s : "?";
}

static void on_alarm(int sig)
{
	static const char msg[] = "\nTIMEOUT in xfer-fallback: ";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0 ||
	    write(2, where, strlen(where)) < 0)
		_exit(3);
	abort();
}

static void *own(void *p)
{
	size_t i;

	for (i = 0; i < sizeof(owned) / sizeof(owned[0]); i++)
		if (!owned[i]) {
			owned[i] = p;
			return p;
		}
	fail_msg("own: too many buffers");
	return p;
}

static void release(void *p)
{
	size_t i;

	for (i = 0; i < sizeof(owned) / sizeof(owned[0]); i++)
		if (owned[i] == p)
			owned[i] = NULL;
	free(p);
}

static void release_all(void)
{
	size_t i;

	for (i = 0; i < sizeof(owned) / sizeof(owned[0]); i++) {
		free(owned[i]);
		owned[i] = NULL;
	}
}

/* Reads @fd until end of stream; returns the count, buffer in *data. */
static size_t read_all(int fd, uint8_t **data)
{
	size_t len = 0, cap = 65536;
	uint8_t *p = malloc(cap);
	ssize_t n;

	assert_non_null(p);
	for (;;) {
		if (cap - len < 65536) {
			cap *= 2;
			p = realloc(p, cap);
			assert_non_null(p);
		}
		n = read(fd, p + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	*data = p;
	return len;
}

/* Checks @data[0, @len) is @want_len pattern bytes from @start. */
static void check_bytes(const uint8_t *data, size_t len, size_t want_len,
			size_t start, const char *what)
{
	if (len != want_len || memcmp(data, expect + start, want_len))
		fail_msg("%s: %s holds %zu bytes, expected %zu pattern bytes "
			 "from %zu (first bad byte %zd)", where, what, len,
			 want_len, start,
			 len == want_len ? t_check(data, len, start, SEED) :
					   (ssize_t)-1);
}

static void check_file(int fd, size_t want_len, size_t start)
{
	uint8_t *data;
	size_t len;

	len = t_slurp(fd, &data);
	own(data);
	check_bytes(data, len, want_len, start, "output file");
	release(data);
}

/* The ledger of a successful call of @n bytes on @path. */
static void check_ok(const struct zc_ledger *l, ssize_t n, size_t want,
		     enum zc_path path)
{
	uint64_t uc;

	if (n != (ssize_t)want)
		fail_msg("%s: returned %zd, expected %zu", where, n, want);
	EXPECT_EQ(l->bytes, n, "ledger.bytes");
	if (path != ZC_PATH_AUTO && l->path != path)
		fail_msg("%s: ledger.path %s, expected %s", where,
			 pname(l->path), pname(path));
	if (n > 0 && !l->syscalls)
		fail_msg("%s: ledger.syscalls 0 for %zd bytes", where, n);
	uc = (l->path == ZC_PATH_READWRITE || l->path == ZC_PATH_URING_RW) ?
		     (uint64_t)n : 0;
	EXPECT_EQ(l->user_copied, uc, "ledger.user_copied");
}

/* The ledger of a refused forced call: -ENOTSUP, nothing moved. */
static void check_refused(const struct zc_ledger *l, ssize_t n)
{
	EXPECT_EQ(n, -ENOTSUP, "return of a forced path that cannot");
	EXPECT_EQ(l->bytes, 0, "ledger.bytes of a refused call");
}

static void stats(enum zc_path p, struct zc_path_stats *st)
{
	assert_int_equal(zc_stats_get(p, st), 0);
}

/* --- 2. copy_file_range refused across filesystems ------------------- */

static void cross_fs(int in, const char *what)
{
	struct zc_path_stats cfr0, cfr1, sf0, sf1;
	struct zc_ledger l;
	int out = t_file_empty(t_dir_disk(), "xfs-out", O_RDWR, NULL);
	off_t off;
	ssize_t n;

	assert_int_equal(zc_tune_set(ZC_TUNE_SMALL_COPY, 0), 0);
	stats(ZC_PATH_COPY_FILE_RANGE, &cfr0);
	stats(ZC_PATH_SENDFILE, &sf0);

	snprintf(where, sizeof(where), "%s->disk forced copy_file_range", what);
	memset(&l, 0xa5, sizeof(l));
	n = zc_copy_file_range(out, in, NULL, ZC_EOF, &l);
	check_refused(&l, n);
	EXPECT_EQ(lseek(in, 0, SEEK_CUR), 0, "input position");
	check_file(out, 0, 0);

	snprintf(where, sizeof(where), "%s->disk forced copy_file_range, "
		 "in_off 5", what);
	off = 5;
	n = zc_copy_path(ZC_PATH_COPY_FILE_RANGE, out, in, &off, 1000, &l);
	check_refused(&l, n);
	EXPECT_EQ(off, 5, "*in_off");

	snprintf(where, sizeof(where), "%s->disk zc_copy", what);
	memset(&l, 0xa5, sizeof(l));
	n = zc_copy(out, in, NULL, ZC_EOF, &l);
	check_ok(&l, n, BIG, ZC_PATH_SENDFILE);
	if (l.refused < 1)
		fail_msg("%s: ledger.refused %u, expected >= 1 (copy_file_range"
			 " was refused with EXDEV)", where, l.refused);
	EXPECT_EQ(l.small, 0, "ledger.small");
	EXPECT_EQ(lseek(in, 0, SEEK_CUR), BIG, "input position");
	check_file(out, BIG, 0);

	stats(ZC_PATH_COPY_FILE_RANGE, &cfr1);
	stats(ZC_PATH_SENDFILE, &sf1);
	if (cfr1.refused - cfr0.refused < 1)
		fail_msg("%s: zc_stats(copy_file_range).refused did not move",
			 where);
	EXPECT_EQ(cfr1.calls - cfr0.calls, 0, "copy_file_range calls");
	EXPECT_EQ(sf1.calls - sf0.calls, 1, "sendfile calls");
	EXPECT_EQ(sf1.bytes - sf0.bytes, BIG, "sendfile bytes");
	close(out);
	close(in);
}

static void cfr_tmpfs_to_disk(void **state)
{
	(void)state;
	cross_fs(t_file(t_dir_tmpfs(), "xfs-in", BIG, SEED, NULL), "tmpfs");
}

static void cfr_memfd_to_disk(void **state)
{
	(void)state;
	cross_fs(t_memfd(BIG, SEED), "memfd");
}

/* Same filesystem: the first rung, nothing refused. */
static void cfr_same_fs(void **state)
{
	const char *dirs[2] = { t_dir_disk(), t_dir_tmpfs() };
	struct zc_ledger l;
	int i;

	(void)state;
	assert_int_equal(zc_tune_set(ZC_TUNE_SMALL_COPY, 0), 0);
	for (i = 0; i < 2; i++) {
		int in = t_file(dirs[i], "same-in", BIG, SEED, NULL);
		int out = t_file_empty(dirs[i], "same-out", O_RDWR, NULL);
		off_t off = 7;
		ssize_t n;

		snprintf(where, sizeof(where), "%s->%s zc_copy",
			 i ? "tmpfs" : "disk", i ? "tmpfs" : "disk");
		memset(&l, 0xa5, sizeof(l));
		n = zc_copy(out, in, &off, ZC_EOF, &l);
		check_ok(&l, n, BIG - 7, ZC_PATH_COPY_FILE_RANGE);
		EXPECT_EQ(l.refused, 0, "ledger.refused");
		EXPECT_EQ(off, BIG, "*in_off");
		EXPECT_EQ(lseek(in, 0, SEEK_CUR), 0, "input position");
		check_file(out, BIG - 7, 7);
		close(in);
		close(out);
	}
}

/* sendfile into a pipe (Linux >= 2.6.33 for any output). */
static void sendfile_to_pipe(void **state)
{
	int ins[2], i;

	(void)state;
	ins[0] = t_memfd(BIG, SEED);
	ins[1] = t_file(t_dir_disk(), "sf-in", BIG, SEED, NULL);
	for (i = 0; i < 2; i++) {
		struct zc_ledger l;
		struct t_sink *sink;
		uint8_t *data;
		int p[2];
		size_t got;
		ssize_t n;

		snprintf(where, sizeof(where), "%s->pipe forced sendfile",
			 i ? "disk" : "memfd");
		t_pipe(p);
		sink = t_sink_start(p[1], 0, 0, 0);
		memset(&l, 0xa5, sizeof(l));
		n = zc_sendfile(p[0], ins[i], NULL, BIG, &l);
		close(p[0]);
		got = t_sink_join(sink, &data);
		own(data);
		close(p[1]);
		check_ok(&l, n, BIG, ZC_PATH_SENDFILE);
		check_bytes(data, got, BIG, 0, "pipe");
		release(data);
		close(ins[i]);
	}
}

/* --- 2. O_APPEND output: only write(2) can append -------------------- */

#define PREFIX 100

/* A disk file holding PREFIX pattern bytes of seed SEED + 1, O_APPEND. */
static int append_file(char *path)
{
	uint8_t pre[PREFIX];
	int fd = t_file_empty(t_dir_disk(), "append-out", O_RDWR, path);

	t_fill(pre, PREFIX, 0, SEED + 1);
	assert_int_equal(write(fd, pre, PREFIX), PREFIX);
	close(fd);
	fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

/* The append file holds its prefix and then @len pattern bytes. */
static void check_append(int fd, size_t len)
{
	uint8_t *data;
	size_t got;

	got = t_slurp(fd, &data);
	own(data);
	if (got != PREFIX + len || t_check(data, PREFIX, 0, SEED + 1) >= 0 ||
	    memcmp(data + PREFIX, expect, len)) {
		release(data);
		fail_msg("%s: append file has %zu bytes, expected prefix %d + "
			 "%zu pattern bytes", where, got, PREFIX, len);
	}
	release(data);
}

static void append_from_file(void **state)
{
	static const enum zc_path refusing[] = {
		ZC_PATH_COPY_FILE_RANGE, ZC_PATH_SENDFILE, ZC_PATH_SPLICE,
		ZC_PATH_URING_SPLICE
	};
	char path[PATH_MAX];
	struct zc_ledger l;
	int in = t_file(t_dir_disk(), "append-in", BIG, SEED, NULL);
	int out = append_file(path);
	size_t i;
	ssize_t n;

	(void)state;
	assert_int_equal(zc_tune_set(ZC_TUNE_SMALL_COPY, 0), 0);
	for (i = 0; i < sizeof(refusing) / sizeof(refusing[0]); i++) {
		off_t off = 0;

		if (!zc_path_supported(refusing[i]))
			continue;
		snprintf(where, sizeof(where), "file->O_APPEND file forced %s "
			 "(the kernel refuses; the fd is writable, so not "
			 "-EBADF)", pname(refusing[i]));
		memset(&l, 0xa5, sizeof(l));
		n = zc_copy_path(refusing[i], out, in, &off, ZC_EOF, &l);
		check_refused(&l, n);
		EXPECT_EQ(off, 0, "*in_off");
		check_append(out, 0);
	}

	snprintf(where, sizeof(where), "file->O_APPEND file forced readwrite");
	n = zc_readwrite(out, in, NULL, 4096, &l);
	check_ok(&l, n, 4096, ZC_PATH_READWRITE);
	check_append(out, 4096);

	snprintf(where, sizeof(where), "file->O_APPEND file zc_copy (ladder "
		 "copy_file_range -> sendfile -> read/write)");
	memset(&l, 0xa5, sizeof(l));
	n = zc_copy(out, in, NULL, ZC_EOF, &l);
	check_ok(&l, n, BIG - 4096, ZC_PATH_AUTO);
	/* ledger.refused is not asserted: a library that sees O_APPEND up
	 * front (fcntl) skips the rungs without the kernel refusing them. */
	if (l.path != ZC_PATH_READWRITE && l.path != ZC_PATH_URING_RW)
		fail_msg("%s: path %s cannot append", where, pname(l.path));
	check_append(out, BIG);
	close(in);
	close(out);
	unlink(path);
}

/*
 * A stream into an O_APPEND file. Splicing a socket goes through the
 * library's pipe: the bytes leave the socket before the kernel refuses
 * the pipe->file half, so forced splice must still give them back (or not
 * take them) and zc_copy() must deliver every one.
 */
static void append_from_stream(enum zc_path method)
{
	static const char *const kinds[] = { "pipe", "unix", "tcp" };
	const size_t size = 300000;
	char path[PATH_MAX];
	size_t k;

	assert_int_equal(zc_tune_set(ZC_TUNE_SMALL_COPY, 0), 0);
	if (!zc_path_supported(method)) {
		print_message("skip: zc_path_supported(%s) == 0\n",
			      pname(method));
		skip();
	}
	for (k = 0; k < 3; k++) {
		struct t_source *src;
		struct zc_ledger l;
		uint8_t *data;
		int fds[2], out;
		size_t got;
		ssize_t n;

		snprintf(where, sizeof(where), "%s->O_APPEND file %s",
			 kinds[k], pname(method));
		if (k == 0)
			t_pipe(fds);
		else if (k == 1)
			t_unix_pair(fds);
		else
			t_tcp_pair(fds);
		src = t_source_start(fds[0], size, SEED, 1);
		out = append_file(path);
		memset(&l, 0xa5, sizeof(l));
		n = zc_copy_path(method, out, fds[1], NULL, ZC_EOF, &l);
		/* Drain first, so a failure below leaves no blocked source. */
		got = read_all(fds[1], &data);
		own(data);
		t_source_join(src);
		close(fds[1]);
		if (method == ZC_PATH_AUTO) {
			check_ok(&l, n, size, ZC_PATH_AUTO);
			if (l.path != ZC_PATH_READWRITE &&
			    l.path != ZC_PATH_URING_RW)
				fail_msg("%s: path %s cannot append", where,
					 pname(l.path));
			check_append(out, size);
			check_bytes(data, got, 0, 0, "input after");
		} else {
			check_refused(&l, n);
			check_append(out, 0);
			check_bytes(data, got, size, 0,
				    "input after the refusal");
		}
		release(data);
		close(out);
		unlink(path);
	}
}

static void append_from_stream_splice(void **state)
{
	(void)state;
	append_from_stream(ZC_PATH_SPLICE);
}

static void append_from_stream_uring_splice(void **state)
{
	(void)state;
	append_from_stream(ZC_PATH_URING_SPLICE);
}

static void append_from_stream_auto(void **state)
{
	(void)state;
	append_from_stream(ZC_PATH_AUTO);
}

/*
 * A file whose st_size is 0 but which has bytes (procfs): ZC_EOF means
 * "up to end of file", and a read(2) loop finds 124 or so bytes.
 * copy_file_range to disk is EXDEV; sendfile and splice read it.
 */
static void proc_file(void **state)
{
	uint8_t *ref, *data;
	struct zc_ledger l;
	struct t_sink *sink;
	int in, out, p[2];
	size_t rlen, got;
	ssize_t n;

	(void)state;
	in = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	assert_true(in >= 0);
	rlen = read_all(in, &ref);
	own(ref);
	close(in);
	assert_true(rlen > 0);

	snprintf(where, sizeof(where), "/proc/self/mountinfo (st_size 0) -> "
		 "disk file, zc_copy ZC_EOF");
	in = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	out = t_file_empty(t_dir_disk(), "proc-out", O_RDWR, NULL);
	n = zc_copy(out, in, NULL, ZC_EOF, &l);
	got = t_slurp(out, &data);
	own(data);
	if (n != (ssize_t)rlen || got != rlen || memcmp(data, ref, rlen))
		fail_msg("%s: returned %zd, file has %zu bytes; read(2) "
			 "gives %zu", where, n, got, rlen);
	release(data);
	close(out);
	close(in);

	snprintf(where, sizeof(where), "/proc/self/mountinfo (st_size 0) -> "
		 "pipe, zc_copy ZC_EOF");
	in = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	t_pipe(p);
	sink = t_sink_start(p[1], 0, 0, 0);
	n = zc_copy(p[0], in, NULL, ZC_EOF, &l);
	close(p[0]);
	got = t_sink_join(sink, &data);
	own(data);
	close(p[1]);
	close(in);
	if (n != (ssize_t)rlen || got != rlen || memcmp(data, ref, rlen))
		fail_msg("%s: returned %zd, pipe got %zu bytes; read(2) "
			 "gives %zu", where, n, got, rlen);
	release(data);
	release(ref);
}

/* --- 1. every rung of every ladder, forced --------------------------- */

enum kind { K_DISK, K_TMPFS, K_PIPE, K_TCP, K_UNIX };
static const char *const kind_names[] = {
	"disk", "tmpfs", "pipe", "tcp", "unix"
};

struct rung {
	enum kind in, out;
	enum zc_path path;
};

static const struct rung rungs[] = {
	/* file->file */
	{ K_DISK, K_DISK, ZC_PATH_COPY_FILE_RANGE },
	{ K_DISK, K_DISK, ZC_PATH_SENDFILE },
	{ K_DISK, K_DISK, ZC_PATH_READWRITE },
	{ K_TMPFS, K_DISK, ZC_PATH_SENDFILE },
	{ K_TMPFS, K_DISK, ZC_PATH_READWRITE },
	{ K_DISK, K_DISK, ZC_PATH_URING_RW },
	{ K_DISK, K_DISK, ZC_PATH_URING_SPLICE },
	/* file->socket */
	{ K_DISK, K_TCP, ZC_PATH_SENDFILE },
	{ K_DISK, K_TCP, ZC_PATH_SPLICE },
	{ K_DISK, K_TCP, ZC_PATH_READWRITE },
	{ K_DISK, K_UNIX, ZC_PATH_SENDFILE },
	{ K_DISK, K_UNIX, ZC_PATH_SPLICE },
	{ K_DISK, K_UNIX, ZC_PATH_READWRITE },
	{ K_DISK, K_TCP, ZC_PATH_URING_SPLICE },
	{ K_DISK, K_TCP, ZC_PATH_URING_RW },
	/* socket->socket, socket->file, pipes */
	{ K_TCP, K_TCP, ZC_PATH_SPLICE },
	{ K_TCP, K_TCP, ZC_PATH_READWRITE },
	{ K_UNIX, K_TCP, ZC_PATH_SPLICE },
	{ K_UNIX, K_TCP, ZC_PATH_READWRITE },
	{ K_TCP, K_DISK, ZC_PATH_SPLICE },
	{ K_TCP, K_DISK, ZC_PATH_READWRITE },
	{ K_PIPE, K_TCP, ZC_PATH_SPLICE },
	{ K_PIPE, K_TCP, ZC_PATH_READWRITE },
	{ K_TCP, K_TCP, ZC_PATH_URING_SPLICE },
	{ K_TCP, K_TCP, ZC_PATH_URING_RW },
};

static void run_rung(const struct rung *r, size_t size, int use_ledger)
{
	struct t_source *src = NULL;
	struct t_sink *sink = NULL;
	struct zc_ledger l, *lp = use_ledger ? &l : NULL;
	int in, out, inpeer = -1, outpeer = -1, fds[2];
	uint8_t *data;
	size_t got;
	ssize_t n;

	snprintf(where, sizeof(where), "%s->%s forced %s%s",
		 kind_names[r->in], kind_names[r->out], pname(r->path),
		 use_ledger ? "" : " (ledger NULL)");
	if (r->in == K_DISK || r->in == K_TMPFS) {
		in = t_file(r->in == K_DISK ? t_dir_disk() : t_dir_tmpfs(),
			    "rung-in", size, SEED, NULL);
	} else {
		if (r->in == K_PIPE)
			t_pipe(fds);
		else if (r->in == K_TCP)
			t_tcp_pair(fds);
		else
			t_unix_pair(fds);
		in = fds[1];
		inpeer = fds[0];
		src = t_source_start(inpeer, size, SEED, 1);
	}
	if (r->out == K_DISK) {
		out = t_file_empty(t_dir_disk(), "rung-out", O_RDWR, NULL);
	} else {
		if (r->out == K_TCP)
			t_tcp_pair(fds);
		else
			t_unix_pair(fds);
		out = fds[0];
		outpeer = fds[1];
		sink = t_sink_start(outpeer, 0, 0, 0);
	}
	memset(&l, 0xa5, sizeof(l));
	n = zc_copy_path(r->path, out, in, NULL, ZC_EOF, lp);
	if (sink) {
		close(out);
		got = t_sink_join(sink, &data);
		own(data);
		close(outpeer);
	} else {
		got = t_slurp(out, &data);
		own(data);
		close(out);
	}
	if (src)
		t_source_join(src);
	close(in);
	if (use_ledger) {
		check_ok(&l, n, size, r->path);
		EXPECT_EQ(l.refused, 0, "ledger.refused");
		EXPECT_EQ(l.small, 0, "ledger.small");
	} else if (n != (ssize_t)size) {
		fail_msg("%s: returned %zd, expected %zu", where, n, size);
	}
	check_bytes(data, got, size, 0, "output");
	release(data);
}

static void each_rung(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rungs) / sizeof(rungs[0]); i++) {
		if (!zc_path_supported(rungs[i].path)) {
			print_message("note: %s not supported, rung not run\n",
				      pname(rungs[i].path));
			continue;
		}
		run_rung(&rungs[i], BIG, 1);
	}
}

/*
 * Rule 4 and the output offset: a len past the end of the input moves what
 * there is; the output is written at its file position (docs: "The output
 * is always written at its file position"), which advances.
 */
static void len_beyond_end(void **state)
{
	static const char pre[] = "0123456789";
	int p;

	(void)state;
	assert_int_equal(zc_tune_set(ZC_TUNE_SMALL_COPY, 0), 0);
	for (p = 0; p < ZC_PATH__COUNT; p++) {
		int in, out;
		uint8_t *data;
		struct zc_ledger l;
		size_t got;
		ssize_t n;

		if (!zc_path_supported((enum zc_path)p))
			continue;
		snprintf(where, sizeof(where), "%s: 65537-byte file, len "
			 "100000, output at position 10",
			 pname((enum zc_path)p));
		in = t_file(t_dir_disk(), "beyond-in", 65537, SEED, NULL);
		out = t_file_empty(t_dir_disk(), "beyond-out", O_RDWR, NULL);
		assert_int_equal(write(out, pre, 10), 10);
		n = zc_copy_path((enum zc_path)p, out, in, NULL, 100000, &l);
		check_ok(&l, n, 65537, (enum zc_path)p);
		EXPECT_EQ(lseek(out, 0, SEEK_CUR), 10 + 65537,
			  "output position");
		got = t_slurp(out, &data);
		own(data);
		if (got != 10 + 65537 || memcmp(data, pre, 10) ||
		    memcmp(data + 10, expect, 65537))
			fail_msg("%s: output has %zu bytes, not the 10-byte "
				 "prefix and the file", where, got);
		release(data);
		/* Again, at the end: 0. */
		n = zc_copy_path((enum zc_path)p, out, in, NULL, 100000, &l);
		EXPECT_EQ(n, 0, "a copy at end of file");
		close(in);
		close(out);
	}
}

/* Every path, and zc_copy, accept a NULL ledger. */
static void null_ledger(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rungs) / sizeof(rungs[0]); i++)
		if (zc_path_supported(rungs[i].path))
			run_rung(&rungs[i], 65537, 0);
}

/*
 * A forced path that can never do a pair says -ENOTSUP even for len 0:
 * copy_file_range(2) and sendfile(2) themselves check the descriptors
 * before the length (EINVAL on Linux 6.18), and a caller probing "can
 * this path do these fds?" with len 0 must not be told yes.
 */
static void forced_refusal_len0(void **state)
{
	struct zc_ledger l;
	int file = t_file(t_dir_disk(), "len0-in", 100, SEED, NULL);
	int s[2], p[2];
	ssize_t n;

	(void)state;
	t_unix_pair(s);
	t_pipe(p);
	snprintf(where, sizeof(where), "forced copy_file_range file->socket "
		 "len 0");
	n = zc_copy_file_range(s[0], file, NULL, 0, &l);
	EXPECT_EQ(n, -ENOTSUP, "return");
	snprintf(where, sizeof(where), "forced copy_file_range pipe->file "
		 "len 0");
	n = zc_copy_file_range(file, p[1], NULL, 0, &l);
	EXPECT_EQ(n, -ENOTSUP, "return");
	snprintf(where, sizeof(where), "forced sendfile socket->file len 0");
	n = zc_sendfile(file, s[1], NULL, 0, &l);
	EXPECT_EQ(n, -ENOTSUP, "return");
	snprintf(where, sizeof(where), "forced sendfile pipe->socket len 0");
	n = zc_copy_path(ZC_PATH_SENDFILE, s[0], p[1], NULL, 0, &l);
	EXPECT_EQ(n, -ENOTSUP, "return");
	close(file);
	close(s[0]);
	close(s[1]);
	close(p[0]);
	close(p[1]);
}

/* A socket as sendfile's input: refused, the bytes stay in the socket,
 * and zc_copy() moves them by splice. */
static void sendfile_from_socket(void **state)
{
	struct zc_ledger l;
	struct t_source *src;
	int s[2], out;
	uint8_t *data;
	size_t got;
	ssize_t n;

	(void)state;
	assert_int_equal(zc_tune_set(ZC_TUNE_SMALL_COPY, 0), 0);
	t_tcp_pair(s);
	src = t_source_start(s[0], 200000, SEED, 1);
	out = t_file_empty(t_dir_disk(), "sfs-out", O_RDWR, NULL);
	snprintf(where, sizeof(where), "tcp->file forced sendfile");
	memset(&l, 0xa5, sizeof(l));
	n = zc_sendfile(out, s[1], NULL, ZC_EOF, &l);
	check_refused(&l, n);
	check_file(out, 0, 0);
	snprintf(where, sizeof(where), "tcp->file zc_copy after the refusal");
	n = zc_copy(out, s[1], NULL, ZC_EOF, &l);
	check_ok(&l, n, 200000, ZC_PATH_SPLICE);
	check_file(out, 200000, 0);
	got = read_all(s[1], &data);
	own(data);
	EXPECT_EQ(got, 0, "bytes left in the socket");
	release(data);
	t_source_join(src);
	close(s[1]);
	close(out);
}

/* --- 3. the small-copy rule ------------------------------------------ */

static ssize_t small_copy(size_t fsize, off_t *off, size_t len, int to_tcp,
			  struct zc_ledger *l, size_t want)
{
	int in = t_file(t_dir_disk(), "small-in", fsize, SEED, NULL);
	int out, s[2] = { -1, -1 };
	struct t_sink *sink = NULL;
	uint8_t *data;
	size_t got;
	ssize_t n;

	if (to_tcp) {
		t_tcp_pair(s);
		out = s[0];
		sink = t_sink_start(s[1], 0, 0, 0);
	} else {
		out = t_file_empty(t_dir_disk(), "small-out", O_RDWR, NULL);
	}
	memset(l, 0xa5, sizeof(*l));
	n = zc_copy(out, in, off, len, l);
	if (sink) {
		close(out);
		got = t_sink_join(sink, &data);
		own(data);
		close(s[1]);
	} else {
		got = t_slurp(out, &data);
		own(data);
		close(out);
	}
	close(in);
	check_bytes(data, got, want, 0, "output");
	release(data);
	return n;
}

static void expect_small(const struct zc_ledger *l, ssize_t n, size_t want,
			 int small, enum zc_path not_small_path)
{
	check_ok(l, n, want, small ? ZC_PATH_READWRITE : not_small_path);
	EXPECT_EQ(l->small, small, "ledger.small");
}

static void small_rule(void **state)
{
	long d = small_default;
	struct zc_ledger l;
	size_t dd;
	ssize_t n;

	(void)state;
	if (d <= 1) {
		print_message("skip: ZC_TUNE_SMALL_COPY defaults to %ld: no "
			      "small-copy rule to test\n", d);
		skip();
	}
	dd = (size_t)d;
	assert_int_equal(zc_tune_set(ZC_TUNE_SMALL_COPY, d), 0);

	snprintf(where, sizeof(where), "small rule (%ld): file->file len %zu",
		 d, dd - 1);
	n = small_copy(dd + 5000, NULL, dd - 1, 0, &l, dd - 1);
	expect_small(&l, n, dd - 1, 1, ZC_PATH_AUTO);

	snprintf(where, sizeof(where), "small rule (%ld): file->file len %zu",
		 d, dd);
	n = small_copy(dd + 5000, NULL, dd, 0, &l, dd);
	expect_small(&l, n, dd, 0, ZC_PATH_COPY_FILE_RANGE);

	snprintf(where, sizeof(where), "small rule (%ld): file->tcp len 1", d);
	n = small_copy(dd + 5000, NULL, 1, 1, &l, 1);
	expect_small(&l, n, 1, 1, ZC_PATH_AUTO);

	snprintf(where, sizeof(where), "small rule (%ld): file->tcp len %zu",
		 d, dd);
	n = small_copy(dd, NULL, dd, 1, &l, dd);
	expect_small(&l, n, dd, 0, ZC_PATH_SENDFILE);

	/* ZC_EOF on a file: the size is known, so is the smallness. */
	snprintf(where, sizeof(where), "small rule (%ld): %zu-byte file->file "
		 "ZC_EOF", d, dd - 1);
	n = small_copy(dd - 1, NULL, ZC_EOF, 0, &l, dd - 1);
	expect_small(&l, n, dd - 1, 1, ZC_PATH_AUTO);

	snprintf(where, sizeof(where), "small rule (%ld): 1-byte file->tcp "
		 "ZC_EOF", d);
	n = small_copy(1, NULL, ZC_EOF, 1, &l, 1);
	expect_small(&l, n, 1, 1, ZC_PATH_AUTO);

	/* Rule off: the zero-copy path even for one byte. */
	assert_int_equal(zc_tune_set(ZC_TUNE_SMALL_COPY, 0), 0);
	snprintf(where, sizeof(where), "small rule off: file->file len 1");
	n = small_copy(100, NULL, 1, 0, &l, 1);
	expect_small(&l, n, 1, 0, ZC_PATH_COPY_FILE_RANGE);

	/* A threshold of our own. */
	assert_int_equal(zc_tune_set(ZC_TUNE_SMALL_COPY, 100), 0);
	EXPECT_EQ(zc_tune_get(ZC_TUNE_SMALL_COPY), 100, "tune_get");
	snprintf(where, sizeof(where), "small rule (100): file->tcp len 99");
	n = small_copy(1000, NULL, 99, 1, &l, 99);
	expect_small(&l, n, 99, 1, ZC_PATH_AUTO);
	snprintf(where, sizeof(where), "small rule (100): file->tcp len 100");
	n = small_copy(1000, NULL, 100, 1, &l, 100);
	expect_small(&l, n, 100, 0, ZC_PATH_SENDFILE);
}

/* Forcing a path overrides the small-copy rule. */
static void small_rule_forced(void **state)
{
	int in = t_file(t_dir_disk(), "smallf-in", 10, SEED, NULL);
	int out = t_file_empty(t_dir_disk(), "smallf-out", O_RDWR, NULL);
	struct zc_ledger l;
	ssize_t n;

	(void)state;
	assert_int_equal(zc_tune_set(ZC_TUNE_SMALL_COPY, 1 << 20), 0);
	snprintf(where, sizeof(where), "forced sendfile of 10 bytes under a "
		 "1 MiB small-copy rule");
	n = zc_sendfile(out, in, NULL, ZC_EOF, &l);
	check_ok(&l, n, 10, ZC_PATH_SENDFILE);
	EXPECT_EQ(l.small, 0, "ledger.small");
	check_file(out, 10, 0);
	close(in);
	close(out);
}

/* --- 4. names, support, stats, tunables ------------------------------ */

static void names(void **state)
{
	int p;

	(void)state;
	snprintf(where, sizeof(where), "path names");
	assert_string_equal(zc_path_name(ZC_PATH_AUTO), "auto");
	assert_string_equal(zc_path_name(ZC_PATH_SENDFILE), "sendfile");
	assert_string_equal(zc_path_name(ZC_PATH_SPLICE), "splice");
	for (p = 0; p < ZC_PATH__COUNT; p++) {
		const char *s = zc_path_name((enum zc_path)p);

		assert_non_null(s);
		EXPECT_EQ(zc_path_from_name(s), p, s);
	}
	assert_null(zc_path_name(ZC_PATH__COUNT));
	assert_null(zc_path_name((enum zc_path)-1));
	EXPECT_EQ(zc_path_from_name("no-such-path"), -EINVAL, "from_name");
	EXPECT_EQ(zc_path_from_name(""), -EINVAL, "from_name(\"\")");
}

static void supported(void **state)
{
	int p;

	(void)state;
	snprintf(where, sizeof(where), "zc_path_supported");
	/* Linux 6.18 has all four syscall paths. */
	for (p = ZC_PATH_COPY_FILE_RANGE; p <= ZC_PATH_READWRITE; p++)
		EXPECT_EQ(zc_path_supported((enum zc_path)p), 1,
			  pname((enum zc_path)p));
	for (p = ZC_PATH_URING_SPLICE; p <= ZC_PATH_URING_RW; p++) {
		int s = zc_path_supported((enum zc_path)p);

		assert_true(s == 0 || s == 1);
		/* Cached: asked again, same answer. */
		EXPECT_EQ(zc_path_supported((enum zc_path)p), s, "again");
	}
	EXPECT_EQ(zc_path_supported(ZC_PATH__COUNT), 0, "out of range");
	EXPECT_EQ(zc_path_supported((enum zc_path)-1), 0, "negative");
}

/* A path absent on this kernel, forced: -ENOTSUP, and zc_copy() avoids
 * it. Runs only where one is absent. */
static void absent_path(void **state)
{
	int p, any = 0;

	(void)state;
	for (p = 1; p < ZC_PATH__COUNT; p++) {
		int in, out;
		struct zc_ledger l;
		ssize_t n;

		if (zc_path_supported((enum zc_path)p))
			continue;
		any = 1;
		in = t_file(t_dir_disk(), "absent-in", 4096, SEED, NULL);
		out = t_file_empty(t_dir_disk(), "absent-out", O_RDWR, NULL);
		snprintf(where, sizeof(where), "absent %s forced",
			 pname((enum zc_path)p));
		n = zc_copy_path((enum zc_path)p, out, in, NULL, ZC_EOF, &l);
		check_refused(&l, n);
		check_file(out, 0, 0);
		close(in);
		close(out);
	}
	if (!any) {
		print_message("skip: every path is supported here\n");
		skip();
	}
}

static void stats_api(void **state)
{
	struct zc_path_stats st;
	struct zc_ledger l;
	int in, out, p;
	ssize_t n;

	(void)state;
	snprintf(where, sizeof(where), "zc_stats");
	EXPECT_EQ(zc_stats_get(ZC_PATH__COUNT, &st), -EINVAL, "bad path");
	EXPECT_EQ(zc_stats_get((enum zc_path)-1, &st), -EINVAL, "negative");
	zc_stats_reset();
	for (p = 1; p < ZC_PATH__COUNT; p++) {
		stats((enum zc_path)p, &st);
		if (st.calls || st.bytes || st.syscalls || st.user_copied ||
		    st.refused)
			fail_msg("zc_stats(%s) not zero after reset",
				 pname((enum zc_path)p));
	}
	in = t_file(t_dir_disk(), "stats-in", 65537, SEED, NULL);
	out = t_file_empty(t_dir_disk(), "stats-out", O_RDWR, NULL);
	n = zc_readwrite(out, in, NULL, ZC_EOF, &l);
	check_ok(&l, n, 65537, ZC_PATH_READWRITE);
	stats(ZC_PATH_READWRITE, &st);
	EXPECT_EQ(st.calls, 1, "readwrite calls");
	EXPECT_EQ(st.bytes, 65537, "readwrite bytes");
	EXPECT_EQ(st.user_copied, 65537, "readwrite user_copied");
	EXPECT_EQ(st.syscalls, l.syscalls, "readwrite syscalls");
	/* A call that moved nothing is not a call "in which this path moved
	 * bytes". */
	n = zc_readwrite(out, in, NULL, ZC_EOF, &l);
	EXPECT_EQ(n, 0, "copy at end of file");
	stats(ZC_PATH_READWRITE, &st);
	EXPECT_EQ(st.calls, 1, "readwrite calls after a 0-byte call");
	close(in);
	close(out);
}

static void tunables(void **state)
{
	struct zc_ledger l;
	long rw, ps;
	int in, out, s[2];
	struct t_sink *sink;
	uint8_t *data;
	size_t got;
	ssize_t n;

	(void)state;
	snprintf(where, sizeof(where), "zc_tune");
	EXPECT_EQ(zc_tune_set(ZC_TUNE__COUNT, 1), -EINVAL, "unknown set");
	EXPECT_EQ(zc_tune_set((enum zc_tune)-1, 1), -EINVAL, "negative set");
	EXPECT_EQ(zc_tune_get(ZC_TUNE__COUNT), -EINVAL, "unknown get");
	EXPECT_EQ(zc_tune_set(ZC_TUNE_SMALL_COPY, -1), -EINVAL,
		  "SMALL_COPY -1");
	EXPECT_EQ(zc_tune_set(ZC_TUNE_RW_BUFFER, 0), -EINVAL, "RW_BUFFER 0");
	EXPECT_EQ(zc_tune_set(ZC_TUNE_RW_BUFFER, -4096), -EINVAL,
		  "RW_BUFFER < 0");
	EXPECT_EQ(zc_tune_set(ZC_TUNE_PIPE_SIZE, -1), -EINVAL, "PIPE_SIZE -1");
	EXPECT_EQ(zc_tune_set(ZC_TUNE_SIGPIPE_GUARD, 2), -EINVAL,
		  "SIGPIPE_GUARD 2 (0 or 1)");
	/* docs/tunables.md: RW_BUFFER 4096..64 MiB, PIPE_SIZE 0..1 GiB. */
	EXPECT_EQ(zc_tune_set(ZC_TUNE_RW_BUFFER, 4095), -EINVAL,
		  "RW_BUFFER 4095");
	EXPECT_EQ(zc_tune_set(ZC_TUNE_RW_BUFFER, (64L << 20) + 1), -EINVAL,
		  "RW_BUFFER 64 MiB + 1");
	EXPECT_EQ(zc_tune_set(ZC_TUNE_PIPE_SIZE, (1L << 30) + 1), -EINVAL,
		  "PIPE_SIZE 1 GiB + 1");
	rw = zc_tune_get(ZC_TUNE_RW_BUFFER);
	ps = zc_tune_get(ZC_TUNE_PIPE_SIZE);
	assert_true(rw > 0);
	assert_true(ps >= 0);	/* 0: the kernel's 64 KiB */
	assert_true(zc_tune_get(ZC_TUNE_SIGPIPE_GUARD) == 0 ||
		    zc_tune_get(ZC_TUNE_SIGPIPE_GUARD) == 1);

	/* The read/write buffer is what it says: 4 KiB means at least one
	 * read and one write per 4 KiB. */
	assert_int_equal(zc_tune_set(ZC_TUNE_RW_BUFFER, 4096), 0);
	EXPECT_EQ(zc_tune_get(ZC_TUNE_RW_BUFFER), 4096, "RW_BUFFER get");
	in = t_file(t_dir_disk(), "tune-in", BIG, SEED, NULL);
	out = t_file_empty(t_dir_disk(), "tune-out", O_RDWR, NULL);
	snprintf(where, sizeof(where), "readwrite with a 4 KiB buffer");
	n = zc_readwrite(out, in, NULL, ZC_EOF, &l);
	check_ok(&l, n, BIG, ZC_PATH_READWRITE);
	if (l.syscalls < 2 * ((BIG + 4095) / 4096))
		fail_msg("%s: %llu syscalls for %zu bytes", where,
			 (unsigned long long)l.syscalls, BIG);
	check_file(out, BIG, 0);
	close(out);
	assert_int_equal(zc_tune_set(ZC_TUNE_RW_BUFFER, rw), 0);

	/* Pipe size changes leave splice exact. */
	assert_int_equal(zc_tune_set(ZC_TUNE_PIPE_SIZE, 4096), 0);
	snprintf(where, sizeof(where), "splice with PIPE_SIZE 4096");
	t_unix_pair(s);
	sink = t_sink_start(s[1], 0, 0, 0);
	n = zc_splice(s[0], in, &(off_t){ 0 }, ZC_EOF, &l);
	close(s[0]);
	got = t_sink_join(sink, &data);
	own(data);
	close(s[1]);
	check_ok(&l, n, BIG, ZC_PATH_SPLICE);
	check_bytes(data, got, BIG, 0, "socket");
	release(data);
	assert_int_equal(zc_tune_set(ZC_TUNE_PIPE_SIZE, ps), 0);
	close(in);
}

static int setup(void **state)
{
	(void)state;
	where[0] = 0;
	alarm(TEST_TIMEOUT);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	release_all();
	alarm(0);
	if (small_default >= 0)
		zc_tune_set(ZC_TUNE_SMALL_COPY, small_default);
	return 0;
}

static int group_setup(void **state)
{
	(void)state;
	expect = malloc(BIG);
	if (!expect)
		return -1;
	t_fill(expect, BIG, 0, SEED);
	small_default = zc_tune_get(ZC_TUNE_SMALL_COPY);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free(expect);
	return 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(cfr_tmpfs_to_disk),
		T(cfr_memfd_to_disk),
		T(cfr_same_fs),
		T(sendfile_to_pipe),
		T(append_from_file),
		T(append_from_stream_splice),
		T(append_from_stream_uring_splice),
		T(append_from_stream_auto),
		T(proc_file),
		T(each_rung),
		T(null_ledger),
		T(len_beyond_end),
		T(forced_refusal_len0),
		T(sendfile_from_socket),
		T(small_rule),
		T(small_rule_forced),
		T(names),
		T(supported),
		T(absent_path),
		T(stats_api),
		T(tunables),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	signal(SIGALRM, on_alarm);
	t_count_sigpipe();
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
