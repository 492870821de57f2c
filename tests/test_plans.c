/*
 * The answers before acting (issue 14), end to end through the real
 * daemons' sockets: Pool.preview_join, Pool.preview_eject,
 * Host.preview_boot, Host.plan_evacuation,
 * Host.get_vms_which_prevent_evacuation, Pool.get_vms_needing_restart
 * and VM.check_restart_on.  The pool is built of realistic CPUs
 * (../shared/data/cpu-models.json); every level, missing feature and
 * verdict is checked against what this test computes itself with the
 * featureset library and models.h's combine (never featured's code
 * path).  Each preview is then followed by the real action, and the
 * preview must equal what it did: the pool's level from
 * Pool.get_cpu_info, and migcheck's verdicts on the VMs it named.  And
 * none of the calls changes a byte of the database.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "featurenames.h"
#include "featureset.h"
#include "tap.h"
#include "daemon_harness.h"
#include "models.h"

/* What this test knows of a VM. */
struct tvm {
	const char		*id;
	const char		*host;
	int			 hvm;
	int			 suspended;
	struct featureset	 fs;
};

#define require(c, what) fc_require(NULL, (c), __FILE__, __LINE__, (what))

static struct featured F = FC_INIT, M = FC_INIT;
/* h2 after a microcode update that took one bit away. */
static struct host H2B;
static unsigned int lost_bit;

static struct tvm V1 = { "vm1", "h1", 1, 0, { 0 } };	/* the level */
static struct tvm V2 = { "vm2", "h2", 0, 0, { 0 } };	/* pv, the level */
static struct tvm V3 = { "vm3", "h1", 1, 0, { 0 } };	/* h1's whole set */
static struct tvm V4 = { "vm4", "h2", 1, 1, { 0 } };	/* suspended */
static struct tvm *const vms[] = { &V1, &V2, &V3, &V4 };
#define NVMS	(sizeof(vms) / sizeof(vms[0]))

static struct host *
host_of(const char *id)
{
	struct host *const all[] = { &H1, &H2, &H3, &A1 };
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(all[i]->id, id) == 0)
			return all[i];
	printf("Bail out! no host %s\n", id);
	exit(1);
}

/* The test's own rule: vendor, then the VM's set within the max set. */
static int
fits(const struct tvm *v, const struct host *h, struct featureset *missing)
{
	const struct host *on = host_of(v->host);

	fs_diff(&v->fs, &h->fs[v->hvm ? HVM : PV], missing);
	return strcmp(on->vendor, h->vendor) == 0 && fs_is_zero(missing);
}

static int
names_are(json_object *arr, const struct featureset *want)
{
	struct featureset got;
	char why[128];

	if (!names_to_set(arr, 1, &got, why, sizeof(why))) {
		diag("  names: %s", why);
		return 0;
	}
	if (!fs_is_equal(&got, want)) {
		diag("  got %s\n#   want %s", names(&got), names(want));
		return 0;
	}
	return 1;
}

static json_object *
call_ok(struct featured *d, const char *method, json_object *params,
    json_object **res)
{
	json_object *r = fc_call(d, method, params);

	expect_result(r, L("%s %s", d == &M ? "migcheck:" : "featured:",
	    method), res);
	return r;
}

static void
boot(const struct host *h)
{
	json_object_put(call_ok(&F, "Host.boot", jobj("host", js(h->id),
	    "cpu_info", cpu_info(h), NULL), NULL));
}

static void
join(const char *pool, struct host *h)
{
	json_object_put(call_ok(&F, "Pool.join", jobj("pool", js(pool),
	    "host", js(h->id), NULL), NULL));
	h->pool = pool;
}

/* The level of p1's members, as this test computes it, in id order. */
static void
p1_level(struct level *lv)
{
	const struct host *m[4];
	struct host *const all[] = { &H1, &H2, &H3 };
	size_t i, n = 0;

	for (i = 0; i < 3; i++)
		if (all[i]->pool && strcmp(all[i]->pool, "p1") == 0)
			m[n++] = all[i];
	level_of(m, n, lv);
}

static void
start(struct tvm *v, const struct featureset *given)
{
	json_object *p = jobj("vm", js(v->id), "host", js(v->host),
	    "domain_type", js(v->hvm ? "hvm" : "pv"), NULL);
	json_object *r, *res;
	struct featureset got;
	char why[256];

	if (given)
		json_object_object_add(p, "featureset", js(fmt(given)));
	r = call_ok(&F, "VM.start", p, &res);
	if (res == NULL || fs_parse(jstr(res, "features"), &got, why,
	    sizeof(why)) != 0)
		fc_bail(&F, "VM.start gave no features");
	v->fs = got;
	json_object_put(r);
}

