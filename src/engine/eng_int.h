/* SPDX-License-Identifier: MIT */
/*
 * src/engine/eng_int.h - what the files of the engine share (engine.c,
 * worker.c, conn.c, listen.c, config.c). Private to src/engine.
 */
#ifndef ZC_ENGINE_ENG_INT_H
#define ZC_ENGINE_ENG_INT_H

#include <pthread.h>
#include <semaphore.h>

#include "engine/engine.h"

/* Listeners: the cfg.listen ones plus those added by eng_listen. */
#define ENG_MAX_LISTENERS (2 * ENG_MAX_LISTEN)

/* Connection flags (eng_conn.flags). */
#define CONN_LIMITED	0x1u	/* counted in --max-conns */
#define CONN_CLOSING	0x2u	/* eng_conn_close began */
#define CONN_DRAINED	0x4u	/* on_drain was called */
#define CONN_UNOPENED	0x8u	/* on_open failed: no on_close */

struct eng_listener {
	const struct eng_proto *proto;
	unsigned int flags;		/* ENG_LISTEN_* */
	struct sockaddr_storage addr;	/* bound */
	socklen_t addrlen;
	int *fds;			/* one per worker, or one */
	unsigned int nfds;
};

/* A worker's watcher on one listening socket. */
struct eng_acceptor {
	struct ev_io io;
	struct ev_timer pause;		/* resumes after EMFILE and such */
	struct eng_worker *w;
	unsigned int listener;
};

struct eng_worker {
	struct eng *e;
	unsigned int id;
	pthread_t thread;
	int started;			/* the thread was created */
	int start_err;
	struct ev_loop *loop;
	void *data;
	uint64_t *metrics;
	struct eng_alog_buf *alog;
	struct eng_acceptor *acc;
	unsigned int nacc;
	struct eng_conn *conns;		/* list head */
	unsigned int nconns;		/* atomic for readers elsewhere */
	int stopping;
	struct ev_async stop_async;	/* graceful stop */
	struct ev_async force_async;	/* close everything now */
	struct ev_timer shutdown;	/* bound of the graceful stop */
	int spare_fd;			/* given up to shed on EMFILE */
	uint64_t starved_logged;	/* ev_now of the last warning */
};

/* Ids of the engine's own metrics. */
struct eng_mids {
	int open, accepted, refused, accept_errors;
	int sent_sendfile, sent_splice, sent_readwrite, sent_memory;
};

struct eng {
	struct eng_config cfg;
	enum ev_backend backend;
	unsigned int nworkers;
	unsigned int max_conns;
	struct eng_listener lst[ENG_MAX_LISTENERS];
	unsigned int nlst;
	struct eng_worker *workers;
	struct eng_metrics *metrics;
	struct eng_mids mid;
	struct eng_alog *alog;
	unsigned int limited;		/* atomic: conns under --max-conns */
	int ran;

	/* control: the thread of eng_run */
	struct ev_loop *ctl;		/* atomic pointer, set during run */
	struct ev_async ctl_async;
	int stop_req;			/* atomic: eng_stop calls + signals */
	int stop_done;			/* stop requests acted upon */
	int reopen_req;			/* atomic */
	unsigned int running;		/* atomic: workers not finished */
	sem_t ready;
	int sigfd;
	struct ev_io sig_io;
};

/* listen.c */
int eng__listen_bind(struct eng *e, struct eng_listener *l,
		     const char *spec);
void eng__listen_close(struct eng_listener *l);

/* worker.c */
void *eng__worker_main(void *arg);
void eng__worker_exit(struct eng_worker *w);

/* conn.c */
void eng__conn_accept(struct eng_worker *w, unsigned int listener, int fd,
		      const struct sockaddr_storage *peer, socklen_t len);
void eng__conn_refuse(struct eng_worker *w, const struct eng_proto *p,
		      int fd);

/* config.c */
unsigned int eng__cpus(void);

#endif
