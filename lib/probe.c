/*
 * Which backend answers a probe spec.  "auto" prefers Xen because only
 * Xen knows what guests are offered; the CPUID backend describes the bare
 * CPU, which is what a machine without Xen can honestly say.
 */
#include <stdio.h>
#include <string.h>

#include "probe.h"
#include "strlcpy.h"

#define FILE_PREFIX	"file:"

static int
probe_auto(struct cpuinfo *out, char *err, size_t errlen)
{
	char why[256];
	int rc;

	rc = probe_xen(out, why, sizeof(why));
	if (rc != PROBE_UNAVAILABLE) {
		if (rc != PROBE_OK)
			strlcpy(err, why, errlen);
		return rc;
	}
	return probe_cpuid(out, err, errlen);
}

static const struct {
	const char	*name;
	int		(*probe)(struct cpuinfo *, char *, size_t);
} backends[] = {
	{ "auto",	probe_auto },
	{ "xen",	probe_xen },
	{ "cpuid",	probe_cpuid },
};

int
probe_host(const char *spec, struct cpuinfo *out, char *err, size_t errlen)
{
	size_t i;

	cpuinfo_init(out);
	if (strncmp(spec, FILE_PREFIX, strlen(FILE_PREFIX)) == 0)
		return probe_file(spec + strlen(FILE_PREFIX), out, err, errlen);
	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (strcmp(spec, backends[i].name) == 0)
			return backends[i].probe(out, err, errlen);
	snprintf(err, errlen, "unknown probe '%s': expected auto, xen, cpuid "
	    "or file:PATH", spec);
	return PROBE_ERROR;
}
