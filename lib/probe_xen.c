/*
 * The Xen backend: the featuresets Xen computes for itself and for its
 * guests, read through libxenctrl/libxenguest the way xenopsd reads them
 * for xapi, plus dom0's /proc/cpuinfo for the descriptive keys.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* xenctrl.h sets __XEN_TOOLS__ before it pulls in xen/sysctl.h. */
#include <xenctrl.h>
#include <xenguest.h>

#include "probe.h"

#if defined(__i386__) || defined(__x86_64__)

/*
 * Featureset indices are ABI: numbering them here lets a build against a
 * header from before the max sets still ask a Xen that has them.
 */
#ifndef XEN_SYSCTL_cpu_featureset_pv_max
#define XEN_SYSCTL_cpu_featureset_pv_max	4
#endif
#ifndef XEN_SYSCTL_cpu_featureset_hvm_max
#define XEN_SYSCTL_cpu_featureset_hvm_max	5
#endif

#define PROC_CPUINFO	"/proc/cpuinfo"
#define NO_FALLBACK	UINT32_MAX

/*
 * Which featureset fills which key.  The max sets are what a VM may be
 * migrated in with, the default sets what a new VM is given and so what a
 * pool levels on.  Early Xen 4.17 has no max sets (EINVAL, an unknown
 * index): their default sets are the best answer it has.  A Xen built
 * without HVM support (CONFIG_HVM=n) answers EOPNOTSUPP for both HVM sets:
 * such a host runs no HVM guest, so there is no HVM set to report and the
 * keys are left out rather than the probe failing.  (On a CPU without
 * VT-x/SVM a Xen with HVM support answers with an empty set instead.)
 * PV stays mandatory: dom0 of a XenServer or XCP-ng host is itself PV.
 */
static const struct {
	const char	*key;
	uint32_t	 index;
	uint32_t	 fallback;	/* index to ask if index is unknown */
	int		 optional;	/* EOPNOTSUPP leaves the key out */
} xen_sets[] = {
	{ CI_FEATURES_RAW,	XEN_SYSCTL_cpu_featureset_raw,
	    NO_FALLBACK, 0 },
	{ CI_FEATURES,		XEN_SYSCTL_cpu_featureset_host,
	    NO_FALLBACK, 0 },
	{ CI_FEATURES_PV_HOST,	XEN_SYSCTL_cpu_featureset_pv,
	    NO_FALLBACK, 0 },
	{ CI_FEATURES_HVM_HOST,	XEN_SYSCTL_cpu_featureset_hvm,
	    NO_FALLBACK, 1 },
	{ CI_FEATURES_PV,	XEN_SYSCTL_cpu_featureset_pv_max,
	    XEN_SYSCTL_cpu_featureset_pv, 0 },
	{ CI_FEATURES_HVM,	XEN_SYSCTL_cpu_featureset_hvm_max,
	    XEN_SYSCTL_cpu_featureset_hvm, 1 },
};

/*
 * Why the control interface would not open, when that means this is not a
 * place the Xen probe can work (so "auto" moves on) rather than a fault.
 */
static const struct {
	int		 err;
	const char	*hint;
} open_unavailable[] = {
	{ ENOENT,	"is this a Xen dom0?" },	/* no privcmd node */
	{ ENODEV,	"is this a Xen dom0?" },	/* node, no Xen */
	{ ENXIO,	"is this a Xen dom0?" },
	{ EACCES,	"is this run as root in dom0?" },
	{ EPERM,	"is this run as root in dom0?" },
};

/* libxenctrl logs to stderr unless given a logger; errors come back here. */
static void
quiet_vmessage(struct xentoollog_logger *logger, xentoollog_level level,
    int errnoval, const char *context, const char *format, va_list al)
{
	(void)logger;
	(void)level;
	(void)errnoval;
	(void)context;
	(void)format;
	(void)al;
}

static void
quiet_progress(struct xentoollog_logger *logger, const char *context,
    const char *doing_what, int percent, unsigned long done,
    unsigned long total)
{
	(void)logger;
	(void)context;
	(void)doing_what;
	(void)percent;
	(void)done;
	(void)total;
}

