/*
 * migcheck's reads.  Statements are prepared once and reset after every
 * use: a statement left un-reset would hold its read transaction open and
 * pin an old WAL snapshot, and featured's later commits would go unseen.
 * Each look-up is by primary key, so its cost does not grow with the
 * number of hosts or VMs.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "log.h"
#include "migcheck.h"
#include "strlcpy.h"

/*
 * Each statement selects the columns lib/records.h lists, or a prefix:
 * a check selects nothing it does not use, since sqlite copies every
 * text column of a row into memory it allocates, and frees it again at
 * the reset.
 */
static const char *const view_sql[VIEW_NSTMTS] = {
	/*
	 * REC_VM_CHECK_COLS, then REC_HOST_CHECK_COLS: no row, no such VM;
	 * a NULL host.rowid, no such host.
	 */
	[VIEW_PAIR] = "SELECT vm.domain_type, vm.power_state, vm.vendor, "
	    "vm.features, vm.legacy, host.vendor, host.hvm_capable, "
	    "host.features_pv, host.features_hvm, host.rowid "
	    "FROM vm LEFT JOIN host ON host.id = ?2 WHERE vm.id = ?1",
	[VIEW_VM] = "SELECT " REC_VM_COLS " FROM vm WHERE id = ?",
	[VIEW_HOST] = "SELECT " REC_HOST_NAME_COLS " FROM host WHERE id = ?",
	[VIEW_POOL_HOSTS] = "SELECT " REC_HOST_NAME_COLS " FROM host "
	    "WHERE pool_id = ? ORDER BY id",
	[VIEW_POOL] = "SELECT " REC_POOL_COLS " FROM pool WHERE id = ?",
};

void
view_close(struct migcheck *m)
{
	int i;

	for (i = 0; i < VIEW_NSTMTS; i++) {
		sqlite3_finalize(m->stmt[i]);
		m->stmt[i] = NULL;
	}
	db_close(m->db);
	m->db = NULL;
}

/*
 * Opened lazily: migcheck may start before featured has ever created the
 * database, and answers "no database" until it exists.
 */
int
view_open(struct migcheck *m)
{
	int i;

	if (m->db)
		return 0;
	if (db_open(m->db_path, DB_READONLY, &m->db, m->dberr,
	    sizeof(m->dberr)) == -1)
		return -1;
	/*
	 * 8 MiB of page cache (sqlite's default is 2): a pool of a hundred
	 * hosts and tens of thousands of VMs stays in memory, and a larger
	 * one keeps its upper B-tree pages, within the 16 MiB migcheck may
	 * use.  (A pragma takes no bound parameter; this text is constant.)
	 */
	if (sqlite3_exec(m->db, "PRAGMA cache_size = -8192", NULL, NULL,
	    NULL) != SQLITE_OK)
		log_warnx("cannot enlarge the page cache: %s",
		    sqlite3_errmsg(m->db));
	for (i = 0; i < VIEW_NSTMTS; i++)
		if (db_prepare(m->db, view_sql[i], &m->stmt[i], m->dberr,
		    sizeof(m->dberr)) == -1) {
			view_close(m);
			return -1;
		}
	log_info("database %s open", m->db_path);
	return 0;
}

/*
 * At most once a second, on a request: is the file open still the one at
 * the path?  After an operator deleted the database, or moved another
 * over it (a restore, featured restarted on a fresh one), the open file
 * is one nobody writes any more, and every answer from it would be stale
 * for good.  Closing lets view_open() take whatever is at the path now,
 * or answer "no database" while there is none.  Once a second bounds
 * the cost (one stat) and how long the stale file is believed.
 */
#define VIEW_CHECK_SECS	1

static void
view_check_file(struct migcheck *m)
{
	struct timespec now;
	char why[512];

	if (m->db == NULL)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (m->checked != 0 && now.tv_sec - m->checked < VIEW_CHECK_SECS)
		return;
	m->checked = now.tv_sec;
	if (db_same_file(m->db, why, sizeof(why)) == DB_FILE_SAME)
		return;
	log_warnx("%s: reopening", why);
	view_close(m);
}

