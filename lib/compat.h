/*
 * The rules of levelling that both daemons apply: which featureset of a
 * host a VM of a given kind is measured against, whether a VM may run on
 * a host, and how a pool level is folded from its members.
 */
#ifndef CPULEVEL_COMPAT_H
#define CPULEVEL_COMPAT_H

#include "featureset.h"

/* xapi's reasons for VM_INCOMPATIBLE_WITH_THIS_HOST, byte-exact. */
#define COMPAT_REASON_VENDOR \
	"VM last booted on a host which had a CPU from a different vendor."
#define COMPAT_REASON_FEATURES \
	"VM last booted on a CPU with features this host's CPU does not have."
#define COMPAT_REASON_NO_KEYS \
	"Host does not have new leveling feature keys - not comparing VM's flags"

enum compat_verdict {
	COMPAT_OK,
	COMPAT_VENDOR,
	COMPAT_FEATURES,
	COMPAT_NO_KEYS,
	COMPAT_HVM_REQUIRED	/* not xapi's rule: see compat_check_host() */
};

/* XenAPI's text for VM_HVM_REQUIRED. */
#define COMPAT_REASON_HVM	"HVM is required for this operation."

/* pv is its own kind; hvm, pvh and pv_in_pvh all run in HVM containers. */
int		 domain_is_hvm(const char *domain_type);
/* cpu_info keys of the kind: max (migration) and default (level) sets. */
const char	*domain_max_key(const char *domain_type);
const char	*domain_default_key(const char *domain_type);

/*
 * May a VM with these flags run on a host with this vendor and max set of
 * the VM's kind?  vm_vendor/vm_features NULL: the VM has none (not
 * compared).  host_max NULL: the host lacks the key.  missing, if not
 * NULL, receives the VM's features the host lacks.
 */
enum compat_verdict compat_check(const char *power_state,
		    const char *vm_vendor, const struct featureset *vm_features,
		    const char *host_vendor, const struct featureset *host_max,
		    struct featureset *missing);
/*
 * compat_check(), after the question xapi asks before it: can the host
 * run the VM's kind at all?  A host registered with hvm_capable=false runs
 * no HVM-container guest, whatever its featuresets say.
 */
enum compat_verdict compat_check_host(const char *power_state,
		    const char *domain_type, int host_hvm_capable,
		    const char *vm_vendor, const struct featureset *vm_features,
		    const char *host_vendor, const struct featureset *host_max,
		    struct featureset *missing);
const char	*compat_reason(enum compat_verdict v);

/*
 * Fold one member's set into a pool level (start from an empty acc):
 * intersection, except for bits Xen marks to be accumulated, which are
 * the union.
 */
void		 level_fold(struct featureset *acc, const struct featureset *member,
		    struct featureset *accumulated);
void		 level_finish(struct featureset *acc,
		    const struct featureset *accumulated);

#endif
