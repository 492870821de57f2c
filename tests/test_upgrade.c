/*
 * A database the previous release wrote, opened by this one.  The
 * previous release's schema is db/0001_initial.sql alone: the database
 * is made here from that file's text, read from the source tree
 * (CPULEVEL_SCHEMA_DIR), with the rows its featured stored (a host's
 * whole cpu_info as JSON, its counts nowhere else) and user_version 1.
 * Then the real daemons (CPULEVEL_FEATURED, CPULEVEL_MIGCHECK) run on it:
 *
 * - migcheck, started first, refuses to read a database it would
 *   misread, and does not change it;
 * - featured's first start migrates it: the schema version is this
 *   build's, each host has its cpu_count and socket_count columns, filled
 *   from its stored cpu_info as the previous release read them (a value
 *   that is not a plain count, or a cpu_info that does not parse, counts
 *   as 0), and no column the previous release wrote has changed;
 * - every read answers as before: Host.get_cpu_info, Pool.get_cpu_info,
 *   Pool.get_level_history, VM.get_cpu_flags, and migcheck's checks;
 * - a pool's sums, recalculated, add up the migrated counts;
 * - the change log (version 3) is there, its triggers log the writes,
 *   and migcheck sees them at once;
 * - a restart does not migrate again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json.h>
#include <sqlite3.h>

#include "db.h"
#include "tap.h"
#include "daemon_harness.h"
#include "raw_db.h"

static struct featured F = FC_INIT, M = FC_INIT;

/* Real sets (proto/README.md's), canonical; vm1 has bits h4 lacks. */
#define PV	"1fc9cbf5-f6b82203"
#define HVM	"1fcbfbff-f7fa3223"
#define HVM4	"1fcbfbff-f7fa3203"
#define BOOTED	"2025-06-01T12:00:00Z"

/*
 * The hosts as the previous release stored them: cpu_info is the JSON
 * its Host.boot was given, compacted, and the counts the columns must
 * have after the migration are what it read from it.
 */
static const struct old_host {
	const char	*id, *pool;		/* pool NULL: standalone */
	const char	*hvm;
	const char	*cpu_count, *socket_count;	/* NULL: absent */
	long long	 cpus, sockets;		/* as it read them */
	const char	*cpu_info;		/* NULL: made of the above */
} old_hosts[] = {
	{ "h1", "p1", HVM, "12", "2", 12, 2, NULL },
	{ "h2", "p1", HVM, "4", "1", 4, 1, NULL },
	/* Not plain counts, or absent: 0. */
	{ "h3", NULL, HVM, " 8", NULL, 0, 0, NULL },
	{ "h4", NULL, HVM4, "16777217", "007", 0, 7, NULL },
	/* Stored behind its back, and so never parsed: 0 both. */
	{ "h5", NULL, HVM, NULL, NULL, 0, 0, "{\"vendor\":\"GenuineIntel\"," },
};
#define NHOSTS	(sizeof(old_hosts) / sizeof(old_hosts[0]))

/* The cpu_info map an old host was booted with. */
static json_object *
old_cpu_info(const struct old_host *h)
{
	json_object *ci = jobj("vendor", js("GenuineIntel"), "features_pv",
	    js(PV), "features_hvm", js(h->hvm), "features_pv_host", js(PV),
	    "features_hvm_host", js(h->hvm), NULL);

	if (h->cpu_count)
		json_object_object_add(ci, "cpu_count", js(h->cpu_count));
	if (h->socket_count)
		json_object_object_add(ci, "socket_count",
		    js(h->socket_count));
	return ci;
}

/* ---- the database, as the previous release left it -------------------- */

/* Run sql with its '?' bound to the strings that follow (NULL: NULL). */
static void
raw_insert(sqlite3 *db, const char *sql, int n, ...)
{
	sqlite3_stmt *st;
	const char *s;
	va_list ap;
	int i;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		printf("Bail out! %s: %s\n", sql, sqlite3_errmsg(db));
		exit(1);
	}
	va_start(ap, n);
	for (i = 1; i <= n; i++) {
		s = va_arg(ap, const char *);
		if (s)
			sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	}
	va_end(ap);
	if (sqlite3_step(st) != SQLITE_DONE) {
		printf("Bail out! %s: %s\n", sql, sqlite3_errmsg(db));
		exit(1);
	}
	sqlite3_finalize(st);
}

