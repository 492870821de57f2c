/*
 * migcheck's answers, from the snapshot in memory (mem.c), kept exact.
 *
 * Exact means: an answer reflects every commit made before the request
 * was sent, and one committed state, never a mix of two.  sqlite itself
 * publishes each commit, in shared memory, before the commit returns
 * and so before any writer can acknowledge it: the header of the WAL
 * index (the -shm file beside the database, mapped by every connection;
 * its format is fixed for all sqlite versions since 3.7.0, see
 * https://www.sqlite.org/walformat.html, "The WAL-Index Header").  Each
 * commit, by featured or by anyone else (an operator's sqlite3, a
 * restore), changes it: its change counter, the last valid frame, the
 * salts.  So before each answer migcheck compares its 48 bytes with the
 * copy it took before its last refresh: while they are equal nothing
 * was committed, and the snapshot is the database.  When they differ,
 * load.c reads what changed in one read transaction.  The comparison
 * costs a few dozen instructions and no system call.
 *
 * The copy is taken before the refresh's read transaction begins, so a
 * commit racing with the refresh is at worst read twice, never missed.
 * Where the header cannot be mapped, every request refreshes: exact
 * still, and as costly as reading the database was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "log.h"
#include "migcheck.h"
#include "strlcpy.h"

/* sqlite's WALINDEX_PGSZ and the header's iVersion (walformat.html). */
#define WALINDEX_REGION		32768
#define WALINDEX_VERSION	3007000

/*
 * The header of the connection's own mapping of the WAL index, through
 * the VFS methods sqlite exports (SQLITE_FCNTL_FILE_POINTER, xShmMap):
 * no second descriptor on the -shm file, whose closing would drop the
 * connection's POSIX locks on it.  Valid until the connection closes.
 */
