/*
 * The idempotent upserts of xapi's state (issue 12, section 1), through
 * the real cpulevel-featured (CPULEVEL_FEATURED) and cpulevel-migcheck
 * (CPULEVEL_MIGCHECK) on one database, with the ids xapi uses (uuids)
 * and the CPUs of ../shared/data/cpu-models.json (models.h):
 *
 * - bad params are refused with -32602 and nothing is written;
 * - Host.observe and Pool.observe record a pool and its members, the
 *   level is the fold of the members (an AMD host observed into an Intel
 *   pool included: xapi admitted it, featured records it), a repeat
 *   changes nothing and adds no history, a changed cpu_info recomputes
 *   the level, a host observed in another pool (or as its master)
 *   leaves its old one, and a pool never exists without members;
 * - VM.observe keeps last_boot_CPU_flags verbatim (a set that is not the
 *   pool level) and migcheck judges with it; an unknown host is
 *   UUID_INVALID; missing flags inherit the host's set (VM.import's rule)
 *   until full ones arrive;
 * - Host.forget and VM.forget remove, recalculate and clear;
 * - Service.inventory lists every id, in pages;
 * - what was acknowledged survives kill -9 of featured.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>
#include <nanomsg/nn.h>

#include "tap.h"
#include "daemon_harness.h"
#include "models.h"

static struct featured F = FC_INIT, M = FC_INIT;

#define P1	"5e1c9a70-3b2d-4c8e-a1f4-9d8c7b6a5f40"
#define P2	"5e1c9a70-3b2d-4c8e-a1f4-9d8c7b6a5f41"
#define U1	"7f1a2b3c-4d5e-4f60-9172-8394a5b6c701"
#define U2	"7f1a2b3c-4d5e-4f60-9172-8394a5b6c702"
#define U3	"7f1a2b3c-4d5e-4f60-9172-8394a5b6c703"
#define UA	"7f1a2b3c-4d5e-4f60-9172-8394a5b6c7a1"
#define UX	"7f1a2b3c-4d5e-4f60-9172-8394a5b6c7ff"	/* never observed */
#define V1	"c5db1298-3e97-53bb-4f97-bd039ca8c201"
#define V2	"c5db1298-3e97-53bb-4f97-bd039ca8c202"
#define V3	"c5db1298-3e97-53bb-4f97-bd039ca8c203"

/* ---- requests -------------------------------------------------------- */

/* featured's reply to method, checked a success (one TAP line). */
#define call_ok(what, method, params, res)				\
	call_checked(&F, (what), (method), (params), (res))

/* Host.observe of h as host id into pool: one TAP line per flag. */
static void
observe_host(const char *id, const struct host *h, const char *pool,
    int changed, int level_changed)
{
	json_object *res = NULL, *r;

	r = call_ok(L("Host.observe %s (%s) into %s", id, h->model, pool),
	    "Host.observe", jobj("host", js(id), "pool", js(pool),
	    "cpu_info", cpu_info(h), "hvm_capable", jb(1), NULL), &res);
	ok(jbool(res, "changed") == changed, L("  changed: %s",
	    changed ? "true" : "false"));
	ok(jbool(res, "pool_level_changed") == level_changed,
	    L("  pool_level_changed: %s", level_changed ? "true" : "false"));
	json_object_put(r);
}

static json_object *
flags(const char *vendor, const struct featureset *fs)
{
	json_object *o = json_object_new_object();

	if (vendor)
		json_object_object_add(o, "vendor", js(vendor));
	if (fs)
		json_object_object_add(o, "features", js(fmt(fs)));
	return o;
}

static void
observe_vm(const char *vm, const char *power, const char *host,
    const char *dt, json_object *fl, int changed)
{
	json_object *res = NULL, *r;

	r = call_ok(L("VM.observe %s %s on %s", vm, power,
	    host ? host : "null"), "VM.observe", jobj("vm", js(vm),
	    "power_state", js(power), "host", host ? js(host) : NULL,
	    "domain_type", dt ? js(dt) : NULL, "last_boot_CPU_flags", fl,
	    NULL), &res);
	ok(jbool(res, "changed") == changed, L("  changed: %s",
	    changed ? "true" : "false"));
	json_object_put(r);
}

