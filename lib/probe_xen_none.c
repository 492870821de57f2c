/* Built when the Xen probe is disabled (-Dxen=disabled or no libxen). */
#include <stdio.h>

#include "probe.h"

int
probe_xen(struct cpuinfo *out, char *err, size_t errlen)
{
	cpuinfo_init(out);
	snprintf(err, errlen, "xen probe: this build has no Xen support "
	    "(built with -Dxen=disabled or without libxen)");
	return PROBE_UNAVAILABLE;
}
