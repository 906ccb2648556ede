/* SPDX-License-Identifier: MIT */
/*
 * src/bench/paths.c - the paths the bench measures, in one table. The
 * library's transfer paths are run forced, through zc_copy_path(), so the
 * bench measures exactly the code the servers run; mmap+write, which is
 * not a library path (DESIGN.md: files are never mapped for sending), and
 * the memory senders live in their own files.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

const char *const bench_scen_names[BENCH_SCEN__COUNT] = {
	[BENCH_TCP] = "tcp",
	[BENCH_UNIX] = "unix",
	[BENCH_FILE] = "file",
	[BENCH_MEM] = "mem",
};

const char *const bench_scen_titles[BENCH_SCEN__COUNT] = {
	[BENCH_TCP] = "file -> TCP loopback (receiver process, recv)",
	[BENCH_UNIX] = "file -> UNIX stream socket (receiver process, recv)",
	[BENCH_FILE] = "file -> file (a fresh file in --dir, rewritten)",
	[BENCH_MEM] = "memory -> TCP loopback (receiver process, recv)",
};

#define ON_SOCKETS ((1u << BENCH_TCP) | (1u << BENCH_UNIX))
#define ON_FILES (ON_SOCKETS | (1u << BENCH_FILE))

/* The libzcio path each library row forces; AUTO for the others. */
static const enum zc_path lib_path[BP__COUNT] = {
	[BP_READWRITE] = ZC_PATH_READWRITE,
	[BP_SENDFILE] = ZC_PATH_SENDFILE,
	[BP_SPLICE] = ZC_PATH_SPLICE,
	[BP_COPY_FILE_RANGE] = ZC_PATH_COPY_FILE_RANGE,
	[BP_URING_RW] = ZC_PATH_URING_RW,
	[BP_URING_SPLICE] = ZC_PATH_URING_SPLICE,
};

/*
 * Adds one call's ledger. The ledger must name the forced path and count
 * the bytes the call returned; a call that does not is a mismatch, which
 * the reports show and the test suite rejects.
 */
static void add_ledger(struct bench_tx *tx, const struct zc_ledger *l,
		       ssize_t n)
{
	struct bench_ledger *b = &tx->led;

	b->calls++;
	b->bytes += l->bytes;
	b->syscalls += l->syscalls;
	b->user_copied += l->user_copied;
	b->from_memory += l->from_memory;
	b->zero_copy += l->zero_copy;
	if (l->bytes) {
		b->paths |= 1u << l->path;
		snprintf(b->ran, sizeof(b->ran), "%s", zc_path_name(l->path));
	}
	if (n > 0 && (l->path != lib_path[tx->path] ||
		      l->bytes != (uint64_t)n))
		b->mismatch++;
}

/*
 * One transfer by the forced path: the file from offset 0 (an explicit
 * offset, as a server sends a file it keeps open), @len bytes. A blocking
 * socket or file takes it all in one call; a short count means the file
 * shrank, which the data files never do.
 */
static ssize_t lib_xfer(struct bench_tx *tx, size_t len)
{
	struct zc_ledger l;
	off_t off = 0;
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = zc_copy_path(lib_path[tx->path], tx->out, tx->in, &off,
				 len - done, &l);
		add_ledger(tx, &l, n);
		if (n <= 0)
			return done ? (ssize_t)done : n ? n : -EIO;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

static int sup_readwrite(void)
{
	return zc_path_supported(ZC_PATH_READWRITE);
}

static int sup_sendfile(void)
{
	return zc_path_supported(ZC_PATH_SENDFILE);
}

static int sup_splice(void)
{
	return zc_path_supported(ZC_PATH_SPLICE);
}

static int sup_copy_file_range(void)
{
	return zc_path_supported(ZC_PATH_COPY_FILE_RANGE);
}

static int sup_uring_rw(void)
{
	return zc_path_supported(ZC_PATH_URING_RW);
}

static int sup_uring_splice(void)
{
	return zc_path_supported(ZC_PATH_URING_SPLICE);
}

static const struct bench_path readwrite = {
	.name = "readwrite",
	.what = "read(2) into a user buffer, write(2) it: two CPU copies",
	.scens = ON_FILES, .copies = 2,
	.supported = sup_readwrite, .xfer = lib_xfer,
};

static const struct bench_path sendfile_path = {
	.name = "sendfile",
	.what = "sendfile(2) from the page cache",
	.scens = ON_FILES, .copies = 0,
	.supported = sup_sendfile, .xfer = lib_xfer,
};

static const struct bench_path splice_path = {
	.name = "splice",
	.what = "splice(2) file -> pooled pipe -> output",
	.scens = ON_FILES, .copies = 0,
	.supported = sup_splice, .xfer = lib_xfer,
};

static const struct bench_path copy_file_range_path = {
	.name = "copy_file_range",
	.what = "copy_file_range(2): file to file inside the kernel",
	.scens = 1u << BENCH_FILE, .copies = 0,
	.supported = sup_copy_file_range, .xfer = lib_xfer,
};

static const struct bench_path uring_rw = {
	.name = "uring_rw",
	.what = "io_uring READ_FIXED + WRITE_FIXED, registered buffer",
	.scens = ON_FILES, .copies = 2,
	.supported = sup_uring_rw, .xfer = lib_xfer,
};

static const struct bench_path uring_splice = {
	.name = "uring_splice",
	.what = "io_uring SPLICE file -> pooled pipe -> output",
	.scens = ON_FILES, .copies = 0,
	.supported = sup_uring_splice, .xfer = lib_xfer,
};

const struct bench_path *const bench_paths[BP__COUNT] = {
	[BP_READWRITE] = &readwrite,
	[BP_MMAP_WRITE] = &bench_path_mmap_write,
	[BP_SENDFILE] = &sendfile_path,
	[BP_SPLICE] = &splice_path,
	[BP_COPY_FILE_RANGE] = &copy_file_range_path,
	[BP_URING_RW] = &uring_rw,
	[BP_URING_SPLICE] = &uring_splice,
	[BP_SEND] = &bench_path_send,
	[BP_MSG_ZEROCOPY] = &bench_path_msg_zerocopy,
	[BP_SEND_ZC] = &bench_path_send_zc,
};

int bench_path_from_name(const char *name)
{
	int p;

	for (p = 0; p < BP__COUNT; p++)
		if (!strcmp(bench_paths[p]->name, name))
			return p;
	return -EINVAL;
}

int bench_scen_from_name(const char *name)
{
	int s;

	for (s = 0; s < BENCH_SCEN__COUNT; s++)
		if (!strcmp(bench_scen_names[s], name))
			return s;
	return -EINVAL;
}
