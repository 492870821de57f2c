/* PLACEHOLDER: being written. */
#include <stdio.h>
#include "probe.h"
int probe_xen(struct cpuinfo *out, char *err, size_t errlen)
{ cpuinfo_init(out); snprintf(err, errlen, "probe_xen: not written yet"); return PROBE_UNAVAILABLE; }
