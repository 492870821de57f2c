/*
 * The database behind the daemons' backs (raw_db.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include <sqlite3.h>

#include "raw_db.h"

sqlite3 *
raw_open(const char *path, int flags)
{
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		printf("Bail out! sqlite3_open %s: %s\n", path,
		    db ? sqlite3_errmsg(db) : "out of memory");
		exit(1);
	}
	/* The daemons hold it too: wait for them, as sqlite3(1) would. */
	sqlite3_busy_timeout(db, 5000);
	return db;
}

void
raw_do(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	/* A schema is long: its start says which statement it was. */
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		printf("Bail out! %.200s: %s\n", sql, msg ? msg : "?");
		exit(1);
	}
}

void
raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = raw_open(path, SQLITE_OPEN_READWRITE);

	raw_do(db, sql);
	sqlite3_close(db);
}

void
raw_rows(sqlite3 *db, const char *sql, FILE *fp)
{
	const unsigned char *v;
	sqlite3_stmt *st;
	int c;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		printf("Bail out! %s: %s\n", sql, sqlite3_errmsg(db));
		exit(1);
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (c = 0; c < sqlite3_column_count(st); c++) {
			v = sqlite3_column_text(st, c);
			fprintf(fp, "%s|", v ? (const char *)v : "NULL");
		}
		fputc('\n', fp);
	}
	sqlite3_finalize(st);
}
