/*
 * What a join, an eject or a reboot would do, answered before it is
 * done: Pool.preview_join, Pool.preview_eject and Host.preview_boot.
 * Each folds the level the action would give with level.c, the fold
 * pool_recalc() runs when the action is done, over the members the
 * action would leave (in the same id order), and judges the pool's VMs
 * with plan.c, whose rule is the one VM.migrate applies.  Nothing is
 * written: these are RPC_READS methods.  Where the real action would
 * refuse, the answer says so (refused: the XenAPI error) and still
 * gives the levels a forced action would.
 */
#include <string.h>

#include "featured.h"
#include "strlcpy.h"

enum preview_change {
	PREVIEW_JOIN,		/* h is added */
	PREVIEW_EJECT,		/* h is left out */
	PREVIEW_BOOT		/* h's record is replaced by the new one */
};

/*
 * The level of the first nmembers hosts of pl (the pool's members, in
 * id order) once h joins, leaves or reboots.  The members stay in id
 * order, as store_pool_members() would give them after the action.
 */
static void
preview_level(const struct plan *pl, size_t nmembers,
    const struct pool_rec *old, const struct host_rec *h,
    enum preview_change change, struct pool_rec *new)
{
	const struct host_rec *m;
	struct level_fold fo;
	size_t i;
	int placed = change != PREVIEW_JOIN;

	level_fold_begin(&fo, new, old);
	for (i = 0; i < nmembers; i++) {
		m = &pl->hosts[i];
		if (!placed && strcmp(h->id, m->id) < 0) {
			level_fold_host(&fo, h);
			placed = 1;
		}
		if (strcmp(m->id, h->id) == 0) {
			if (change == PREVIEW_BOOT)
				level_fold_host(&fo, h);
			continue;
		}
		level_fold_host(&fo, m);
	}
	if (!placed)
		level_fold_host(&fo, h);
	level_fold_end(&fo);
}

/* pv and hvm: the levels before and after, what each loses and gains. */
static void
preview_levels(struct json_object *o, const struct pool_rec *old,
    const struct pool_rec *new)
{
	json_object_object_add(o, "pv",
	    events_set_change(&old->pv_host, &new->pv_host));
	json_object_object_add(o, "hvm",
	    events_set_change(&old->hvm_host, &new->hvm_host));
}

/* A refusal as the real action gives it: [code, params...]. */
static struct json_object *
preview_refusal(const char *code, const char *param)
{
	struct json_object *a = json_object_new_array();

	json_object_array_add(a, json_object_new_string(code));
	if (param)
		json_object_array_add(a, json_object_new_string(param));
	return a;
}

/*
 * One VM the action strands on hosts[host]: {vm, missing_features} added
 * to list (within PLAN_MAX_LISTED and the answer's bytes), counted in
 * *n.  The error would repeat the host and the reason thousands of times
 * over: a client that wants it asks VM.check_migrate.  -1: no memory.
 */
static int
preview_strand(struct plan *pl, size_t vm, size_t host,
    struct json_object *list, int *n)
{
	struct json_object *e, *names;

	(*n)++;
	if (plan_list_full(list) || !plan_spend(pl, PLAN_ENTRY_BYTES +
	    plan_names_len(pl, vm, host)))
		return 0;
	if ((names = plan_missing_names(pl, vm, host)) == NULL)
		return -1;
	e = json_object_new_object();
	json_object_object_add(e, "vm",
	    json_object_new_string(pl->vms[vm].id));
	json_object_object_add(e, "missing_features", names);
	json_object_array_add(list, e);
	return 0;
}

static void
preview_stranded(struct json_object *o, struct json_object *list, int n)
{
	plan_sort_list(list);
	json_object_object_add(o, "stranded", list);
	json_object_object_add(o, "stranded_count", json_object_new_int(n));
	json_object_object_add(o, "truncated",
	    json_object_new_boolean(n > (int)json_object_array_length(list)));
}

