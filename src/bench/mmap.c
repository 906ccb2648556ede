/* SPDX-License-Identifier: MIT */
/*
 * src/bench/mmap.c - mmap+write, the classic "avoid one copy" path of the
 * seeds. It is not a libzcio path on purpose (DESIGN.md: a file mapped for
 * sending raises SIGBUS when it is truncated meanwhile), so the bench runs
 * it itself and keeps its ledger the way the library would: every system
 * call counted, every byte one CPU copy from user memory into the kernel.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"

/*
 * One transfer as a naive server does it: map the file, write the whole
 * mapping (the kernel copies from it, faulting the pages in as it goes),
 * unmap. Sequential read-ahead only matters for large cold files.
 */
static ssize_t mmap_xfer(struct bench_tx *tx, size_t len)
{
	struct bench_ledger *l = &tx->led;
	size_t done = 0;
	ssize_t n = 0;
	uint8_t *p;

	l->calls++;
	l->syscalls++;
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, tx->in, 0);
	if (p == MAP_FAILED)
		return -errno;
	if (len >= (1u << 20)) {
		l->syscalls++;
		madvise(p, len, MADV_SEQUENTIAL);
	}
	while (done < len) {
		l->syscalls++;
		n = write(tx->out, p + done, len - done);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			n = n ? -errno : -EIO;
			break;
		}
		done += (size_t)n;
	}
	l->syscalls++;
	munmap(p, len);
	l->bytes += done;
	l->from_memory += done;
	snprintf(l->ran, sizeof(l->ran), "mmap_write");
	return done ? (ssize_t)done : n;
}

static int always(void)
{
	return 1;
}

const struct bench_path bench_path_mmap_write = {
	.name = "mmap_write",
	.what = "mmap(2) + write(2): one copy; the bench's own, not libzcio",
	.scens = (1u << BENCH_TCP) | (1u << BENCH_UNIX) | (1u << BENCH_FILE),
	.copies = 1,
	.supported = always,
	.xfer = mmap_xfer,
};
