/* SPDX-License-Identifier: MIT */
/*
 * src/engine/engine.h - workers, listeners and connections: what a server
 * (serve, broker, proxy) is made of, without knowing its protocol.
 *
 * A struct eng runs N worker threads, each with its own event loop
 * (loop.h) and its own SO_REUSEPORT listening socket per listen address,
 * so that the kernel spreads connections over them. The thread that calls
 * eng_run handles the signals: SIGTERM and SIGINT start a graceful stop
 * (a second one forces it), SIGHUP reopens the logs. A protocol module
 * plugs in as a struct eng_proto of callbacks; the engine accepts, counts
 * and limits connections, and calls back when a connection is readable,
 * writable or timed out, or when the server stops.
 *
 * Life of a server:
 *
 *	struct eng_config cfg;
 *	eng_config_init(&cfg);              defaults, then eng_config_set()
 *	cfg.proto = &http_proto;            for each option the user gave
 *	e = eng_new(&cfg, &err);            binds cfg.listen, opens the logs
 *	eng_listen(e, "127.0.0.1:9100", &metrics_proto, ENG_LISTEN_SINGLE);
 *	eng_metric_new(eng_metrics(e), ...) the protocol's metrics
 *	eng_listen_text(e, 0, buf, len)     print the bound address
 *	eng_run(e);                         until SIGTERM/SIGINT or eng_stop
 *	eng_free(e);
 *
 * Threads: a protocol's callbacks run in the worker thread that owns the
 * connection, one at a time, so per-connection and per-worker state needs
 * no locks. eng_stop and eng_reopen_logs are thread-safe; everything else
 * on a struct eng is called from the thread that made it, before eng_run
 * or after it returns; eng_conn_* and eng_worker_* from the worker's own
 * thread.
 *
 * Signals: eng_run blocks SIGTERM, SIGINT and SIGHUP in the calling thread
 * (the workers it creates inherit that) and takes them from a signalfd.
 * Call it from the main thread before other threads exist, or block those
 * three signals in every thread first (tests do); eng_thread_start does
 * that for a thread started before eng_run. SIGPIPE is ignored
 * process-wide by eng_new, and the library's SIGPIPE guard is turned off.
 *
 * Changes since this header was first published (all compatible):
 * eng_conn_want accepts EV_EDGE; eng_conn_send keeps it.
 */
#ifndef ZC_ENGINE_ENGINE_H
#define ZC_ENGINE_ENGINE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <zcio.h>

#include "engine/loop.h"
#include "engine/log.h"
#include "engine/metrics.h"

struct eng;
struct eng_worker;
struct eng_conn;

/* Most --listen addresses eng_config holds. */
#define ENG_MAX_LISTEN 16

/*
 * The engine's options: each maps to one command line option (see
 * eng_options[] and docs/engine.md for the table of names, meanings and
 * defaults). eng_config_init fills in the defaults.
 */
struct eng_config {
	enum ev_backend backend;	/* --engine auto|uring|epoll */
	unsigned int workers;		/* --workers N; 0: CPUs we may run on */
	unsigned int max_conns;		/* --max-conns N, all workers; 0:
					 * 3/4 of RLIMIT_NOFILE */
	unsigned int shutdown_ms;	/* --shutdown-timeout; bound of a
					 * graceful stop */
	int backlog;			/* --backlog N, for listen(2) */
	const char *listen[ENG_MAX_LISTEN];	/* --listen ADDR:PORT */
	unsigned int nlisten;
	const char *port_file;		/* --port-file PATH, or NULL */
	const char *error_log;		/* --error-log PATH; NULL or "-":
					 * stderr */
	enum eng_log_level log_level;	/* --log-level */
	const char *access_log;		/* --access-log PATH; "-": stdout;
					 * NULL: none */
	size_t access_log_buffer;	/* bytes buffered per worker */
	const struct eng_proto *proto;	/* serves cfg.listen; required when
					 * nlisten > 0 */
	void *proto_data;		/* for the protocol: eng_data() */
};

