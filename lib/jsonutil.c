#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "jsonutil.h"
#include "strlcpy.h"

#ifndef JSON_C_TO_STRING_NOSLASHESCAPE
#define JSON_C_TO_STRING_NOSLASHESCAPE	0
#endif

static size_t
parse_end(struct json_tokener *tok)
{
#if defined(JSON_C_VERSION_NUM) && JSON_C_VERSION_NUM >= ((0 << 16) | (15 << 8))
	return json_tokener_get_parse_end(tok);
#else
	return (size_t)tok->char_offset;
#endif
}

/*
 * One tokener, reset for each text: a daemon parses every request, and a
 * fresh tokener is two allocations and a 32-deep stack each time.  (The
 * daemons and the CLI are single-threaded.)
 */
static struct json_tokener *
parser(void)
{
	static struct json_tokener *tok;

	if (tok == NULL) {
		if ((tok = json_tokener_new()) == NULL)
			return NULL;
		/* JSON, not json-c's lenient superset: no ', no comments;
		 * and UTF-8, where json-c (0.15 on) can check it. */
		json_tokener_set_flags(tok, JSON_TOKENER_STRICT
#ifdef JSON_TOKENER_VALIDATE_UTF8
		    | JSON_TOKENER_VALIDATE_UTF8
#endif
		    );
	}
	json_tokener_reset(tok);
	return tok;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int
json_parse_value(const char *buf, size_t len, struct json_object **out,
    char *err, size_t errlen)
{
	struct json_tokener *tok;
	struct json_object *obj;
	enum json_tokener_error jerr;
	size_t end;

	*out = NULL;
	if (len > INT_MAX) {
		snprintf(err, errlen, "JSON text too large");
		return -1;
	}
	if ((tok = parser()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	obj = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	end = parse_end(tok);
	if (obj == NULL && jerr == json_tokener_continue) {
		/* A number or literal ends only at a delimiter: tell the
		 * tokener the text ends here by feeding it a NUL. */
		obj = json_tokener_parse_ex(tok, "", 1);
		if (json_tokener_get_error(tok) == json_tokener_success) {
			jerr = json_tokener_success;
			end = len;
		}
	}
	/* json-c's null is the NULL object, with no error. */
	if (obj == NULL && jerr != json_tokener_success) {
		strlcpy(err, jerr == json_tokener_continue ?
		    "truncated JSON" : json_tokener_error_desc(jerr), errlen);
		return -1;
	}
	for (; end < len && is_space(buf[end]); end++)
		;
	if (end != len) {
		snprintf(err, errlen, "unexpected data after the JSON value");
		json_object_put(obj);
		return -1;
	}
	*out = obj;
	return 0;
}

struct json_object *
json_parse_one(const char *buf, size_t len, char *err, size_t errlen)
{
	struct json_object *obj;

	if (json_parse_value(buf, len, &obj, err, errlen) == -1)
		return NULL;
	if (obj == NULL)
		snprintf(err, errlen, "null where a value is needed");
	return obj;
}

const char *
json_clean_string(struct json_object *v)
{
	const char *s;

	if (!json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	return strlen(s) == (size_t)json_object_get_string_len(v) ? s : NULL;
}

const char *
json_compact(struct json_object *obj)
{
	return json_object_to_json_string_ext(obj,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

const char *
json_pretty(struct json_object *obj)
{
	return json_object_to_json_string_ext(obj,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
}