/* The pool's level (Pool.get_cpu_info) is that of the n hosts m. */
static void
check_level(const char *pool, const struct host *const *m, size_t n)
{
	json_object *res = NULL, *r;
	struct level want;
	int k;

	level_of(m, n, &want);
	r = call_ok(L("Pool.get_cpu_info %s", pool), "Pool.get_cpu_info",
	    jobj("pool", js(pool), NULL), &res);
	for (k = 0; k < NKEYS; k++)
		if (!ok(fs_str_equal(jstr(res, keys[k]), &want.fs[k]),
		    L("  %s is the fold of its %zu members", keys[k], n)))
			diag("  got %s, want %s", jstr(res, keys[k]) ?
			    jstr(res, keys[k]) : "null", fmt(&want.fs[k]));
	is_int(atol(jstr(res, "cpu_count") ? jstr(res, "cpu_count") : "-1"),
	    want.cpus, "  cpu_count is the members' sum");
	json_object_put(r);
}

static size_t
history_len(const char *pool)
{
	json_object *res = NULL, *r;
	size_t n;

	r = call_ok(L("Pool.get_level_history %s", pool),
	    "Pool.get_level_history", jobj("pool", js(pool), NULL), &res);
	n = jlen(res);
	if (n > 0)
		is_str(jstr(jidx(res, 0), "event"), "Host.observe",
		    "  the last change is by Host.observe");
	json_object_put(r);
	return n;
}

/* Service.inventory's whole answer, as one text to compare. */
static char *
inventory(void)
{
	json_object *res = NULL, *r;
	char *s;

	r = call_ok("Service.inventory", "Service.inventory",
	    json_object_new_object(), &res);
	json_object_object_del(res, "next");
	s = strdup(jtext(res));
	json_object_put(r);
	return s;
}

/*
 * The events featured published within ms of now, each as "topic
 * params.host params.event" (missing parts "-"), in order.
 */
static json_object *
events_take(int ms)
{
	json_object *out = json_object_new_array(), *msg;
	char *buf = NULL, *nl;
	int n;

	nn_setsockopt(F.sub, NN_SOL_SOCKET, NN_RCVTIMEO, &ms, sizeof(ms));
	while ((n = nn_recv(F.sub, &buf, NN_MSG, 0)) >= 0) {
		nl = memchr(buf, '\n', (size_t)n);
		msg = nl ? jparse(nl + 1, (size_t)(n - (nl + 1 - buf))) : NULL;
		json_object_array_add(out, js(L("%.*s %s %s",
		    nl ? (int)(nl - buf) : n, buf,
		    jstr(msg, "params.host") ? jstr(msg, "params.host") : "-",
		    jstr(msg, "params.event") ? jstr(msg, "params.event") :
		    "-")));
		json_object_put(msg);
		nn_freemsg(buf);
	}
	return out;
}

/* ---- the story ------------------------------------------------------- */

static struct host H2b;		/* U2 after a BIOS update: Haswell */

static void
t_start(void)
{
	load_hosts();
	fc_start_checked(&F, "featured");
	fc_start_checked(&M, "migcheck");
}

