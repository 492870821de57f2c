/*
 * One write transaction per request.  The reply is built only after the
 * commit succeeded, so whatever a client was told is on disk (the
 * database runs with synchronous=FULL); events queued by the handler go
 * out after the commit, and are dropped with a rollback, so subscribers
 * never hear of a change that did not happen.
 */
#include <stdio.h>

#include "db.h"
#include "featured.h"
#include "log.h"

int
txn_store_error(struct featured *f, struct rpc_error *err)
{
	rpc_error_internal(err, f->dberr);
	return -1;
}

void
txn_run(struct featured *f, struct json_object *params,
    struct json_object **result, struct rpc_error *err, txn_fn *fn)
{
	char why[256];

	if (db_begin(f->db, why, sizeof(why)) == -1) {
		log_warnx("begin: %s", why);
		rpc_error_internal(err, why);
		return;
	}
	if (fn(f, params, result, err) == -1) {
		db_rollback(f->db);
		events_discard(f);
		json_object_put(*result);
		*result = NULL;
		return;
	}
	if (db_commit(f->db, why, sizeof(why)) == -1) {
		log_warnx("commit: %s", why);
		events_discard(f);
		json_object_put(*result);
		*result = NULL;
		rpc_error_internal(err, why);
		return;
	}
	events_flush(f);
}
