/*
 * The idempotent upserts of cpulevel-xapi-sync (issue 12, section 1):
 * "reconcile, do not replay".  xapi has already decided every lifecycle
 * step (a forced join, a VM started with the flags xenopsd gave it), so
 * each method records the state it is given as it is, with no
 * precondition, and a repeat of the same call changes nothing: no write,
 * no level history, no event, "changed": false.  The pool level is still
 * featured's own fold, recomputed as Host.boot and Pool.join do.
 */
#include <stdio.h>
#include <string.h>

#include "featured.h"
#include "jsonutil.h"
#include "log.h"
#include "strlcpy.h"

/* Service.inventory's page: its largest fits BUS_MAX_MESSAGE. */
#define INVENTORY_LIMIT		10000

static const char *const inventory_kinds[] = { "pools", "hosts", "vms" };
static const char *const cursor_kinds[] = { "pool", "host", "vm" };

static struct json_object *
changed_result(int changed)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "changed", json_object_new_boolean(changed));
	return o;
}

/* A pool of that id, created for a first member of vendor if absent. */
static int
pool_ensure(struct featured *f, const char *id, const char *vendor,
    struct rpc_error *err)
{
	struct pool_rec p;
	int found;

	if ((found = store_pool_get(f, id, &p)) == -1)
		return store_error(f, err);
	if (found)
		return 0;
	memset(&p, 0, sizeof(p));
	strlcpy(p.id, id, sizeof(p.id));
	strlcpy(p.vendor, vendor, sizeof(p.vendor));
	if (store_pool_put(f, &p) == -1)
		return store_error(f, err);
	log_info("pool %s created by its first member", id);
	return 0;
}

/* Whether two cpu_info maps hold the same keys with the same values. */
static int
cpuinfo_same(const struct cpuinfo *a, const struct cpuinfo *b)
{
	const char *v;
	size_t i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++)
		if ((v = cpuinfo_get(b, a->kv[i].key)) == NULL ||
		    strcmp(v, a->kv[i].value) != 0)
			return 0;
	return 1;
}

/*
 * Record h's new cpu_info (ci, its JSON cij) when it differs from the
 * stored one (old, when found): *recorded says whether it did.  Sets the
 * host lost are published as Host.boot publishes them.
 */
static int
host_record(struct featured *f, struct host_rec *h, int found,
    const struct cpuinfo *old, const struct cpuinfo *ci,
    struct json_object *cij, int hvm_capable, int *recorded,
    struct rpc_error *err)
{
	const char *vendor = cpuinfo_get(ci, CI_VENDOR);
	struct json_object *lost;

	if (vendor == NULL)
		vendor = "";	/* xapi has not filled the map in yet */
	*recorded = !found || !cpuinfo_same(old, ci) ||
	    strcmp(h->vendor, vendor) != 0 || h->hvm_capable != hvm_capable;
	if (!*recorded)
		return 0;
	strlcpy(h->vendor, vendor, sizeof(h->vendor));
	h->hvm_capable = hvm_capable;
	host_from_cpu_info(h, ci);
	if (store_host_put(f, h, json_compact(cij)) == -1)
		return store_error(f, err);
	if (found && (lost = host_lost_sets(old, ci)) != NULL)
		host_report_lost(f, h, lost);
	return 0;
}

/*
 * Make h a member of pool, out of the one it was in (recalculated, or
 * deleted when emptied, as event).  The caller recalculates pool.
 */
static int
host_move(struct featured *f, struct host_rec *h, const char *pool,
    const char *event, int *moved, struct rpc_error *err)
{
	int left_changed;

	*moved = strcmp(h->pool, pool) != 0;
	if (!*moved)
		return 0;
	if (h->pool[0]) {
		log_info("host %s observed moving from pool %s to %s", h->id,
		    h->pool, pool);
		if (pool_leave(f, h, event, &left_changed, err) == -1)
			return -1;
	}
	if (pool_ensure(f, pool, h->vendor, err) == -1)
		return -1;
	if (store_host_set_pool(f, h->id, pool) == -1)
		return store_error(f, err);
	strlcpy(h->pool, pool, sizeof(h->pool));
	return 0;
}

/*
 * xapi's pool holds every host of its database, its master first of
 * all: a master featured holds is made a member, as Host.observe would.
 * A pool is never created empty: every pool featured holds has members
 * (its level is their fold), so it comes with its first member and goes
 * with its last.
 */
int
pool_observe(void *arg, struct json_object *params,
    struct json_object **result, struct rpc_error *err)
{
	struct featured *f = arg;
	const char *pool = rpc_param_string(params, "pool");
	const char *master = rpc_param_string(params, "master");
	struct host_rec h;
	int found = 0, moved = 0, changed = 0;

