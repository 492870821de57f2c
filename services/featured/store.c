/*
 * featured's reads and writes of the database.  Every statement is
 * prepared and bound; no SQL is ever built from input.  Each statement
 * is compiled once and kept (db_stmt(), keyed by its literal's address):
 * compiling was nearly half of what a VM.start cost.  A kept statement
 * is never finalized here, only reset when its caller is done with it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "featured.h"
#include "jsonutil.h"

static int
store_fail(struct featured *f, sqlite3_stmt *st, const char *what)
{
	snprintf(f->dberr, sizeof(f->dberr), "%s: %s", what,
	    sqlite3_errmsg(f->db));
	db_stmt_done(st);
	return -1;
}

/*
 * The kept statement of sql (a literal), its parameters bound from a
 * format: 's' text (NULL binds NULL), 'f' a struct optfs * (absent binds
 * NULL), 'F' a struct featureset *, 'i' a long long.
 */
static sqlite3_stmt *
store_stmt(struct featured *f, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *st;
	char buf[FS_STRING_MAX];
	const struct optfs *o;
	const char *s;
	va_list ap;
	int i, bind = SQLITE_OK;

	if (db_stmt(f->db, sql, &st, f->dberr, sizeof(f->dberr)) == -1)
		return NULL;
	va_start(ap, fmt);
	for (i = 1; bind == SQLITE_OK && fmt[i - 1]; i++) {
		switch (fmt[i - 1]) {
		case 's':
			s = va_arg(ap, const char *);
			bind = s ? sqlite3_bind_text(st, i, s, -1,
			    SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);
			break;
		case 'f':
			o = va_arg(ap, const struct optfs *);
			if (!o->present) {
				bind = sqlite3_bind_null(st, i);
				break;
			}
			fs_format(&o->fs, buf);
			bind = sqlite3_bind_text(st, i, buf, -1,
			    SQLITE_TRANSIENT);
			break;
		case 'F':
			fs_format(va_arg(ap, const struct featureset *), buf);
			bind = sqlite3_bind_text(st, i, buf, -1,
			    SQLITE_TRANSIENT);
			break;
		case 'i':
			bind = sqlite3_bind_int64(st, i,
			    va_arg(ap, long long));
			break;
		}
	}
	va_end(ap);
	if (bind != SQLITE_OK) {
		store_fail(f, st, "bind");
		return NULL;
	}
	return st;
}

/* Run a statement that returns no rows. */
static int
store_exec(struct featured *f, sqlite3_stmt *st, const char *what)
{
	if (st == NULL)
		return -1;
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(f, st, what);
	db_stmt_done(st);
	return 0;
}

/* Step to the one row of a look-up: 1 row, 0 none, -1 error. */
static int
store_row(struct featured *f, sqlite3_stmt *st, const char *what)
{
	int step;

	if (st == NULL)
		return -1;
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		return 1;
	if (step == SQLITE_DONE) {
		db_stmt_done(st);
		return 0;
	}
	return store_fail(f, st, what);
}

/*
 * A look-up by id: st's one row given to read, which fills rec (-1 with
 * f->dberr when a stored value is unreadable): 1 read, 0 no row, -1.
 */
static int
store_get(struct featured *f, sqlite3_stmt *st, const char *what,
    int (*read)(struct featured *, sqlite3_stmt *, void *), void *rec)
{
	int found;

	if ((found = store_row(f, st, what)) != 1)
		return found;
	found = read(f, st, rec) == -1 ? -1 : 1;
	db_stmt_done(st);
	return found;
}

static void
utc_now(char buf[32])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* -1 when a stored set is unreadable (f->dberr says which). */
static int
host_from_row(struct featured *f, sqlite3_stmt *st, void *h)
{
	memset(h, 0, sizeof(struct host_rec));
	return rec_host_from_row(st, 0, REC_HOST_WHOLE, h, f->dberr,
	    sizeof(f->dberr));
}

