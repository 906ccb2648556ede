/* SPDX-License-Identifier: MIT */
/*
 * src/bench/memsend.c - the baseline of the memory scenario: user memory
 * sent with a plain copy, the way a server sends a response it built in
 * memory (a chain of one memory piece, zc_chain_send: one sendmsg, the
 * kernel copies every byte once into socket buffers).
 */
#include <errno.h>
#include <stdio.h>

#include "bench.h"

static ssize_t send_xfer(struct bench_tx *tx, size_t len)
{
	struct bench_ledger *b = &tx->led;
	struct zc_ledger l;
	struct zc_chain c;
	size_t done = 0;
	ssize_t n = 0;

	zc_chain_init(&c);
	if (zc_chain_append_ptr(&c, tx->mem, len)) {
		zc_chain_exit(&c);
		return -ENOMEM;
	}
	while (zc_chain_bytes(&c)) {
		n = zc_chain_send(tx->out, &c, &l);
		b->calls++;
		b->syscalls += l.syscalls;
		b->from_memory += l.from_memory;
		b->zero_copy += l.zero_copy;
		b->user_copied += l.user_copied;
		if (n <= 0)
			break;
		b->bytes += (uint64_t)n;
		/* Only memory went out: the ledger must say so. */
		if (l.from_memory != (uint64_t)n || l.zero_copy)
			b->mismatch++;
		done += (size_t)n;
	}
	zc_chain_exit(&c);
	snprintf(b->ran, sizeof(b->ran), "send");
	return done ? (ssize_t)done : n ? n : -EIO;
}

static int always(void)
{
	return 1;
}

const struct bench_path bench_path_send = {
	.name = "send",
	.what = "zc_chain_send of memory: one sendmsg, the kernel copies",
	.scens = 1u << BENCH_MEM,
	.copies = 1,
	.supported = always,
	.xfer = send_xfer,
};
