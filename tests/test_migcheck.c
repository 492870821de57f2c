/*
 * cpulevel-migcheck end to end, as a client sees it: cpulevel-featured
 * (CPULEVEL_FEATURED) and cpulevel-migcheck (CPULEVEL_MIGCHECK) run side
 * by side on one database, featured is driven through a pool of
 * non-identical hosts and VMs, and every migcheck answer is checked
 * against the compatibility rule of proto/README.md applied here, by this
 * test, to the data it sent (realistic featuresets from
 * ../shared/data/cpu-models.json, combined with the featureset library).
 * Then featured is stopped (migcheck keeps answering, and writes
 * nothing), restarted (its commits are seen by the very next migcheck
 * answer), and a migcheck started before its database exists is checked.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json.h>

#include "featurenames.h"
#include "featureset.h"
#include "tap.h"
#include "daemon_harness.h"
#include "models.h"

#define NULL_REF	"OpaqueRef:NULL"
#define INCOMPATIBLE	"VM_INCOMPATIBLE_WITH_THIS_HOST"

/* What this test knows of a VM: what featured was told and gave it. */
struct vm {
	const char		*id;
	const char		*host;		/* runs on, or last ran on */
	const char		*dtype;
	const char		*power;
	const char		*vendor;	/* NULL: none */
	int			 has_fs;
	struct featureset	 fs;
};

enum verdict { V_OK, V_VENDOR, V_FEATURES, V_NOKEYS };

static struct featured F = FC_INIT, M = FC_INIT, F2 = FC_INIT, M2 = FC_INIT;

/* H1, H2, H3, A1: models.h. */
static struct host K1, N1, Z1;
/* n1 as it first booted, for the stateless checks: no HVM keys. */
static struct host NK;
/* Every host of the main database, in no particular order. */
static struct host *const hosts[] = { &H1, &H2, &H3, &A1, &K1, &N1 };
#define NHOSTS	(sizeof(hosts) / sizeof(hosts[0]))

static struct vm VM1 = { "vm1", "h1", "hvm", "running", NULL, 0, { 0 } };
static struct vm VMH = { "vmh", "h2", "hvm", "running", NULL, 0, { 0 } };
static struct vm VMA = { "vma", "a1", "hvm", "running", NULL, 0, { 0 } };
static struct vm VML = { "vml", "h1", "hvm", "running", NULL, 0, { 0 } };
static struct vm VMLP = { "vmlp", "h2", "pv", "running", NULL, 0, { 0 } };
static struct vm VMX0 = { "vmx0", "h3", "hvm", "running", NULL, 0, { 0 } };
static struct vm VMX1 = { "vmx1", "h3", "hvm", "running", NULL, 0, { 0 } };
static struct vm VMS = { "vms", "h2", "hvm", "running", NULL, 0, { 0 } };
static struct vm VMKP = { "vmkp", "h1", "pv", "running", NULL, 0, { 0 } };
static struct vm VMKH = { "vmkh", "h1", "hvm", "running", NULL, 0, { 0 } };
static struct vm VMKVH = { "vmkvh", "h1", "pvh", "running", NULL, 0, { 0 } };
static struct vm VMKPP = { "vmkpp", "h1", "pv_in_pvh", "running", NULL, 0,
    { 0 } };
static struct vm VMK1 = { "vmk1", "k1", "hvm", "running", NULL, 0, { 0 } };
static struct vm *const vms[] = { &VM1, &VMH, &VMA, &VML, &VMLP, &VMX0,
    &VMX1, &VMS, &VMKP, &VMKH, &VMKVH, &VMKPP, &VMK1 };
#define NVMS	(sizeof(vms) / sizeof(vms[0]))

/* The bits k1 lacks: from its PV max set, from its HVM max set. */
static unsigned int kbit_pv, kbit_hvm;
/* The bit vmx1 has in a word past every host's. */
static unsigned int xbit;
/* The set the kinds VMs are started with. */
static struct featureset kset;
/* Answers of migcheck while featured ran, to compare once it stopped. */
static json_object *snap_running;

/* ---- small things ---------------------------------------------------- */

#define require(cond, what) fc_require(&M, (cond), __FILE__, __LINE__, (what))

static const char *
reason_of(enum verdict v)
{
	switch (v) {
	case V_VENDOR: return R_VENDOR;
	case V_FEATURES: return R_FEATURES;
	case V_NOKEYS: return R_NOKEYS;
	default: return "";
	}
}

static const char *
verdict_name(enum verdict v)
{
	static const char *const n[] = { "compatible", "vendor",
	    "features", "no keys" };

	return n[v];
}

static int
is_pv(const struct vm *vm)
{
	return strcmp(vm->dtype, "pv") == 0;
}

/*
 * The compatibility rule of proto/README.md, in xapi's order: a halted VM
 * is compatible; a host without the max set of the VM's kind gives reason
 * 3 whatever the VM carries; then the vendor; then the features, every
 * bit of the VM's set in the host's, both zero-extended ('|' bits are not
 * exempt).  *diff gets the VM's features that the host's max set of its
 * kind lacks: empty for a halted VM or when either has no set.
 */
static enum verdict
rule(const struct vm *vm, const struct host *h, struct featureset *diff)
{
	int k = is_pv(vm) ? PV : HVM;

	fs_clear(diff);
	if (strcmp(vm->power, "halted") == 0)
		return V_OK;
	if (vm->has_fs && h->has[k])
		fs_diff(&vm->fs, &h->fs[k], diff);
	if (!h->has[k])
		return V_NOKEYS;
	if (vm->vendor != NULL && strcmp(vm->vendor, h->vendor) != 0)
		return V_VENDOR;
	if (!vm->has_fs)
		return V_OK;
	return fs_is_zero(diff) ? V_OK : V_FEATURES;
}

/*
 * arr is a JSON array naming exactly the bits of want as xen-cpuid does
 * (Xen names, or wNbM for a bit the header does not name), each once.
 */
static int
names_equal(json_object *arr, const struct featureset *want)
{
	struct featureset got;
	char why[256];

	return names_to_set(arr, 1, &got, why, sizeof(why)) &&
	    fs_is_equal(&got, want);
}

static json_object *
flags_of(const struct vm *vm)
{
	json_object *o = json_object_new_object();

	if (vm->vendor != NULL)
		json_object_object_add(o, "vendor", js(vm->vendor));
	if (vm->has_fs)
		json_object_object_add(o, "features", js(fmt(&vm->fs)));
	return o;
}

static struct host *
host_by_id(const char *id)
{
	size_t i;

	for (i = 0; i < NHOSTS; i++)
		if (strcmp(hosts[i]->id, id) == 0)
			return hosts[i];
	return NULL;
}

static json_object *
mcall(const char *method, json_object *params)
{
	return fc_call(&M, method, params);
}

static json_object *
fcall(const char *method, json_object *params)
{
	return fc_call(&F, method, params);
}

/* A featured call that must succeed; the reply, to be put. */
static json_object *
fdo(const char *what, const char *method, json_object *params,
    json_object **res)
{
	json_object *r = fcall(method, params);

	expect_result(r, L("featured: %s", what), res);
	return r;
}

static void
fdo_put(const char *what, const char *method, json_object *params)
{
	json_object_put(fdo(what, method, params, NULL));
}

/* ---- checking migcheck's answers -------------------------------------- */

/*
 * One {host?, compatible, reason?, missing_features, vendor_mismatch}
 * against the rule.  0 with what differs in why.
 */
static int
verdict_good(json_object *o, const struct vm *vm, const struct host *h,
    int with_host, char *why, size_t len)
{
	struct featureset diff, none;
	enum verdict v = rule(vm, h, &diff);
	json_object *missing = jget(o, "missing_features", NULL);
	size_t nkeys = 3 + (v != V_OK) + (with_host != 0);
	int has_reason;

	why[0] = '\0';
	fs_clear(&none);
	jget(o, "reason", &has_reason);
	if (o == NULL || !json_object_is_type(o, json_type_object)) {
		snprintf(why, len, "not an object");
		return 0;
	}
	if (with_host && !streq(jstr(o, "host"), h->id)) {
		snprintf(why, len, "host is not %s", h->id);
		return 0;
	}
	if (jbool(o, "compatible") != (v == V_OK)) {
		snprintf(why, len, "compatible should be %s (%s)",
		    v == V_OK ? "true" : "false", verdict_name(v));
		return 0;
	}
	if (v == V_OK ? has_reason : !streq(jstr(o, "reason"),
	    reason_of(v))) {
		snprintf(why, len, v == V_OK ? "a compatible verdict has a "
		    "reason" : "reason should be \"%s\"", reason_of(v));
		return 0;
	}
	if (jbool(o, "vendor_mismatch") != (v == V_VENDOR)) {
		snprintf(why, len, "vendor_mismatch should be %s",
		    v == V_VENDOR ? "true" : "false");
		return 0;
	}
	/*
	 * A halted VM uses no features: nothing is missing.  Otherwise every
	 * feature the host lacks is named, even when the vendor decided.
	 */
	if (strcmp(vm->power, "halted") == 0)
		fs_clear(&diff);
	if (!names_equal(missing, &diff)) {
		snprintf(why, len, "missing_features should name exactly: %s",
		    names(&diff));
		return 0;
	}
	if (jkeys(o) != nkeys) {
		snprintf(why, len, "%zu members, want %zu", jkeys(o), nkeys);
		return 0;
	}
	return 1;
}

