#include <sys/resource.h>
#include <sys/time.h>

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "bus.h"
#include "log.h"
#include "notify.h"
#include "server.h"

/*
 * NN_RCVFD is a notification fd, readable while messages wait: watched
 * level-triggered, so taking a bounded batch per wake-up is enough, and
 * leaves the loop free to run signal handlers between batches.
 */
#define SERVER_BATCH	64

/*
 * Commit delay.  The clients answered by one commit come back staggered:
 * with four of them on this machine, a group took 2.9 writers on
 * average, not 4, and each straggler cost a flush of its own.  While the
 * group now open is smaller than the groups of late (peak), the loop
 * waits for the missing writers before it commits: at most half as long
 * as the last commit took (the flush a straggler would cost), and never
 * more than GATHER_MAX_US.  A group as large as the peak, a lone client
 * (peak 1) or a reader commits at once.  The peak follows a larger
 * group at once and a smaller one after PEAK_DECAY commits in a row.
 */
#define GATHER_MAX_US	2000
#define PEAK_DECAY	8

/*
 * The cap, which tests/test_groupcommit.c raises (only where test hooks
 * are compiled in: see meson's test_hooks option) so that its clients can
 * arrive staggered by a tenth of a second, not by microseconds.
 */
static long long
gather_max_us(void)
{
#ifdef CPULEVEL_TEST_HOOKS
	const char *v = getenv("CPULEVEL_TEST_GATHER_MAX_US");

	if (v != NULL)
		return strtoll(v, NULL, 10);
#endif
	return GATHER_MAX_US;
}

/*
 * A receive that fails (not "nothing waiting") leaves the notification fd
 * readable: retrying at once would spin.  As tmux's server does when
 * accept fails, stop watching and try again after a pause, doubled while
 * it goes on failing.
 */
#define RECV_RETRY_MIN_MS	100
#define RECV_RETRY_MAX_MS	1000

/*
 * nanomsg accepts connections in its own thread.  When accept fails for
 * want of descriptors, nanomsg 1.1.5 tries again at once, for ever, while
 * a connection waits: a thread at 100% CPU and nobody served.  Nothing
 * tells us (its NN_STAT_ACCEPT_ERRORS reads another counter), so the
 * guard counts our descriptors twice a second.  At the limit, it says so
 * once, stops every listener (which closes the connections they accepted,
 * freeing their descriptors; clients reconnect) and listens again after a
 * pause, doubled while the limit is reached again.
 */
#define GUARD_INTERVAL_MS	500
#define PAUSE_MIN_MS		1000
#define PAUSE_MAX_MS		16000
#define GUARD_MAX		8

struct guard {
	int		 socks[GUARD_MAX];
	size_t		 nsocks;
	int		 starved;	/* logged, not yet recovered */
	int		 paused;	/* listeners stopped */
	int		 pause_ms;
	long long	 resume_at;	/* ms, while paused */
	int		 resume_failed;	/* logged */
};