/* Out of memory while listing: the list goes, the error says so. */
static int
preview_oom(struct json_object *list, struct rpc_error *err)
{
	json_object_put(list);
	rpc_error_internal(err, "out of memory");
	return -1;
}

/* The pool's VMs that could not run on hosts[host]: all, or newly. */
static int
preview_judge_all(struct plan *pl, size_t host, int was,
    struct json_object *o, struct rpc_error *err)
{
	const struct compat_verdict *v, *before;
	struct json_object *list = json_object_new_array();
	size_t i;
	int n = 0;

	for (i = 0; i < pl->nvms; i++) {
		/* A VM running on the host itself does not move to it. */
		if (pl->vms[i].power == POWER_RUNNING &&
		    pl->vms[i].host_index == (was >= 0 ? was : (int)host))
			continue;
		if ((v = plan_judge(pl, i, host)) == NULL)
			goto oom;
		if (v->code == COMPAT_OK)
			continue;
		if (was >= 0) {
			if ((before = plan_judge(pl, i, (size_t)was)) == NULL)
				goto oom;
			if (before->code != COMPAT_OK)
				continue;
		}
		if (preview_strand(pl, i, host, list, &n) == -1)
			goto oom;
	}
	preview_stranded(o, list, n);
	return 0;
oom:
	return preview_oom(list, err);
}

static void
preview_head(struct json_object **result, const char *pool,
    const char *host)
{
	*result = json_object_new_object();
	json_object_object_add(*result, "pool", pool ?
	    json_object_new_string(pool) : NULL);
	json_object_object_add(*result, "host", json_object_new_string(host));
}

/* The answer is built; on failure it goes. */
static int
preview_done(struct plan *pl, int ret, struct json_object **result)
{
	plan_free(pl);
	if (ret == -1) {
		json_object_put(*result);
		*result = NULL;
	}
	return ret;
}

int
pool_preview_join(void *arg, struct json_object *params,
    struct json_object **result, struct rpc_error *err)
{
	struct featured *f = arg;
	const char *pool = rpc_param_string(params, "pool");
	struct json_object *refused = NULL;
	struct pool_rec p, new;
	struct host_rec h;
	struct plan pl;
	size_t nmembers;
	int found, n, hi, vendor_ok, ret = -1;

	if ((found = pool_join_load(f, pool, rpc_param_string(params,
	    "host"), &h, &p, err)) == -1)
		return -1;
	if (!found) {
		/* The pool the join would create: the host's vendor. */
		memset(&p, 0, sizeof(p));
		strlcpy(p.id, pool, sizeof(p.id));
		strlcpy(p.vendor, h.vendor, sizeof(p.vendor));
	}
	vendor_ok = strcmp(p.vendor, h.vendor) == 0;
	plan_init(&pl, f);
	preview_head(result, pool, h.id);
	if (found && plan_load_members(&pl, pool, err) == -1)
		return preview_done(&pl, -1, result);
	nmembers = pl.nhosts;
	/* Pool.join's checks, in its order; a member's join is a no-op. */
	if (h.pool[0])
		new = p;
	else {
		if (!vendor_ok)
			refused = preview_refusal("HOSTS_NOT_HOMOGENEOUS",
			    "CPUs differ");
		else if ((n = store_host_resident_vms(f, h.id)) != 0) {
			if (n == -1) {
				store_error(f, err);
				return preview_done(&pl, -1, result);
			}
			refused = preview_refusal(
			    "JOINING_HOST_CANNOT_HAVE_RUNNING_VMS", NULL);
		}
		preview_level(&pl, nmembers, &p, &h, PREVIEW_JOIN, &new);
	}
	json_object_object_add(*result, "vendor_ok",
	    json_object_new_boolean(vendor_ok));
	json_object_object_add(*result, "refused", refused);
	preview_levels(*result, &p, &new);
	if (found && plan_load_pool_vms(&pl, pool, err) == -1)
		return preview_done(&pl, -1, result);
	hi = h.pool[0] ? plan_host_index(&pl, h.id) : plan_add_host(&pl, &h);
	if (hi == -1) {
		rpc_error_internal(err, "out of memory");
		return preview_done(&pl, -1, result);
	}
	ret = preview_judge_all(&pl, (size_t)hi, -1, *result, err);
	return preview_done(&pl, ret, result);
}