static void
check_check(const struct vm *vm, const struct host *h, const char *ctx)
{
	json_object *r = mcall("VM.check_migrate", jobj("vm", js(vm->id),
	    "host", js(h->id), NULL)), *res;
	struct featureset diff;
	enum verdict v = rule(vm, h, &diff);
	char why[512];

	if (!expect_result(r, L("%sVM.check_migrate %s -> %s answers", ctx,
	    vm->id, h->id), &res))
		goto out;
	if (!ok(verdict_good(res, vm, h, 0, why, sizeof(why)),
	    L("%sVM.check_migrate %s -> %s: %s", ctx, vm->id, h->id,
	    verdict_name(v)))) {
		diag("  %s", why);
		diag("  reply: %.800s", jtext(res));
	}
out:
	json_object_put(r);
}

static void
check_assert(const struct vm *vm, const struct host *h, const char *ctx)
{
	json_object *r = mcall("VM.assert_can_migrate", jobj("vm",
	    js(vm->id), "host", js(h->id), NULL));
	struct featureset diff;
	enum verdict v = rule(vm, h, &diff);

	if (v == V_OK)
		expect_null(r, L("%sVM.assert_can_migrate %s -> %s: null", ctx,
		    vm->id, h->id));
	else
		expect_error(r, L("%sVM.assert_can_migrate %s -> %s: %s", ctx,
		    vm->id, h->id, verdict_name(v)), 1, INCOMPATIBLE, vm->id,
		    h->id, reason_of(v));
	json_object_put(r);
}

static void
check_pair(const struct vm *vm, const struct host *h, const char *ctx)
{
	check_assert(vm, h, ctx);
	check_check(vm, h, ctx);
}

static int
by_id(const void *a, const void *b)
{
	return strcmp((*(const struct host *const *)a)->id,
	    (*(const struct host *const *)b)->id);
}

/* The hosts of vm's pool (its host's), ordered by id. */
static size_t
pool_of(const struct vm *vm, const struct host **out)
{
	const struct host *h = host_by_id(vm->host);
	size_t i, n = 0;

	if (h == NULL)
		return 0;
	if (h->pool == NULL) {
		out[n++] = h;
		return n;
	}
	for (i = 0; i < NHOSTS; i++)
		if (hosts[i]->pool != NULL &&
		    strcmp(hosts[i]->pool, h->pool) == 0)
			out[n++] = hosts[i];
	qsort(out, n, sizeof(out[0]), by_id);
	return n;
}

static void
check_possible(const struct vm *vm, const char *ctx)
{
	const struct host *m[NHOSTS];
	size_t n = pool_of(vm, m), i;
	json_object *r = mcall("VM.get_possible_hosts", jobj("vm",
	    js(vm->id), NULL)), *res;
	char why[512], list[256] = "";
	int good;

	for (i = 0; i < n; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
		    "%s%s", i ? " " : "", m[i]->id);
	if (!expect_result(r, L("%sVM.get_possible_hosts %s answers", ctx,
	    vm->id), &res))
		goto out;
	good = res != NULL && json_object_is_type(res, json_type_array) &&
	    jlen(res) == n;
	if (!good)
		snprintf(why, sizeof(why), "want an array of %zu", n);
	for (i = 0; good && i < n; i++)
		if (!verdict_good(jidx(res, i), vm, m[i], 1, why,
		    sizeof(why))) {
			good = 0;
			snprintf(why + strlen(why), sizeof(why) - strlen(why),
			    " (entry %zu, want host %s)", i, m[i]->id);
		}
	if (!ok(good, L("%sVM.get_possible_hosts %s: [%s], each verdict "
	    "right", ctx, vm->id, list))) {
		diag("  %s", why);
		diag("  reply: %.1500s", jtext(res));
	}
out:
	json_object_put(r);
}

/* Every VM to every host, and every VM's possible hosts. */
static void
matrix(const char *ctx)
{
	size_t i, j;

	for (i = 0; i < NVMS; i++) {
		for (j = 0; j < NHOSTS; j++)
			check_pair(vms[i], hosts[j], ctx);
		check_possible(vms[i], ctx);
	}
}

/* Every reply of migcheck to the questions of the matrix, by a name. */
static json_object *
snapshot(void)
{
	json_object *s = json_object_new_object();
	size_t i, j;

	for (i = 0; i < NVMS; i++) {
		for (j = 0; j < NHOSTS; j++) {
			fc_take(&M, s, L("check %s %s", vms[i]->id,
			    hosts[j]->id), "VM.check_migrate", jobj("vm",
			    js(vms[i]->id), "host", js(hosts[j]->id), NULL));
			fc_take(&M, s, L("assert %s %s", vms[i]->id,
			    hosts[j]->id), "VM.assert_can_migrate", jobj("vm",
			    js(vms[i]->id), "host", js(hosts[j]->id), NULL));
		}
		fc_take(&M, s, L("possible %s", vms[i]->id),
		    "VM.get_possible_hosts", jobj("vm", js(vms[i]->id), NULL));
	}
	return s;
}

/* ---- the test data ---------------------------------------------------- */

/* A named, compared bit of fs: the first (last = 0) or the last one. */
static int
pick_bit(const struct featureset *fs, int last, unsigned int *out)
{
	const struct feature_desc *d;
	unsigned int i;
	int found = 0;

	for (i = 0; i < fs->len * 32; i++)
		if (fs_test_bit(fs, i) && (d = feature_by_index(i)) != NULL &&
		    !(d->flags & FEAT_ACCUMULATE)) {
			*out = i;
			found = 1;
			if (!last)
				break;
		}
	return found;
}

static void
setup_data(void)
{
	int k;

	load_hosts();
	for (k = 0; k < NKEYS; k++)
		require(fs_is_strict_subset(&H3.fs[k], &H2.fs[k]) &&
		    fs_is_strict_subset(&H2.fs[k], &H1.fs[k]) &&
		    !fs_is_zero(&A1.fs[k]), L("data: %s %s < %s < %s, %s's "
		    "not empty", keys[k], H3.model, H2.model, H1.model,
		    A1.model));

	/* k1: h1's CPU, but its PV max set lacks one bit, its HVM another. */
	fs_intersect(&H1.fs[PV], &H1.fs[HVM], &kset);
	if (!pick_bit(&kset, 0, &kbit_pv) || !pick_bit(&kset, 1, &kbit_hvm) ||
	    kbit_pv == kbit_hvm) {
		printf("Bail out! %s: no two named bits in both max sets\n",
		    H1.model);
		exit(1);
	}
	K1 = H1;
	K1.id = "k1";
	K1.model = "Icelake-Server less one PV and one HVM bit";
	clear_bit(&K1.fs[PV], kbit_pv);
	clear_bit(&K1.fs[PV_HOST], kbit_pv);
	clear_bit(&K1.fs[HVM], kbit_hvm);
	clear_bit(&K1.fs[HVM_HOST], kbit_hvm);

	/* n1: an older toolstack's cpu_info, with no HVM keys. */
	N1 = H3;
	N1.id = "n1";
	N1.model = "Haswell without features_hvm*";
	N1.has[HVM] = N1.has[HVM_HOST] = 0;
	NK = N1;

	/* z1: the host of the database made later. */
	Z1 = H3;
	Z1.id = "z1";
}

/* ---- featured builds the state ---------------------------------------- */

static void
boot(const struct host *h)
{
	fdo_put(L("Host.boot %s (%s)", h->id, h->model), "Host.boot",
	    jobj("host", js(h->id), "cpu_info", cpu_info(h), NULL));
}

static void
join(const char *pool, struct host *h, int force)
{
	json_object *p = jobj("pool", js(pool), "host", js(h->id), NULL);

	if (force)
		json_object_object_add(p, "force", jb(1));
	fdo_put(L("Pool.join %s %s%s", pool, h->id, force ? " (force)" : ""),
	    "Pool.join", p);
	h->pool = pool;
}

/*
 * VM.start of vm on its host, with featureset given (NULL: the level);
 * the model takes want, and featured must have given it.
 */
static void
vm_start(struct vm *vm, const struct featureset *given,
    const struct featureset *want)
{
	json_object *p = jobj("vm", js(vm->id), "host", js(vm->host),
	    "domain_type", js(vm->dtype), NULL), *r, *res;
	const struct host *h = host_by_id(vm->host);

	if (given != NULL)
		json_object_object_add(p, "featureset", js(fmt(given)));
	r = fdo(L("VM.start %s on %s (%s)", vm->id, vm->host, vm->dtype),
	    "VM.start", p, &res);
	vm->power = "running";
	vm->vendor = h->vendor;
	vm->has_fs = 1;
	vm->fs = *want;
	if (res != NULL) {
		ok(streq(jstr(res, "vendor"), h->vendor),
		    L("featured: %s vendor %s", vm->id, h->vendor));
		if (!ok(fs_str_equal(jstr(res, "features"), want),
		    L("featured: %s is given %s", vm->id, given ? "the set "
		    "asked for" : "the level")))
			diag("  got %s\n#   want %s", jstr(res, "features"),
			    fmt(want));
	}
	json_object_put(r);
}

static void
vm_shutdown(struct vm *vm)
{
	json_object *r = fcall("VM.shutdown", jobj("vm", js(vm->id), NULL));

	expect_null(r, L("featured: VM.shutdown %s", vm->id));
	json_object_put(r);
	vm->power = "halted";
}

