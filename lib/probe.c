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

/* Where Linux names the hypervisor it runs on ("xen", "kvm", ...). */
#define HYPERVISOR_TYPE	"/sys/hypervisor/type"

int
probe_on_xen(const char *path)
{
	char buf[16] = "";
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	return strcmp(buf, "xen\n") == 0 || strcmp(buf, "xen") == 0;
}

/*
 * Without Xen, CPUID describes the machine.  On Xen it describes only
 * this domain's view (dom0's is filtered): a Xen probe that cannot run
 * there (not root, say) must fail, not be replaced by the wrong answer.
 */
static int
probe_auto(struct cpuinfo *out, char *err, size_t errlen)
{
	char why[256];
	int rc;

	rc = probe_xen(out, why, sizeof(why));
	if (rc == PROBE_UNAVAILABLE && probe_on_xen(HYPERVISOR_TYPE)) {
		snprintf(err, errlen, "%s; this runs on Xen, where CPUID shows "
		    "only this domain's view, so auto will not use it "
		    "(--probe cpuid to insist)", why);
		return PROBE_ERROR;
	}
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
probe_check_spec(const char *spec, char *err, size_t errlen)
{
	size_t i;

	if (strncmp(spec, FILE_PREFIX, strlen(FILE_PREFIX)) == 0) {
		if (spec[strlen(FILE_PREFIX)] != '\0')
			return 0;
		snprintf(err, errlen, "probe 'file:' names no file: the valid "
		    "forms are %s", PROBE_FORMS);
		return -1;
	}
	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (strcmp(spec, backends[i].name) == 0)
			return 0;
	snprintf(err, errlen, "unknown probe '%s': the valid forms are %s",
	    spec, PROBE_FORMS);
	return -1;
}

int
probe_host(const char *spec, struct cpuinfo *out, char *err, size_t errlen)
{
	size_t i;

	cpuinfo_init(out);
	if (probe_check_spec(spec, err, errlen) == -1)
		return PROBE_ERROR;
	if (strncmp(spec, FILE_PREFIX, strlen(FILE_PREFIX)) == 0)
		return probe_file(spec + strlen(FILE_PREFIX), out, err, errlen);
	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (strcmp(spec, backends[i].name) == 0)
			break;
	return backends[i].probe(out, err, errlen);
}
