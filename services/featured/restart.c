/*
 * What a full restart would change for a VM: Pool.get_vms_needing_restart
 * lists the running and suspended VMs whose fixed set is not their
 * pool's current level of their kind (a restart is the only way a VM
 * takes a new level: XCP-ng's CPU masking guide, step 4), and
 * VM.check_restart_on judges a cold move, a start on any host of any
 * pool or vendor.  The set a start gives comes from vm.c's vm_level(),
 * the one VM.start uses; both methods only read.
 */
#include <stdlib.h>
#include <string.h>

#include "featured.h"
#include "featurenames.h"
#include "strlcpy.h"

/* What a restart gives every VM of one class: computed once a class. */
struct restart_class {
	int			 done, differs;
	struct json_object	*gained, *lost, *blocked;
	size_t			 cost;		/* an entry's bytes */
};

static void
restart_classes_free(struct restart_class *rc, size_t n)
{
	size_t i;

	for (i = 0; rc && i < n; i++) {
		json_object_put(rc[i].gained);
		json_object_put(rc[i].lost);
		json_object_put(rc[i].blocked);
	}
	free(rc);
}

static int
restart_class(struct plan *pl, const struct pool_rec *p, size_t vm,
    struct restart_class *rc)
{
	const struct featureset *have = plan_vm_features(pl, vm);
	const struct featureset *level = domain_is_hvm(pl->vms[vm].domain) ?
	    &p->hvm_host : &p->pv_host;
	const struct compat_verdict *v;
	struct featureset none, gained, lost;
	size_t i;

	rc->done = 1;
	fs_clear(&none);
	if (have == NULL)
		have = &none;
	fs_diff(level, have, &gained);
	fs_diff(have, level, &lost);
	if (fs_is_zero(&gained) && fs_is_zero(&lost))
		return 0;
	rc->differs = 1;
	rc->gained = feature_names_json(&gained);
	rc->lost = feature_names_json(&lost);
	rc->blocked = json_object_new_array();
	for (i = 0; i < pl->nhosts; i++) {
		if ((v = plan_judge(pl, vm, i)) == NULL)
			return -1;
		if (v->code != COMPAT_OK)
			json_object_array_add(rc->blocked,
			    json_object_new_string(pl->hosts[i].id));
	}
	rc->cost = PLAN_ENTRY_BYTES + plan_json_len(rc->gained) +
	    plan_json_len(rc->lost) + plan_json_len(rc->blocked);
	return 0;
}

static void
restart_entry(const struct plan_vm *v, const struct restart_class *rc,
    struct json_object *list)
{
	struct json_object *e = json_object_new_object();

	json_object_object_add(e, "vm", json_object_new_string(v->id));
	json_object_object_add(e, "power_state",
	    json_object_new_string(power_state_name(v->power)));
	json_object_object_add(e, "domain_type",
	    json_object_new_string(domain_type_name(v->domain)));
	json_object_object_add(e, "gained", json_object_get(rc->gained));
	json_object_object_add(e, "lost", json_object_get(rc->lost));
	json_object_object_add(e, "blocked_hosts",
	    json_object_get(rc->blocked));
	json_object_array_add(list, e);
}

int
pool_get_vms_needing_restart(void *arg, struct json_object *params,
    struct json_object **result, struct rpc_error *err)
{
	struct featured *f = arg;
	const char *pool = rpc_param_string(params, "pool");
	struct restart_class *rc = NULL;
	struct json_object *list;
	struct pool_rec p;
	struct plan pl;
	size_t i, n = 0;
	int c;

	if (pool_load(f, pool, &p, err) == -1)
		return -1;
	plan_init(&pl, f);
	if (plan_load_members(&pl, pool, err) == -1 ||
	    plan_load_pool_vms(&pl, pool, err) == -1)
		goto fail;
	if ((rc = calloc(pl.nvcls + 1, sizeof(*rc))) == NULL)
		goto oom;
	list = json_object_new_array();
	for (i = 0; i < pl.nvms; i++) {
		c = pl.vms[i].cls;
		if (!rc[c].done && restart_class(&pl, &p, i, &rc[c]) == -1) {
			json_object_put(list);
			goto oom;
		}
		if (!rc[c].differs)
			continue;
		if (n++ < PLAN_MAX_LISTED && plan_spend(&pl, rc[c].cost))
			restart_entry(&pl.vms[i], &rc[c], list);
	}
	plan_sort_list(list);
	*result = json_object_new_object();
	json_object_object_add(*result, "pool", json_object_new_string(p.id));
	json_object_object_add(*result, "vms", list);
	json_object_object_add(*result, "count", json_object_new_int((int)n));
	json_object_object_add(*result, "truncated",
	    json_object_new_boolean(n > json_object_array_length(list)));
	restart_classes_free(rc, pl.nvcls + 1);
	plan_free(&pl);
	return 0;
oom:
	rpc_error_internal(err, "out of memory");
fail:
	restart_classes_free(rc, pl.nvcls + 1);
	plan_free(&pl);
	return -1;
}

