/*
 * Statements prepared once and kept (lib/db_stmt.c), in process on a
 * real database made by db_open():
 *
 * - db_stmt() gives one literal the same statement every time, reset
 *   and with its bindings cleared, and compiles it only once;
 * - a statement still being stepped is refused, not reset under its
 *   caller; a table full of texts is refused, not grown;
 * - db_stmt_close(), which db_close() calls, finalizes what was kept;
 * - featured's handlers, run through rpc_dispatch() with featured's own
 *   methods and transaction, compile nothing more the second time round
 *   the same requests on other VMs and hosts: every hot path is cached.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "featured.h"
#include "json_helpers.h"
#include "tap.h"

static char dir[64], path[128];

static const char SQL_ONE[] = "SELECT ?1 + 0";
static const char SQL_ROWS[] = "SELECT 1 UNION ALL SELECT 2";

static void
cleanup(void)
{
	char p[160];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	rmdir(dir);
}

/* How many statements the connection holds (sqlite's own list). */
static int
live_stmts(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int n = 0;

	while ((st = sqlite3_next_stmt(db, st)) != NULL)
		n++;
	return n;
}

static void
test_db_stmt(sqlite3 *db)
{
	sqlite3_stmt *a, *b, *c;
	char err[256], sql[DB_STMT_MAX + 1][32];
	unsigned long before = db_stmt_prepares(db);
	int i, rc = 0;

	ok(db_stmt(db, SQL_ONE, &a, err, sizeof(err)) == 0, L("db_stmt: %s",
	    SQL_ONE));
	sqlite3_bind_int(a, 1, 41);
	is_int(sqlite3_step(a), SQLITE_ROW, "it steps");
	is_int(sqlite3_column_int(a, 0), 41, "with its binding");
	db_stmt_done(a);
	ok(db_stmt(db, SQL_ONE, &b, err, sizeof(err)) == 0, "asked again");
	ok(a == b, "the same statement comes back");
	is_int((int)(db_stmt_prepares(db) - before), 1, "compiled once");
	is_int(sqlite3_step(b), SQLITE_ROW, "it steps again");
	ok(sqlite3_column_type(b, 0) == SQLITE_NULL,
	    "its binding was cleared on reuse");
	db_stmt_done(b);

	ok(db_stmt(db, SQL_ROWS, &a, err, sizeof(err)) == 0, "a second one");
	is_int(sqlite3_step(a), SQLITE_ROW, "stepped to its first row");
	is_int(db_stmt(db, SQL_ROWS, &c, err, sizeof(err)), -1,
	    "asked for while being stepped: refused");
	ok(strstr(err, "already in use") != NULL, L("  saying so: %s", err));
	is_int(sqlite3_column_int(a, 0), 1, "  the caller's row untouched");
	is_int(sqlite3_step(a), SQLITE_ROW, "  and its next row follows");
	is_int(sqlite3_column_int(a, 0), 2, "  which is 2");
	db_stmt_done(a);

	/* Texts built at run time: each its own address, as a bug would. */
	for (i = 0; i <= DB_STMT_MAX && rc == 0; i++) {
		snprintf(sql[i], sizeof(sql[i]), "SELECT %d", i);
		rc = db_stmt(db, sql[i], &c, err, sizeof(err));
	}
	is_int(rc, -1, "more texts than the table holds: refused");
	ok(i <= DB_STMT_MAX + 1 && i > DB_STMT_MAX - 3,
	    L("  once it is full (after %d)", i));
	is_int(live_stmts(db), DB_STMT_MAX, "every kept statement is live");
}

/* rpc_dispatch() with featured's table; 0 if the reply has no error. */
static int
call(struct featured *f, const char *req)
{
	struct rpc_outcome out;
	char *reply;

	memset(&out, 0, sizeof(out));
	reply = rpc_dispatch(featured_methods, &featured_txn, f, req,
	    strlen(req), &out);
	if (out.code != 0)
		diag("%s -> %s", req, reply ? reply : "(no reply)");
	free(reply);
	return out.code;
}