static int
view_is_wal(struct migcheck *m)
{
	sqlite3_stmt *st;
	const char *mode;
	int wal = 0;

	if (sqlite3_prepare_v2(m->db, "PRAGMA journal_mode", -1, &st,
	    NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (mode = (const char *)sqlite3_column_text(st, 0)) != NULL)
		wal = sqlite3_stricmp(mode, "wal") == 0;
	sqlite3_finalize(st);
	return wal;
}

static void
view_map_walhdr(struct migcheck *m)
{
	sqlite3_file *fp = NULL;
	void volatile *p = NULL;
	int rc;

	/* Mapping would create a -shm beside a database not in WAL mode. */
	if (!view_is_wal(m))
		goto none;
	if (sqlite3_file_control(m->db, "main", SQLITE_FCNTL_FILE_POINTER,
	    &fp) != SQLITE_OK || fp == NULL || fp->pMethods == NULL ||
	    fp->pMethods->iVersion < 2 || fp->pMethods->xShmMap == NULL)
		goto none;
	rc = fp->pMethods->xShmMap(fp, 0, WALINDEX_REGION, 0, &p);
	/* A read-only -shm maps all the same, and says so. */
	if ((rc != SQLITE_OK && rc != SQLITE_READONLY) || p == NULL ||
	    ((const volatile uint32_t *)p)[0] != WALINDEX_VERSION)
		goto none;
	m->walhdr = p;
	return;
none:
	log_warnx("database %s: sqlite's WAL index is not mapped: reading "
	    "the change log before every answer", m->db_path);
}

static void
view_mark(const struct migcheck *m, uint32_t mark[VIEW_MARK_WORDS])
{
	int i;

	for (i = 0; i < VIEW_MARK_WORDS; i++)
		mark[i] = m->walhdr ? m->walhdr[i] : 0;
}

void
view_close(struct migcheck *m)
{
	load_finalize(m);
	mem_clear(&m->mem);
	m->loaded = 0;
	m->walhdr = NULL;
	db_close(m->db);
	m->db = NULL;
}

/*
 * Opened lazily: migcheck may start before featured has ever created the
 * database, and answers "no database" until it exists.  Read whole at
 * once, so that the first answer costs no more than the others.
 */
int
view_open(struct migcheck *m)
{
	if (m->db)
		return 0;
	if (db_open(m->db_path, DB_READONLY, &m->db, m->dberr,
	    sizeof(m->dberr)) == -1)
		return -1;
	/*
	 * A page cache of 32 pages: answers come from memory, a refresh
	 * reads a few pages, and the whole database is read once, in
	 * order.  sqlite empties its cache at the first read after any
	 * other connection's commit anyway, so a larger one would hold
	 * nothing a refresh could use.  (A pragma takes no bound
	 * parameter; this text is constant.)
	 */
	if (sqlite3_exec(m->db, "PRAGMA cache_size = 32", NULL, NULL,
	    NULL) != SQLITE_OK)
		log_warnx("cannot size the page cache: %s",
		    sqlite3_errmsg(m->db));
	if (load_prepare(m) == -1 || load_refresh(m) == -1) {
		view_close(m);
		return -1;
	}
	view_map_walhdr(m);
#ifdef CPULEVEL_TEST_HOOKS
	/* tests/test_exact.c shows that its check can fail (test builds). */
	m->ignore_commits = getenv("CPULEVEL_TEST_IGNORE_COMMITS") != NULL;
#endif
	log_info("database %s open: %zu hosts, %zu pools, %u VMs in %zu "
	    "KiB", m->db_path, m->mem.nhosts, m->mem.npools, m->mem.nvms,
	    mem_bytes(&m->mem) / 1024);
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

/*
 * The one rule that brings the snapshot up to date, for a check and
 * ahead of one (follow.c): unchanged while the WAL index's header is;
 * else brought up to date, the header copied first.  Whatever woke the
 * ahead call (an event of featured's) is only a hint: this looks for
 * itself, and a check after a commit no event told of refreshes here.
 */
static int
view_sync(struct migcheck *m, int ahead)
{
	uint32_t now[VIEW_MARK_WORDS];

	view_check_file(m);
	if (view_open(m) == -1)
		return -1;
	view_mark(m, now);
	if (m->loaded && m->walhdr != NULL &&
	    (m->ignore_commits || memcmp(now, m->mark, sizeof(now)) == 0))
		return 0;
	if (load_refresh(m) == -1)
		return -1;
	memcpy(m->mark, now, sizeof(now));
	/* Counted and logged (at -v) for bench/ and tests/test_exact.c. */
	if (ahead) {
		m->refreshed_ahead++;
		log_debug("refreshed ahead of a check");
	} else {
		m->refreshed_on_check++;
		log_debug("refreshed on a check");
	}
	return 0;
}

/* Before every answer: the snapshot as of now. */
static int
view_current(struct migcheck *m)
{
	return view_sync(m, 0);
}

/* From the loop, no client waiting: what the next check would do. */
int
view_ahead(struct migcheck *m)
{
	return view_sync(m, 1);
}

static int
view_refused(struct migcheck *m, const char *err)
{
	strlcpy(m->dberr, err, sizeof(m->dberr));
	return -1;
}

int
view_vm(struct migcheck *m, const char *id, struct vm_rec *vm)
{
	const char *err;
	int rc;

	if (view_current(m) == -1)
		return -1;
	if ((rc = mem_vm_get(&m->mem, id, vm, &err)) == -1)
		return view_refused(m, err);
	return rc;
}

int
view_pair(struct migcheck *m, const char *vm_id, const char *host_id,
    struct vm_rec *vm, struct host_rec *h)
{
	const struct mem_host *mh;
	const char *err;
	int rc;

	if (view_current(m) == -1)
		return -1;
	if ((rc = mem_vm_get(&m->mem, vm_id, vm, &err)) != 1)
		return rc == -1 ? view_refused(m, err) : 0;
	memset(h, 0, sizeof(*h));
	if ((mh = mem_host_get(&m->mem, host_id)) == NULL)
		return VIEW_FOUND_VM;
	/* A check needs the host's set of the VM's kind only. */
	if (mem_host_rec(&m->mem, mh, domain_is_hvm(vm->domain_type) ?
	    REC_HOST_HVM : REC_HOST_PV, h, &err) == -1)
		return view_refused(m, err);
	return VIEW_FOUND_VM | VIEW_FOUND_HOST;
}

/* A host with its names, both max sets: what a list of checks needs. */
#define VIEW_HOST_READ	(REC_HOST_PV | REC_HOST_HVM)

int
view_host(struct migcheck *m, const char *id, struct host_rec *h)
{
	const struct mem_host *mh;
	const char *err;

	if (view_current(m) == -1)
		return -1;
	if ((mh = mem_host_get(&m->mem, id)) == NULL)
		return 0;
	memset(h, 0, sizeof(*h));
	if (mem_host_rec(&m->mem, mh, VIEW_HOST_READ, h, &err) == -1)
		return view_refused(m, err);
	return 1;
}

int
view_pool_hosts(struct migcheck *m, const char *pool,
    int (*fn)(const struct host_rec *, void *), void *arg)
{
	const struct mem_host **v;
	struct host_rec h;
	const char *err;
	size_t i, n;

	if (view_current(m) == -1)
		return -1;
	if ((v = mem_pool_hosts(&m->mem, pool, &n)) == NULL)
		return view_refused(m, "out of memory");
	for (i = 0; i < n; i++) {
		memset(&h, 0, sizeof(h));
		if (mem_host_rec(&m->mem, v[i], VIEW_HOST_READ, &h,
		    &err) == -1) {
			free(v);
			return view_refused(m, err);
		}
		fn(&h, arg);
	}
	free(v);
	return 0;
}

int
view_pool(struct migcheck *m, const char *id, struct pool_rec *p)
{
	const struct mem_pool *mp;

	if (view_current(m) == -1)
		return -1;
	if ((mp = mem_pool_get(&m->mem, id)) == NULL)
		return 0;
	*p = mp->rec;
	return mp->err ? view_refused(m, mp->err) : 1;
}