/* The logger is static: there is nothing to free. */
static void
quiet_destroy(struct xentoollog_logger *logger)
{
	(void)logger;
}

static xentoollog_logger quiet_logger = {
	quiet_vmessage,
	quiet_progress,
	quiet_destroy,
};

static int
xen_open(xc_interface **xch, char *err, size_t errlen)
{
	size_t i;
	int e;

	if ((*xch = xc_interface_open(&quiet_logger, &quiet_logger, 0)) != NULL)
		return PROBE_OK;
	e = errno;
	for (i = 0; i < sizeof(open_unavailable) /
	    sizeof(open_unavailable[0]); i++) {
		if (open_unavailable[i].err != e)
			continue;
		snprintf(err, errlen, "xen probe: cannot open the Xen control "
		    "interface: %s (%s)", strerror(e),
		    open_unavailable[i].hint);
		return PROBE_UNAVAILABLE;
	}
	snprintf(err, errlen, "xen probe: xc_interface_open: %s", strerror(e));
	return PROBE_ERROR;
}

/*
 * How many words Xen's featuresets have: asked of the running Xen, as
 * xenopsd does, since it may be newer or older than our headers.  Words
 * past FS_MAX_WORDS are dropped; a featureset that long is far off.
 * This is the first hypercall, so it is also where a Xen guest, which can
 * open the interface but may not use it, learns that it is not dom0.
 */
static int
xen_nr_words(xc_interface *xch, uint32_t *nr, char *err, size_t errlen)
{
	*nr = 0;
	if (xc_get_cpu_featureset(xch, XEN_SYSCTL_cpu_featureset_raw, nr,
	    NULL) == -1) {
		if (errno == EPERM || errno == EACCES) {
			snprintf(err, errlen, "xen probe: Xen refused "
			    "xc_get_cpu_featureset: %s (is this dom0 rather "
			    "than a guest?)", strerror(errno));
			return PROBE_UNAVAILABLE;
		}
		snprintf(err, errlen, "xen probe: xc_get_cpu_featureset "
		    "(size): %s", strerror(errno));
		return PROBE_ERROR;
	}
	if (*nr == 0) {
		snprintf(err, errlen, "xen probe: xc_get_cpu_featureset "
		    "(size): Xen reports featuresets of 0 words");
		return PROBE_ERROR;
	}
	if (*nr > FS_MAX_WORDS)
		*nr = FS_MAX_WORDS;
	return PROBE_OK;
}

/* One featureset; -1 with errno set as Xen answered. */
static int
xen_get_set(xc_interface *xch, uint32_t index, uint32_t nr,
    struct featureset *fs)
{
	uint32_t w[FS_MAX_WORDS];

	/* On return nr is the number of words Xen wrote. */
	if (xc_get_cpu_featureset(xch, index, &nr, w) == -1)
		return -1;
	if (nr > FS_MAX_WORDS)
		nr = FS_MAX_WORDS;
	return fs_from_words(fs, w, nr);
}

/* Entry i of xen_sets into out: 0, or 1 when it is left out, or -1. */
static int
xen_read_set(xc_interface *xch, size_t i, uint32_t nr, struct cpuinfo *out,
    char *err, size_t errlen)
{
	struct featureset fs;
	uint32_t index = xen_sets[i].index;
	int rc;

	rc = xen_get_set(xch, index, nr, &fs);
	if (rc == -1 && (errno == EINVAL || errno == EOPNOTSUPP) &&
	    xen_sets[i].fallback != NO_FALLBACK) {
		index = xen_sets[i].fallback;
		rc = xen_get_set(xch, index, nr, &fs);
	}
	if (rc == -1 && errno == EOPNOTSUPP && xen_sets[i].optional)
		return 1;
	if (rc == -1) {
		snprintf(err, errlen, "xen probe: xc_get_cpu_featureset "
		    "(index %u, for %s): %s", (unsigned int)index,
		    xen_sets[i].key, strerror(errno));
		return -1;
	}
	if (cpuinfo_set_fs(out, xen_sets[i].key, &fs) == -1) {
		snprintf(err, errlen, "xen probe: cannot store %s: out of "
		    "memory", xen_sets[i].key);
		return -1;
	}
	return 0;
}

