/*
 * Internal to the codec: what lib/rpc.c, the envelope and dispatch, asks
 * of lib/rpc_params.c, the parameter checks.  Not in rpc.h, which is what
 * handlers and callers include: none of them checks a request itself, as
 * rpc_dispatch() has done it before a handler runs.  The accessors a
 * handler reads its checked parameters with are in rpc.h.
 */
#ifndef CPULEVEL_RPC_PARAMS_H
#define CPULEVEL_RPC_PARAMS_H

#include "rpc.h"

/*
 * params (an object, maybe empty) against spec, a method's table row:
 * every required one present, every one present in the spec (or dbg, which
 * every method takes) and fit for its type.  0, or -1 with err filled.
 */
int	rpc_check_params(const struct rpc_param *spec,
	    struct json_object *params, struct rpc_error *err);

#endif
