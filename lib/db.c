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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "log.h"
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

/*
 * The first read of the file: where a file that is not a database shows.
 * Such a file is refused before anything could write it (the journal
 * mode included), so whatever it is stays as it was.
 */
static int
read_version(sqlite3 *db, const char *path, int *version, char *err,
    size_t errlen)
{
	int rc;

	*version = 0;
	if ((rc = query_int(db, "PRAGMA user_version", version)) == SQLITE_OK)
		return 0;
	if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT)
		seterr(err, errlen, "database %s: the file is not an sqlite "
		    "database, or is damaged (%s): refusing it, and leaving "
		    "it as it is", path, sqlite3_errmsg(db));
	else
		seterr(err, errlen, "database %s: cannot read its schema "
		    "version: %s", path, sqlite3_errmsg(db));
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
 * What an errno from opening the file means for the operator.  EACCES
 * and ENOENT depend on what is there, and have their own words below.
 */
static const struct {
	int		 errnum;
	const char	*what;
} open_errors[] = {
	{ EROFS,	"is on a read-only file system" },
	{ EISDIR,	"is a directory, not a file" },
	{ ENOTDIR,	"has a path component that is not a directory" },
	{ ELOOP,	"has too many symbolic links in its path" },
	{ ENAMETOOLONG,	"has a path too long" },
	{ ENOSPC,	"cannot be created: no space left on the device" },
	{ EDQUOT,	"cannot be created: disk quota exceeded" },
	{ EMFILE,	"cannot be opened: no file descriptor left" },
};

void
db_describe_errno(const char *path, int creating, int errnum, char *err,
    size_t errlen)
{
	const char *need = creating ? "read and write" : "read";
	struct stat sb;
	size_t i;

	if ((errnum == EACCES || errnum == EPERM) && stat(path, &sb) == 0) {
		seterr(err, errlen, "database %s: permission denied: the file "
		    "has mode %04o and belongs to uid %u gid %u; this process "
		    "runs as uid %u gid %u and must %s it", path,
		    (unsigned)(sb.st_mode & 07777), (unsigned)sb.st_uid,
		    (unsigned)sb.st_gid, (unsigned)geteuid(),
		    (unsigned)getegid(), need);
		return;
	}
	if (errnum == EACCES || errnum == EPERM) {
		seterr(err, errlen, "database %s: permission denied: cannot "
		    "%s in its directory, or search a directory above it",
		    path, creating ? "create the file" : "reach the file");
		return;
	}
	if (errnum == ENOENT) {
		if (creating)
			seterr(err, errlen, "database %s: the directory to "
			    "create it in does not exist", path);
		else
			seterr(err, errlen, "no database at %s (has "
			    "cpulevel-featured run?)", path);
		return;
	}
	for (i = 0; i < sizeof(open_errors) / sizeof(open_errors[0]); i++)
		if (open_errors[i].errnum == errnum) {
			seterr(err, errlen, "database %s %s", path,
			    open_errors[i].what);
			return;
		}
	seterr(err, errlen, "cannot open database %s: %s", path,
	    strerror(errnum));
}

/*
 * The file each open connection was opened on.  sqlite gives out neither
 * its descriptor nor (before 3.44) a place to keep a caller's data with
 * a connection, so the list is kept here.  A process has one or two
 * connections, each used by one thread.
 */
struct db_file {
	sqlite3		*db;
	dev_t		 dev;
	ino_t		 ino;
	struct db_file	*next;
};
static struct db_file *db_files;

static struct db_file *
file_of(sqlite3 *db)
{
	struct db_file *df;

	for (df = db_files; df != NULL; df = df->next)
		if (df->db == db)
			return df;
	return NULL;
}

/*
 * Right after sqlite opened the file, which it does in sqlite3_open_v2():
 * a replacement in between would go unnoticed, but that is a window of
 * microseconds at start against hours of running.
 */
static int
remember_file(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	struct db_file *df;
	struct stat sb;

	if (stat(path, &sb) == -1) {
		db_describe_errno(path, 0, errno, err, errlen);
		return -1;
	}
	if ((df = calloc(1, sizeof(*df))) == NULL) {
		seterr(err, errlen, "database %s: out of memory", path);
		return -1;
	}
	df->db = db;
	df->dev = sb.st_dev;
	df->ino = sb.st_ino;
	df->next = db_files;
	db_files = df;
	return 0;
}

