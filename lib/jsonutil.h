/*
 * json-c helpers shared by the file probe, the codec and the CLI.  The
 * oldest json-c we ship to is 0.11 (XCP-ng 8.3 dom0), so newer API is used
 * only behind a version check.
 */
#ifndef CPULEVEL_JSONUTIL_H
#define CPULEVEL_JSONUTIL_H

#include <stddef.h>

#include <json.h>

/*
 * Parse exactly one JSON value from buf[0..len), which need not be
 * NUL-terminated; only white space may follow it.  Returns NULL with a
 * one-line reason in err.
 */
struct json_object *json_parse_one(const char *buf, size_t len, char *err,
	    size_t errlen);

/* Compact, with '/' left alone where the json-c version allows. */
const char	*json_compact(struct json_object *obj);
const char	*json_pretty(struct json_object *obj);

#endif
