/*
 * A JSON-RPC server on a raw REP socket inside a libevent loop: the loop
 * only tells us the socket is readable; we drain it and answer each
 * request in turn.
 */
#ifndef CPULEVEL_SERVER_H
#define CPULEVEL_SERVER_H

#include <stddef.h>

#include "rpc.h"

struct event_base;
struct server;

struct server	*server_new(struct event_base *base, int sock,
		    const struct rpc_method *methods, void *ctx, char *err,
		    size_t errlen);
void		 server_free(struct server *srv);

#endif