/* The pool's level from Pool.get_cpu_info equals lv. */
static void
check_pool_level(const char *what, const struct level *lv)
{
	json_object *r, *res;

	r = call_ok(&F, "Pool.get_cpu_info", jobj("pool", js("p1"), NULL),
	    &res);
	ok(fs_str_equal(jstr(res, "features_pv_host"), &lv->fs[PV_HOST]),
	    L("%s: p1's pv level is the one computed here", what));
	ok(fs_str_equal(jstr(res, "features_hvm_host"), &lv->fs[HVM_HOST]),
	    L("%s: p1's hvm level is the one computed here", what));
	json_object_put(r);
}

/* pv/hvm of a preview: {old, new, lost, gained} as computed here. */
static void
check_change(json_object *res, const char *what, const struct level *old,
    const struct level *new)
{
	static const char *const kinds[] = { "pv", "hvm" };
	static const int k[] = { PV_HOST, HVM_HOST };
	struct featureset d;
	int i;

	for (i = 0; i < 2; i++) {
		json_object *c = jget(res, kinds[i], NULL);

		ok(fs_str_equal(jstr(c, "old"), &old->fs[k[i]]),
		    L("%s: %s.old", what, kinds[i]));
		ok(fs_str_equal(jstr(c, "new"), &new->fs[k[i]]),
		    L("%s: %s.new is the level computed here", what, kinds[i]));
		fs_diff(&old->fs[k[i]], &new->fs[k[i]], &d);
		ok(names_are(jget(c, "lost", NULL), &d),
		    L("%s: %s.lost", what, kinds[i]));
		fs_diff(&new->fs[k[i]], &old->fs[k[i]], &d);
		ok(names_are(jget(c, "gained", NULL), &d),
		    L("%s: %s.gained", what, kinds[i]));
	}
}

static json_object *
find_vm(json_object *list, const char *vm)
{
	size_t i;

	for (i = 0; i < jlen(list); i++)
		if (streq(jstr(jidx(list, i), "vm"), vm))
			return jidx(list, i);
	return NULL;
}

/* migcheck's verdict, the real one after the action: 1 fits. */
static int
migcheck_fits(const struct tvm *v, const char *host)
{
	json_object *r = fc_call(&M, "VM.check_migrate", jobj("vm",
	    js(v->id), "host", js(host), NULL));
	int yes = jbool(r, "result.compatible");

	if (yes == -1)
		diag("  migcheck: %s", jtext(r));
	json_object_put(r);
	return yes == 1;
}

/*
 * stranded is exactly the VMs (of cand, all of p1's running and
 * suspended ones) that do not fit h, and each names what it lacks.
 */
static void
check_stranded(json_object *res, const char *what, const struct host *h,
    int (*cand)(const struct tvm *))
{
	json_object *list = jget(res, "stranded", NULL), *e;
	struct featureset miss;
	size_t i, n = 0;
	int want;

	for (i = 0; i < NVMS; i++) {
		if (!cand(vms[i]))
			continue;
		want = !fits(vms[i], h, &miss);
		e = find_vm(list, vms[i]->id);
		if (!ok((e != NULL) == want, L("%s: %s %s stranded", what,
		    vms[i]->id, want ? "is" : "is not")))
			continue;
		if (e == NULL)
			continue;
		n++;
		ok(names_are(jget(e, "missing_features", NULL), &miss),
		    L("%s: %s's missing features", what, vms[i]->id));
	}
	is_int((long long)jlen(list), (long long)n,
	    L("%s: no other VM is stranded", what));
	is_int(json_object_get_int(jget(res, "stranded_count", NULL)),
	    (long long)n, L("%s: stranded_count", what));
}

static int
any_vm(const struct tvm *v)
{
	(void)v;
	return 1;
}

/* ---- the story ------------------------------------------------------- */

static void
t_start(void)
{
	fc_start_checked(&F, "featured");
	fc_start_checked(&M, "migcheck");
}

