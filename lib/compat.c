/*
 * The levelling rules of compat.h.  The order of the checks in
 * compat_judge() is xapi's (xen-api ocaml/xapi/cpuid_helpers.ml,
 * assert_vm_is_compatible), and it decides which reason an operator
 * reads; proto/README.md lists where the answer deliberately differs.
 */
#include <string.h>

#include "combine.h"
#include "compat.h"
#include "rpc.h"

void
compat_judge(const struct compat_vm *vm, const struct compat_host *host,
    struct compat_verdict *out)
{
	const struct featureset *max = domain_is_hvm(vm->domain) ?
	    host->hvm : host->pv;
	int fits = 1;

	fs_clear(&out->missing);
	out->code = COMPAT_OK;
	if (vm->power == POWER_HALTED)
		return;
	if (vm->features && max)
		fits = fs_compatible(vm->features, max, &out->missing);
	if (host->vendor == NULL || max == NULL)
		out->code = COMPAT_NO_KEYS;
	else if (vm->vendor && strcmp(vm->vendor, host->vendor) != 0)
		out->code = COMPAT_VENDOR;
	else if (!fits)
		out->code = COMPAT_FEATURES;
	else if (domain_is_hvm(vm->domain) && !host->hvm_capable)
		out->code = COMPAT_HVM_REQUIRED;
}

void
compat_judge_boot(const struct compat_vm *vm, const struct compat_host *host,
    struct compat_verdict *out)
{
	fs_clear(&out->missing);
	out->code = domain_is_hvm(vm->domain) && !host->hvm_capable ?
	    COMPAT_HVM_REQUIRED : COMPAT_OK;
}

const char *
compat_reason(enum compat_code code)
{
	static const char *const reasons[] = {
		[COMPAT_OK] = "",
		[COMPAT_VENDOR] = COMPAT_REASON_VENDOR,
		[COMPAT_FEATURES] = COMPAT_REASON_FEATURES,
		[COMPAT_NO_KEYS] = COMPAT_REASON_NO_KEYS,
		[COMPAT_HVM_REQUIRED] = COMPAT_REASON_HVM,
	};

	return (size_t)code < sizeof(reasons) / sizeof(reasons[0]) ?
	    reasons[code] : "";
}

int
compat_error(const struct compat_verdict *v, const char *vm,
    const char *host, struct rpc_error *err)
{
	switch (v->code) {
	case COMPAT_OK:
		return 0;
	case COMPAT_HVM_REQUIRED:
		rpc_error_api(err, "VM_HVM_REQUIRED", 1, vm);
		return -1;
	default:
		rpc_error_api(err, "VM_INCOMPATIBLE_WITH_THIS_HOST", 3, vm,
		    host, compat_reason(v->code));
		return -1;
	}
}

/*
 * xapi HEAD stores the flags as they come and zero-extends them; cpulevel
 * keeps the older rule for sets from an older toolstack (a deliberate
 * difference, proto/README.md).  One of 4 words or fewer is the
 * pre-Dundee format, whose words the VM keeps and the rest of which it
 * inherits from the landing host's max set; a missing one is the host's
 * whole set.  A set of 5 words or more is levelling v2: kept as it is,
 * words it lacks are absent features (compat_judge zero-extends it).  The
 * old 4-word format had leaf 1 ECX before EDX and likewise for the
 * extended leaf: each pair is swapped into Xen's order first.
 */
#define LEGACY_MAX_WORDS	4

int
compat_import_set(const struct featureset *carried,
    const struct featureset *host_max, struct featureset *out)
{
	struct featureset vm;
	size_t i;

	if (carried == NULL) {
		*out = *host_max;
		return 1;
	}
	if (carried->len > LEGACY_MAX_WORDS) {
		*out = *carried;
		return 0;
	}
	vm = *carried;
	if (vm.len == 4) {
		vm.w[0] = carried->w[1];
		vm.w[1] = carried->w[0];
		vm.w[2] = carried->w[3];
		vm.w[3] = carried->w[2];
	}
	for (i = vm.len; i < host_max->len; i++)
		vm.w[i] = host_max->w[i];
	if (vm.len < host_max->len)
		vm.len = host_max->len;
	*out = vm;
	return 1;
}

/*
 * xapi leaves a host without *_host keys out of the level altogether,
 * which would give VMs features it lacks: its max set stands in (a
 * deliberate difference, proto/README.md).
 */
const struct featureset *
level_member_set(const struct featureset *dflt, const struct featureset *max)
{
	return dflt ? dflt : max;
}

const struct featureset *
compat_member_set(enum domain_type dt, const struct compat_sets *host)
{
	int hvm = domain_is_hvm(dt);

	return level_member_set(hvm ? host->hvm_host : host->pv_host,
	    hvm ? host->hvm : host->pv);
}

const struct featureset *
compat_start_set(enum domain_type dt, const struct compat_sets *pool,
    const struct compat_sets *host)
{
	const struct featureset *set;

	if (pool != NULL)
		set = domain_is_hvm(dt) ? pool->hvm_host : pool->pv_host;
	else
		set = compat_member_set(dt, host);
	return set != NULL && set->len > 0 ? set : NULL;
}

void
level_merge(struct featureset *level, const struct featureset *member)
{
	if (member->len == 0)
		return;
	if (level->len == 0) {
		*level = *member;
		return;
	}
	fs_combine(member, level, level);
}
