/* SPDX-License-Identifier: MIT */
/*
 * src/engine/engine.c - the engine's life: eng_new sets up what can fail
 * early (backend, logs, listening sockets), eng_run starts the workers and
 * then serves as their control thread: it takes SIGTERM, SIGINT and SIGHUP
 * from a signalfd and eng_stop/eng_reopen_logs calls from any thread, and
 * passes them on to the workers through their loops' wakeups.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "engine/eng_int.h"

/* Most connections "auto" allows, whatever the fd limit. */
#define AUTO_CONNS_MAX 65536

/*
 * Servers hold an fd per connection: lift the soft limit to the hard one
 * (the usual 1024 is far too low), and derive --max-conns auto from it,
 * keeping a quarter for files, pipes and the listeners.
 */
static unsigned int fd_budget(struct eng *e)
{
	struct rlimit rl;
	rlim_t n;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	n = rl.rlim_cur / 4 * 3;
	if (!e->cfg.max_conns)
		return n > AUTO_CONNS_MAX ? AUTO_CONNS_MAX : (unsigned int)n;
	if (e->cfg.max_conns > n)
		eng_log(ENG_LOG_WARN, "--max-conns %u is above 3/4 of the fd "
			"limit (%llu): expect EMFILE before it is reached",
			e->cfg.max_conns, (unsigned long long)rl.rlim_cur);
	return e->cfg.max_conns;
}

static int resolve_backend(struct eng *e)
{
	enum ev_backend b = e->cfg.backend;

	if (b == EV_BACKEND_AUTO)
		b = ev_backend_usable(EV_BACKEND_URING) ? EV_BACKEND_URING :
							   EV_BACKEND_EPOLL;
	else if (b == EV_BACKEND_URING &&
		 !ev_backend_usable(EV_BACKEND_URING)) {
		eng_log(ENG_LOG_ERROR, "--engine uring: io_uring is not "
			"usable on this kernel (disabled, or older than 5.13)");
		return -ENOSYS;
	} else if (b != EV_BACKEND_EPOLL && b != EV_BACKEND_URING) {
		return -EINVAL;
	}
	e->backend = b;
	return 0;
}

static int register_metrics(struct eng *e)
{
	struct eng_metrics *r = e->metrics;
	struct eng_mids *m = &e->mid;
	static const char sent[] = "Bytes sent to clients, by kernel path.";

	m->open = eng_metric_new(r, ENG_METRIC_GAUGE, "zcio_connections_open",
				 NULL, "Connections open now.");
	m->accepted = eng_metric_new(r, ENG_METRIC_COUNTER,
				     "zcio_connections_accepted_total", NULL,
				     "Connections accepted.");
	m->refused = eng_metric_new(r, ENG_METRIC_COUNTER,
				    "zcio_connections_refused_total", NULL,
				    "Connections closed at once: over "
				    "--max-conns, or out of fds or memory.");
	m->accept_errors = eng_metric_new(r, ENG_METRIC_COUNTER,
					  "zcio_accept_errors_total", NULL,
					  "accept4 failures: out of fds or "
					  "memory.");
	m->sent_sendfile = eng_metric_new(r, ENG_METRIC_COUNTER,
					  "zcio_sent_bytes_total",
					  "path=\"sendfile\"", sent);
	m->sent_splice = eng_metric_new(r, ENG_METRIC_COUNTER,
					"zcio_sent_bytes_total",
					"path=\"splice\"", sent);
	m->sent_readwrite = eng_metric_new(r, ENG_METRIC_COUNTER,
					   "zcio_sent_bytes_total",
					   "path=\"readwrite\"", sent);
	m->sent_memory = eng_metric_new(r, ENG_METRIC_COUNTER,
					"zcio_sent_bytes_total",
					"path=\"memory\"", sent);
	if (m->open < 0 || m->accepted < 0 || m->refused < 0 ||
	    m->accept_errors < 0 || m->sent_sendfile < 0 ||
	    m->sent_splice < 0 || m->sent_readwrite < 0 || m->sent_memory < 0)
		return -ENOMEM;
	return 0;
}

/* Workers are only set up here; their threads start in eng_run. */
static int make_workers(struct eng *e)
{
	unsigned int i;

	e->workers = calloc(e->nworkers, sizeof(*e->workers));
	if (!e->workers)
		return -ENOMEM;
	for (i = 0; i < e->nworkers; i++) {
		e->workers[i].e = e;
		e->workers[i].id = i;
		e->workers[i].spare_fd = -1;
		e->workers[i].metrics = eng_metrics_row(e->metrics, i);
	}
	return 0;
}

static int open_logs(struct eng *e)
{
	int ret;

	ret = eng_log_open(e->cfg.error_log, e->cfg.log_level);
	if (ret < 0) {
		eng_log(ENG_LOG_ERROR, "cannot open error log %s: %s",
			e->cfg.error_log, strerror(-ret));
		return ret;
	}
	if (!e->cfg.access_log)
		return 0;
	e->alog = eng_alog_open(e->cfg.access_log, &ret);
	if (!e->alog)
		eng_log(ENG_LOG_ERROR, "cannot open access log %s: %s",
			e->cfg.access_log, strerror(-ret));
	return e->alog ? 0 : ret;
}

