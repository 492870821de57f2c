/*
 * Pool.* methods, and the recalculation of a pool's level whenever its
 * membership or a member's featuresets change.  Running VMs are never
 * touched: they keep the set they started with.
 */
#include <stdio.h>
#include <string.h>

#include "compat.h"
#include "featured.h"
#include "levels.h"
#include "log.h"
#include "strlcpy.h"

static void
level_event(struct featured *f, const struct pool_rec *old,
    const struct pool_rec *new, const char *event, const char *host)
{
	struct json_object *p = json_object_new_object();

	json_object_object_add(p, "pool", json_object_new_string(new->id));
	json_object_object_add(p, "event", json_object_new_string(event));
	json_object_object_add(p, "host", json_object_new_string(host));
	json_object_object_add(p, "pv",
	    events_set_change(&old->pv_host, &new->pv_host));
	json_object_object_add(p, "hvm",
	    events_set_change(&old->hvm_host, &new->hvm_host));
	events_queue(f, "pool.level_changed", "Pool.level_changed", p);
}

int
pool_recalc(struct featured *f, const char *pool, const char *event,
    const char *host, int *changed, struct rpc_error *err)
{
	struct pool_rec old, new;
	struct level_fold fo;

	*changed = 0;
	if (store_pool_get(f, pool, &old) != 1)
		return store_error(f, err);
	level_fold_begin(&fo, &new, &old);
	if (store_pool_members(f, pool, level_fold_member, &fo) == -1)
		return store_error(f, err);
	level_fold_end(&fo);
	if (strcmp(old.vendor, new.vendor) != 0) {
		char nv[LOG_ESC_SIZE(CPUINFO_MAX_VENDOR)];
		char ov[LOG_ESC_SIZE(CPUINFO_MAX_VENDOR)];

		/* A vendor is a peer's text: escaped, as in every log line. */
		log_info("pool %s is now %s (was %s)", pool,
		    log_esc(new.vendor, nv, sizeof(nv)),
		    log_esc(old.vendor, ov, sizeof(ov)));
	}
	if (store_pool_put(f, &new) == -1)
		return store_error(f, err);
	if (fs_is_equal(&old.pv_host, &new.pv_host) &&
	    fs_is_equal(&old.hvm_host, &new.hvm_host) &&
	    old.pv_host.len == new.pv_host.len &&
	    old.hvm_host.len == new.hvm_host.len)
		return 0;
	if (store_history_add(f, pool, event, host, &old, &new) == -1)
		return store_error(f, err);
	level_event(f, &old, &new, event, host);
	log_info("pool %s level changed by %s of %s", pool, event, host);
	*changed = 1;
	return 0;
}

struct vendor_probe {
	const char	*host, *vendor;
	int		 other;
};

static int
probe_member(const struct host_rec *h, void *arg)
{
	struct vendor_probe *vp = arg;

	if (strcmp(h->id, vp->host) != 0 && strcmp(h->vendor, vp->vendor) != 0)
		vp->other = 1;
	return 0;
}

int
pool_other_vendor(struct featured *f, const char *pool, const char *host,
    const char *vendor)
{
	struct vendor_probe vp = { host, vendor, 0 };

	if (store_pool_members(f, pool, probe_member, &vp) == -1)
		return -1;
	return vp.other;
}

int
no_resident_vms(struct featured *f, const char *host, const char *code,
    struct rpc_error *err)
{
	int n;

	if ((n = store_host_resident_vms(f, host)) == -1)
		return store_error(f, err);
	if (n > 0) {
		rpc_error_api(err, code, 1, host);
		return -1;
	}
	return 0;
}

static int
count_member(const struct host_rec *h, void *arg)
{
	(void)h;
	(*(int *)arg)++;
	return 0;
}

