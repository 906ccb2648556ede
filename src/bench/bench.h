/* SPDX-License-Identifier: MIT */
/*
 * src/bench/bench.h - what the files of `zcio bench` share: the scenarios
 * and paths it measures, its configuration, one measured run, the cases
 * (scenario x path x size) with their samples, and the reports.
 *
 * Shape of a run: the parent makes the connection (or the output file),
 * forks a sender and, for sockets, a receiver; each child measures its own
 * timed window (getrusage deltas) and writes it into a shared page; the
 * parent turns that into a sample. The parent never moves bytes through
 * libzcio itself, so every child starts with fresh per-thread library state
 * (rings, pipes, buffers) and nothing is shared across fork.
 */
#ifndef ZC_BENCH_H
#define ZC_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "../cli/cli.h"

struct bench;

/* What is sent where. The order is the order of the report. */
enum bench_scen {
	BENCH_TCP,	/* file -> loopback TCP, receiver process */
	BENCH_UNIX,	/* file -> UNIX stream socket, receiver process */
	BENCH_FILE,	/* file -> file (a fresh O_TMPFILE in --dir) */
	BENCH_MEM,	/* memory -> loopback TCP, receiver process */
	BENCH_SCEN__COUNT
};

/* The measured paths: libzcio's, mmap+write, and the memory senders. */
enum bench_path_id {
	BP_READWRITE,
	BP_MMAP_WRITE,
	BP_SENDFILE,
	BP_SPLICE,
	BP_COPY_FILE_RANGE,
	BP_URING_RW,
	BP_URING_SPLICE,
	BP_SEND,
	BP_MSG_ZEROCOPY,
	BP_SEND_ZC,
	BP__COUNT
};

/* Limits of the command line, and of the arrays sized by them. */
#define BENCH_MAX_SIZES 16
#define BENCH_MAX_RUNS 50
#define BENCH_MAX_SIZE (16ull << 30)

/* The ledger of a whole timed pass: the sum of every call's zc_ledger. */
struct bench_ledger {
	char ran[24];	/* what the ledger says ran: a zc_path name, or
			 * the bench's name for its own paths */
	uint32_t paths;	/* bit (1 << enum zc_path) per path seen */
	uint32_t mismatch;	/* calls whose ledger did not name the path */
	uint64_t calls;
	uint64_t bytes;
	uint64_t syscalls;
	uint64_t user_copied;
	uint64_t from_memory;
	uint64_t zero_copy;
	/* zero-copy sends (zc_zsend_stats): the kernel's verdicts */
	uint64_t zc_sends;
	uint64_t zc_done;	/* notifications received */
	uint64_t zc_copied;	/* of them, "the kernel copied after all" */
	uint64_t copy_sends;	/* sent with a plain copy instead */
	uint64_t extra_syscalls; /* the bench's own (lseek between copies) */
};

/* One sender's state for the duration of a run (in the child). */
struct bench_tx {
	int path;		/* enum bench_path_id */
	int out, in;		/* socket or file; the data file or -1 */
	const uint8_t *mem;	/* the memory scenario's bytes */
	size_t size;		/* bytes per transfer */
	int rewind;		/* file output: back to 0 before each copy */
	int cold;		/* drop the input's pages before each copy */
	struct bench_ledger led;
	void *priv;		/* state of the memory senders */
	char err[160];
};

/*
 * A path as the bench runs it. @xfer moves @len bytes (from offset 0 of
 * the file or the memory) to tx->out and returns the bytes or -errno;
 * -ENOTSUP means the path cannot do this pair here. @open and @finish may
 * be NULL; @finish waits for what is still in flight (notifications).
 */
struct bench_path {
	const char *name;
	const char *what;	/* one line for the legend */
	unsigned int scens;	/* bit (1 << enum bench_scen) it serves */
	int copies;		/* nominal CPU copies per byte, sender */
	int (*supported)(void);
	int (*open)(struct bench_tx *tx);
	ssize_t (*xfer)(struct bench_tx *tx, size_t len);
	int (*finish)(struct bench_tx *tx);
	void (*close)(struct bench_tx *tx);
};

/* Indexed by enum bench_path_id; each path lives in its own file. */
extern const struct bench_path *const bench_paths[BP__COUNT];
extern const struct bench_path bench_path_mmap_write;	/* mmap.c */
extern const struct bench_path bench_path_send;		/* memsend.c */
extern const struct bench_path bench_path_msg_zerocopy;	/* zsend.c */
extern const struct bench_path bench_path_send_zc;
extern const char *const bench_scen_names[BENCH_SCEN__COUNT];
extern const char *const bench_scen_titles[BENCH_SCEN__COUNT];
/* The id of a path or scenario named as on the command line, or -EINVAL. */
int bench_path_from_name(const char *name);
int bench_scen_from_name(const char *name);