/* VM.import running: want is what the doc says it carries. */
static void
vm_import(struct vm *vm, json_object *flags, const struct featureset *want,
    int legacy)
{
	json_object *p = jobj("vm", js(vm->id), "host", js(vm->host),
	    "domain_type", js(vm->dtype), "power_state", js(vm->power), NULL);
	json_object *r, *res;
	const struct host *h = host_by_id(vm->host);

	if (flags != NULL)
		json_object_object_add(p, "last_boot_CPU_flags", flags);
	r = fdo(L("VM.import %s on %s (%s, %s)", vm->id, vm->host, vm->dtype,
	    flags ? "with flags" : "no flags"), "VM.import", p, &res);
	vm->vendor = h->vendor;
	vm->has_fs = 1;
	vm->fs = *want;
	if (res != NULL) {
		ok(streq(jstr(res, "vendor"), h->vendor),
		    L("featured: %s vendor %s", vm->id, h->vendor));
		if (!ok(fs_str_equal(jstr(res, "features"), want),
		    L("featured: %s carries the documented set", vm->id)))
			diag("  got %s\n#   want %s", jstr(res, "features"),
			    fmt(want));
		is_int(jbool(res, "legacy"), legacy, L("featured: %s legacy %s",
		    vm->id, legacy ? "true" : "false"));
	}
	json_object_put(r);
}

/* ---- the tests ------------------------------------------------------- */

static void
t_start(void)
{
	fc_start_checked(&F, "featured");
	fc_start_checked(&M, "migcheck");
	fc_check_version(&M, "migcheck: ", "test-mc-1");
}

/*
 * p1 = {h1, h2} (strong Intel); vm1 and vmh start at its level; then
 * h3 (weaker Intel) joins.  a1 (AMD), k1, n1 standalone; vma on a1,
 * vmk1 on k1.
 */
static void
t_setup(void)
{
	const struct host *p1[] = { &H1, &H2 };
	struct level lv;
	struct featureset want;
	size_t i;

	for (i = 0; i < NHOSTS; i++)
		boot(hosts[i]);
	join("p1", &H1, 0);
	join("p1", &H2, 0);
	level_of(p1, 2, &lv);
	vm_start(&VM1, NULL, &lv.fs[HVM_HOST]);
	vm_start(&VMH, NULL, &lv.fs[HVM_HOST]);
	vm_start(&VMA, NULL, &A1.fs[HVM_HOST]);
	vm_start(&VMK1, NULL, &K1.fs[HVM_HOST]);
	join("p1", &H3, 0);
	require(!fs_is_subset(&VM1.fs, &H3.fs[HVM]),
	    "data: p1's level before h3 joined does not fit h3's max set");

	/* Legacy imports: the landing host's max set. */
	vm_import(&VML, NULL, &H1.fs[HVM], 1);
	vm_import(&VMLP, jobj("vendor", js("GenuineIntel"), NULL),
	    &H2.fs[PV], 1);

	/* Longer than any host's: zero words, then a set bit past them. */
	want = H3.fs[HVM];
	require(want.len + 3 <= FS_MAX_WORDS &&
	    want.len >= H1.fs[HVM].len && want.len >= A1.fs[HVM].len,
	    "data: room for three more words past the hosts' sets");
	want.w[want.len++] = 0;
	want.w[want.len++] = 0;
	want.w[want.len++] = 0;
	vm_import(&VMX0, jobj("vendor", js("GenuineIntel"), "features",
	    js(fmt(&want)), NULL), &want, 0);
	xbit = (unsigned int)(want.len - 1) * 32 + 7;
	set_bit(&want, xbit);
	/* featured lands no running VM on a host that lacks what it uses, */
	{
		json_object *r = fcall("VM.import", jobj("vm", js("vmx1"),
		    "host", js("h3"), "domain_type", js("hvm"),
		    "power_state", js("running"), "last_boot_CPU_flags",
		    jobj("vendor", js("GenuineIntel"), "features",
		    js(fmt(&want)), NULL), NULL));

		expect_error(r, "featured: VM.import vmx1 (a bit past h3's "
		    "set) on h3: refused", 1, "VM_INCOMPATIBLE_WITH_THIS_HOST",
		    "vmx1", "h3", R_FEATURES);
		json_object_put(r);
	}
	/*
	 * so vmx1 lands while h3 runs a Xen that offers the longer set;
	 * h3 then boots back into the older one, and vmx1 keeps its set.
	 */
	{
		struct host h3x = H3;

		h3x.model = "Haswell with a longer HVM max set";
		h3x.fs[HVM] = want;
		boot(&h3x);
		vm_import(&VMX1, jobj("vendor", js("GenuineIntel"),
		    "features", js(fmt(&want)), NULL), &want, 0);
		boot(&H3);
	}

	/* Shorter than any host's: two words of h3's. */
	fs_from_words(&want, H3.fs[HVM].w, 2);
	vm_start(&VMS, &want, &want);

	/* One set, four kinds. */
	vm_start(&VMKP, &kset, &kset);
	vm_start(&VMKH, &kset, &kset);
	vm_start(&VMKVH, &kset, &kset);
	vm_start(&VMKPP, &kset, &kset);

	/* vmh halts on h2 with its flags. */
	vm_shutdown(&VMH);

	/*
	 * a1 is forced into p1: vm1's pool gets an AMD member.  A host that
	 * runs VMs cannot join (xapi's JOINING_HOST_CANNOT_HAVE_RUNNING_VMS),
	 * so vma is suspended across the join: a suspended VM is resident
	 * nowhere, and its set goes with it.
	 */
	{
		json_object *r = fcall("Pool.join", jobj("pool", js("p1"),
		    "host", js("a1"), "force", jb(1), NULL));

		expect_error(r, "featured: Pool.join p1 a1 while vma runs "
		    "there: refused", 1,
		    "JOINING_HOST_CANNOT_HAVE_RUNNING_VMS");
		json_object_put(r);
	}
	fdo_put("VM.suspend vma", "VM.suspend", jobj("vm", js(VMA.id),
	    NULL));
	join("p1", &A1, 1);
	fdo_put("VM.resume vma on a1", "VM.resume", jobj("vm", js(VMA.id),
	    "host", js("a1"), NULL));
}

/* Reason 1: an Intel VM to the AMD host, and the AMD VM to h1. */
static void
t_reason_vendor(void)
{
	json_object *r, *res;

	r = mcall("VM.assert_can_migrate", jobj("vm", js("vm1"), "host",
	    js("a1"), NULL));
	expect_error(r, "VM.assert_can_migrate vm1 (Intel) -> a1 (AMD): "
	    "reason 1 byte-exact", 1, INCOMPATIBLE, "vm1", "a1", R_VENDOR);
	json_object_put(r);
	r = mcall("VM.assert_can_migrate", jobj("vm", js("vma"), "host",
	    js("h1"), NULL));
	expect_error(r, "VM.assert_can_migrate vma (AMD) -> h1 (Intel): "
	    "reason 1", 1, INCOMPATIBLE, "vma", "h1", R_VENDOR);
	json_object_put(r);

	r = mcall("VM.check_migrate", jobj("vm", js("vm1"), "host", js("a1"),
	    NULL));
	if (expect_result(r, "VM.check_migrate vm1 -> a1", &res)) {
		is_int(jbool(res, "compatible"), 0, "vm1 -> a1: compatible "
		    "false");
		is_str(jstr(res, "reason"), R_VENDOR, "vm1 -> a1: reason 1 "
		    "byte-exact");
		is_int(jbool(res, "vendor_mismatch"), 1, "vm1 -> a1: "
		    "vendor_mismatch true");
		ok(json_object_is_type(jget(res, "missing_features", NULL),
		    json_type_array), "vm1 -> a1: missing_features is an "
		    "array");
	}
	json_object_put(r);
	check_pair(&VM1, &A1, "");
	check_pair(&VMA, &H1, "");
}

/* Reason 2: vm1 started before h3 joined. */
static void
t_reason_features(void)
{
	json_object *r, *res;
	struct featureset d;

	fs_diff(&VM1.fs, &H3.fs[HVM], &d);
	r = mcall("VM.assert_can_migrate", jobj("vm", js("vm1"), "host",
	    js("h3"), NULL));
	expect_error(r, "VM.assert_can_migrate vm1 -> h3 (joined after vm1 "
	    "started): reason 2 byte-exact", 1, INCOMPATIBLE, "vm1", "h3",
	    R_FEATURES);
	json_object_put(r);
	r = mcall("VM.check_migrate", jobj("vm", js("vm1"), "host", js("h3"),
	    NULL));
	if (expect_result(r, "VM.check_migrate vm1 -> h3", &res)) {
		is_int(jbool(res, "compatible"), 0, "vm1 -> h3: compatible "
		    "false");
		is_str(jstr(res, "reason"), R_FEATURES, "vm1 -> h3: reason 2 "
		    "byte-exact");
		is_int(jbool(res, "vendor_mismatch"), 0, "vm1 -> h3: "
		    "vendor_mismatch false");
		if (!ok(names_equal(jget(res, "missing_features", NULL), &d),
		    L("vm1 -> h3: missing_features names exactly %s",
		    names(&d))))
			diag("  got %s", jtext(jget(res, "missing_features",
			    NULL)));
	}
	json_object_put(r);
	/* Still fine within the old pool. */
	check_pair(&VM1, &H1, "");
	check_pair(&VM1, &H2, "");
}