int
store_host_get(struct featured *f, const char *id, struct host_rec *h)
{
	return store_get(f, store_stmt(f, "SELECT " REC_HOST_COLS " FROM host "
	    "WHERE id = ?", "s", id), "host", host_from_row, h);
}

int
store_host_cpu_info(struct featured *f, const char *id, struct cpuinfo *ci)
{
	struct json_object *o;
	sqlite3_stmt *st;
	const char *text;
	char why[128];
	int found, parsed;

	cpuinfo_init(ci);
	st = store_stmt(f, "SELECT cpu_info FROM host WHERE id = ?", "s", id);
	if ((found = store_row(f, st, "host cpu_info")) != 1)
		return found;
	text = (const char *)sqlite3_column_text(st, 0);
	o = json_parse_stored(text, strlen(text), why, sizeof(why));
	parsed = o ? cpuinfo_from_json(ci, o, why, sizeof(why)) : -1;
	json_object_put(o);
	db_stmt_done(st);
	if (parsed == -1) {
		snprintf(f->dberr, sizeof(f->dberr), "host %s: stored "
		    "cpu_info unreadable: %s", id, why);
		return -1;
	}
	return 1;
}

/* An update first: REPLACE would delete the row and orphan its VMs. */
int
store_host_put(struct featured *f, const struct host_rec *h,
    const char *cpu_info_json)
{
	char now[32];

	utc_now(now);
	if (store_exec(f, store_stmt(f, "UPDATE host SET vendor = ?, "
	    "hvm_capable = ?, features_pv = ?, features_hvm = ?, "
	    "features_pv_host = ?, features_hvm_host = ?, cpu_info = ?, "
	    "cpu_count = ?, socket_count = ?, booted_at = ? WHERE id = ?",
	    "siffffsiiss", h->vendor, (long long)h->hvm_capable, &h->pv,
	    &h->hvm, &h->pv_host, &h->hvm_host, cpu_info_json, h->cpu_count,
	    h->socket_count, now, h->id), "host update") == -1)
		return -1;
	if (sqlite3_changes(f->db) > 0)
		return 0;
	return store_exec(f, store_stmt(f, "INSERT INTO host (id, vendor, "
	    "hvm_capable, features_pv, features_hvm, features_pv_host, "
	    "features_hvm_host, cpu_info, cpu_count, socket_count, booted_at) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "ssiffffsiis", h->id,
	    h->vendor, (long long)h->hvm_capable, &h->pv, &h->hvm, &h->pv_host,
	    &h->hvm_host, cpu_info_json, h->cpu_count, h->socket_count, now),
	    "host insert");
}

int
store_host_set_pool(struct featured *f, const char *host, const char *pool)
{
	return store_exec(f, store_stmt(f, "UPDATE host SET pool_id = ? "
	    "WHERE id = ?", "ss", pool, host), "host pool");
}

int
store_host_delete(struct featured *f, const char *host)
{
	return store_exec(f, store_stmt(f, "DELETE FROM host WHERE id = ?",
	    "s", host), "host delete");
}

int
store_host_resident_vms(struct featured *f, const char *host)
{
	sqlite3_stmt *st;
	int found, n;

	/*
	 * Resident means running there (xapi's resident_on): a suspended VM
	 * is resident nowhere, and its fixed set travels with it.
	 */
	st = store_stmt(f, "SELECT count(*) FROM vm WHERE host_id = ? AND "
	    "power_state = 'running'", "s", host);
	if ((found = store_row(f, st, "resident VMs")) != 1)
		return found;
	n = sqlite3_column_int(st, 0);
	db_stmt_done(st);
	return n;
}

static int
pool_from_row(struct featured *f, sqlite3_stmt *st, void *p)
{
	return rec_pool_from_row(st, p, f->dberr, sizeof(f->dberr));
}

int
store_pool_get(struct featured *f, const char *id, struct pool_rec *p)
{
	return store_get(f, store_stmt(f, "SELECT " REC_POOL_COLS " FROM pool "
	    "WHERE id = ?", "s", id), "pool", pool_from_row, p);
}