/* The configuration, from the command line. */
struct bench_cfg {
	const struct cli_cmd *cmd;
	unsigned int scens;	/* bit per scenario */
	uint32_t paths;		/* bit per path */
	size_t sizes[BENCH_MAX_SIZES];
	int nsizes;
	size_t lat_sizes[BENCH_MAX_SIZES];
	int nlat;
	int runs;
	double secs;		/* timed window of one run */
	int cold, verify, quick, dry_run, verbose, keep_data;
	int pin, cpu_tx, cpu_rx;
	int progress;		/* -1: when stderr is a terminal */
	const char *dir;
	const char *json, *csv, *svg;	/* "-": standard output */
	char cmdline[512];	/* as typed, for the reports */
};

/*
 * Parses argv into @cfg. Returns -1 when the bench is to run, otherwise
 * the exit status (0 after --help, 2 after a usage error, told on stderr).
 */
int bench_parse(struct bench_cfg *cfg, const struct cli_cmd *cmd, int argc,
		char **argv);
/* "4k,64k,1m" into @out (sorted, unique); the count, or -1. */
int bench_parse_sizes(const char *s, size_t *out, int max);
/* "1.5" seconds, in (0, 60]; -1 when not a number in range. */
double bench_parse_secs(const char *s);

/* One measurement, as the children report it (shared memory). */
struct bench_ru {
	double user, sys;	/* seconds */
	double nvcsw, nivcsw;
};

enum bench_mode { BENCH_TIMED, BENCH_VERIFY, BENCH_LATENCY, BENCH_MEMCPY };

struct bench_shared {
	/* set by the parent before fork */
	int mode;		/* enum bench_mode */
	int scen, path;
	size_t size;
	uint64_t warm_bytes;	/* sent before the timed window */
	uint32_t warm_count;
	double secs;
	/* sender */
	double tx_start, tx_end;
	struct bench_ru tx_ru;
	uint64_t tx_bytes, transfers;
	struct bench_ledger led;
	int tx_status;		/* 0, or -errno; -ENOTSUP: path can't */
	/* receiver */
	double rx_end;
	struct bench_ru rx_ru;
	uint64_t rx_bytes;
	int64_t bad_at;		/* verification: first bad byte, or -1 */
	int rx_status;
	/* latency (receiver = client) */
	uint64_t samples;
	double p50, p99, p999, lat_secs;
	/* memcpy */
	double memcpy_gbps;
	char tx_err[200], rx_err[200];
};

/* One run turned into figures. */
struct bench_sample {
	double secs;		/* timed window */
	double gbps;		/* 1 GB = 1e9 bytes */
	double tx_cpu, rx_cpu;	/* seconds per GiB */
	double tx_pct, rx_pct;	/* CPU seconds / window, in % */
	double syscalls;	/* per GiB, ledger */
	double tx_vcsw, tx_ivcsw, rx_csw;	/* per GiB */
	double us_per_xfer, tx_cpu_us;		/* per transfer */
	double sys_per_xfer, csw_per_xfer;	/* per transfer, both ends */
	double copies;		/* CPU copies per byte in the sender */
	double p50, p99, p999;	/* latency, microseconds */
	double rps;		/* latency: requests per second */
	uint64_t bytes, transfers, samples;
};

enum bench_kind { BENCH_K_XFER, BENCH_K_LATENCY, BENCH_K_MEMCPY };

/* One row of the report: its runs, its verification, its ledger. */
struct bench_case {
	int kind;		/* enum bench_kind */
	int scen, path;
	size_t size;
	int n;
	struct bench_sample s[BENCH_MAX_RUNS];
	int unsupported;	/* the path cannot run here (not an error) */
	int failed;		/* a run failed: see err */
	int verified;		/* -1 unchecked, 0 bytes wrong, 1 intact */
	struct bench_ledger led;	/* of the last timed run */
	char err[256];
};

/* What the children of a run said, as a sample of @c (sample.c). */
void bench_sample_from(struct bench_sample *s, const struct bench_shared *sh,
		       const struct bench_case *c);
/*
 * The verification pass of @c: every byte the receiver got (or the output
 * file @out holds) is the pattern, and all of it. Sets c->verified; 0, or
 * -1 when the bytes are wrong (counted as a failure).
 */
int bench_check_verify(struct bench *b, struct bench_case *c,
		       const struct bench_shared *sh, int out);

/* A figure over the runs of a case: median, min, max. */
struct bench_stat {
	double med, min, max;
};
struct bench_stat bench_stat_of(const struct bench_case *c, size_t field);
#define BENCH_STAT(c, f) \
	bench_stat_of((c), offsetof(struct bench_sample, f))

/* The whole bench: configuration, cases, machine facts. */
struct bench {
	struct bench_cfg cfg;
	struct bench_case *cases;
	int ncases;
	char cpu_model[96];
	char kernel[160];
	int ncpus;
	double resident;	/* page cache residency of the data, % */
	double load[2];		/* 1-min load average, start and end */
	double started, elapsed;
	double runs_started;	/* after the data was made: for the ETA */
	int failures;
};

/*
 * Test data (data.c). The stream is a pattern: the byte at offset @off is a
 * function of @off only, so a receiver checks it without the source. fill
 * writes @len pattern bytes for offsets [off, off + len); check returns the
 * index of the first byte in @p that differs, or -1.
 */