/* Reason 3: n1's cpu_info has no features_hvm. */
static void
t_reason_nokeys(void)
{
	json_object *r, *res;

	r = mcall("VM.assert_can_migrate", jobj("vm", js("vm1"), "host",
	    js("n1"), NULL));
	expect_error(r, "VM.assert_can_migrate hvm vm1 -> n1 (no "
	    "features_hvm): reason 3 byte-exact", 1, INCOMPATIBLE, "vm1", "n1",
	    R_NOKEYS);
	json_object_put(r);
	r = mcall("VM.check_migrate", jobj("vm", js("vm1"), "host", js("n1"),
	    NULL));
	if (expect_result(r, "VM.check_migrate vm1 -> n1", &res)) {
		is_int(jbool(res, "compatible"), 0, "vm1 -> n1: compatible "
		    "false");
		is_str(jstr(res, "reason"), R_NOKEYS, "vm1 -> n1: reason 3 "
		    "byte-exact");
		is_int(jbool(res, "vendor_mismatch"), 0, "vm1 -> n1: "
		    "vendor_mismatch false");
	}
	json_object_put(r);
	/* Every HVM-kind VM likewise; PV VMs are compared with features_pv. */
	check_pair(&VMKVH, &N1, "");
	check_pair(&VMKPP, &N1, "");
	check_pair(&VMKP, &N1, "");
	check_pair(&VMLP, &N1, "");
}

/* missing_features is exactly fs_diff(VM's set, host's max set). */
static void
t_missing_features(void)
{
	static const struct { struct vm *vm; struct host *h; } pairs[] = {
		{ &VM1, &H3 }, { &VML, &H2 }, { &VML, &H3 }, { &VMLP, &H3 },
		{ &VMX1, &H1 }, { &VMKP, &K1 }, { &VMKH, &K1 }
	};
	struct featureset d;
	json_object *r, *miss;
	size_t i;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		const struct vm *vm = pairs[i].vm;
		const struct host *h = pairs[i].h;

		fs_diff(&vm->fs, &h->fs[is_pv(vm) ? PV : HVM], &d);
		require(!fs_is_zero(&d), L("data: %s lacks some of %s's "
		    "features", h->id, vm->id));
		r = mcall("VM.check_migrate", jobj("vm", js(vm->id), "host",
		    js(h->id), NULL));
		miss = jpath(r, "result.missing_features", NULL);
		if (!ok(names_equal(miss, &d), L("VM.check_migrate %s -> %s: "
		    "missing_features = %s", vm->id, h->id, names(&d))))
			diag("  got %s", jtext(miss));
		json_object_put(r);
	}
}

/* vendor_mismatch is true exactly where the vendors decide. */
static void
t_vendor_mismatch_only(void)
{
	struct featureset d;
	json_object *r;
	size_t i, j;
	int want, got, bad = 0, n_true = 0;

	for (i = 0; i < NVMS; i++)
		for (j = 0; j < NHOSTS; j++) {
			want = rule(vms[i], hosts[j], &d) == V_VENDOR;
			r = mcall("VM.check_migrate", jobj("vm",
			    js(vms[i]->id), "host", js(hosts[j]->id), NULL));
			got = jbool(r, "result.vendor_mismatch");
			if (got != want) {
				bad++;
				diag("  %s -> %s: vendor_mismatch %d, want %d",
				    vms[i]->id, hosts[j]->id, got, want);
			}
			n_true += want;
			json_object_put(r);
		}
	require(n_true > 0, "data: some pairs differ in vendor");
	ok(bad == 0, L("vendor_mismatch is true for exactly the %d running "
	    "VM/host pairs of different vendors, of %zu", n_true,
	    NVMS * NHOSTS));
}

/* A halted VM may go anywhere: other vendor, fewer features, no keys. */
static void
t_halted(void)
{
	size_t j;

	for (j = 0; j < NHOSTS; j++) {
		json_object *r = mcall("VM.assert_can_migrate", jobj("vm",
		    js("vmh"), "host", js(hosts[j]->id), NULL));

		expect_null(r, L("halted vmh -> %s: VM.assert_can_migrate "
		    "null", hosts[j]->id));
		json_object_put(r);
		r = mcall("VM.check_migrate", jobj("vm", js("vmh"), "host",
		    js(hosts[j]->id), NULL));
		ok(jbool(r, "result.compatible") == 1 &&
		    jbool(r, "result.vendor_mismatch") == 0 &&
		    !jpath(r, "result.reason", NULL),
		    L("halted vmh -> %s: compatible, no reason, no vendor "
		    "mismatch", hosts[j]->id));
		json_object_put(r);
	}
	check_pair(&VMH, &A1, "");
	check_pair(&VMH, &H3, "");
	check_possible(&VMH, "");
}

/* vml arrived without flags: h1's max set, so neither h2 nor h3. */
static void
t_legacy(void)
{
	json_object *r = fcall("VM.get_cpu_flags", jobj("vm", js("vml"),
	    NULL));

	is_int(jbool(r, "result.legacy"), 1, "featured: vml is legacy");
	json_object_put(r);
	check_pair(&VML, &H1, "legacy: ");
	check_pair(&VML, &H2, "legacy: ");
	check_pair(&VML, &H3, "legacy: ");
	check_pair(&VMLP, &H1, "legacy: ");
	check_pair(&VMLP, &H3, "legacy: ");
	check_possible(&VML, "legacy: ");
}

/* Sets longer than the host's: zero-extension both ways. */
static void
t_longer(void)
{
	json_object *r, *miss;
	char buf[16];
	const char *want_name = feature_name(xbit, buf);
	size_t j;

	for (j = 0; j < NHOSTS; j++) {
		if (strcmp(hosts[j]->vendor, "GenuineIntel") != 0 ||
		    !hosts[j]->has[HVM])
			continue;
		check_pair(&VMX0, hosts[j], "longer, zero words: ");
		check_pair(&VMX1, hosts[j], "longer, a bit past: ");
		r = mcall("VM.check_migrate", jobj("vm", js("vmx1"), "host",
		    js(hosts[j]->id), NULL));
		miss = jpath(r, "result.missing_features", NULL);
		if (!ok(jlen(miss) == 1 && streq(jstr(jidx(miss, 0), ""),
		    want_name), L("vmx1 -> %s: missing_features is [\"%s\"]",
		    hosts[j]->id, want_name)))
			diag("  got %s", jtext(miss));
		json_object_put(r);
	}
}

/* A set shorter than the host's is zero-extended. */
static void
t_shorter(void)
{
	json_object *r = fcall("VM.get_cpu_flags", jobj("vm", js("vms"),
	    NULL));
	struct featureset got;
	char err[256];
	const char *s = jstr(r, "result.features");

	if (s != NULL && fs_parse(s, &got, err, sizeof(err)) == 0)
		diag("featured stored vms's set with %zu words", got.len);
	json_object_put(r);
	check_pair(&VMS, &H1, "shorter: ");
	check_pair(&VMS, &H2, "shorter: ");
	check_pair(&VMS, &H3, "shorter: ");
	check_pair(&VMS, &K1, "shorter: ");
}

/* pv is measured against features_pv, the other kinds features_hvm. */
static void
t_kinds(void)
{
	static struct vm *const kv[] = { &VMKP, &VMKH, &VMKVH, &VMKPP };
	struct featureset want;
	json_object *r, *miss;
	size_t i;

	require(fs_test_bit(&K1.fs[HVM], kbit_pv) &&
	    !fs_test_bit(&K1.fs[PV], kbit_pv) &&
	    fs_test_bit(&K1.fs[PV], kbit_hvm) &&
	    !fs_test_bit(&K1.fs[HVM], kbit_hvm),
	    "data: k1's PV max lacks a bit its HVM max has, and vice versa");
	for (i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
		const struct vm *vm = kv[i];
		unsigned int b = is_pv(vm) ? kbit_pv : kbit_hvm;

		fs_clear(&want);
		set_bit(&want, b);
		check_pair(vm, &K1, "kinds: ");
		check_pair(vm, &H1, "kinds: ");
		r = mcall("VM.check_migrate", jobj("vm", js(vm->id), "host",
		    js("k1"), NULL));
		miss = jpath(r, "result.missing_features", NULL);
		if (!ok(names_equal(miss, &want), L("%s %s -> k1: missing "
		    "only %s, from k1's %s set", vm->dtype, vm->id,
		    names(&want), is_pv(vm) ? "PV" : "HVM")))
			diag("  got %s", jtext(miss));
		json_object_put(r);
	}
}

static void
t_unknown(void)
{
	json_object *r;

	r = mcall("VM.assert_can_migrate", jobj("vm", js("nosuchvm"), "host",
	    js("h1"), NULL));
	expect_error(r, "VM.assert_can_migrate unknown VM", 1,
	    "HANDLE_INVALID", "VM", "nosuchvm");
	json_object_put(r);
	r = mcall("VM.assert_can_migrate", jobj("vm", js("vm1"), "host",
	    js("nosuchhost"), NULL));
	expect_error(r, "VM.assert_can_migrate unknown host", 1,
	    "HANDLE_INVALID", "host", "nosuchhost");
	json_object_put(r);
	r = mcall("VM.check_migrate", jobj("vm", js("nosuchvm"), "host",
	    js("h1"), NULL));
	expect_error(r, "VM.check_migrate unknown VM", 1, "HANDLE_INVALID",
	    "VM", "nosuchvm");
	json_object_put(r);
	r = mcall("VM.check_migrate", jobj("vm", js("vm1"), "host",
	    js("nosuchhost"), NULL));
	expect_error(r, "VM.check_migrate unknown host", 1, "HANDLE_INVALID",
	    "host", "nosuchhost");
	json_object_put(r);
	r = mcall("VM.get_possible_hosts", jobj("vm", js("nosuchvm"), NULL));
	expect_error(r, "VM.get_possible_hosts unknown VM", 1,
	    "HANDLE_INVALID", "VM", "nosuchvm");
	json_object_put(r);
	/* A pool id is not a host id. */
	r = mcall("VM.check_migrate", jobj("vm", js("vm1"), "host", js("p1"),
	    NULL));
	expect_error(r, "VM.check_migrate to a pool id: unknown host", 1,
	    "HANDLE_INVALID", "host", "p1");
	json_object_put(r);
}