/* p1 = {h1, h2}; vm1, vm2 (pv), vm4 at its level; vm3 with h1's set. */
static void
t_setup(void)
{
	struct host *const all[] = { &H1, &H2, &H3, &A1 };
	size_t i;

	for (i = 0; i < 4; i++)
		boot(all[i]);
	join("p1", &H1);
	join("p1", &H2);
	start(&V1, NULL);
	start(&V2, NULL);
	start(&V3, &H1.fs[HVM_HOST]);
	start(&V4, NULL);
	json_object_put(call_ok(&F, "VM.suspend", jobj("vm", js("vm4"),
	    NULL), NULL));
	require(!fits(&V3, &H2, &(struct featureset){ 0 }),
	    "data: h1's whole set does not fit h2");
}

static void
t_preview_join(void)
{
	json_object *r, *res;
	struct level old, new;

	p1_level(&old);
	r = call_ok(&F, "Pool.preview_join", jobj("pool", js("p1"), "host",
	    js("h3"), NULL), &res);
	is_int(jbool(res, "vendor_ok"), 1, "join h3: vendor_ok");
	ok(jis_null(res, "refused"), "join h3: the join would be done");
	H3.pool = "p1";
	p1_level(&new);
	H3.pool = NULL;
	check_change(res, "join h3", &old, &new);
	check_stranded(res, "join h3", &H3, any_vm);
	ok(jlen(jget(res, "stranded", NULL)) > 0,
	    "data: joining h3 strands a VM");

	/* Act, and compare. */
	join("p1", &H3);
	check_pool_level("after the join", &new);
	{
		json_object *list = jget(res, "stranded", NULL);
		size_t i;

		for (i = 0; i < NVMS; i++)
			ok(migcheck_fits(vms[i], "h3") ==
			    (find_vm(list, vms[i]->id) == NULL),
			    L("after the join: migcheck's verdict on %s to h3 "
			    "is the preview's", vms[i]->id));
	}
	json_object_put(r);

	/* Another vendor's host: refused as the join refuses it. */
	r = call_ok(&F, "Pool.preview_join", jobj("pool", js("p1"), "host",
	    js("a1"), NULL), &res);
	is_int(jbool(res, "vendor_ok"), 0, "join a1: vendor_ok false");
	is_str(jstr(jidx(jget(res, "refused", NULL), 0), ""),
	    "HOSTS_NOT_HOMOGENEOUS", "join a1: refused HOSTS_NOT_HOMOGENEOUS");
	check_stranded(res, "join a1", &A1, any_vm);
	json_object_put(r);
	r = fc_call(&F, "Pool.join", jobj("pool", js("p1"), "host", js("a1"),
	    NULL));
	expect_error(r, "join a1: the real join refuses", 1,
	    "HOSTS_NOT_HOMOGENEOUS", "CPUs differ");
	json_object_put(r);
}

static void
t_preview_eject(void)
{
	json_object *r, *res, *e;
	struct level old, new;

	p1_level(&old);
	r = call_ok(&F, "Pool.preview_eject", jobj("pool", js("p1"), "host",
	    js("h3"), NULL), &res);
	ok(jis_null(res, "refused"), "eject h3: the eject would be done");
	H3.pool = NULL;
	p1_level(&new);
	check_change(res, "eject h3", &old, &new);
	is_int((long long)jlen(jget(res, "stranded", NULL)), 0,
	    "eject h3: it runs no VM to strand");
	json_object_put(call_ok(&F, "Pool.eject", jobj("pool", js("p1"),
	    "host", js("h3"), NULL), NULL));
	check_pool_level("after the eject", &new);
	json_object_put(r);

	/* h1 runs vm1 (fits h2) and vm3 (does not). */
	r = call_ok(&F, "Pool.preview_eject", jobj("pool", js("p1"), "host",
	    js("h1"), NULL), &res);
	is_str(jstr(jidx(jget(res, "refused", NULL), 0), ""),
	    "HOST_HAS_RESIDENT_VMS", "eject h1: refused, it runs VMs");
	e = find_vm(jget(res, "stranded", NULL), "vm3");
	ok(e && streq(jstr(e, "nearest"), "h2"), "eject h1: vm3 stranded, "
	    "nearest h2");
	ok(find_vm(jget(res, "stranded", NULL), "vm1") == NULL,
	    "eject h1: vm1 not stranded");
	json_object_put(r);
}