static void
t_bad_params(void)
{
	static const struct {
		const char	*method, *json, *param;
	} bad[] = {
		{ "Pool.observe", "{\"pool\":\"" P1 "\"}", "master" },
		{ "Pool.observe", "{\"pool\":\"" P1 "\",\"master\":7}",
		    "master" },
		{ "Pool.observe", "{\"pool\":null,\"master\":null}", "pool" },
		{ "Host.observe", "{\"host\":\"not a uuid\",\"pool\":\"" P1
		    "\",\"cpu_info\":{},\"hvm_capable\":true}", "host" },
		{ "Host.observe", "{\"host\":\"" U1 "\",\"pool\":\"" P1
		    "\",\"cpu_info\":{}}", "hvm_capable" },
		{ "Host.observe", "{\"host\":\"" U1 "\",\"pool\":\"" P1
		    "\",\"cpu_info\":{\"vendor\":1},\"hvm_capable\":true}",
		    "cpu_info" },
		{ "Host.observe", "{\"host\":\"" U1 "\",\"cpu_info\":{},"
		    "\"hvm_capable\":true}", "pool" },
		{ "Host.forget", "{\"host\":\"" U1 "\",\"pool\":\"" P1 "\"}",
		    "pool" },
		{ "VM.observe", "{\"vm\":\"" V1 "\",\"power_state\":\"gone\","
		    "\"host\":null,\"domain_type\":null,"
		    "\"last_boot_CPU_flags\":{}}", "power_state" },
		{ "VM.observe", "{\"vm\":\"" V1 "\",\"power_state\":\"halted\","
		    "\"host\":null,\"domain_type\":\"xen\","
		    "\"last_boot_CPU_flags\":{}}", "domain_type" },
		{ "VM.observe", "{\"vm\":\"" V1 "\",\"power_state\":\"halted\","
		    "\"host\":null,\"domain_type\":null,"
		    "\"last_boot_CPU_flags\":{\"cores\":\"2\"}}",
		    "last_boot_CPU_flags" },
		{ "VM.observe", "{\"vm\":\"" V1 "\",\"power_state\":\"halted\","
		    "\"domain_type\":null,\"last_boot_CPU_flags\":{}}",
		    "host" },
		{ "VM.observe", "{\"vm\":\"" V1 "\",\"power_state\":\"halted\","
		    "\"host\":null,\"domain_type\":null,"
		    "\"last_boot_CPU_flags\":null}", "last_boot_CPU_flags" },
		{ "VM.forget", "{\"vm\":\"\"}", "vm" },
		{ "Service.inventory", "{\"limit\":0}", "limit" },
		{ "Service.inventory", "{\"limit\":10001}", "limit" },
		{ "Service.inventory", "{\"after\":\"vm\"}", "after" },
		{ "Service.inventory", "{\"after\":\"cat:" V1 "\"}", "after" },
	};
	json_object *r;
	char *inv;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = fc_call(&F, bad[i].method, json_tokener_parse(bad[i].json));
		expect_invalid_params(r, L("%s %s: -32602", bad[i].method,
		    bad[i].json), bad[i].param);
		json_object_put(r);
	}
	/* A bad featureset is a XenAPI error, as Host.boot gives it. */
	r = fc_call(&F, "Host.observe", jobj("host", js(U1), "pool", js(P1),
	    "cpu_info", jobj("vendor", js("GenuineIntel"), "features_hvm",
	    js("zz"), NULL), "hvm_capable", jb(1), NULL));
	expect_error(r, "Host.observe with an unparseable featureset", 1,
	    "INVALID_FEATURE_STRING", "zz");
	json_object_put(r);
	inv = inventory();
	is_str(inv, "{\"pools\":[],\"hosts\":[],\"vms\":[]}",
	    "nothing was written");
	free(inv);
}

/* Pool.observe with its master; one TAP line per result. */
static void
observe_pool(const char *pool, const char *master, int changed,
    int level_changed)
{
	json_object *res = NULL, *r;

	r = call_ok(L("Pool.observe %s, master %s", pool, master ? master :
	    "null"), "Pool.observe", jobj("pool", js(pool), "master",
	    master ? js(master) : NULL, NULL), &res);
	ok(jbool(res, "changed") == changed, L("  changed: %s",
	    changed ? "true" : "false"));
	ok(jbool(res, "pool_level_changed") == level_changed,
	    L("  pool_level_changed: %s", level_changed ? "true" : "false"));
	json_object_put(r);
}

/* A pool has members: its master's Host.observe creates it. */
static void
t_pool(void)
{
	char *inv;

	observe_pool(P1, NULL, 0, 0);
	observe_pool(P1, U1, 0, 0);
	inv = inventory();
	is_str(inv, "{\"pools\":[],\"hosts\":[],\"vms\":[]}",
	    "  no pool without members");
	free(inv);
}

