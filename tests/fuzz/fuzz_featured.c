/*
 * featured's handlers (services/featured/) in process, on a real sqlite
 * database opened as the daemon opens it.  An input is up to MAXREQ
 * requests, one a line, run in order from an empty database.  Oracles,
 * after every request:
 *  - the reply passes fuzz_check_reply() (UTF-8 JSON-RPC with its id);
 *  - a refused request, and any request of a method that only reads
 *    (RPC_READS: the answers before acting among them), left every
 *    table as it was;
 *  - no request changed the set of a VM it did not name (a running VM
 *    keeps the set it started with, whatever the pool does);
 *  - every stored featureset is canonical, every pool has members, and
 *    each pool's level is the fold (lib/compat.c's level_merge) of its
 *    members' sets, recomputed here from the host rows.
 *
 * The handlers log every request: run it with -close_fd_mask=2 (the
 * oracles report through the sanitizers' report, which stays).
 */
#include <sys/stat.h>

#include <unistd.h>

#include "compat.h"
#include "db.h"
#include "featured.h"
#include "fuzz.h"

#define MAXREQ	16
#define MAXVMS	(MAXREQ + 1)

int	LLVMFuzzerInitialize(int *argc, char ***argv);

static struct featured F;
static char dir[256], path[300];

/* A growing text: the snapshot of every table. */
struct text {
	char	*s;
	size_t	 len, cap;
};

static void
text_add(struct text *t, const char *s, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		FUZZ_CHECK((t->s = realloc(t->s, t->cap)) != NULL, "ENOMEM");
	}
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = '\0';
}

static sqlite3_stmt *
query(const char *sql)
{
	sqlite3_stmt *st;
	char why[256];

	FUZZ_CHECK(db_prepare(F.db, sql, &st, why, sizeof(why)) == 0, "%s",
	    why);
	return st;
}

/* Every row of every table, each value tagged with its type. */
static void
snapshot(struct text *t)
{
	static const char *const sql[] = {
		"SELECT * FROM pool ORDER BY id",
		"SELECT * FROM host ORDER BY id",
		"SELECT * FROM vm ORDER BY id",
		"SELECT * FROM level_history ORDER BY seq",
		"SELECT name, seq FROM sqlite_sequence ORDER BY name",
	};
	sqlite3_stmt *st;
	const void *v;
	size_t i;
	int c, n;

	t->len = 0;
	text_add(t, "", 0);
	for (i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		st = query(sql[i]);
		while (sqlite3_step(st) == SQLITE_ROW)
			for (c = 0; c < sqlite3_column_count(st); c++) {
				char tag = '0' + sqlite3_column_type(st, c);

				v = sqlite3_column_blob(st, c);
				n = sqlite3_column_bytes(st, c);
				text_add(t, &tag, 1);
				text_add(t, v ? v : "", (size_t)n);
				text_add(t, "\x1f", 1);
			}
		sqlite3_finalize(st);
		text_add(t, "\x1e", 1);
	}
}

struct vmset {
	size_t	n;
	char	id[MAXVMS][RPC_MAX_ID + 1];
	char	*flags[MAXVMS];		/* vendor, features: owned */
};

static void
vmsets(struct vmset *vs)
{
	sqlite3_stmt *st = query("SELECT id, quote(vendor) || ' ' || "
	    "quote(features) FROM vm ORDER BY id");

	vs->n = 0;
	while (sqlite3_step(st) == SQLITE_ROW && vs->n < MAXVMS) {
		db_column_text(st, 0, vs->id[vs->n], sizeof(vs->id[0]));
		vs->flags[vs->n] = strdup((const char *)
		    sqlite3_column_text(st, 1));
		vs->n++;
	}
	sqlite3_finalize(st);
}

static void
vmsets_free(struct vmset *vs)
{
	while (vs->n > 0)
		free(vs->flags[--vs->n]);
}

