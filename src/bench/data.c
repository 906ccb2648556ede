/* SPDX-License-Identifier: MIT */
/*
 * src/bench/data.c - the bytes the bench moves: a pattern that any reader
 * can check without a copy of the source, the data files that hold it (one
 * per size, in --dir, written once, synced so that writeback does not run
 * during the measurement, then read into the page cache), and the memory
 * buffers of the memory scenario (made before fork: children share them).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "bench.h"

/*
 * Word k of the stream: an odd multiplier makes k -> word a bijection, so
 * no two words in 2^64 are equal and a misplaced block is always seen; the
 * shift mixes the high bits down. Bytes are little-endian in each word.
 */
static inline uint64_t word(uint64_t k)
{
	uint64_t x = (k + 1) * 0x9e3779b97f4a7c15ull;

	return x ^ (x >> 31);
}

static inline uint8_t pbyte(uint64_t i)
{
	return (uint8_t)(word(i >> 3) >> ((i & 7) * 8));
}

static inline void put_word(uint8_t *p, uint64_t w)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(w >> (i * 8));
}

void bench_pattern_fill(uint8_t *p, size_t len, uint64_t off)
{
	size_t i = 0;

	for (; i < len && ((off + i) & 7); i++)
		p[i] = pbyte(off + i);
	for (; i + 8 <= len; i += 8)
		put_word(p + i, word((off + i) >> 3));
	for (; i < len; i++)
		p[i] = pbyte(off + i);
}

int64_t bench_pattern_check(const uint8_t *p, size_t len, uint64_t off)
{
	uint8_t w[8];
	size_t i = 0, j;

	for (; i < len && ((off + i) & 7); i++)
		if (p[i] != pbyte(off + i))
			return (int64_t)i;
	for (; i + 8 <= len; i += 8) {
		put_word(w, word((off + i) >> 3));
		if (memcmp(p + i, w, 8))
			break;
	}
	for (j = i; j < len; j++)
		if (p[j] != pbyte(off + j))
			return (int64_t)j;
	return -1;
}

/*
 * The data files to remove when a signal ends the bench (they can be a
 * GiB): unlink(2) is async-signal-safe, the names are made beforehand.
 */
static char doomed[2 * BENCH_MAX_SIZES][256];
static volatile sig_atomic_t ndoomed;

static void on_signal(int sig)
{
	int i;

	for (i = 0; i < ndoomed; i++)
		unlink(doomed[i]);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void remove_on_signal(const char *path)
{
	struct sigaction sa = { .sa_handler = on_signal };

	if (ndoomed == 2 * BENCH_MAX_SIZES ||
	    strlen(path) >= sizeof(doomed[0]))
		return;
	snprintf(doomed[ndoomed], sizeof(doomed[0]), "%s", path);
	ndoomed++;
	if (ndoomed > 1)
		return;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

int bench_data_file(const struct bench *b, size_t size, char *path,
		    size_t len)
{
	int n = snprintf(path, len, "%s/zcio-bench-%zu.dat", b->cfg.dir,
			 size);

	return n > 0 && (size_t)n < len ? 0 : -ENAMETOOLONG;
}

/* A kept file is reused when its size and a few samples are right. */
static int file_ok(int fd, size_t size)
{
	uint8_t buf[4096];
	off_t offs[3] = { 0, (off_t)(size / 2), (off_t)size - 1 };
	struct stat st;
	ssize_t n;
	int i;

	if (fstat(fd, &st) == -1 || (size_t)st.st_size != size)
		return 0;
	for (i = 0; i < 3; i++) {
		n = pread(fd, buf, sizeof(buf), offs[i]);
		if (n <= 0 || bench_pattern_check(buf, (size_t)n,
						  (uint64_t)offs[i]) >= 0)
			return 0;
	}
	return 1;
}

static int write_file(int fd, size_t size, uint8_t *buf, size_t bufsz)
{
	size_t off = 0, n;

	if (ftruncate(fd, 0) == -1)
		return -errno;
	while (off < size) {
		n = size - off < bufsz ? size - off : bufsz;
		bench_pattern_fill(buf, n, off);
		if (pwrite(fd, buf, n, (off_t)off) != (ssize_t)n)
			return errno ? -errno : -EIO;
		off += n;
	}
	/* Writeback during a timed run would be noise: do it now. */
	return fdatasync(fd) == -1 ? -errno : 0;
}

/* Reads the file through, so the warm runs find it in the page cache. */
static void warm(int fd, size_t size, uint8_t *buf, size_t bufsz)
{
	size_t off;

	posix_fadvise(fd, 0, 0, POSIX_FADV_WILLNEED);
	for (off = 0; off < size; off += bufsz)
		if (pread(fd, buf, bufsz, (off_t)off) <= 0)
			break;
}

/* Percent of the file's pages in the page cache (mincore). */
static double resident(int fd, size_t size)
{
	size_t pages = (size + 4095) / 4096, i, in = 0;
	unsigned char *vec = malloc(pages);
	void *p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);

	if (vec && p != MAP_FAILED && !mincore(p, size, vec))
		for (i = 0; i < pages; i++)
			in += vec[i] & 1;
	if (p != MAP_FAILED)
		munmap(p, size);
	free(vec);
	return 100.0 * (double)in / (double)pages;
}

static int prepare_file(struct bench *b, size_t size, uint8_t *buf,
			size_t bufsz)
{
	char path[4096];
	int fd, ret = 0;
	double r;

	if (bench_data_file(b, size, path, sizeof(path)))
		return -ENAMETOOLONG;
	if (!b->cfg.keep_data)
		remove_on_signal(path);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd == -1) {
		ret = -errno;
		cli_err(b->cfg.cmd, "cannot create '%s': %s", path,
			strerror(-ret));
		return ret;
	}
	if (!b->cfg.keep_data || !file_ok(fd, size))
		ret = write_file(fd, size, buf, bufsz);
	if (ret) {
		cli_err(b->cfg.cmd, "cannot write '%s': %s", path,
			strerror(-ret));
	} else if (!b->cfg.cold) {
		warm(fd, size, buf, bufsz);
		r = resident(fd, size);
		if (r < b->resident)
			b->resident = r;
	}
	close(fd);
	return ret;
}