static void
t_hosts(void)
{
	const struct host *m1[] = { &H1 }, *m2[] = { &H1, &H2 };
	const struct host *m3[] = { &H1, &H2, &A1 };
	const struct host *m4[] = { &H1, &H2b, &A1 };
	json_object *res = NULL, *r, *ev, *want;

	observe_host(U1, &H1, P1, 1, 1);
	check_level(P1, m1, 1);
	is_int(history_len(P1), 1, "one history row");
	observe_host(U1, &H1, P1, 0, 0);
	is_int(history_len(P1), 1, "the same observe again: no second row");
	observe_host(U2, &H2, P1, 1, 1);
	check_level(P1, m2, 2);
	/* Pool.join would refuse it (HOSTS_NOT_HOMOGENEOUS): xapi did not. */
	observe_host(UA, &A1, P1, 1, 1);
	check_level(P1, m3, 3);
	r = call_ok("Host.get_cpu_info " UA, "Host.get_cpu_info",
	    jobj("host", js(UA), NULL), &res);
	want = cpu_info(&A1);
	ok(jequal(res, want), "  the AMD host's cpu_info as given");
	json_object_put(want);
	json_object_put(r);
	is_int(history_len(P1), 3, "three level changes so far");

	/*
	 * U2 comes back with less (Haswell's sets): the level drops, and
	 * featured says so as after a Host.boot.
	 */
	H2b = H3;
	H2b.id = U2;
	json_object_put(events_take(100));
	observe_host(U2, &H2b, P1, 1, 1);
	ev = events_take(1000);
	is_str(jtext(ev), "[\"host.features_lost " U2 " -\","
	    "\"pool.level_changed " U2 " Host.observe\","
	    "\"db.committed - -\"]",
	    "  events: features lost, the level changed");
	json_object_put(ev);
	check_level(P1, m4, 3);
	r = call_ok("Host.get_cpu_info " U2, "Host.get_cpu_info",
	    jobj("host", js(U2), NULL), &res);
	want = cpu_info(&H2b);
	ok(jequal(res, want), "  replaced whole by the new one");
	json_object_put(want);
	json_object_put(r);
	observe_host(U2, &H2b, P1, 0, 0);
	ev = events_take(300);
	is_int(jlen(ev), 0, "  the repeat publishes nothing");
	json_object_put(ev);
	is_int(history_len(P1), 4, "one row per change, none per repeat");
}

/* U3 in P2, then P1's master: P2, emptied, is gone. */
static void
t_move(void)
{
	const struct host *m4[] = { &H1, &H2b, &A1 };
	const struct host *m5[] = { &H1, &H2b, &A1, &H3 };
	json_object *r;

	observe_host(U3, &H3, P2, 1, 1);
	observe_pool(P2, U3, 0, 0);
	/* P1's master, says xapi: U3 moves there.  H2b is as small. */
	observe_pool(P1, U3, 1, 0);
	observe_pool(P1, U3, 0, 0);
	observe_host(U3, &H3, P1, 0, 0);
	check_level(P1, m5, 4);
	r = fc_call(&F, "Pool.get_cpu_info", jobj("pool", js(P2), NULL));
	expect_error(r, "the pool it left, emptied, is deleted", 1,
	    "HANDLE_INVALID", "pool", P2);
	json_object_put(r);
	r = fc_call(&F, "Host.forget", jobj("host", js(U3), NULL));
	expect_result(r, "Host.forget " U3, NULL);
	json_object_put(r);
	check_level(P1, m4, 3);
}

