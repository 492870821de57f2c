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

/* The schema version this build writes and reads: the last migration. */
int	db_schema_version(void);

enum db_mode {
	DB_READWRITE,	/* featured: creates and migrates the database */
	DB_READONLY,	/* migcheck, the CLI: never writes it */
};

/*
 * Open the database file at path.  DB_READWRITE creates it owner-only
 * (0600) if missing, puts it in WAL mode with synchronous=FULL so that a
 * committed transaction survives kill -9 and power loss, enables foreign
 * keys and applies any migrations it lacks, all of them or none.
 * DB_READONLY needs an existing database of exactly this schema version.
 * Either refuses a database from a newer cpulevel.  Returns 0 with the
 * connection in *out, or -1 with a one-line message naming path in err.
 */
int	db_open(const char *path, enum db_mode mode, sqlite3 **out,
	    char *err, size_t errlen);
/* Every statement must have been finalized.  NULL is allowed. */
void	db_close(sqlite3 *db);

/*
 * Prepare exactly one statement; bind values with sqlite3_bind_*().
 * Returns 0, or -1 with sqlite's reason in err and *st NULL.
 */
int	db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st,
	    char *err, size_t errlen);

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

/* A text column into buf ("" for NULL), truncated to fit. */
void	db_column_text(sqlite3_stmt *st, int col, char *buf, size_t len);
/*
 * A featureset column: 1 with *fs parsed, 0 (and *fs empty) for NULL.
 * Stored sets were canonicalised on the way in, so they always parse.
 */
int	db_column_fs(sqlite3_stmt *st, int col, struct featureset *fs);

#endif
