/* SPDX-License-Identifier: MIT */
/*
 * src/bench/memcpy.c - the reference row for a CPU copy: single-thread
 * memcpy bandwidth between two buffers of one size, for a fixed time.
 * A small buffer (cache-resident, like the read/write path's buffer) shows
 * the best a copy can do; a large one (beyond the caches) what a copy of
 * cold data costs. Every byte a path copies costs at least 1/this.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

void bench_memcpy_run(struct bench_shared *sh)
{
	size_t size = sh->size;
	uint8_t *src = NULL, *dst = NULL;
	uint64_t bytes = 0;
	double t0, t1, deadline;

	if (posix_memalign((void **)&src, 4096, size) ||
	    posix_memalign((void **)&dst, 4096, size)) {
		sh->tx_status = -ENOMEM;
		snprintf(sh->tx_err, sizeof(sh->tx_err), "memcpy: cannot "
			 "allocate 2 x %zu bytes", size);
		free(src);
		return;
	}
	/* Touch every page first: page faults are not a copy's cost. */
	memset(src, 0x5a, size);
	memset(dst, 0, size);
	memcpy(dst, src, size);
	t0 = cli_now();
	deadline = t0 + sh->secs;
	do {
		memcpy(dst, src, size);
		/* The copy must happen: the compiler sees dst escape. */
		__asm__ __volatile__("" : : "r"(dst) : "memory");
		bytes += size;
		t1 = cli_now();
	} while (t1 < deadline);
	sh->memcpy_gbps = (double)bytes / (t1 - t0) / 1e9;
	sh->tx_bytes = bytes;
	sh->tx_start = t0;
	sh->tx_end = t1;
	free(src);
	free(dst);
}