/* A VM the request did not name kept its flags, if it is still there. */
static void
check_vms(const struct vmset *before, const struct vmset *after,
    const char *named, const char *reply)
{
	size_t i, j;

	for (i = 0; i < before->n; i++) {
		if (named != NULL && strcmp(named, before->id[i]) == 0)
			continue;
		for (j = 0; j < after->n; j++)
			if (strcmp(before->id[i], after->id[j]) == 0)
				FUZZ_CHECK(strcmp(before->flags[i],
				    after->flags[j]) == 0, "VM %s: %s -> %s: "
				    "%s", before->id[i], before->flags[i],
				    after->flags[j], reply);
	}
}

/* A stored featureset column: canonical; 1 with *fs, 0 for NULL. */
static int
column_fs(sqlite3_stmt *st, int col, struct featureset *fs)
{
	const char *t = (const char *)sqlite3_column_text(st, col);
	char why[256], again[FS_STRING_MAX];

	fs_clear(fs);
	if (t == NULL)
		return 0;
	FUZZ_CHECK(fs_parse(t, fs, why, sizeof(why)) == 0, "stored: %s", why);
	fs_format(fs, again);
	FUZZ_CHECK(strcmp(t, again) == 0, "stored %s is not canonical", t);
	return 1;
}

static void
fold(struct featureset *level, const struct featureset *dflt, int has_dflt,
    const struct featureset *max, int has_max)
{
	const struct featureset *m = level_member_set(has_dflt ? dflt : NULL,
	    has_max ? max : NULL);

	if (m != NULL)
		level_merge(level, m);
}

static void
check_same_text(const struct featureset *want, const char *stored,
    const char *what, const char *pool)
{
	char w[FS_STRING_MAX];

	fs_format(want, w);
	FUZZ_CHECK(strcmp(w, stored) == 0, "pool %s %s: stored %s, its "
	    "members fold to %s", pool, what, stored, w);
}

/* Each pool's level and max sets, from its members' rows. */
static void
check_levels(void)
{
	sqlite3_stmt *ps, *hs;
	struct featureset pvh, hvmh, pv, hvm, d, m;
	char pool[RPC_MAX_ID + 1], stored[4][FS_STRING_MAX];
	int members, c, hd, hm;

	ps = query("SELECT id, features_pv_host, features_hvm_host, "
	    "features_pv, features_hvm FROM pool ORDER BY id");
	while (sqlite3_step(ps) == SQLITE_ROW) {
		db_column_text(ps, 0, pool, sizeof(pool));
		for (c = 0; c < 4; c++) {
			column_fs(ps, c + 1, &d);
			db_column_text(ps, c + 1, stored[c], sizeof(stored[c]));
		}
		fs_clear(&pvh);
		fs_clear(&hvmh);
		fs_clear(&pv);
		fs_clear(&hvm);
		members = 0;
		/* In the daemon's order (store.c): the fold is Xen's
		 * combine, commutative, but the order costs nothing. */
		hs = query("SELECT features_pv_host, features_pv, "
		    "features_hvm_host, features_hvm, hvm_capable FROM host "
		    "WHERE pool_id = ? ORDER BY id");
		sqlite3_bind_text(hs, 1, pool, -1, SQLITE_TRANSIENT);
		while (sqlite3_step(hs) == SQLITE_ROW) {
			members++;
			hd = column_fs(hs, 0, &d);
			hm = column_fs(hs, 1, &m);
			fold(&pvh, &d, hd, &m, hm);
			fold(&pv, &m, hm, NULL, 0);
			if (!sqlite3_column_int(hs, 4))
				continue;
			hd = column_fs(hs, 2, &d);
			hm = column_fs(hs, 3, &m);
			fold(&hvmh, &d, hd, &m, hm);
			fold(&hvm, &m, hm, NULL, 0);
		}
		sqlite3_finalize(hs);
		FUZZ_CHECK(members > 0, "pool %s has no members", pool);
		check_same_text(&pvh, stored[0], "features_pv_host", pool);
		check_same_text(&hvmh, stored[1], "features_hvm_host", pool);
		check_same_text(&pv, stored[2], "features_pv", pool);
		check_same_text(&hvm, stored[3], "features_hvm", pool);
	}
	sqlite3_finalize(ps);
	/* Hosts' and VMs' stored sets are canonical too. */
	hs = query("SELECT features_pv, features_hvm, features_pv_host, "
	    "features_hvm_host FROM host UNION ALL "
	    "SELECT features, NULL, NULL, NULL FROM vm");
	while (sqlite3_step(hs) == SQLITE_ROW)
		for (c = 0; c < 4; c++)
			column_fs(hs, c, &d);
	sqlite3_finalize(hs);
}

