/*
 * The database damaged or taken away under the running daemons, with the
 * real cpulevel-featured (CPULEVEL_FEATURED) and cpulevel-migcheck
 * (CPULEVEL_MIGCHECK) on one file, changed behind their backs with sqlite
 * itself, as an operator or a failing disk would:
 *
 * - a stored featureset that does not parse, in each table: every request
 *   that reads it is refused with -32603 naming table, row and column, in
 *   both daemons, nothing in the database changes, and each daemon logs
 *   it once however often it is asked;
 * - the file deleted: featured refuses every write (it would be lost),
 *   and logs it once; migcheck answers "no database" until featured,
 *   restarted, has made a new one, and then answers from that;
 * - the file replaced by another database: featured refuses writes,
 *   migcheck answers from the new file, and featured restarted on it
 *   writes there, migcheck seeing its commits and a restart keeping them;
 * - a file that is not a database: featured refuses to start, says so,
 *   and leaves the file as it was.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json.h>
#include <sqlite3.h>

#include "tap.h"
#include "daemon_harness.h"
#include "raw_db.h"

/* The daemons on a.db; F2 prepares q.db, which later replaces a.db. */
static struct featured F = FC_INIT, M = FC_INIT, F2 = FC_INIT;

#define BIG	"ffffffff-ffffffff"
#define SMALL	"0000000f-00000001"

/* ---- the database, behind the daemons' backs ------------------------ */

/* Every row of every table, as text: a malloc'd snapshot to compare. */
static char *
raw_dump(const char *path)
{
	static const char *const tables[] = { "host", "pool", "vm",
	    "level_history" };
	sqlite3 *db = raw_open(path, SQLITE_OPEN_READWRITE);
	char sql[128], *buf = NULL;
	size_t len = 0, i;
	FILE *fp = open_memstream(&buf, &len);

	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		snprintf(sql, sizeof(sql), "SELECT * FROM %s ORDER BY rowid",
		    tables[i]);
		fprintf(fp, "%s:\n", tables[i]);
		raw_rows(db, sql, fp);
	}
	fclose(fp);
	sqlite3_close(db);
	return buf;
}

/* ---- requests -------------------------------------------------------- */

static void
fdo(struct featured *f, const char *what, const char *method,
    json_object *params)
{
	json_object *r = fc_call(f, method, params);

	expect_result(r, what, NULL);
	json_object_put(r);
}

/*
 * One TAP line: the reply is -32603 whose data (a string) holds each of
 * the NULL-terminated needles.
 */
static int
expect_internal(json_object *r, const char *what, ...)
{
	const char *data = jstr(r, "error.data"), *needle;
	json_object *code = jpath(r, "error.code", NULL);
	int good = code != NULL && json_object_get_int64(code) == -32603 &&
	    data != NULL && jget(r, "result", NULL) == NULL;
	va_list ap;

	va_start(ap, what);
	while (good && (needle = va_arg(ap, const char *)) != NULL)
		good = strstr(data, needle) != NULL;
	va_end(ap);
	if (!ok(good, what))
		diag("  reply: %.600s", r ? jtext(r) : "(none)");
	json_object_put(r);
	return good;
}

/* ---- the story ------------------------------------------------------- */

static void
t_start(void)
{
	fc_start_checked(&F, "featured");
	fc_start_checked(&M, "migcheck");
}

/*
 * h1 has every bit, h2 few: vm1, started on h1, cannot go to h2.  p1
 * has h3 and h4, so a level and its history.  vm2's stored set is made
 * '' by hand: the empty set, which parses, and so must still be read as
 * the empty set (it constrains nothing) rather than refused.
 */