/*
 * The VMs running on the leaving host that no other member could take:
 * they keep the real eject refused until they are moved or halted.
 * Each names what it lacks on the nearest member.
 */
static int
preview_eject_stranded(struct plan *pl, size_t nmembers, int hi,
    struct json_object *o, struct rpc_error *err)
{
	struct json_object *list = json_object_new_array(), *e, *names;
	const struct compat_verdict *v;
	size_t i;
	int n = 0, near, k;

	for (i = 0; i < pl->nvms; i++) {
		if ((k = plan_destinations(pl, i, nmembers, hi, NULL,
		    &near)) == -1)
			goto oom;
		if (k > 0)
			continue;
		if (n++ >= PLAN_MAX_LISTED || !plan_spend(pl, PLAN_ENTRY_BYTES +
		    (near < 0 ? 0 : plan_names_len(pl, i, (size_t)near))))
			continue;
		e = json_object_new_object();
		json_object_array_add(list, e);
		json_object_object_add(e, "vm",
		    json_object_new_string(pl->vms[i].id));
		json_object_object_add(e, "nearest", near < 0 ? NULL :
		    json_object_new_string(pl->hosts[near].id));
		if (near < 0) {
			json_object_object_add(e, "missing_features",
			    json_object_new_array());
			json_object_object_add(e, "error", preview_refusal(
			    "NO_HOSTS_AVAILABLE", NULL));
			continue;
		}
		if ((v = plan_judge(pl, i, (size_t)near)) == NULL ||
		    (names = plan_missing_names(pl, i, (size_t)near)) == NULL)
			goto oom;
		json_object_object_add(e, "missing_features", names);
		json_object_object_add(e, "error", plan_error(pl, i,
		    (size_t)near));
	}
	preview_stranded(o, list, n);
	return 0;
oom:
	return preview_oom(list, err);
}

int
pool_preview_eject(void *arg, struct json_object *params,
    struct json_object **result, struct rpc_error *err)
{
	struct featured *f = arg;
	const char *pool = rpc_param_string(params, "pool");
	struct pool_rec p, new;
	struct host_rec h;
	struct plan pl;
	int n, hi, ret;

	if (pool_eject_load(f, pool, rpc_param_string(params, "host"), &h,
	    &p, err) == -1)
		return -1;
	if ((n = store_host_resident_vms(f, h.id)) == -1)
		return store_error(f, err);
	plan_init(&pl, f);
	preview_head(result, pool, h.id);
	if (plan_load_members(&pl, pool, err) == -1 ||
	    plan_load_resident_vms(&pl, h.id, err) == -1)
		return preview_done(&pl, -1, result);
	/* Pool.eject's check: it refuses a host that runs VMs. */
	json_object_object_add(*result, "vendor_ok",
	    json_object_new_boolean(1));
	json_object_object_add(*result, "refused", n > 0 ?
	    preview_refusal("HOST_HAS_RESIDENT_VMS", h.id) : NULL);
	/* The last member's leaving deletes the pool: no level is left. */
	preview_level(&pl, pl.nhosts, &p, &h, PREVIEW_EJECT, &new);
	json_object_object_add(*result, "pool_deleted",
	    json_object_new_boolean(pl.nhosts == 1));
	preview_levels(*result, &p, &new);
	hi = plan_host_index(&pl, h.id);
	ret = preview_eject_stranded(&pl, pl.nhosts, hi, *result, err);
	return preview_done(&pl, ret, result);
}