static void
t_evacuation(void)
{
	json_object *r, *res, *e, *err;
	struct featureset miss;
	size_t i;

	r = call_ok(&F, "Host.plan_evacuation", jobj("host", js("h1"), NULL),
	    &res);
	is_int(json_object_get_int(jget(res, "vm_count", NULL)), 2,
	    "plan h1: two resident VMs");
	for (i = 0; i < NVMS; i++) {
		int want = fits(vms[i], &H2, &miss);

		if (strcmp(vms[i]->host, "h1") != 0 || vms[i]->suspended)
			continue;
		e = find_vm(jget(res, "vms", NULL), vms[i]->id);
		ok(e != NULL, L("plan h1: %s listed", vms[i]->id));
		is_int((long long)jlen(jget(e, "destinations", NULL)),
		    want ? 1 : 0, L("plan h1: %s's destinations",
		    vms[i]->id));
		ok(want == migcheck_fits(vms[i], "h2"),
		    L("plan h1: migcheck agrees on %s to h2", vms[i]->id));
		if (!want)
			ok(names_are(jget(e, "missing_features", NULL), &miss),
			    L("plan h1: %s lacks on h2 what it lacks",
			    vms[i]->id));
	}
	json_object_put(r);

	r = call_ok(&F, "Host.get_vms_which_prevent_evacuation",
	    jobj("host", js("h1"), NULL), &res);
	is_int((long long)jkeys(res), 1, "prevent h1: one VM");
	err = jget(res, "vm3", NULL);
	ok(jlen(err) == 4 &&
	    streq(jstr(jidx(err, 0), ""), "VM_INCOMPATIBLE_WITH_THIS_HOST") &&
	    streq(jstr(jidx(err, 1), ""), "vm3") &&
	    streq(jstr(jidx(err, 2), ""), "h2") &&
	    streq(jstr(jidx(err, 3), ""), R_FEATURES),
	    "prevent h1: vm3's error is xapi's [code, vm, host, reason]");
	if (err == NULL || jlen(err) != 4)
		diag("  got %s", jtext(res));
	json_object_put(r);
}

/* The VMs elsewhere than h2 that fit it now. */
static int
not_on_h2(const struct tvm *v)
{
	return v->suspended || strcmp(v->host, "h2") != 0;
}

static void
t_preview_boot(void)
{
	json_object *r, *res, *list;
	struct featureset miss, one;
	struct level old, new;
	size_t i;

	p1_level(&old);
	r = call_ok(&F, "Host.preview_boot", jobj("host", js("h2"),
	    "cpu_info", cpu_info(&H2B), NULL), &res);
	fs_clear(&one);
	set_bit(&one, lost_bit);
	ok(names_are(jpath(res, "sets.features_hvm_host.lost", NULL), &one),
	    "boot h2: its hvm default set loses the bit");
	ok(names_are(jpath(res, "sets.features_hvm.lost", NULL), &one),
	    "boot h2: its hvm max set loses the bit");
	H2 = H2B;
	H2.pool = "p1";
	p1_level(&new);
	check_change(res, "boot h2", &old, &new);
	/* Stranded: fitted h2 before, not after. */
	list = jget(res, "stranded", NULL);
	for (i = 0; i < NVMS; i++) {
		int want;

		if (!not_on_h2(vms[i]))
			continue;
		want = !fits(vms[i], &H2B, &miss);
		/* Those that did not fit the old h2 are not "no longer". */
		if (strcmp(vms[i]->id, "vm3") == 0)
			want = 0;
		ok((find_vm(list, vms[i]->id) != NULL) == want,
		    L("boot h2: %s %s", vms[i]->id, want ?
		    "could no longer come" : "not listed"));
	}
	ok(find_vm(list, "vm1") != NULL, "data: vm1 has the bit h2 loses");

	boot(&H2);
	check_pool_level("after the boot", &new);
	ok(!migcheck_fits(&V1, "h2"), "after the boot: migcheck refuses "
	    "vm1 to h2, as previewed");
	json_object_put(r);
}