static void
t_setup(void)
{
	json_object *r, *res;

	fdo(&F, "Host.boot h1", "Host.boot", jobj("host", js("h1"),
	    "cpu_info", fc_cpu_info(BIG), NULL));
	fdo(&F, "Host.boot h2", "Host.boot", jobj("host", js("h2"),
	    "cpu_info", fc_cpu_info(SMALL), NULL));
	fdo(&F, "Host.boot h3", "Host.boot", jobj("host", js("h3"),
	    "cpu_info", fc_cpu_info(BIG), NULL));
	fdo(&F, "Host.boot h4", "Host.boot", jobj("host", js("h4"),
	    "cpu_info", fc_cpu_info(SMALL), NULL));
	fdo(&F, "Pool.join p1 h3", "Pool.join", jobj("pool", js("p1"),
	    "host", js("h3"), NULL));
	fdo(&F, "Pool.join p1 h4", "Pool.join", jobj("pool", js("p1"),
	    "host", js("h4"), NULL));
	fdo(&F, "VM.start vm1 on h1", "VM.start", jobj("vm", js("vm1"),
	    "host", js("h1"), "domain_type", js("hvm"), NULL));
	fdo(&F, "VM.import vm2 with features ''", "VM.import", jobj("vm",
	    js("vm2"), "host", js("h1"), "domain_type", js("hvm"),
	    "power_state", js("running"), "last_boot_CPU_flags",
	    jobj("vendor", js("GenuineIntel"), "features", js(""), NULL),
	    NULL));
	raw_exec(F.db, "UPDATE vm SET features = '' WHERE id = 'vm2'");

	r = fc_call(&M, "VM.check_migrate", jobj("vm", js("vm1"), "host",
	    js("h2"), NULL));
	if (expect_result(r, "migcheck: VM.check_migrate vm1 h2", &res))
		ok(!jbool(res, "compatible"), "vm1 cannot go to h2");
	json_object_put(r);
	r = fc_call(&M, "VM.check_migrate", jobj("vm", js("vm2"), "host",
	    js("h2"), NULL));
	if (expect_result(r, "migcheck: VM.check_migrate vm2 h2", &res))
		ok(jbool(res, "compatible"), "vm2, whose set is '' (empty), "
		    "can go to h2: '' still reads as the empty set");
	json_object_put(r);
}

/*
 * Damage one column of one row; every call must be refused naming it,
 * the database must not change, and each daemon logs it once.
 */
struct damage {
	const char	*what;
	const char	*corrupt, *repair;	/* SQL */
	const char	*names;		/* in the error's data */
	const char	*logged;	/* in the log line */
	struct call {
		struct featured	*d;
		const char	*method;
		const char	*vm, *host, *pool;
	} calls[4];
};

static json_object *
call_params(const struct call *c)
{
	json_object *p = json_object_new_object();

	if (c->vm)
		json_object_object_add(p, "vm", js(c->vm));
	if (c->host)
		json_object_object_add(p, "host", js(c->host));
	if (c->pool)
		json_object_object_add(p, "pool", js(c->pool));
	return p;
}

static void
damage_one(const struct damage *d)
{
	const struct call *c;
	char *before, *after;
	int round, asks_f = 0, asks_m = 0;

	raw_exec(F.db, d->corrupt);
	before = raw_dump(F.db);
	/* Three rounds: a client retrying must not flood the log. */
	for (round = 0; round < 3; round++)
		for (c = d->calls; c->d != NULL; c++)
			expect_internal(fc_call(c->d, c->method,
			    call_params(c)), L("%s: %s %s refused (-32603 "
			    "naming it), round %d", d->what, c->d->name,
			    c->method, round + 1), d->names, NULL);
	after = raw_dump(F.db);
	ok(strcmp(before, after) == 0, L("%s: nothing in the database "
	    "changed", d->what));
	free(before);
	free(after);
	for (c = d->calls; c->d != NULL; c++)
		*(c->d == &F ? &asks_f : &asks_m) = 1;
	if (asks_f)
		is_int(fc_log_count(&F, d->logged), 1, L("%s: featured logged "
		    "it once", d->what));
	if (asks_m)
		is_int(fc_log_count(&M, d->logged), 1, L("%s: migcheck logged "
		    "it once", d->what));
	raw_exec(F.db, d->repair);
}

