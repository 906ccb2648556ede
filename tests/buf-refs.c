/* SPDX-License-Identifier: MIT */
/*
 * tests/buf-refs.c - every buffer kind of zcio/buf.h: created, sliced,
 * referenced and released; dispose callbacks run exactly once, at the last
 * unref; fds closed only when owned; bad counts abort.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zcio.h>

#include "helpers.h"

struct disposed {
	int calls;
	void *data;
	size_t size;
};

static void count_dispose(void *opaque, void *data, size_t size)
{
	struct disposed *d = opaque;

	d->calls++;
	d->data = data;
	d->size = size;
}

static void free_dispose(void *opaque, void *data, size_t size)
{
	count_dispose(opaque, data, size);
	free(data);
}

/* Whether @fd is an open descriptor. */
static int fd_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

/* Runs @fn in a child and expects it to die of abort(). */
static void expect_abort(void (*fn)(void))
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (!pid) {
		signal(SIGABRT, SIG_DFL);
		fn();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGABRT);
}

static void heap_new(void **state)
{
	struct zc_slice s;
	struct zc_buf *b;
	int err = 0;

	(void)state;
	b = zc_buf_new(1000, &err);
	assert_non_null(b);
	assert_int_equal(err, 0);
	assert_int_equal(b->size, 1000);
	assert_int_equal(b->fd, -1);
	assert_int_equal((uintptr_t)b->data % alignof(max_align_t), 0);
	assert_int_equal(zc_buf_refs(b), 1);
	t_fill(b->data, b->size, 0, 1);

	assert_ptr_equal(zc_buf_ref(b), b);
	assert_int_equal(zc_buf_refs(b), 2);
	zc_buf_unref(b);
	assert_int_equal(zc_buf_refs(b), 1);

	assert_int_equal(zc_slice_init(&s, b, 100, 200), 0);
	assert_int_equal(zc_buf_refs(b), 2);
	assert_ptr_equal(zc_slice_data(&s), b->data + 100);
	assert_int_equal(t_check(zc_slice_data(&s), s.len, 100, 1), -1);
	zc_buf_unref(b);
	/* The slice alone keeps the bytes alive (ASan would see a UAF). */
	assert_int_equal(zc_buf_refs(s.buf), 1);
	assert_int_equal(t_check(zc_slice_data(&s), s.len, 100, 1), -1);
	zc_slice_exit(&s);
	assert_null(s.buf);
	assert_int_equal(s.len, 0);
	zc_slice_exit(&s);
}

static void heap_zero_and_huge(void **state)
{
	struct zc_buf *b;
	int err = 0;

	(void)state;
	b = zc_buf_new(0, &err);
	assert_non_null(b);
	assert_int_equal(b->size, 0);
	zc_buf_unref(b);

	assert_null(zc_buf_new(SIZE_MAX, &err));
	assert_int_equal(err, -ENOMEM);
	assert_null(zc_buf_new(SIZE_MAX - 8, NULL));
	zc_buf_unref(NULL);
}

static void copy(void **state)
{
	uint8_t src[333];
	struct zc_buf *b;
	int err = 0;

	(void)state;
	t_fill(src, sizeof(src), 7, 2);
	b = zc_buf_copy(src, sizeof(src), &err);
	assert_non_null(b);
	assert_int_equal(b->size, sizeof(src));
	assert_ptr_not_equal(b->data, src);
	assert_memory_equal(b->data, src, sizeof(src));
	memset(src, 0, sizeof(src));
	assert_int_equal(t_check(b->data, b->size, 7, 2), -1);
	zc_buf_unref(b);

	b = zc_buf_copy(NULL, 0, &err);
	assert_non_null(b);
	zc_buf_unref(b);
	assert_null(zc_buf_copy(NULL, 5, &err));
	assert_int_equal(err, -EINVAL);
}

