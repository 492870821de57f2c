/*
 * The client half of the JSON-RPC codec (lib/rpc_client.c): a request's
 * text, and a reply read back.  The CLI, the tests, the benchmarks and
 * featured's own Host.boot at start use it; a daemon serving requests
 * needs only rpc.h, so the two halves are apart.
 */
#ifndef CPULEVEL_RPC_CLIENT_H
#define CPULEVEL_RPC_CLIENT_H

#include <stddef.h>

#include "rpc.h"

/* The text of a request (params NULL: {}), which the caller frees. */
char	*rpc_request_new(long long id, const char *method,
	    struct json_object *params);
/*
 * Parse a reply: 0 with *result (owned, may be NULL for null), or 1 with
 * err filled from the reply's error, or -1 with err describing a broken
 * reply.
 */
int	 rpc_reply_parse(const char *buf, size_t len, long long id,
	    struct json_object **result, struct rpc_error *err);

#endif
