/*
 * The database behind the daemons' backs, with sqlite itself, as an
 * operator with sqlite3(1) or a previous release would touch it: the
 * tests that damage, replace or hand-write cpulevel.db, and compare its
 * rows as text.  Every failure is the test's own ("Bail out!"), never a
 * check.  Link dep_raw_db (tests/meson.build).
 */
#ifndef CPULEVEL_RAW_DB_H
#define CPULEVEL_RAW_DB_H

#include <stdio.h>

#include <sqlite3.h>

/* path opened with flags (SQLITE_OPEN_*), waiting up to 5 s on a lock. */
sqlite3	*raw_open(const char *path, int flags);
/* sql (one or more statements) run on db. */
void	 raw_do(sqlite3 *db, const char *sql);
/* sql run on path, opened read-write for it and closed. */
void	 raw_exec(const char *path, const char *sql);
/* sql's rows written to fp, a line each: every column's text and '|'. */
void	 raw_rows(sqlite3 *db, const char *sql, FILE *fp);

#endif