static void wrap_dispose_once(void **state)
{
	struct disposed d = { 0 };
	struct zc_slice s1, s2, s3;
	struct zc_buf *b;
	uint8_t *mem;
	int err = 0;

	(void)state;
	mem = malloc(4096);
	assert_non_null(mem);
	t_fill(mem, 4096, 0, 3);
	b = zc_buf_wrap(mem, 4096, free_dispose, &d, &err);
	assert_non_null(b);
	assert_ptr_equal(b->data, mem);
	assert_int_equal(zc_slice_init(&s1, b, 0, 4096), 0);
	assert_int_equal(zc_slice_sub(&s2, &s1, 10, 20), 0);
	assert_int_equal(zc_slice_sub(&s3, &s2, 5, 5), 0);
	assert_int_equal(zc_buf_refs(b), 4);
	assert_int_equal(s3.off, 15);
	assert_int_equal(t_check(zc_slice_data(&s3), 5, 15, 3), -1);

	zc_buf_unref(b);
	zc_slice_exit(&s1);
	zc_slice_exit(&s2);
	assert_int_equal(d.calls, 0);
	zc_slice_exit(&s3);
	assert_int_equal(d.calls, 1);
	assert_ptr_equal(d.data, mem);
	assert_int_equal(d.size, 4096);
	zc_slice_exit(&s3);
	assert_int_equal(d.calls, 1);
}

static void wrap_static(void **state)
{
	static uint8_t mem[64] = "static bytes";
	struct zc_slice s;
	struct zc_buf *b;
	int err = 0;

	(void)state;
	b = zc_buf_wrap(mem, sizeof(mem), NULL, NULL, &err);
	assert_non_null(b);
	assert_int_equal(zc_slice_init(&s, b, 0, 6), 0);
	zc_buf_unref(b);
	zc_slice_exit(&s);
	/* Nothing released the memory: it is still there and writable. */
	assert_string_equal((char *)mem, "static bytes");
	mem[0] = 'S';

	assert_null(zc_buf_wrap(NULL, 1, NULL, NULL, &err));
	assert_int_equal(err, -EINVAL);
	b = zc_buf_wrap(NULL, 0, NULL, NULL, &err);
	assert_non_null(b);
	zc_buf_unref(b);
}

static void mmap_file(void **state)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t size = (size_t)page * 3 + 100;
	struct zc_slice s;
	struct zc_buf *b;
	int fd, err = 0;

	(void)state;
	fd = t_file(t_dir_disk(), "mmap", size, 4, NULL);
	b = zc_buf_mmap(fd, page, (size_t)page * 2 + 100, &err);
	assert_non_null(b);
	assert_int_equal(b->fd, -1);
	assert_int_equal(b->size, (size_t)page * 2 + 100);
	/* The fd is not kept: the mapping outlives it. */
	close(fd);
	assert_int_equal(t_check(b->data, b->size, (uint64_t)page, 4), -1);
	assert_int_equal(zc_slice_init(&s, b, 50, 10), 0);
	assert_int_equal(t_check(zc_slice_data(&s), 10, (uint64_t)page + 50, 4),
			 -1);
	zc_buf_unref(b);
	zc_slice_exit(&s);
}

static void mmap_errors(void **state)
{
	long page = sysconf(_SC_PAGESIZE);
	int fd, err = 0;

	(void)state;
	fd = t_file(t_dir_disk(), "mmap-bad", (size_t)page * 2, 5, NULL);
	assert_null(zc_buf_mmap(fd, 100, 100, &err));
	assert_int_equal(err, -EINVAL);
	err = 0;
	assert_null(zc_buf_mmap(fd, page + 1, 100, &err));
	assert_int_equal(err, -EINVAL);
	err = 0;
	assert_null(zc_buf_mmap(fd, -page, 100, &err));
	assert_int_equal(err, -EINVAL);
	err = 0;
	assert_null(zc_buf_mmap(fd, 0, 0, &err));
	assert_int_equal(err, -EINVAL);
	assert_null(zc_buf_mmap(fd, 1, 1, NULL));
	close(fd);
	err = 0;
	assert_null(zc_buf_mmap(fd, 0, 100, &err));
	assert_int_equal(err, -EBADF);
}

