/*
 * The SQL functions the migrations in db/ call.  sqlite has no JSON
 * functions before 3.38 unless built with JSON1, and the oldest dom0 we
 * ship to has 3.7.17; and a migration that fills a column from stored
 * data must read it exactly as the release that used to read it did,
 * which only the same C code can promise.  So the functions are ours,
 * added to the connection that migrates.
 */
#include <string.h>

#include <json.h>

#include "cpuinfo.h"
#include "db.h"
#include "jsonutil.h"

/*
 * cpu_info_count(cpu_info, key): the count under key in a stored
 * cpu_info, as releases before migration 0002 read it on every read of
 * the host: a text that does not parse, a key that is absent, or a value
 * that is not a plain count, counts as 0.
 */
static void
cpu_info_count(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *text = (const char *)sqlite3_value_text(argv[0]);
	const char *key = (const char *)sqlite3_value_text(argv[1]);
	struct json_object *ci = NULL, *v;
	long long n = 0;
	char why[64];

	(void)argc;
	if (text != NULL && key != NULL)
		ci = json_parse_stored(text, strlen(text), why, sizeof(why));
	/* A JSON null has no string: NULL, which counts as 0. */
	if (ci != NULL && json_object_object_get_ex(ci, key, &v))
		n = cpuinfo_parse_count(json_object_get_string(v));
	json_object_put(ci);
	sqlite3_result_int64(ctx, n);
}

int
db_add_functions(sqlite3 *db)
{
	return sqlite3_create_function(db, "cpu_info_count", 2, SQLITE_UTF8,
	    NULL, cpu_info_count, NULL, NULL);
}