int
store_pool_put(struct featured *f, const struct pool_rec *p)
{
	if (store_exec(f, store_stmt(f, "UPDATE pool SET vendor = ?, "
	    "features_pv_host = ?, features_hvm_host = ?, features_pv = ?, "
	    "features_hvm = ?, cpu_count = ?, socket_count = ? WHERE id = ?",
	    "sFFFFiis", p->vendor, &p->pv_host, &p->hvm_host, &p->pv, &p->hvm,
	    p->cpu_count, p->socket_count, p->id), "pool update") == -1)
		return -1;
	if (sqlite3_changes(f->db) > 0)
		return 0;
	return store_exec(f, store_stmt(f, "INSERT INTO pool (id, vendor, "
	    "features_pv_host, features_hvm_host, features_pv, features_hvm, "
	    "cpu_count, socket_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	    "ssFFFFii", p->id, p->vendor, &p->pv_host, &p->hvm_host, &p->pv,
	    &p->hvm, p->cpu_count, p->socket_count), "pool insert");
}

int
store_pool_delete(struct featured *f, const char *id)
{
	return store_exec(f, store_stmt(f, "DELETE FROM pool WHERE id = ?",
	    "s", id), "pool delete");
}

int
store_pool_members(struct featured *f, const char *pool,
    int (*fn)(const struct host_rec *, void *), void *arg)
{
	struct host_rec h;
	sqlite3_stmt *st;
	int step;

	st = store_stmt(f, "SELECT " REC_HOST_COLS " FROM host WHERE "
	    "pool_id = ? ORDER BY id", "s", pool);
	if (st == NULL)
		return -1;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (host_from_row(f, st, &h) == -1 || fn(&h, arg) == -1) {
			db_stmt_done(st);
			return -1;
		}
	}
	if (step != SQLITE_DONE)
		return store_fail(f, st, "pool members");
	db_stmt_done(st);
	return 0;
}

int
store_history_add(struct featured *f, const char *pool, const char *event,
    const char *host, const struct pool_rec *old, const struct pool_rec *new)
{
	char now[32];

	utc_now(now);
	return store_exec(f, store_stmt(f, "INSERT INTO level_history "
	    "(pool_id, at, event, host_id, features_pv_host_old, "
	    "features_pv_host_new, features_hvm_host_old, "
	    "features_hvm_host_new) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	    "ssssFFFF", pool, now, event, host, &old->pv_host, &new->pv_host,
	    &old->hvm_host, &new->hvm_host), "history insert");
}

int
store_history_list(struct featured *f, const char *pool, int limit,
    struct json_object *out)
{
	static const char *const cols[] = { "seq", "at", "event", "host",
	    "features_pv_host_old", "features_pv_host_new",
	    "features_hvm_host_old", "features_hvm_host_new" };
	struct json_object *e;
	struct featureset fs;
	sqlite3_stmt *st;
	const unsigned char *t;
	char seq[24];
	size_t i;
	int step;

	st = store_stmt(f, "SELECT seq, at, event, host_id, "
	    "features_pv_host_old, features_pv_host_new, "
	    "features_hvm_host_old, features_hvm_host_new FROM level_history "
	    "WHERE pool_id = ? ORDER BY seq DESC LIMIT ?", "si", pool,
	    (long long)limit);
	if (st == NULL)
		return -1;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		/* Handed out as stored, so each must be a featureset. */
		snprintf(seq, sizeof(seq), "%lld",
		    (long long)sqlite3_column_int64(st, 0));
		for (i = 4; i < sizeof(cols) / sizeof(cols[0]); i++)
			if (rec_column_fs(st, (int)i, "level_history", seq,
			    &fs, NULL, f->dberr, sizeof(f->dberr)) == -1) {
				db_stmt_done(st);
				return -1;
			}
		e = json_object_new_object();
		json_object_object_add(e, cols[0],
		    json_object_new_int64(sqlite3_column_int64(st, 0)));
		for (i = 1; i < sizeof(cols) / sizeof(cols[0]); i++) {
			t = sqlite3_column_text(st, (int)i);
			json_object_object_add(e, cols[i], t ?
			    json_object_new_string((const char *)t) : NULL);
		}
		json_object_array_add(out, e);
	}
	if (step != SQLITE_DONE)
		return store_fail(f, st, "history");
	db_stmt_done(st);
	return 0;
}