/* Every pool member, by id, each with its verdict. */
static void
t_possible_hosts(void)
{
	const struct host *m[NHOSTS];

	require(pool_of(&VM1, m) == 4 && strcmp(m[0]->id, "a1") == 0,
	    "data: vm1's pool is a1 h1 h2 h3 (a1 joined last)");
	check_possible(&VM1, "");
	check_possible(&VMA, "");
	check_possible(&VMX1, "");
	check_possible(&VMKP, "");
	/* A standalone host's VM: that host only. */
	check_possible(&VMK1, "");
}

/* The longest vendor the protocol takes (proto/README.md). */
#define MAXV	64

/* Host.assert_vm_is_compatible: the rule on what the caller gives. */
static void
stateless(struct featured *d, const char *ctx)
{
	struct featureset s;
	json_object *r, *ci;
	char v1[MAXV + 2], v2[MAXV + 2];

	/* Reason 1, ids absent and given. */
	r = fc_call(d, "Host.assert_vm_is_compatible", jobj("host_cpu_info",
	    cpu_info(&A1), "vm_cpu_flags", flags_of(&VM1), "domain_type",
	    js("hvm"), NULL));
	expect_error(r, L("%sIntel flags, AMD cpu_info: reason 1, "
	    "OpaqueRef:NULL ids", ctx), 1, INCOMPATIBLE, NULL_REF, NULL_REF,
	    R_VENDOR);
	json_object_put(r);
	r = fc_call(d, "Host.assert_vm_is_compatible", jobj("host_cpu_info",
	    cpu_info(&A1), "vm_cpu_flags", flags_of(&VM1), "domain_type",
	    js("hvm"), "vm", js("OpaqueRef:vm-x"), "host", js("remote-host"),
	    NULL));
	expect_error(r, L("%sreason 1 with the ids given", ctx), 1,
	    INCOMPATIBLE, "OpaqueRef:vm-x", "remote-host", R_VENDOR);
	json_object_put(r);
	r = fc_call(d, "Host.assert_vm_is_compatible", jobj("host_cpu_info",
	    cpu_info(&A1), "vm_cpu_flags", flags_of(&VM1), "domain_type",
	    js("hvm"), "vm", js("vmq"), NULL));
	expect_error(r, L("%sreason 1 with only the vm id given", ctx), 1,
	    INCOMPATIBLE, "vmq", NULL_REF, R_VENDOR);
	json_object_put(r);

	/* Reason 2. */
	r = fc_call(d, "Host.assert_vm_is_compatible", jobj("host_cpu_info",
	    cpu_info(&H3), "vm_cpu_flags", flags_of(&VML), "domain_type",
	    js("hvm"), "power_state", js("running"), NULL));
	expect_error(r, L("%sh1's max set on h3's cpu_info: reason 2", ctx),
	    1, INCOMPATIBLE, NULL_REF, NULL_REF, R_FEATURES);
	json_object_put(r);
	r = fc_call(d, "Host.assert_vm_is_compatible", jobj("host_cpu_info",
	    cpu_info(&H3), "vm_cpu_flags", flags_of(&VML), "domain_type",
	    js("hvm"), "power_state", js("suspended"), "host", js("h3x"),
	    NULL));
	expect_error(r, L("%ssuspended is compared too; only the host id "
	    "given", ctx), 1, INCOMPATIBLE, NULL_REF, "h3x", R_FEATURES);
	json_object_put(r);

	/* Reason 3 for HVM kinds; PV is compared with features_pv. */
	r = fc_call(d, "Host.assert_vm_is_compatible", jobj("host_cpu_info",
	    cpu_info(&NK), "vm_cpu_flags", flags_of(&VMX0), "domain_type",
	    js("pvh"), NULL));
	expect_error(r, L("%spvh on a cpu_info without features_hvm: "
	    "reason 3", ctx), 1, INCOMPATIBLE, NULL_REF, NULL_REF, R_NOKEYS);
	json_object_put(r);
	r = fc_call(d, "Host.assert_vm_is_compatible", jobj("host_cpu_info",
	    cpu_info(&NK), "vm_cpu_flags", jobj("vendor", js("GenuineIntel"),
	    "features", js(fmt(&H3.fs[PV])), NULL), "domain_type", js("pv"),
	    NULL));
	expect_null(r, L("%spv with h3's PV set on n1's cpu_info: null",
	    ctx));
	json_object_put(r);

	/* k1: the kind picks the set. */
	r = fc_call(d, "Host.assert_vm_is_compatible", jobj("host_cpu_info",
	    cpu_info(&K1), "vm_cpu_flags", flags_of(&VMKP), "domain_type",
	    js("pv"), NULL));
	expect_error(r, L("%spv on k1's cpu_info: reason 2 (features_pv "
	    "lacks a bit)", ctx), 1, INCOMPATIBLE, NULL_REF, NULL_REF,
	    R_FEATURES);
	json_object_put(r);
	s = kset;
	clear_bit(&s, kbit_hvm);
	r = fc_call(d, "Host.assert_vm_is_compatible", jobj("host_cpu_info",
	    cpu_info(&K1), "vm_cpu_flags", jobj("vendor", js("GenuineIntel"),
	    "features", js(fmt(&s)), NULL), "domain_type", js("pv_in_pvh"),
	    NULL));
	expect_null(r, L("%spv_in_pvh with a set k1's features_hvm has, not "
	    "its features_pv: null", ctx));
	json_object_put(r);

	/*
	 * Issue 9's edge cases, stateless: the host is looked up first (a
	 * cpu_info without vendor: reason 3 even for a VM of another
	 * vendor); an empty vendor is compared (reason 1); a present but
	 * empty set is compatible; a paused VM is checked like a running
	 * one.
	 */
	{
		json_object *nv = cpu_info(&H1);

		json_object_object_del(nv, "vendor");
		r = fc_call(d, "Host.assert_vm_is_compatible", jobj(
		    "host_cpu_info", nv, "vm_cpu_flags", flags_of(&VMA),
		    "domain_type", js("hvm"), NULL));
		expect_error(r, L("%sa cpu_info without vendor, an AMD VM: "
		    "reason 3 first", ctx), 1, INCOMPATIBLE, NULL_REF,
		    NULL_REF, R_NOKEYS);
		json_object_put(r);
	}
	r = fc_call(d, "Host.assert_vm_is_compatible", jobj("host_cpu_info",
	    cpu_info(&H1), "vm_cpu_flags", jobj("vendor", js(""), "features",
	    js(fmt(&H1.fs[HVM_HOST])), NULL), "domain_type", js("hvm"),
	    NULL));
	expect_error(r, L("%sflags with vendor \"\": reason 1", ctx), 1,
	    INCOMPATIBLE, NULL_REF, NULL_REF, R_VENDOR);
	json_object_put(r);
	r = fc_call(d, "Host.assert_vm_is_compatible", jobj("host_cpu_info",
	    cpu_info(&H3), "vm_cpu_flags", jobj("vendor", js("GenuineIntel"),
	    "features", js(""), NULL), "domain_type", js("hvm"), NULL));
	expect_null(r, L("%sflags with features \"\": compatible", ctx));
	json_object_put(r);
	r = fc_call(d, "Host.assert_vm_is_compatible", jobj("host_cpu_info",
	    cpu_info(&H3), "vm_cpu_flags", jobj("vendor", js("GenuineIntel"),
	    "features", js(fmt(&H1.fs[HVM_HOST])), NULL), "domain_type",
	    js("hvm"), "power_state", js("Paused"), NULL));
	expect_error(r, L("%sa Paused VM is compared like a running one",
	    ctx), 1, INCOMPATIBLE, NULL_REF, NULL_REF, R_FEATURES);
	json_object_put(r);

	/* Compatible. */
	r = fc_call(d, "Host.assert_vm_is_compatible", jobj("host_cpu_info",
	    cpu_info(&H1), "vm_cpu_flags", flags_of(&VM1), "domain_type",
	    js("hvm"), "vm", js("vm1"), "host", js("h1"), NULL));
	expect_null(r, L("%sthe level on h1's cpu_info: null", ctx));
	json_object_put(r);
	/* Zero-extension: a 2-word set and a 22-word one. */
	r = fc_call(d, "Host.assert_vm_is_compatible", jobj("host_cpu_info",
	    cpu_info(&H3), "vm_cpu_flags", flags_of(&VMS), "domain_type",
	    js("hvm"), NULL));
	expect_null(r, L("%sa 2-word set on h3: null", ctx));
	json_object_put(r);
	r = fc_call(d, "Host.assert_vm_is_compatible", jobj("host_cpu_info",
	    cpu_info(&H3), "vm_cpu_flags", flags_of(&VMX0), "domain_type",
	    js("hvm"), NULL));
	expect_null(r, L("%sh3's set with 3 zero words more on h3: null",
	    ctx));
	json_object_put(r);
	r = fc_call(d, "Host.assert_vm_is_compatible", jobj("host_cpu_info",
	    cpu_info(&H3), "vm_cpu_flags", flags_of(&VMX1), "domain_type",
	    js("hvm"), NULL));
	expect_error(r, L("%sa bit in a word past h3's: reason 2", ctx), 1,
	    INCOMPATIBLE, NULL_REF, NULL_REF, R_FEATURES);
	json_object_put(r);

	/* Halted passes everything, in either spelling. */
	r = fc_call(d, "Host.assert_vm_is_compatible", jobj("host_cpu_info",
	    cpu_info(&A1), "vm_cpu_flags", flags_of(&VML), "domain_type",
	    js("hvm"), "power_state", js("halted"), NULL));
	expect_null(r, L("%shalted Intel flags on AMD: null", ctx));
	json_object_put(r);
	r = fc_call(d, "Host.assert_vm_is_compatible", jobj("host_cpu_info",
	    cpu_info(&NK), "vm_cpu_flags", flags_of(&VML), "domain_type",
	    js("hvm"), "power_state", js("Halted"), NULL));
	expect_null(r, L("%s\"Halted\" on a cpu_info without keys: null",
	    ctx));
	json_object_put(r);

	/* What the VM does not have is not compared. */
	r = fc_call(d, "Host.assert_vm_is_compatible", jobj("host_cpu_info",
	    cpu_info(&A1), "vm_cpu_flags", jobj("features",
	    js(fmt(&A1.fs[HVM])), NULL), "domain_type", js("hvm"), NULL));
	expect_null(r, L("%sflags without a vendor: the vendor is not "
	    "compared", ctx));
	json_object_put(r);
	r = fc_call(d, "Host.assert_vm_is_compatible", jobj("host_cpu_info",
	    cpu_info(&NK), "vm_cpu_flags", jobj("vendor", js("GenuineIntel"),
	    NULL), "domain_type", js("hvm"), NULL));
	expect_error(r, L("%sflags without features on a cpu_info without "
	    "keys: reason 3 (the host is looked up first)", ctx), 1,
	    "VM_INCOMPATIBLE_WITH_THIS_HOST", NULL_REF, NULL_REF, R_NOKEYS);
	json_object_put(r);
	r = fc_call(d, "Host.assert_vm_is_compatible", jobj("host_cpu_info",
	    cpu_info(&A1), "vm_cpu_flags", jobj("vendor", js("GenuineIntel"),
	    NULL), "domain_type", js("hvm"), NULL));
	expect_error(r, L("%sflags with only a vendor: still compared", ctx),
	    1, INCOMPATIBLE, NULL_REF, NULL_REF, R_VENDOR);
	json_object_put(r);

	/*
	 * Vendors are compared whole, up to the longest the protocol takes
	 * (64 characters): two that differ only in their last byte differ.
	 * A longer one is refused, in either map.
	 */
	memset(v1, 'V', sizeof(v1));
	memset(v2, 'V', sizeof(v2));
	v1[MAXV - 1] = 'A';
	v2[MAXV - 1] = 'B';
	v1[MAXV] = v2[MAXV] = '\0';
	ci = cpu_info(&H1);
	json_object_object_add(ci, "vendor", js(v1));
	r = fc_call(d, "Host.assert_vm_is_compatible", jobj("host_cpu_info",
	    ci, "vm_cpu_flags", jobj("vendor", js(v2), "features",
	    js(fmt(&VM1.fs)), NULL), "domain_type", js("hvm"), NULL));
	expect_error(r, L("%s%d-character vendors differing in the last one: "
	    "reason 1", ctx, MAXV), 1, INCOMPATIBLE, NULL_REF, NULL_REF,
	    R_VENDOR);
	json_object_put(r);
	ci = cpu_info(&H1);
	json_object_object_add(ci, "vendor", js(v1));
	r = fc_call(d, "Host.assert_vm_is_compatible", jobj("host_cpu_info",
	    ci, "vm_cpu_flags", jobj("vendor", js(v1), "features",
	    js(fmt(&VM1.fs)), NULL), "domain_type", js("hvm"), NULL));
	expect_null(r, L("%sthe same %d-character vendor: null", ctx, MAXV));
	json_object_put(r);
	v1[MAXV] = 'C';
	v1[MAXV + 1] = '\0';
	ci = cpu_info(&H1);
	json_object_object_add(ci, "vendor", js(v1));
	r = fc_call(d, "Host.assert_vm_is_compatible", jobj("host_cpu_info",
	    ci, "vm_cpu_flags", flags_of(&VM1), "domain_type", js("hvm"),
	    NULL));
	expect_invalid_params(r, L("%sa %d-character vendor in host_cpu_info",
	    ctx, MAXV + 1), "host_cpu_info");
	json_object_put(r);
	r = fc_call(d, "Host.assert_vm_is_compatible", jobj("host_cpu_info",
	    cpu_info(&H1), "vm_cpu_flags", jobj("vendor", js(v1), "features",
	    js(fmt(&VM1.fs)), NULL), "domain_type", js("hvm"), NULL));
	expect_invalid_params(r, L("%sa %d-character vendor in vm_cpu_flags",
	    ctx, MAXV + 1), "vm_cpu_flags");
	json_object_put(r);
}

