/*
 * The database layer: creation, WAL and pragmas, migrations all or
 * nothing, refusal of newer and (read-only) older schemas, and that the
 * schema's constraints are enforced.  Works in a fresh directory under
 * /tmp, removed at the end.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "tap.h"

static char dir[64];

static const char *
path_of(const char *name)
{
	static char buf[8][128];
	static int next;
	char *p = buf[next++ % 8];

	snprintf(p, sizeof(buf[0]), "%s/%s", dir, name);
	return p;
}

static void
rm_dir(void)
{
	char p[512];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

/* A connection of our own, bypassing db_open, to set up or inspect. */
static sqlite3 *
raw_open(const char *path)
{
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		diag("raw open %s: %s", path,
		    db != NULL ? sqlite3_errmsg(db) : "out of memory");
		exit(1);
	}
	return db;
}

static int
raw_exec(sqlite3 *db, const char *sql)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		diag("%s: %s", sql, sqlite3_errmsg(db));
	return rc;
}

/* The first column of the first row as an int, -999 on no row or error. */
static int
query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int v = -999;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		diag("%s: %s", sql, sqlite3_errmsg(db));
		return v;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int
raw_version(const char *path)
{
	sqlite3 *db = raw_open(path);
	int v = query_int(db, "PRAGMA user_version");

	sqlite3_close(db);
	return v;
}

static int
table_exists(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st;
	char err[256];
	int n = -1;

	if (db_prepare(db, "SELECT count(*) FROM sqlite_master "
	    "WHERE type = 'table' AND name = ?", &st, err, sizeof(err)) == -1) {
		diag("%s", err);
		return -1;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

static int
raw_table_exists(const char *path, const char *name)
{
	sqlite3 *db = raw_open(path);
	int n = table_exists(db, name);

	sqlite3_close(db);
	return n;
}

static int
file_mode(const char *path)
{
	struct stat sb;

	if (stat(path, &sb) == -1)
		return -1;
	return (int)(sb.st_mode & 07777);
}

static int
file_exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) == -1 || (n = ftell(f)) < 0) {
		diag("cannot read %s", path);
		exit(1);
	}
	rewind(f);
	if ((buf = malloc((size_t)n + 1)) == NULL ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		diag("cannot read %s", path);
		exit(1);
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static int
contains(const char *s, const char *sub)
{
	if (strstr(s, sub) != NULL)
		return 1;
	diag("'%s' does not contain '%s'", s, sub);
	return 0;
}

/* Run one statement with one bound text per '?', return sqlite's code. */
static int
step_sql(sqlite3 *db, const char *sql, const char *a, const char *b)
{
	sqlite3_stmt *st;
	char err[256];
	int rc;

	if (db_prepare(db, sql, &st, err, sizeof(err)) == -1) {
		diag("%s", err);
		return -1;
	}
	if (a != NULL)
		sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	if (b != NULL)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc;
}

static void
test_migration_table(void)
{
	size_t i;
	char want[16];

	is_int(db_schema_version(), db_migrations_len, "schema version is "
	    "the number of migrations");
	ok(db_schema_version() >= 1, "there is at least one migration");
	for (i = 0; i < db_migrations_len; i++) {
		snprintf(want, sizeof(want), "%04d_", (int)i + 1);
		is_int(db_migrations[i].version, i + 1, "migrations in order");
		ok(strncmp(db_migrations[i].name, want, 5) == 0,
		    "migration name carries its version");
	}
	is_str(db_migrations[0].name, "0001_initial.sql", "first migration");
	ok(strstr(db_migrations[0].sql, "CREATE TABLE pool (\n\tid\t") != NULL,
	    "SQL embedded with its newlines and tabs");
	ok(strstr(db_migrations[0].sql, "'pv_in_pvh'") != NULL,
	    "SQL embedded with its quotes");
}

/* The rows of a query, one line each, columns joined by '|': malloc'd. */
static char *
dump(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	char *out = sqlite3_mprintf("");
	int i, n;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		diag("%s: %s", sql, sqlite3_errmsg(db));
		exit(1);
	}
	n = sqlite3_column_count(st);
	while (sqlite3_step(st) == SQLITE_ROW)
		for (i = 0; i < n; i++)
			out = sqlite3_mprintf("%z%s%s", out,
			    sqlite3_column_type(st, i) == SQLITE_NULL ? "NULL" :
			    (const char *)sqlite3_column_text(st, i),
			    i + 1 < n ? "|" : "\n");
	sqlite3_finalize(st);
	return out;
}

#define VM_ROWS		"SELECT id, host_id, domain_type, power_state, " \
			"vendor, features, legacy FROM vm ORDER BY id"
#define LOG_ROWS	"SELECT seq, tbl, id FROM change_log ORDER BY seq"

