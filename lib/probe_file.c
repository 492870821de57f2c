/*
 * The file backend: a cpu_info map stored as a JSON object of strings, for
 * tests and for hosts whose data was read elsewhere (another host's
 * `cpulevel host-cpu-info --json`, or xapi's Host.cpu_info).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "jsonutil.h"

#include "probe.h"

/* A real cpu_info is a few KiB; anything this big is not one. */
#define PROBE_FILE_MAX	(1024 * 1024)

static int
read_file(const char *path, char *buf, size_t cap, size_t *len, char *err,
    size_t errlen)
{
	FILE *f;
	size_t n;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "cannot open '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	n = fread(buf, 1, cap, f);
	if (ferror(f)) {
		snprintf(err, errlen, "cannot read '%s': %s", path,
		    strerror(errno));
		fclose(f);
		return -1;
	}
	if (n == cap) {
		snprintf(err, errlen, "'%s' is larger than %d bytes", path,
		    PROBE_FILE_MAX - 1);
		fclose(f);
		return -1;
	}
	fclose(f);
	*len = n;
	return 0;
}

int
probe_file(const char *path, struct cpuinfo *out, char *err, size_t errlen)
{
	static char buf[PROBE_FILE_MAX];
	struct json_object *obj;
	char why[256];
	size_t len;
	int rc = PROBE_ERROR;

	cpuinfo_init(out);
	if (read_file(path, buf, sizeof(buf), &len, err, errlen) == -1)
		return PROBE_ERROR;
	if ((obj = json_parse_one(buf, len, why, sizeof(why))) == NULL)
		snprintf(err, errlen, "'%s' is not a JSON object: %s", path,
		    why);
	else if (cpuinfo_from_json(out, obj, why, sizeof(why)) == -1)
		snprintf(err, errlen, "'%s': %s", path, why);
	else if (cpuinfo_set(out, CI_PROBE, "file") == -1) {
		snprintf(err, errlen, "'%s': too many keys", path);
		cpuinfo_free(out);
	} else
		rc = PROBE_OK;
	json_object_put(obj);
	return rc;
}