static void
cleanup(void)
{
	char p[320];

	db_close(F.db);
	F.db = NULL;
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	rmdir(dir);
}

/*
 * The database lives in a private directory, on /dev/shm where there is
 * one: every commit is an fsync (synchronous=FULL), cheap on tmpfs.
 */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("FUZZ_DB_DIR");
	struct stat st;
	char why[512];

	(void)argc;
	(void)argv;
	if (tmp == NULL)
		tmp = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ?
		    "/dev/shm" : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(dir, sizeof(dir), "%s/cpulevel-fuzz-XXXXXX", tmp);
	FUZZ_CHECK(mkdtemp(dir) != NULL, "mkdtemp %s", dir);
	snprintf(path, sizeof(path), "%s/cpulevel.db", dir);
	FUZZ_CHECK(db_open(path, DB_READWRITE, &F.db, why, sizeof(why)) == 0,
	    "%s", why);
	F.pub = -1;
	atexit(cleanup);
	return 0;
}

/* The "vm" param of a request, if it has one. */
static const char *
named_vm(struct json_object *req)
{
	struct json_object *params, *vm;

	if (req == NULL || !json_object_is_type(req, json_type_object) ||
	    !json_object_object_get_ex(req, "params", &params) ||
	    !json_object_is_type(params, json_type_object) ||
	    !json_object_object_get_ex(params, "vm", &vm))
		return NULL;
	return json_object_get_string(vm);
}

/* The method is one of featured's that only reads. */
static int
reads_only(const char *method)
{
	const struct rpc_method *m;

	for (m = featured_methods; m->name != NULL; m++)
		if (strcmp(m->name, method) == 0)
			return m->access == RPC_READS;
	return 0;
}

static void
one_request(const char *msg, size_t len, struct text *before,
    struct text *after)
{
	struct vmset vb, va;
	struct rpc_outcome out;
	struct json_object *req;
	char why[128], *reply;
	int code;

	snapshot(before);
	vmsets(&vb);
	memset(&out, 0, sizeof(out));
	reply = rpc_dispatch(featured_methods, &featured_txn, &F, msg, len,
	    &out);
	code = fuzz_check_reply(msg, len, reply, &out);
	snapshot(after);
	if (code != 0 || reads_only(out.method))
		FUZZ_CHECK(before->len == after->len &&
		    memcmp(before->s, after->s, before->len) == 0,
		    "%s, yet the database changed: %s", code != 0 ? "refused" :
		    "a read", reply);
	vmsets(&va);
	req = json_parse_one(msg, len, why, sizeof(why));
	check_vms(&vb, &va, named_vm(req), reply);
	json_object_put(req);
	vmsets_free(&vb);
	vmsets_free(&va);
	check_levels();
	free(reply);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct text before, after;
	const char *msg = (const char *)data;
	size_t start, end;
	char why[256];
	int n;

	FUZZ_CHECK(sqlite3_exec(F.db, "BEGIN; DELETE FROM vm; "
	    "DELETE FROM host; DELETE FROM pool; DELETE FROM level_history; "
	    "COMMIT", NULL, NULL, NULL) == SQLITE_OK, "reset: %s",
	    sqlite3_errmsg(F.db));
	(void)why;
	for (start = 0, n = 0; start < size && n < MAXREQ; n++) {
		for (end = start; end < size && msg[end] != '\n'; end++)
			;
		one_request(msg + start, end - start, &before, &after);
		start = end + 1;
	}
	return 0;
}