static void
t_needing_restart(void)
{
	json_object *r, *res, *e, *blocked;
	struct featureset gained, lost, miss;
	struct level lv;
	size_t i, j, n = 0;
	struct host *const members[] = { &H1, &H2 };

	p1_level(&lv);
	r = call_ok(&F, "Pool.get_vms_needing_restart",
	    jobj("pool", js("p1"), NULL), &res);
	for (i = 0; i < NVMS; i++) {
		const struct featureset *l = &lv.fs[vms[i]->hvm ? HVM_HOST :
		    PV_HOST];

		fs_diff(l, &vms[i]->fs, &gained);
		fs_diff(&vms[i]->fs, l, &lost);
		e = find_vm(jget(res, "vms", NULL), vms[i]->id);
		if (!ok((e != NULL) == !(fs_is_zero(&gained) &&
		    fs_is_zero(&lost)), L("restart: %s listed iff its set is "
		    "not the level", vms[i]->id)) || e == NULL)
			continue;
		n++;
		ok(names_are(jget(e, "gained", NULL), &gained),
		    L("restart: %s gained", vms[i]->id));
		ok(names_are(jget(e, "lost", NULL), &lost),
		    L("restart: %s lost", vms[i]->id));
		blocked = jget(e, "blocked_hosts", NULL);
		for (j = 0; j < 2; j++) {
			int in = 0;
			size_t k;

			for (k = 0; k < jlen(blocked); k++)
				in |= streq(jstr(jidx(blocked, k), ""),
				    members[j]->id);
			ok(in == !fits(vms[i], members[j], &miss),
			    L("restart: %s blocked from %s iff it does not "
			    "fit", vms[i]->id, members[j]->id));
		}
	}
	ok(n >= 2, "data: vm1 and vm3 need a restart");
	is_int(json_object_get_int(jget(res, "count", NULL)), (long long)n,
	    "restart: count");
	json_object_put(r);
}

static void
t_check_restart(void)
{
	json_object *r, *res;
	struct featureset d;
	struct level lv;

	r = call_ok(&F, "VM.check_restart_on", jobj("vm", js("vm3"), "host",
	    js("a1"), NULL), &res);
	is_int(jbool(res, "ok"), 1, "cold move vm3 to a1 (AMD): ok");
	ok(fs_str_equal(jstr(res, "features"), &A1.fs[HVM_HOST]),
	    "cold move vm3 to a1: a1's own default set");
	fs_diff(&V3.fs, &A1.fs[HVM_HOST], &d);
	ok(names_are(jget(res, "lost", NULL), &d),
	    "cold move vm3 to a1: what it loses");
	json_object_put(r);

	p1_level(&lv);
	r = call_ok(&F, "VM.check_restart_on", jobj("vm", js("vm2"), "host",
	    js("h1"), NULL), &res);
	ok(fs_str_equal(jstr(res, "features"), &lv.fs[PV_HOST]),
	    "restart vm2 (pv) on h1: p1's pv level");
	fs_diff(&lv.fs[PV_HOST], &V2.fs, &d);
	ok(names_are(jget(res, "gained", NULL), &d),
	    "restart vm2 on h1: what it gains");
	json_object_put(r);

	r = fc_call(&F, "VM.check_restart_on", jobj("vm", js("nosuch"),
	    "host", js("h1"), NULL));
	expect_error(r, "check_restart_on: an unknown VM", 1,
	    "HANDLE_INVALID", "VM", "nosuch");
	json_object_put(r);
}

/* A host that runs a VM may not join: the preview says so, as the join. */
static void
t_join_running(void)
{
	struct tvm v5 = { "vm5", "h3", 1, 0, { 0 } };
	json_object *r, *res;

	start(&v5, NULL);
	r = call_ok(&F, "Pool.preview_join", jobj("pool", js("p1"), "host",
	    js("h3"), NULL), &res);
	is_str(jstr(jidx(jget(res, "refused", NULL), 0), ""),
	    "JOINING_HOST_CANNOT_HAVE_RUNNING_VMS",
	    "join h3 running vm5: refused as the join refuses");
	is_int(jbool(res, "vendor_ok"), 1, "join h3 running vm5: vendor_ok");
	json_object_put(r);
	r = fc_call(&F, "Pool.join", jobj("pool", js("p1"), "host", js("h3"),
	    NULL));
	expect_error(r, "join h3 running vm5: the real join refuses", 1,
	    "JOINING_HOST_CANNOT_HAVE_RUNNING_VMS");
	json_object_put(r);
}

/* The database files' bytes. */
static char *
slurp(const char *path, long *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf;

	*len = 0;
	if (fp == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	*len = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)*len + 1);
	if (buf && fread(buf, 1, (size_t)*len, fp) != (size_t)*len) {
		free(buf);
		buf = NULL;
	}
	fclose(fp);
	return buf;
}