static void memfd(void **state)
{
	uint8_t back[8192];
	struct zc_buf *b;
	int fd, err = 0;

	(void)state;
	b = zc_buf_memfd(8192, "buf-refs", &err);
	if (!b && err == -ENOSYS)
		skip();
	assert_non_null(b);
	assert_true(b->fd >= 0);
	assert_int_equal(b->size, 8192);
	assert_true(fcntl(b->fd, F_GETFD) & FD_CLOEXEC);

	/* Bytes written through the mapping are the file's bytes... */
	t_fill(b->data, b->size, 0, 6);
	assert_int_equal(pread(b->fd, back, sizeof(back), 0), sizeof(back));
	assert_int_equal(t_check(back, sizeof(back), 0, 6), -1);
	/* ...and the other way round. */
	t_fill(back, 100, 1000, 7);
	assert_int_equal(pwrite(b->fd, back, 100, 4000), 100);
	assert_int_equal(t_check(b->data + 4000, 100, 1000, 7), -1);
	assert_int_equal(lseek(b->fd, 0, SEEK_END), 8192);

	fd = b->fd;
	zc_buf_ref(b);
	zc_buf_unref(b);
	assert_true(fd_open(fd));
	zc_buf_unref(b);
	assert_false(fd_open(fd));

	assert_null(zc_buf_memfd(0, "empty", &err));
	assert_int_equal(err, -EINVAL);
	b = zc_buf_memfd(10, NULL, NULL);
	assert_non_null(b);
	zc_buf_unref(b);
}

static void file_store(void **state)
{
	struct zc_slice s;
	struct zc_buf *b;
	int fd, err = 0;

	(void)state;
	/* Not owned: left open. */
	fd = t_file(t_dir_tmpfs(), "store", 12345, 8, NULL);
	b = zc_buf_file(fd, 0, &err);
	assert_non_null(b);
	assert_null(b->data);
	assert_int_equal(b->fd, fd);
	assert_int_equal(b->size, 12345);
	assert_int_equal(zc_slice_init(&s, b, 100, 12245), 0);
	assert_null(zc_slice_data(&s));
	zc_slice_exit(&s);
	assert_int_equal(zc_slice_init(&s, b, 100, 12246), -ERANGE);
	zc_buf_unref(b);
	assert_true(fd_open(fd));

	/* Owned: closed by the last unref, not before. */
	b = zc_buf_file(fd, 1, &err);
	assert_non_null(b);
	assert_int_equal(zc_slice_init(&s, b, 0, 1), 0);
	zc_buf_unref(b);
	assert_true(fd_open(fd));
	zc_slice_exit(&s);
	assert_false(fd_open(fd));
}

static void file_store_errors(void **state)
{
	int p[2], err = 0;

	(void)state;
	assert_null(zc_buf_file(-1, 1, &err));
	assert_int_equal(err, -EBADF);
	t_pipe(p);
	err = 0;
	assert_null(zc_buf_file(p[1], 1, &err));
	assert_int_equal(err, -EINVAL);
	/* A failed creation never closes the fd, owned or not. */
	assert_true(fd_open(p[1]));
	close(p[0]);
	close(p[1]);
}