static void
t_stateless(void)
{
	stateless(&M, "Host.assert_vm_is_compatible: ");
}

/*
 * Stored vendors are compared whole too: two hosts whose vendors, as
 * long as the protocol allows, differ only in their last character, a VM
 * started on one.
 */
#define LV	MAXV
static void
t_long_vendor(void)
{
	static char va[LV + 1], vb[LV + 1];
	struct host lva = H1, lvb = H1;
	struct vm vmlv = { "vmlv", "lva", "hvm", "running", NULL, 0, { 0 } };
	json_object *r;

	memset(va, 'V', LV - 1);
	memset(vb, 'V', LV - 1);
	va[LV - 1] = 'A';
	vb[LV - 1] = 'B';
	lva.id = "lva";
	lvb.id = "lvb";
	lva.pool = lvb.pool = NULL;
	lva.vendor = va;
	lvb.vendor = vb;
	boot(&lva);
	boot(&lvb);
	r = fdo("VM.start vmlv on lva", "VM.start", jobj("vm", js("vmlv"),
	    "host", js("lva"), "domain_type", js("hvm"), NULL), NULL);
	json_object_put(r);
	r = fcall("VM.get_cpu_flags", jobj("vm", js("vmlv"), NULL));
	ok(streq(jstr(r, "result.vendor"), va), L("featured: vmlv has lva's "
	    "whole %d-character vendor", LV));
	json_object_put(r);
	vmlv.vendor = va;
	vmlv.has_fs = 1;
	vmlv.fs = lva.fs[HVM_HOST];
	r = mcall("VM.assert_can_migrate", jobj("vm", js("vmlv"), "host",
	    js("lvb"), NULL));
	expect_error(r, L("VM.assert_can_migrate vmlv -> lvb (vendor differs "
	    "in character %d): reason 1", LV), 1, INCOMPATIBLE, "vmlv", "lvb",
	    R_VENDOR);
	json_object_put(r);
	check_check(&vmlv, &lvb, "long vendors: ");
	check_pair(&vmlv, &lva, "long vendors: ");
}

/*
 * A host registered with hvm_capable=false runs no HVM-container guest:
 * migcheck says so before featured would refuse the move, and a PV VM is
 * not concerned.
 */
static void
t_hvm_capable(void)
{
	json_object *r, *hosts;

	fdo_put("Host.boot hc", "Host.boot", jobj("host", js("hc"),
	    "cpu_info", cpu_info(&H1), NULL));
	fdo_put("Host.boot hn, no HVM", "Host.boot", jobj("host", js("hn"),
	    "cpu_info", cpu_info(&H1), "hvm_capable",
	    json_object_new_boolean(0), NULL));
	fdo_put("Pool.join ph hc", "Pool.join", jobj("pool", js("ph"), "host",
	    js("hc"), NULL));
	fdo_put("Pool.join ph hn", "Pool.join", jobj("pool", js("ph"), "host",
	    js("hn"), NULL));
	fdo_put("VM.start vh (hvm) on hc", "VM.start", jobj("vm", js("vh"),
	    "host", js("hc"), "domain_type", js("hvm"), NULL));
	fdo_put("VM.start vp (pv) on hc", "VM.start", jobj("vm", js("vp"),
	    "host", js("hc"), "domain_type", js("pv"), NULL));

	r = mcall("VM.assert_can_migrate", jobj("vm", js("vh"), "host",
	    js("hn"), NULL));
	expect_error(r, "VM.assert_can_migrate of an HVM VM to a host without "
	    "HVM: VM_HVM_REQUIRED", 1, "VM_HVM_REQUIRED", "vh");
	json_object_put(r);
	/*
	 * The CPU check comes first (xapi's assert_can_boot_here): vm1,
	 * whose set a Haswell lacks, to a Haswell without HVM: reason 2.
	 */
	fdo_put("Host.boot hw (Haswell), no HVM", "Host.boot", jobj("host",
	    js("hw"), "cpu_info", cpu_info(&H3), "hvm_capable",
	    json_object_new_boolean(0), NULL));
	r = mcall("VM.assert_can_migrate", jobj("vm", js("vm1"), "host",
	    js("hw"), NULL));
	expect_error(r, "VM.assert_can_migrate vm1 to a Haswell without HVM: "
	    "reason 2, not VM_HVM_REQUIRED", 1, INCOMPATIBLE, "vm1", "hw",
	    R_FEATURES);
	json_object_put(r);
	r = fcall("VM.migrate", jobj("vm", js("vh"), "host", js("hn"), NULL));
	expect_error(r, "featured's VM.migrate gives the same answer", 1,
	    "VM_HVM_REQUIRED", "vh");
	json_object_put(r);
	r = mcall("VM.check_migrate", jobj("vm", js("vh"), "host", js("hn"),
	    NULL));
	ok(jget(r, "result", NULL) && !jbool(r, "result.compatible") &&
	    streq(jstr(r, "result.reason"), "HVM is required for this "
	    "operation.") && !jbool(r, "result.vendor_mismatch"),
	    "VM.check_migrate vh -> hn: incompatible, HVM required");
	json_object_put(r);
	r = mcall("VM.get_possible_hosts", jobj("vm", js("vh"), NULL));
	hosts = jget(r, "result", NULL);
	ok(jlen(hosts) == 2 && streq(jstr(jidx(hosts, 0), "host"), "hc") &&
	    jbool(jidx(hosts, 0), "compatible") &&
	    streq(jstr(jidx(hosts, 1), "host"), "hn") &&
	    !jbool(jidx(hosts, 1), "compatible"),
	    "VM.get_possible_hosts vh: hc yes, hn no");
	json_object_put(r);
	r = mcall("VM.assert_can_migrate", jobj("vm", js("vp"), "host",
	    js("hn"), NULL));
	expect_null(r, "VM.assert_can_migrate of a PV VM to the host without "
	    "HVM: null");
	json_object_put(r);
}