/* A set of the host's, before and after: an absent one is empty. */
static void
preview_set(struct json_object *sets, const char *key,
    const struct optfs *old, const struct optfs *new)
{
	struct featureset none;

	fs_clear(&none);
	json_object_object_add(sets, key, events_set_change(
	    old->present ? &old->fs : &none, new->present ? &new->fs : &none));
}

static void
preview_host_sets(struct json_object *o, const struct host_rec *old,
    const struct host_rec *new)
{
	struct json_object *sets = json_object_new_object();

	preview_set(sets, CI_FEATURES_PV, &old->pv, &new->pv);
	preview_set(sets, CI_FEATURES_HVM, &old->hvm, &new->hvm);
	preview_set(sets, CI_FEATURES_PV_HOST, &old->pv_host, &new->pv_host);
	preview_set(sets, CI_FEATURES_HVM_HOST, &old->hvm_host,
	    &new->hvm_host);
	json_object_object_add(o, "sets", sets);
	json_object_object_add(o, "vendor_changed",
	    json_object_new_boolean(strcmp(old->vendor, new->vendor) != 0));
}

/* The host as Host.boot would record it from cpu_info. */
static int
preview_booted(struct json_object *params, const struct host_rec *old,
    struct host_rec *h, struct rpc_error *err)
{
	struct json_object *cij = rpc_param_object(params, "cpu_info");
	const char *vendor;
	struct cpuinfo ci;
	char why[128];
	int ret = -1;

	memset(&ci, 0, sizeof(ci));
	if (cpuinfo_from_json(&ci, cij, why, sizeof(why)) == -1)
		rpc_error_param(err, "cpu_info", "%s", why);
	else if ((vendor = cpuinfo_get(&ci, CI_VENDOR)) == NULL ||
	    *vendor == '\0')
		rpc_error_param(err, "cpu_info", "needs a non-empty 'vendor'");
	else {
		*h = *old;
		strlcpy(h->vendor, vendor, sizeof(h->vendor));
		h->hvm_capable = rpc_param_bool(params, "hvm_capable", 1);
		host_from_cpu_info(h, &ci);
		ret = 0;
	}
	cpuinfo_free(&ci);
	return ret;
}

int
host_preview_boot(void *arg, struct json_object *params,
    struct json_object **result, struct rpc_error *err)
{
	struct featured *f = arg;
	struct pool_rec p, new;
	struct host_rec old, h;
	struct plan pl;
	int was, hi, ret = 0;

	if (host_load(f, rpc_param_string(params, "host"), &old, err) == -1 ||
	    preview_booted(params, &old, &h, err) == -1)
		return -1;
	plan_init(&pl, f);
	preview_head(result, old.pool[0] ? old.pool : NULL, old.id);
	preview_host_sets(*result, &old, &h);
	if (!old.pool[0]) {
		/* A standalone host has no level but its own, no VMs to
		 * strand elsewhere. */
		json_object_object_add(*result, "pv", NULL);
		json_object_object_add(*result, "hvm", NULL);
		preview_stranded(*result, json_object_new_array(), 0);
		return preview_done(&pl, 0, result);
	}
	if (pool_load(f, old.pool, &p, err) == -1 ||
	    plan_load_members(&pl, old.pool, err) == -1 ||
	    plan_load_pool_vms(&pl, old.pool, err) == -1)
		return preview_done(&pl, -1, result);
	preview_level(&pl, pl.nhosts, &p, &h, PREVIEW_BOOT, &new);
	preview_levels(*result, &p, &new);
	was = plan_host_index(&pl, old.id);
	if ((hi = plan_add_host(&pl, &h)) == -1) {
		rpc_error_internal(err, "out of memory");
		ret = -1;
	} else
		ret = preview_judge_all(&pl, (size_t)hi, was, *result, err);
	return preview_done(&pl, ret, result);
}