static void
t_readonly(void)
{
	static const char *const suffix[] = { "", "-wal" };
	char *before[2], *after[2], path[FC_PATH_MAX + 8];
	long lb[2], la[2];
	json_object *calls[] = {
		jobj("method", js("Pool.preview_join"), "params", jobj("pool",
		    js("p1"), "host", js("h3"), NULL), NULL),
		jobj("method", js("Pool.preview_join"), "params", jobj("pool",
		    js("new-pool"), "host", js("a1"), NULL), NULL),
		jobj("method", js("Pool.preview_eject"), "params", jobj("pool",
		    js("p1"), "host", js("h2"), NULL), NULL),
		jobj("method", js("Pool.preview_eject"), "params", jobj("pool",
		    js("p1"), "host", js("h1"), NULL), NULL),
		jobj("method", js("Host.preview_boot"), "params", jobj("host",
		    js("h1"), "cpu_info", cpu_info(&H3), NULL), NULL),
		jobj("method", js("Host.plan_evacuation"), "params",
		    jobj("host", js("h1"), NULL), NULL),
		jobj("method", js("Host.get_vms_which_prevent_evacuation"),
		    "params", jobj("host", js("h2"), NULL), NULL),
		jobj("method", js("Pool.get_vms_needing_restart"), "params",
		    jobj("pool", js("p1"), NULL), NULL),
		jobj("method", js("VM.check_restart_on"), "params", jobj("vm",
		    js("vm1"), "host", js("h3"), NULL), NULL),
	};
	size_t i;
	int k;

	for (k = 0; k < 2; k++) {
		snprintf(path, sizeof(path), "%s%s", F.db, suffix[k]);
		before[k] = slurp(path, &lb[k]);
	}
	ok(before[0] != NULL, "readonly: the database is there");
	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		json_object *r = call_ok(&F, jstr(calls[i], "method"),
		    json_object_get(jget(calls[i], "params", NULL)), NULL);

		json_object_put(r);
		json_object_put(calls[i]);
	}
	for (k = 0; k < 2; k++) {
		snprintf(path, sizeof(path), "%s%s", F.db, suffix[k]);
		after[k] = slurp(path, &la[k]);
		ok(la[k] == lb[k] && (lb[k] == 0 || (before[k] && after[k] &&
		    memcmp(before[k], after[k], (size_t)lb[k]) == 0)),
		    L("readonly: cpulevel.db%s is byte for byte as before",
		    suffix[k]));
		free(before[k]);
		free(after[k]);
	}
}

static void
t_stop(void)
{
	fc_stop_checked(&M, "migcheck");
	fc_stop_checked(&F, "featured");
}

/* h2 less one bit vm1 carries (a bit of p1's hvm level). */
static void
make_h2b(void)
{
	const struct host *m[] = { &H1, &H2 };
	struct level lv;
	size_t i;

	level_of(m, 2, &lv);
	for (i = feature_table_len; i-- > 0;) {
		unsigned int b = feature_table[i].index;

		if (fs_test_bit(&lv.fs[HVM_HOST], b) &&
		    fs_test_bit(&H2.fs[HVM], b) &&
		    !(feature_table[i].flags & FEAT_ACCUMULATE))
			break;
	}
	if (i == (size_t)-1) {
		printf("Bail out! no bit to take from h2\n");
		exit(1);
	}
	lost_bit = feature_table[i].index;
	H2B = H2;
	H2B.model = "Cascadelake-Server after a microcode update";
	clear_bit(&H2B.fs[HVM], lost_bit);
	clear_bit(&H2B.fs[HVM_HOST], lost_bit);
}

int
main(void)
{
	fc_binary("CPULEVEL_FEATURED", "the path of cpulevel-featured");
	fc_binary("CPULEVEL_MIGCHECK", "the path of cpulevel-migcheck");
	load_hosts();
	make_h2b();
	fc_begin("cpulevel-plans");
	fc_add_pair(&F, &M, "cpulevel.db");
	fc_run("start featured and migcheck", t_start);
	fc_run("p1 = {h1, h2} and four VMs", t_setup);
	fc_run("Pool.preview_join, then the join", t_preview_join);
	fc_run("Pool.preview_eject, then the eject", t_preview_eject);
	fc_run("Host.plan_evacuation and the VMs that prevent it",
	    t_evacuation);
	fc_run("Host.preview_boot, then the boot", t_preview_boot);
	fc_run("Pool.get_vms_needing_restart", t_needing_restart);
	fc_run("VM.check_restart_on", t_check_restart);
	fc_run("a host running a VM does not join", t_join_running);
	fc_run("no call changes the database", t_readonly);
	fc_run("stop", t_stop);
	return done_testing();
}
