/*
 * Host.assert_vm_is_compatible: the same rule, stateless, for cross-pool
 * migration, where the destination belongs to another pool and is known
 * only by the cpu_info its pool reports.
 */
#include <stdio.h>
#include <string.h>

#include <json.h>

#include "migcheck.h"
#include "strlcpy.h"

/* xapi names absent objects so on import; we do likewise. */
#define NULL_REF	"OpaqueRef:NULL"

static void
flags_into_vm(struct json_object *flags, struct vm_rec *vm)
{
	struct json_object *v;
	char why[8];

	if (json_object_object_get_ex(flags, "vendor", &v)) {
		vm->has_vendor = 1;
		strlcpy(vm->vendor, json_object_get_string(v),
		    sizeof(vm->vendor));
	}
	/* The dispatcher checked that features parses. */
	if (json_object_object_get_ex(flags, "features", &v))
		vm->features.present = fs_parse(json_object_get_string(v),
		    &vm->features.fs, why, sizeof(why)) == 0;
}

/*
 * The host as compat_judge() sees it, its sets kept in h.  Unlike a
 * row, a cpu_info may lack a vendor: the rule then has none to compare.
 */
static void
cpu_info_into_host(const struct cpuinfo *ci, struct host_rec *h,
    struct compat_host *ch)
{
	char why[8];
	const char *vendor = cpuinfo_get(ci, CI_VENDOR);

	strlcpy(h->vendor, vendor ? vendor : "", sizeof(h->vendor));
	/* cpu_info does not say; its features_hvm key does the talking. */
	h->hvm_capable = 1;
	h->pv.present = cpuinfo_get_fs(ci, CI_FEATURES_PV, &h->pv.fs, why,
	    sizeof(why)) == 0;
	h->hvm.present = cpuinfo_get_fs(ci, CI_FEATURES_HVM, &h->hvm.fs, why,
	    sizeof(why)) == 0;
	rec_host_compat(h, ch);
	if (vendor == NULL)
		ch->vendor = NULL;
}

int
host_assert_vm_is_compatible(void *arg, struct json_object *params,
    struct json_object **result, struct rpc_error *err)
{
	const char *vid = rpc_param_string(params, "vm");
	const char *hid = rpc_param_string(params, "host");
	struct compat_verdict v;
	struct compat_host ch;
	struct compat_vm cv;
	struct host_rec h;
	struct vm_rec vm;
	struct cpuinfo ci;
	char why[128];

	(void)arg;
	(void)result;
	memset(&vm, 0, sizeof(vm));
	memset(&h, 0, sizeof(h));
	vm.domain_type = rpc_param_domain_type(params, "domain_type",
	    DOMAIN_HVM);
	vm.power_state = rpc_param_power_state(params, "power_state",
	    POWER_RUNNING);
	flags_into_vm(rpc_param_object(params, "vm_cpu_flags"), &vm);
	if (cpuinfo_from_json(&ci, rpc_param_object(params, "host_cpu_info"),
	    why, sizeof(why)) == -1) {
		rpc_error_param(err, "host_cpu_info", "%s", why);
		return -1;
	}
	cpu_info_into_host(&ci, &h, &ch);
	cpuinfo_free(&ci);
	rec_vm_compat(&vm, &cv);
	compat_judge(&cv, &ch, &v);
	return compat_error(&v, vid ? vid : NULL_REF, hid ? hid : NULL_REF, err);
}