/* Memory scenario buffers, by size; made in the parent, kept to exit. */
static struct {
	size_t size;
	uint8_t *p;
} mems[2 * BENCH_MAX_SIZES];
static int nmems;

const uint8_t *bench_data_mem(size_t size)
{
	int i;

	for (i = 0; i < nmems; i++)
		if (mems[i].size == size)
			return mems[i].p;
	return NULL;
}

static int prepare_mem(size_t size)
{
	void *p;

	if (bench_data_mem(size) ||
	    nmems == (int)(sizeof(mems) / sizeof(mems[0])))
		return 0;
	if (posix_memalign(&p, 4096, size))
		return -ENOMEM;
	bench_pattern_fill(p, size, 0);
	mems[nmems].size = size;
	mems[nmems++].p = p;
	return 0;
}

/* Disk space for the data files plus the largest file-scenario copy. */
static int check_space(const struct bench *b, uint64_t need)
{
	struct statvfs vfs;
	char n[CLI_HUMAN_LEN], h[CLI_HUMAN_LEN];
	uint64_t avail;

	if (statvfs(b->cfg.dir, &vfs) == -1) {
		cli_err(b->cfg.cmd, "cannot use --dir '%s': %s", b->cfg.dir,
			strerror(errno));
		return -errno;
	}
	avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	if (avail < need + need / 8) {
		cli_err(b->cfg.cmd, "'%s' has %s free; the data needs %s "
			"(choose another --dir, or fewer --sizes)",
			b->cfg.dir, cli_size(h, avail), cli_size(n, need));
		return -ENOSPC;
	}
	return 0;
}

/* The sizes the cases need as files, and as memory, into two lists. */
static void needed(const struct bench *b, size_t *files, int *nf,
		   size_t *mem, int *nm)
{
	const struct bench_case *c;
	size_t *list;
	int i, j, dup, *n;

	*nf = *nm = 0;
	for (i = 0; i < b->ncases; i++) {
		c = &b->cases[i];
		if (c->kind == BENCH_K_MEMCPY)
			continue;
		list = c->scen == BENCH_MEM ? mem : files;
		n = c->scen == BENCH_MEM ? nm : nf;
		for (j = dup = 0; j < *n; j++)
			dup |= list[j] == c->size;
		if (!dup && *n < 2 * BENCH_MAX_SIZES)
			list[(*n)++] = c->size;
	}
}

int bench_data_prepare(struct bench *b)
{
	size_t files[2 * BENCH_MAX_SIZES], mem[2 * BENCH_MAX_SIZES];
	size_t bufsz = 1u << 20;
	uint64_t need = 0, biggest = 0;
	int nf, nm, i, ret = 0;
	uint8_t *buf;

	needed(b, files, &nf, mem, &nm);
	for (i = 0; i < nf; i++) {
		need += files[i];
		if (files[i] > biggest)
			biggest = files[i];
	}
	if (b->cfg.scens & (1u << BENCH_FILE))
		need += biggest;
	if (nf && check_space(b, need))
		return -ENOSPC;
	buf = malloc(bufsz);
	if (!buf)
		return -ENOMEM;
	b->resident = 100;
	for (i = 0; i < nf && !ret; i++)
		ret = prepare_file(b, files[i], buf, bufsz);
	free(buf);
	for (i = 0; i < nm && !ret; i++) {
		ret = prepare_mem(mem[i]);
		if (ret)
			cli_err(b->cfg.cmd, "cannot allocate %zu bytes",
				mem[i]);
	}
	return ret;
}

void bench_data_cleanup(const struct bench *b)
{
	char path[4096];
	int i;

	for (i = 0; i < nmems; i++)
		free(mems[i].p);
	nmems = 0;
	if (b->cfg.keep_data)
		return;
	for (i = 0; i < b->cfg.nsizes; i++)
		if (!bench_data_file(b, b->cfg.sizes[i], path, sizeof(path)))
			unlink(path);
	for (i = 0; i < b->cfg.nlat; i++)
		if (!bench_data_file(b, b->cfg.lat_sizes[i], path,
				     sizeof(path)))
			unlink(path);
}
