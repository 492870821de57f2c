/*
 * The integration tests' small words: labels for TAP lines, and JSON
 * built and read with json-c directly (no lib/rpc codec, so that a bug
 * shared by the daemons' codec and their tests cannot hide itself).
 * A library of its own (tests/meson.build: dep_json_helpers), which the
 * daemon harness links.
 */
#ifndef CPULEVEL_JSON_HELPERS_H
#define CPULEVEL_JSON_HELPERS_H

#include <stddef.h>

#include <json.h>

/* A label for a TAP line (printf format); eight can be alive at once. */
const char	*L(const char *fmt, ...)
		    __attribute__((format(printf, 1, 2)));
/* Both strings there and equal. */
int		 streq(const char *a, const char *b);

/* New values: a string, an integer, a boolean. */
json_object	*js(const char *s);
json_object	*ji(long long v);
json_object	*jb(int v);
/*
 * An object from key, value pairs ending with a NULL key; a NULL value
 * is JSON null.  Takes ownership of the values.
 */
json_object	*jobj(const char *key, ...);

/* o as compact JSON text ("null" for NULL), owned by o. */
const char	*jtext(json_object *o);
/* Member key of o; *present (if not NULL) says whether it exists. */
json_object	*jget(json_object *o, const char *key, int *present);
/* A dot-separated path of member names: "params.hvm.old". */
json_object	*jpath(json_object *o, const char *path, int *present);
/* The string at path, or NULL if it is missing or no string. */
const char	*jstr(json_object *o, const char *path);
/* path is there, and null. */
int		 jis_null(json_object *o, const char *path);
/* The boolean at path: 1 true, 0 false, -1 missing or no boolean. */
int		 jbool(json_object *o, const char *path);
/* An array's length and its element i (NULL past the end). */
size_t		 jlen(json_object *a);
json_object	*jidx(json_object *a, size_t i);
/* How many members an object has (0 for anything else). */
size_t		 jkeys(json_object *o);
/* Deep equality (json_object_equal is newer than json-c 0.11). */
int		 jequal(json_object *a, json_object *b);
/* Exactly one JSON text of len bytes, or NULL if it is not one. */
json_object	*jparse(const char *buf, size_t len);

#endif