/* An integer query's answer; -1 when it has none. */
static long long
raw_int(const char *path, const char *sql)
{
	sqlite3 *db = raw_open(path, SQLITE_OPEN_READONLY);
	sqlite3_stmt *st;
	long long v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_type(st, 0) != SQLITE_NULL)
			v = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return v;
}

/*
 * The columns the previous release wrote, every row of every table, as
 * text: a malloc'd snapshot to compare.
 */
static char *
raw_old_columns(const char *path)
{
	static const char *const sql[] = {
		"SELECT id, pool_id, vendor, hvm_capable, cpu_info, "
		"features_pv, features_hvm, features_pv_host, "
		"features_hvm_host, booted_at FROM host ORDER BY id",
		"SELECT id, vendor, features_pv_host, features_hvm_host, "
		"features_pv, features_hvm, cpu_count, socket_count FROM pool "
		"ORDER BY id",
		"SELECT id, host_id, domain_type, power_state, vendor, "
		"features, legacy FROM vm ORDER BY id",
		"SELECT * FROM level_history ORDER BY seq",
	};
	sqlite3 *db = raw_open(path, SQLITE_OPEN_READONLY);
	char *buf = NULL;
	size_t len = 0, i;
	FILE *fp = open_memstream(&buf, &len);

	for (i = 0; i < sizeof(sql) / sizeof(sql[0]); i++)
		raw_rows(db, sql[i], fp);
	fclose(fp);
	sqlite3_close(db);
	return buf;
}

/* db/0001_initial.sql, from the source tree: malloc'd. */
static char *
schema_v1(void)
{
	const char *dir = fc_env("CPULEVEL_SCHEMA_DIR",
	    "the source tree's db/ directory");
	char path[FC_PATH_MAX], *sql;
	FILE *fp;
	long n;

	snprintf(path, sizeof(path), "%s/0001_initial.sql", dir);
	if ((fp = fopen(path, "r")) == NULL || fseek(fp, 0, SEEK_END) != 0 ||
	    (n = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) != 0 ||
	    (sql = calloc(1, (size_t)n + 1)) == NULL ||
	    fread(sql, 1, (size_t)n, fp) != (size_t)n) {
		printf("Bail out! reading %s\n", path);
		exit(1);
	}
	fclose(fp);
	return sql;
}

static char *old_snapshot;	/* raw_old_columns() as written */

/*
 * What the previous release's featured left: the schema of 0001 applied
 * as its db_open did (WAL, one transaction, user_version 1), then the
 * rows of its Host.boot (h1..h5), Pool.join (p1 of h1 and h2, its sums
 * and a history entry) and VM.start/shutdown (vm1 running on h1, vm2
 * halted, last on h2, with no flags).
 */