/* One engine option, for usage texts and option tables. */
struct eng_option {
	const char *name;	/* long option name without "--" */
	const char *arg;	/* name of its argument, e.g. "N" */
	const char *def;	/* default, as text */
	const char *help;	/* one line */
};

/* The engine's options, ended by a zeroed entry. */
extern const struct eng_option eng_options[];

/* Fills @cfg with the defaults (docs/engine.md). */
void eng_config_init(struct eng_config *cfg);

/*
 * Sets option @name (as in eng_options, e.g. "workers") from the text
 * @value, as given on the command line; "listen" appends. Keeps a pointer
 * to @value for the string options: it must outlive the engine (argv
 * does). Returns 0, -ENOENT for a name that is not an engine option (so a
 * caller can try its own), -EINVAL for a bad value, -E2BIG for too many
 * --listen.
 */
int eng_config_set(struct eng_config *cfg, const char *name,
		   const char *value);

/*
 * --port P: adds the listener 127.0.0.1:P, as "listen" would, for the
 * commands that take --port. The address text is kept in a static table
 * (one per listener index) because @cfg keeps the pointer. Returns 0 or
 * -EINVAL for a bad port or too many --listen. Not thread-safe.
 */
int eng_config_set_port(struct eng_config *cfg, const char *port);

/*
 * Parses a duration: "10" or "10s" (seconds), "500ms", "2m". Returns 0
 * with *@ms set, or -EINVAL. For protocol options such as timeouts too.
 */
int eng_parse_ms(const char *text, uint64_t *ms);

/*
 * What a protocol module provides. Only on_open, on_io and on_close are
 * required. Every callback runs in the worker thread of the connection.
 * A callback may close its own connection with eng_conn_close; the memory
 * stays valid until the callback returns (it is freed at the end of the
 * loop iteration).
 */
struct eng_proto {
	const char *name;	/* "http": for logs */
	/*
	 * Bytes the engine allocates (zeroed) per connection: the protocol's
	 * connection struct, which starts with a struct eng_conn. 0 means
	 * sizeof(struct eng_conn).
	 */
	size_t conn_size;
	/*
	 * A new connection: fd is non-blocking and close-on-exec, EV_READ is
	 * wanted, no timer is armed, c->peer is set. Return 0, or a negative
	 * errno to have it closed at once (on_close is then not called).
	 */
	int (*on_open)(struct eng_conn *c);
	/* The fd is ready for @events (EV_READ, EV_WRITE), as wanted. */
	void (*on_io)(struct eng_conn *c, unsigned int events);
	/* The connection's timer fired (eng_conn_timeout); NULL: close. */
	void (*on_timeout)(struct eng_conn *c);
	/*
	 * A graceful stop began: finish what is in flight, then close; close
	 * an idle connection now. Called once per connection; the engine
	 * force-closes what is left after --shutdown-timeout. NULL: every
	 * connection is closed at once.
	 */
	void (*on_drain)(struct eng_conn *c);
	/*
	 * The connection is closing: release what the protocol holds (chains,
	 * buffers). @err is 0 when the protocol closed it, else why the
	 * engine did (-ETIMEDOUT: shutdown bound or no on_timeout,
	 * -ESHUTDOWN: stop without on_drain, or the protocol's own value).
	 * The fd is still open; the engine closes it after the call.
	 */
	void (*on_close)(struct eng_conn *c, int err);
	/*
	 * Over --max-conns: a quick refusal on a fresh accepted fd (an HTTP
	 * 503, say) that must not block (use MSG_DONTWAIT). The engine closes
	 * @fd after the call. NULL: just close.
	 */
	void (*on_refuse)(struct eng_worker *w, int fd);
	/* In the worker thread before it accepts, and after its last close:
	 * per-worker state (eng_worker_set_data). start < 0 fails eng_run.
	 * Only cfg.proto's are called, not those of eng_listen. */
	int (*on_worker_start)(struct eng_worker *w);
	void (*on_worker_stop)(struct eng_worker *w);
};

