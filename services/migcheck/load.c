/*
 * Bringing the snapshot in memory (mem.c) up to the database's latest
 * commit, in one read transaction, so that it is exactly one committed
 * state, never a mix of two.  The rows that changed since the last
 * refresh are named by the change log (db/0003_change_log.sql), which
 * triggers fill inside every writer's transaction; only those are read
 * again.  Everything is read again when the log cannot say: at the
 * first load, when the last entry applied is gone (pruned, or the log
 * emptied), when the schema changed (a migration, a restore, triggers
 * dropped), or when deleted ids waste half the arena.
 */
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "migcheck.h"
#include "strlcpy.h"

/*
 * A VM's columns are REC_VM_COLS with its set moved to the end (its
 * place NULL): the set is parsed only when its text is not known yet.
 */
#define LOAD_VM_COLS	"domain_type, power_state, vendor, NULL, legacy, " \
			"id, host_id, features"
#define LOAD_VM_SET	7

static const char *const load_sql[LOAD_NSTMTS] = {
	[LOAD_BEGIN] = "BEGIN",
	[LOAD_END] = "COMMIT",
	[LOAD_LOG] = "SELECT seq, tbl, id FROM change_log WHERE seq >= ? "
	    "ORDER BY seq",
	[LOAD_LAST] = "SELECT seq, tbl, id FROM change_log "
	    "ORDER BY seq DESC LIMIT 1",
	[LOAD_VMS] = "SELECT " LOAD_VM_COLS " FROM vm",
	[LOAD_HOSTS] = "SELECT " REC_HOST_NAME_COLS " FROM host",
	[LOAD_POOLS] = "SELECT " REC_POOL_COLS " FROM pool",
	[LOAD_VM] = "SELECT " LOAD_VM_COLS " FROM vm WHERE id = ?",
	[LOAD_HOST] = "SELECT " REC_HOST_NAME_COLS " FROM host WHERE id = ?",
	[LOAD_POOL] = "SELECT " REC_POOL_COLS " FROM pool WHERE id = ?",
};

int
load_prepare(struct migcheck *m)
{
	int i;

	for (i = 0; i < LOAD_NSTMTS; i++)
		if (db_prepare(m->db, load_sql[i], &m->stmt[i], m->dberr,
		    sizeof(m->dberr)) == -1)
			return -1;
	return 0;
}

void
load_finalize(struct migcheck *m)
{
	int i;

	for (i = 0; i < LOAD_NSTMTS; i++) {
		sqlite3_finalize(m->stmt[i]);
		m->stmt[i] = NULL;
	}
}

static int
load_fail(struct migcheck *m, const char *what)
{
	snprintf(m->dberr, sizeof(m->dberr), "%s: %s", what,
	    sqlite3_errmsg(m->db));
	return -1;
}

/* A row of vm into memory; an unreadable set is kept as its refusal. */
static int
load_vm_row(struct migcheck *m, sqlite3_stmt *st)
{
	const char *text = (const char *)sqlite3_column_text(st,
	    LOAD_VM_SET);
	struct featureset fs;
	struct vm_rec vm;
	uint32_t set = 0;
	char err[512];
	int bad = 0;

	memset(&vm, 0, sizeof(vm));
	/* Column 3 is NULL: this parses nothing, and cannot fail. */
	rec_vm_from_row(st, 0, REC_VM_NAMES, &vm, err, sizeof(err));
	if (text != NULL && (set = mem_set_find(&m->mem.sets, text)) == 0) {
		bad = rec_column_fs(st, LOAD_VM_SET, "vm", vm.id, &fs, NULL,
		    err, sizeof(err)) == -1;
		if (!bad && (set = mem_set_get(&m->mem.sets, text,
		    &fs)) == 0)
			return -1;
	}
	return mem_vm_put(&m->mem, &vm, set, bad ? err : NULL);
}

