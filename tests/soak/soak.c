/*
 * The crash-consistency soak (tests/RELIABILITY.md): cpulevel-featured is
 * killed with SIGKILL at random points (while a request is in flight,
 * idle, while it starts) under a random mix of state-changing requests,
 * and after each restart its database is compared with that of a shadow
 * featured that is never killed and is fed every request the victim
 * acknowledged:
 *
 *  - an acknowledged request is in the victim's database (the shadow has
 *    it, so a lost one shows as a row the victim lacks);
 *  - the request in flight at the kill is atomic: the victim equals the
 *    shadow before it or the shadow after it, nothing in between;
 *  - PRAGMA integrity_check is "ok" and the levelling invariants hold
 *    (each pool's level is its members' sets as Xen combines them,
 *    computed here with the tests' own reference in models.h).
 *
 * Then cpulevel-migcheck is killed the same way under read load on the
 * final database: every answer, before and after each restart, equals
 * the answer the first migcheck gave; a request may only go unanswered.
 *
 * Every random choice comes from one seeded generator (the seed is
 * printed; --seed or CPULEVEL_SOAK_SEED repeats the sequence of requests
 * and delays; which request a kill catches also depends on timing).
 * Output is TAP, so meson runs it as a test; it stops at the first
 * divergence, with the rows that differ, and keeps its directory.
 *
 * usage: cpulevel-soak [--kills N] [--migcheck-kills N] [--seed S]
 *
 * The victim is $CPULEVEL_FEATURED, the shadow $CPULEVEL_SHADOW_FEATURED,
 * migcheck $CPULEVEL_MIGCHECK; each defaults to the build's own.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "../tap.h"
#include "../daemon_harness.h"
/* The soak uses a part of the models only (hosts, the reference fold). */
#pragma GCC diagnostic ignored "-Wunused-function"
#include "../models.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include <nanomsg/nn.h>
#include <nanomsg/reqrep.h>
#include <sqlite3.h>

#include "featureset.h"

#ifndef SOAK_FEATURED
#define SOAK_FEATURED	""
#endif
#ifndef SOAK_MIGCHECK
#define SOAK_MIGCHECK	""
#endif

/* ---- the seeded generator -------------------------------------------- */

static uint64_t rng_state, seed;

/* splitmix64: small, and every seed (0 included) is a good one. */
static uint64_t
rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static unsigned int
rnd(unsigned int n)
{
	return n == 0 ? 0 : (unsigned int)(rng_next() % n);
}

/* 1 with probability pct/100. */
static int
chance(unsigned int pct)
{
	return rnd(100) < pct;
}

/* ---- what was done: the figures RELIABILITY.md records ------------- */

static struct {
	long	kills, kills_inflight, kills_idle, kills_startup;
	long	requests, acked, acked_errors, inflight;
	long	inflight_committed, inflight_absent;
	long	comparisons;
	long	mc_kills, mc_requests, mc_answered_after_restart, mc_lost;
} st;

/* ---- the universe the requests draw from ----------------------------- */

static const char *const host_ids[] = { "h0", "h1", "h2", "h3", "h4", "h5" };
static const char *const pool_ids[] = { "p0", "p1" };
static const char *const vm_ids[] = {
	"v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9"
};
static const char *const domain_types[] = { "pv", "hvm", "pvh", "pv_in_pvh" };
static const char *const power_states[] = { "running", "suspended", "halted" };

/* Models a host boots with: Intel old and new, with and without TSX, AMD. */
static const char *const model_names[] = {
	"Icelake-Server", "Cascadelake-Server", "Cascadelake-Server-noTSX",
	"Skylake-Server", "Haswell", "Haswell-noTSX", "Broadwell",
	"EPYC-Rome", "EPYC-Milan", "EPYC"
};
#define NMODELS	(sizeof(model_names) / sizeof(model_names[0]))
static struct host models[NMODELS];

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define PICK(a)		((a)[rnd(NELEM(a))])

static json_object *
req_host_boot(void)
{
	struct host *m = &models[rnd(NMODELS)];
	json_object *p = jobj("host", js(PICK(host_ids)),
	    "cpu_info", cpu_info(m), NULL);

	if (chance(10))
		json_object_object_add(p, "hvm_capable", jb(0));
	return p;
}

static json_object *
req_host_destroy(void)
{
	return jobj("host", js(PICK(host_ids)), NULL);
}