/*
 * A connection. The protocol's struct starts with it (conn_size); the
 * public fields are read-only.
 */
struct eng_conn {
	int fd;
	struct eng_worker *worker;
	const struct eng_proto *proto;
	struct sockaddr_storage peer;	/* the client's address */
	socklen_t peerlen;
	unsigned int listener;		/* index of the listener */
	/* private */
	unsigned int flags;
	struct ev_io io;
	struct ev_timer timer;
	struct ev_defer free;
	struct eng_conn *prev, *next;
};

/*
 * A new engine from @cfg (copied; strings are kept by pointer): resolves
 * the backend (AUTO: probe), the worker count, raises RLIMIT_NOFILE to its
 * hard limit, opens the error and access logs and binds every cfg.listen
 * address (one socket per worker). No thread starts. NULL with *@err:
 * -EINVAL (bad option or address), -EADDRINUSE, -EACCES, -ENOSYS...; the
 * reason is also in the error log.
 */
struct eng *eng_new(const struct eng_config *cfg, int *err);

/* Closes everything and frees @e. Not while eng_run runs. */
void eng_free(struct eng *e);

#define ENG_LISTEN_SINGLE	0x1u	/* only worker 0 accepts (metrics) */
#define ENG_LISTEN_NO_LIMIT	0x2u	/* not counted in --max-conns */

/*
 * Listens on @spec ("127.0.0.1:8080", "[::1]:0", ":8080" for every
 * address, "localhost:80") for @proto: one SO_REUSEPORT socket per worker
 * (or one with ENG_LISTEN_SINGLE). Port 0 binds an ephemeral port, the
 * same one for every worker. Before eng_run only. Returns the listener's
 * index (cfg.listen are 0, 1, ...), or -EINVAL, -EADDRINUSE, -E2BIG...
 */
int eng_listen(struct eng *e, const char *spec, const struct eng_proto *proto,
	       unsigned int flags);

/* Number of listeners. */
unsigned int eng_listen_count(const struct eng *e);

/* The bound address of listener @i, as "127.0.0.1:8080" or "[::1]:8080". */
const char *eng_listen_text(const struct eng *e, unsigned int i, char *buf,
			    size_t len);

/* Its bound address; 0 or -ENOENT. */
int eng_listen_addr(const struct eng *e, unsigned int i,
		    struct sockaddr_storage *ss, socklen_t *len);

/*
 * Writes every listener's bound address, one "ADDR:PORT" line each, in
 * index order, to @path (via a temporary file and rename, so a reader
 * never sees half of it). eng_run does it for cfg.port_file.
 */
int eng_write_port_file(const struct eng *e, const char *path);

/*
 * Runs the server: starts the workers, writes cfg.port_file, handles the
 * signals, and returns when every worker has stopped (graceful stop done
 * or forced). Blocks. Returns 0, or a negative errno when a worker failed
 * to start (then the others are stopped). Once per engine.
 */
int eng_run(struct eng *e);

/*
 * Starts a thread running @fn(@arg) into *@thread with SIGTERM, SIGINT and
 * SIGHUP blocked in it, so those reach eng_run's signalfd and not this
 * thread (see "Signals" above). The caller's mask is left as it was. For
 * helper threads (timers, housekeeping) that a protocol starts before
 * eng_run. Returns 0 or -errno from pthread_create; never blocks.
 */
int eng_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg);

/*
 * Starts a graceful stop, as SIGTERM does; a second call forces it (every
 * connection closed now). Thread-safe and async-signal-safe; before
 * eng_run it makes eng_run return at once.
 */
void eng_stop(struct eng *e);

