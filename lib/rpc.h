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
 *
 * A table whose txn also has enter, leave and undo can commit writers in
 * groups (lib/rpc_group.c): one begin, then each writer's handler
 * between enter and leave (a savepoint), or enter and undo when it
 * failed, which takes back its changes alone; then one commit for all,
 * or one abort.  enter and leave return 0, or -1 with err filled (the
 * writer then fails, and is undone); undo returns 0, or -1 when the
 * whole transaction is lost (every writer of the group then fails).
 * At most RPC_GROUP_MAX writers share one transaction.
 */
#define RPC_GROUP_MAX	16
struct rpc_txn {
	int	(*begin)(void *ctx, struct rpc_error *err);
	int	(*commit)(void *ctx, struct rpc_error *err);
	void	(*abort)(void *ctx);
	int	(*enter)(void *ctx, struct rpc_error *err);
	int	(*leave)(void *ctx, struct rpc_error *err);
	int	(*undo)(void *ctx);
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

/*
 * One request taken apart, for a caller that runs the handler and
 * answers at different times (rpc_group.c); rpc_dispatch() is these
 * three in a row.  rpc_call_open() parses and checks msg, filling *out's
 * method and dbg: the method, its params in c->params, or NULL with the
 * error in c->err.  rpc_call_handler() runs a handler (no transaction):
 * its result, or NULL with err filled (an unexplained failure is an
 * internal error).  rpc_call_reply() gives the reply text (NULL: out of
 * memory), fills out's code and message, and frees what c holds; failed,
 * if not NULL, is the error every request of a failed group is answered
 * with, in place of its own result or error.
 */
struct rpc_call {
	struct json_object	*req, *id, *params, *result;	/* owned */
	struct rpc_error	 err;
	struct rpc_outcome	*out;
};
const struct rpc_method *rpc_call_open(const struct rpc_method *methods,
	    const char *msg, size_t len, struct rpc_call *c,
	    struct rpc_outcome *out);
struct json_object *rpc_call_handler(const struct rpc_method *meth,
	    void *ctx, struct json_object *params, struct rpc_error *err);
/* The handler as rpc_dispatch() runs it (a writer in its own
 * transaction): c->result, or the error in c->err. */
void	 rpc_call_run(const struct rpc_method *meth, const struct rpc_txn *txn,
	    void *ctx, struct rpc_call *c);
char	*rpc_call_reply(struct rpc_call *c, const struct rpc_error *failed);

/*
 * Writers committed in groups: the requests of one wake-up of the loop
 * are given to rpc_group_take() in turn, then rpc_group_commit() ends
 * the batch.  A writer runs at once inside the group's transaction, in
 * a savepoint of its own, and is answered after the group commits, with
 * its own result or error; if the commit fails, every request of the
 * group is answered with that error.  A reader commits the group before
 * it first, and runs outside any transaction.  A request that fails
 * before its handler is answered at once.  answer is called once for
 * each request, with tag, the reply (answer frees it; NULL: out of
 * memory) and the outcome for the log.  With a txn lacking enter, each
 * writer is a group of its own, as rpc_dispatch() runs it.
 */
struct rpc_group_call {
	struct rpc_call		 c;
	struct rpc_outcome	 out;
	void			*tag;
};
struct rpc_group {
	const struct rpc_method	*methods;
	const struct rpc_txn	*txn;
	void			*ctx;
	void			(*answer)(void *arg, void *tag, char *reply,
				    const struct rpc_outcome *out);
	void			*arg;
	int			 open;		/* begin succeeded */
	int			 lost;		/* undo failed: all must fail */
	size_t			 n;
	struct rpc_group_call	 call[RPC_GROUP_MAX];
};
void	rpc_group_init(struct rpc_group *g, const struct rpc_method *methods,
	    const struct rpc_txn *txn, void *ctx,
	    void (*answer)(void *, void *, char *, const struct rpc_outcome *),
	    void *arg);
void	rpc_group_take(struct rpc_group *g, const char *msg, size_t len,
	    void *tag);
/* How many writers the group held (0: none was open). */
size_t	rpc_group_commit(struct rpc_group *g);

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
