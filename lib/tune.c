/* SPDX-License-Identifier: MIT */
/*
 * lib/tune.c - process-wide tunables. docs/tunables.md gives each one's
 * reason, default and cost.
 */
#include <errno.h>

#include "internal.h"

/*
 * Defaults:
 *  SMALL_COPY 16 KiB: measured by `zcio bench` (docs/benchmarks.md,
 *    "Small-copy threshold"): file to file, copy_file_range costs the
 *    sender more CPU than read/write up to 16 KiB and less from 32 KiB;
 *    file to socket, sendfile costs 40-80% more below 4 KiB and no more
 *    above. One number for both ladders; 4 KiB would err as much on files.
 *  RW_BUFFER 128 KiB: large enough that syscall overhead is a few percent
 *    of a memcpy of the buffer, small enough to stay in L2.
 *  PIPE_SIZE 0: keep the kernel's pipe capacity (64 KiB, 16 pages).
 *  SIGPIPE_GUARD on: a library must not let SIGPIPE kill its caller.
 *  ZSEND_MIN 10 KiB: "MSG_ZEROCOPY is generally only effective at writes
 *    over around 10 KB" (kernel Documentation/networking/msg_zerocopy.rst):
 *    below it the page pinning and the notification cost more than the
 *    copy. Netty applies the same kind of floor to io_uring SEND_ZC.
 */
long zc__tune[ZC_TUNE__COUNT] = {
	[ZC_TUNE_SMALL_COPY] = 16384,
	[ZC_TUNE_RW_BUFFER] = 131072,
	[ZC_TUNE_PIPE_SIZE] = 0,
	[ZC_TUNE_SIGPIPE_GUARD] = 1,
	[ZC_TUNE_ZSEND_MIN] = 10240,
};

static int valid(enum zc_tune what, long value)
{
	switch (what) {
	case ZC_TUNE_SMALL_COPY:
		return value >= 0;
	case ZC_TUNE_RW_BUFFER:
		return value >= 4096 && value <= (64L << 20);
	case ZC_TUNE_PIPE_SIZE:
		return value >= 0 && value <= (1L << 30);
	case ZC_TUNE_SIGPIPE_GUARD:
		return value == 0 || value == 1;
	case ZC_TUNE_ZSEND_MIN:
		return value >= 0;
	default:
		return 0;
	}
}

int zc_tune_set(enum zc_tune what, long value)
{
	if ((unsigned int)what >= ZC_TUNE__COUNT || !valid(what, value))
		return -EINVAL;
	zc__tune[what] = value;
	return 0;
}

long zc_tune_get(enum zc_tune what)
{
	if ((unsigned int)what >= ZC_TUNE__COUNT)
		return -EINVAL;
	return zc__tune[what];
}