/* Each max set on its own: a check reads only the one of its kind. */
static int
load_host_row(struct migcheck *m, sqlite3_stmt *st)
{
	char pv_err[512], hvm_err[512];
	struct host_rec h;
	int pv_bad, hvm_bad;

	memset(&h, 0, sizeof(h));
	rec_host_from_row(st, 0, REC_HOST_NAMES, &h, NULL, 0);
	pv_bad = rec_column_fs(st, 2, "host", h.id, &h.pv.fs, &h.pv.present,
	    pv_err, sizeof(pv_err)) == -1;
	hvm_bad = rec_column_fs(st, 3, "host", h.id, &h.hvm.fs,
	    &h.hvm.present, hvm_err, sizeof(hvm_err)) == -1;
	return mem_host_put(&m->mem, &h, pv_bad ? pv_err : NULL,
	    hvm_bad ? hvm_err : NULL);
}

static int
load_pool_row(struct migcheck *m, sqlite3_stmt *st)
{
	struct pool_rec p;
	char err[512];
	int bad;

	bad = rec_pool_from_row(st, &p, err, sizeof(err)) == -1;
	return mem_pool_put(&m->mem, &p, bad ? err : NULL);
}

static int (*const load_row[3])(struct migcheck *, sqlite3_stmt *) = {
	load_vm_row, load_host_row, load_pool_row
};

/* Every row of one table. */
static int
load_table(struct migcheck *m, int which, int kind)
{
	sqlite3_stmt *st = m->stmt[which];
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (load_row[kind](m, st) == -1) {
			sqlite3_reset(st);
			snprintf(m->dberr, sizeof(m->dberr), "out of memory");
			return -1;
		}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : load_fail(m, "read");
}

/* One row again, by id: put when it is there, deleted when not. */
static int
load_one(struct migcheck *m, int kind, const char *id)
{
	static const int which[3] = { LOAD_VM, LOAD_HOST, LOAD_POOL };
	sqlite3_stmt *st = m->stmt[which[kind]];
	int rc, put = 0;

	if (sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT) != SQLITE_OK)
		return load_fail(m, "bind");
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		put = load_row[kind](m, st);
	else if (rc == SQLITE_DONE && kind == LOAD_KIND_VM)
		mem_vm_del(&m->mem, id);
	else if (rc == SQLITE_DONE && kind == LOAD_KIND_HOST)
		mem_host_del(&m->mem, id);
	else if (rc == SQLITE_DONE)
		mem_pool_del(&m->mem, id);
	sqlite3_reset(st);
	if (put == -1) {
		snprintf(m->dberr, sizeof(m->dberr), "out of memory");
		return -1;
	}
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : load_fail(m,
	    "read");
}

static int
kind_of(const char *tbl)
{
	if (strcmp(tbl, "vm") == 0)
		return LOAD_KIND_VM;
	if (strcmp(tbl, "host") == 0)
		return LOAD_KIND_HOST;
	return strcmp(tbl, "pool") == 0 ? LOAD_KIND_POOL : -1;
}

/* A log entry is where the snapshot stands: seq, and what it named. */
static void
load_remember(struct migcheck *m, sqlite3_stmt *st)
{
	m->seen_seq = sqlite3_column_int64(st, 0);
	db_column_text(st, 1, m->seen_tbl, sizeof(m->seen_tbl));
	db_column_text(st, 2, m->seen_id, sizeof(m->seen_id));
}

static int
load_is_seen(const struct migcheck *m, sqlite3_stmt *st)
{
	const char *tbl = (const char *)sqlite3_column_text(st, 1);
	const char *id = (const char *)sqlite3_column_text(st, 2);

	return sqlite3_column_int64(st, 0) == m->seen_seq && tbl && id &&
	    strcmp(tbl, m->seen_tbl) == 0 && strcmp(id, m->seen_id) == 0;
}

