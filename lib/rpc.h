/*
 * The JSON-RPC 2.0 codec of proto/README.md, shared by both daemons and
 * the CLI.  A method is a row of a table: its name, whether it writes,
 * its handler and the specification of its parameters.  rpc_dispatch()
 * validates a request against that row before the handler runs, so
 * handlers read parameters that are known to be present, of the right
 * type and within bounds, and runs a writer inside a transaction.
 *
 * The serving half, in two files: lib/rpc.c, the envelope, dispatch and
 * errors; lib/rpc_params.c, the parameter checks and the accessors
 * handlers read them with.  The client half is rpc_client.h.
 */
#ifndef CPULEVEL_RPC_H
#define CPULEVEL_RPC_H

#include <stddef.h>

#include "jsonutil.h"
#include "log.h"
#include "vmtypes.h"

#define RPC_API_VERSION		1
#define RPC_MAX_ID		64
#define RPC_MAX_DBG		256

/* JSON-RPC's codes, and XenAPI's one code for all domain errors. */
#define RPC_PARSE_ERROR		(-32700)
#define RPC_INVALID_REQUEST	(-32600)
#define RPC_METHOD_NOT_FOUND	(-32601)
#define RPC_INVALID_PARAMS	(-32602)
#define RPC_INTERNAL_ERROR	(-32603)
#define RPC_API_ERROR		1

struct rpc_error {
	int			 code;		/* 0: no error */
	char			 message[64];
	struct json_object	*data;		/* owned; may be NULL */
};

/* A parameter's type: what lib/rpc_params.c lets through for it. */
enum rpc_param_type {
	P_ID,		/* [A-Za-z0-9._:-]{1,64} */
	P_STRING,	/* any string up to RPC_MAX_DBG */
	P_BOOL,
	P_INT,
	P_FEATURESET,	/* checked to parse: INVALID_FEATURE_STRING */
	P_CPUINFO,	/* object of strings within cpuinfo.h's bounds */
	P_POWER_STATE,	/* running/paused/suspended/halted, or capitalised */
	P_DOMAIN_TYPE,	/* pv/hvm/pvh/pv_in_pvh */
	P_FLAGS,	/* {vendor?, features?}: last_boot_CPU_flags */
	P_ANY_OBJECT	/* an object of strings, bounded like P_CPUINFO */
};

struct rpc_param {
	const char		*name;
	enum rpc_param_type	 type;
	int			 required;	/* 0, 1, or RPC_NULLABLE */
};

/*
 * A required param that may be JSON null: xapi's "none" (a halted VM's
 * resident_on, a pool whose master is not yet known).  Its accessors
 * read null as absent.
 */
#define RPC_NULLABLE	3


/*
 * A handler fills *result (NULL means JSON null) and returns 0, or fills
 * err and returns -1.
 */
typedef int rpc_handler(void *ctx, struct json_object *params,
    struct json_object **result, struct rpc_error *err);

/* Whether a method changes state: a writer runs inside a struct rpc_txn. */
enum rpc_access {
	RPC_READS,
	RPC_WRITES
};

struct rpc_method {
	const char		*name;
	enum rpc_access		 access;
	rpc_handler		*handler;
	const struct rpc_param	*params;	/* ends with a NULL name */
};

/*
 * The write transaction rpc_dispatch() runs each RPC_WRITES handler in,
 * the same for every method of a table.  begin comes before the handler;
 * commit after it, before the reply is encoded, so that what a client is
 * told is already durable; abort instead, when the handler or the commit
 * failed, and the handler's result is dropped.  begin and commit return
 * 0, or -1 with err filled; a begin that failed leaves nothing to abort.
 */
struct rpc_txn {
	int	(*begin)(void *ctx, struct rpc_error *err);
	int	(*commit)(void *ctx, struct rpc_error *err);
	void	(*abort)(void *ctx);
};

/*
 * What became of one call, for the log line the server writes.  What the
 * peer chose is escaped here, by log_esc(), so every "%s" of it is safe.
 */
struct rpc_outcome {
	/* The method; an unknown one as the peer named it, escaped and
	 * cut; "?" when there is none (not JSON, no string). */
	char	method[64];
	char	dbg[LOG_ESC_SIZE(RPC_MAX_DBG)];	/* escaped */
	int	code;			/* 0, or the error's code */
	char	message[64];		/* the error's message */
};

/*
 * Handle one request message end to end: parse, validate, look the method
 * up, call it (a writer inside txn), and encode the reply.  txn may be
 * NULL for a table of readers only: a writer dispatched without one is
 * refused, as an internal error, and never run.  Returns the reply text,
 * which the caller frees; NULL only when out of memory.
 */
char	*rpc_dispatch(const struct rpc_method *methods,
	    const struct rpc_txn *txn, void *ctx, const char *msg, size_t len,
	    struct rpc_outcome *out);

/* Service.version, the same in every daemon: {api, build}. */
int	 rpc_service_version(void *ctx, struct json_object *params,
	    struct json_object **result, struct rpc_error *err);
/* The params of a method that takes none but dbg, which all take. */
extern const struct rpc_param rpc_no_params[];

/* Errors (lib/rpc.c). */
void	 rpc_error_clear(struct rpc_error *err);
void	 rpc_error_set(struct rpc_error *err, int code, const char *message,
	    struct json_object *data);
void	 rpc_error_param(struct rpc_error *err, const char *param,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* XenAPI error: message CODE, data the n strings that follow. */
void	 rpc_error_api(struct rpc_error *err, const char *code, int n, ...);
void	 rpc_error_internal(struct rpc_error *err, const char *what);

/*
 * Parameter access for handlers (lib/rpc_params.c): the spec guarantees
 * presence if required.
 */
const char	*rpc_param_string(struct json_object *params, const char *name);
int		 rpc_param_bool(struct json_object *params, const char *name,
		    int dflt);
long long	 rpc_param_int(struct json_object *params, const char *name,
		    long long dflt);
struct json_object *rpc_param_object(struct json_object *params,
		    const char *name);
/* A P_POWER_STATE or P_DOMAIN_TYPE param as its enum; dflt if absent. */
enum power_state rpc_param_power_state(struct json_object *params,
		    const char *name, enum power_state dflt);
enum domain_type rpc_param_domain_type(struct json_object *params,
		    const char *name, enum domain_type dflt);
/* Whether s is an id as P_ID lets one through. */
int		 rpc_valid_id(const char *s);

#endif