static json_object *
req_pool_join(void)
{
	json_object *p = jobj("pool", js(PICK(pool_ids)),
	    "host", js(PICK(host_ids)), NULL);

	if (chance(15))
		json_object_object_add(p, "force", jb(1));
	return p;
}

static json_object *
req_pool_eject(void)
{
	return jobj("pool", js(PICK(pool_ids)), "host", js(PICK(host_ids)),
	    NULL);
}

static json_object *
req_vm_start(void)
{
	return jobj("vm", js(PICK(vm_ids)), "host", js(PICK(host_ids)),
	    "domain_type", js(PICK(domain_types)), NULL);
}

static json_object *
req_vm_host(void)
{
	return jobj("vm", js(PICK(vm_ids)), "host", js(PICK(host_ids)), NULL);
}

static json_object *
req_vm(void)
{
	return jobj("vm", js(PICK(vm_ids)), NULL);
}

/* An import with flags as a toolstack of any age might bring them. */
static json_object *
req_vm_import(void)
{
	struct host *m = &models[rnd(NMODELS)];
	json_object *p = jobj("vm", js(PICK(vm_ids)),
	    "host", js(PICK(host_ids)), "domain_type", js(PICK(domain_types)),
	    "power_state", js(PICK(power_states)), NULL);
	struct featureset short4;

	switch (rnd(4)) {
	case 0:		/* none */
		break;
	case 1:		/* vendor only: a legacy set */
		json_object_object_add(p, "last_boot_CPU_flags",
		    jobj("vendor", js(m->vendor), NULL));
		break;
	case 2:		/* levelling v2 */
		json_object_object_add(p, "last_boot_CPU_flags",
		    jobj("vendor", js(m->vendor),
		    "features", js(fmt(&m->fs[HVM_HOST])), NULL));
		break;
	default:	/* pre-Dundee: 4 words */
		short4 = m->fs[PV_HOST];
		short4.len = 4;
		json_object_object_add(p, "last_boot_CPU_flags",
		    jobj("vendor", js(m->vendor),
		    "features", js(fmt(&short4)), NULL));
		break;
	}
	return p;
}

/* The mix: weights favour what makes state (boots, joins, starts). */
static const struct {
	const char	*method;
	json_object	*(*params)(void);
	unsigned int	 weight;
} mix[] = {
	{ "Host.boot",		req_host_boot,		14 },
	{ "Host.destroy",	req_host_destroy,	3 },
	{ "Pool.join",		req_pool_join,		12 },
	{ "Pool.eject",		req_pool_eject,		6 },
	{ "VM.start",		req_vm_start,		14 },
	{ "VM.migrate",		req_vm_host,		10 },
	{ "VM.suspend",		req_vm,			6 },
	{ "VM.resume",		req_vm_host,		6 },
	{ "VM.shutdown",	req_vm,			7 },
	{ "VM.reboot",		req_vm,			5 },
	{ "VM.import",		req_vm_import,		7 },
	{ "VM.destroy",		req_vm,			3 },
};

static long long next_id;

/* A random state-changing request, as the JSON text sent to both. */
static char *
random_request(void)
{
	unsigned int total = 0, r, i;
	json_object *req;
	char *text;

	for (i = 0; i < NELEM(mix); i++)
		total += mix[i].weight;
	r = rnd(total);
	for (i = 0; r >= mix[i].weight; i++)
		r -= mix[i].weight;
	req = jobj("jsonrpc", js("2.0"), "id", ji(++next_id),
	    "method", js(mix[i].method), "params", mix[i].params(), NULL);
	text = strdup(jtext(req));
	json_object_put(req);
	if (text == NULL)
		abort();
	return text;
}

/* ---- the daemons ------------------------------------------------------ */

static struct featured victim = FC_INIT, shadow = FC_INIT, mc = FC_INIT;

/* Fork and exec f, without waiting for it (wait_ready waits). */
static void
spawn(struct featured *f)
{
	char why[512];

	if (fc_spawn(f, why, sizeof(why)) != 0)
		fc_bail(f, why);
}

/*
 * Wait until f answers Service.version, then open its REQ socket.  A
 * daemon that dies or stays silent for 10 s is a finding: bail out.
 * Tries follow each other at once, each socket reconnecting every 5 ms:
 * the soak restarts a daemon often, and waits as little as it can.
 */
static void
wait_ready(struct featured *f)
{
	static const struct fc_patience p = { 10000, 200, 5, 0 };
	char why[512];

	if (fc_wait_ready(f, &p, why, sizeof(why)) != 0)
		fc_bail(f, L("%s: %s", f->name, why));
	f->req = fc_req_socket(f->rpc, FC_RPC_TIMEOUT_MS, FC_RPC_TIMEOUT_MS);
	if (f->req < 0)
		fc_bail(f, "nanomsg socket");
}

