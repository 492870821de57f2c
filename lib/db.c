/*
 * Opening the database and migrating its schema.
 *
 * featured is the only writer; migcheck and the CLI read the same file
 * concurrently.  WAL lets them read while featured writes and shows them
 * each transaction as soon as it commits.  synchronous=FULL makes a
 * commit durable before featured acknowledges it: the protocol promises
 * that an acknowledged change survives kill -9 and power loss.
 *
 * The schema version is PRAGMA user_version: the number of the last
 * migration applied.  A reader insists on exactly the version it was
 * built for; the writer migrates an older database in one transaction,
 * so a failed or interrupted upgrade leaves the old schema intact.  Both
 * refuse a newer database: an older cpulevel would misread it, or undo
 * what the newer one relies on.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "strlcpy.h"

/*
 * How long to wait for another connection's lock.  Writes are a few
 * rows, so a lock is held for milliseconds; waiting covers a checkpoint
 * or a slow disk rather than failing a request.
 */
#define DB_BUSY_TIMEOUT_MS	5000

static void	seterr(char *err, size_t errlen, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int
db_schema_version(void)
{
	/* embed_migrations.py guarantees versions 1..N in order. */
	return (int)db_migrations_len;
}

/*
 * Run a statement that returns one integer, such as a pragma.  Returns
 * an sqlite code; *val is left alone when there is no row (a pragma this
 * sqlite does not know returns none).
 */
static int
query_int(sqlite3 *db, const char *sql, int *val)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL)) != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*val = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* As query_int, for a text result; buf is "" when there is no row. */
static int
query_text(sqlite3 *db, const char *sql, char *buf, size_t len)
{
	sqlite3_stmt *st;
	const unsigned char *s;
	int rc;

	buf[0] = '\0';
	if ((rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL)) != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && (s = sqlite3_column_text(st, 0)) != NULL)
		strlcpy(buf, (const char *)s, len);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int
exec(sqlite3 *db, const char *path, const char *sql, char *err,
    size_t errlen)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK)
		return 0;
	seterr(err, errlen, "database %s: %s: %s", path, sql,
	    sqlite3_errmsg(db));
	return -1;
}

static int
read_version(sqlite3 *db, const char *path, int *version, char *err,
    size_t errlen)
{
	*version = 0;
	if (query_int(db, "PRAGMA user_version", version) == SQLITE_OK)
		return 0;
	seterr(err, errlen, "database %s: cannot read its schema version: %s",
	    path, sqlite3_errmsg(db));
	return -1;
}

/* Whatever the mode, a database this build cannot understand is refused. */
static int
check_version(const char *path, int version, char *err, size_t errlen)
{
	if (version < 0) {
		seterr(err, errlen, "database %s has schema version %d, which "
		    "no cpulevel writes: refusing to open it", path, version);
		return -1;
	}
	if (version > db_schema_version()) {
		seterr(err, errlen, "database %s has schema version %d, newer "
		    "than this cpulevel (%d) knows: refusing to open it; "
		    "upgrade cpulevel", path, version, db_schema_version());
		return -1;
	}
	return 0;
}

/*
 * Before sqlite's first use in the process: no memory statistics.  We
 * never ask for them, and keeping them takes a global mutex around every
 * allocation; a read statement makes a dozen (5% of migcheck's
 * instructions for a check went there).  Once sqlite is initialised the
 * call fails harmlessly, and the statistics stay on.
 */