/*
 * Would h start vm, and with what?  VM.start's path: may h run the
 * kind at all (compat_judge_boot), the level it gives (vm_level), and
 * does that set fit h's max set (compat_judge).  0 with *ok and, where
 * not, an error in refusal; -1 when the store failed.
 */
static int
restart_judge(struct featured *f, const struct vm_rec *vm,
    const struct host_rec *h, struct vm_rec *started, int *ok,
    struct rpc_error *refusal, struct rpc_error *err)
{
	struct compat_verdict v;
	struct compat_host ch;
	struct compat_vm cv;

	*ok = 0;
	*started = *vm;
	started->power_state = POWER_RUNNING;
	rec_vm_compat(started, &cv);
	rec_host_compat(h, &ch);
	compat_judge_boot(&cv, &ch, &v);
	if (compat_error(&v, vm->id, h->id, refusal) == -1)
		return 0;
	if (vm_level(f, h, vm->domain_type, &started->features.fs,
	    refusal) == -1) {
		if (refusal->code == RPC_API_ERROR)
			return 0;
		*err = *refusal;	/* the store's failure */
		memset(refusal, 0, sizeof(*refusal));
		return -1;
	}
	started->features.present = 1;
	started->has_vendor = 1;
	strlcpy(started->vendor, h->vendor, sizeof(started->vendor));
	rec_vm_compat(started, &cv);
	compat_judge(&cv, &ch, &v);
	if (compat_error(&v, vm->id, h->id, refusal) == -1)
		return 0;
	*ok = 1;
	return 0;
}

static struct json_object *
restart_refusal(struct rpc_error *e)
{
	struct json_object *a = json_object_new_array();
	size_t i;

	json_object_array_add(a, json_object_new_string(e->message));
	for (i = 0; e->data && i < json_object_array_length(e->data); i++)
		json_object_array_add(a, json_object_get(
		    json_object_array_get_idx(e->data, i)));
	return a;
}

int
vm_check_restart_on(void *arg, struct json_object *params,
    struct json_object **result, struct rpc_error *err)
{
	struct featured *f = arg;
	struct rpc_error refusal;
	struct featureset none, d;
	const struct featureset *have;
	struct vm_rec vm, started;
	struct host_rec h;
	char buf[FS_STRING_MAX];
	int ok;

	if (vm_load(f, rpc_param_string(params, "vm"), &vm, err) == -1 ||
	    host_load(f, rpc_param_string(params, "host"), &h, err) == -1)
		return -1;
	memset(&refusal, 0, sizeof(refusal));
	if (restart_judge(f, &vm, &h, &started, &ok, &refusal, err) == -1)
		return -1;
	fs_clear(&none);
	have = vm.features.present ? &vm.features.fs : &none;
	*result = json_object_new_object();
	json_object_object_add(*result, "vm", json_object_new_string(vm.id));
	json_object_object_add(*result, "host", json_object_new_string(h.id));
	json_object_object_add(*result, "pool", h.pool[0] ?
	    json_object_new_string(h.pool) : NULL);
	json_object_object_add(*result, "ok", json_object_new_boolean(ok));
	json_object_object_add(*result, "error", ok ? NULL :
	    restart_refusal(&refusal));
	rpc_error_clear(&refusal);
	if (!ok) {
		json_object_object_add(*result, "features", NULL);
		json_object_object_add(*result, "lost", NULL);
		json_object_object_add(*result, "gained", NULL);
		return 0;
	}
	fs_format(&started.features.fs, buf);
	json_object_object_add(*result, "features",
	    json_object_new_string(buf));
	fs_diff(have, &started.features.fs, &d);
	json_object_object_add(*result, "lost", feature_names_json(&d));
	fs_diff(&started.features.fs, have, &d);
	json_object_object_add(*result, "gained", feature_names_json(&d));
	return 0;
}