static void
kill9(struct featured *f)
{
	fc_kill_hard(f);
	/* Its REQ socket would resend the request in flight to the next. */
	fc_close_sockets(f);
}

/*
 * Send text to f and wait for the reply: a daemon that does not answer
 * in 5 s is a finding.
 */
static json_object *
call(struct featured *f, const char *text)
{
	json_object *r;
	int timed_out;

	r = fc_exchange(f, f->req, text, strlen(text), &timed_out);
	if (r == NULL)
		fc_bail(f, L("%s: %s to %.200s", f->name, timed_out ?
		    "no reply within 5 s" : "a reply that is not JSON", text));
	return r;
}

/* ---- the database as a client cannot see it, and its invariants ---- */

/*
 * Each table's rows, one line each, in a fixed order, without what
 * legitimately differs between two daemons fed the same requests: the
 * time of a boot or of a level change.
 */
static const char *const dump_sql[] = {
	"SELECT 'pool', * FROM pool ORDER BY id",
	"SELECT 'host', id, pool_id, vendor, hvm_capable, cpu_info, "
	    "features_pv, features_hvm, features_pv_host, features_hvm_host "
	    "FROM host ORDER BY id",
	"SELECT 'vm', * FROM vm ORDER BY id",
	"SELECT 'level_history', seq, pool_id, event, host_id, "
	    "features_pv_host_old, features_pv_host_new, "
	    "features_hvm_host_old, features_hvm_host_new "
	    "FROM level_history ORDER BY seq",
};

struct buf {
	char	*s;
	size_t	 len, cap;
};

static void
buf_add(struct buf *b, const char *s)
{
	size_t n = strlen(s);

	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		if ((b->s = realloc(b->s, b->cap)) == NULL)
			abort();
	}
	memcpy(b->s + b->len, s, n + 1);
	b->len += n;
}

static sqlite3 *
db_open_ro(struct featured *f)
{
	sqlite3 *db;

	if (sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK)
		fc_bail(f, L("sqlite3_open_v2 %s: %s", f->db,
		    sqlite3_errmsg(db)));
	sqlite3_busy_timeout(db, 5000);
	return db;
}

/* A statement of the checks: one that cannot be prepared stops the soak. */
static sqlite3_stmt *
prep(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *stmt;

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		fc_bail(&victim, L("%.100s: %s", sql, sqlite3_errmsg(db)));
	return stmt;
}

/* f's database as text (malloc'ed), one row a line. */
static char *
dump(struct featured *f)
{
	struct buf b = { NULL, 0, 0 };
	sqlite3 *db = db_open_ro(f);
	sqlite3_stmt *stmt;
	const char *v;
	size_t i;
	int c;

	buf_add(&b, "");
	for (i = 0; i < NELEM(dump_sql); i++) {
		stmt = prep(db, dump_sql[i]);
		while (sqlite3_step(stmt) == SQLITE_ROW) {
			for (c = 0; c < sqlite3_column_count(stmt); c++) {
				v = (const char *)sqlite3_column_text(stmt, c);
				buf_add(&b, c ? "|" : "");
				buf_add(&b, v ? v : "NULL");
			}
			buf_add(&b, "\n");
		}
		sqlite3_finalize(stmt);
	}
	sqlite3_close(db);
	return b.s;
}

/* 1 if text, lines ending with '\n', has the line (len bytes, no '\n'). */
static int
has_line(const char *text, const char *line, size_t len)
{
	const char *p, *nl;

	for (p = text; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if ((size_t)(nl - p) == len && memcmp(p, line, len) == 0)
			return 1;
	}
	return 0;
}

/* The lines of a that b lacks, as diagnostics. */
static void
show_missing(const char *a, const char *b, const char *what)
{
	const char *p, *nl;
	int n = 0;

	for (p = a; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (has_line(b, p, (size_t)(nl - p)))
			continue;
		if (n++ < 12)
			diag("  %s: %.*s", what, (int)(nl - p < 300 ?
			    nl - p : 300), p);
	}
	if (n > 12)
		diag("  ... %d rows in all", n);
}

/*
 * The stored featureset s into *out (NULL or "" is the empty set); 0 if
 * it does not parse, which breaks an invariant of its own.
 */