static void
forget_file(sqlite3 *db)
{
	struct db_file **pp, *df;

	for (pp = &db_files; (df = *pp) != NULL; pp = &df->next)
		if (df->db == db) {
			*pp = df->next;
			free(df);
			return;
		}
}

int
db_same_file(sqlite3 *db, char *err, size_t errlen)
{
	struct db_file *df = file_of(db);
	const char *path = sqlite3_db_filename(db, "main");
	struct stat sb;

	if (df == NULL || path == NULL) {
		seterr(err, errlen, "database connection not opened by "
		    "db_open");
		return -1;
	}
	if (stat(path, &sb) == -1) {
		if (errno == ENOENT) {
			seterr(err, errlen, "the database file %s was deleted "
			    "while open", path);
			return DB_FILE_GONE;
		}
		seterr(err, errlen, "the database file %s: cannot check it is "
		    "still the one open: %s", path, strerror(errno));
		return -1;
	}
	if (sb.st_dev != df->dev || sb.st_ino != df->ino) {
		seterr(err, errlen, "the database file %s was replaced by "
		    "another file while open", path);
		return DB_FILE_GONE;
	}
	return DB_FILE_SAME;
}

/*
 * On failure *db may still hold a connection, which the caller closes:
 * sqlite allocates one to carry the error message.
 */
