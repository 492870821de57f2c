#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonutil.h"

#include "cpuinfo.h"

void
cpuinfo_init(struct cpuinfo *ci)
{
	ci->n = 0;
}

void
cpuinfo_free(struct cpuinfo *ci)
{
	size_t i;

	for (i = 0; i < ci->n; i++) {
		free(ci->kv[i].key);
		free(ci->kv[i].value);
	}
	ci->n = 0;
}

/* Index of key, or where it would be inserted, as -(pos + 1). */
static long
cpuinfo_find(const struct cpuinfo *ci, const char *key)
{
	size_t lo = 0, hi = ci->n, mid;
	int c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = strcmp(key, ci->kv[mid].key);
		if (c == 0)
			return (long)mid;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -(long)lo - 1;
}

int
cpuinfo_set(struct cpuinfo *ci, const char *key, const char *value)
{
	long at = cpuinfo_find(ci, key);
	char *v, *k;
	size_t pos;

	if (strlen(key) > CPUINFO_MAX_KEY || strlen(value) > CPUINFO_MAX_VALUE)
		return -1;
	if ((v = strdup(value)) == NULL)
		return -1;
	if (at >= 0) {
		free(ci->kv[at].value);
		ci->kv[at].value = v;
		return 0;
	}
	if (ci->n == CPUINFO_MAX_KEYS || (k = strdup(key)) == NULL) {
		free(v);
		return -1;
	}
	pos = (size_t)(-at - 1);
	memmove(&ci->kv[pos + 1], &ci->kv[pos],
	    (ci->n - pos) * sizeof(ci->kv[0]));
	ci->kv[pos].key = k;
	ci->kv[pos].value = v;
	ci->n++;
	return 0;
}

int
cpuinfo_setf(struct cpuinfo *ci, const char *key, const char *fmt, ...)
{
	char buf[CPUINFO_MAX_VALUE + 1];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -1;
	return cpuinfo_set(ci, key, buf);
}

int
cpuinfo_set_fs(struct cpuinfo *ci, const char *key,
    const struct featureset *fs)
{
	char buf[FS_STRING_MAX];

	fs_format(fs, buf);
	return cpuinfo_set(ci, key, buf);
}

const char *
cpuinfo_get(const struct cpuinfo *ci, const char *key)
{
	long at = cpuinfo_find(ci, key);

	return at >= 0 ? ci->kv[at].value : NULL;
}

int
cpuinfo_get_fs(const struct cpuinfo *ci, const char *key,
    struct featureset *fs, char *err, size_t errlen)
{
	const char *v = cpuinfo_get(ci, key);
	char why[FS_STRING_MAX + 128];

	if (v == NULL) {
		fs_clear(fs);
		return 1;
	}
	if (fs_parse(v, fs, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "cpu_info key %s: %s", key, why);
		/* The value is in it: cut, if it was, on a character. */
		if (errlen > 0)
			err[utf8_cut(err, errlen - 1)] = '\0';
		return -1;
	}
	return 0;
}

/*
 * No host has more than CPUINFO_MAX_COUNT, so a pool's sum of a few
 * thousand hosts cannot overflow.
 */
long long
cpuinfo_parse_count(const char *s)
{
	long long n = 0;

	/* Digits only: strtoll would take " 8" and "+8" too. */
	if (s == NULL || *s == '\0')
		return 0;
	for (; *s >= '0' && *s <= '9'; s++)
		if ((n = n * 10 + (*s - '0')) > CPUINFO_MAX_COUNT)
			return 0;
	return *s == '\0' ? n : 0;
}

long long
cpuinfo_get_count(const struct cpuinfo *ci, const char *key)
{
	return cpuinfo_parse_count(cpuinfo_get(ci, key));
}

struct json_object *
cpuinfo_to_json(const struct cpuinfo *ci)
{
	struct json_object *o = json_object_new_object();
	size_t i;

	for (i = 0; o != NULL && i < ci->n; i++)
		json_object_object_add(o, ci->kv[i].key,
		    json_object_new_string(ci->kv[i].value));
	return o;
}

int
cpuinfo_from_json(struct cpuinfo *ci, struct json_object *obj, char *err,
    size_t errlen)
{
	struct json_object_iterator it, end;
	const char *k;
	struct json_object *v;

	cpuinfo_init(ci);
	if (!json_object_is_type(obj, json_type_object)) {
		snprintf(err, errlen, "cpu_info must be an object of strings");
		return -1;
	}
	it = json_object_iter_begin(obj);
	end = json_object_iter_end(obj);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		k = json_object_iter_peek_name(&it);
		v = json_object_iter_peek_value(&it);
		/* A key too long is named by its first 64 bytes, cut on
		 * a character: the message goes back to the peer. */
		if (json_clean_string(v) == NULL) {
			snprintf(err, errlen, "cpu_info key '%.*s': value "
			    "must be a string without NUL characters",
			    (int)utf8_cut(k, CPUINFO_MAX_KEY), k);
			goto fail;
		}
		if (strlen(k) == 0 || strlen(k) > CPUINFO_MAX_KEY) {
			snprintf(err, errlen, "cpu_info key '%.*s': keys "
			    "are 1 to %d characters",
			    (int)utf8_cut(k, CPUINFO_MAX_KEY), k,
			    CPUINFO_MAX_KEY);
			goto fail;
		}
		if (ci->n == CPUINFO_MAX_KEYS) {
			snprintf(err, errlen, "cpu_info has more than %d "
			    "keys", CPUINFO_MAX_KEYS);
			goto fail;
		}
		if (cpuinfo_set(ci, k, json_object_get_string(v)) == -1) {
			snprintf(err, errlen, "cpu_info key '%s': value "
			    "longer than %d bytes", k, CPUINFO_MAX_VALUE);
			goto fail;
		}
	}
	return 0;
fail:
	cpuinfo_free(ci);
	return -1;
}