#define CI	"\"cpu_info\":{\"vendor\":\"GenuineIntel\"," \
		"\"features_pv\":\"1fc9cbf5-f6f83203-2991cbf5-00000023\"," \
		"\"features_hvm\":\"1fc9cbf5-f6f83203-2991cbf5-00000023\"," \
		"\"features_pv_host\":\"1fc9cbf5-f6f83203-2991cbf5-00000023\"," \
		"\"features_hvm_host\":\"1fc9cbf5-f6f83203-2991cbf5-00000023\"," \
		"\"cpu_count\":\"8\",\"socket_count\":\"1\"}"

/* The life of a VM on a host of a pool: every writer's hot path. */
static int
round_of(struct featured *f, int r)
{
	char req[1024];
	int fails = 0;

#define REQ(...)	(snprintf(req, sizeof(req), __VA_ARGS__), \
			fails += call(f, req) != 0)
	REQ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"Host.boot\","
	    "\"params\":{\"host\":\"h%d\"," CI "}}", r);
	REQ("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"Pool.join\","
	    "\"params\":{\"pool\":\"p\",\"host\":\"h%d\"}}", r);
	REQ("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"VM.start\","
	    "\"params\":{\"vm\":\"v%d\",\"host\":\"h%d\","
	    "\"domain_type\":\"hvm\"}}", r, r);
	REQ("{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"VM.migrate\","
	    "\"params\":{\"vm\":\"v%d\",\"host\":\"h0\"}}", r);
	REQ("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"VM.suspend\","
	    "\"params\":{\"vm\":\"v%d\"}}", r);
	REQ("{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"VM.resume\","
	    "\"params\":{\"vm\":\"v%d\",\"host\":\"h%d\"}}", r, r);
	REQ("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"VM.get_cpu_flags\","
	    "\"params\":{\"vm\":\"v%d\"}}", r);
	REQ("{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"VM.shutdown\","
	    "\"params\":{\"vm\":\"v%d\"}}", r);
	REQ("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"VM.destroy\","
	    "\"params\":{\"vm\":\"v%d\"}}", r);
	REQ("{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"Pool.get_cpu_info\","
	    "\"params\":{\"pool\":\"p\"}}");
	REQ("{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"VM.get_all_records\","
	    "\"params\":{}}");
#undef REQ
	return fails;
}

static void
test_featured(void)
{
	struct featured f;
	char err[512];
	unsigned long first, second;
	int r;

	memset(&f, 0, sizeof(f));
	f.pub = -1;
	if (db_open(path, DB_READWRITE, &f.db, err, sizeof(err)) == -1) {
		printf("Bail out! %s\n", err);
		exit(1);
	}
	is_int(round_of(&f, 0), 0, "round 0 (h0, v0): every request ok");
	is_int(round_of(&f, 1), 0, "round 1 (h1, v1): every request ok");
	first = db_stmt_prepares(f.db);
	ok(first > 10, L("two rounds compiled %lu statements", first));
	for (r = 2; r < 6; r++)
		is_int(round_of(&f, r), 0, L("round %d: every request ok", r));
	second = db_stmt_prepares(f.db);
	is_int((int)(second - first), 0,
	    "four more rounds compiled none: each statement is reused");
	ok(live_stmts(f.db) == (int)second,
	    L("the connection holds exactly the %lu kept", second));
	db_close(f.db);
}

int
main(void)
{
	sqlite3 *db;
	char err[512];

	snprintf(dir, sizeof(dir), "%s/cpulevel-stmt-XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp %s\n", dir);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/t.db", dir);
	atexit(cleanup);
	if (db_open(path, DB_READWRITE, &db, err, sizeof(err)) == -1) {
		printf("Bail out! %s\n", err);
		return 1;
	}
	test_db_stmt(db);
	/* What db_close() does first: sqlite3_close() needs it done. */
	db_stmt_close(db);
	is_int(live_stmts(db), 0, "db_stmt_close finalized every kept one");
	db_close(db);
	test_featured();
	return done_testing();
}
