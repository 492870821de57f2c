/*
 * Evacuating a host, answered before it is tried, for CPU reasons only
 * (memory, storage and networks are xapi's to judge):
 * Host.get_vms_which_prevent_evacuation, xapi's method and shape, and
 * Host.plan_evacuation, the destinations of each resident VM.  Both ask
 * plan.c, whose verdict is VM.migrate's rule; both only read.
 */
#include <stdlib.h>
#include <string.h>

#include "featured.h"

/*
 * The host's pool members and the VMs running on it; *hi is the host's
 * index among them (a standalone host is its own only member).
 */
static int
evacuate_load(struct featured *f, struct json_object *params,
    struct plan *pl, struct host_rec *h, int *hi, struct rpc_error *err)
{
	plan_init(pl, f);
	if (host_load(f, rpc_param_string(params, "host"), h, err) == -1)
		return -1;
	if (h->pool[0] && plan_load_members(pl, h->pool, err) == -1)
		return -1;
	if (!h->pool[0] && plan_add_host(pl, h) == -1)
		return -1;	/* evacuate_fail() says: out of memory */
	if (plan_load_resident_vms(pl, h->id, err) == -1)
		return -1;
	*hi = plan_host_index(pl, h->id);
	return 0;
}

/*
 * Why no other member can take vms[vm]: xapi's error for it.  xapi
 * judges the members in turn and keeps the first refusal; so does this,
 * in id order.  With no other member at all there is nowhere to go.
 */
static struct json_object *
evacuate_error(struct plan *pl, size_t vm, int hi)
{
	const struct compat_verdict *v;
	struct json_object *a;
	size_t i;

	for (i = 0; i < pl->nhosts; i++) {
		if ((int)i == hi)
			continue;
		if ((v = plan_judge(pl, vm, i)) == NULL)
			return NULL;
		if (v->code != COMPAT_OK)
			return plan_error(pl, vm, i);
	}
	a = json_object_new_array();
	json_object_array_add(a, json_object_new_string("NO_HOSTS_AVAILABLE"));
	return a;
}

static int
evacuate_fail(struct plan *pl, struct json_object **result,
    struct rpc_error *err)
{
	if (err->code == 0)
		rpc_error_internal(err, "out of memory");
	json_object_put(*result);
	*result = NULL;
	plan_free(pl);
	return -1;
}

int
host_get_vms_which_prevent_evacuation(void *arg, struct json_object *params,
    struct json_object **result, struct rpc_error *err)
{
	struct json_object *e;
	struct host_rec h;
	struct plan pl;
	size_t i, n = 0;
	int hi, k, near;

	*result = NULL;
	if (evacuate_load(arg, params, &pl, &h, &hi, err) == -1)
		return evacuate_fail(&pl, result, err);
	*result = json_object_new_object();
	for (i = 0; i < pl.nvms; i++) {
		if ((k = plan_destinations(&pl, i, pl.nhosts, hi, NULL,
		    &near)) == -1)
			return evacuate_fail(&pl, result, err);
		if (k > 0)
			continue;
		/* Bounded as every list is. */
		if (n++ >= PLAN_MAX_LISTED || !plan_spend(&pl, PLAN_ENTRY_BYTES))
			break;
		if ((e = evacuate_error(&pl, i, hi)) == NULL)
			return evacuate_fail(&pl, result, err);
		json_object_object_add(*result, pl.vms[i].id, e);
	}
	plan_free(&pl);
	return 0;
}

/* The entry goes into list if the answer's budget has room for it. */
static void
evacuate_list(struct plan *pl, struct json_object *e,
    struct json_object *list)
{
	struct json_object *v;
	size_t cost = PLAN_ENTRY_BYTES;

	if (json_object_object_get_ex(e, "destinations", &v))
		cost += plan_json_len(v);
	if (json_object_object_get_ex(e, "missing_features", &v))
		cost += plan_json_len(v);
	if (!plan_list_full(list) && plan_spend(pl, cost))
		json_object_array_add(list, e);
	else
		json_object_put(e);
}

/* Where the VMs of one class may go: the same for each of them. */
struct evac_class {
	int			 done, k, near;
	struct json_object	*dests;
};

/*
 * One resident VM: where it may go (its class's list, shared), or what
 * it lacks on the nearest member.  Its destinations' count, or -1.
 */
static int
evacuate_vm(struct plan *pl, size_t vm, int hi, struct evac_class *c,
    struct json_object *list)
{
	struct json_object *e, *names;

	if (!c->done) {
		c->dests = json_object_new_array();
		if ((c->k = plan_destinations(pl, vm, pl->nhosts, hi, c->dests,
		    &c->near)) == -1)
			return -1;
		c->done = 1;
	}
	e = json_object_new_object();
	json_object_object_add(e, "vm", json_object_new_string(pl->vms[vm].id));
	json_object_object_add(e, "destinations", json_object_get(c->dests));
	if (c->k > 0 || c->near < 0) {
		json_object_object_add(e, "nearest", NULL);
		json_object_object_add(e, "missing_features",
		    json_object_new_array());
		evacuate_list(pl, e, list);
		return c->k;
	}
	if ((names = plan_missing_names(pl, vm, (size_t)c->near)) == NULL) {
		json_object_put(e);
		return -1;
	}
	json_object_object_add(e, "nearest",
	    json_object_new_string(pl->hosts[c->near].id));
	json_object_object_add(e, "missing_features", names);
	json_object_object_add(e, "error", plan_error(pl, vm,
	    (size_t)c->near));
	evacuate_list(pl, e, list);
	return 0;
}

static void
evacuate_classes_free(struct evac_class *c, size_t n)
{
	size_t i;

	for (i = 0; c && i < n; i++)
		json_object_put(c[i].dests);
	free(c);
}

int
host_plan_evacuation(void *arg, struct json_object *params,
    struct json_object **result, struct rpc_error *err)
{
	struct evac_class *cls;
	struct json_object *list;
	struct host_rec h;
	struct plan pl;
	size_t i, blocked = 0;
	int hi, k;

	*result = NULL;
	if (evacuate_load(arg, params, &pl, &h, &hi, err) == -1 ||
	    (cls = calloc(pl.nvcls + 1, sizeof(*cls))) == NULL)
		return evacuate_fail(&pl, result, err);
	*result = json_object_new_object();
	json_object_object_add(*result, "host", json_object_new_string(h.id));
	json_object_object_add(*result, "pool", h.pool[0] ?
	    json_object_new_string(h.pool) : NULL);
	list = json_object_new_array();
	json_object_object_add(*result, "vms", list);
	for (i = 0; i < pl.nvms; i++) {
		if ((k = evacuate_vm(&pl, i, hi, &cls[pl.vms[i].cls],
		    list)) == -1) {
			evacuate_classes_free(cls, pl.nvcls + 1);
			return evacuate_fail(&pl, result, err);
		}
		if (k == 0)
			blocked++;
	}
	evacuate_classes_free(cls, pl.nvcls + 1);
	plan_sort_list(list);
	json_object_object_add(*result, "vm_count",
	    json_object_new_int((int)pl.nvms));
	json_object_object_add(*result, "blocked_count",
	    json_object_new_int((int)blocked));
	json_object_object_add(*result, "truncated",
	    json_object_new_boolean(pl.nvms > json_object_array_length(list)));
	plan_free(&pl);
	return 0;
}