static void
t_matrix(void)
{
	matrix("all: ");
	snap_running = snapshot();
}

/* ---- featured stopped ------------------------------------------------- */

struct filestate {
	int		 exists;
	off_t		 size;
	struct timespec	 mtime;
	uint64_t	 hash;		/* FNV-1a of the content */
};

static void
file_state(const char *path, struct filestate *s)
{
	struct stat st;
	unsigned char buf[65536];
	FILE *fp;
	size_t n, i;

	memset(s, 0, sizeof(*s));
	if (stat(path, &st) != 0)
		return;
	s->exists = 1;
	s->size = st.st_size;
	s->mtime = st.st_mtim;
	s->hash = 1469598103934665603ULL;
	if ((fp = fopen(path, "rb")) == NULL)
		return;
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		for (i = 0; i < n; i++)
			s->hash = (s->hash ^ buf[i]) * 1099511628211ULL;
	fclose(fp);
}

static int
same_state(const struct filestate *a, const struct filestate *b)
{
	return a->exists == b->exists && a->size == b->size &&
	    a->mtime.tv_sec == b->mtime.tv_sec &&
	    a->mtime.tv_nsec == b->mtime.tv_nsec && a->hash == b->hash;
}

static void
show_state(const char *what, const struct filestate *s)
{
	if (!s->exists)
		diag("  %s: absent", what);
	else
		diag("  %s: %lld bytes, mtime %lld.%09ld, hash %016llx", what,
		    (long long)s->size, (long long)s->mtime.tv_sec,
		    s->mtime.tv_nsec, (unsigned long long)s->hash);
}

/* The database and its -wal as featured left them on exit. */
static struct filestate db0, wal0;
static char walpath[FC_PATH_MAX + 8];

static void
t_featured_stopped(void)
{
	json_object *after;
	struct host s1 = H2;

	/*
	 * featured's last commits, with no migcheck request after them: the
	 * -wal holds frames no reader has yet had a reason to look at.
	 */
	s1.id = "s1";
	s1.pool = NULL;
	boot(&s1);
	fdo_put("Host.destroy s1", "Host.destroy", jobj("host", js("s1"),
	    NULL));
	fc_stop_checked(&F, "featured");
	/*
	 * From here until featured is restarted only migcheck has the
	 * files open: whatever it does, they must stay as they are.
	 */
	snprintf(walpath, sizeof(walpath), "%s-wal", F.db);
	file_state(F.db, &db0);
	file_state(walpath, &wal0);
	require(db0.exists, "the database file exists");
	diag("as featured left them:");
	show_state("database", &db0);
	show_state("-wal", &wal0);
	ok(fc_alive(&M), "migcheck is still running without featured");
	after = snapshot();
	if (!ok(jequal(snap_running, after), "every migcheck answer is the "
	    "same with featured stopped")) {
		json_object_object_foreach(snap_running, k, v) {
			json_object *w = jget(after, k, NULL);

			if (!jequal(v, w)) {
				diag("  %s: before %.300s", k, jtext(v));
				diag("  %s: after  %.300s", k, jtext(w));
			}
		}
	}
	json_object_put(after);
	matrix("featured stopped: ");
	t_stateless();
}

static void
bad_raw(const char *msg, int code, const char *what)
{
	json_object *r = fc_call_raw(&M, msg, strlen(msg)), *c;
	int present;

	c = jpath(r, "error.code", NULL);
	if (!ok(c != NULL && json_object_is_type(c, json_type_int) &&
	    json_object_get_int64(c) == code, L("%s: error %d", what, code)))
		diag("  reply: %.400s", r ? jtext(r) : "(none)");
	jget(r, "id", &present);
	ok(present && jis_null(r, "id"), L("%s: id null", what));
	json_object_put(r);
}

static void
t_bad_input(void)
{
	json_object *r;

	bad_raw("this is not JSON {", -32700, "garbage");
	bad_raw("{\"jsonrpc\":\"2.0\",\"id\":", -32700, "truncated JSON");
	bad_raw("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"Service.version\"}]", -32600, "a batch");

	r = mcall("VM.migrate", jobj("vm", js("vm1"), "host", js("h3"),
	    NULL));
	expect_error(r, "featured's VM.migrate is not migcheck's: -32601",
	    -32601, NULL);
	is_str(jstr(r, "error.data"), "VM.migrate", "-32601 data names the "
	    "method");
	json_object_put(r);
	r = mcall("VM.no_such_method", NULL);
	expect_error(r, "an unknown method: -32601", -32601, NULL);
	json_object_put(r);

	r = mcall("VM.check_migrate", jobj("vm", ji(5), "host", js("h1"),
	    NULL));
	expect_invalid_params(r, "VM.check_migrate vm: 5", "vm");
	json_object_put(r);
	r = mcall("VM.assert_can_migrate", jobj("vm", js("vm1"), "host",
	    jb(1), NULL));
	expect_invalid_params(r, "VM.assert_can_migrate host: true", "host");
	json_object_put(r);
	r = mcall("VM.get_possible_hosts", jobj("vm", js("vm 1"), NULL));
	expect_invalid_params(r, "VM.get_possible_hosts vm: not an id", "vm");
	json_object_put(r);
	r = mcall("VM.check_migrate", jobj("vm", js("vm1"), NULL));
	expect_invalid_params(r, "VM.check_migrate without host", "host");
	json_object_put(r);
	r = mcall("VM.check_migrate", jobj("vm", js("vm1"), "host", js("h1"),
	    "hots", js("h2"), NULL));
	expect_invalid_params(r, "VM.check_migrate with a misspelt param",
	    "hots");
	json_object_put(r);
	r = mcall("Host.assert_vm_is_compatible", jobj("host_cpu_info",
	    js("GenuineIntel"), "vm_cpu_flags", flags_of(&VM1),
	    "domain_type", js("hvm"), NULL));
	expect_invalid_params(r, "host_cpu_info: a string",
	    "host_cpu_info");
	json_object_put(r);
	r = mcall("Host.assert_vm_is_compatible", jobj("host_cpu_info",
	    cpu_info(&H1), "vm_cpu_flags", flags_of(&VM1), "domain_type",
	    js("kvm"), NULL));
	expect_invalid_params(r, "domain_type: kvm", "domain_type");
	json_object_put(r);
	r = mcall("Host.assert_vm_is_compatible", jobj("host_cpu_info",
	    cpu_info(&H1), "vm_cpu_flags", flags_of(&VM1), "domain_type",
	    js("hvm"), "power_state", js("PAUSED"), NULL));
	expect_invalid_params(r, "power_state: PAUSED", "power_state");
	json_object_put(r);
	r = mcall("Host.assert_vm_is_compatible", jobj("host_cpu_info",
	    cpu_info(&H1), "vm_cpu_flags", jobj("vendor", js("GenuineIntel"),
	    "features", js("xyz-1"), NULL), "domain_type", js("hvm"), NULL));
	expect_error(r, "vm_cpu_flags.features that does not parse", 1,
	    "INVALID_FEATURE_STRING", "xyz-1");
	json_object_put(r);

	r = mcall("Service.version", NULL);
	expect_result(r, "migcheck answers Service.version after it all",
	    NULL);
	json_object_put(r);
	check_pair(&VM1, &H3, "after bad input: ");
	ok(fc_alive(&M), "migcheck is alive after the bad input");
}

/*
 * With featured stopped, everything migcheck answered since, then a
 * burst of requests and bad input, left the files alone.
 */
static void
t_readonly(void)
{
	struct filestate db1, wal1;
	json_object *r;
	int i, unanswered = 0, n = 0;
	size_t j;

	for (i = 0; i < 20; i++) {
		for (j = 0; j < NVMS; j++) {
			r = mcall(i % 2 ? "VM.check_migrate" :
			    "VM.assert_can_migrate", jobj("vm",
			    js(vms[j]->id), "host", js(hosts[(size_t)i %
			    NHOSTS]->id), NULL));
			unanswered += r == NULL;
			n++;
			json_object_put(r);
			r = mcall("VM.get_possible_hosts", jobj("vm",
			    js(vms[j]->id), NULL));
			unanswered += r == NULL;
			n++;
			json_object_put(r);
		}
		r = mcall("VM.check_migrate", jobj("vm", js("nosuchvm"),
		    "host", js("h1"), NULL));
		unanswered += r == NULL;
		n++;
		json_object_put(r);
	}
	ok(unanswered == 0, L("migcheck answered all %d requests of the "
	    "burst", n));
	t_bad_input();
	file_state(F.db, &db1);
	file_state(walpath, &wal1);
	if (!ok(same_state(&db0, &db1), "the database file is untouched by "
	    "migcheck since featured stopped (size, mtime, content)")) {
		show_state("before", &db0);
		show_state("after", &db1);
	}
	if (!ok(same_state(&wal0, &wal1), "the -wal file is untouched by "
	    "migcheck since featured stopped (size, mtime, content)")) {
		show_state("before", &wal0);
		show_state("after", &wal1);
	}
}

