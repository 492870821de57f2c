#include <string.h>

#include "compat.h"
#include "cpuinfo.h"
#include "featurenames.h"

int
domain_is_hvm(const char *domain_type)
{
	return strcmp(domain_type, "pv") != 0;
}

const char *
domain_max_key(const char *domain_type)
{
	return domain_is_hvm(domain_type) ? CI_FEATURES_HVM : CI_FEATURES_PV;
}

const char *
domain_default_key(const char *domain_type)
{
	return domain_is_hvm(domain_type) ? CI_FEATURES_HVM_HOST :
	    CI_FEATURES_PV_HOST;
}

/*
 * Bits marked '|' in Xen's header (MD_CLEAR and friends in newer Xen) say
 * "a guest may be told this although some host lacks it": they are
 * accumulated across a pool and never make a migration unsafe.
 */
static const struct featureset *
accumulate_mask(void)
{
	static struct featureset mask;
	static int done;
	size_t i;

	if (!done) {
		fs_clear(&mask);
		for (i = 0; i < feature_table_len; i++) {
			unsigned int b = feature_table[i].index;

			if (!(feature_table[i].flags & FEAT_ACCUMULATE) ||
			    b / 32 >= FS_MAX_WORDS)
				continue;
			mask.w[b / 32] |= 1u << (b % 32);
			if (mask.len < b / 32 + 1)
				mask.len = b / 32 + 1;
		}
		done = 1;
	}
	return &mask;
}

enum compat_verdict
compat_check(const char *power_state, const char *vm_vendor,
    const struct featureset *vm_features, const char *host_vendor,
    const struct featureset *host_max, struct featureset *missing)
{
	struct featureset vm, lack;

	fs_clear(&lack);
	if (strcmp(power_state, "halted") == 0) {
		/* A halted VM uses no features: nothing stands in its way. */
		if (missing)
			*missing = lack;
		return COMPAT_OK;
	}
	/*
	 * What the host lacks is worth naming even when the vendor decides:
	 * it is what a restart on that host would cost the VM.  An empty
	 * set stays empty: xapi's is_subset([], h) is false.  An empty host
	 * set lacks nothing: to xapi it constrains nothing (is_subset(v, [])
	 * is true), and the names must agree with the verdict.
	 */
	if (vm_features) {
		vm = *vm_features;
		if (vm.len > 0)
			fs_diff(vm_features, accumulate_mask(), &vm);
		if (host_max && host_max->len > 0)
			fs_diff(&vm, host_max, &lack);
	}
	if (missing)
		*missing = lack;
	if (vm_vendor && (host_vendor == NULL ||
	    strcmp(vm_vendor, host_vendor) != 0))
		return COMPAT_VENDOR;
	if (vm_features == NULL)
		return COMPAT_OK;
	if (host_max == NULL)
		return COMPAT_NO_KEYS;
	return fs_is_subset(&vm, host_max) ? COMPAT_OK : COMPAT_FEATURES;
}

enum compat_verdict
compat_check_host(const char *power_state, const char *domain_type,
    int host_hvm_capable, const char *vm_vendor,
    const struct featureset *vm_features, const char *host_vendor,
    const struct featureset *host_max, struct featureset *missing)
{
	enum compat_verdict v;

	v = compat_check(power_state, vm_vendor, vm_features, host_vendor,
	    host_max, missing);
	if (strcmp(power_state, "halted") != 0 && domain_is_hvm(domain_type) &&
	    !host_hvm_capable)
		return COMPAT_HVM_REQUIRED;
	return v;
}

const char *
compat_reason(enum compat_verdict v)
{
	static const char *const reasons[] = {
		[COMPAT_OK] = "",
		[COMPAT_VENDOR] = COMPAT_REASON_VENDOR,
		[COMPAT_FEATURES] = COMPAT_REASON_FEATURES,
		[COMPAT_NO_KEYS] = COMPAT_REASON_NO_KEYS,
		[COMPAT_HVM_REQUIRED] = COMPAT_REASON_HVM,
	};

	return reasons[v];
}

void
level_fold(struct featureset *acc, const struct featureset *member,
    struct featureset *accumulated)
{
	fs_intersect(acc, member, acc);
	fs_union(accumulated, member, accumulated);
}

void
level_finish(struct featureset *acc, const struct featureset *accumulated)
{
	struct featureset extra;
	const struct featureset *mask = accumulate_mask();
	size_t i;

	fs_clear(&extra);
	extra.len = acc->len;
	for (i = 0; i < extra.len; i++)
		extra.w[i] = fs_word(accumulated, i) & fs_word(mask, i);
	if (!fs_is_zero(&extra))
		fs_union(acc, &extra, acc);
}