struct server {
	int			 sock;
	enum server_log		 log;
	struct event		*ev;
	struct event		*retry;		/* receive back-off */
	int			 recv_failing;	/* logged, not yet recovered */
	int			 retry_ms;
	struct event		*tick;		/* the accept guard */
	struct guard		 guard;
	/* A wake-up's requests, held until answered: a writer's until its
	 * group commits (lib/rpc_group.c). */
	struct bus_msg		 msg[SERVER_BATCH];
	struct rpc_group	 group;
	long long		 commit_us;	/* the last commit took */
	long long		 gather_max_us;
	size_t			 peak;		/* writers a group, of late */
	int			 below_peak;	/* groups in a row */
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct timeval
ms_tv(int ms)
{
	struct timeval tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	return tv;
}

/*
 * featured's requests are events worth a line each, with the caller's dbg
 * id to follow a toolstack task through.  migcheck answers thousands a
 * second, and its "no" (a domain error, code 1) is an answer as much as
 * its "yes": only broken requests and internal errors are worth a line.
 */
static void
log_outcome(const struct server *srv, const struct rpc_outcome *o)
{
	int fault = o->code != 0 && o->code != RPC_API_ERROR;

	if (srv->log == SERVER_LOG_FAULTS && !fault) {
		if (log_verbose())
			log_debug("%s dbg=%s: %s", o->method, o->dbg,
			    o->code ? o->message : "ok");
		return;
	}
	if (o->code == 0)
		log_info("%s dbg=%s: ok", o->method, o->dbg);
	else
		log_info("%s dbg=%s: error %d %s", o->method, o->dbg,
		    o->code, o->message);
}

/* rpc_group's answer: the log line, then the reply to m's sender. */
static void
server_answer(void *arg, void *tag, char *reply, const struct rpc_outcome *o)
{
	struct server *srv = arg;
	struct bus_msg *m = tag;

	log_outcome(srv, o);
	if (reply == NULL) {
		log_warnx("%s: out of memory for the reply", o->method);
		bus_msg_free(m);
		return;
	}
	/* The client may have gone; its request was still handled. */
	if (bus_send_reply(srv->sock, m, reply, strlen(reply)) == -1)
		log_info("%s dbg=%s: reply not sent: %s", o->method, o->dbg,
		    strerror(errno));
	free(reply);
}

static void	server_free(struct server *);

/* The receive failed: say so once, and look again after a pause. */
static void
recv_failed(struct server *srv, int error)
{
	struct timeval tv;

	if (!srv->recv_failing) {
		log_warnx("receive on %s failed: %s; retrying every %d to "
		    "%d ms until it works", bus_url(srv->sock),
		    strerror(error), RECV_RETRY_MIN_MS, RECV_RETRY_MAX_MS);
		srv->recv_failing = 1;
		srv->retry_ms = RECV_RETRY_MIN_MS;
	}
	event_del(srv->ev);
	tv = ms_tv(srv->retry_ms);
	evtimer_add(srv->retry, &tv);
	srv->retry_ms *= 2;
	if (srv->retry_ms > RECV_RETRY_MAX_MS)
		srv->retry_ms = RECV_RETRY_MAX_MS;
}

static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/*
 * Take the requests waiting, into srv->msg from *i on: -1 when the
 * receive failed (the group is committed and the failure handled).
 */
static int
server_take(struct server *srv, int *i)
{
	struct bus_msg *m;
	int rc;

	for (; *i < SERVER_BATCH; (*i)++) {
		m = &srv->msg[*i];
		if ((rc = bus_recv_request(srv->sock, m)) == -1) {
			rpc_group_commit(&srv->group);
			recv_failed(srv, errno);
			return -1;
		}
		if (srv->recv_failing) {
			log_info("receive on %s works again",
			    bus_url(srv->sock));
			srv->recv_failing = 0;
		}
		if (rc == 0)
			break;
		rpc_group_take(&srv->group, m->body, m->len, m);
	}
	return 0;
}

/* Whether a request arrived before the group's deadline (see above). */
static int
server_gather(struct server *srv, int fd, long long *deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct timespec ts;
	long long left, budget = srv->commit_us / 2;

	if (!srv->group.open || srv->group.n >= srv->peak || budget <= 0)
		return 0;
	if (*deadline == 0)
		*deadline = now_us() + (budget < srv->gather_max_us ?
		    budget : srv->gather_max_us);
	if ((left = *deadline - now_us()) <= 0)
		return 0;
	ts.tv_sec = left / 1000000;
	ts.tv_nsec = left % 1000000 * 1000;
	return ppoll(&pfd, 1, &ts, NULL) == 1;
}

/* Commit the group: one flush, then its replies; learn its size. */
static void
server_commit(struct server *srv)
{
	long long start = now_us();
	size_t n;

	if ((n = rpc_group_commit(&srv->group)) == 0)
		return;
	srv->commit_us = now_us() - start;
	if (n >= srv->peak) {
		srv->peak = n;
		srv->below_peak = 0;
	} else if (++srv->below_peak == PEAK_DECAY) {
		srv->peak--;
		srv->below_peak = 0;
	}
}

static void
server_readable(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;
	long long deadline = 0;
	int i = 0;

	(void)what;
	if (server_take(srv, &i) == -1)
		return;
	while (i < SERVER_BATCH && server_gather(srv, fd, &deadline))
		if (server_take(srv, &i) == -1)
			return;
	/* The writers of this wake-up: one commit, then their replies. */
	server_commit(srv);
}

static void
server_retry(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;

	if (event_add(srv->ev, NULL) == -1)
		log_warnx("cannot watch the request socket again");
	server_readable(fd, what, arg);
}

/*
 * How many descriptors are open, besides the one counting them; -1 if
 * that one could not be had for want of descriptors.
 */
static int
count_fds(void)
{
	struct dirent *d;
	DIR *dir;
	int n = 0;

	if ((dir = opendir("/proc/self/fd")) == NULL)
		return errno == EMFILE || errno == ENFILE ? -1 : 0;
	while ((d = readdir(dir)) != NULL)
		if (d->d_name[0] != '.')
			n++;
	closedir(dir);
	return n - 1;
}

/* At the limit: nanomsg could accept no connection now. */
static int
fds_exhausted(int *open_fds, long long *limit)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 ||
	    rl.rlim_cur == RLIM_INFINITY)
		return 0;
	*limit = (long long)rl.rlim_cur;
	*open_fds = count_fds();
	return *open_fds == -1 || *open_fds + 1 >= *limit;
}