/* The statement with its keys bound (they outlive the step). */
static sqlite3_stmt *
view_bind(struct migcheck *m, enum view_stmt which, const char *key,
    const char *key2)
{
	sqlite3_stmt *st;

	view_check_file(m);
	if (view_open(m) == -1)
		return NULL;
	st = m->stmt[which];
	if (sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC) != SQLITE_OK ||
	    (key2 && sqlite3_bind_text(st, 2, key2, -1,
	    SQLITE_STATIC) != SQLITE_OK)) {
		snprintf(m->dberr, sizeof(m->dberr), "bind: %s",
		    sqlite3_errmsg(m->db));
		sqlite3_reset(st);
		return NULL;
	}
	return st;
}

/* Step to the single row: 1, 0 for none (reset), -1 error (reset). */
static int
view_step(struct migcheck *m, sqlite3_stmt *st)
{
	int rc;

	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc != SQLITE_DONE)
		snprintf(m->dberr, sizeof(m->dberr), "read: %s",
		    sqlite3_errmsg(m->db));
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
view_vm(struct migcheck *m, const char *id, struct vm_rec *vm)
{
	sqlite3_stmt *st = view_bind(m, VIEW_VM, id, NULL);
	int rc;

	if ((rc = view_step(m, st)) != 1)
		return rc;
	memset(vm, 0, sizeof(*vm));
	rc = rec_vm_from_row(st, 0, REC_VM_NAMES, vm, m->dberr,
	    sizeof(m->dberr)) == -1 ? -1 : 1;
	sqlite3_reset(st);
	return rc;
}

int
view_pair(struct migcheck *m, const char *vm_id, const char *host_id,
    struct vm_rec *vm, struct host_rec *h)
{
	sqlite3_stmt *st = view_bind(m, VIEW_PAIR, vm_id, host_id);
	int found = VIEW_FOUND_VM, rc;

	if ((rc = view_step(m, st)) != 1)
		return rc;		/* -1, or 0: no such VM */
	memset(vm, 0, sizeof(*vm));
	memset(h, 0, sizeof(*h));
	strlcpy(vm->id, vm_id, sizeof(vm->id));
	if (rec_vm_from_row(st, 0, 0, vm, m->dberr, sizeof(m->dberr)) == -1)
		found = -1;
	else if (sqlite3_column_type(st, REC_VM_NCHECK + REC_HOST_NCHECK) !=
	    SQLITE_NULL) {
		found |= VIEW_FOUND_HOST;
		strlcpy(h->id, host_id, sizeof(h->id));
		/* A check needs the host's set of the VM's kind only. */
		if (rec_host_from_row(st, REC_VM_NCHECK,
		    domain_is_hvm(vm->domain_type) ? REC_HOST_HVM :
		    REC_HOST_PV, h, m->dberr, sizeof(m->dberr)) == -1)
			found = -1;
	}
	sqlite3_reset(st);
	return found;
}

/* A host with its names, both max sets: what a list of checks needs. */
#define VIEW_HOST_READ	(REC_HOST_PV | REC_HOST_HVM | REC_HOST_NAMES)

int
view_host(struct migcheck *m, const char *id, struct host_rec *h)
{
	sqlite3_stmt *st = view_bind(m, VIEW_HOST, id, NULL);
	int rc;

	if ((rc = view_step(m, st)) != 1)
		return rc;
	memset(h, 0, sizeof(*h));
	rc = rec_host_from_row(st, 0, VIEW_HOST_READ, h, m->dberr,
	    sizeof(m->dberr)) == -1 ? -1 : 1;
	sqlite3_reset(st);
	return rc;
}

int
view_pool_hosts(struct migcheck *m, const char *pool,
    int (*fn)(const struct host_rec *, void *), void *arg)
{
	sqlite3_stmt *st = view_bind(m, VIEW_POOL_HOSTS, pool, NULL);
	struct host_rec h;
	int rc;

	while ((rc = view_step(m, st)) == 1) {
		memset(&h, 0, sizeof(h));
		if (rec_host_from_row(st, 0, VIEW_HOST_READ, &h, m->dberr,
		    sizeof(m->dberr)) == -1) {
			sqlite3_reset(st);
			return -1;
		}
		fn(&h, arg);
	}
	return rc;
}

int
view_pool(struct migcheck *m, const char *id, struct pool_rec *p)
{
	sqlite3_stmt *st = view_bind(m, VIEW_POOL, id, NULL);
	int rc;

	if ((rc = view_step(m, st)) != 1)
		return rc;
	rc = rec_pool_from_row(st, p, m->dberr, sizeof(m->dberr)) == -1 ?
	    -1 : 1;
	sqlite3_reset(st);
	return rc;
}