int
pool_leave(struct featured *f, const struct host_rec *h, const char *event,
    int *changed, struct rpc_error *err)
{
	int members = 0;

	*changed = 0;
	if (store_host_set_pool(f, h->id, NULL) == -1 ||
	    store_pool_members(f, h->pool, count_member, &members) == -1)
		return store_error(f, err);
	if (members > 0)
		return pool_recalc(f, h->pool, event, h->id, changed, err);
	log_info("pool %s has no members left: deleted", h->pool);
	if (store_pool_delete(f, h->pool) == -1)
		return store_error(f, err);
	return 0;
}

/*
 * The host a join names and the pool it joins, for the join and its
 * preview alike: a host already in another pool is refused, as xapi
 * does.  Returns whether the pool exists (0 or 1), or -1 with err set.
 */
int
pool_join_load(struct featured *f, const char *pool, const char *host,
    struct host_rec *h, struct pool_rec *p, struct rpc_error *err)
{
	int found;

	if (host_load(f, host, h, err) == -1)
		return -1;
	if (h->pool[0] && strcmp(h->pool, pool) != 0) {
		rpc_error_api(err, "HOST_ALREADY_IN_POOL", 2, h->id, h->pool);
		return -1;
	}
	if ((found = store_pool_get(f, pool, p)) == -1)
		return store_error(f, err);
	return found;
}

int
pool_join(void *arg, struct json_object *params, struct json_object **result,
    struct rpc_error *err)
{
	struct featured *f = arg;
	const char *pool = rpc_param_string(params, "pool");
	int force = rpc_param_bool(params, "force", 0), changed = 0, found, n;
	struct host_rec h;
	struct pool_rec p;

	if ((found = pool_join_load(f, pool, rpc_param_string(params,
	    "host"), &h, &p, err)) == -1)
		return -1;
	/* A member joining its own pool again is a no-op, even one that
	 * was forced in with another vendor's CPU. */
	if (!h.pool[0] && found && strcmp(p.vendor, h.vendor) != 0 &&
	    !force) {
		rpc_error_api(err, "HOSTS_NOT_HOMOGENEOUS", 1, "CPUs differ");
		return -1;
	}
	/*
	 * xapi refuses a joining host that runs VMs (xapi_pool.ml,
	 * assert_no_running_vms_on_me), with no parameters; suspended VMs
	 * are resident nowhere and do not count.
	 */
	if (!h.pool[0] && (n = store_host_resident_vms(f, h.id)) != 0) {
		if (n == -1)
			return store_error(f, err);
		rpc_error_api(err, "JOINING_HOST_CANNOT_HAVE_RUNNING_VMS", 0);
		return -1;
	}
	if (!h.pool[0]) {
		if (!found) {
			memset(&p, 0, sizeof(p));
			strlcpy(p.id, pool, sizeof(p.id));
			strlcpy(p.vendor, h.vendor, sizeof(p.vendor));
			if (store_pool_put(f, &p) == -1)
				return store_error(f, err);
			log_info("pool %s created by %s", pool, h.id);
		}
		if (store_host_set_pool(f, h.id, pool) == -1)
			return store_error(f, err);
		if (pool_recalc(f, pool, "Pool.join", h.id, &changed,
		    err) == -1)
			return -1;
		log_info("host %s joined pool %s%s", h.id, pool,
		    force && found && strcmp(p.vendor, h.vendor) != 0 ?
		    " (forced: CPU vendors differ)" : "");
	}
	*result = json_object_new_object();
	json_object_object_add(*result, "pool_level_changed",
	    json_object_new_boolean(changed));
	return 0;
}

/*
 * The pool an eject names and its member, for the eject and its preview
 * alike: a host not in that pool is refused.  0, or -1 with err set.
 */
int
pool_eject_load(struct featured *f, const char *pool, const char *host,
    struct host_rec *h, struct pool_rec *p, struct rpc_error *err)
{
	if (pool_load(f, pool, p, err) == -1 ||
	    host_load(f, host, h, err) == -1)
		return -1;
	if (strcmp(h->pool, pool) != 0) {
		rpc_error_api(err, "HOST_NOT_IN_POOL", 2, h->id, pool);
		return -1;
	}
	return 0;
}