static void
guard_pause(struct guard *g, int open_fds, long long limit)
{
	size_t i;

	if (!g->starved) {
		log_warnx("out of file descriptors (%d of %lld open): no "
		    "connection can be accepted; closing every connection "
		    "and listening again in %d ms, later while it lasts",
		    open_fds == -1 ? (int)limit : open_fds, limit,
		    PAUSE_MIN_MS);
		g->starved = 1;
		g->pause_ms = PAUSE_MIN_MS;
	}
	for (i = 0; i < g->nsocks; i++)
		if (bus_pause(g->socks[i]) == -1)
			log_warnx("cannot stop listening on %s",
			    bus_url(g->socks[i]));
	g->paused = 1;
	g->resume_at = now_ms() + g->pause_ms;
	g->pause_ms *= 2;
	if (g->pause_ms > PAUSE_MAX_MS)
		g->pause_ms = PAUSE_MAX_MS;
}

static void
guard_resume(struct guard *g)
{
	char err[256];
	size_t i;

	for (i = 0; i < g->nsocks; i++)
		if (bus_resume(g->socks[i], err, sizeof(err)) == -1) {
			if (!g->resume_failed)
				log_warnx("%s; trying again", err);
			g->resume_failed = 1;
			g->resume_at = now_ms() + g->pause_ms;
			return;
		}
	g->paused = g->resume_failed = 0;
}

static void
server_tick(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;
	struct guard *g = &srv->guard;
	long long limit = 0;
	int open_fds = 0;

	(void)fd;
	(void)what;
	if (g->paused) {
		if (now_ms() >= g->resume_at)
			guard_resume(g);
		return;
	}
	if (fds_exhausted(&open_fds, &limit))
		guard_pause(g, open_fds, limit);
	else if (g->starved) {
		/* A whole interval listening below the limit. */
		log_info("accepting connections again (%d of %lld "
		    "descriptors open)", open_fds, limit);
		g->starved = 0;
	}
}

static struct server *
server_new(struct event_base *base, int sock, const struct rpc_method *methods,
    const struct rpc_txn *txn, void *ctx, char *err, size_t errlen)
{
	struct server *srv;
	struct timeval tv = ms_tv(GUARD_INTERVAL_MS);
	int fd;

	if ((fd = bus_recv_fd(sock, err, errlen)) == -1)
		return NULL;
	if ((srv = calloc(1, sizeof(*srv))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	srv->sock = sock;
	srv->gather_max_us = gather_max_us();
	rpc_group_init(&srv->group, methods, txn, ctx, server_answer, srv);
	srv->guard.nsocks = bus_listening(srv->guard.socks, GUARD_MAX);
	srv->ev = event_new(base, fd, EV_READ | EV_PERSIST, server_readable,
	    srv);
	srv->retry = evtimer_new(base, server_retry, srv);
	srv->tick = event_new(base, -1, EV_PERSIST, server_tick, srv);
	if (srv->ev == NULL || srv->retry == NULL || srv->tick == NULL ||
	    event_add(srv->ev, NULL) == -1 || event_add(srv->tick, &tv) == -1) {
		snprintf(err, errlen, "cannot watch the request socket");
		server_free(srv);
		return NULL;
	}
	return srv;
}

static void
server_free(struct server *srv)
{
	if (srv == NULL)
		return;
	if (srv->ev)
		event_free(srv->ev);
	if (srv->retry)
		event_free(srv->retry);
	if (srv->tick)
		event_free(srv->tick);
	free(srv);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	log_info("signal %d: stopping", (int)sig);
	event_base_loopbreak(arg);
}

int
server_run(int sock, const struct rpc_method *methods,
    const struct rpc_txn *txn, void *ctx, enum server_log what)
{
	return server_run_hooked(sock, methods, txn, ctx, what, NULL);
}

int
server_run_hooked(int sock, const struct rpc_method *methods,
    const struct rpc_txn *txn, void *ctx, enum server_log what,
    const struct server_hook *hook)
{
	struct event *sigterm = NULL, *sigint = NULL;
	struct event_base *base;
	struct server *srv = NULL;
	char err[256];
	int rc = -1;

	if ((base = event_base_new()) == NULL) {
		log_warnx("event_base_new failed");
		return -1;
	}
	sigterm = evsignal_new(base, SIGTERM, on_signal, base);
	sigint = evsignal_new(base, SIGINT, on_signal, base);
	if (sigterm == NULL || sigint == NULL ||
	    evsignal_add(sigterm, NULL) == -1 ||
	    evsignal_add(sigint, NULL) == -1)
		log_warnx("cannot watch signals");
	else if ((srv = server_new(base, sock, methods, txn, ctx, err,
	    sizeof(err))) == NULL)
		log_warnx("%s", err);
	else if (hook && hook->start(base, hook->arg) == -1)
		hook = NULL;	/* start logged why; nothing to stop */
	else {
		srv->log = what;
		/* The sockets are bound: clients may connect from now on. */
		if (notify_ready() == -1)
			log_warnx("cannot tell systemd we are ready");
		if (event_base_dispatch(base) == -1)
			log_warnx("event loop failed");
		else
			rc = 0;
		if (hook)
			hook->stop(hook->arg);
	}
	server_free(srv);
	if (sigterm)
		event_free(sigterm);
	if (sigint)
		event_free(sigint);
	event_base_free(base);
	return rc;
}