static int eng_init(struct eng *e)
{
	unsigned int i;
	int ret;

	/* a closed peer is -EPIPE for us, never a signal (xfer.h) */
	signal(SIGPIPE, SIG_IGN);
	zc_tune_set(ZC_TUNE_SIGPIPE_GUARD, 0);
	e->sigfd = -1;
	ret = open_logs(e);
	if (ret < 0)
		return ret;
	ret = resolve_backend(e);
	if (ret < 0)
		return ret;
	e->nworkers = e->cfg.workers ? e->cfg.workers : eng__cpus();
	e->max_conns = fd_budget(e);
	/* one row per worker, one for the control thread */
	e->metrics = eng_metrics_new(e->nworkers + 1, 0, &ret);
	if (!e->metrics)
		return ret;
	ret = register_metrics(e);
	if (!ret)
		ret = make_workers(e);
	if (ret < 0)
		return ret;
	if (e->cfg.nlisten && !e->cfg.proto)
		return -EINVAL;
	for (i = 0; i < e->cfg.nlisten; i++) {
		ret = eng_listen(e, e->cfg.listen[i], e->cfg.proto, 0);
		if (ret < 0)
			return ret;
	}
	return 0;
}

struct eng *eng_new(const struct eng_config *cfg, int *err)
{
	struct eng *e = calloc(1, sizeof(*e));
	int ret;

	if (!e) {
		*err = -ENOMEM;
		return NULL;
	}
	e->cfg = *cfg;
	sem_init(&e->ready, 0, 0);
	ret = eng_init(e);
	if (ret < 0) {
		eng_free(e);
		*err = ret;
		return NULL;
	}
	return e;
}

void eng_free(struct eng *e)
{
	unsigned int i;

	if (!e)
		return;
	for (i = 0; i < e->nlst; i++)
		eng__listen_close(&e->lst[i]);
	if (e->workers)
		for (i = 0; i < e->nworkers; i++)
			eng__worker_exit(&e->workers[i]);
	free(e->workers);
	eng_alog_free(e->alog);
	eng_metrics_free(e->metrics);
	sem_destroy(&e->ready);
	free(e);
}

static void tell_workers(struct eng *e, int force)
{
	struct eng_worker *w;
	unsigned int i;

	for (i = 0; i < e->nworkers; i++) {
		w = &e->workers[i];
		if (w->loop)
			ev_async_send(w->loop, force ? &w->force_async :
						       &w->stop_async);
	}
}

/* The control thread acts on what eng_stop, eng_reopen_logs, the
 * signals and the workers' exits asked for. */
static void on_ctl(struct ev_loop *loop, struct ev_async *a)
{
	struct eng *e = a->data;
	int req = __atomic_load_n(&e->stop_req, __ATOMIC_SEQ_CST);

	if (__atomic_exchange_n(&e->reopen_req, 0, __ATOMIC_SEQ_CST)) {
		eng_log(ENG_LOG_INFO, "reopening logs");
		if (eng_log_reopen() < 0)
			eng_log(ENG_LOG_ERROR, "cannot reopen the error log");
		if (e->alog && eng_alog_reopen(e->alog) < 0)
			eng_log(ENG_LOG_ERROR, "cannot reopen the access "
				"log %s", e->cfg.access_log);
	}
	if (req > e->stop_done) {
		if (req == 1)
			eng_log(ENG_LOG_INFO, "stopping: responses in flight "
				"get %u ms", e->cfg.shutdown_ms);
		else
			eng_log(ENG_LOG_INFO, "stopping now");
		tell_workers(e, req > 1);
		e->stop_done = req;
	}
	if (!__atomic_load_n(&e->running, __ATOMIC_SEQ_CST))
		ev_stop(loop);
}

void eng_stop(struct eng *e)
{
	struct ev_loop *ctl;

	__atomic_add_fetch(&e->stop_req, 1, __ATOMIC_SEQ_CST);
	ctl = __atomic_load_n(&e->ctl, __ATOMIC_SEQ_CST);
	if (ctl)
		ev_async_send(ctl, &e->ctl_async);
}

void eng_reopen_logs(struct eng *e)
{
	struct ev_loop *ctl;

	__atomic_store_n(&e->reopen_req, 1, __ATOMIC_SEQ_CST);
	ctl = __atomic_load_n(&e->ctl, __ATOMIC_SEQ_CST);
	if (ctl)
		ev_async_send(ctl, &e->ctl_async);
}

static void on_signal(struct ev_loop *loop, struct ev_io *io,
		      unsigned int events)
{
	struct eng *e = io->data;
	struct signalfd_siginfo si;

	(void)loop;
	(void)events;
	while (read(io->fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			eng_reopen_logs(e);
		} else {
			eng_log(ENG_LOG_INFO, "got %s",
				si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
			eng_stop(e);
		}
	}
}

static void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}