static int
xen_featuresets(xc_interface *xch, uint32_t nr, struct cpuinfo *out,
    char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < sizeof(xen_sets) / sizeof(xen_sets[0]); i++)
		if (xen_read_set(xch, i, nr, out, err, errlen) == -1)
			return -1;
	return 0;
}

/*
 * The whole host's counts.  Dom0's /proc/cpuinfo only lists dom0's vCPUs,
 * so physinfo replaces what procinfo_fill found, as in xapi.
 */
static int
xen_counts(xc_interface *xch, struct cpuinfo *out, char *err, size_t errlen)
{
	xc_physinfo_t info;
	uint32_t per_socket, sockets;

	memset(&info, 0, sizeof(info));
	if (xc_physinfo(xch, &info) == -1) {
		snprintf(err, errlen, "xen probe: xc_physinfo: %s",
		    strerror(errno));
		return -1;
	}
	per_socket = info.cores_per_socket * info.threads_per_core;
	sockets = per_socket != 0 ? info.nr_cpus / per_socket : 0;
	/* A topology Xen could not work out still has one socket. */
	if (sockets == 0)
		sockets = 1;
	if (cpuinfo_setf(out, CI_CPU_COUNT, "%u", (unsigned int)info.nr_cpus)
	    == -1 || cpuinfo_setf(out, CI_SOCKET_COUNT, "%u",
	    (unsigned int)sockets) == -1) {
		snprintf(err, errlen, "xen probe: cannot store the CPU counts: "
		    "out of memory");
		return -1;
	}
	return 0;
}

/*
 * Leaf 0 in dom0.  Xen passes the vendor string through unchanged, and
 * procinfo_fill leaves vendor_id alone, so this is the one key from here.
 */
static int
xen_vendor(struct cpuinfo *out, char *err, size_t errlen)
{
	char vendor[13];

	cpuid_vendor(vendor);
	if (cpuinfo_set(out, CI_VENDOR, vendor) == -1) {
		snprintf(err, errlen, "xen probe: cannot store %s: out of "
		    "memory", CI_VENDOR);
		return -1;
	}
	return 0;
}

static int
xen_fill(xc_interface *xch, uint32_t nr, struct cpuinfo *out, char *err,
    size_t errlen)
{
	/* First, so that Xen's counts replace dom0's. */
	if (procinfo_fill(PROC_CPUINFO, out) == -1) {
		snprintf(err, errlen, "xen probe: cannot read %s: %s",
		    PROC_CPUINFO, strerror(errno));
		return -1;
	}
	if (xen_featuresets(xch, nr, out, err, errlen) == -1 ||
	    xen_counts(xch, out, err, errlen) == -1 ||
	    xen_vendor(out, err, errlen) == -1)
		return -1;
	if (cpuinfo_set(out, CI_PROBE, "xen") == -1) {
		snprintf(err, errlen, "xen probe: cannot store %s: out of "
		    "memory", CI_PROBE);
		return -1;
	}
	return 0;
}

int
probe_xen(struct cpuinfo *out, char *err, size_t errlen)
{
	xc_interface *xch;
	uint32_t nr;
	int rc;

	cpuinfo_init(out);
	if ((rc = xen_open(&xch, err, errlen)) != PROBE_OK)
		return rc;
	if ((rc = xen_nr_words(xch, &nr, err, errlen)) == PROBE_OK &&
	    xen_fill(xch, nr, out, err, errlen) == -1) {
		cpuinfo_free(out);
		rc = PROBE_ERROR;
	}
	xc_interface_close(xch);
	return rc;
}

#else /* !x86 */

/* Featuresets are x86's: libxenguest has no call for them elsewhere. */
int
probe_xen(struct cpuinfo *out, char *err, size_t errlen)
{
	cpuinfo_init(out);
	snprintf(err, errlen, "xen probe: Xen featuresets exist only on x86");
	return PROBE_UNAVAILABLE;
}

#endif