	if (master && (found = store_host_get(f, master, &h)) == -1)
		return store_error(f, err);
	if (found && host_move(f, &h, pool, "Pool.observe", &moved,
	    err) == -1)
		return -1;
	if (moved && pool_recalc(f, pool, "Pool.observe", master, &changed,
	    err) == -1)
		return -1;
	*result = changed_result(moved);
	json_object_object_add(*result, "pool_level_changed",
	    json_object_new_boolean(changed));
	return 0;
}

/* One exit: ci and old are released at out: only. */
int
host_observe(void *arg, struct json_object *params,
    struct json_object **result, struct rpc_error *err)
{
	struct featured *f = arg;
	struct json_object *cij = rpc_param_object(params, "cpu_info");
	const char *id = rpc_param_string(params, "host");
	const char *pool = rpc_param_string(params, "pool");
	struct cpuinfo ci, old;
	struct host_rec h;
	char why[128];
	int found, recorded, moved, changed = 0, ret = -1;

	cpuinfo_init(&ci);
	cpuinfo_init(&old);
	if (cpuinfo_from_json(&ci, cij, why, sizeof(why)) == -1) {
		rpc_error_param(err, "cpu_info", "%s", why);
		goto out;
	}
	if ((found = host_load_or_new(f, id, &h, &old, err)) == -1)
		goto out;
	if (host_record(f, &h, found, &old, &ci, cij,
	    rpc_param_bool(params, "hvm_capable", 1), &recorded, err) == -1 ||
	    host_move(f, &h, pool, "Host.observe", &moved, err) == -1)
		goto out;
	/*
	 * Only on a change: a resync observes every host again, and a fold
	 * reads every member (1,000 hosts would be a million rows).
	 */
	if ((recorded || moved) && pool_recalc(f, pool, "Host.observe", id,
	    &changed, err) == -1)
		goto out;
	if (recorded || moved)
		log_info("host %s observed (%s%s), pool %s", id,
		    found ? "known" : "new", recorded ? ", cpu_info" : "",
		    pool);
	*result = changed_result(recorded || moved);
	json_object_object_add(*result, "pool_level_changed",
	    json_object_new_boolean(changed));
	ret = 0;
out:
	cpuinfo_free(&ci);
	cpuinfo_free(&old);
	return ret;
}

/*
 * xapi deletes a host only once no VM is resident on it, so a VM still
 * naming it here is one whose own update has not arrived yet: it keeps
 * its power state and flags, and no host, until its next VM.observe.
 */
int
host_forget(void *arg, struct json_object *params,
    struct json_object **result, struct rpc_error *err)
{
	struct featured *f = arg;
	const char *id = rpc_param_string(params, "host");
	struct host_rec h;
	int found, changed = 0;

	if ((found = store_host_get(f, id, &h)) == -1)
		return store_error(f, err);
	if (found) {
		if (store_host_clear_vms(f, id) == -1)
			return store_error(f, err);
		if (h.pool[0] && pool_leave(f, &h, "Host.forget", &changed,
		    err) == -1)
			return -1;
		if (store_host_delete(f, id) == -1)
			return store_error(f, err);
		log_info("host %s forgotten", id);
	}
	*result = changed_result(found);
	json_object_object_add(*result, "pool_level_changed",
	    json_object_new_boolean(changed));
	return 0;
}

static int
vm_same(const struct vm_rec *a, const struct vm_rec *b)
{
	return strcmp(a->host, b->host) == 0 &&
	    a->domain_type == b->domain_type &&
	    a->power_state == b->power_state &&
	    a->has_vendor == b->has_vendor &&
	    (!a->has_vendor || strcmp(a->vendor, b->vendor) == 0) &&
	    a->features.present == b->features.present &&
	    (!a->features.present ||
	    (a->features.fs.len == b->features.fs.len &&
	    fs_is_equal(&a->features.fs, &b->features.fs))) &&
	    a->legacy == b->legacy;
}

/*
 * The domain type xapi gives, else the stored one, else HVM: the kind
 * with the most to check (as records.h reads an unknown one).
 */
static enum domain_type
vm_observed_type(struct json_object *params, int found,
    const struct vm_rec *old)
{
	const char *s = rpc_param_string(params, "domain_type");
	enum domain_type dt;

	if (s && domain_type_parse(s, &dt) == 0)
		return dt;
	return found ? old->domain_type : DOMAIN_HVM;
}

int
vm_observe(void *arg, struct json_object *params,
    struct json_object **result, struct rpc_error *err)
{
	struct featured *f = arg;
	const char *id = rpc_param_string(params, "vm");
	const char *host = rpc_param_string(params, "host");
	struct host_rec h;
	struct vm_rec old, vm;
	int found, hfound = 0, changed;

