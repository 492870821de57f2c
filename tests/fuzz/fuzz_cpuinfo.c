/*
 * cpu_info maps (lib/cpuinfo.c): any bytes as JSON text, read as a map.
 * Oracles: a refusal's message is UTF-8; an accepted map is within its
 * bounds, sorted, its own JSON form reads back to the same map, and
 * cpuinfo_get() and cpuinfo_get_fs() agree with what was read.
 */
#include "cpuinfo.h"
#include "fuzz.h"

static void
check_same(const struct cpuinfo *a, const struct cpuinfo *b)
{
	size_t i;

	FUZZ_CHECK(a->n == b->n, "%zu keys, then %zu", a->n, b->n);
	for (i = 0; i < a->n; i++) {
		FUZZ_CHECK(strcmp(a->kv[i].key, b->kv[i].key) == 0, "%s / %s",
		    a->kv[i].key, b->kv[i].key);
		FUZZ_CHECK(strcmp(a->kv[i].value, b->kv[i].value) == 0, "%s",
		    a->kv[i].key);
	}
}

static void
check_map(const struct cpuinfo *ci)
{
	struct featureset fs;
	char why[256];
	size_t i;
	int rc;

	FUZZ_CHECK(ci->n <= CPUINFO_MAX_KEYS, "%zu keys", ci->n);
	for (i = 0; i < ci->n; i++) {
		FUZZ_CHECK(strlen(ci->kv[i].key) >= 1 &&
		    strlen(ci->kv[i].key) <= CPUINFO_MAX_KEY, "key length");
		FUZZ_CHECK(strlen(ci->kv[i].value) <= CPUINFO_MAX_VALUE,
		    "value length");
		FUZZ_CHECK(i == 0 ||
		    strcmp(ci->kv[i - 1].key, ci->kv[i].key) < 0, "sorted");
		FUZZ_CHECK(cpuinfo_get(ci, ci->kv[i].key) == ci->kv[i].value,
		    "get %s", ci->kv[i].key);
		why[0] = '\0';
		rc = cpuinfo_get_fs(ci, ci->kv[i].key, &fs, why, sizeof(why));
		FUZZ_CHECK(rc == 0 || rc == -1, "get_fs %d", rc);
		FUZZ_CHECK(rc == 0 || fuzz_utf8(why, strlen(why)), "%s", why);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *obj, *out, *back;
	struct cpuinfo ci, again;
	char why[128];		/* as small as the codec's (lib/rpc_params.c) */
	const char *text;

	if ((obj = json_parse_one((const char *)data, size, why,
	    sizeof(why))) == NULL)
		return 0;
	why[0] = '\0';
	if (cpuinfo_from_json(&ci, obj, why, sizeof(why)) == -1) {
		FUZZ_CHECK(why[0] != '\0' && fuzz_utf8(why, strlen(why)),
		    "%s", why);
		json_object_put(obj);
		return 0;
	}
	json_object_put(obj);
	check_map(&ci);
	out = cpuinfo_to_json(&ci);
	FUZZ_CHECK(out != NULL, "to_json");
	text = json_compact(out);
	FUZZ_CHECK(fuzz_utf8(text, strlen(text)), "%s", text);
	back = json_parse_one(text, strlen(text), why, sizeof(why));
	FUZZ_CHECK(back != NULL, "%s: %s", why, text);
	FUZZ_CHECK(cpuinfo_from_json(&again, back, why, sizeof(why)) == 0,
	    "%s", why);
	check_same(&ci, &again);
	/* Setting every value again changes nothing. */
	for (size_t i = 0; i < again.n; i++)
		FUZZ_CHECK(cpuinfo_set(&again, ci.kv[i].key,
		    ci.kv[i].value) == 0, "set %s", ci.kv[i].key);
	check_same(&ci, &again);
	cpuinfo_free(&again);
	cpuinfo_free(&ci);
	json_object_put(back);
	json_object_put(out);
	return 0;
}