/* Reopens the error log and the access log, as SIGHUP does. Thread-safe. */
void eng_reopen_logs(struct eng *e);

/* The backend the workers use (never AUTO). */
enum ev_backend eng_backend(const struct eng *e);

/* The number of workers. */
unsigned int eng_workers(const struct eng *e);

/* The registry where protocols register their metrics (metrics.h). */
struct eng_metrics *eng_metrics(struct eng *e);

/* cfg.proto_data. */
void *eng_data(const struct eng *e);

/* Connections open now, over all workers. */
unsigned int eng_conns(const struct eng *e);

/* Worker @i (0 .. eng_workers - 1), e.g. for tests. */
struct eng_worker *eng_worker(struct eng *e, unsigned int i);

/* The worker's number, 0 .. eng_workers - 1. */
unsigned int eng_worker_id(const struct eng_worker *w);
struct eng *eng_worker_engine(const struct eng_worker *w);
struct ev_loop *eng_worker_loop(const struct eng_worker *w);

/* The protocol's per-worker pointer (set in on_worker_start). */
void eng_worker_set_data(struct eng_worker *w, void *data);
void *eng_worker_data(const struct eng_worker *w);

/* Connections this worker holds now. */
unsigned int eng_worker_conns(const struct eng_worker *w);

/* Nonzero once a graceful stop began: answer, then close (no keep-alive). */
int eng_worker_stopping(const struct eng_worker *w);

/*
 * This worker's row of the metrics registry, for eng_metric_add and
 * friends (metrics.h): counting on it needs no lock and no atomic RMW.
 */
uint64_t *eng_worker_metrics(const struct eng_worker *w);

/* This worker's access-log buffer, or NULL when there is no access log. */
struct eng_alog_buf *eng_worker_alog(const struct eng_worker *w);

/*
 * Sets what the connection wants (EV_READ, EV_WRITE, both or 0). Returns
 * 0 or a negative errno (-EBADF once closed). Adding EV_EDGE asks for
 * edge-triggered delivery (loop.h, rule 1): cheaper on io_uring (one
 * multishot poll instead of a re-armed one per event), but then on_io
 * must read and write until EAGAIN, or it is not called again.
 * eng_conn_send keeps the flag.
 */
int eng_conn_want(struct eng_conn *c, unsigned int events);

/* What it wants now. */
static inline unsigned int eng_conn_wanted(const struct eng_conn *c)
{
	return ev_io_events(&c->io);
}

/*
 * (Re)arms the connection's one timer: on_timeout runs @ms from now,
 * unless it is re-armed or cancelled first (@ms 0 cancels). Use it for the
 * idle, header and send timeouts, one at a time. Re-arming later is O(1).
 */
void eng_conn_timeout(struct eng_conn *c, uint64_t ms);

/*
 * Sends what @ch holds (zc_chain_send) and keeps EV_WRITE in step: wanted
 * while bytes remain in @ch, dropped once it is empty. Counts the bytes in
 * the zcio_sent_bytes_total metric by path. Returns the bytes sent by this
 * call (0 when the socket is full) or a negative errno (-EPIPE,
 * -ECONNRESET, -ENODATA when a file shrank...): close the connection then.
 * @ledger as for zc_chain_send (may be NULL). Never blocks.
 */
ssize_t eng_conn_send(struct eng_conn *c, struct zc_chain *ch,
		      struct zc_ledger *ledger);

/*
 * Closes the connection: stops its watcher and timer, calls on_close(c,
 * @err), closes the fd and frees the memory at the end of the iteration.
 * Idempotent; safe inside any callback of @c.
 */
void eng_conn_close(struct eng_conn *c, int err);

static inline int eng_conn_closed(const struct eng_conn *c)
{
	return c->fd < 0;
}

static inline struct ev_loop *eng_conn_loop(const struct eng_conn *c)
{
	return eng_worker_loop(c->worker);
}

#endif