static void
t_vms(void)
{
	json_object *res = NULL, *r;
	struct featureset missing, got;
	char *before, *after, why[256];

	/* V1 was given U1's whole max set: not P1's level, nor a subset. */
	observe_vm(V1, "running", U1, "hvm", flags(H1.vendor, &H1.fs[HVM]),
	    1);
	observe_vm(V1, "running", U1, "hvm", flags(H1.vendor, &H1.fs[HVM]),
	    0);
	r = call_ok("VM.get_cpu_flags " V1, "VM.get_cpu_flags",
	    jobj("vm", js(V1), NULL), &res);
	ok(fs_str_equal(jstr(res, "features"), &H1.fs[HVM]),
	    "  features as xapi recorded them, verbatim");
	is_str(jstr(res, "host"), U1, "  resident on " U1);
	ok(!jbool(res, "legacy"), "  not legacy");
	json_object_put(r);
	/* migcheck judges with that set: U2 (Haswell) lacks some of it. */
	r = fc_call(&M, "VM.check_migrate", jobj("vm", js(V1), "host",
	    js(U2), NULL));
	expect_result(r, "migcheck: VM.check_migrate " V1 " to " U2, &res);
	fs_diff(&H1.fs[HVM], &H2b.fs[HVM], &missing);
	ok(!jbool(res, "compatible") && !fs_is_zero(&missing) &&
	    names_to_set(jget(res, "missing_features", NULL), 1, &got, why,
	    sizeof(why)) && fs_is_equal(&got, &missing),
	    "  incompatible, missing what V1's set has beyond U2's");
	if (!fs_is_equal(&got, &missing))
		diag("  missing %s, want %s", jtext(jget(res,
		    "missing_features", NULL)), names(&missing));
	is_str(jstr(res, "reason"), R_FEATURES, "  xapi's reason");
	json_object_put(r);

	/* An unknown host: xapi's UUID_INVALID, nothing written. */
	before = inventory();
	r = fc_call(&F, "VM.observe", jobj("vm", js(V2), "power_state",
	    js("running"), "host", js(UX), "domain_type", js("hvm"),
	    "last_boot_CPU_flags", json_object_new_object(), NULL));
	expect_error(r, "VM.observe on an unknown host", 1, "UUID_INVALID",
	    "host", UX);
	json_object_put(r);
	after = inventory();
	is_str(after, before, "  nothing written");
	free(before);
	free(after);

	/* No flags yet (xapi writes them one event later): U1's max set. */
	observe_vm(V2, "running", U1, "hvm", json_object_new_object(), 1);
	r = call_ok("VM.get_cpu_flags " V2, "VM.get_cpu_flags",
	    jobj("vm", js(V2), NULL), &res);
	ok(jbool(res, "legacy") && fs_str_equal(jstr(res, "features"),
	    &H1.fs[HVM]), "  inherits the host's set, legacy (as VM.import)");
	json_object_put(r);
	observe_vm(V2, "running", U1, "hvm", flags(H1.vendor,
	    &H2b.fs[HVM_HOST]), 1);
	r = call_ok("VM.get_cpu_flags " V2, "VM.get_cpu_flags",
	    jobj("vm", js(V2), NULL), &res);
	ok(!jbool(res, "legacy") && fs_str_equal(jstr(res, "features"),
	    &H2b.fs[HVM_HOST]), "  then the flags that arrive, verbatim");
	json_object_put(r);

	/* A halted VM: no host, no type (xapi's "unspecified"). */
	observe_vm(V3, "halted", NULL, NULL, json_object_new_object(), 1);
	r = call_ok("VM.get_cpu_flags " V3, "VM.get_cpu_flags",
	    jobj("vm", js(V3), NULL), &res);
	ok(jis_null(res, "host") && jis_null(res, "features") &&
	    streq(jstr(res, "power_state"), "halted"),
	    "  halted, resident nowhere, no flags");
	json_object_put(r);
	observe_vm(V3, "halted", NULL, NULL, json_object_new_object(), 0);
}

static void
t_inventory(void)
{
	json_object *res = NULL, *r, *all = json_object_new_array();
	const char *next = NULL;
	char want[512], cursor[128];
	int pages = 0;
	size_t i;

	r = call_ok("Service.inventory", "Service.inventory",
	    json_object_new_object(), &res);
	snprintf(want, sizeof(want), "{\"pools\":[\"%s\"],\"hosts\":[\"%s\","
	    "\"%s\",\"%s\"],\"vms\":[\"%s\",\"%s\",\"%s\"],\"next\":null}",
	    P1, U1, U2, UA, V1, V2, V3);
	is_str(jtext(res), want, "  every id, in order, no next");
	json_object_put(r);
	/* Pages of 3: [P1 U1 U2] [UA V1 V2] [V3]. */
	do {
		pages++;
		r = call_ok(L("Service.inventory page %d", pages),
		    "Service.inventory", next ? jobj("after", js(cursor),
		    "limit", ji(3), NULL) : jobj("limit", ji(3), NULL), &res);
		for (i = 0; i < jlen(jget(res, "hosts", NULL)); i++)
			json_object_array_add(all, json_object_get(jidx(
			    jget(res, "hosts", NULL), i)));
		next = jstr(res, "next");
		if (next)
			snprintf(cursor, sizeof(cursor), "%s", next);
		json_object_put(r);
	} while (next && pages < 10);
	is_int(pages, 3, "three pages, the last with next null");
	is_int(jlen(all), 3, "  the hosts across pages, each once");
	json_object_put(all);
}

