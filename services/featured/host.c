/* Host.* methods: hosts reporting their featuresets, and forgetting them. */
#include <stddef.h>
#include <string.h>

#include "featured.h"
#include "jsonutil.h"
#include "log.h"
#include "strlcpy.h"

/*
 * The featureset keys and the counts of cpu_info parsed into the host
 * record: once, here, so that no read parses the stored cpu_info again.
 */
void
host_from_cpu_info(struct host_rec *h, const struct cpuinfo *ci)
{
	static const struct {
		const char	*key;
		size_t		 offset;
	} keys[] = {
		{ CI_FEATURES_PV,	offsetof(struct host_rec, pv) },
		{ CI_FEATURES_HVM,	offsetof(struct host_rec, hvm) },
		{ CI_FEATURES_PV_HOST,	offsetof(struct host_rec, pv_host) },
		{ CI_FEATURES_HVM_HOST,	offsetof(struct host_rec, hvm_host) },
	};
	struct optfs *o;
	char why[8];
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		o = (struct optfs *)((char *)h + keys[i].offset);
		/* The dispatcher checked every features* value parses. */
		o->present = cpuinfo_get_fs(ci, keys[i].key, &o->fs, why,
		    sizeof(why)) == 0;
	}
	h->cpu_count = cpuinfo_get_count(ci, CI_CPU_COUNT);
	h->socket_count = cpuinfo_get_count(ci, CI_SOCKET_COUNT);
}

/* A set the levels are folded from: the max and default ones. */
static int
is_levelling_key(const char *k)
{
	return strcmp(k, CI_FEATURES_PV) == 0 ||
	    strcmp(k, CI_FEATURES_HVM) == 0 ||
	    strcmp(k, CI_FEATURES_PV_HOST) == 0 ||
	    strcmp(k, CI_FEATURES_HVM_HOST) == 0;
}

/*
 * Which of the host's featuresets lost bits since its last boot: a
 * microcode or firmware update can take features away (TSX), and the
 * operator should hear about it by name.  A set that is gone altogether
 * (a Xen now built without HVM, say) lost all it had: it counts as "".
 */
struct json_object *
host_lost_sets(const struct cpuinfo *old, const struct cpuinfo *new)
{
	struct json_object *sets = NULL;
	struct featureset a, b, d;
	char why[8];
	size_t i;

	for (i = 0; i < old->n; i++) {
		const char *k = old->kv[i].key;

		if (strncmp(k, "features", 8) != 0 ||
		    cpuinfo_get_fs(old, k, &a, why, sizeof(why)) != 0)
			continue;
		/* Of the sets that vanish, only the levelling ones matter:
		 * a raw or host set left out of a cpu_info lost nothing. */
		if (cpuinfo_get_fs(new, k, &b, why, sizeof(why)) != 0) {
			if (!is_levelling_key(k))
				continue;
			fs_clear(&b);
		}
		fs_diff(&a, &b, &d);
		if (fs_is_zero(&d))
			continue;
		if (sets == NULL)
			sets = json_object_new_object();
		json_object_object_add(sets, k, events_set_change(&a, &b));
	}
	return sets;
}

void
host_report_lost(struct featured *f, const struct host_rec *h,
    struct json_object *sets)
{
	struct json_object *p = json_object_new_object();

	log_info("host %s lost features since its last boot: %s", h->id,
	    json_compact(sets));
	json_object_object_add(p, "host", json_object_new_string(h->id));
	json_object_object_add(p, "pool", h->pool[0] ?
	    json_object_new_string(h->pool) : NULL);
	json_object_object_add(p, "sets", sets);
	events_queue(f, "host.features_lost", "Host.features_lost", p);
}

/*
 * One exit: ci (this boot's cpu_info) and lost (the sets the host no
 * longer has, until the event takes them) are released at out: only.
 */