/* ---- featured restarted: its commits are seen at once ------------------ */

static void
t_featured_restarted(void)
{
	const struct host *p1[] = { &H1, &H2, &H3, &A1 };
	struct level lv;
	json_object *r;

	fc_start_checked(&F, "featured (restarted)");
	r = mcall("VM.check_migrate", jobj("vm", js("vm1"), "host", js("a1"),
	    NULL));
	ok(jbool(r, "result.vendor_mismatch") == 1, "before: vm1 -> a1 is a "
	    "vendor mismatch");
	json_object_put(r);

	/* Shutdown: halted at once. */
	vm_shutdown(&VM1);
	r = mcall("VM.check_migrate", jobj("vm", js("vm1"), "host", js("a1"),
	    NULL));
	ok(jbool(r, "result.compatible") == 1 &&
	    jbool(r, "result.vendor_mismatch") == 0,
	    "the very next answer after VM.shutdown vm1: vm1 -> a1 "
	    "compatible (halted)");
	json_object_put(r);

	/* Start: the level of p1 = {a1, h1, h2, h3}, fitting h3. */
	level_of(p1, 4, &lv);
	require(fs_is_subset(&lv.fs[HVM_HOST], &H3.fs[HVM]),
	    "data: p1's level fits h3");
	vm_start(&VM1, NULL, &lv.fs[HVM_HOST]);
	r = mcall("VM.assert_can_migrate", jobj("vm", js("vm1"), "host",
	    js("h3"), NULL));
	expect_null(r, "the very next answer after VM.start vm1: vm1 -> h3 "
	    "now null");
	json_object_put(r);
	check_pair(&VM1, &H3, "after the restart of vm1: ");
	check_pair(&VM1, &A1, "after the restart of vm1: ");

	/* Eject a1: gone from vm1's possible hosts at once. */
	vm_shutdown(&VMA);
	fdo_put("Pool.eject p1 a1", "Pool.eject", jobj("pool", js("p1"),
	    "host", js("a1"), NULL));
	A1.pool = NULL;
	check_possible(&VM1, "the very next answer after Pool.eject a1: ");
	check_possible(&VMA, "after Pool.eject a1: ");

	/* n1 boots with HVM keys: compared at once. */
	N1 = H1;
	N1.id = "n1";
	N1.pool = NULL;
	N1.model = "Icelake-Server, now with every key";
	boot(&N1);
	check_check(&VM1, &N1, "the very next answer after Host.boot n1: ");
	check_assert(&VM1, &N1, "after Host.boot n1: ");

	matrix("after the changes: ");
}

/* ---- migcheck before its database exists ------------------------------ */

static void
t_missing_db(void)
{
	json_object *r;
	struct vm zvm = { "zvm", "z1", "hvm", "running", NULL, 0, { 0 } };
	const char *data;

	ok(access(M2.db, F_OK) != 0, L("no database at %s yet", M2.db));
	fc_start_checked(&M2, "a second migcheck on a database not made yet");
	r = fc_call(&M2, "VM.check_migrate", jobj("vm", js("vm1"), "host",
	    js("h1"), NULL));
	expect_error(r, "VM.check_migrate without a database: -32603",
	    -32603, NULL);
	data = jstr(r, "error.data");
	if (!ok(data != NULL && strstr(data, M2.db) != NULL,
	    "-32603 data names the missing database"))
		diag("  reply: %s", jtext(r));
	json_object_put(r);
	r = fc_call(&M2, "VM.assert_can_migrate", jobj("vm", js("vm1"),
	    "host", js("h1"), NULL));
	expect_error(r, "VM.assert_can_migrate without a database: -32603",
	    -32603, NULL);
	json_object_put(r);
	r = fc_call(&M2, "VM.get_possible_hosts", jobj("vm", js("vm1"),
	    NULL));
	expect_error(r, "VM.get_possible_hosts without a database: -32603",
	    -32603, NULL);
	json_object_put(r);
	/* What needs no database is answered. */
	stateless(&M2, "no database, stateless: ");
	ok(fc_alive(&M2), "migcheck without a database is still running");
	ok(access(M2.db, F_OK) != 0, "migcheck did not create the database");

	fc_start_checked(&F2, "a second featured, making that database");
	r = fc_call(&M2, "VM.check_migrate", jobj("vm", js("vm1"), "host",
	    js("h1"), NULL));
	expect_error(r, "the very next answer once the database exists: "
	    "HANDLE_INVALID (vm1 is not in it)", 1, "HANDLE_INVALID", "VM",
	    "vm1");
	json_object_put(r);

	r = fc_call(&F2, "Host.boot", jobj("host", js("z1"), "cpu_info",
	    cpu_info(&Z1), NULL));
	expect_result(r, "featured 2: Host.boot z1", NULL);
	json_object_put(r);
	r = fc_call(&F2, "VM.start", jobj("vm", js("zvm"), "host", js("z1"),
	    "domain_type", js("hvm"), NULL));
	expect_result(r, "featured 2: VM.start zvm on z1", NULL);
	json_object_put(r);
	zvm.vendor = Z1.vendor;
	zvm.has_fs = 1;
	zvm.fs = Z1.fs[HVM_HOST];
	r = fc_call(&M2, "VM.assert_can_migrate", jobj("vm", js("zvm"),
	    "host", js("z1"), NULL));
	expect_null(r, "migcheck 2: VM.assert_can_migrate zvm -> z1 null");
	json_object_put(r);
	r = fc_call(&M2, "VM.check_migrate", jobj("vm", js("zvm"), "host",
	    js("z1"), NULL));
	{
		char why[512];
		json_object *res = jget(r, "result", NULL);

		if (!ok(verdict_good(res, &zvm, &Z1, 0, why, sizeof(why)),
		    "migcheck 2: VM.check_migrate zvm -> z1 compatible"))
			diag("  %s; reply %s", why, jtext(r));
	}
	json_object_put(r);
	r = fc_call(&M2, "VM.get_possible_hosts", jobj("vm", js("zvm"),
	    NULL));
	ok(jlen(jget(r, "result", NULL)) == 1 &&
	    streq(jstr(jidx(jget(r, "result", NULL), 0), "host"), "z1") &&
	    jbool(jidx(jget(r, "result", NULL), 0), "compatible") == 1,
	    "migcheck 2: VM.get_possible_hosts zvm is [z1], compatible");
	json_object_put(r);
	r = fc_call(&M2, "VM.check_migrate", jobj("vm", js("zvm"), "host",
	    js("h1"), NULL));
	expect_error(r, "migcheck 2 reads its own database: h1 is unknown",
	    1, "HANDLE_INVALID", "host", "h1");
	json_object_put(r);
	fc_stop_checked(&F2, "featured 2");
}

static void
t_stop(void)
{
	json_object *r = mcall("VM.check_migrate", jobj("vm", js("vm1"),
	    "host", js("h1"), NULL));

	expect_result(r, "migcheck still answers before the end", NULL);
	json_object_put(r);
	fc_stop_checked(&M, "migcheck");
	fc_stop_checked(&F, "featured");
	fc_stop_checked(&M2, "migcheck 2");
}

int
main(void)
{
	const char *fbin = fc_binary("CPULEVEL_FEATURED",
	    "the path of the cpulevel-featured binary");
	const char *mbin = fc_binary("CPULEVEL_MIGCHECK",
	    "the path of the cpulevel-migcheck binary to test");

	setup_data();
	fc_begin("cpulevel-migcheck");
	/* Both daemons in one socket directory, on one database. */
	fc_add_pair(&F, &M, "cpulevel.db");
	fc_add_daemon(&F2, "featured 2", fbin, "later.db", "featured2.sock",
	    "featured2-events.sock", "featured2.log");
	fc_add_daemon(&M2, "migcheck 2", mbin, "later.db", "migcheck2.sock",
	    NULL, "migcheck2.log");

	fc_run("start featured and migcheck", t_start);
	fc_run("featured builds pools, hosts and VMs", t_setup);
	fc_run("reason 1: vendor", t_reason_vendor);
	fc_run("reason 2: features", t_reason_features);
	fc_run("reason 3: no keys", t_reason_nokeys);
	fc_run("missing_features", t_missing_features);
	fc_run("vendor_mismatch", t_vendor_mismatch_only);
	fc_run("halted VMs", t_halted);
	fc_run("legacy VMs", t_legacy);
	fc_run("sets longer than the host's", t_longer);
	fc_run("sets shorter than the host's", t_shorter);
	fc_run("pv and hvm kinds", t_kinds);
	fc_run("unknown ids", t_unknown);
	fc_run("VM.get_possible_hosts", t_possible_hosts);
	fc_run("Host.assert_vm_is_compatible", t_stateless);
	fc_run("long vendors, stored", t_long_vendor);
	fc_run("hosts that cannot run HVM", t_hvm_capable);
	fc_run("every VM to every host", t_matrix);
	fc_run("featured stopped", t_featured_stopped);
	fc_run("migcheck never writes (and bad input)", t_readonly);
	fc_run("featured restarted: changes seen at once",
	    t_featured_restarted);
	fc_run("migcheck before its database exists", t_missing_db);
	fc_run("stop", t_stop);
	json_object_put(snap_running);
	return done_testing();
}
