/*
 * Xen's featureset algebra, as XenServer's libxenguest patch defines it
 * and xenopsd calls it (HOST.combine_cpu_policies, policy_is_compatible):
 *
 *   xc_combine_cpu_featuresets(p1, p2, out, len)
 *   xc_cpu_featuresets_are_compatible(vm, host, len, err[128])
 *
 * xenopsd zero-extends both operands to the longer length before either
 * call; so do these.  Where the running libxenguest exports the two
 * functions (XCP-ng 8.3, XenServer 8), combine_lookup() finds them and
 * they give the answer, so that it is the platform's own; elsewhere the
 * project's implementation of the same semantics does.
 */
#ifndef CPULEVEL_COMBINE_H
#define CPULEVEL_COMBINE_H

#include "featureset.h"

/*
 * The pool level of two default sets: AND, with the bits Xen's header
 * marks '|' OR-ed; then every feature whose prerequisite is absent is
 * cleared (Xen's deep dependencies); then RSBA/RRSBA: when ARCH_CAPS is
 * in the result and either input had RSBA or RRSBA, the result has RRSBA
 * if it has EIBRS, else RSBA.  The result has the longer length.
 */
void	 fs_combine(const struct featureset *a, const struct featureset *b,
	    struct featureset *out);
/*
 * May a VM with set vm run on a host offering host?  Every bit of vm must
 * be in host, both zero-extended to the longer length: bits past the
 * host's words are missing.  1 yes, 0 no.  missing (may be NULL) gets
 * every bit of vm that host lacks.
 */
int	 fs_compatible(const struct featureset *vm,
	    const struct featureset *host, struct featureset *missing);

/*
 * Look for the platform's functions in the loaded libraries; the project's
 * own code is used until this is called, and where it finds nothing.
 * Returns "libxenguest" or "cpulevel": which one answers now.
 */
const char *combine_lookup(void);
const char *combine_provider(void);

#endif