static void
t_damaged_sets(void)
{
	static const struct damage damages[] = {
		{ "host h2 features_hvm 'zz'",
		  "UPDATE host SET features_hvm = 'zz' WHERE id = 'h2'",
		  "UPDATE host SET features_hvm = '" SMALL "' WHERE id = 'h2'",
		  "table host, row 'h2', column features_hvm",
		  "row 'h2', column features_hvm holds 'zz'",
		  { { &M, "VM.check_migrate", "vm1", "h2", NULL },
		    { &M, "VM.assert_can_migrate", "vm1", "h2", NULL },
		    { &F, "VM.migrate", "vm1", "h2", NULL },
		    { NULL, NULL, NULL, NULL, NULL } } },
		{ "vm vm1 features '1-2-xyz'",
		  "UPDATE vm SET features = '1-2-xyz' WHERE id = 'vm1'",
		  "UPDATE vm SET features = '" BIG "' WHERE id = 'vm1'",
		  "table vm, row 'vm1', column features",
		  "row 'vm1', column features holds '1-2-xyz'",
		  { { &M, "VM.get_possible_hosts", "vm1", NULL, NULL },
		    { &F, "VM.get_cpu_flags", "vm1", NULL, NULL },
		    { &F, "VM.migrate", "vm1", "h2", NULL },
		    { NULL, NULL, NULL, NULL, NULL } } },
		{ "pool p1 features_hvm_host 'q'",
		  "UPDATE pool SET features_hvm_host = 'q' WHERE id = 'p1'",
		  "UPDATE pool SET features_hvm_host = '" SMALL "' "
		  "WHERE id = 'p1'",
		  "table pool, row 'p1', column features_hvm_host",
		  "row 'p1', column features_hvm_host holds 'q'",
		  { { &F, "Pool.get_cpu_info", NULL, NULL, "p1" },
		    { &F, "Pool.eject", NULL, "h4", "p1" },
		    { NULL, NULL, NULL, NULL, NULL } } },
		{ "a pool member's features_hvm",
		  "UPDATE host SET features_hvm = '-' WHERE id = 'h3'",
		  "UPDATE host SET features_hvm = '" BIG "' WHERE id = 'h3'",
		  "table host, row 'h3', column features_hvm",
		  "row 'h3', column features_hvm holds '-'",
		  { { &F, "Pool.eject", NULL, "h4", "p1" },
		    { &M, "VM.get_possible_hosts", "vm1", NULL, NULL },
		    { NULL, NULL, NULL, NULL, NULL } } },
		{ "level_history features_pv_host_new 'g'",
		  "UPDATE level_history SET features_pv_host_new = 'g' "
		  "WHERE seq = 1",
		  "UPDATE level_history SET features_pv_host_new = '" BIG "' "
		  "WHERE seq = 1",
		  "table level_history, row '1', column features_pv_host_new",
		  "row '1', column features_pv_host_new holds 'g'",
		  { { &F, "Pool.get_level_history", NULL, NULL, "p1" },
		    { NULL, NULL, NULL, NULL, NULL } } },
	};
	json_object *r;
	size_t i;

	/* For the member: vm1 is on h1, so put h1 in p1 by its rows. */
	for (i = 0; i < sizeof(damages) / sizeof(damages[0]); i++) {
		if (strstr(damages[i].what, "member") != NULL)
			raw_exec(F.db, "UPDATE host SET pool_id = 'p1' "
			    "WHERE id = 'h1'");
		damage_one(&damages[i]);
		if (strstr(damages[i].what, "member") != NULL)
			raw_exec(F.db, "UPDATE host SET pool_id = NULL "
			    "WHERE id = 'h1'");
	}
	/* Repaired: the answers are what they were. */
	fdo(&F, "repaired: Pool.get_cpu_info p1 answers", "Pool.get_cpu_info",
	    jobj("pool", js("p1"), NULL));
	r = fc_call(&F, "VM.migrate", jobj("vm", js("vm1"), "host", js("h2"),
	    NULL));
	expect_error(r, "repaired: VM.migrate vm1 h2 is incompatible", 1,
	    "VM_INCOMPATIBLE_WITH_THIS_HOST", "vm1", "h2", R_FEATURES);
	json_object_put(r);
}

/* Until migcheck answers VM.get_possible_hosts vm as wanted (a code). */
static json_object *
migcheck_wait(const char *vm, int want_error, long timeout_ms)
{
	long long deadline = fc_now_ms() + timeout_ms;
	json_object *r;

	for (;;) {
		r = fc_call(&M, "VM.get_possible_hosts", jobj("vm", js(vm),
		    NULL));
		if ((jget(r, "error", NULL) != NULL) == want_error ||
		    fc_now_ms() > deadline)
			return r;
		json_object_put(r);
		fc_sleep_ms(100);
	}
}