/*
 * A database at version 3 with rows, the change log among them, made by
 * the first three migrations as db_open applied them; then this build
 * opens it.  Version 4 rebuilds vm and change_log (their CHECKs): every
 * row and every log entry must come through as it was, the triggers must
 * all be there and log the next write after the last entry, and the
 * copy itself must log nothing.
 */
static void
test_from_v3(void)
{
	const char *p = path_of("v3.db");
	char err[512], *vms, *log, *after;
	sqlite3 *db;
	size_t i;
	int seq;

	if (db_migrations_len < 4) {
		ok(0, "there is a version 4 to migrate to");
		return;
	}
	db = raw_open(p);
	if (db_add_functions(db) != SQLITE_OK ||
	    raw_exec(db, "PRAGMA journal_mode=WAL") != SQLITE_OK ||
	    raw_exec(db, "BEGIN") != SQLITE_OK)
		exit(1);
	for (i = 0; i < 3; i++)
		if (raw_exec(db, db_migrations[i].sql) != SQLITE_OK)
			exit(1);
	if (raw_exec(db, "PRAGMA user_version=3") != SQLITE_OK ||
	    raw_exec(db, "INSERT INTO pool (id, vendor) VALUES "
	    "('p1', 'GenuineIntel');"
	    "INSERT INTO host (id, pool_id, vendor, cpu_info, booted_at) "
	    "VALUES ('h1', 'p1', 'GenuineIntel', '{}', 'then'), "
	    "('h2', NULL, 'GenuineIntel', '{}', 'then');"
	    "INSERT INTO vm (id, host_id, domain_type, power_state, vendor, "
	    "features, legacy) VALUES "
	    "('v1', 'h1', 'hvm', 'running', 'GenuineIntel', '1fc9cbf5', 0), "
	    "('v2', 'h2', 'pv_in_pvh', 'suspended', NULL, NULL, 1), "
	    "('v3', NULL, 'pvh', 'halted', 'GenuineIntel', '', 0);"
	    "UPDATE vm SET id = 'v0' WHERE id = 'v3';"
	    "DELETE FROM vm WHERE id = 'v2';"
	    "COMMIT") != SQLITE_OK)
		exit(1);
	vms = dump(db, VM_ROWS);
	log = dump(db, LOG_ROWS);
	seq = query_int(db, "SELECT max(seq) FROM change_log");
	sqlite3_close(db);
	ok(seq >= 9, "version 3 logged its writes");

	if (db_open(p, DB_READWRITE, &db, err, sizeof(err)) == -1) {
		diag("%s", err);
		exit(1);
	}
	is_int(raw_version(p), db_schema_version(), "migrated from 3");
	after = dump(db, VM_ROWS);
	is_str(after, vms, "every VM row as it was");
	sqlite3_free(after);
	after = dump(db, LOG_ROWS);
	is_str(after, log, "every log entry as it was, its seq too");
	sqlite3_free(after);
	is_int(query_int(db, "SELECT count(*) FROM sqlite_schema WHERE "
	    "type = 'trigger'"), 13, "the 13 triggers are there");
	is_int(query_int(db, "SELECT count(*) FROM sqlite_schema WHERE "
	    "type = 'index' AND name = 'vm_host'"), 1, "vm_host is there");
	is_int(step_sql(db, "UPDATE vm SET power_state = ? WHERE id = ?",
	    "halted", "v1"), SQLITE_DONE, "a VM halted after the migration");
	is_int(query_int(db, "SELECT seq FROM change_log WHERE id = 'v1' "
	    "ORDER BY seq DESC LIMIT 1"), seq + 1,
	    "logged right after the last entry");
	is_int(step_sql(db, "INSERT INTO vm (id, host_id, domain_type, "
	    "power_state) VALUES ('v9', ?, 'hvm', 'running')", "nope", NULL),
	    SQLITE_CONSTRAINT, "vm's foreign key still enforced");
	after = dump(db, "PRAGMA integrity_check");
	is_str(after, "ok\n", "integrity_check");
	sqlite3_free(after);
	db_close(db);
	sqlite3_free(vms);
	sqlite3_free(log);
}