static void slice_range(void **state)
{
	struct zc_slice s = { .len = 99 };
	struct zc_buf *b;

	(void)state;
	b = zc_buf_new(100, NULL);
	assert_non_null(b);
	assert_int_equal(zc_slice_init(&s, b, 101, 0), -ERANGE);
	assert_null(s.buf);
	assert_int_equal(s.len, 0);
	assert_int_equal(zc_slice_init(&s, b, 50, 51), -ERANGE);
	assert_int_equal(zc_slice_init(&s, b, 1, SIZE_MAX), -ERANGE);
	assert_int_equal(zc_slice_init(&s, b, SIZE_MAX, 2), -ERANGE);
	assert_int_equal(zc_buf_refs(b), 1);
	assert_int_equal(zc_slice_init(&s, NULL, 0, 0), -EINVAL);

	/* The very end of the buffer, and all of it, fit. */
	assert_int_equal(zc_slice_init(&s, b, 100, 0), 0);
	zc_slice_exit(&s);
	assert_int_equal(zc_slice_init(&s, b, 0, 100), 0);
	zc_slice_exit(&s);
	assert_int_equal(zc_buf_refs(b), 1);
	zc_buf_unref(b);
}

static void slice_sub_bounds(void **state)
{
	struct zc_slice s, d, e = { 0 };
	struct zc_buf *b;

	(void)state;
	b = zc_buf_new(100, NULL);
	assert_non_null(b);
	assert_int_equal(zc_slice_init(&s, b, 10, 50), 0);

	assert_int_equal(zc_slice_sub(&d, &s, 0, 50), 0);
	assert_int_equal(d.off, 10);
	assert_int_equal(d.len, 50);
	zc_slice_exit(&d);
	assert_int_equal(zc_slice_sub(&d, &s, 50, 0), 0);
	assert_int_equal(d.off, 60);
	zc_slice_exit(&d);

	/* Past the window (though inside the buffer): refused, no ref. */
	assert_int_equal(zc_slice_sub(&d, &s, 40, 11), -ERANGE);
	assert_null(d.buf);
	assert_int_equal(zc_slice_sub(&d, &s, 51, 0), -ERANGE);
	assert_int_equal(zc_slice_sub(&d, &s, 1, SIZE_MAX), -ERANGE);
	assert_int_equal(zc_slice_sub(&d, &s, SIZE_MAX, 1), -ERANGE);
	assert_int_equal(zc_buf_refs(b), 2);

	/* In place: narrows, keeps its one reference. */
	assert_int_equal(zc_slice_sub(&s, &s, 5, 10), 0);
	assert_int_equal(s.off, 15);
	assert_int_equal(s.len, 10);
	assert_int_equal(zc_buf_refs(b), 2);
	assert_int_equal(zc_slice_sub(&s, &s, 5, 10), -ERANGE);
	assert_int_equal(s.off, 15);
	assert_ptr_equal(s.buf, b);
	zc_slice_exit(&s);
	assert_int_equal(zc_buf_refs(b), 1);

	/* The empty slice has an empty sub and no buffer to reference. */
	assert_int_equal(zc_slice_sub(&d, &e, 0, 0), 0);
	assert_null(d.buf);
	assert_int_equal(zc_slice_sub(&d, &e, 0, 1), -ERANGE);
	zc_buf_unref(b);
}

static void unref_zero(void)
{
	struct zc_buf fake = { .refs = 0 };

	zc_buf_unref(&fake);
}

static void ref_zero(void)
{
	struct zc_buf fake = { .refs = 0 };

	zc_buf_ref(&fake);
}

static void ref_wrap(void)
{
	struct zc_buf fake = { .refs = UINT32_MAX };

	zc_buf_ref(&fake);
}

static void bad_counts_abort(void **state)
{
	(void)state;
	expect_abort(unref_zero);
	expect_abort(ref_zero);
	expect_abort(ref_wrap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(heap_new),
		cmocka_unit_test(heap_zero_and_huge),
		cmocka_unit_test(copy),
		cmocka_unit_test(wrap_dispose_once),
		cmocka_unit_test(wrap_static),
		cmocka_unit_test(mmap_file),
		cmocka_unit_test(mmap_errors),
		cmocka_unit_test(memfd),
		cmocka_unit_test(file_store),
		cmocka_unit_test(file_store_errors),
		cmocka_unit_test(slice_range),
		cmocka_unit_test(slice_sub_bounds),
		cmocka_unit_test(bad_counts_abort),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
