/*
 * The sqlite database: opening it, bringing its schema up to date, and
 * the few helpers every caller uses so that no SQL is ever built from
 * input.  The schema is db/NNNN_*.sql, embedded at build time; a
 * database records the last migration applied in PRAGMA user_version.
 *
 * Only sqlite 3.7.17 API is used (the oldest dom0 we ship to).
 */
#ifndef CPULEVEL_DB_H
#define CPULEVEL_DB_H

#include <stddef.h>

#include <sqlite3.h>

#include "featureset.h"

struct db_migration {
	int		 version;	/* 1..N, in order */
	const char	*name;		/* "0001_initial.sql" */
	const char	*sql;
};

/* Generated from db/ by db/embed_migrations.py. */
extern const struct db_migration db_migrations[];
extern const size_t db_migrations_len;

/*
 * Add to db the SQL functions the migrations call (lib/db_functions.c):
 * cpu_info_count(cpu_info, key), a count in a stored cpu_info as
 * cpuinfo_parse_count() reads it.  db_open() does before migrating.
 * Returns an sqlite code.
 */
int	db_add_functions(sqlite3 *db);

/* The schema version this build writes and reads: the last migration. */
int	db_schema_version(void);

enum db_mode {
	DB_READWRITE,	/* featured: creates and migrates the database */
	DB_READONLY,	/* migcheck, the CLI: never writes it */
};

/* The writer's page cache, as PRAGMA cache_size takes it (KiB: negative). */
#define DB_WRITER_CACHE_KIB	"-8192"

/*
 * Open the database file at path.  DB_READWRITE creates it owner-only
 * (0600) if missing, puts it in WAL mode with synchronous=FULL so that a
 * committed transaction survives kill -9 and power loss, gives it an
 * 8 MiB page cache, enables foreign keys and applies any migrations it
 * lacks, all of them or none.
 * DB_READONLY needs an existing database of exactly this schema version.
 * Either refuses a database from a newer cpulevel.  Returns 0 with the
 * connection in *out, or -1 with a one-line message naming path in err.
 */
int	db_open(const char *path, enum db_mode mode, sqlite3 **out,
	    char *err, size_t errlen);
/*
 * Every statement must have been finalized.  NULL is allowed.  A
 * connection whose file is no longer the one at its path (db_same_file)
 * is closed without deleting the -wal and -shm files at that path: they
 * may be another database's by now.
 */
void	db_close(sqlite3 *db);
/*
 * Take "<path>.lock" for the life of the process (lib/db_lock.c says
 * why a file of its own): the descriptor, to keep open, or -1 with err
 * "<path> is in use by another <who> (pid N)" or why it could not.
 */
int	db_lock(const char *path, const char *who, char *err, size_t errlen);

/*
 * Is the file db has open still the one at the path it was opened by?
 * db_open records the file's device and inode; an operator who deletes
 * the database, or moves another over it, leaves the connection on a
 * file nobody will ever open again.  Returns DB_FILE_SAME, DB_FILE_GONE
 * (deleted or replaced; the reason in err), or -1 when it cannot tell
 * (stat failed otherwise; the reason in err).  One stat(2).
 */
#define DB_FILE_SAME	0
#define DB_FILE_GONE	1
int	db_same_file(sqlite3 *db, char *err, size_t errlen);

/*
 * What is wrong, in words, when opening or creating the database file at
 * path failed with errnum: the file's mode and owner against ours for
 * EACCES, a missing directory for ENOENT, and so on.  Exposed for tests.
 */
void	db_describe_errno(const char *path, int creating, int errnum,
	    char *err, size_t errlen);

/*
 * Prepare exactly one statement; bind values with sqlite3_bind_*().
 * Returns 0, or -1 with sqlite's reason in err and *st NULL.
 */
int	db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st,
	    char *err, size_t errlen);

/*
 * A statement prepared once per connection and kept (lib/db_stmt.c):
 * sql must be a string of fixed address, a literal, which is its key.
 * Returns 0 with *st reset and unbound, ready to bind, or -1 with the
 * reason in err: sqlite's, more than DB_STMT_MAX statements, or the
 * statement still being stepped by another caller.  The caller never
 * finalizes it: db_stmt_done() when done with it, db_close() finalizes.
 */
#define DB_STMT_MAX	64
int	db_stmt(sqlite3 *db, const char *sql, sqlite3_stmt **st, char *err,
	    size_t errlen);
/* Reset st (NULL allowed): its read ends, its bindings stay till reuse. */
void	db_stmt_done(sqlite3_stmt *st);
/* How many statements db_stmt() has compiled on db: for tests. */
unsigned long db_stmt_prepares(sqlite3 *db);
/* Finalize the statements kept for db; db_close() does. */
void	db_stmt_close(sqlite3 *db);

/*
 * Write transactions.  db_begin takes the write lock at once (BEGIN
 * IMMEDIATE), waiting up to the busy timeout, so a transaction never
 * fails half way for want of it.  db_commit rolls back when it fails:
 * either way the transaction is over.  db_rollback may be called when
 * none is open.
 */
int	db_begin(sqlite3 *db, char *err, size_t errlen);
int	db_commit(sqlite3 *db, char *err, size_t errlen);
void	db_rollback(sqlite3 *db);
/*
 * One savepoint inside the transaction, for a part that may have to be
 * taken back alone (a request of a group commit).  db_savepoint and
 * db_release return 0, or -1 with sqlite's reason in err; db_release
 * fails too when the transaction itself is gone (sqlite rolls it all
 * back after some errors).  db_undo takes the part back and ends the
 * savepoint: 0, or -1 when the transaction is gone or could not be
 * taken back, and must then be rolled back whole.
 */
int	db_savepoint(sqlite3 *db, char *err, size_t errlen);
int	db_release(sqlite3 *db, char *err, size_t errlen);
int	db_undo(sqlite3 *db);

/* A text column into buf ("" for NULL), truncated to fit. */
void	db_column_text(sqlite3_stmt *st, int col, char *buf, size_t len);
/*
 * A featureset column: 1 with *fs parsed ('' is the empty set), 0 (and
 * *fs empty) for NULL, -1 (and *fs empty) when the text does not parse.
 * Stored sets were canonicalised on the way in, so only a database
 * changed behind cpulevel's back gives -1, and the caller must then
 * refuse the request: an empty set would constrain nothing, so reading
 * a damaged set as empty would turn "incompatible" into "compatible".
 */
int	db_column_fs(sqlite3_stmt *st, int col, struct featureset *fs);
/*
 * The message for a column db_column_fs() refused, naming the table,
 * the row's id and the column, in err; logged (with the stored text,
 * escaped) the first time this row and column are seen damaged, so a
 * client retrying does not flood the log.  The last DB_BAD_REMEMBERED
 * distinct damaged values are remembered.
 */
#define DB_BAD_REMEMBERED	64
void	db_fs_unreadable(sqlite3_stmt *st, int col, const char *table,
	    const char *row, char *err, size_t errlen);

#endif
