/*
 * What every handler reads before it acts: a host, a pool or a VM looked
 * up by the id a client named, refused as XenAPI refuses an unknown one
 * (HANDLE_INVALID), and what a host record gives the levelling and the
 * migration rules.  It calls only store.c, so that the files of objects
 * (host.c, pool.c, vm.c) can all call it and none need call another
 * for it.
 */
#include <string.h>

#include "compat.h"
#include "featured.h"
#include "strlcpy.h"

int
store_error(struct featured *f, struct rpc_error *err)
{
	rpc_error_internal(err, f->dberr);
	return -1;
}

int
lookup_found(struct featured *f, int found, const char *class,
    const char *id, struct rpc_error *err)
{
	switch (found) {
	case 1:
		return 0;
	case 0:
		rpc_error_api(err, "HANDLE_INVALID", 2, class, id);
		return -1;
	default:
		return store_error(f, err);
	}
}

int
host_load(struct featured *f, const char *id, struct host_rec *h,
    struct rpc_error *err)
{
	return lookup_found(f, store_host_get(f, id, h), "host", id, err);
}

/*
 * Host.boot and Host.observe record a host whether or not it is known:
 * its record and stored cpu_info (in *old, which the caller frees) when
 * it is (1), or a new record with only its id (0); -1 with err.
 */
int
host_load_or_new(struct featured *f, const char *id, struct host_rec *h,
    struct cpuinfo *old, struct rpc_error *err)
{
	int found;

	if ((found = store_host_get(f, id, h)) == -1 ||
	    (found && store_host_cpu_info(f, id, old) == -1))
		return store_error(f, err);
	if (!found) {
		memset(h, 0, sizeof(*h));
		strlcpy(h->id, id, sizeof(h->id));
	}
	return found;
}

int
pool_load(struct featured *f, const char *id, struct pool_rec *p,
    struct rpc_error *err)
{
	return lookup_found(f, store_pool_get(f, id, p), "pool", id, err);
}

int
vm_load(struct featured *f, const char *id, struct vm_rec *vm,
    struct rpc_error *err)
{
	return lookup_found(f, store_vm_get(f, id, vm), "VM", id, err);
}

const struct optfs *
host_max_set(const struct host_rec *h, enum domain_type dt)
{
	return domain_is_hvm(dt) ? &h->hvm : &h->pv;
}

/* What the host gives a new VM of the kind: compat_member_set()'s rule. */
const struct featureset *
host_default_set(const struct host_rec *h, enum domain_type dt)
{
	struct compat_sets s;

	rec_host_sets(h, &s);
	return compat_member_set(dt, &s);
}