static void
test_fresh(void)
{
	const char *p = path_of("fresh.db");
	const char *tables[] = { "pool", "host", "vm", "level_history" };
	char err[512] = "", mode[16] = "";
	sqlite3 *db = NULL;
	sqlite3_stmt *st;
	size_t i;

	ok(db_open(p, DB_READWRITE, &db, err, sizeof(err)) == 0,
	    "fresh read-write open");
	if (db == NULL) {
		diag("%s", err);
		exit(1);
	}
	is_int(file_mode(p), 0600, "database created 0600 despite umask 022");
	is_int(file_mode(path_of("fresh.db-wal")), 0600, "WAL file is 0600");
	is_int(query_int(db, "PRAGMA user_version"), db_schema_version(),
	    "user_version is the schema version");
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		is_int(table_exists(db, tables[i]), 1, tables[i]);
	is_int(table_exists(db, "nosuch"), 0, "table_exists can say no");
	if (db_prepare(db, "PRAGMA journal_mode", &st, err, sizeof(err)) == 0) {
		if (sqlite3_step(st) == SQLITE_ROW)
			snprintf(mode, sizeof(mode), "%s",
			    (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	is_str(mode, "wal", "journal_mode is wal");
	is_int(query_int(db, "PRAGMA foreign_keys"), 1, "foreign keys on");
	is_int(query_int(db, "PRAGMA synchronous"), 2, "synchronous is FULL");
	is_int(query_int(db, "PRAGMA cache_size"), -8192,
	    "the writer's page cache is 8 MiB, not sqlite's 2");
	db_close(db);
}

static void
test_reopen(void)
{
	const char *p = path_of("fresh.db");
	char err[512];
	sqlite3 *db = NULL;
	int rc;

	rc = db_open(p, DB_READWRITE, &db, err, sizeof(err));
	is_int(rc, 0, "reopen read-write");
	if (rc == -1) {
		diag("%s", err);
		exit(1);
	}
	is_int(step_sql(db, "INSERT INTO pool (id, vendor) VALUES (?, ?)",
	    "p1", "GenuineIntel"), SQLITE_DONE, "insert a pool");
	db_close(db);

	rc = db_open(p, DB_READWRITE, &db, err, sizeof(err));
	is_int(rc, 0, "reopen again");
	if (rc == -1) {
		diag("%s", err);
		exit(1);
	}
	is_int(query_int(db, "SELECT count(*) FROM pool WHERE id = 'p1'"), 1,
	    "the row survived reopening");
	is_int(query_int(db, "PRAGMA user_version"), db_schema_version(),
	    "version unchanged");
	db_close(db);
}

static void
test_newer(void)
{
	const char *p = path_of("newer.db");
	char err[512] = "", sql[64], *before, *after;
	size_t blen, alen;
	sqlite3 *db;
	int rc;

	/*
	 * A rollback-journal database: had db_open switched it to WAL
	 * before looking at the version, the file's header would change.
	 */
	db = raw_open(p);
	snprintf(sql, sizeof(sql), "PRAGMA user_version=%d",
	    db_schema_version() + 1);
	raw_exec(db, "CREATE TABLE future(x)");
	raw_exec(db, sql);
	sqlite3_close(db);
	before = slurp(p, &blen);

	db = (sqlite3 *)1;
	rc = db_open(p, DB_READWRITE, &db, err, sizeof(err));
	is_int(rc, -1, "newer schema refused read-write");
	ok(db == NULL, "no connection returned");
	ok(contains(err, "newer"), "read-write error says newer");
	ok(contains(err, p), "read-write error names the file");
	ok(strchr(err, '\n') == NULL, "error is one line");

	err[0] = '\0';
	rc = db_open(p, DB_READONLY, &db, err, sizeof(err));
	is_int(rc, -1, "newer schema refused read-only");
	ok(contains(err, "newer"), "read-only error says newer");
	ok(contains(err, p), "read-only error names the file");

	after = slurp(p, &alen);
	ok(blen == alen && memcmp(before, after, blen) == 0,
	    "file unchanged, byte for byte");
	is_int(raw_version(p), db_schema_version() + 1, "version unchanged");
	free(before);
	free(after);
}

static void
test_failed_migration(void)
{
	const char *p = path_of("conflict.db");
	char err[512] = "";
	sqlite3 *db;
	int rc;

	/* Version 0 with a table that migration 1 will try to create. */
	db = raw_open(p);
	raw_exec(db, "CREATE TABLE host(x)");
	sqlite3_close(db);

	rc = db_open(p, DB_READWRITE, &db, err, sizeof(err));
	is_int(rc, -1, "conflicting migration fails");
	ok(contains(err, db_migrations[0].name), "error names the migration");
	ok(contains(err, p), "error names the file");
	ok(contains(err, "already exists"), "error carries sqlite's reason");

	is_int(raw_version(p), 0, "user_version still 0");
	is_int(raw_table_exists(p, "pool"), 0, "pool rolled back");
	is_int(raw_table_exists(p, "host"), 1, "the old host table is kept");
}

static void
test_readonly_missing(void)
{
	const char *p = path_of("missing.db");
	char err[512] = "";
	sqlite3 *db;

	is_int(db_open(p, DB_READONLY, &db, err, sizeof(err)), -1,
	    "read-only open of a missing file fails");
	ok(contains(err, "no database at"), "error says there is none");
	ok(contains(err, p), "error names the file");
	ok(contains(err, "cpulevel-featured"), "error says who makes it");
	ok(!file_exists(p), "read-only open did not create it");
}

static void
test_readonly(void)
{
	const char *p = path_of("fresh.db");
	char err[512] = "";
	sqlite3 *rw = NULL, *ro = NULL;
	int rc;

	/* A reader alongside the writer, as migcheck beside featured. */
	if (db_open(p, DB_READWRITE, &rw, err, sizeof(err)) == -1) {
		diag("%s", err);
		exit(1);
	}
	rc = db_open(p, DB_READONLY, &ro, err, sizeof(err));
	is_int(rc, 0, "read-only open of a good database");
	if (rc == -1) {
		diag("%s", err);
		exit(1);
	}
	is_int(query_int(ro, "SELECT count(*) FROM pool WHERE id = 'p1'"), 1,
	    "reader can select");
	is_int(step_sql(ro, "INSERT INTO pool (id, vendor) VALUES (?, ?)",
	    "p2", "AuthenticAMD"), SQLITE_READONLY, "reader cannot insert");

	is_int(step_sql(rw, "INSERT INTO pool (id, vendor) VALUES (?, ?)",
	    "p3", "AuthenticAMD"), SQLITE_DONE, "writer inserts");
	is_int(query_int(ro, "SELECT count(*) FROM pool WHERE id = 'p3'"), 1,
	    "reader sees the commit at once");
	is_int(query_int(ro, "SELECT count(*) FROM pool WHERE id = 'p2'"), 0,
	    "the reader's insert is not there");
	db_close(ro);
	db_close(rw);
}

static void
test_readonly_old(void)
{
	const char *p = path_of("old.db");
	char err[512] = "";
	sqlite3 *db;

	db = raw_open(p);
	raw_exec(db, "CREATE TABLE t(x)");
	sqlite3_close(db);

	is_int(db_open(p, DB_READONLY, &db, err, sizeof(err)), -1,
	    "read-only open of a version 0 database fails");
	ok(contains(err, "schema version 0"), "error gives the version");
	ok(contains(err, "start cpulevel-featured"), "error says what to do");
	ok(contains(err, p), "error names the file");
	is_int(raw_table_exists(p, "pool"), 0, "read-only did not migrate");
}

/*
 * Each value a CHECK allows, and some it does not: version 4 spelled the
 * rules with OR (db/0004_checks_without_in.sql) and must allow the very
 * same values.  Each INSERT is undone by a savepoint.
 */
static const struct check_value {
	const char	*sql;		/* one '?' */
	const char	*value;
	int		 rc;
} check_values[] = {
#define VM_DT	"INSERT INTO vm (id, domain_type, power_state) " \
		"VALUES ('c', ?, 'halted')"
#define VM_PS	"INSERT INTO vm (id, domain_type, power_state) " \
		"VALUES ('c', 'hvm', ?)"
#define LOG	"INSERT INTO change_log (tbl, id) VALUES (?, 'c')"
	{ VM_DT, "pv", SQLITE_DONE }, { VM_DT, "hvm", SQLITE_DONE },
	{ VM_DT, "pvh", SQLITE_DONE }, { VM_DT, "pv_in_pvh", SQLITE_DONE },
	{ VM_DT, "PV", SQLITE_CONSTRAINT }, { VM_DT, "", SQLITE_CONSTRAINT },
	{ VM_DT, "pv_in", SQLITE_CONSTRAINT }, { VM_DT, NULL, SQLITE_CONSTRAINT },
	{ VM_PS, "running", SQLITE_DONE }, { VM_PS, "suspended", SQLITE_DONE },
	{ VM_PS, "halted", SQLITE_DONE }, { VM_PS, "paused", SQLITE_CONSTRAINT },
	{ VM_PS, "Halted", SQLITE_CONSTRAINT }, { VM_PS, NULL, SQLITE_CONSTRAINT },
	{ LOG, "host", SQLITE_DONE }, { LOG, "pool", SQLITE_DONE },
	{ LOG, "vm", SQLITE_DONE }, { LOG, "vms", SQLITE_CONSTRAINT },
	{ LOG, "level_history", SQLITE_CONSTRAINT },
	{ LOG, NULL, SQLITE_CONSTRAINT },
#undef VM_DT
#undef VM_PS
#undef LOG
};

static void
test_check_values(sqlite3 *db)
{
	const struct check_value *c;
	char what[160];
	size_t i;

	for (i = 0; i < sizeof(check_values) / sizeof(check_values[0]); i++) {
		c = &check_values[i];
		if (raw_exec(db, "SAVEPOINT c") != SQLITE_OK)
			exit(1);
		snprintf(what, sizeof(what), "%s: %s %s", c->sql,
		    c->value != NULL ? c->value : "NULL",
		    c->rc == SQLITE_DONE ? "allowed" : "refused");
		is_int(step_sql(db, c->sql, c->value, NULL), c->rc, what);
		if (raw_exec(db, "ROLLBACK TO c") != SQLITE_OK ||
		    raw_exec(db, "RELEASE c") != SQLITE_OK)
			exit(1);
	}
}

static void
test_constraints(void)
{
	const char *p = path_of("fresh.db");
	char err[512];
	sqlite3 *db = NULL;

	if (db_open(p, DB_READWRITE, &db, err, sizeof(err)) == -1) {
		diag("%s", err);
		exit(1);
	}
	is_int(step_sql(db, "INSERT INTO host (id, pool_id, vendor, cpu_info, "
	    "booted_at) VALUES (?, ?, 'GenuineIntel', '{}', 'now')", "h0",
	    "nope"), SQLITE_CONSTRAINT, "host in a missing pool refused");
	is_int(step_sql(db, "INSERT INTO host (id, pool_id, vendor, cpu_info, "
	    "booted_at) VALUES (?, ?, 'GenuineIntel', '{}', 'now')", "h1",
	    "p1"), SQLITE_DONE, "host in an existing pool accepted");
	is_int(step_sql(db, "INSERT INTO vm (id, host_id, domain_type, "
	    "power_state) VALUES (?, 'h1', 'hvm', ?)", "v0", "paused"),
	    SQLITE_CONSTRAINT, "power_state 'paused' refused");
	is_int(step_sql(db, "INSERT INTO vm (id, host_id, domain_type, "
	    "power_state) VALUES (?, 'h1', 'hvm', ?)", "v1", "running"),
	    SQLITE_DONE, "power_state 'running' accepted");
	is_int(query_int(db, "SELECT count(*) FROM vm"), 1, "one vm stored");
	test_check_values(db);
	/* A changed id is logged under both ids (version 4's vm_renamed). */
	is_int(step_sql(db, "UPDATE vm SET id = ? WHERE id = ?", "v9", "v1"),
	    SQLITE_DONE, "a VM's id changed");
	is_int(query_int(db, "SELECT count(*) FROM change_log WHERE "
	    "tbl = 'vm' AND id IN ('v1', 'v9') AND seq > (SELECT max(seq) "
	    "FROM change_log) - 2"), 2, "both its ids logged");
	is_int(step_sql(db, "UPDATE vm SET power_state = ? WHERE id = ?",
	    "halted", "v9"), SQLITE_DONE, "a VM halted");
	is_int(query_int(db, "SELECT count(*) FROM change_log WHERE "
	    "id = 'v9' AND seq = (SELECT max(seq) FROM change_log)"), 1,
	    "logged once under its id");
	is_int(query_int(db, "SELECT count(*) FROM change_log WHERE "
	    "seq > (SELECT max(seq) FROM change_log) - 1"), 1,
	    "and once only");
	db_close(db);
}

/*
 * The statement's program, sub-programs (triggers) included, opens no
 * ephemeral table.  sqlite builds one for `x IN (a, b, c)` each time such
 * a CHECK runs (db/0004_checks_without_in.sql says what it cost).
 */
static int
builds_ephemeral(sqlite3 *db, const char *sql)
{
	char *explain = sqlite3_mprintf("EXPLAIN %s", sql);
	sqlite3_stmt *st;
	int n = 0;

	if (explain == NULL || sqlite3_prepare_v2(db, explain, -1, &st,
	    NULL) != SQLITE_OK) {
		diag("%s: %s", sql, sqlite3_errmsg(db));
		sqlite3_free(explain);
		return -1;
	}
	/* EXPLAIN's columns: addr, opcode, p1, p2, ... */
	while (sqlite3_step(st) == SQLITE_ROW)
		if (strcmp((const char *)sqlite3_column_text(st, 1),
		    "OpenEphemeral") == 0)
			n++;
	sqlite3_finalize(st);
	sqlite3_free(explain);
	return n;
}

/*
 * An INSERT of a row of table, every column named, and an UPDATE of every
 * column but its key: where a CHECK runs.  (Changing a key a foreign key
 * refers to, or deleting such a row, runs the foreign key's actions,
 * which may collect rows in an ephemeral table; featured does neither on
 * a VM's or a host's busy path.)
 */
static void
check_writes(sqlite3 *db, const char *table)
{
	sqlite3_stmt *st;
	char *cols = sqlite3_mprintf(""), *vals = sqlite3_mprintf("");
	char *sets = sqlite3_mprintf(""), *sql[2], what[128];
	const char *col;
	int i, key;

	if (sqlite3_prepare_v2(db, "SELECT name, pk > 0 "
	    "FROM pragma_table_info(?)", -1, &st, NULL) != SQLITE_OK) {
		diag("table_info: %s", sqlite3_errmsg(db));
		exit(1);
	}
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		col = (const char *)sqlite3_column_text(st, 0);
		key = sqlite3_column_int(st, 1);
		cols = sqlite3_mprintf("%z%s\"%w\"", cols, *cols ? ", " : "",
		    col);
		vals = sqlite3_mprintf("%z%s?", vals, *vals ? ", " : "");
		if (!key)
			sets = sqlite3_mprintf("%z%s\"%w\" = ?", sets,
			    *sets ? ", " : "", col);
	}
	sqlite3_finalize(st);
	sql[0] = sqlite3_mprintf("INSERT INTO \"%w\" (%s) VALUES (%s)",
	    table, cols, vals);
	sql[1] = sqlite3_mprintf("UPDATE \"%w\" SET %s WHERE rowid = ?",
	    table, sets);
	for (i = 0; i < 2; i++) {
		snprintf(what, sizeof(what), "%.6s of %s builds no ephemeral "
		    "table", sql[i], table);
		is_int(builds_ephemeral(db, sql[i]), 0, what);
		sqlite3_free(sql[i]);
	}
	sqlite3_free(cols);
	sqlite3_free(vals);
	sqlite3_free(sets);
}

/* Every table of the schema, so that a new one is checked too. */
static void
test_no_ephemeral(void)
{
	const char *p = path_of("fresh.db");
	sqlite3_stmt *st;
	char err[512];
	sqlite3 *db = NULL;
	int tables = 0;

	if (db_open(p, DB_READWRITE, &db, err, sizeof(err)) == -1) {
		diag("%s", err);
		exit(1);
	}
	if (sqlite3_prepare_v2(db, "SELECT name FROM sqlite_schema WHERE "
	    "type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
	    "ORDER BY name", -1, &st, NULL) != SQLITE_OK) {
		diag("sqlite_schema: %s", sqlite3_errmsg(db));
		exit(1);
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		check_writes(db, (const char *)sqlite3_column_text(st, 0));
		tables++;
	}
	sqlite3_finalize(st);
	diag("%d tables checked", tables);
	ok(tables >= 5, "every table of the schema checked");
	/* The check itself sees one: a CHECK with three constants. */
	ok(raw_exec(db, "CREATE TEMP TABLE t (x CHECK (x IN (1, 2, 3)))") ==
	    SQLITE_OK && builds_ephemeral(db, "INSERT INTO t VALUES (?)") > 0,
	    "an IN of three constants is seen building one");
	db_close(db);
}

static void
test_helpers(void)
{
	const char *p = path_of("fresh.db");
	char err[512] = "";
	sqlite3 *db = NULL;
	sqlite3_stmt *st;

	if (db_open(p, DB_READWRITE, &db, err, sizeof(err)) == -1) {
		diag("%s", err);
		exit(1);
	}
	st = (sqlite3_stmt *)1;
	is_int(db_prepare(db, "SELECT 1; DROP TABLE vm", &st, err,
	    sizeof(err)), -1, "two statements refused");
	ok(st == NULL, "no statement returned");
	ok(contains(err, "more than one"), "error says why");
	is_int(table_exists(db, "vm"), 1, "the second one did not run");
	is_int(db_prepare(db, "SELECT 1;\n", &st, err, sizeof(err)), 0,
	    "a trailing semicolon is fine");
	sqlite3_finalize(st);
	err[0] = '\0';
	is_int(db_prepare(db, "SELEC 1", &st, err, sizeof(err)), -1,
	    "bad SQL refused");
	ok(contains(err, "SELEC 1"), "error quotes the SQL");
	is_int(db_prepare(db, "  ", &st, err, sizeof(err)), -1,
	    "empty SQL refused");

	is_int(db_begin(db, err, sizeof(err)), 0, "begin");
	is_int(step_sql(db, "INSERT INTO pool (id, vendor) VALUES (?, ?)",
	    "rolled", "x"), SQLITE_DONE, "insert in a transaction");
	db_rollback(db);
	is_int(query_int(db, "SELECT count(*) FROM pool WHERE id = 'rolled'"),
	    0, "rollback undoes it");
	db_rollback(db);
	ok(sqlite3_get_autocommit(db), "rollback without a transaction");

	is_int(db_begin(db, err, sizeof(err)), 0, "begin again");
	is_int(step_sql(db, "INSERT INTO pool (id, vendor) VALUES (?, ?)",
	    "kept", "x"), SQLITE_DONE, "insert in a transaction");
	is_int(db_commit(db, err, sizeof(err)), 0, "commit");
	is_int(query_int(db, "SELECT count(*) FROM pool WHERE id = 'kept'"), 1,
	    "commit keeps it");
	err[0] = '\0';
	is_int(db_commit(db, err, sizeof(err)), -1, "commit with none open");
	ok(contains(err, "commit"), "commit error says so");

	/*
	 * A deferred foreign key fails the COMMIT itself, which leaves the
	 * transaction open: db_commit must end it.
	 */
	raw_exec(db, "CREATE TEMP TABLE dp(id PRIMARY KEY)");
	raw_exec(db, "CREATE TEMP TABLE dc(p REFERENCES dp(id) "
	    "DEFERRABLE INITIALLY DEFERRED)");
	is_int(db_begin(db, err, sizeof(err)), 0, "begin a doomed one");
	is_int(step_sql(db, "INSERT INTO dc VALUES (?)", "nope", NULL),
	    SQLITE_DONE, "deferred violation accepted for now");
	is_int(db_commit(db, err, sizeof(err)), -1, "its commit fails");
	ok(sqlite3_get_autocommit(db), "and the transaction is over");
	is_int(query_int(db, "SELECT count(*) FROM dc"), 0, "rolled back");
	db_close(db);
}

/*
 * A featureset column: parsed, NULL absent, '' the empty set (it parses),
 * and text that does not parse refused, never read as the empty set.
 */
static void
test_column_fs(void)
{
	static const struct {
		const char	*sql;
		int		 want;
		const char	*what;
	} cases[] = {
		{ "SELECT 'ff-1'",	1,	"a set parses" },
		{ "SELECT NULL",	0,	"NULL is absent" },
		{ "SELECT ''",		1,	"'' is the empty set" },
		{ "SELECT 'zz'",	-1,	"'zz' is refused" },
		{ "SELECT '1-2-'",	-1,	"'1-2-' is refused" },
		{ "SELECT '123456789'",	-1,	"a word of 9 digits is refused" },
	};
	struct featureset fs;
	char err[512] = "";
	sqlite3 *db = raw_open(":memory:");
	sqlite3_stmt *st;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (sqlite3_prepare_v2(db, cases[i].sql, -1, &st, NULL) !=
		    SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
			ok(0, cases[i].sql);
			continue;
		}
		fs.len = 3;
		is_int(db_column_fs(st, 0, &fs), cases[i].want,
		    cases[i].what);
		if (cases[i].want != 1)
			ok(fs_is_zero(&fs), "and the set is left empty");
		sqlite3_finalize(st);
	}
	if (sqlite3_prepare_v2(db, "SELECT 'zz' AS features_hvm", -1, &st,
	    NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		db_fs_unreadable(st, 0, "host", "h2", err, sizeof(err));
		ok(contains(err, "table host, row 'h2', column features_hvm"),
		    "the refusal names table, row and column");
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/*
 * The open file against the one at its path: the same, deleted, or
 * replaced.  Closing a connection whose file was replaced must leave the
 * -wal and -shm at the path alone: they are the new database's.
 */
static void
test_same_file(void)
{
	const char *p = path_of("same.db"), *old = path_of("same-old.db");
	char err[512] = "", from[160], to[160];
	const char *sfx[] = { "", "-wal", "-shm" };
	sqlite3 *db = NULL, *db2 = NULL;
	size_t i;

	if (db_open(p, DB_READWRITE, &db, err, sizeof(err)) == -1) {
		diag("%s", err);
		exit(1);
	}
	is_int(db_same_file(db, err, sizeof(err)), DB_FILE_SAME,
	    "the file open is the one at its path");
	/* Moved away with its -wal and -shm, as a restore would. */
	for (i = 0; i < 3; i++) {
		snprintf(from, sizeof(from), "%s%s", p, sfx[i]);
		snprintf(to, sizeof(to), "%s%s", old, sfx[i]);
		rename(from, to);
	}
	is_int(db_same_file(db, err, sizeof(err)), DB_FILE_GONE,
	    "moved away: gone");
	ok(contains(err, "was deleted while open"), "and says so");
	if (db_open(p, DB_READWRITE, &db2, err, sizeof(err)) == -1) {
		diag("%s", err);
		exit(1);
	}
	is_int(step_sql(db2, "INSERT INTO pool (id, vendor) VALUES (?, ?)",
	    "new", "x"), SQLITE_DONE, "the new database takes a write");
	is_int(db_same_file(db, err, sizeof(err)), DB_FILE_GONE,
	    "another database at the path: gone");
	ok(contains(err, "was replaced by another file while open"),
	    "and says so");
	db_close(db);
	ok(file_exists(path_of("same.db-wal")) &&
	    file_exists(path_of("same.db-shm")), "closing the old connection "
	    "left the new database's -wal and -shm alone");
	is_int(query_int(db2, "SELECT count(*) FROM pool WHERE id = 'new'"),
	    1, "the new database still has its row");
	db_close(db2);
}

/* What db_open says when it fails, in this process or as nobody. */
static void
test_open_errors(void)
{
	const char *junk = path_of("junk.db"), *ro = path_of("ro.db");
	static const char text[] = "notes, not a database: an operator's "
	    "file that happens to sit at the database's path............\n";
	char err[512] = "", buf[sizeof(text)], msg[512] = "";
	struct passwd *pw;
	sqlite3 *db = NULL;
	int fd, pfd[2], status;
	ssize_t n;
	pid_t pid;

	err[0] = '\0';
	is_int(db_open(path_of("nosuchdir/x.db"), DB_READWRITE, &db, err,
	    sizeof(err)), -1, "a database in a missing directory");
	ok(contains(err, "the directory to create it in does not exist"),
	    "says the directory is missing");
	err[0] = '\0';
	mkdir(path_of("adir"), 0700);
	is_int(db_open(path_of("adir"), DB_READWRITE, &db, err, sizeof(err)),
	    -1, "a directory as the database");
	ok(contains(err, "is a directory"), "says it is a directory");
	rmdir(path_of("adir"));

	fd = open(junk, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd == -1 || write(fd, text, sizeof(text) - 1) !=
	    (ssize_t)sizeof(text) - 1)
		diag("writing %s: %s", junk, strerror(errno));
	close(fd);
	err[0] = '\0';
	is_int(db_open(junk, DB_READWRITE, &db, err, sizeof(err)), -1,
	    "read-write on a file that is not a database");
	ok(contains(err, "is not an sqlite database"), "says so");
	err[0] = '\0';
	is_int(db_open(junk, DB_READONLY, &db, err, sizeof(err)), -1,
	    "read-only on a file that is not a database");
	ok(contains(err, "is not an sqlite database"), "says so");
	fd = open(junk, O_RDONLY);
	n = fd == -1 ? -1 : read(fd, buf, sizeof(buf));
	close(fd);
	ok(n == (ssize_t)sizeof(text) - 1 && memcmp(buf, text, n) == 0 &&
	    !file_exists(path_of("junk.db-wal")), "and it is left as it was");

	/* The message for EACCES on an existing file: mode and owners. */
	fd = open(ro, O_WRONLY | O_CREAT, 0400);
	close(fd);
	chmod(ro, 0400);
	db_describe_errno(ro, 1, EACCES, err, sizeof(err));
	ok(contains(err, "permission denied") && contains(err, "mode 0400")
	    && contains(err, "belongs to uid") &&
	    contains(err, "must read and write it"),
	    "EACCES on an existing file: mode, owner, and what is needed");
	db_describe_errno(ro, 0, EACCES, err, sizeof(err));
	ok(contains(err, "must read it"), "read-only needs to read it");
	db_describe_errno(ro, 1, EROFS, err, sizeof(err));
	ok(contains(err, "read-only file system"), "EROFS");

	/*
	 * The case: a 0400 database of another user.  Root may open
	 * anything, so as root the check runs in a child that is nobody.
	 */
	if (geteuid() != 0) {
		err[0] = '\0';
		is_int(db_open(ro, DB_READWRITE, &db, err, sizeof(err)), -1,
		    "a 0400 database featured cannot write");
		ok(contains(err, "permission denied") &&
		    contains(err, "mode 0400"), "says what is wrong");
		return;
	}
	if ((pw = getpwnam("nobody")) == NULL || pipe(pfd) == -1) {
		ok(1, "# SKIP no user nobody to be");
		return;
	}
	chmod(dir, 0755);
	if ((pid = fork()) == 0) {
		close(pfd[0]);
		if (setgid(pw->pw_gid) == -1 || setuid(pw->pw_uid) == -1)
			_exit(2);
		db_open(ro, DB_READWRITE, &db, msg, sizeof(msg));
		n = write(pfd[1], msg, strlen(msg));
		_exit(n < 0);
	}
	close(pfd[1]);
	n = read(pfd[0], msg, sizeof(msg) - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(pfd[0]);
	waitpid(pid, &status, 0);
	chmod(dir, 0700);
	ok(contains(msg, "permission denied") && contains(msg, "mode 0400") &&
	    contains(msg, "belongs to uid 0") &&
	    strstr(msg, "create") == NULL,
	    "as nobody, a 0400 database of root: permission denied, mode "
	    "and owner, not 'cannot create'");
	diag("%s", msg);
}

int
main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/cpulevel-test-db.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	/* Also when a check bails out. */
	atexit(rm_dir);
	/* sqlite left alone would create the database 0644 under this. */
	umask(022);

	test_migration_table();
	test_from_v3();
	test_fresh();
	test_reopen();
	test_newer();
	test_failed_migration();
	test_readonly_missing();
	test_readonly();
	test_readonly_old();
	test_constraints();
	test_no_ephemeral();
	test_helpers();
	test_column_fs();
	test_same_file();
	test_open_errors();

	rm_dir();
	ok(!file_exists(dir), "temporary directory removed");
	return done_testing();
}
