/* SPDX-License-Identifier: MIT */
/*
 * examples/zc-cp.c - the smallest program on libzcio: copies one file or
 * stream to another by the cheapest path and says which one it took.
 *
 *   cc zc-cp.c $(pkg-config --cflags --libs zcio) -o zc-cp
 *   ./zc-cp SRC DST        (DST "-" is standard output)
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zcio.h>

int main(int argc, char **argv)
{
	struct zc_ledger l;
	int in, out;
	ssize_t n;

	if (argc != 3) {
		fprintf(stderr, "usage: zc-cp SRC DST\n");
		return 2;
	}
	in = open(argv[1], O_RDONLY | O_CLOEXEC);
	out = strcmp(argv[2], "-") ? open(argv[2], O_WRONLY | O_CREAT |
					  O_TRUNC | O_CLOEXEC, 0644) : 1;
	if (in < 0 || out < 0) {
		perror("zc-cp: open");
		return 1;
	}
	n = zc_copy(out, in, NULL, ZC_EOF, &l);
	if (n < 0) {
		fprintf(stderr, "zc-cp: %s\n", strerror((int)-n));
		return 1;
	}
	fprintf(stderr, "zc-cp: %zd bytes by %s, %llu system calls, %llu bytes "
		"through user space (libzcio %s)\n", n, zc_path_name(l.path),
		(unsigned long long)l.syscalls,
		(unsigned long long)l.user_copied, zc_version());
	return 0;
}
