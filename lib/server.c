#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

struct server {
	int			 sock;
	const struct rpc_method	*methods;
	void			*ctx;
	enum server_log		 log;
	struct event		*ev;
};

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

static void
server_handle(struct server *srv, struct bus_msg *m)
{
	struct rpc_outcome o;
	char *reply;

	reply = rpc_dispatch(srv->methods, srv->ctx, m->body, m->len, &o);
	log_outcome(srv, &o);
	if (reply == NULL) {
		log_warnx("%s: out of memory for the reply", o.method);
		bus_msg_free(m);
		return;
	}
	/* The client may have gone; its request was still handled. */
	if (bus_send_reply(srv->sock, m, reply, strlen(reply)) == -1)
		log_info("%s dbg=%s: reply not sent: %s", o.method, o.dbg,
		    strerror(errno));
	free(reply);
}

static void	server_free(struct server *);

static void
server_readable(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;
	struct bus_msg m;
	int i, rc;

	(void)fd;
	(void)what;
	for (i = 0; i < SERVER_BATCH; i++) {
		if ((rc = bus_recv_request(srv->sock, &m)) == 0)
			return;
		if (rc == -1) {
			log_warnx("receive: %s", strerror(errno));
			return;
		}
		server_handle(srv, &m);
	}
}

static struct server *
server_new(struct event_base *base, int sock, const struct rpc_method *methods,
    void *ctx, char *err, size_t errlen)
{
	struct server *srv;
	int fd;

	if ((fd = bus_recv_fd(sock, err, errlen)) == -1)
		return NULL;
	if ((srv = calloc(1, sizeof(*srv))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	srv->sock = sock;
	srv->methods = methods;
	srv->ctx = ctx;
	srv->ev = event_new(base, fd, EV_READ | EV_PERSIST, server_readable,
	    srv);
	if (srv->ev == NULL || event_add(srv->ev, NULL) == -1) {
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
server_run(int sock, const struct rpc_method *methods, void *ctx,
    enum server_log what)
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
	else if ((srv = server_new(base, sock, methods, ctx, err,
	    sizeof(err))) == NULL)
		log_warnx("%s", err);
	else {
		srv->log = what;
		/* The sockets are bound: clients may connect from now on. */
		if (notify_ready() == -1)
			log_warnx("cannot tell systemd we are ready");
		if (event_base_dispatch(base) == -1)
			log_warnx("event loop failed");
		else
			rc = 0;
	}
	server_free(srv);
	if (sigterm)
		event_free(sigterm);
	if (sigint)
		event_free(sigint);
	event_base_free(base);
	return rc;
}
