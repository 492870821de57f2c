/*
 * The file backend: a cpu_info map stored as a JSON object of strings, for
 * tests and for hosts whose data was read elsewhere (another host's
 * `cpulevel host-cpu-info --json`, or xapi's Host.cpu_info).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <json.h>

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

/*
 * Where the JSON in buf stops making sense, as line and column (from 1)
 * for a person with an editor: json-c stops on the offending byte, or
 * after the value when the value itself was fine (then the garbage is
 * past the spaces that follow).
 */
static void
json_where(const char *buf, size_t len, int *line, int *col)
{
	struct json_tokener *tok;
	struct json_object *obj;
	size_t end, i;

	*line = *col = 1;
	if ((tok = json_tokener_new()) == NULL)
		return;
	obj = json_tokener_parse_ex(tok, buf, (int)len);
#if defined(JSON_C_VERSION_NUM) && JSON_C_VERSION_NUM >= ((0 << 16) | (15 << 8))
	end = json_tokener_get_parse_end(tok);
#else
	end = (size_t)tok->char_offset;
#endif
	if (json_tokener_get_error(tok) == json_tokener_success)
		while (end < len && strchr(" \t\r\n", buf[end]) != NULL)
			end++;
	json_object_put(obj);
	json_tokener_free(tok);
	for (i = 0; i < end && i < len; i++) {
		if (buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else
			(*col)++;
	}
}

/*
 * What a cpu_info must have to be of use: a vendor (Host.boot refuses
 * a host without one), and featuresets that parse under each key that
 * holds one, so the mistake is named here and not at the daemon.
 */
static int
check_keys(const char *path, const struct cpuinfo *ci, char *err,
    size_t errlen)
{
	static const char *const fs_keys[] = {
		CI_FEATURES_PV, CI_FEATURES_HVM, CI_FEATURES_PV_HOST,
		CI_FEATURES_HVM_HOST, CI_FEATURES, CI_FEATURES_RAW,
	};
	struct featureset fs;
	char why[512];
	size_t i;

	if (cpuinfo_get(ci, CI_VENDOR) == NULL) {
		snprintf(err, errlen, "'%s': missing key \"%s\" (a cpu_info "
		    "needs at least %s, with %s and %s to level)", path,
		    CI_VENDOR, CI_VENDOR, CI_FEATURES_PV, CI_FEATURES_HVM);
		return -1;
	}
	for (i = 0; i < sizeof(fs_keys) / sizeof(fs_keys[0]); i++)
		if (cpuinfo_get_fs(ci, fs_keys[i], &fs, why,
		    sizeof(why)) == -1) {
			snprintf(err, errlen, "'%s': %s", path, why);
			return -1;
		}
	return 0;
}

static int
parse_text(const char *path, const char *buf, size_t len,
    struct json_object **obj, char *err, size_t errlen)
{
	char why[256];
	size_t i;
	int line, col;

	for (i = 0; i < len && strchr(" \t\r\n", buf[i]) != NULL; i++)
		;
	if (i == len) {
		snprintf(err, errlen, "'%s' is empty: a cpu_info file holds "
		    "a JSON object of strings", path);
		return -1;
	}
	if ((*obj = json_parse_one(buf, len, why, sizeof(why))) == NULL) {
		json_where(buf, len, &line, &col);
		snprintf(err, errlen, "'%s' is not JSON: %s at line %d, "
		    "column %d", path, why, line, col);
		return -1;
	}
	if (!json_object_is_type(*obj, json_type_object)) {
		snprintf(err, errlen, "'%s' holds a JSON %s, not an object "
		    "of strings", path,
		    json_type_to_name(json_object_get_type(*obj)));
		json_object_put(*obj);
		*obj = NULL;
		return -1;
	}
	return 0;
}

int
probe_file(const char *path, struct cpuinfo *out, char *err, size_t errlen)
{
	static char buf[PROBE_FILE_MAX];
	struct json_object *obj = NULL;
	char why[256];
	size_t len;
	int rc = PROBE_ERROR;

	cpuinfo_init(out);
	if (read_file(path, buf, sizeof(buf), &len, err, errlen) == -1 ||
	    parse_text(path, buf, len, &obj, err, errlen) == -1)
		return PROBE_ERROR;
	if (cpuinfo_from_json(out, obj, why, sizeof(why)) == -1)
		snprintf(err, errlen, "'%s': %s", path, why);
	else if (check_keys(path, out, err, errlen) == -1)
		cpuinfo_free(out);
	else if (cpuinfo_set(out, CI_PROBE, "file") == -1) {
		snprintf(err, errlen, "'%s': too many keys", path);
		cpuinfo_free(out);
	} else
		rc = PROBE_OK;
	json_object_put(obj);
	return rc;
}