static void
t_restart(void)
{
	const struct host *m4[] = { &H1, &H2b, &A1 };
	json_object *res = NULL, *r;
	char *before, *after;

	/* The last write acknowledged, then kill -9 at once. */
	before = inventory();
	observe_vm(V3, "suspended", NULL, "hvm", flags(H1.vendor,
	    &H1.fs[HVM]), 1);
	fc_kill_hard(&F);
	fc_start_checked(&F, "featured (after kill -9)");
	after = inventory();
	is_str(after, before, "after kill -9: the same ids");
	free(before);
	free(after);
	check_level(P1, m4, 3);
	is_int(history_len(P1), 4, "  and the same history");
	r = call_ok("VM.get_cpu_flags " V1, "VM.get_cpu_flags",
	    jobj("vm", js(V1), NULL), &res);
	ok(fs_str_equal(jstr(res, "features"), &H1.fs[HVM]),
	    "  V1's flags as observed");
	json_object_put(r);
	r = call_ok("VM.get_cpu_flags " V3, "VM.get_cpu_flags",
	    jobj("vm", js(V3), NULL), &res);
	ok(streq(jstr(res, "power_state"), "suspended") &&
	    fs_str_equal(jstr(res, "features"), &H1.fs[HVM]),
	    "  the last write, acknowledged before kill -9, is there");
	json_object_put(r);
}

static void
t_forget(void)
{
	const struct host *m[] = { &H2b, &A1 };
	json_object *res = NULL, *r;

	/* V1 and V2 still name U1: they keep no host. */
	r = call_ok("Host.forget " U1, "Host.forget", jobj("host", js(U1),
	    NULL), &res);
	ok(jbool(res, "changed"), "  changed");
	json_object_put(r);
	check_level(P1, m, 2);
	r = call_ok("VM.get_cpu_flags " V1, "VM.get_cpu_flags",
	    jobj("vm", js(V1), NULL), &res);
	ok(jis_null(res, "host") && fs_str_equal(jstr(res, "features"),
	    &H1.fs[HVM]), "  V1 keeps its flags and no host");
	json_object_put(r);
	r = call_ok("Host.forget " U1 " again", "Host.forget",
	    jobj("host", js(U1), NULL), &res);
	ok(!jbool(res, "changed") && !jbool(res, "pool_level_changed"),
	    "  unknown: changed false");
	json_object_put(r);
	r = fc_call(&F, "VM.forget", jobj("vm", js(V3), NULL));
	expect_null(r, "VM.forget " V3);
	json_object_put(r);
	r = fc_call(&F, "VM.get_cpu_flags", jobj("vm", js(V3), NULL));
	expect_error(r, "  gone", 1, "HANDLE_INVALID", "VM", V3);
	json_object_put(r);
	r = fc_call(&F, "VM.forget", jobj("vm", js(V3), NULL));
	expect_null(r, "VM.forget " V3 " again: not an error");
	json_object_put(r);
	r = fc_call(&F, "Host.forget", jobj("host", js(U2), NULL));
	expect_result(r, "Host.forget " U2, NULL);
	json_object_put(r);
	r = fc_call(&F, "Host.forget", jobj("host", js(UA), NULL));
	expect_result(r, "Host.forget " UA " (the last member)", NULL);
	json_object_put(r);
	r = fc_call(&F, "Pool.get_cpu_info", jobj("pool", js(P1), NULL));
	expect_error(r, "  the emptied pool is deleted", 1, "HANDLE_INVALID",
	    "pool", P1);
	json_object_put(r);
}

static void
t_stop(void)
{
	fc_stop_checked(&F, "featured");
	fc_stop_checked(&M, "migcheck");
}

int
main(void)
{
	fc_begin("cpulevel-observe");
	fc_add_pair(&F, &M, "a.db");

	fc_run("start", t_start);
	fc_run("bad params", t_bad_params);
	fc_run("Pool.observe", t_pool);
	fc_run("Host.observe", t_hosts);
	fc_run("a host moving pools", t_move);
	fc_run("VM.observe", t_vms);
	fc_run("Service.inventory", t_inventory);
	fc_run("featured killed and restarted", t_restart);
	fc_run("the forgets", t_forget);
	fc_run("stop", t_stop);
	return done_testing();
}