void bench_pattern_fill(uint8_t *p, size_t len, uint64_t off);
int64_t bench_pattern_check(const uint8_t *p, size_t len, uint64_t off);
/*
 * Writes (or, with --keep-data, reuses) one data file per size the cases
 * need, syncs and reads them into the page cache, and makes the memory
 * buffers of the memory scenario. 0, or -errno after saying why. Blocks on
 * the disk; a 1 GiB file takes seconds.
 */
int bench_data_prepare(struct bench *b);
/* The data file of @size into @path; 0 or -ENAMETOOLONG. */
int bench_data_file(const struct bench *b, size_t size, char *path,
		    size_t len);
/* The memory buffer of @size (made by bench_data_prepare), or NULL. */
const uint8_t *bench_data_mem(size_t size);
/* Frees the buffers; removes the data files unless --keep-data. */
void bench_data_cleanup(const struct bench *b);

/*
 * One run of @c in @mode (enum bench_mode): forks the children, waits for
 * them (each is bounded by an alarm) and adds a sample to @c, or marks it
 * unsupported or failed (b->failures counts failures). Blocks for the run.
 * Returns 0 or a negative value when the run did not give a sample.
 */
int bench_run(struct bench *b, struct bench_case *c, int mode);
/* Pins the calling process to @cpu; -1 leaves it where it is. */
void bench_pin(int cpu);
/* This process's CPU times and context switches, all threads (getrusage);
 * sub subtracts @a from @d, to give the figures of a window. */
void bench_ru_now(struct bench_ru *ru);
void bench_ru_sub(struct bench_ru *d, const struct bench_ru *a);
/*
 * The children's work; each returns 0 or -errno and leaves its figures
 * and any error text in @sh. @ready: a pipe the receiver writes one byte
 * to once the warm-up is drained, and the sender waits on (-1: none).
 */
int bench_sender(struct bench_shared *sh, struct bench_tx *tx, int ready);
int bench_receiver(struct bench_shared *sh, int fd, int ready);
int bench_lat_server(struct bench_shared *sh, struct bench_tx *tx);
int bench_lat_client(struct bench_shared *sh, int fd);
void bench_memcpy_run(struct bench_shared *sh);
/*
 * One transfer of @len bytes by tx's path (after the file output's rewind
 * and, with --cold, dropping the input's pages); adds to tx->led. Returns
 * the bytes or -errno (-ENOTSUP: the path cannot do this pair). Blocks.
 */
ssize_t bench_xfer_all(struct bench_tx *tx, size_t len);

/* The progress line on stderr: run @done + 1 of @total is @what; or any
 * @text in its place. Nothing unless progress is on. */
void bench_progress(struct bench *b, int done, int total, const char *what);
void bench_progress_text(struct bench *b, const char *text);
void bench_progress_end(struct bench *b);

/* Reports. "64 KiB" for exact binary sizes; @buf is CLI_HUMAN_LEN. */
const char *bench_size_text(char *buf, size_t size);
/* The case of that kind, scenario, path and size, or NULL. */
const struct bench_case *bench_find(const struct bench *b, int kind,
				    int scen, int path, size_t size);
/* Whether any path of @scen ran (or was tried) at @size. */
int bench_find_any(const struct bench *b, int scen, size_t size);
/* The fastest loopback TCP case of the run, or NULL. */
const struct bench_case *bench_best_loopback(const struct bench *b);
/* Each writes its whole report to @f; the int ones return 0 or -1. The
 * physical-cost and crossover sections print nothing without the rows
 * they need. */
void bench_report_text(FILE *f, const struct bench *b);
void bench_report_physical(FILE *f, const struct bench *b);
void bench_report_crossover(FILE *f, const struct bench *b);
int bench_report_json(FILE *f, const struct bench *b);
int bench_report_csv(FILE *f, const struct bench *b);
int bench_report_svg(FILE *f, const struct bench *b);

/* The crossover of readwrite and one zero-copy path (crossover.c). */
struct bench_cross {
	int scen, path;
	size_t size;		/* smallest size from which @path is not
				 * dearer than readwrite; 0 if never */
	int nsizes;
};
/* Fills up to @max crossovers, one per file scenario and path measured at
 * three sizes or more up to 256 KiB; returns how many. */
int bench_crossovers(const struct bench *b, struct bench_cross *out,
		     int max);

/*
 * JSON output (json.c): begin opens an object or array ('{' or '['),
 * under @key inside an object (NULL inside an array); end closes it.
 * Commas, indentation and string escapes are handled; non-finite numbers
 * are written as null.
 */
struct bench_json {
	FILE *f;
	int depth;
	int first[16];
};
void bj_begin(struct bench_json *j, const char *key, char open);
void bj_end(struct bench_json *j, char close);
void bj_str(struct bench_json *j, const char *key, const char *v);
void bj_num(struct bench_json *j, const char *key, double v);
void bj_u64(struct bench_json *j, const char *key, uint64_t v);
void bj_bool(struct bench_json *j, const char *key, int v);

#endif