int eng_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg)
{
	sigset_t set, old;
	int err;

	stop_signals(&set);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	err = pthread_create(thread, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return -err;
}

/*
 * The control loop: epoll whatever --engine says, since it watches two
 * fds and an io_uring ring would be bound to this thread for nothing.
 */
static int ctl_setup(struct eng *e, sigset_t *old)
{
	struct ev_loop *ctl;
	sigset_t set;
	int ret;

	stop_signals(&set);
	pthread_sigmask(SIG_BLOCK, &set, old);
	e->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (e->sigfd == -1)
		return -errno;
	ctl = ev_loop_new(EV_BACKEND_EPOLL, &ret);
	if (!ctl)
		return ret;
	ev_async_init(&e->ctl_async, on_ctl, e);
	ev_async_start(ctl, &e->ctl_async);
	ev_io_init(&e->sig_io, e->sigfd, on_signal, e);
	ret = ev_io_start(ctl, &e->sig_io, EV_READ);
	__atomic_store_n(&e->ctl, ctl, __ATOMIC_SEQ_CST);
	return ret;
}

static void ctl_teardown(struct eng *e, const sigset_t *old)
{
	struct ev_loop *ctl = e->ctl;

	__atomic_store_n(&e->ctl, NULL, __ATOMIC_SEQ_CST);
	ev_loop_free(ctl);
	if (e->sigfd >= 0)
		close(e->sigfd);
	e->sigfd = -1;
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* Starts the threads and waits until each is set up or failed. */
static int start_workers(struct eng *e)
{
	struct eng_worker *w;
	unsigned int i, started = 0;
	int ret = 0, r;

	__atomic_store_n(&e->running, e->nworkers, __ATOMIC_SEQ_CST);
	for (i = 0; i < e->nworkers; i++) {
		w = &e->workers[i];
		r = pthread_create(&w->thread, NULL, eng__worker_main, w);
		if (r) {
			__atomic_sub_fetch(&e->running, e->nworkers - i,
					   __ATOMIC_SEQ_CST);
			ret = -r;
			break;
		}
		w->started = 1;
		started++;
	}
	for (i = 0; i < started; i++)
		sem_wait(&e->ready);
	for (i = 0; i < started && !ret; i++)
		ret = e->workers[i].start_err;
	return ret;
}

static void log_start(struct eng *e)
{
	char addr[128];
	unsigned int i;

	for (i = 0; i < e->nlst; i++)
		eng_log(ENG_LOG_INFO, "listening on %s (%s)",
			eng_listen_text(e, i, addr, sizeof(addr)),
			e->lst[i].proto->name ? e->lst[i].proto->name : "?");
	eng_log(ENG_LOG_INFO, "%u workers, engine %s, max %u connections",
		e->nworkers, ev_backend_name(e->backend), e->max_conns);
}

int eng_run(struct eng *e)
{
	sigset_t old;
	unsigned int i;
	int ret;

	if (e->ran)
		return -EALREADY;
	e->ran = 1;
	if (__atomic_load_n(&e->stop_req, __ATOMIC_SEQ_CST))
		return 0;
	ret = ctl_setup(e, &old);
	if (!ret && e->cfg.port_file) {
		ret = eng_write_port_file(e, e->cfg.port_file);
		if (ret < 0)
			eng_log(ENG_LOG_ERROR, "cannot write port file %s: %s",
				e->cfg.port_file, strerror(-ret));
	}
	if (ret < 0) {
		ctl_teardown(e, &old);
		return ret;
	}
	log_start(e);
	ret = start_workers(e);
	if (ret < 0) {
		eng_log(ENG_LOG_ERROR, "a worker failed to start: %s",
			strerror(-ret));
		eng_stop(e);
		eng_stop(e);
	}
	/* a stop that came before the control loop existed */
	ev_async_send(e->ctl, &e->ctl_async);
	ev_run(e->ctl, 0);
	for (i = 0; i < e->nworkers; i++)
		if (e->workers[i].started)
			pthread_join(e->workers[i].thread, NULL);
	ctl_teardown(e, &old);
	eng_log(ENG_LOG_INFO, "stopped");
	return ret;
}

enum ev_backend eng_backend(const struct eng *e)
{
	return e->backend;
}

unsigned int eng_workers(const struct eng *e)
{
	return e->nworkers;
}

struct eng_metrics *eng_metrics(struct eng *e)
{
	return e->metrics;
}

void *eng_data(const struct eng *e)
{
	return e->cfg.proto_data;
}

unsigned int eng_conns(const struct eng *e)
{
	unsigned int i, n = 0;

	for (i = 0; i < e->nworkers; i++)
		n += eng_worker_conns(&e->workers[i]);
	return n;
}

struct eng_worker *eng_worker(struct eng *e, unsigned int i)
{
	return i < e->nworkers ? &e->workers[i] : NULL;
}
