/*
 * The read-only lists an operator asks for: Host.get_all_records,
 * Pool.get_all_records and VM.get_all_records.  Each answers in one
 * message, so each is bounded: past LISTS_MAX rows it is refused
 * (-32603, naming the limit) rather than cut short, and a caller with
 * that many turns to Service.inventory's pages and the per-object
 * methods.  LISTS_MAX rows of the longest ids (64 characters) take
 * about 300 bytes each, 600 KB in all: under BUS_MAX_MESSAGE (1 MiB).
 */
#include <stdio.h>
#include <string.h>

#include "bus.h"
#include "db.h"
#include "featured.h"

#define LISTS_MAX	2000

/* A filter row the caller named must exist: HANDLE_INVALID otherwise. */
static int
lists_filter(struct featured *f, const char *pool, const char *host,
    struct rpc_error *err)
{
	struct pool_rec p;
	struct host_rec h;

	if (pool && pool_load(f, pool, &p, err) == -1)
		return -1;
	if (host && host_load(f, host, &h, err) == -1)
		return -1;
	return 0;
}

/* sql with ?1 pool, ?2 host (each NULL for no filter), ?3 the limit. */
static sqlite3_stmt *
lists_stmt(struct featured *f, const char *sql, const char *pool,
    const char *host)
{
	sqlite3_stmt *st;

	if (db_stmt(f->db, sql, &st, f->dberr, sizeof(f->dberr)) == -1)
		return NULL;
	if ((pool ? sqlite3_bind_text(st, 1, pool, -1, SQLITE_TRANSIENT) :
	    sqlite3_bind_null(st, 1)) != SQLITE_OK ||
	    (host ? sqlite3_bind_text(st, 2, host, -1, SQLITE_TRANSIENT) :
	    sqlite3_bind_null(st, 2)) != SQLITE_OK ||
	    sqlite3_bind_int(st, 3, LISTS_MAX + 1) != SQLITE_OK) {
		snprintf(f->dberr, sizeof(f->dberr), "bind: %s",
		    sqlite3_errmsg(f->db));
		db_stmt_done(st);
		return NULL;
	}
	return st;
}

static int
lists_too_many(struct rpc_error *err, const char *what)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "more than %d %s: the answer would pass "
	    "the %d-byte message limit; page with Service.inventory and ask "
	    "for each", LISTS_MAX, what, BUS_MAX_MESSAGE);
	rpc_error_internal(err, msg);
	return -1;
}

static const char *
col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? (const char *)s : "";
}

static struct json_object *
col_string_or_null(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return NULL;
	return json_object_new_string(col_text(st, i));
}

/*
 * How a list's column turns into a member of its row's object.  A
 * LIST_MEMBERS column makes an array when the row's object is made, and
 * every row adds its value to it (NULL adds nothing): the pool list has
 * one row per member.
 */
enum list_kind {
	LIST_TEXT,		/* a string, "" for NULL */
	LIST_TEXT_OR_NULL,	/* a string, or JSON null */
	LIST_BOOL,
	LIST_INT,
	LIST_MEMBERS
};

struct list_col {
	const char	*key;
	int		 col;
	enum list_kind	 kind;
};

#define LIST_COLS	5

/*
 * One list: its query (?1 pool, ?2 host, ?3 the limit; column 0 is the
 * id each row's object is filed under) and its members, in the order
 * the answer gives them.
 */
struct list_def {
	const char	*what;
	const char	*sql;
	struct list_col	 cols[LIST_COLS];
};

static const struct list_def list_hosts = {
	"hosts",
	"SELECT id, pool_id, vendor, hvm_capable, cpu_count, socket_count "
	"FROM host WHERE (?1 IS NULL OR pool_id = ?1) AND ?2 IS NULL "
	"ORDER BY id LIMIT ?3",
	{
		{ "pool",		1, LIST_TEXT_OR_NULL },
		{ "vendor",		2, LIST_TEXT },
		{ "hvm_capable",	3, LIST_BOOL },
		{ "cpu_count",		4, LIST_INT },
		{ "socket_count",	5, LIST_INT }
	}
};

/* One row per member (pool id, then host id): a pool's first adds it. */
static const struct list_def list_pools = {
	"pool members",
	"SELECT p.id, p.vendor, p.cpu_count, p.socket_count, h.id FROM pool p "
	"LEFT JOIN host h ON h.pool_id = p.id WHERE ?1 IS NULL AND ?2 IS NULL "
	"ORDER BY p.id, h.id LIMIT ?3",
	{
		{ "vendor",		1, LIST_TEXT },
		{ "members",		4, LIST_MEMBERS },
		{ "cpu_count",		2, LIST_INT },
		{ "socket_count",	3, LIST_INT }
	}
};

