/*
 * The rules of levelling that both daemons apply, each in one place: may
 * this VM run on this host (compat_judge), and how a pool level is made
 * of its members' sets (level_merge).  Neither daemon keeps rule logic of
 * its own: featured's VM.start/migrate/resume/import and every migcheck
 * method describe the VM and the host and ask compat_judge.
 */
#ifndef CPULEVEL_COMPAT_H
#define CPULEVEL_COMPAT_H

#include "featureset.h"
#include "vmtypes.h"

struct rpc_error;

/* xapi's reasons for VM_INCOMPATIBLE_WITH_THIS_HOST, byte-exact. */
#define COMPAT_REASON_VENDOR \
	"VM last booted on a host which had a CPU from a different vendor."
#define COMPAT_REASON_FEATURES \
	"VM last booted on a CPU with features this host's CPU does not have."
#define COMPAT_REASON_NO_KEYS \
	"Host does not have new leveling feature keys - not comparing VM's flags"
/* XenAPI's text for VM_HVM_REQUIRED. */
#define COMPAT_REASON_HVM	"HVM is required for this operation."

enum compat_code {
	COMPAT_OK,
	COMPAT_VENDOR,		/* reason 1 */
	COMPAT_FEATURES,	/* reason 2 */
	COMPAT_NO_KEYS,		/* reason 3 */
	COMPAT_HVM_REQUIRED	/* VM_HVM_REQUIRED */
};

/* A VM as the rule sees it: its state and its last_boot_CPU_flags. */
struct compat_vm {
	enum power_state	 power;
	enum domain_type	 domain;
	const char		*vendor;	/* NULL: the flags have none */
	const struct featureset	*features;	/* NULL: the flags have none */
};

/* A host as the rule sees it: what its cpu_info offers arriving VMs. */
struct compat_host {
	const char		*vendor;	/* NULL: cpu_info has none */
	int			 hvm_capable;
	const struct featureset	*pv, *hvm;	/* max sets; NULL: no key */
};

struct compat_verdict {
	enum compat_code	code;
	/*
	 * The VM's features the host lacks, whatever decided the verdict:
	 * what a restart on that host would cost the VM.  Empty for a
	 * halted VM and where either set is unknown.
	 */
	struct featureset	missing;
};

/*
 * xapi's order: a halted VM is always compatible; then the host is looked
 * up (no vendor, or no max set of the VM's kind: reason 3, whatever the
 * VM carries); then the vendor, where the VM's flags name one (reason 1);
 * then the features, where they carry some (reason 2, by fs_compatible);
 * and only then whether the host runs HVM guests at all.
 */
void		 compat_judge(const struct compat_vm *vm,
		    const struct compat_host *host, struct compat_verdict *out);
/*
 * Before a start, when the VM has no flags to compare yet: can the host
 * run the VM's kind at all (VM_HVM_REQUIRED)?  The set the start gives
 * is then judged by compat_judge() like any arrival.
 */
void		 compat_judge_boot(const struct compat_vm *vm,
		    const struct compat_host *host, struct compat_verdict *out);
const char	*compat_reason(enum compat_code code);
/*
 * The XenAPI error a refusal is: VM_INCOMPATIBLE_WITH_THIS_HOST [vm, host,
 * reason], or VM_HVM_REQUIRED [vm].  0 (err untouched) for COMPAT_OK,
 * else -1.
 */
int		 compat_error(const struct compat_verdict *v, const char *vm,
		    const char *host, struct rpc_error *err);

/*
 * The set a running or suspended VM arriving from elsewhere (VM.import)
 * lands with, from the features it carries (NULL: none) and the landing
 * host's max set of its kind.  Returns 1 when it inherited from the host
 * ("legacy": no more mobile than that host until it next starts), else 0.
 */
int		 compat_import_set(const struct featureset *carried,
		    const struct featureset *host_max, struct featureset *out);

/*
 * The set a member contributes to the pool level of a kind: its default
 * set (NULL: no such key), or, for a host from an older toolstack
 * without *_host keys, its max set.  NULL: neither.
 */
const struct featureset *level_member_set(const struct featureset *dflt,
		    const struct featureset *max);

/*
 * The featuresets of a cpu_info, a host's or a pool's (Pool.get_cpu_info:
 * its *_host sets are the pool level); NULL: no such key.
 */
struct compat_sets {
	const struct featureset	*pv, *hvm;		/* max */
	const struct featureset	*pv_host, *hvm_host;	/* default */
};

/* A host's level_member_set() of kind dt: its default set, else its max. */
const struct featureset *compat_member_set(enum domain_type dt,
		    const struct compat_sets *host);

/*
 * The set VM.start gives a VM of kind dt that names none (featured's
 * vm_level; the CLI names what a refused start lacks by it too): the
 * level of the kind of the host's pool, or, for a standalone host (pool
 * NULL), the host's own default set of the kind (level_member_set()).
 * NULL when there is none: a missing set, or an empty one, as is the
 * level of a pool none of whose members has a set of the kind
 * (HOST_MISSING_CPU_INFO [host, domain_default_key(dt)]).
 */
const struct featureset *compat_start_set(enum domain_type dt,
		    const struct compat_sets *pool,
		    const struct compat_sets *host);

/*
 * Fold one member's default set into a pool level, as xapi's
 * create_pool_cpuinfo does: an empty set on either side is the identity
 * (a member that reported nothing does not level the pool to nothing),
 * otherwise Xen's combine (combine.h).  Start from an empty level.
 */
void		 level_merge(struct featureset *level,
		    const struct featureset *member);

#endif