/*
 * The entries after the last one applied, each row read again: 1 done,
 * 0 when the log cannot say (read everything, for the reason in *why),
 * -1 error.
 *
 * No BEGIN: the log's statement, from its first step to its last, holds
 * the read transaction, and the rows are read while it is open, so all
 * of it is one snapshot (an explicit transaction would cost two more
 * statements a refresh).  sqlite prepares a statement again when it
 * finds the schema changed since it was prepared: the log's, stepped
 * first, tells so by its count of those.  The first entry must be the
 * last one applied, still there: then nothing between was pruned.  (An
 * empty log at the last load is seq 0: the next entry must then be the
 * very first.)
 */
static int
load_changes(struct migcheck *m, const char **why)
{
	sqlite3_stmt *st = m->stmt[LOAD_LOG];
	int rc, kind, first = 1, ok = 1, again;

	again = sqlite3_stmt_status(st, SQLITE_STMTSTATUS_REPREPARE, 0);
	sqlite3_bind_int64(st, 1, m->seen_seq);
	while (ok == 1 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (first && sqlite3_stmt_status(st,
		    SQLITE_STMTSTATUS_REPREPARE, 0) != again)
			ok = 0;		/* said below */
		else if (first && (m->seen_seq != 0 ? !load_is_seen(m, st) :
		    sqlite3_column_int64(st, 0) != 1)) {
			*why = "the change log does not reach back far enough";
			ok = 0;
		} else if ((first && m->seen_seq != 0) ||
		    (kind = kind_of((const char *)sqlite3_column_text(st,
		    1))) == -1)
			;	/* applied already, or no table of ours */
		else if (load_one(m, kind,
		    (const char *)sqlite3_column_text(st, 2)) == -1)
			ok = -1;
		if (ok == 1)
			load_remember(m, st);
		first = 0;
	}
	if (ok == 1 && first && m->seen_seq != 0) {
		*why = "the change log was emptied";
		ok = 0;
	}
	/* Even with no entry at all: a writer may have gone around them. */
	if (ok != -1 && sqlite3_stmt_status(st, SQLITE_STMTSTATUS_REPREPARE,
	    0) != again) {
		*why = "its schema changed";
		ok = 0;
	}
	sqlite3_reset(st);
	if (ok == 1 && rc != SQLITE_DONE)
		return load_fail(m, "change log");
	return ok;
}

static int
load_step(struct migcheck *m, int which, const char *what)
{
	sqlite3_stmt *st = m->stmt[which];
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : load_fail(m, what);
}

/* Everything, and where the log stands, in one read transaction. */
static int
load_all(struct migcheck *m)
{
	sqlite3_stmt *st = m->stmt[LOAD_LAST];
	int rc = SQLITE_ERROR, failed;

	mem_clear(&m->mem);
	m->seen_seq = 0;
	if (load_step(m, LOAD_BEGIN, "begin") == -1)
		return -1;
	failed = load_table(m, LOAD_POOLS, LOAD_KIND_POOL) == -1 ||
	    load_table(m, LOAD_HOSTS, LOAD_KIND_HOST) == -1 ||
	    load_table(m, LOAD_VMS, LOAD_KIND_VM) == -1;
	if (!failed && (rc = sqlite3_step(st)) == SQLITE_ROW)
		load_remember(m, st);
	sqlite3_reset(st);
	if (!failed && rc != SQLITE_ROW && rc != SQLITE_DONE)
		failed = load_fail(m, "change log");
	if (load_step(m, LOAD_END, "end") == -1)
		failed = 1;
	if (failed)
		return -1;
	m->loads++;
	return 0;
}

/*
 * The refresh.  On failure the snapshot is dropped, so that the next
 * request reads everything again rather than answer from half of it.
 */
int
load_refresh(struct migcheck *m)
{
	const char *why = "to compact";
	int rc = 0;

	if (m->loaded && !mem_wants_compaction(&m->mem) &&
	    (rc = load_changes(m, &why)) == 1)
		goto done;
	if (rc != -1) {
		if (m->loaded)
			log_info("reading the whole database again (%s)",
			    why);
		rc = load_all(m);
	}
done:
	if (rc == -1) {
		mem_clear(&m->mem);
		m->loaded = 0;
		return -1;
	}
	m->loaded = 1;
	m->refreshes++;
	return 0;
}