	/* xapi's answer to a uuid it does not know (UUID_INVALID). */
	if (host && (hfound = store_host_get(f, host, &h)) != 1) {
		if (hfound == -1)
			return store_error(f, err);
		rpc_error_api(err, "UUID_INVALID", 2, "host", host);
		return -1;
	}
	if ((found = store_vm_get(f, id, &old)) == -1)
		return store_error(f, err);
	memset(&vm, 0, sizeof(vm));
	strlcpy(vm.id, id, sizeof(vm.id));
	if (host)
		strlcpy(vm.host, host, sizeof(vm.host));
	vm.domain_type = vm_observed_type(params, found, &old);
	vm.power_state = rpc_param_power_state(params, "power_state",
	    POWER_HALTED);
	/* xapi's record, not judged: it decided the VM runs there. */
	vm_carried_flags(&vm, host ? &h : NULL,
	    rpc_param_object(params, "last_boot_CPU_flags"));
	changed = !found || !vm_same(&old, &vm);
	if (changed) {
		if (store_vm_put(f, &vm) == -1)
			return store_error(f, err);
		log_info("VM %s observed %s%s%s%s", id,
		    power_state_name(vm.power_state), host ? " on " : "",
		    host ? host : "", vm.legacy ? " (legacy)" : "");
	}
	*result = changed_result(changed);
	json_object_object_add(*result, "legacy",
	    json_object_new_boolean(vm.legacy));
	return 0;
}

int
vm_forget(void *arg, struct json_object *params,
    struct json_object **result, struct rpc_error *err)
{
	struct featured *f = arg;
	const char *id = rpc_param_string(params, "vm");

	(void)result;
	if (store_vm_delete(f, id) == -1)
		return store_error(f, err);
	if (sqlite3_changes(f->db) > 0)
		log_info("VM %s forgotten", id);
	return 0;
}

struct inventory {
	struct json_object	*lists[3];
	int			 kind, n;
	char			 last[RPC_MAX_ID + 1];
};

static int
inventory_add(int kind, const char *id, void *arg)
{
	struct inventory *inv = arg;

	if (kind < 0 || kind > 2)
		return 0;
	json_object_array_add(inv->lists[kind], json_object_new_string(id));
	inv->kind = kind;
	strlcpy(inv->last, id, sizeof(inv->last));
	inv->n++;
	return 0;
}

/* A cursor "pool:ID", "host:ID" or "vm:ID" (next's own form). */
static int
inventory_cursor(const char *s, int *kind, const char **id)
{
	const char *colon = strchr(s, ':');
	size_t i;

	if (colon == NULL)
		return -1;
	for (i = 0; i < 3; i++)
		if (strlen(cursor_kinds[i]) == (size_t)(colon - s) &&
		    strncmp(s, cursor_kinds[i], colon - s) == 0) {
			*kind = (int)i;
			*id = colon + 1;
			return rpc_valid_id(*id) ? 0 : -1;
		}
	return -1;
}

int
service_inventory(void *arg, struct json_object *params,
    struct json_object **result, struct rpc_error *err)
{
	struct featured *f = arg;
	const char *after = rpc_param_string(params, "after"), *after_id = "";
	long long limit = rpc_param_int(params, "limit", INVENTORY_LIMIT);
	struct inventory inv;
	char next[16 + RPC_MAX_ID];
	int after_kind = -1;
	size_t i;

	if (limit < 1 || limit > INVENTORY_LIMIT) {
		rpc_error_param(err, "limit", "must be 1 to %d",
		    INVENTORY_LIMIT);
		return -1;
	}
	if (after && inventory_cursor(after, &after_kind, &after_id) == -1) {
		rpc_error_param(err, "after", "must be a next of this method");
		return -1;
	}
	memset(&inv, 0, sizeof(inv));
	for (i = 0; i < 3; i++)
		inv.lists[i] = json_object_new_array();
	*result = json_object_new_object();
	for (i = 0; i < 3; i++)
		json_object_object_add(*result, inventory_kinds[i],
		    inv.lists[i]);
	if (store_inventory(f, after_kind, after_id, (int)limit,
	    inventory_add, &inv) == -1) {
		json_object_put(*result);
		*result = NULL;
		return store_error(f, err);
	}
	/* A full page may have more after it; a short one is the end. */
	snprintf(next, sizeof(next), "%s:%s", cursor_kinds[inv.kind],
	    inv.last);
	json_object_object_add(*result, "next", inv.n == limit ?
	    json_object_new_string(next) : NULL);
	return 0;
}