int
host_boot(void *arg, struct json_object *params, struct json_object **result,
    struct rpc_error *err)
{
	struct featured *f = arg;
	struct json_object *cij = rpc_param_object(params, "cpu_info");
	struct cpuinfo ci, old;
	struct host_rec h;
	struct json_object *lost = NULL;
	const char *id = rpc_param_string(params, "host"), *vendor;
	char why[128];
	int found, other, changed = 0, ret = -1;

	memset(&ci, 0, sizeof(ci));
	if (cpuinfo_from_json(&ci, cij, why, sizeof(why)) == -1) {
		rpc_error_param(err, "cpu_info", "%s", why);
		goto out;
	}
	/* The dispatcher bounded its length. */
	if ((vendor = cpuinfo_get(&ci, CI_VENDOR)) == NULL || *vendor == '\0') {
		rpc_error_param(err, "cpu_info", "needs a non-empty 'vendor'");
		goto out;
	}
	if ((found = host_load_or_new(f, id, &h, &old, err)) == -1)
		goto out;
	if (found) {
		lost = host_lost_sets(&old, &ci);
		cpuinfo_free(&old);
	}
	/*
	 * A boot is a fact: what the host now has is recorded, whatever it
	 * does to its pool (refusing would leave the old CPU's record in
	 * use).  A member that comes back with another vendor's CPU makes
	 * the pool mixed, as a forced join would; the operator hears of it.
	 */
	if (found && h.pool[0] && strcmp(h.vendor, vendor) != 0) {
		if ((other = pool_other_vendor(f, h.pool, h.id, vendor)) == -1) {
			store_error(f, err);
			goto out;
		}
		if (other) {
			char ev[LOG_ESC_SIZE(CPUINFO_MAX_VENDOR)];

			log_warnx("host %s of pool %s now has a %s CPU, unlike "
			    "other members: the pool mixes vendors", id,
			    h.pool, log_esc(vendor, ev, sizeof(ev)));
		}
	}
	strlcpy(h.vendor, vendor, sizeof(h.vendor));
	h.hvm_capable = rpc_param_bool(params, "hvm_capable", 1);
	host_from_cpu_info(&h, &ci);
	if (store_host_put(f, &h, json_compact(cij)) == -1) {
		store_error(f, err);
		goto out;
	}
	if (lost) {
		host_report_lost(f, &h, lost);	/* the event owns it now */
		lost = NULL;
	}
	if (h.pool[0] && pool_recalc(f, h.pool, "Host.boot", h.id, &changed,
	    err) == -1)
		goto out;
	log_info("host %s booted (%s)%s%s", id, found ? "known" : "new",
	    h.pool[0] ? ", pool " : ", standalone", h.pool);
	*result = json_object_new_object();
	json_object_object_add(*result, "pool", h.pool[0] ?
	    json_object_new_string(h.pool) : NULL);
	json_object_object_add(*result, "pool_level_changed",
	    json_object_new_boolean(changed));
	ret = 0;
out:
	cpuinfo_free(&ci);
	json_object_put(lost);
	return ret;
}

int
host_get_cpu_info(void *arg, struct json_object *params,
    struct json_object **result, struct rpc_error *err)
{
	struct featured *f = arg;
	const char *id = rpc_param_string(params, "host");
	struct cpuinfo ci;

	if (lookup_found(f, store_host_cpu_info(f, id, &ci), "host", id,
	    err) == -1)
		return -1;
	*result = cpuinfo_to_json(&ci);
	cpuinfo_free(&ci);
	return 0;
}

int
host_destroy(void *arg, struct json_object *params,
    struct json_object **result, struct rpc_error *err)
{
	struct featured *f = arg;
	struct host_rec h;
	int changed;

	(void)result;
	if (host_load(f, rpc_param_string(params, "host"), &h, err) == -1)
		return -1;
	if (no_resident_vms(f, h.id, "HOST_HAS_RESIDENT_VMS", err) == -1)
		return -1;
	if (h.pool[0] && pool_leave(f, &h, "Host.destroy", &changed,
	    err) == -1)
		return -1;
	if (store_host_delete(f, h.id) == -1)
		return store_error(f, err);
	log_info("host %s destroyed", h.id);
	return 0;
}