int
pool_eject(void *arg, struct json_object *params, struct json_object **result,
    struct rpc_error *err)
{
	struct featured *f = arg;
	const char *pool = rpc_param_string(params, "pool");
	struct host_rec h;
	struct pool_rec p;
	int changed = 0;

	if (pool_eject_load(f, pool, rpc_param_string(params, "host"), &h,
	    &p, err) == -1)
		return -1;
	if (no_resident_vms(f, h.id, "HOST_HAS_RESIDENT_VMS", err) == -1 ||
	    pool_leave(f, &h, "Pool.eject", &changed, err) == -1)
		return -1;
	log_info("host %s ejected from pool %s", h.id, pool);
	*result = json_object_new_object();
	json_object_object_add(*result, "pool_level_changed",
	    json_object_new_boolean(changed));
	return 0;
}

static void
add_fs(struct json_object *o, const char *key, const struct featureset *fs)
{
	char buf[FS_STRING_MAX];

	fs_format(fs, buf);
	json_object_object_add(o, key, json_object_new_string(buf));
}

static void
add_count(struct json_object *o, const char *key, long long n)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", n);
	json_object_object_add(o, key, json_object_new_string(buf));
}

/* The x86-64 psABI level a set reaches, "" for none (levels.h). */
static void
add_level(struct json_object *o, const char *key, const struct featureset *fs)
{
	const char *name = x86_level_name(x86_level_of(fs));

	json_object_object_add(o, key, json_object_new_string(name ? name :
	    ""));
}

static int
add_member(const struct host_rec *h, void *arg)
{
	json_object_array_add(arg, json_object_new_string(h->id));
	return 0;
}

int
pool_get_cpu_info(void *arg, struct json_object *params,
    struct json_object **result, struct rpc_error *err)
{
	struct featured *f = arg;
	struct json_object *members;
	struct pool_rec p;

	if (pool_load(f, rpc_param_string(params, "pool"), &p, err) == -1)
		return -1;
	*result = json_object_new_object();
	json_object_object_add(*result, CI_VENDOR,
	    json_object_new_string(p.vendor));
	add_count(*result, CI_CPU_COUNT, p.cpu_count);
	add_count(*result, CI_SOCKET_COUNT, p.socket_count);
	add_fs(*result, CI_FEATURES_PV_HOST, &p.pv_host);
	add_fs(*result, CI_FEATURES_HVM_HOST, &p.hvm_host);
	add_fs(*result, CI_FEATURES_PV, &p.pv);
	add_fs(*result, CI_FEATURES_HVM, &p.hvm);
	/* Of the pool level: what a VM starting in the pool gets. */
	add_level(*result, "x86_64_level_pv", &p.pv_host);
	add_level(*result, "x86_64_level_hvm", &p.hvm_host);
	/* Its hosts, in id order: cpulevel pool show prints them. */
	members = json_object_new_array();
	json_object_object_add(*result, "members", members);
	if (store_pool_members(f, p.id, add_member, members) == -1) {
		json_object_put(*result);
		*result = NULL;
		return store_error(f, err);
	}
	return 0;
}

int
pool_get_level_history(void *arg, struct json_object *params,
    struct json_object **result, struct rpc_error *err)
{
	struct featured *f = arg;
	long long limit = rpc_param_int(params, "limit", 100);

	if (limit < 1 || limit > 1000) {
		rpc_error_param(err, "limit", "must be 1 to 1000");
		return -1;
	}
	*result = json_object_new_array();
	/* The dispatcher drops the part of the list already read. */
	if (store_history_list(f, rpc_param_string(params, "pool"),
	    (int)limit, *result) == -1)
		return store_error(f, err);
	return 0;
}