static void
rm_db(const char *path)
{
	char p[FC_PATH_MAX + 8];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

static void
t_deleted(void)
{
	json_object *r;
	int i;

	rm_db(F.db);
	for (i = 0; i < 3; i++)
		expect_internal(fc_call(&F, "Host.boot", jobj("host",
		    js(L("gone%d", i)), "cpu_info", fc_cpu_info(BIG), NULL)),
		    L("deleted: Host.boot gone%d refused", i),
		    "was deleted while open", "restart cpulevel-featured",
		    NULL);
	expect_internal(fc_call(&F, "VM.destroy", jobj("vm", js("vm1"),
	    NULL)), "deleted: VM.destroy vm1 refused", "was deleted", NULL);
	is_int(fc_log_count(&F, "was deleted while open"), 1,
	    "deleted: featured logged it once");
	ok(access(F.db, F_OK) == -1, "deleted: featured did not recreate "
	    "the file");
	expect_internal(migcheck_wait("vm1", 1, 3000),
	    "deleted: migcheck answers 'no database' within 3 s",
	    "no database at", NULL);

	fc_stop_checked(&F, "featured");
	fc_start_checked(&F, "featured on a new database");
	fdo(&F, "new database: Host.boot hn", "Host.boot", jobj("host",
	    js("hn"), "cpu_info", fc_cpu_info(BIG), NULL));
	fdo(&F, "new database: VM.start vmn", "VM.start", jobj("vm",
	    js("vmn"), "host", js("hn"), "domain_type", js("hvm"), NULL));
	r = migcheck_wait("vmn", 0, 3000);
	if (expect_result(r, "new database: migcheck answers from it", NULL))
		is_str(jstr(jidx(jget(r, "result", NULL), 0), "host"), "hn",
		    "new database: vmn's possible host is hn");
	json_object_put(r);
	/* None of the refused writes happened anywhere. */
	r = fc_call(&F, "Host.get_cpu_info", jobj("host", js("gone0"), NULL));
	expect_error(r, "new database: gone0 was never written", 1,
	    "HANDLE_INVALID", "host", "gone0");
	json_object_put(r);
}

/* q.db: another database, made by a featured of its own, then stopped. */
static void
t_other_db(void)
{
	fc_start_checked(&F2, "featured on q.db");
	fdo(&F2, "q.db: Host.boot hq", "Host.boot", jobj("host", js("hq"),
	    "cpu_info", fc_cpu_info(BIG), NULL));
	fdo(&F2, "q.db: VM.start vmq", "VM.start", jobj("vm", js("vmq"),
	    "host", js("hq"), "domain_type", js("hvm"), NULL));
	fc_stop_checked(&F2, "featured on q.db");
}

static void
t_replaced(void)
{
	char wal[FC_PATH_MAX + 8];
	json_object *r;
	int i;

	r = fc_call(&M, "VM.get_possible_hosts", jobj("vm", js("vmq"), NULL));
	expect_error(r, "before: migcheck does not know vmq", 1,
	    "HANDLE_INVALID", "VM", "vmq");
	json_object_put(r);
	/* As a restore would: the old -wal and -shm go with the old file. */
	snprintf(wal, sizeof(wal), "%s-wal", F.db);
	unlink(wal);
	snprintf(wal, sizeof(wal), "%s-shm", F.db);
	unlink(wal);
	if (rename(F2.db, F.db) == -1)
		fc_bail(&F, "rename q.db over a.db");
	r = migcheck_wait("vmq", 0, 3000);
	if (expect_result(r, "replaced: migcheck answers from the new file "
	    "within 3 s", NULL))
		is_str(jstr(jidx(jget(r, "result", NULL), 0), "host"), "hq",
		    "replaced: vmq's possible host is hq");
	json_object_put(r);
	is_int(fc_log_count(&M, "was replaced by another file while open"), 1,
	    "replaced: migcheck logged it once");
	for (i = 0; i < 3; i++)
		expect_internal(fc_call(&F, "VM.start", jobj("vm",
		    js(L("lost%d", i)), "host", js("hn"), "domain_type",
		    js("hvm"), NULL)), L("replaced: VM.start lost%d refused",
		    i), "was replaced by another file while open", NULL);
	is_int(fc_log_count(&F, "was replaced by another file while open"), 1,
	    "replaced: featured logged it once");

	/* featured restarted on the file now at the path writes there. */
	fc_stop_checked(&F, "featured");
	fc_start_checked(&F, "featured on the replacing file");
	fdo(&F, "replacing file: VM.start vmq2 on hq", "VM.start", jobj("vm",
	    js("vmq2"), "host", js("hq"), "domain_type", js("hvm"), NULL));
	r = fc_call(&M, "VM.get_possible_hosts", jobj("vm", js("vmq2"),
	    NULL));
	expect_result(r, "replacing file: migcheck sees vmq2 at once", NULL);
	json_object_put(r);
	/* Acknowledged, so it survives kill -9 and the next start. */
	fc_kill_hard(&F);
	fc_start_checked(&F, "featured after kill -9");
	for (i = 0; i < 2; i++) {
		r = fc_call(&F, "VM.get_cpu_flags", jobj("vm",
		    js(i ? "vmq" : "vmq2"), NULL));
		expect_result(r, L("after restart: %s is there",
		    i ? "vmq" : "vmq2"), NULL);
		json_object_put(r);
	}
	r = fc_call(&F, "VM.get_cpu_flags", jobj("vm", js("lost0"), NULL));
	expect_error(r, "after restart: the refused lost0 is nowhere", 1,
	    "HANDLE_INVALID", "VM", "lost0");
	json_object_put(r);
	r = fc_call(&F, "VM.get_cpu_flags", jobj("vm", js("vmn"), NULL));
	expect_error(r, "after restart: the old file's vmn is gone with it",
	    1, "HANDLE_INVALID", "VM", "vmn");
	json_object_put(r);
	r = fc_call(&M, "VM.get_possible_hosts", jobj("vm", js("vmq2"),
	    NULL));
	expect_result(r, "after restart: migcheck still sees vmq2", NULL);
	json_object_put(r);
}

/* Not a database: refused at start, not overwritten. */
static void
t_not_a_database(void)
{
	static const char junk[] = "this is not an sqlite database, but "
	    "an operator's notes, long enough to fill a header page......\n";
	char why[512], buf[sizeof(junk)];
	FILE *fp;
	size_t n;

	fc_stop_checked(&F, "featured");
	rm_db(F.db);
	if ((fp = fopen(F.db, "w")) == NULL ||
	    fwrite(junk, 1, sizeof(junk) - 1, fp) != sizeof(junk) - 1 ||
	    fclose(fp) != 0)
		fc_bail(&F, "writing a junk file");
	fc_log_skip(&F);
	ok(fc_start(&F, 3000, why, sizeof(why)) == -1 &&
	    WIFEXITED(F.status) && WEXITSTATUS(F.status) != 0,
	    "featured on a file that is not a database exits non-zero");
	is_int(fc_log_count(&F, "is not an sqlite database"), 1,
	    "it says the file is not an sqlite database");
	fp = fopen(F.db, "r");
	n = fp ? fread(buf, 1, sizeof(buf), fp) : 0;
	if (fp)
		fclose(fp);
	ok(n == sizeof(junk) - 1 && memcmp(buf, junk, n) == 0,
	    "the file is left as it was");
}

static void
t_stop(void)
{
	fc_stop_checked(&M, "migcheck");
}

int
main(void)
{
	const char *fbin = fc_binary("CPULEVEL_FEATURED",
	    "the path of the cpulevel-featured binary");

	fc_begin("cpulevel-dbfaults");
	fc_add_pair(&F, &M, "a.db");
	fc_add_daemon(&F2, "featured q", fbin, "q.db", "featured2.sock",
	    "featured2-events.sock", "featured2.log");

	fc_run("start", t_start);
	fc_run("state to damage", t_setup);
	fc_run("damaged featuresets", t_damaged_sets);
	fc_run("the database deleted", t_deleted);
	fc_run("another database", t_other_db);
	fc_run("the database replaced", t_replaced);
	fc_run("a file that is not a database", t_not_a_database);
	fc_run("stop", t_stop);
	return done_testing();
}