static int
fs_of(const char *s, struct featureset *out)
{
	char err[256];

	fs_clear(out);
	if (s != NULL && fs_parse(s, out, err, sizeof(err)) != 0) {
		diag("  stored featureset '%.80s': %s", s, err);
		return 0;
	}
	return 1;
}

/*
 * One pool's stored level against its members' sets folded here:
 * default sets for the level, max sets beside it, HVM over HVM-capable
 * members only, counts summed (proto/README.md, "The pool level").
 */
static int
check_pool(sqlite3 *db, sqlite3_stmt *pool, char *why, size_t len)
{
	static const char *const cols[NKEYS] = {
		"features_pv", "features_hvm", "features_pv_host",
		"features_hvm_host"
	};
	const char *id = (const char *)sqlite3_column_text(pool, 0);
	const char *vendor = (const char *)sqlite3_column_text(pool, 1);
	struct featureset want[NKEYS], got, fs;
	sqlite3_stmt *m;
	long cpus = 0, sockets = 0;
	int k, n = 0, vendor_seen = 0, hvm, bad = 0;
	json_object *ci;

	memset(want, 0, sizeof(want));
	m = prep(db, "SELECT vendor, hvm_capable, cpu_info, "
	    "features_pv, features_hvm, features_pv_host, features_hvm_host "
	    "FROM host WHERE pool_id = ? ORDER BY id");
	sqlite3_bind_text(m, 1, id, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(m) == SQLITE_ROW) {
		n++;
		if (streq((const char *)sqlite3_column_text(m, 0), vendor))
			vendor_seen = 1;
		hvm = sqlite3_column_int(m, 1);
		for (k = 0; k < NKEYS; k++) {
			if ((k == HVM || k == HVM_HOST) && !hvm)
				continue;
			if (!fs_of((const char *)sqlite3_column_text(m, 3 + k),
			    &fs))
				bad = 1;
			ref_merge(&want[k], &fs);
		}
		ci = json_tokener_parse((const char *)sqlite3_column_text(m,
		    2));
		cpus += atol(jstr(ci, "cpu_count") ? jstr(ci, "cpu_count") :
		    "0");
		sockets += atol(jstr(ci, "socket_count") ?
		    jstr(ci, "socket_count") : "0");
		json_object_put(ci);
	}
	sqlite3_finalize(m);
	if (bad)
		return snprintf(why, len, "pool %s: a member's stored "
		    "featureset does not parse", id), 0;
	if (n == 0)
		return snprintf(why, len, "pool %s has no member", id), 0;
	if (!vendor_seen)
		return snprintf(why, len, "pool %s: vendor %s is no member's",
		    id, vendor), 0;
	for (k = 0; k < NKEYS; k++) {
		/* pool columns: id vendor pv_host hvm_host pv hvm cpus socks */
		if (!fs_of((const char *)sqlite3_column_text(pool,
		    k == PV_HOST ? 2 : k == HVM_HOST ? 3 : k == PV ? 4 : 5),
		    &got))
			return snprintf(why, len, "pool %s: %s does not parse",
			    id, cols[k]), 0;
		if (!fs_is_equal(&got, &want[k]))
			return snprintf(why, len, "pool %s: %s is %s, its "
			    "members' fold is %s", id, cols[k], fmt(&got),
			    fmt(&want[k])), 0;
	}
	if (sqlite3_column_int64(pool, 6) != cpus ||
	    sqlite3_column_int64(pool, 7) != sockets)
		return snprintf(why, len, "pool %s: counts %lld/%lld, members "
		    "sum to %ld/%ld", id, sqlite3_column_int64(pool, 6),
		    sqlite3_column_int64(pool, 7), cpus, sockets), 0;
	return 1;
}

/*
 * A VM that runs holds a host; one that runs or is suspended holds
 * flags.  (A suspended VM is resident nowhere: Host.destroy of the host
 * it was suspended on leaves it without one, as in xapi.)
 */
static const char vm_sql[] =
	"SELECT id FROM vm WHERE power_state != 'halted' AND "
	"((power_state = 'running' AND (host_id IS NULL OR "
	"host_id NOT IN (SELECT id FROM host))) OR "
	"features IS NULL OR features = '' OR vendor IS NULL)";
/* A member's pool exists. */
static const char member_sql[] =
	"SELECT id FROM host WHERE pool_id IS NOT NULL AND "
	"pool_id NOT IN (SELECT id FROM pool)";

