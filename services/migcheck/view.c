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
 * The columns a check reads come first, in the order vm_from_row() and
 * host_from_row() take them; a statement adds what only it needs after
 * them.  A check selects nothing it does not use: sqlite copies every
 * text column of a row into memory it allocates, and frees it again at
 * the reset.
 */
#define VM_COLS		"domain_type, power_state, vendor, features, legacy"
#define VM_NCOLS	5
#define HOST_COLS	"vendor, features_pv, features_hvm, hvm_capable"
#define HOST_NCOLS	4

static const char *const view_sql[VIEW_NSTMTS] = {
	/* No row: no such VM; a NULL host.rowid: no such host. */
	[VIEW_PAIR] = "SELECT vm.domain_type, vm.power_state, vm.vendor, "
	    "vm.features, vm.legacy, host.vendor, host.features_pv, "
	    "host.features_hvm, host.hvm_capable, host.rowid "
	    "FROM vm LEFT JOIN host ON host.id = ?2 WHERE vm.id = ?1",
	[VIEW_VM] = "SELECT " VM_COLS ", host_id FROM vm WHERE id = ?",
	[VIEW_HOST] = "SELECT " HOST_COLS ", pool_id FROM host WHERE id = ?",
	[VIEW_POOL_HOSTS] = "SELECT " HOST_COLS ", pool_id, id FROM host "
	    "WHERE pool_id = ? ORDER BY id",
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

/*
 * A featureset column of row id of table into *fs, *present set: -1 when
 * the stored text does not parse, with m->dberr naming the row.  Read as
 * empty it would constrain nothing, and "incompatible" become
 * "compatible".
 */
static int
col_fs(struct migcheck *m, sqlite3_stmt *st, int col, const char *table,
    const char *id, struct featureset *fs, int *present)
{
	if ((*present = db_column_fs(st, col, fs)) != -1)
		return 0;
	db_fs_unreadable(st, col, table, id, m->dberr, sizeof(m->dberr));
	return -1;
}

/* VM_COLS from column 0; -1 if its set is unreadable. */
static int
vm_from_row(struct migcheck *m, sqlite3_stmt *st, struct vm_view *vm)
{
	/*
	 * The schema's CHECKs hold both to names the enums parse; should one
	 * not, the VM is taken to run as HVM, the kind with the most to
	 * check, rather than halted, which would pass every check.
	 */
	if (domain_type_parse((const char *)sqlite3_column_text(st, 0),
	    &vm->domain_type) == -1)
		vm->domain_type = DOMAIN_HVM;
	if (power_state_parse((const char *)sqlite3_column_text(st, 1),
	    &vm->power_state) == -1)
		vm->power_state = POWER_RUNNING;
	vm->has_vendor = sqlite3_column_type(st, 2) != SQLITE_NULL;
	db_column_text(st, 2, vm->vendor, sizeof(vm->vendor));
	vm->legacy = sqlite3_column_int(st, 4);
	return col_fs(m, st, 3, "vm", vm->id, &vm->features,
	    &vm->has_features);
}

/* Which of a host's max sets to parse: a check needs one kind only. */
#define HOST_SET_PV	1
#define HOST_SET_HVM	2

/* HOST_COLS from column first, h->id set; -1 if a set is unreadable. */
static int
host_from_row(struct migcheck *m, sqlite3_stmt *st, int first, int sets,
    struct host_view *h)
{
	/* Host.boot stores only a cpu_info with a vendor. */
	h->has_vendor = 1;
	db_column_text(st, first, h->vendor, sizeof(h->vendor));
	h->hvm_capable = sqlite3_column_int(st, first + 3);
	if ((sets & HOST_SET_PV) && col_fs(m, st, first + 1, "host", h->id,
	    &h->pv, &h->has_pv) == -1)
		return -1;
	if ((sets & HOST_SET_HVM) && col_fs(m, st, first + 2, "host", h->id,
	    &h->hvm, &h->has_hvm) == -1)
		return -1;
	return 0;
}

int
view_vm(struct migcheck *m, const char *id, struct vm_view *vm)
{
	sqlite3_stmt *st = view_bind(m, VIEW_VM, id, NULL);
	int rc;

	if ((rc = view_step(m, st)) != 1)
		return rc;
	memset(vm, 0, sizeof(*vm));
	strlcpy(vm->id, id, sizeof(vm->id));
	rc = vm_from_row(m, st, vm) == -1 ? -1 : 1;
	db_column_text(st, VM_NCOLS, vm->host, sizeof(vm->host));
	sqlite3_reset(st);
	return rc;
}

int
view_pair(struct migcheck *m, const char *vm_id, const char *host_id,
    struct vm_view *vm, struct host_view *h)
{
	sqlite3_stmt *st = view_bind(m, VIEW_PAIR, vm_id, host_id);
	int found = VIEW_FOUND_VM, rc;

	if ((rc = view_step(m, st)) != 1)
		return rc;		/* -1, or 0: no such VM */
	memset(vm, 0, sizeof(*vm));
	memset(h, 0, sizeof(*h));
	strlcpy(vm->id, vm_id, sizeof(vm->id));
	if (vm_from_row(m, st, vm) == -1)
		found = -1;
	else if (sqlite3_column_type(st, VM_NCOLS + HOST_NCOLS) !=
	    SQLITE_NULL) {
		found |= VIEW_FOUND_HOST;
		strlcpy(h->id, host_id, sizeof(h->id));
		if (host_from_row(m, st, VM_NCOLS,
		    domain_is_hvm(vm->domain_type) ? HOST_SET_HVM :
		    HOST_SET_PV, h) == -1)
			found = -1;
	}
	sqlite3_reset(st);
	return found;
}

int
view_host(struct migcheck *m, const char *id, struct host_view *h)
{
	sqlite3_stmt *st = view_bind(m, VIEW_HOST, id, NULL);
	int rc;

	if ((rc = view_step(m, st)) != 1)
		return rc;
	memset(h, 0, sizeof(*h));
	strlcpy(h->id, id, sizeof(h->id));
	rc = host_from_row(m, st, 0, HOST_SET_PV | HOST_SET_HVM, h) == -1 ?
	    -1 : 1;
	db_column_text(st, HOST_NCOLS, h->pool, sizeof(h->pool));
	sqlite3_reset(st);
	return rc;
}

int
view_pool_hosts(struct migcheck *m, const char *pool,
    int (*fn)(const struct host_view *, void *), void *arg)
{
	sqlite3_stmt *st = view_bind(m, VIEW_POOL_HOSTS, pool, NULL);
	struct host_view h;
	int rc;

	while ((rc = view_step(m, st)) == 1) {
		memset(&h, 0, sizeof(h));
		db_column_text(st, HOST_NCOLS, h.pool, sizeof(h.pool));
		db_column_text(st, HOST_NCOLS + 1, h.id, sizeof(h.id));
		if (host_from_row(m, st, 0, HOST_SET_PV | HOST_SET_HVM,
		    &h) == -1) {
			sqlite3_reset(st);
			return -1;
		}
		fn(&h, arg);
	}
	return rc;
}
