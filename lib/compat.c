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