/*
 * Strict: featured would write the row back, and must not turn a state
 * it cannot read into one it made up.
 */
static int
vm_from_row(struct featured *f, sqlite3_stmt *st, void *vm)
{
	memset(vm, 0, sizeof(struct vm_rec));
	return rec_vm_from_row(st, 0, REC_VM_NAMES | REC_VM_STRICT, vm,
	    f->dberr, sizeof(f->dberr));
}

int
store_vm_get(struct featured *f, const char *id, struct vm_rec *vm)
{
	return store_get(f, store_stmt(f, "SELECT " REC_VM_COLS " FROM vm "
	    "WHERE id = ?", "s", id), "vm", vm_from_row, vm);
}

int
store_vm_put(struct featured *f, const struct vm_rec *vm)
{
	const char *host = vm->host[0] ? vm->host : NULL;
	const char *vendor = vm->has_vendor ? vm->vendor : NULL;

	if (store_exec(f, store_stmt(f, "UPDATE vm SET host_id = ?, "
	    "domain_type = ?, power_state = ?, vendor = ?, features = ?, "
	    "legacy = ? WHERE id = ?", "ssssfis", host,
	    domain_type_name(vm->domain_type),
	    power_state_name(vm->power_state), vendor, &vm->features, (long long)vm->legacy,
	    vm->id), "vm update") == -1)
		return -1;
	if (sqlite3_changes(f->db) > 0)
		return 0;
	return store_vm_add(f, vm);
}

int
store_vm_add(struct featured *f, const struct vm_rec *vm)
{
	const char *host = vm->host[0] ? vm->host : NULL;
	const char *vendor = vm->has_vendor ? vm->vendor : NULL;

	return store_exec(f, store_stmt(f, "INSERT INTO vm (id, host_id, "
	    "domain_type, power_state, vendor, features, legacy) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?)", "sssssfi", vm->id, host,
	    domain_type_name(vm->domain_type),
	    power_state_name(vm->power_state), vendor, &vm->features,
	    (long long)vm->legacy), "vm insert");
}

int
store_vm_delete(struct featured *f, const char *id)
{
	return store_exec(f, store_stmt(f, "DELETE FROM vm WHERE id = ?",
	    "s", id), "vm delete");
}

int
store_host_clear_vms(struct featured *f, const char *host)
{
	return store_exec(f, store_stmt(f, "UPDATE vm SET host_id = NULL "
	    "WHERE host_id = ?", "s", host), "host VMs");
}

int
store_inventory(struct featured *f, int after_kind, const char *after_id,
    int limit, int (*fn)(int, const char *, void *), void *arg)
{
	sqlite3_stmt *st;
	int step;

	/* Each table's primary key index gives its ids in order. */
	st = store_stmt(f, "SELECT k, id FROM (SELECT 0 AS k, id FROM pool "
	    "UNION ALL SELECT 1, id FROM host UNION ALL SELECT 2, id FROM vm) "
	    "WHERE k > ? OR (k = ? AND id > ?) ORDER BY k, id LIMIT ?",
	    "iisi", (long long)after_kind, (long long)after_kind, after_id,
	    (long long)limit);
	if (st == NULL)
		return -1;
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(sqlite3_column_int(st, 0),
		    (const char *)sqlite3_column_text(st, 1), arg) == -1) {
			db_stmt_done(st);
			return -1;
		}
	if (step != SQLITE_DONE)
		return store_fail(f, st, "inventory");
	db_stmt_done(st);
	return 0;
}
