/*
 * The XenAPI classes the sync follows, by the names event.from gives
 * them, and the uuid form xapi writes.  Apart from records.c because the
 * reference cache (refcache.c) needs them too, and records.c builds on
 * the cache: both call into this file, neither into the other.
 */
#include <string.h>

#include "records.h"

static const char *const class_names[XR_NCLASSES] = {
	[XR_POOL] = "pool",
	[XR_HOST] = "host",
	[XR_VM] = "vm",
	[XR_VM_METRICS] = "vm_metrics",
};

const char *
xr_class_name(enum xr_class cls)
{
	return (size_t)cls < XR_NCLASSES ? class_names[cls] : "?";
}

int
xr_class_parse(const char *name, enum xr_class *out)
{
	size_t i;

	for (i = 0; name != NULL && i < XR_NCLASSES; i++)
		if (strcmp(name, class_names[i]) == 0) {
			*out = (enum xr_class)i;
			return 0;
		}
	return -1;
}

/* The presentation form: 8-4-4-4-12 hexadecimal digits. */
int
xr_uuid_ok(const char *s)
{
	size_t i;
	char c;

	for (i = 0; i < XR_UUID_SIZE - 1; i++) {
		c = s[i];
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return 0;
		} else if (!((c >= '0' && c <= '9') ||
		    (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return 0;
	}
	return s[i] == '\0';
}