static int
connect_db(const char *path, int flags, sqlite3 **db, char *err,
    size_t errlen)
{
	int fd, ourflags;

	sqlite_setup();
	/* Each connection is used by one thread only: skip sqlite's mutex. */
	if (sqlite3_open_v2(path, db, flags | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		if (*db == NULL) {
			seterr(err, errlen, "cannot open database %s: out of "
			    "memory", path);
			return -1;
		}
		/*
		 * sqlite 3.7.17 cannot tell the errno behind its "unable
		 * to open database file": open the file as it did to learn
		 * it.
		 */
		ourflags = flags & SQLITE_OPEN_READWRITE ? O_RDWR : O_RDONLY;
		if ((fd = open(path, ourflags | O_CLOEXEC)) == -1)
			db_describe_errno(path, ourflags == O_RDWR, errno,
			    err, errlen);
		else {
			close(fd);
			seterr(err, errlen, "cannot open database %s: %s",
			    path, sqlite3_errmsg(*db));
		}
		return -1;
	}
	sqlite3_busy_timeout(*db, DB_BUSY_TIMEOUT_MS);
	return remember_file(*db, path, err, errlen);
}

/*
 * Create the file owner-only before sqlite does.  sqlite would create it
 * 0644 less the umask, and it gives the -wal and -shm files the mode of
 * the database, so this covers them too.  Setting the umask instead
 * would race with other threads creating files; a chmod afterwards would
 * leave a window.  An existing file is left as the operator made it,
 * and opened read-write here so that a file featured cannot write is
 * reported as such, not as a failure to create it.
 */
static int
precreate(const char *path, char *err, size_t errlen)
{
	int fd;

	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		db_describe_errno(path, 1, errno, err, errlen);
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
	if (db_add_functions(db) != SQLITE_OK) {
		seterr(err, errlen, "database %s: cannot add the functions "
		    "migrations call: %s", path, sqlite3_errmsg(db));
		return -1;
	}
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
	/*
	 * WAL is recorded in the file; synchronous and the page cache are
	 * per connection.  The writer's cache is 8 MiB, not sqlite's 2: a
	 * plan or preview reads a pool's VM rows, 4 MiB of them in a pool of
	 * 64 hosts and 10,000 VMs, which the default cache cannot hold, so
	 * each call read them again from the kernel: a join preview 9.4 ms
	 * against 6.0 with 8 MiB (bench/README.md, bench_plans).  sqlite
	 * fills it as pages are read, so a small database costs no more.
	 */
	if (set_wal(*db, path, err, errlen) == -1 ||
	    exec(*db, path, "PRAGMA synchronous=FULL", err, errlen) == -1 ||
	    exec(*db, path, "PRAGMA cache_size=" DB_WRITER_CACHE_KIB, err,
	    errlen) == -1)
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
	int persist = 1;

	if (db == NULL)
		return;
	/*
	 * Closing the last connection checkpoints the WAL into the database
	 * and deletes the -wal and -shm files, by name.  When our file is no
	 * longer at its path, the files of that name may belong to the
	 * database now there (a featured restarted on it): keep them.  Our
	 * own are then unlinked or stale, and what the checkpoint writes
	 * goes to a file nobody will open again.
	 */
	if (file_of(db) != NULL && db_same_file(db, NULL, 0) != DB_FILE_SAME)
		(void)sqlite3_file_control(db, "main",
		    SQLITE_FCNTL_PERSIST_WAL, &persist);
	forget_file(db);
	db_stmt_close(db);
	/* This fails only with statements left unfinalized: a bug. */
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

/*
 * A statement of the transaction's own (BEGIN, COMMIT, a savepoint's),
 * kept as any other (db_stmt): sqlite3_exec() would compile it again
 * every time, a tenth of what a featured write cost.  An sqlite code.
 */
static int
run_kept(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	char why[8];
	int rc;

	if (db_stmt(db, sql, &st, why, sizeof(why)) == -1)
		return sqlite3_exec(db, sql, NULL, NULL, NULL);
	rc = sqlite3_step(st);
	db_stmt_done(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

int
db_begin(sqlite3 *db, char *err, size_t errlen)
{
	if (run_kept(db, "BEGIN IMMEDIATE") == SQLITE_OK)
		return 0;
	seterr(err, errlen, "cannot begin a transaction: %s",
	    sqlite3_errmsg(db));
	return -1;
}

int
db_commit(sqlite3 *db, char *err, size_t errlen)
{
	if (run_kept(db, "COMMIT") == SQLITE_OK)
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

int
db_savepoint(sqlite3 *db, char *err, size_t errlen)
{
	if (run_kept(db, "SAVEPOINT part") == SQLITE_OK)
		return 0;
	seterr(err, errlen, "cannot make a savepoint: %s", sqlite3_errmsg(db));
	return -1;
}

int
db_release(sqlite3 *db, char *err, size_t errlen)
{
	/* Outside a transaction, RELEASE would commit what ran since. */
	if (sqlite3_get_autocommit(db)) {
		seterr(err, errlen, "the transaction was rolled back under "
		    "the request");
		return -1;
	}
	if (run_kept(db, "RELEASE part") == SQLITE_OK)
		return 0;
	seterr(err, errlen, "cannot release a savepoint: %s",
	    sqlite3_errmsg(db));
	return -1;
}

int
db_undo(sqlite3 *db)
{
	if (sqlite3_get_autocommit(db) ||
	    run_kept(db, "ROLLBACK TO part") != SQLITE_OK ||
	    run_kept(db, "RELEASE part") != SQLITE_OK)
		return -1;
	return 0;
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
	/* fs_parse() leaves *fs empty when it fails. */
	return fs_parse((const char *)t, fs, why, sizeof(why)) == 0 ? 1 : -1;
}

/* FNV-1a, over a string and its terminating NUL. */
static uint64_t
hash_str(uint64_t h, const char *s)
{
	do {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	} while (*s++ != '\0');
	return h;
}

/*
 * 1 the first time this damage is seen: table, row, column and stored
 * text.  A ring of hashes: a collision costs one log line, at worst.
 */
static int
first_sighting(const char *table, const char *row, const char *col,
    const char *text)
{
	static uint64_t seen[DB_BAD_REMEMBERED];
	static size_t next;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	h = hash_str(hash_str(hash_str(hash_str(h, table), row), col), text);
	for (i = 0; i < DB_BAD_REMEMBERED; i++)
		if (seen[i] == h)
			return 0;
	seen[next++ % DB_BAD_REMEMBERED] = h;
	return 1;
}

void
db_fs_unreadable(sqlite3_stmt *st, int col, const char *table,
    const char *row, char *err, size_t errlen)
{
	const char *name = sqlite3_column_name(st, col);
	const char *text = (const char *)sqlite3_column_text(st, col);
	char esc[LOG_ESC_SIZE(64)], erow[LOG_ESC_SIZE(64)];

	if (name == NULL)
		name = "?";
	if (text == NULL)
		text = "";
	/* A row's id came from the database too: escaped, as the text. */
	log_esc(row, erow, sizeof(erow));
	seterr(err, errlen, "stored featureset unreadable: table %s, row "
	    "'%s', column %s: the database was changed outside cpulevel; "
	    "repair or delete the row", table, erow, name);
	if (first_sighting(table, row, name, text))
		log_warnx("database: table %s, row '%s', column %s holds "
		    "'%s', which is no featureset: refusing every request "
		    "that reads it", table, erow, name,
		    log_esc(text, esc, sizeof(esc)));
}