static void
t_old_db(void)
{
	sqlite3 *db = raw_open(F.db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE);
	json_object *ci;
	char *sql = schema_v1();
	size_t i;

	raw_do(db, "PRAGMA journal_mode=WAL");
	raw_do(db, "BEGIN IMMEDIATE");
	raw_do(db, sql);
	raw_do(db, "PRAGMA user_version=1");
	raw_do(db, "COMMIT");
	free(sql);
	raw_do(db, "PRAGMA foreign_keys=ON");
	raw_insert(db, "INSERT INTO pool VALUES (?, ?, ?, ?, ?, ?, 16, 3)", 6,
	    "p1", "GenuineIntel", PV, HVM, PV, HVM);
	for (i = 0; i < NHOSTS; i++) {
		ci = old_cpu_info(&old_hosts[i]);
		raw_insert(db, "INSERT INTO host (id, pool_id, vendor, "
		    "hvm_capable, cpu_info, features_pv, features_hvm, "
		    "features_pv_host, features_hvm_host, booted_at) "
		    "VALUES (?, ?, 'GenuineIntel', 1, ?, ?, ?, ?, ?, ?)", 8,
		    old_hosts[i].id, old_hosts[i].pool, old_hosts[i].cpu_info ?
		    old_hosts[i].cpu_info : json_object_to_json_string_ext(ci,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
		    PV, old_hosts[i].hvm, PV, old_hosts[i].hvm, BOOTED);
		json_object_put(ci);
	}
	raw_insert(db, "INSERT INTO vm VALUES (?, ?, 'hvm', 'running', "
	    "'GenuineIntel', ?, 0)", 3, "vm1", "h1", HVM);
	raw_insert(db, "INSERT INTO vm VALUES (?, ?, 'pv', 'halted', NULL, "
	    "NULL, 0)", 2, "vm2", "h2");
	raw_insert(db, "INSERT INTO level_history (pool_id, at, event, "
	    "host_id, features_pv_host_old, features_pv_host_new, "
	    "features_hvm_host_old, features_hvm_host_new) VALUES (?, ?, "
	    "'Pool.join', ?, '', ?, '', ?)", 5, "p1", BOOTED, "h1", PV, HVM);
	sqlite3_close(db);
	old_snapshot = raw_old_columns(F.db);
	is_int(raw_int(F.db, "PRAGMA user_version"), 1,
	    "the old database has schema version 1");
}

/* ---- the story ------------------------------------------------------- */

/* The reply is -32603 with data holding needle; one TAP line. */
static void
expect_internal(json_object *r, const char *what, const char *needle)
{
	const char *data = jstr(r, "error.data");
	json_object *code = jpath(r, "error.code", NULL);

	if (!ok(code != NULL && json_object_get_int64(code) == -32603 &&
	    data != NULL && strstr(data, needle) != NULL, what))
		diag("  reply: %.600s", r ? jtext(r) : "(none)");
	json_object_put(r);
}

/* migcheck never migrates: it refuses the old schema, and says why. */
static void
t_migcheck_first(void)
{
	fc_start_checked(&M, "migcheck");
	expect_internal(fc_call(&M, "VM.check_migrate", jobj("vm", js("vm1"),
	    "host", js("h2"), NULL)), "migcheck on the old database refuses "
	    "to read it, asking for featured", "start cpulevel-featured to "
	    "upgrade it");
	is_int(raw_int(F.db, "PRAGMA user_version"), 1,
	    "migcheck left the schema version as it was");
}

static void
t_first_start(void)
{
	char *now;
	size_t i;

	fc_start_checked(&F, "featured");
	ok(db_schema_version() >= 2, "this build's schema is version 2 or "
	    "later");
	is_int(raw_int(F.db, "PRAGMA user_version"), db_schema_version(),
	    "featured's first start migrated the database to this build's "
	    "schema version");
	for (i = 0; i < NHOSTS; i++) {
		is_int(raw_int(F.db, L("SELECT cpu_count FROM host WHERE id = "
		    "'%s'", old_hosts[i].id)), old_hosts[i].cpus,
		    L("migrated: host %s's cpu_count column, from its stored "
		    "cpu_info", old_hosts[i].id));
		is_int(raw_int(F.db, L("SELECT socket_count FROM host WHERE "
		    "id = '%s'", old_hosts[i].id)), old_hosts[i].sockets,
		    L("migrated: host %s's socket_count column, from its "
		    "stored cpu_info", old_hosts[i].id));
	}
	now = raw_old_columns(F.db);
	ok(strcmp(now, old_snapshot) == 0, "migrated: every column the "
	    "previous release wrote is as it wrote it");
	free(now);
	is_int(raw_int(F.db, "SELECT count(*) FROM change_log"), 0,
	    "migrated: the change log (version 3) is there, and empty");
}

/* Host.get_cpu_info of an old host: the map it was booted with. */
static void
check_host_cpu_info(const struct old_host *h)
{
	json_object *r, *res, *want = old_cpu_info(h);

	r = fc_call(&F, "Host.get_cpu_info", jobj("host", js(h->id), NULL));
	if (expect_result(r, L("Host.get_cpu_info %s", h->id), &res) &&
	    !ok(jequal(res, want), L("Host.get_cpu_info %s: the cpu_info the "
	    "previous release stored, counts included", h->id)))
		diag("  got %s, want %s", jtext(res), jtext(want));
	json_object_put(want);
	json_object_put(r);
}

/*
 * Pool.get_cpu_info p1: one TAP line per value, and the call's; its
 * level, where it is still the one stored (a level recalculated is Xen's
 * fold of the members' sets, which is not this test's business).
 */
static void
check_pool(const char *what, const char *cpus, const char *sockets,
    int stored_level)
{
	json_object *r, *res;

	r = fc_call(&F, "Pool.get_cpu_info", jobj("pool", js("p1"), NULL));
	if (expect_result(r, L("%s: Pool.get_cpu_info p1", what), &res)) {
		is_str(jstr(res, "vendor"), "GenuineIntel",
		    L("%s: p1's vendor", what));
		is_str(jstr(res, "cpu_count"), cpus,
		    L("%s: p1's cpu_count", what));
		is_str(jstr(res, "socket_count"), sockets,
		    L("%s: p1's socket_count", what));
		if (!stored_level)
			goto out;
		is_str(jstr(res, "features_pv_host"), PV,
		    L("%s: p1's features_pv_host", what));
		is_str(jstr(res, "features_hvm_host"), HVM,
		    L("%s: p1's features_hvm_host", what));
		is_str(jstr(res, "features_pv"), PV,
		    L("%s: p1's features_pv", what));
		is_str(jstr(res, "features_hvm"), HVM,
		    L("%s: p1's features_hvm", what));
	}
out:
	json_object_put(r);
}

static void
t_reads(void)
{
	json_object *r, *res;
	size_t i;

	for (i = 0; i < NHOSTS; i++)
		if (old_hosts[i].cpu_info == NULL)
			check_host_cpu_info(&old_hosts[i]);
	expect_internal(fc_call(&F, "Host.get_cpu_info", jobj("host",
	    js("h5"), NULL)), "Host.get_cpu_info h5, stored unparsable, is "
	    "refused as before", "h5");
	check_pool("as stored", "16", "3", 1);
	r = fc_call(&F, "Pool.get_level_history", jobj("pool", js("p1"),
	    NULL));
	if (expect_result(r, "Pool.get_level_history p1", &res)) {
		is_int(jlen(res), 1, "p1's history: the one old entry");
		is_str(jstr(jidx(res, 0), "event"), "Pool.join",
		    "... a Pool.join");
		is_str(jstr(jidx(res, 0), "features_hvm_host_new"), HVM,
		    "... to the level stored");
	}
	json_object_put(r);
	r = fc_call(&F, "VM.get_cpu_flags", jobj("vm", js("vm1"), NULL));
	if (expect_result(r, "VM.get_cpu_flags vm1", &res)) {
		is_str(jstr(res, "vendor"), "GenuineIntel", "vm1's vendor");
		is_str(jstr(res, "features"), HVM, "vm1's features");
		is_str(jstr(res, "power_state"), "running", "vm1 is running");
		is_str(jstr(res, "host"), "h1", "vm1 is on h1");
		is_str(jstr(res, "domain_type"), "hvm", "vm1 is HVM");
	}
	json_object_put(r);
	r = fc_call(&F, "VM.get_cpu_flags", jobj("vm", js("vm2"), NULL));
	if (expect_result(r, "VM.get_cpu_flags vm2", &res)) {
		ok(jis_null(res, "vendor"), "vm2 has no vendor");
		ok(jis_null(res, "features"), "vm2 has no features");
		is_str(jstr(res, "power_state"), "halted", "vm2 is halted");
		is_str(jstr(res, "host"), "h2", "vm2 last ran on h2");
	}
	json_object_put(r);
}

/* migcheck, once featured has migrated, answers from the same rows. */
static void
t_migcheck(void)
{
	json_object *r, *res;

	r = fc_call(&M, "VM.check_migrate", jobj("vm", js("vm1"), "host",
	    js("h2"), NULL));
	if (expect_result(r, "migcheck: VM.check_migrate vm1 h2", &res))
		ok(jbool(res, "compatible"), "vm1 may go to h2, of its sets");
	json_object_put(r);
	r = fc_call(&M, "VM.check_migrate", jobj("vm", js("vm1"), "host",
	    js("h4"), NULL));
	if (expect_result(r, "migcheck: VM.check_migrate vm1 h4", &res)) {
		ok(!jbool(res, "compatible"), "vm1 may not go to h4");
		is_str(jstr(res, "reason"), R_FEATURES, "... for features");
		ok(jlen(jget(res, "missing_features", NULL)) > 0,
		    "... which it names");
	}
	json_object_put(r);
	r = fc_call(&M, "VM.get_possible_hosts", jobj("vm", js("vm1"),
	    NULL));
	if (expect_result(r, "migcheck: VM.get_possible_hosts vm1", &res)) {
		is_int(jlen(res), 2, "vm1's possible hosts: p1's two");
		is_str(jstr(jidx(res, 0), "host"), "h1", "... h1");
		is_str(jstr(jidx(res, 1), "host"), "h2", "... and h2");
		ok(jbool(jidx(res, 0), "compatible") &&
		    jbool(jidx(res, 1), "compatible"), "... both compatible");
	}
	json_object_put(r);
}

/*
 * p1's sums recalculated from its members' columns: h1's migrated
 * counts with h2's rebooted ones, then h4's (0 and 7) and h5's (0 and
 * 0) joining.  A migration that filled a column wrong shows here too.
 */
static void
t_sums(void)
{
	json_object *r, *res, *ci = old_cpu_info(&old_hosts[1]);

	r = fc_call(&F, "Host.boot", jobj("host", js("h2"), "cpu_info", ci,
	    NULL));
	expect_result(r, "Host.boot h2 again, as it was", NULL);
	json_object_put(r);
	check_pool("h2 rebooted", "16", "3", 0);
	r = fc_call(&F, "Pool.join", jobj("pool", js("p1"), "host", js("h4"),
	    NULL));
	expect_result(r, "Pool.join p1 h4", NULL);
	json_object_put(r);
	r = fc_call(&F, "Pool.join", jobj("pool", js("p1"), "host", js("h5"),
	    NULL));
	expect_result(r, "Pool.join p1 h5", NULL);
	json_object_put(r);
	r = fc_call(&F, "Pool.get_cpu_info", jobj("pool", js("p1"), NULL));
	if (expect_result(r, "Pool.get_cpu_info p1 of four", &res)) {
		is_str(jstr(res, "cpu_count"), "16",
		    "p1's cpu_count: 12 + 4 + 0 + 0");
		is_str(jstr(res, "socket_count"), "10",
		    "p1's socket_count: 2 + 1 + 7 + 0");
	}
	json_object_put(r);
	ok(raw_int(F.db, "SELECT count(*) FROM change_log WHERE tbl = "
	    "'host' AND id = 'h5'") > 0, "the migrated triggers logged h5's "
	    "joining");
	/* migcheck follows the migrated database's commits at once. */
	r = fc_call(&M, "VM.get_possible_hosts", jobj("vm", js("vm1"),
	    NULL));
	if (expect_result(r, "migcheck: VM.get_possible_hosts vm1", &res))
		is_int(jlen(res), 4, "vm1's possible hosts: p1's four, h4 "
		    "and h5 joined");
	json_object_put(r);
}

/* A second start finds the schema current, and changes nothing. */
static void
t_restart(void)
{
	char *before, *after;

	fc_stop_checked(&F, "featured");
	before = raw_old_columns(F.db);
	fc_start_checked(&F, "featured");
	after = raw_old_columns(F.db);
	is_int(raw_int(F.db, "PRAGMA user_version"), db_schema_version(),
	    "restarted: the schema version is unchanged");
	ok(strcmp(before, after) == 0, "restarted: nothing changed");
	free(before);
	free(after);
	is_int(raw_int(F.db, "SELECT socket_count FROM host WHERE id = 'h4'"),
	    7, "restarted: h4's socket_count is still 7");
	fc_stop_checked(&F, "featured");
	fc_stop_checked(&M, "migcheck");
}

int
main(void)
{
	fc_begin("cpulevel-upgrade");
	fc_add_pair(&F, &M, "old.db");

	fc_run("the previous release's database", t_old_db);
	fc_run("migcheck before featured", t_migcheck_first);
	fc_run("featured's first start", t_first_start);
	fc_run("reads as before", t_reads);
	fc_run("migcheck after", t_migcheck);
	fc_run("a pool's sums", t_sums);
	fc_run("a restart", t_restart);
	free(old_snapshot);
	return done_testing();
}
