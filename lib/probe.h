/*
 * Host CPU probes: one interface, several backends, all filling XenAPI's
 * Host.cpu_info map.
 */
#ifndef CPULEVEL_PROBE_H
#define CPULEVEL_PROBE_H

#include <stddef.h>

#include "cpuinfo.h"

/* What a backend returns. */
#define PROBE_OK		0
#define PROBE_UNAVAILABLE	1	/* not possible here; "auto" moves on */
#define PROBE_ERROR		(-1)

/*
 * spec is "auto", "xen", "cpuid" or "file:PATH".  "auto" is xen where Xen
 * answers, else cpuid, but never cpuid on Xen (where it would describe a
 * domain, not the host).  On failure err holds one line saying why.
 */
int	probe_host(const char *spec, struct cpuinfo *out, char *err,
	    size_t errlen);

/* The forms probe_check_spec() accepts, for messages and usage. */
#define PROBE_FORMS	"auto, xen, cpuid or file:PATH"
/* 0 if probe_host() knows spec, else -1 with err listing the forms. */
int	probe_check_spec(const char *spec, char *err, size_t errlen);

/* Whether the file (/sys/hypervisor/type) says this runs on Xen. */
int	probe_on_xen(const char *path);

/* The backends; each leaves out empty unless it returns PROBE_OK. */
int	probe_xen(struct cpuinfo *out, char *err, size_t errlen);
int	probe_cpuid(struct cpuinfo *out, char *err, size_t errlen);
int	probe_file(const char *path, struct cpuinfo *out, char *err,
	    size_t errlen);

/*
 * Dom0's view of /proc/cpuinfo, which xapi reads for the descriptive keys
 * (modelname, speed, flags, family, model, stepping, and the counts).
 * Only keys it finds are set; a missing file is not an error.
 */
int	procinfo_fill(const char *path, struct cpuinfo *out);

#if defined(__i386__) || defined(__x86_64__)
/* The CPU vendor string from CPUID leaf 0 ("GenuineIntel"). */
void	cpuid_vendor(char vendor[13]);
#endif

#endif
