/*
 * The write transaction of every method marked RPC_WRITES in methods.c:
 * the hooks lib/rpc.c calls around its handlers.  The server commits the
 * writers of one wake-up in one transaction (lib/rpc_group.c): begin
 * once, each handler between enter and leave (a savepoint, so that undo
 * takes back a refused request alone, with its events), then commit
 * once; rpc_dispatch() (--local-host's Host.boot, the fuzzer) runs one
 * handler between begin and commit.  Replies are built only after the
 * commit succeeded, so whatever a client was told is on disk (the
 * database runs with synchronous=FULL); events queued by the handlers go
 * out after the commit, and are dropped with a rollback, so subscribers
 * never hear of a change that did not happen.  A handler that failed,
 * or a commit that did, has its result dropped: the client is answered
 * the error alone.
 *
 * Before each transaction the database file must still be the one at
 * its path.  An operator who deletes it, or moves another file over it,
 * leaves featured writing to a file that no process will open again:
 * every write acknowledged from then on would be lost at the next start.
 * So writes are refused from the moment it is seen, until featured is
 * restarted on whatever is at the path by then; reads still answer from
 * the open file, which holds everything acknowledged before.  One
 * stat(2) a write is nothing beside the fsync of its commit.
 */
#include <stdio.h>

#include "db.h"
#include "featured.h"
#include "log.h"

/* 0 when the open file is still the database at its path. */
static int
txn_file_check(struct featured *f, struct rpc_error *err)
{
	char why[512];
	int state;		/* DB_FILE_SAME, DB_FILE_GONE or -1 */

	if (f->db_lost[0] == '\0') {
		if ((state = db_same_file(f->db, why, sizeof(why))) ==
		    DB_FILE_SAME)
			return 0;
		if (state == -1) {
			/* A passing failure of stat: refuse this one only. */
			log_warnx("%s", why);
			rpc_error_internal(err, why);
			return -1;
		}
		/* For good: logged once, and every write refused alike. */
		snprintf(f->db_lost, sizeof(f->db_lost), "%s: writes are "
		    "refused, as they would be lost; restart "
		    "cpulevel-featured", why);
		log_warnx("%s", f->db_lost);
	}
	rpc_error_internal(err, f->db_lost);
	return -1;
}

static int
txn_begin(void *arg, struct rpc_error *err)
{
	struct featured *f = arg;
	char why[256];

	if (txn_file_check(f, err) == -1)
		return -1;
	if (db_begin(f->db, why, sizeof(why)) == -1) {
		log_warnx("begin: %s", why);
		rpc_error_internal(err, why);
		return -1;
	}
	f->changes_begun = sqlite3_total_changes(f->db);
	return 0;
}

/* Commit before the reply, and only then publish the events. */
static int
txn_commit(void *arg, struct rpc_error *err)
{
	struct featured *f = arg;
	char why[256];

	/* db_commit rolls back what it could not commit; txn_abort follows
	 * and drops the events. */
	if (db_commit(f->db, why, sizeof(why)) == -1) {
		log_warnx("commit: %s", why);
		rpc_error_internal(err, why);
		return -1;
	}
	events_flush(f);
	return 0;
}

static void
txn_abort(void *arg)
{
	struct featured *f = arg;

	db_rollback(f->db);
	events_discard(f);
}

/* One request of a group: a savepoint, and where its events start. */
static int
txn_enter(void *arg, struct rpc_error *err)
{
	struct featured *f = arg;
	char why[256];

	f->event_mark = f->nevents;
	if (db_savepoint(f->db, why, sizeof(why)) == -1) {
		log_warnx("savepoint: %s", why);
		rpc_error_internal(err, why);
		return -1;
	}
	return 0;
}

static int
txn_leave(void *arg, struct rpc_error *err)
{
	struct featured *f = arg;
	char why[256];

	if (db_release(f->db, why, sizeof(why)) == -1) {
		log_warnx("release: %s", why);
		rpc_error_internal(err, why);
		return -1;
	}
	return 0;
}

/* The request's changes and events taken back; the group's stay. */
static int
txn_undo(void *arg)
{
	struct featured *f = arg;

	events_discard_from(f, f->event_mark);
	if (db_undo(f->db) == 0)
		return 0;
	log_warnx("cannot take back a refused request: %s; its whole group "
	    "is rolled back", sqlite3_errmsg(f->db));
	return -1;
}

const struct rpc_txn featured_txn = {
	txn_begin, txn_commit, txn_abort, txn_enter, txn_leave, txn_undo
};