/* integrity_check and the invariants: 1 if all hold, else why. */
static int
check_db(struct featured *f, char *why, size_t len)
{
	sqlite3 *db = db_open_ro(f);
	sqlite3_stmt *s;
	int good = 1;

	s = prep(db, "PRAGMA integrity_check");
	if (sqlite3_step(s) != SQLITE_ROW ||
	    !streq((const char *)sqlite3_column_text(s, 0), "ok")) {
		snprintf(why, len, "integrity_check: %s",
		    (const char *)sqlite3_column_text(s, 0));
		good = 0;
	}
	sqlite3_finalize(s);
	s = prep(db, "SELECT id, vendor, features_pv_host, "
	    "features_hvm_host, features_pv, features_hvm, cpu_count, "
	    "socket_count FROM pool ORDER BY id");
	while (good && sqlite3_step(s) == SQLITE_ROW)
		good = check_pool(db, s, why, len);
	sqlite3_finalize(s);
	if (good) {
		s = prep(db, vm_sql);
		if (sqlite3_step(s) == SQLITE_ROW) {
			snprintf(why, len, "VM %s runs without a host, or "
			    "runs or is suspended without flags",
			    sqlite3_column_text(s, 0));
			good = 0;
		}
		sqlite3_finalize(s);
	}
	if (good) {
		s = prep(db, member_sql);
		if (sqlite3_step(s) == SQLITE_ROW) {
			snprintf(why, len, "host %s is a member of no pool",
			    sqlite3_column_text(s, 0));
			good = 0;
		}
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
	return good;
}

/* ---- the featured soak ------------------------------------------------ */

/* The requests acknowledged since the last restart, for a diagnostic. */
static char *recent[32];
static size_t nrecent;

static void
recent_reset(void)
{
	size_t i;

	for (i = 0; i < NELEM(recent); i++) {
		free(recent[i]);
		recent[i] = NULL;
	}
	nrecent = 0;
}

/* Stop: the victim diverged.  Both dumps' differences, the logs. */
static void
diverged(const char *what, const char *v, const char *sh,
    const char *sh_after)
{
	size_t i;

	ok(0, what);
	diag("seed %" PRIu64 ", kill %ld", seed, st.kills);
	show_missing(sh, v, "acknowledged, absent from the victim");
	show_missing(v, sh, "in the victim, not in the shadow");
	if (sh_after != NULL) {
		diag(" against the shadow after the request in flight:");
		show_missing(sh_after, v, "absent from the victim");
		show_missing(v, sh_after, "in the victim only");
	}
	diag(" acknowledged since the restart before (the last %d):",
	    (int)NELEM(recent));
	for (i = nrecent > NELEM(recent) ? nrecent - NELEM(recent) : 0;
	    i < nrecent; i++)
		diag("  %.300s", recent[i % NELEM(recent)]);
	fc_bail(&victim, "the victim diverged from the shadow");
}

/* A request acknowledged by the victim: the shadow must answer alike. */
static void
acknowledged(const char *text, json_object *vr)
{
	json_object *sr = call(&shadow, text);

	free(recent[nrecent % NELEM(recent)]);
	recent[nrecent++ % NELEM(recent)] = strdup(text);
	st.acked++;
	if (jget(vr, "error", NULL) != NULL)
		st.acked_errors++;
	if (!jequal(vr, sr)) {
		ok(0, "the victim and the shadow answer a request alike");
		diag("request: %.400s", text);
		diag("victim:  %.400s", jtext(vr));
		diag("shadow:  %.400s", jtext(sr));
		fc_bail(&victim, "replies differ");
	}
	json_object_put(sr);
}

/* n random requests, each acknowledged by the victim, then the shadow. */
static void
burst(int n)
{
	json_object *r;
	char *text;

	while (n-- > 0) {
		text = random_request();
		st.requests++;
		r = call(&victim, text);
		acknowledged(text, r);
		json_object_put(r);
		free(text);
	}
}

/*
 * A request sent, and the victim killed after a random delay: if its
 * reply came first, it is acknowledged; else it is in flight, returned
 * (malloc'ed) to be judged atomic after the restart.
 */
static char *
kill_in_flight(void)
{
	char *text = random_request();
	void *msg = NULL;
	json_object *r;
	unsigned int us;
	int n;

	st.requests++;
	/*
	 * Mostly within the few hundred µs a request takes, sometimes later
	 * (then its reply has usually come: acknowledged, then killed).
	 */
	us = chance(70) ? rnd(400) : chance(50) ? rnd(3000) : rnd(20000);
	if (nn_send(victim.req, text, strlen(text), 0) < 0)
		fc_bail(&victim, L("nn_send: %s", nn_strerror(nn_errno())));
	if (us > 0)
		usleep(us);
	n = nn_recv(victim.req, &msg, NN_MSG, NN_DONTWAIT);
	kill9(&victim);
	st.kills++;
	st.kills_inflight++;
	if (n >= 0) {
		r = jparse(msg, (size_t)n);
		nn_freemsg(msg);
		if (r == NULL)
			fc_bail(&victim, "a reply that is not JSON");
		acknowledged(text, r);
		json_object_put(r);
		free(text);
		return NULL;
	}
	st.inflight++;
	return text;
}

/* Killed while it starts: 0 to 30 ms after exec, then again. */
static void
kill_starting(void)
{
	spawn(&victim);
	usleep(rnd(30000));
	kill9(&victim);
	st.kills++;
	st.kills_startup++;
}

/*
 * After a restart: the victim's database equals the shadow's (with the
 * request in flight applied to the shadow when the victim has it), and
 * the invariants hold.
 */
static void
compare(char *inflight)
{
	char *v = dump(&victim), *before = dump(&shadow), *after = NULL;
	char why[512];
	json_object *r;

	st.comparisons++;
	if (strcmp(v, before) == 0) {
		/* Nothing lost; the request in flight, if any, never was. */
		if (inflight != NULL)
			st.inflight_absent++;
	} else if (inflight == NULL) {
		diverged(L("kill %ld: every acknowledged request survives, "
		    "nothing else is there", st.kills), v, before, NULL);
	} else {
		/* It committed before the kill: all of it, or nothing. */
		r = call(&shadow, inflight);
		json_object_put(r);
		after = dump(&shadow);
		if (strcmp(v, after) != 0)
			diverged(L("kill %ld: the request in flight is atomic "
			    "(%.200s)", st.kills, inflight), v, before, after);
		st.inflight_committed++;
	}
	if (!check_db(&victim, why, sizeof(why))) {
		ok(0, L("kill %ld: integrity and invariants", st.kills));
		diag("%s", why);
		fc_bail(&victim, "an invariant does not hold");
	}
	free(v);
	free(before);
	free(after);
}

/* Restart the victim and compare; inflight (owned) may be NULL. */
static void
restart_compare(char *inflight)
{
	spawn(&victim);
	wait_ready(&victim);
	compare(inflight);
	free(inflight);
	recent_reset();
}

static void
soak_featured(long kills)
{
	long long t0 = fc_now_ms();
	char *inflight;
	unsigned int mode;
	long shown = 0;

	spawn(&shadow);
	wait_ready(&shadow);
	/* The first start creates the database: kill that too. */
	kill_starting();
	restart_compare(NULL);
	while (st.kills < kills) {
		burst((int)rnd(12));
		inflight = NULL;
		mode = rnd(10);
		if (mode < 6)
			inflight = kill_in_flight();
		else {
			kill9(&victim);
			st.kills++;
			st.kills_idle++;
		}
		/* Then, now and again, killed again while it starts. */
		if (mode >= 8)
			kill_starting();
		restart_compare(inflight);
		if (st.kills / 250 > shown) {
			shown = st.kills / 250;
			diag("%ld kills, %ld requests (%ld acknowledged), "
			    "%.1f s", st.kills, st.requests, st.acked,
			    (fc_now_ms() - t0) / 1000.0);
		}
	}
	ok(1, L("featured: %ld kills (%ld in flight, %ld idle, %ld while "
	    "starting): the victim equals the shadow after each", st.kills,
	    st.kills_inflight, st.kills_idle, st.kills_startup));
	ok(1, L("featured: %ld requests, %ld acknowledged (%ld of them "
	    "errors), answered alike by the shadow", st.requests, st.acked,
	    st.acked_errors));
	ok(1, L("featured: %ld in flight at a kill: %ld committed whole, "
	    "%ld absent, none partial", st.inflight, st.inflight_committed,
	    st.inflight_absent));
	ok(1, L("featured: integrity_check ok and invariants hold after "
	    "%ld restarts (%.1f s)", st.comparisons,
	    (fc_now_ms() - t0) / 1000.0));
	fc_stop_checked(&victim, "the victim");
	fc_stop_checked(&shadow, "the shadow");
}

/* ---- migcheck under read load ------------------------------------------ */

#define NSOCK	4

static struct {
	char		*text;		/* the request */
	json_object	*answer;	/* the first migcheck's result/error */
} reads[NELEM(vm_ids) * (NELEM(host_ids) + 1)];
static size_t nreads;

static int
mc_socket(void)
{
	int s = fc_req_socket(mc.rpc, FC_RPC_TIMEOUT_MS, FC_RPC_TIMEOUT_MS);
	int resend = 200, ivl = 10;

	/*
	 * A request outstanding at a kill is sent again to the next
	 * migcheck: it must then be answered as before.
	 */
	if (s < 0 || nn_setsockopt(s, NN_REQ, NN_REQ_RESEND_IVL, &resend,
	    sizeof(resend)) < 0 || nn_setsockopt(s, NN_SOL_SOCKET,
	    NN_RECONNECT_IVL, &ivl, sizeof(ivl)) < 0)
		fc_bail(&mc, "nanomsg socket");
	return s;
}

/* The reply's answer: its result or error, without the id. */
static json_object *
answer_of(json_object *r)
{
	json_object *a = jget(r, "error", NULL);

	return jobj(a != NULL ? "error" : "result",
	    json_object_get(a != NULL ? a : jget(r, "result", NULL)), NULL);
}

static void
reads_make(void)
{
	size_t v, h;

	for (v = 0; v < NELEM(vm_ids); v++) {
		for (h = 0; h < NELEM(host_ids); h++, nreads++)
			reads[nreads].text = strdup(L("{\"jsonrpc\":\"2.0\","
			    "\"id\":%zu,\"method\":\"VM.check_migrate\","
			    "\"params\":{\"vm\":\"%s\",\"host\":\"%s\"}}",
			    nreads, vm_ids[v], host_ids[h]));
		reads[nreads].text = strdup(L("{\"jsonrpc\":\"2.0\","
		    "\"id\":%zu,\"method\":\"VM.get_possible_hosts\","
		    "\"params\":{\"vm\":\"%s\"}}", nreads, vm_ids[v]));
		nreads++;
	}
}

/* A reply to reads[i]: the answer the first migcheck gave. */
static void
mc_judge(size_t i, void *msg, int n)
{
	json_object *r = jparse(msg, (size_t)n), *a = answer_of(r);

	st.mc_requests++;
	if (reads[i].answer == NULL)
		reads[i].answer = json_object_get(a);
	else if (!jequal(a, reads[i].answer)) {
		ok(0, L("migcheck kill %ld: the same answer as before",
		    st.mc_kills));
		diag("request: %s", reads[i].text);
		diag("before:  %.400s", jtext(reads[i].answer));
		diag("now:     %.400s", jtext(a));
		fc_bail(&mc, "migcheck's answer changed");
	}
	json_object_put(a);
	json_object_put(r);
}

static void
mc_send(int s, long *out)
{
	size_t i = rnd((unsigned int)nreads);

	if (nn_send(s, reads[i].text, strlen(reads[i].text), 0) < 0)
		fc_bail(&mc, L("nn_send: %s", nn_strerror(nn_errno())));
	*out = (long)i;
}

/* Receive on s for reads[*out]; 0 if nothing came within its timeout. */
static int
mc_recv(int s, long *out)
{
	void *msg = NULL;
	int n = nn_recv(s, &msg, NN_MSG, 0);

	if (n < 0)
		return 0;
	mc_judge((size_t)*out, msg, n);
	nn_freemsg(msg);
	*out = -1;
	return 1;
}

static void
soak_migcheck(long kills)
{
	long long t0 = fc_now_ms();
	int sock[NSOCK], i, to = 3000;
	long out[NSOCK];
	unsigned int rounds;
	size_t k;

	reads_make();
	spawn(&mc);
	wait_ready(&mc);
	for (i = 0; i < NSOCK; i++)
		sock[i] = mc_socket();
	/* The answers of the first migcheck, before any kill. */
	for (k = 0; k < nreads; k++) {
		out[0] = (long)k;
		if (nn_send(sock[0], reads[k].text, strlen(reads[k].text),
		    0) < 0 || !mc_recv(sock[0], &out[0]))
			fc_bail(&mc, "migcheck does not answer");
	}
	while (st.mc_kills < kills) {
		for (rounds = rnd(20); rounds > 0; rounds--) {
			for (i = 0; i < NSOCK; i++)
				mc_send(sock[i], &out[i]);
			for (i = 0; i < NSOCK; i++)
				if (!mc_recv(sock[i], &out[i]))
					fc_bail(&mc, "migcheck does not "
					    "answer (no kill)");
		}
		for (i = 0; i < NSOCK; i++)
			mc_send(sock[i], &out[i]);
		usleep(rnd(3000));
		kill9(&mc);
		st.mc_kills++;
		if (chance(20)) {
			spawn(&mc);
			usleep(rnd(20000));
			kill9(&mc);
			st.mc_kills++;
		}
		spawn(&mc);
		wait_ready(&mc);
		fc_close_sockets(&mc);
		for (i = 0; i < NSOCK; i++) {
			nn_setsockopt(sock[i], NN_SOL_SOCKET, NN_RCVTIMEO,
			    &to, sizeof(to));
			if (mc_recv(sock[i], &out[i]))
				st.mc_answered_after_restart++;
			else {
				st.mc_lost++;
				nn_close(sock[i]);
				sock[i] = mc_socket();
			}
		}
	}
	for (i = 0; i < NSOCK; i++)
		nn_close(sock[i]);
	ok(1, L("migcheck: %ld kills under read load from %d clients, %ld "
	    "answers all equal to the first migcheck's (%.1f s)", st.mc_kills,
	    NSOCK, st.mc_requests, (fc_now_ms() - t0) / 1000.0));
	ok(1, L("migcheck: of %ld requests outstanding at a kill, %ld "
	    "answered by the next migcheck, %ld unanswered",
	    st.mc_answered_after_restart + st.mc_lost,
	    st.mc_answered_after_restart, st.mc_lost));
	fc_stop_checked(&mc, "migcheck");
}

/* ---- main --------------------------------------------------------------- */

static const char *
binary(const char *env, const char *builtin)
{
	const char *v = getenv(env);

	if (v == NULL || *v == '\0')
		v = builtin;
	if (*v == '\0')
		skip_all("%s is not set", env);
	if (access(v, X_OK) != 0) {
		printf("Bail out! %s: %s\n", v, strerror(errno));
		exit(1);
	}
	return v;
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: cpulevel-soak [--kills N] [--migcheck-kills N]"
	    " [--seed S]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *env;
	long kills = 60, mc_kills = 20;
	long long t0 = fc_now_ms();
	size_t i;
	int a;

	if ((env = getenv("CPULEVEL_SOAK_SEED")) != NULL && *env != '\0')
		seed = strtoull(env, NULL, 0);
	else
		seed = (uint64_t)time(NULL) * 1000003u ^ (uint64_t)getpid();
	if ((env = getenv("CPULEVEL_SOAK_KILLS")) != NULL && *env != '\0')
		kills = atol(env);
	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--kills") == 0 && a + 1 < argc)
			kills = atol(argv[++a]);
		else if (strcmp(argv[a], "--migcheck-kills") == 0 &&
		    a + 1 < argc)
			mc_kills = atol(argv[++a]);
		else if (strcmp(argv[a], "--seed") == 0 && a + 1 < argc)
			seed = strtoull(argv[++a], NULL, 0);
		else
			usage();
	}
	rng_state = seed;
	if (getenv("CPULEVEL_SHARED_DATA") == NULL)
		setenv("CPULEVEL_SHARED_DATA", SOAK_SHARED_DATA, 0);
	diag("seed %" PRIu64 " (CPULEVEL_SOAK_SEED=%" PRIu64 " repeats the "
	    "requests and delays), %ld featured kills, %ld migcheck kills",
	    seed, seed, kills, mc_kills);

	fc_begin("cpulevel-soak");
	load_hosts();
	for (i = 0; i < NMODELS; i++)
		load_host(&models[i], "model", model_names[i], i % 2 ? "8" :
		    "16");
	fc_add_daemon(&victim, "the victim", binary("CPULEVEL_FEATURED",
	    SOAK_FEATURED), "victim.db", "victim.sock", "victim-events.sock",
	    "victim.log");
	/*
	 * The shadow is the build's featured even when the victim is
	 * another (a patched one, to see the soak fail).
	 */
	fc_add_daemon(&shadow, "the shadow", binary("CPULEVEL_SHADOW_FEATURED",
	    SOAK_FEATURED), "shadow.db",
	    "shadow.sock", "shadow-events.sock", "shadow.log");
	fc_add_daemon(&mc, "migcheck", binary("CPULEVEL_MIGCHECK",
	    SOAK_MIGCHECK), "victim.db", "migcheck.sock", NULL,
	    "migcheck.log");
	diag("victim %s, shadow %s", victim.bin, shadow.bin);

	soak_featured(kills);
	soak_migcheck(mc_kills);
	diag("seed %" PRIu64 ", %.1f s in all", seed,
	    (fc_now_ms() - t0) / 1000.0);
	return done_testing();
}
