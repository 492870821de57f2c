/*
 * A JSON-RPC server on a raw REP socket inside a libevent loop: the loop
 * only tells us the socket is readable; we drain a batch and answer each
 * request, the writers of the batch after their one commit
 * (lib/rpc_group.c).
 */
#ifndef CPULEVEL_SERVER_H
#define CPULEVEL_SERVER_H

#include <stddef.h>

#include "rpc.h"

/* What goes to the log at info level; the rest is logged at debug. */
enum server_log {
	SERVER_LOG_ALL,		/* every request: featured's are events */
	SERVER_LOG_FAULTS	/* only broken requests and internal errors */
};

/*
 * Serve requests on the bound raw REP socket sock with methods (handed
 * ctx; a writer inside txn) until SIGTERM or SIGINT, logging them as what
 * says, and telling systemd we are ready once the loop is set up.
 * Returns 0 after a signal, -1 if the loop could not run (logged).
 */
int	server_run(int sock, const struct rpc_method *methods,
	    const struct rpc_txn *txn, void *ctx, enum server_log what);

/*
 * More to serve from the same loop (migcheck's HTTP front): start is
 * called with the loop's base before systemd hears we are ready (a -1
 * stops the daemon, start having logged why), stop after the loop ended.
 */
struct event_base;
struct server_hook {
	int	(*start)(struct event_base *base, void *arg);
	void	(*stop)(void *arg);
	void	*arg;
};
int	server_run_hooked(int sock, const struct rpc_method *methods,
	    const struct rpc_txn *txn, void *ctx, enum server_log what,
	    const struct server_hook *hook);

#endif
