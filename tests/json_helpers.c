/*
 * The integration tests' small words (json_helpers.h): labels for TAP
 * lines, and JSON built and read with json-c directly.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json.h>

#include "json_helpers.h"

/* ---- labels and strings -------------------------------------------- */

/* A label for a TAP line; a few can be alive at once. */
const char *
L(const char *fmt, ...)
{
	static char buf[8][512];
	static int n;
	char *b = buf[n++ % 8];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, sizeof(buf[0]), fmt, ap);
	va_end(ap);
	return b;
}

int
streq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* ---- JSON building and reading ------------------------------------- */

json_object *
js(const char *s)
{
	return json_object_new_string(s);
}

json_object *
ji(long long v)
{
	return json_object_new_int64(v);
}

json_object *
jb(int v)
{
	return json_object_new_boolean(v);
}

/*
 * An object from key, value pairs ending with a NULL key; a NULL value is
 * JSON null.  Takes ownership of the values.
 */
json_object *
jobj(const char *key, ...)
{
	json_object *o = json_object_new_object(), *v;
	va_list ap;

	va_start(ap, key);
	while (key != NULL) {
		v = va_arg(ap, json_object *);
		json_object_object_add(o, key, v);
		key = va_arg(ap, const char *);
	}
	va_end(ap);
	return o;
}

const char *
jtext(json_object *o)
{
	return o == NULL ? "null" :
	    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
}

/* Member key of o; *present says whether it exists (it may be null). */
json_object *
jget(json_object *o, const char *key, int *present)
{
	json_object *v = NULL;
	int p = 0;

	if (o != NULL && json_object_is_type(o, json_type_object))
		p = json_object_object_get_ex(o, key, &v);
	if (present != NULL)
		*present = p;
	return p ? v : NULL;
}

/* A dot-separated path of member names: "params.hvm.old". */
json_object *
jpath(json_object *o, const char *path, int *present)
{
	char key[128];
	const char *dot;
	size_t n;
	int p = 1;

	while (o != NULL && *path != '\0') {
		dot = strchr(path, '.');
		n = dot != NULL ? (size_t)(dot - path) : strlen(path);
		if (n >= sizeof(key))
			n = sizeof(key) - 1;
		memcpy(key, path, n);
		key[n] = '\0';
		o = jget(o, key, &p);
		if (!p)
			break;
		path = dot != NULL ? dot + 1 : path + strlen(path);
	}
	if (*path != '\0')
		p = 0;
	if (present != NULL)
		*present = p;
	return p ? o : NULL;
}

const char *
jstr(json_object *o, const char *path)
{
	json_object *v = jpath(o, path, NULL);

	return v != NULL && json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : NULL;
}

int
jis_null(json_object *o, const char *path)
{
	int present;
	json_object *v = jpath(o, path, &present);

	return present && v == NULL;
}

/* 1 true, 0 false, -1 missing or not a boolean. */
int
jbool(json_object *o, const char *path)
{
	json_object *v = jpath(o, path, NULL);

	if (v == NULL || !json_object_is_type(v, json_type_boolean))
		return -1;
	return json_object_get_boolean(v) ? 1 : 0;
}

size_t
jlen(json_object *a)
{
	if (a == NULL || !json_object_is_type(a, json_type_array))
		return 0;
	return (size_t)json_object_array_length(a);
}

json_object *
jidx(json_object *a, size_t i)
{
	if (i >= jlen(a))
		return NULL;
	return json_object_array_get_idx(a, (int)i);
}

size_t
jkeys(json_object *o)
{
	size_t n = 0;

	if (o == NULL || !json_object_is_type(o, json_type_object))
		return 0;
	{
		json_object_object_foreach(o, k, v) {
			(void)k;
			(void)v;
			n++;
		}
	}
	return n;
}

/* Deep equality (json_object_equal is newer than json-c 0.11). */
int
jequal(json_object *a, json_object *b)
{
	size_t i;

	if (a == NULL || b == NULL)
		return a == b;
	if (json_object_get_type(a) != json_object_get_type(b))
		return 0;
	switch (json_object_get_type(a)) {
	case json_type_boolean:
		return !json_object_get_boolean(a) ==
		    !json_object_get_boolean(b);
	case json_type_int:
		return json_object_get_int64(a) == json_object_get_int64(b);
	case json_type_double:
		return json_object_get_double(a) == json_object_get_double(b);
	case json_type_string:
		return strcmp(json_object_get_string(a),
		    json_object_get_string(b)) == 0;
	case json_type_array:
		if (jlen(a) != jlen(b))
			return 0;
		for (i = 0; i < jlen(a); i++)
			if (!jequal(jidx(a, i), jidx(b, i)))
				return 0;
		return 1;
	case json_type_object:
		if (jkeys(a) != jkeys(b))
			return 0;
		{
			json_object_object_foreach(a, k, v) {
				int present;
				json_object *w = jget(b, k, &present);

				if (!present || !jequal(v, w))
					return 0;
			}
		}
		return 1;
	default:
		return 1;
	}
}

/* Parse exactly one JSON text of len bytes; NULL if it is not one. */
json_object *
jparse(const char *buf, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *o;
	size_t off;

	if (tok == NULL)
		return NULL;
	o = json_tokener_parse_ex(tok, buf, (int)len);
	off = (size_t)tok->char_offset;
	if (o == NULL && json_tokener_get_error(tok) == json_tokener_continue)
		o = json_tokener_parse_ex(tok, "", -1);
	json_tokener_free(tok);
	if (o != NULL) {
		while (off < len && strchr(" \t\r\n", buf[off]) != NULL)
			off++;
		if (off < len) {
			json_object_put(o);
			return NULL;
		}
	}
	return o;
}