static void
sqlite_setup(void)
{
	static int done;

	if (!done) {
		done = 1;
		(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	}
}

/*
 * On failure *db may still hold a connection, which the caller closes:
 * sqlite allocates one to carry the error message.
 */
static int
connect_db(const char *path, int flags, sqlite3 **db, char *err,
    size_t errlen)
{
	struct stat sb;

	sqlite_setup();
	/* Each connection is used by one thread only: skip sqlite's mutex. */
	if (sqlite3_open_v2(path, db, flags | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		if (!(flags & SQLITE_OPEN_CREATE) && stat(path, &sb) == -1 &&
		    errno == ENOENT)
			seterr(err, errlen, "no database at %s (has "
			    "cpulevel-featured run?)", path);
		else
			seterr(err, errlen, "cannot open database %s: %s",
			    path, *db != NULL ? sqlite3_errmsg(*db) :
			    "out of memory");
		return -1;
	}
	sqlite3_busy_timeout(*db, DB_BUSY_TIMEOUT_MS);
	return 0;
}

/*
 * Create the file owner-only before sqlite does.  sqlite would create it
 * 0644 less the umask, and it gives the -wal and -shm files the mode of
 * the database, so this covers them too.  Setting the umask instead
 * would race with other threads creating files; a chmod afterwards would
 * leave a window.  An existing file is left as the operator made it.
 */
static int
precreate(const char *path, char *err, size_t errlen)
{
	int fd;

	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		seterr(err, errlen, "cannot create database %s: %s", path,
		    strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

static int
set_wal(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	char mode[32];

	if (query_text(db, "PRAGMA journal_mode=WAL", mode, sizeof(mode)) !=
	    SQLITE_OK) {
		seterr(err, errlen, "database %s: cannot set WAL mode: %s",
		    path, sqlite3_errmsg(db));
		return -1;
	}
	/* sqlite answers with the mode it is in, which it may not change. */
	if (strcmp(mode, "wal") != 0) {
		seterr(err, errlen, "database %s: cannot set WAL mode: the "
		    "journal mode stays '%s'", path, mode);
		return -1;
	}
	return 0;
}

static int
enable_foreign_keys(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	int on = 0;

	if (exec(db, path, "PRAGMA foreign_keys=ON", err, errlen) == -1)
		return -1;
	/* An sqlite built without them accepts the pragma and ignores it. */
	if (query_int(db, "PRAGMA foreign_keys", &on) != SQLITE_OK || on != 1) {
		seterr(err, errlen, "database %s: this sqlite does not enforce "
		    "foreign keys", path);
		return -1;
	}
	return 0;
}

/* Inside the migration's transaction: no row may point nowhere. */
static int
check_foreign_keys(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &st,
	    NULL) != SQLITE_OK) {
		seterr(err, errlen, "database %s: foreign_key_check: %s", path,
		    sqlite3_errmsg(db));
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		seterr(err, errlen, "database %s: migrating to version %d "
		    "leaves table %s referring to missing rows", path,
		    db_schema_version(),
		    (const char *)sqlite3_column_text(st, 0));
	else if (rc != SQLITE_DONE)
		seterr(err, errlen, "database %s: foreign_key_check: %s", path,
		    sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
apply_migrations(sqlite3 *db, const char *path, int from, char *err,
    size_t errlen)
{
	const struct db_migration *m;
	size_t i;

	for (i = (size_t)from; i < db_migrations_len; i++) {
		m = &db_migrations[i];
		if (sqlite3_exec(db, m->sql, NULL, NULL, NULL) != SQLITE_OK) {
			seterr(err, errlen, "database %s: migration %s failed: "
			    "%s", path, m->name, sqlite3_errmsg(db));
			return -1;
		}
		/* A COMMIT in a migration would break the all-or-nothing. */
		if (sqlite3_get_autocommit(db)) {
			seterr(err, errlen, "database %s: migration %s ended "
			    "the transaction", path, m->name);
			return -1;
		}
	}
	return 0;
}

/*
 * Bring the schema from whatever version it has to db_schema_version(),
 * in one transaction.
 */
static int
migrate(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	char sql[64];
	int version;

	/*
	 * Migrations run with foreign keys off, as sqlite's procedure for
	 * rebuilding a table requires: with them on, dropping the old copy
	 * would fire ON DELETE actions on every row referring to it.  The
	 * pragma does nothing inside a transaction, hence before BEGIN;
	 * check_foreign_keys() then catches a migration that breaks them.
	 */
	if (exec(db, path, "PRAGMA foreign_keys=OFF", err, errlen) == -1)
		return -1;
	if (exec(db, path, "BEGIN IMMEDIATE", err, errlen) == -1)
		return -1;
	/* Another process may have migrated it before we got the lock. */
	if (read_version(db, path, &version, err, errlen) == -1 ||
	    check_version(path, version, err, errlen) == -1)
		goto fail;
	if (version == db_schema_version()) {
		db_rollback(db);
		return 0;
	}
	if (apply_migrations(db, path, version, err, errlen) == -1 ||
	    check_foreign_keys(db, path, err, errlen) == -1)
		goto fail;
	/* A pragma takes no bound parameters; the number is our own. */
	snprintf(sql, sizeof(sql), "PRAGMA user_version=%d",
	    db_schema_version());
	if (exec(db, path, sql, err, errlen) == -1 ||
	    exec(db, path, "COMMIT", err, errlen) == -1)
		goto fail;
	return 0;
fail:
	db_rollback(db);
	return -1;
}

static int
open_readwrite(const char *path, sqlite3 **db, char *err, size_t errlen)
{
	int version;

	if (precreate(path, err, errlen) == -1 ||
	    connect_db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, db,
	    err, errlen) == -1)
		return -1;
	/*
	 * Refuse a newer database before changing anything in the file, the
	 * journal mode included.
	 */
	if (read_version(*db, path, &version, err, errlen) == -1 ||
	    check_version(path, version, err, errlen) == -1)
		return -1;
	/* WAL is recorded in the file; synchronous is per connection. */
	if (set_wal(*db, path, err, errlen) == -1 ||
	    exec(*db, path, "PRAGMA synchronous=FULL", err, errlen) == -1)
		return -1;
	if (version < db_schema_version() &&
	    migrate(*db, path, err, errlen) == -1)
		return -1;
	return enable_foreign_keys(*db, path, err, errlen);
}

/*
 * The file is opened read-only, so nothing here can write it; sqlite may
 * still create the -wal and -shm files that readers of a WAL database
 * share with the writer.
 */
static int
open_readonly(const char *path, sqlite3 **db, char *err, size_t errlen)
{
	int version;

	if (connect_db(path, SQLITE_OPEN_READONLY, db, err, errlen) == -1 ||
	    read_version(*db, path, &version, err, errlen) == -1 ||
	    check_version(path, version, err, errlen) == -1)
		return -1;
	if (version != db_schema_version()) {
		seterr(err, errlen, "database %s has schema version %d, this "
		    "cpulevel needs %d: start cpulevel-featured to upgrade it",
		    path, version, db_schema_version());
		return -1;
	}
	return 0;
}

int
db_open(const char *path, enum db_mode mode, sqlite3 **out, char *err,
    size_t errlen)
{
	sqlite3 *db = NULL;
	int rc;

	*out = NULL;
	if (mode == DB_READWRITE)
		rc = open_readwrite(path, &db, err, errlen);
	else
		rc = open_readonly(path, &db, err, errlen);
	if (rc == -1) {
		db_close(db);
		return -1;
	}
	*out = db;
	return 0;
}

void
db_close(sqlite3 *db)
{
	/*
	 * Closing the last connection checkpoints the WAL into the database
	 * and removes it.  This fails only with statements left unfinalized,
	 * a bug in the caller.
	 */
	sqlite3_close(db);
}

int
db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, char *err,
    size_t errlen)
{
	const char *tail = NULL;

	*st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, st, &tail) != SQLITE_OK) {
		/* The statement's first line is enough to recognise it. */
		seterr(err, errlen, "%s, in SQL \"%.*s\"", sqlite3_errmsg(db),
		    (int)strcspn(sql, "\n"), sql);
		*st = NULL;
		return -1;
	}
	if (*st == NULL) {
		seterr(err, errlen, "no SQL statement in \"%s\"", sql);
		return -1;
	}
	/* sqlite would silently ignore a second statement. */
	if (tail != NULL && tail[strspn(tail, " \t\r\n;")] != '\0') {
		seterr(err, errlen, "more than one SQL statement in \"%.*s\"",
		    (int)strcspn(sql, "\n"), sql);
		sqlite3_finalize(*st);
		*st = NULL;
		return -1;
	}
	return 0;
}

int
db_begin(sqlite3 *db, char *err, size_t errlen)
{
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK)
		return 0;
	seterr(err, errlen, "cannot begin a transaction: %s",
	    sqlite3_errmsg(db));
	return -1;
}

int
db_commit(sqlite3 *db, char *err, size_t errlen)
{
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
		return 0;
	seterr(err, errlen, "cannot commit: %s", sqlite3_errmsg(db));
	/* A COMMIT that failed busy leaves the transaction open. */
	db_rollback(db);
	return -1;
}

void
db_rollback(sqlite3 *db)
{
	/* sqlite may already have rolled back, after an I/O error say. */
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

void
db_column_text(sqlite3_stmt *st, int col, char *buf, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	size_t n = t ? (size_t)sqlite3_column_bytes(st, col) : 0;

	if (len == 0)
		return;
	if (n >= len)
		n = len - 1;
	if (n > 0)
		memcpy(buf, t, n);
	buf[n] = '\0';
}

int
db_column_fs(sqlite3_stmt *st, int col, struct featureset *fs)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	char why[8];

	if (t == NULL) {
		fs_clear(fs);
		return 0;
	}
	if (fs_parse((const char *)t, fs, why, sizeof(why)) == -1)
		fs_clear(fs);
	return 1;
}
