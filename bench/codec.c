/*
 * The codec floor, shared by bench_migcheck (as a server) and
 * bench_dispatch (in-process, for bench/instructions): see codec.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"

/* The ids qsort() compares, as it takes no argument for them. */
static const char	(*sort_ids)[UUID_LEN + 1];

static int
cmp_by_id(const void *a, const void *b)
{
	return strcmp(sort_ids[*(const size_t *)a],
	    sort_ids[*(const size_t *)b]);
}

static size_t *
order_by_id(const char (*ids)[UUID_LEN + 1], size_t n)
{
	size_t *order = xcalloc(n, sizeof(*order)), i;

	for (i = 0; i < n; i++)
		order[i] = i;
	sort_ids = ids;
	qsort(order, n, sizeof(*order), cmp_by_id);
	return order;
}

/* The index of id, or n when there is none. */
static size_t
find_id(const char (*ids)[UUID_LEN + 1], const size_t *order, size_t n,
    const char *id)
{
	size_t lo = 0, hi = n, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = strcmp(id, ids[order[mid]])) == 0)
			return order[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return n;
}

int
codec_assert_can_migrate(void *arg, struct json_object *params,
    struct json_object **result, struct rpc_error *err)
{
	const struct codec *c = arg;
	const struct world *w = c->w;
	const char *vid = rpc_param_string(params, "vm");
	const char *hid = rpc_param_string(params, "host");
	struct compat_verdict v;
	struct compat_host ch;
	struct compat_vm cv;
	size_t vm, host;
	int pv, vv, hv;

	(void)result;
	if ((vm = find_id(w->vm_id, c->vm_order, w->nvms, vid)) == w->nvms) {
		rpc_error_api(err, "HANDLE_INVALID", 2, "VM", vid);
		return -1;
	}
	if ((host = find_id(w->host_id, c->host_order, w->nhosts, hid)) ==
	    w->nhosts) {
		rpc_error_api(err, "HANDLE_INVALID", 2, "host", hid);
		return -1;
	}
	pv = w->vm_pv[vm];
	vv = host_vendor(w->vm_host[vm]);
	hv = host_vendor(host);
	cv.power = POWER_RUNNING;
	cv.domain = pv ? DOMAIN_PV : DOMAIN_HVM;
	cv.vendor = vendors[vv].vendor;
	cv.features = &c->sets[vv][set_index(w->vm_full[vm], pv)];
	ch.vendor = vendors[hv].vendor;
	ch.hvm_capable = 1;
	ch.pv = ch.hvm = &c->sets[hv][set_index(!w->host_old[host], pv)];
	compat_judge(&cv, &ch, &v);
	return compat_error(&v, vid, hid, err);
}

static const struct rpc_param codec_vm_host[] = {
	{ "vm", P_ID, 1 }, { "host", P_ID, 1 }, { NULL, 0, 0 } };

const struct rpc_method codec_methods[] = {
	{ "VM.assert_can_migrate", RPC_READS, codec_assert_can_migrate,
	    codec_vm_host },
	{ "Service.version", RPC_READS, rpc_service_version, rpc_no_params },
	{ NULL, 0, NULL, NULL }
};

int
codec_init(struct codec *c, const struct world *w, char *err, size_t errlen)
{
	int vend, set;

	c->w = w;
	c->vm_order = order_by_id(w->vm_id, w->nvms);
	c->host_order = order_by_id(w->host_id, w->nhosts);
	for (vend = 0; vend < NVENDORS; vend++)
		for (set = 0; set < NSETS; set++)
			if (fs_parse(set_text[vend][set], &c->sets[vend][set],
			    err, errlen) == -1)
				return -1;
	return 0;
}