static const struct list_def list_vms = {
	"VMs",
	"SELECT v.id, v.host_id, v.power_state, v.domain_type, v.legacy "
	"FROM vm v LEFT JOIN host h ON h.id = v.host_id "
	"WHERE (?1 IS NULL OR h.pool_id = ?1) "
	"AND (?2 IS NULL OR v.host_id = ?2) ORDER BY v.id LIMIT ?3",
	{
		{ "host",		1, LIST_TEXT_OR_NULL },
		{ "power_state",	2, LIST_TEXT },
		{ "domain_type",	3, LIST_TEXT },
		{ "legacy",		4, LIST_BOOL }
	}
};

static struct json_object *
list_value(sqlite3_stmt *st, const struct list_col *c)
{
	switch (c->kind) {
	case LIST_TEXT:
		return json_object_new_string(col_text(st, c->col));
	case LIST_TEXT_OR_NULL:
		return col_string_or_null(st, c->col);
	case LIST_BOOL:
		return json_object_new_boolean(sqlite3_column_int(st, c->col));
	case LIST_INT:
		return json_object_new_int64(sqlite3_column_int64(st, c->col));
	case LIST_MEMBERS:
		return json_object_new_array();
	}
	return NULL;
}

/*
 * File st's row in out under its id: the first row of an id makes its
 * object, and every row adds to its LIST_MEMBERS arrays.  (Host and VM
 * ids are keys, so for those lists each row makes an object.)
 */
static void
list_row(const struct list_def *l, sqlite3_stmt *st, struct json_object *out)
{
	const struct list_col *c;
	struct json_object *o, *members;

	if (!json_object_object_get_ex(out, col_text(st, 0), &o)) {
		o = json_object_new_object();
		for (c = l->cols; c < l->cols + LIST_COLS && c->key; c++)
			json_object_object_add(o, c->key, list_value(st, c));
		json_object_object_add(out, col_text(st, 0), o);
	}
	for (c = l->cols; c < l->cols + LIST_COLS && c->key; c++) {
		if (c->kind != LIST_MEMBERS ||
		    sqlite3_column_type(st, c->col) == SQLITE_NULL)
			continue;
		json_object_object_get_ex(o, c->key, &members);
		json_object_array_add(members,
		    json_object_new_string(col_text(st, c->col)));
	}
}

/*
 * Run list l with its filters (each NULL for none) into *result; -1 with
 * err when the store fails or there are more than LISTS_MAX rows.
 */
static int
lists_run(struct featured *f, const struct list_def *l, const char *pool,
    const char *host, struct json_object **result, struct rpc_error *err)
{
	sqlite3_stmt *st;
	int step, n = 0;

	if ((st = lists_stmt(f, l->sql, pool, host)) == NULL)
		return store_error(f, err);
	*result = json_object_new_object();
	while ((step = sqlite3_step(st)) == SQLITE_ROW && ++n <= LISTS_MAX)
		list_row(l, st, *result);
	if (step != SQLITE_ROW && step != SQLITE_DONE) {
		snprintf(f->dberr, sizeof(f->dberr), "%s: %s", l->what,
		    sqlite3_errmsg(f->db));
		db_stmt_done(st);
		json_object_put(*result);
		*result = NULL;
		return store_error(f, err);
	}
	db_stmt_done(st);
	if (n > LISTS_MAX) {
		json_object_put(*result);
		*result = NULL;
		return lists_too_many(err, l->what);
	}
	return 0;
}

int
host_get_all_records(void *arg, struct json_object *params,
    struct json_object **result, struct rpc_error *err)
{
	struct featured *f = arg;
	const char *pool = rpc_param_string(params, "pool");

	if (lists_filter(f, pool, NULL, err) == -1)
		return -1;
	return lists_run(f, &list_hosts, pool, NULL, result, err);
}

int
pool_get_all_records(void *arg, struct json_object *params,
    struct json_object **result, struct rpc_error *err)
{
	(void)params;
	return lists_run(arg, &list_pools, NULL, NULL, result, err);
}

int
vm_get_all_records(void *arg, struct json_object *params,
    struct json_object **result, struct rpc_error *err)
{
	struct featured *f = arg;
	const char *pool = rpc_param_string(params, "pool");
	const char *host = rpc_param_string(params, "host");

	if (lists_filter(f, pool, host, err) == -1)
		return -1;
	return lists_run(f, &list_vms, pool, host, result, err);
}
