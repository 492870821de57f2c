/*
 * Statements prepared once per connection and kept.  featured spent
 * nearly half of its instructions in sqlite3_prepare_v2(), compiling the
 * same few dozen statements again on every request; a compiled
 * statement is reused here after sqlite3_reset() and
 * sqlite3_clear_bindings(), and finalized when db_close() closes its
 * connection.
 *
 * A statement is known by the address of its SQL text, a string
 * literal of the caller's: no hashing of text, and two callers of one
 * literal share one statement.  The table is small and fixed, open
 * addressing on the address; a full table is a bug in the caller (a
 * text built at run time), refused rather than grown.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "db.h"

struct db_slot {
	const char	*sql;		/* the key: the text's address */
	sqlite3_stmt	*st;
};

struct db_cache {
	sqlite3		*db;
	struct db_slot	 slot[DB_STMT_MAX];
	unsigned long	 prepares;
	struct db_cache	*next;
};

/* A process has one or two connections; each used by one thread. */
static struct db_cache *caches;

static struct db_cache *
cache_of(sqlite3 *db, int create)
{
	struct db_cache *c;

	for (c = caches; c != NULL; c = c->next)
		if (c->db == db)
			return c;
	if (!create || (c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->db = db;
	c->next = caches;
	caches = c;
	return c;
}

/* The slot of sql: its own, or the empty one it would take; NULL if full. */
static struct db_slot *
slot_of(struct db_cache *c, const char *sql)
{
	size_t i, h = ((uintptr_t)sql >> 3) % DB_STMT_MAX, n;

	for (n = 0; n < DB_STMT_MAX; n++) {
		i = (h + n) % DB_STMT_MAX;
		if (c->slot[i].sql == sql || c->slot[i].sql == NULL)
			return &c->slot[i];
	}
	return NULL;
}

int
db_stmt(sqlite3 *db, const char *sql, sqlite3_stmt **st, char *err,
    size_t errlen)
{
	struct db_cache *c;
	struct db_slot *s;

	*st = NULL;
	if ((c = cache_of(db, 1)) == NULL) {
		snprintf(err, errlen, "out of memory for a statement");
		return -1;
	}
	if ((s = slot_of(c, sql)) == NULL) {
		snprintf(err, errlen, "more than %d statements kept: SQL "
		    "built at run time?", DB_STMT_MAX);
		return -1;
	}
	if (s->st != NULL) {
		/* A caller that steps it still (a row callback's nested
		 * use) would have its rows reset under it. */
		if (sqlite3_stmt_busy(s->st)) {
			snprintf(err, errlen, "statement already in use: "
			    "\"%.60s\"", sql);
			return -1;
		}
		sqlite3_reset(s->st);
		sqlite3_clear_bindings(s->st);
		*st = s->st;
		return 0;
	}
	if (db_prepare(db, sql, &s->st, err, errlen) == -1)
		return -1;
	s->sql = sql;
	c->prepares++;
	*st = s->st;
	return 0;
}

void
db_stmt_done(sqlite3_stmt *st)
{
	/* Reset at once: a read left stepping would hold its snapshot,
	 * and keep the WAL from being checkpointed past it. */
	if (st != NULL)
		sqlite3_reset(st);
}

unsigned long
db_stmt_prepares(sqlite3 *db)
{
	struct db_cache *c = cache_of(db, 0);

	return c ? c->prepares : 0;
}

void
db_stmt_close(sqlite3 *db)
{
	struct db_cache **pp, *c;
	size_t i;

	for (pp = &caches; (c = *pp) != NULL; pp = &c->next)
		if (c->db == db) {
			for (i = 0; i < DB_STMT_MAX; i++)
				sqlite3_finalize(c->slot[i].st);
			*pp = c->next;
			free(c);
			return;
		}
}
