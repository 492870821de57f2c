/*
 * The cpu_info map, its JSON form, json_parse_one, and the file probe.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json.h>

#include "cpuinfo.h"
#include "featureset.h"
#include "jsonutil.h"
#include "probe.h"
#include "tap.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static int
is_sorted(const struct cpuinfo *ci)
{
	size_t i;

	for (i = 1; i < ci->n; i++)
		if (strcmp(ci->kv[i - 1].key, ci->kv[i].key) >= 0)
			return 0;
	return 1;
}

static int
one_line(const char *s)
{
	return s[0] != '\0' && strchr(s, '\n') == NULL;
}

/* A deep copy of the map, to check a failed call left it alone. */
struct snap {
	size_t	n;
	char	key[CPUINFO_MAX_KEYS][CPUINFO_MAX_KEY + 1];
	char	*value[CPUINFO_MAX_KEYS];
};

static void
snap_take(struct snap *s, const struct cpuinfo *ci)
{
	size_t i;

	s->n = ci->n;
	for (i = 0; i < ci->n; i++) {
		snprintf(s->key[i], sizeof(s->key[i]), "%s", ci->kv[i].key);
		s->value[i] = strdup(ci->kv[i].value);
	}
}

static int
snap_same(struct snap *s, const struct cpuinfo *ci)
{
	size_t i;
	int same = s->n == ci->n;

	for (i = 0; i < s->n; i++) {
		if (same && (strcmp(s->key[i], ci->kv[i].key) != 0 ||
		    strcmp(s->value[i], ci->kv[i].value) != 0))
			same = 0;
		free(s->value[i]);
	}
	return same;
}

static char *
repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	if (s == NULL) {
		perror("malloc");
		exit(2);
	}
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* --- the map --- */

static void
test_set_get(void)
{
	static const char *const keys[] = {
		"vendor", "features_pv", "a", "cpu_count", "zz", "features",
		"features_hvm_host", "m", "features_hvm", "Z",
		"features_pv_host",
		"_", "0",
	};
	struct cpuinfo ci;
	char msg[128], want[64];
	size_t i;
	int sorted = 1, found = 1;

	cpuinfo_init(&ci);
	is_int(ci.n, 0, "cpuinfo_init gives an empty map");
	ok(cpuinfo_get(&ci, "vendor") == NULL, "cpuinfo_get on an empty map");

	for (i = 0; i < NELEM(keys); i++) {
		snprintf(want, sizeof(want), "value of %s", keys[i]);
		snprintf(msg, sizeof(msg), "cpuinfo_set(\"%s\")", keys[i]);
		is_int(cpuinfo_set(&ci, keys[i], want), 0, msg);
		if (!is_sorted(&ci))
			sorted = 0;
	}
	ok(sorted, "keys stay sorted after every insertion");
	is_int(ci.n, NELEM(keys), "one entry per distinct key");
	for (i = 0; i < NELEM(keys); i++) {
		snprintf(want, sizeof(want), "value of %s", keys[i]);
		if (cpuinfo_get(&ci, keys[i]) == NULL ||
		    strcmp(cpuinfo_get(&ci, keys[i]), want) != 0)
			found = 0;
	}
	ok(found, "cpuinfo_get finds every key with its value");
	ok(cpuinfo_get(&ci, "nope") == NULL, "cpuinfo_get of a missing key");
	ok(cpuinfo_get(&ci, "features_p") == NULL,
	    "cpuinfo_get does not match a prefix");

	/* Replacing keeps one entry and the order. */
	is_int(cpuinfo_set(&ci, "m", "new"), 0, "cpuinfo_set replaces");
	is_str(cpuinfo_get(&ci, "m"), "new", "... the value");
	is_int(ci.n, NELEM(keys), "... without adding an entry");
	ok(is_sorted(&ci), "... and keeps the order");
	is_int(cpuinfo_set(&ci, "m", ""), 0, "an empty value is allowed");
	is_str(cpuinfo_get(&ci, "m"), "", "... and kept as \"\"");

	/* The map owns copies. */
	{
		char k[] = "copied", v[] = "original";

		cpuinfo_set(&ci, k, v);
		k[0] = 'X';
		v[0] = 'X';
		is_str(cpuinfo_get(&ci, "copied"), "original",
		    "cpuinfo_set copies key and value");
	}

	is_int(cpuinfo_setf(&ci, "cpu_count", "%d-%s", 42, "x"), 0,
	    "cpuinfo_setf");
	is_str(cpuinfo_get(&ci, "cpu_count"), "42-x", "cpuinfo_setf formats");
	ok(is_sorted(&ci), "still sorted");

	cpuinfo_free(&ci);
	is_int(ci.n, 0, "cpuinfo_free empties the map");
	is_int(cpuinfo_set(&ci, "a", "b"), 0, "the map is usable after free");
	cpuinfo_free(&ci);
}

static void
test_bounds(void)
{
	struct cpuinfo ci;
	struct snap s;
	char key[32], *long_key, *max_key, *long_val, *max_val;
	size_t i;
	int all = 1;

	long_key = repeat('k', CPUINFO_MAX_KEY + 1);
	max_key = repeat('k', CPUINFO_MAX_KEY);
	long_val = repeat('v', CPUINFO_MAX_VALUE + 1);
	max_val = repeat('v', CPUINFO_MAX_VALUE);

	cpuinfo_init(&ci);
	cpuinfo_set(&ci, "vendor", "GenuineIntel");
	cpuinfo_set(&ci, "features", "1-2");

	snap_take(&s, &ci);
	is_int(cpuinfo_set(&ci, long_key, "x"), -1,
	    "a key longer than CPUINFO_MAX_KEY is refused");
	ok(snap_same(&s, &ci), "... and the map is unchanged");

	snap_take(&s, &ci);
	is_int(cpuinfo_set(&ci, "other", long_val), -1,
	    "a value longer than CPUINFO_MAX_VALUE is refused");
	ok(snap_same(&s, &ci), "... and the map is unchanged");

	snap_take(&s, &ci);
	is_int(cpuinfo_set(&ci, "vendor", long_val), -1,
	    "replacing with a value longer than CPUINFO_MAX_VALUE is refused");
	ok(snap_same(&s, &ci), "... and the old value is kept");

	snap_take(&s, &ci);
	is_int(cpuinfo_setf(&ci, "vendor", "%s", long_val), -1,
	    "cpuinfo_setf refuses a value longer than CPUINFO_MAX_VALUE");
	ok(snap_same(&s, &ci), "... and the map is unchanged");

	is_int(cpuinfo_set(&ci, max_key, max_val), 0,
	    "a key of CPUINFO_MAX_KEY and a value of CPUINFO_MAX_VALUE fit");
	is_str(cpuinfo_get(&ci, max_key), max_val, "... and are kept whole");
	cpuinfo_free(&ci);

	cpuinfo_init(&ci);
	for (i = 0; i < CPUINFO_MAX_KEYS; i++) {
		snprintf(key, sizeof(key), "key%03zu", (i * 37) % 1000);
		if (cpuinfo_set(&ci, key, "v") != 0)
			all = 0;
	}
	ok(all && ci.n == CPUINFO_MAX_KEYS, "CPUINFO_MAX_KEYS keys fit");
	ok(is_sorted(&ci), "... sorted");
	snap_take(&s, &ci);
	is_int(cpuinfo_set(&ci, "one-too-many", "v"), -1,
	    "key number CPUINFO_MAX_KEYS + 1 is refused");
	ok(snap_same(&s, &ci), "... and the map is unchanged");
	ok(cpuinfo_get(&ci, "one-too-many") == NULL, "... it is not there");
	is_int(cpuinfo_set(&ci, "key000", "replaced"), 0,
	    "a full map still replaces existing keys");
	is_str(cpuinfo_get(&ci, "key000"), "replaced", "... the value");
	cpuinfo_free(&ci);

	free(long_key);
	free(max_key);
	free(long_val);
	free(max_val);
}

static void
test_fs(void)
{
	struct cpuinfo ci;
	struct featureset fs;
	char err[1024];
	static const uint32_t w[3] = { 0x078bfbfd, 0, 0x10 };

	cpuinfo_init(&ci);
	cpuinfo_set(&ci, CI_FEATURES, "078bfbfd-00000000-00000010");
	cpuinfo_set(&ci, CI_FEATURES_PV, "not-a-featureset");
	cpuinfo_set(&ci, CI_FEATURES_HVM, "");

	fs.len = 3;
	is_int(cpuinfo_get_fs(&ci, CI_FEATURES_RAW, &fs, err, sizeof(err)), 1,
	    "cpuinfo_get_fs of a missing key is 1");
	is_int(fs.len, 0, "... with an empty featureset");

	err[0] = '\0';
	is_int(cpuinfo_get_fs(&ci, CI_FEATURES_PV, &fs, err, sizeof(err)), -1,
	    "cpuinfo_get_fs of a bad featureset is -1");
	if (!ok(strstr(err, CI_FEATURES_PV) != NULL, "... naming the key"))
		diag("  err '%s'", err);
	if (!ok(strstr(err, "not-a-featureset") != NULL,
	    "... and the value"))
		diag("  err '%s'", err);
	ok(one_line(err), "... on one line");

	is_int(cpuinfo_get_fs(&ci, CI_FEATURES, &fs, err, sizeof(err)), 0,
	    "cpuinfo_get_fs of a good featureset is 0");
	ok(fs.len == 3 && memcmp(fs.w, w, sizeof(w)) == 0,
	    "... with the parsed words");

	fs.len = 2;
	is_int(cpuinfo_get_fs(&ci, CI_FEATURES_HVM, &fs, err, sizeof(err)), 0,
	    "cpuinfo_get_fs of \"\" is 0");
	is_int(fs.len, 0, "... the empty featureset");

	fs_from_words(&fs, w, 3);
	is_int(cpuinfo_set_fs(&ci, CI_FEATURES_HVM_HOST, &fs), 0,
	    "cpuinfo_set_fs");
	is_str(cpuinfo_get(&ci, CI_FEATURES_HVM_HOST),
	    "078bfbfd-00000000-00000010",
	    "cpuinfo_set_fs stores canonical text");
	cpuinfo_free(&ci);
}

/* A count is a plain decimal number up to 2^24; anything else is 0. */
static void
test_count(void)
{
	static const struct {
		const char	*s;
		long long	 want;
	} cases[] = {
		{ "8", 8 }, { "0", 0 }, { "007", 7 }, { "16777216", 16777216 },
		{ "16777217", 0 }, { "99999999999999999999999", 0 },
		{ "", 0 }, { " 8", 0 }, { "+8", 0 }, { "-8", 0 }, { "8.0", 0 },
		{ "8 ", 0 }, { "0x10", 0 }, { "eight", 0 },
	};
	struct cpuinfo ci;
	char what[96];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(what, sizeof(what), "cpuinfo_parse_count(\"%s\")",
		    cases[i].s);
		is_int(cpuinfo_parse_count(cases[i].s), cases[i].want, what);
	}
	is_int(cpuinfo_parse_count(NULL), 0, "cpuinfo_parse_count(NULL)");
	cpuinfo_init(&ci);
	cpuinfo_set(&ci, CI_CPU_COUNT, "32");
	is_int(cpuinfo_get_count(&ci, CI_CPU_COUNT), 32, "cpuinfo_get_count");
	is_int(cpuinfo_get_count(&ci, CI_SOCKET_COUNT), 0,
	    "cpuinfo_get_count of a missing key is 0");
	cpuinfo_free(&ci);
}

/* --- JSON --- */

static void
test_json_round_trip(void)
{
	static const struct {
		const char	*key;
		const char	*value;
	} kv[] = {
		{ CI_VENDOR, "GenuineIntel" },
		{ CI_FEATURES, "1fc9cbf5-f6f83203-2991cbf5-00000123" },
		{ CI_MODELNAME, "Intel(R) Xeon(R) CPU E5-2630 v3 @ 2.40GHz" },
		{ "quotes", "a \"b\" \\c" },
		{ "slash", "a/b" },
		{ "utf8", "caf\xc3\xa9" },
		{ "control", "tab\there\nnewline" },
		{ "empty", "" },
	};
	struct cpuinfo a, b;
	struct json_object *obj, *back;
	char err[256], msg[128];
	const char *text;
	size_t i;
	int same;

	cpuinfo_init(&a);
	for (i = 0; i < NELEM(kv); i++)
		cpuinfo_set(&a, kv[i].key, kv[i].value);

	obj = cpuinfo_to_json(&a);
	ok(obj != NULL && json_object_is_type(obj, json_type_object),
	    "cpuinfo_to_json gives an object");
	is_int(json_object_object_length(obj), NELEM(kv),
	    "... with one member per key");

	err[0] = '\0';
	if (!ok(cpuinfo_from_json(&b, obj, err, sizeof(err)) == 0,
	    "cpuinfo_from_json takes it back"))
		diag("  err '%s'", err);
	same = a.n == b.n;
	for (i = 0; same && i < a.n; i++)
		same = strcmp(a.kv[i].key, b.kv[i].key) == 0 &&
		    strcmp(a.kv[i].value, b.kv[i].value) == 0;
	ok(same, "to_json then from_json round-trips every key and value");
	cpuinfo_free(&b);

	/* And through text. */
	text = json_compact(obj);
	back = json_parse_one(text, strlen(text), err, sizeof(err));
	ok(back != NULL, "json_compact's text parses with json_parse_one");
#ifdef JSON_C_TO_STRING_NOSLASHESCAPE
	ok(strstr(text, "a/b") != NULL, "json_compact leaves '/' alone");
#else
	/* json-c before 0.13 always writes '/' as '\/' (still valid JSON). */
	ok(strstr(text, "a\\/b") != NULL, "json_compact escapes '/', as "
	    "this old json-c always does");
#endif
	ok(back != NULL && cpuinfo_from_json(&b, back, err, sizeof(err)) == 0,
	    "... and is a cpu_info");
	for (i = 0; i < NELEM(kv); i++) {
		snprintf(msg, sizeof(msg), "text round trip keeps '%s'",
		    kv[i].key);
		is_str(cpuinfo_get(&b, kv[i].key), kv[i].value, msg);
	}
	cpuinfo_free(&b);
	json_object_put(back);
	json_object_put(obj);

	cpuinfo_free(&a);
	obj = cpuinfo_to_json(&a);
	ok(obj != NULL && json_object_object_length(obj) == 0,
	    "the empty map is {}");
	ok(cpuinfo_from_json(&b, obj, err, sizeof(err)) == 0 && b.n == 0,
	    "{} is the empty map");
	json_object_put(obj);
}

static void
test_from_json_bad(void)
{
	static const struct {
		const char	*json;
		const char	*in_err;	/* must appear in err */
		const char	*what;
	} cases[] = {
		{ "[]", NULL, "an array" },
		{ "[{\"a\":\"b\"}]", NULL, "an array of objects" },
		{ "\"vendor\"", NULL, "a string" },
		{ "42", NULL, "a number" },
		{ "null", NULL, "null" },
		{ "{\"vendor\":\"x\",\"cpu_count\":8}", "cpu_count",
		    "a number value" },
		{ "{\"cpu_count\":null}", "cpu_count", "a null value" },
		{ "{\"flags\":[\"fpu\"]}", "flags", "an array value" },
		{ "{\"sub\":{\"a\":\"b\"}}", "sub", "an object value" },
		{ "{\"ok\":true}", "ok", "a boolean value" },
		{ "{\"\":\"x\"}", NULL, "an empty key" },
		{ "{\"a\":\"b\",\"\":\"x\"}", NULL, "an empty key after "
		    "a good one" },
	};
	struct cpuinfo ci;
	struct json_object *obj;
	char err[256], msg[128];
	size_t i;

	for (i = 0; i < NELEM(cases); i++) {
		obj = json_tokener_parse(cases[i].json);
		if (obj == NULL && strcmp(cases[i].json, "null") != 0) {
			ok(0, "test JSON parses");
			continue;
		}
		err[0] = '\0';
		snprintf(msg, sizeof(msg), "cpuinfo_from_json rejects %s",
		    cases[i].what);
		is_int(cpuinfo_from_json(&ci, obj, err, sizeof(err)), -1, msg);
		snprintf(msg, sizeof(msg), "... %s leaves the map empty",
		    cases[i].what);
		is_int(ci.n, 0, msg);
		snprintf(msg, sizeof(msg), "... %s: one-line error",
		    cases[i].what);
		ok(one_line(err), msg);
		if (cases[i].in_err != NULL) {
			snprintf(msg, sizeof(msg), "... %s: the error names "
			    "key '%s'", cases[i].what, cases[i].in_err);
			if (!ok(strstr(err, cases[i].in_err) != NULL, msg))
				diag("  err '%s'", err);
		}
		json_object_put(obj);
	}
}

static void
test_from_json_bounds(void)
{
	struct json_object *obj;
	struct cpuinfo ci;
	char key[32], err[256], *s;
	size_t i;

	obj = json_object_new_object();
	s = repeat('k', CPUINFO_MAX_KEY + 1);
	json_object_object_add(obj, s, json_object_new_string("v"));
	free(s);
	is_int(cpuinfo_from_json(&ci, obj, err, sizeof(err)), -1,
	    "cpuinfo_from_json rejects a key longer than CPUINFO_MAX_KEY");
	is_int(ci.n, 0, "... leaving the map empty");
	json_object_put(obj);

	obj = json_object_new_object();
	s = repeat('v', CPUINFO_MAX_VALUE + 1);
	json_object_object_add(obj, "big", json_object_new_string(s));
	free(s);
	is_int(cpuinfo_from_json(&ci, obj, err, sizeof(err)), -1,
	    "cpuinfo_from_json rejects a value longer than CPUINFO_MAX_VALUE");
	ok(strstr(err, "big") != NULL, "... naming the key");
	json_object_put(obj);

	obj = json_object_new_object();
	for (i = 0; i < CPUINFO_MAX_KEYS; i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		json_object_object_add(obj, key, json_object_new_string("v"));
	}
	is_int(cpuinfo_from_json(&ci, obj, err, sizeof(err)), 0,
	    "cpuinfo_from_json takes CPUINFO_MAX_KEYS keys");
	is_int(ci.n, CPUINFO_MAX_KEYS, "... all of them");
	cpuinfo_free(&ci);
	json_object_object_add(obj, "one-more", json_object_new_string("v"));
	is_int(cpuinfo_from_json(&ci, obj, err, sizeof(err)), -1,
	    "cpuinfo_from_json rejects CPUINFO_MAX_KEYS + 1 keys");
	is_int(ci.n, 0, "... leaving the map empty");
	ok(one_line(err), "... with a one-line error");
	json_object_put(obj);
}

/* --- json_parse_one --- */

static void
test_parse_one(void)
{
	/* Not NUL-terminated: the object is followed by junk in memory. */
	static const char unterminated[] = {
		'{', '"', 'a', '"', ':', '"', 'b', '"', '}', 'X', 'X', 'X', 'X'
	};
	static const struct {
		const char	*text;
		int		 good;
		const char	*in_err;
		const char	*what;
	} cases[] = {
		{ "{\"a\":\"b\"}", 1, NULL, "an object" },
		{ "{\"a\":\"b\"} \n\t\r\n", 1, NULL,
		    "an object with trailing white space" },
		{ "  \n{\"a\":\"b\"}", 1, NULL,
		    "an object with leading white space" },
		{ "[1,2]", 1, NULL, "an array" },
		{ "\"s\"", 1, NULL, "a bare string" },
		/* A number or literal ends only where the buffer does. */
		{ "123", 1, NULL, "a bare number ending the buffer" },
		{ "123\n", 1, NULL, "a bare number and a newline" },
		{ "true", 1, NULL, "a bare literal ending the buffer" },
		{ "[1,2", 0, "truncated", "an unclosed array" },
		{ "{\"a\":\"b\"}x", 0, NULL, "trailing garbage" },
		{ "{\"a\":\"b\"} x", 0, NULL, "garbage after white space" },
		{ "{\"a\":\"b\"}{}", 0, NULL, "two objects" },
		{ "{\"a\":\"b\"", 0, "truncated", "an unclosed object" },
		{ "{\"a\":", 0, "truncated", "an object cut after ':'" },
		{ "{\"a\":\"b", 0, "truncated", "an object cut in a string" },
		{ "", 0, NULL, "empty input" },
		{ "   ", 0, NULL, "white space only" },
		{ "{a:b}", 0, NULL, "not JSON" },
		{ "}", 0, NULL, "a lone '}'" },
	};
	struct json_object *obj, *v;
	char err[256], msg[160];
	size_t i;

	err[0] = '\0';
	obj = json_parse_one(unterminated, 9, err, sizeof(err));
	if (!ok(obj != NULL, "json_parse_one parses a buffer that is not "
	    "NUL-terminated"))
		diag("  err '%s'", err);
	ok(obj != NULL && json_object_object_get_ex(obj, "a", &v) &&
	    strcmp(json_object_get_string(v), "b") == 0,
	    "... and gets its content");
	json_object_put(obj);
	obj = json_parse_one(unterminated, sizeof(unterminated), err,
	    sizeof(err));
	ok(obj == NULL, "the same buffer with its junk is rejected");
	json_object_put(obj);
	obj = json_parse_one(unterminated, 8, err, sizeof(err));
	ok(obj == NULL && strstr(err, "truncated") != NULL,
	    "the same buffer cut one byte short is truncated");
	json_object_put(obj);

	for (i = 0; i < NELEM(cases); i++) {
		err[0] = '\0';
		obj = json_parse_one(cases[i].text, strlen(cases[i].text), err,
		    sizeof(err));
		snprintf(msg, sizeof(msg), "json_parse_one %s %s",
		    cases[i].good ? "accepts" : "rejects", cases[i].what);
		if (!ok((obj != NULL) == cases[i].good, msg))
			diag("  err '%s'", err);
		if (!cases[i].good) {
			snprintf(msg, sizeof(msg), "... %s: one-line error",
			    cases[i].what);
			ok(one_line(err), msg);
		}
		if (cases[i].in_err != NULL) {
			snprintf(msg, sizeof(msg), "... %s: error says '%s'",
			    cases[i].what, cases[i].in_err);
			if (!ok(strstr(err, cases[i].in_err) != NULL, msg))
				diag("  err '%s'", err);
		}
		json_object_put(obj);
	}
}

/* --- the file probe --- */

static char tmpdir[256];

static void
write_file(const char *path, const char *content)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(content, f) == EOF || fclose(f) != 0) {
		printf("Bail out! cannot write %s: %s\n", path,
		    strerror(errno));
		exit(2);
	}
}

static char *
temp_file(const char *content)
{
	static char path[300];
	int fd;

	snprintf(path, sizeof(path), "%s/cpuinfo.XXXXXX", tmpdir);
	if ((fd = mkstemp(path)) == -1) {
		printf("Bail out! mkstemp %s: %s\n", path, strerror(errno));
		exit(2);
	}
	close(fd);
	write_file(path, content);
	return path;
}

static void
test_probe_file(void)
{
	static const struct {
		const char	*content;
		const char	*what;
	} bad[] = {
		{ "", "an empty file" },
		{ "{\"vendor\":", "truncated JSON" },
		{ "not json\n", "not JSON" },
		{ "{\"vendor\":\"x\"} trailing\n", "trailing garbage" },
		{ "{\"vendor\":\"x\",\"cpu_count\":8}\n",
		    "a non-string value" },
		{ "[\"vendor\",\"x\"]\n", "an array" },
		{ "\"vendor\"\n", "a string" },
		{ "{\"\":\"x\"}\n", "an empty key" },
	};
	struct cpuinfo ci;
	char err[1024], spec[400], msg[160], missing[300];
	const char *base = getenv("TMPDIR");
	char *path;
	size_t i;
	int rc;

	snprintf(tmpdir, sizeof(tmpdir), "%s/test_cpuinfo.XXXXXX",
	    base != NULL && *base != '\0' ? base : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		printf("Bail out! mkdtemp %s: %s\n", tmpdir, strerror(errno));
		exit(2);
	}

	path = temp_file("{\n  \"vendor\": \"GenuineIntel\",\n"
	    "  \"features\": \"078bfbfd-00000201\",\n"
	    "  \"cpu_count\": \"8\"\n}\n");
	snprintf(spec, sizeof(spec), "file:%s", path);
	err[0] = '\0';
	rc = probe_host(spec, &ci, err, sizeof(err));
	if (!ok(rc == PROBE_OK, "probe_host(file:) of a valid file"))
		diag("  rc %d, err '%s'", rc, err);
	is_int(ci.n, 4, "... has the file's three keys and probe");
	is_str(cpuinfo_get(&ci, CI_VENDOR), "GenuineIntel", "... vendor");
	is_str(cpuinfo_get(&ci, CI_FEATURES), "078bfbfd-00000201",
	    "... features");
	is_str(cpuinfo_get(&ci, CI_CPU_COUNT), "8", "... cpu_count");
	is_str(cpuinfo_get(&ci, CI_PROBE), "file", "... probe is \"file\"");
	ok(is_sorted(&ci), "... sorted");
	cpuinfo_free(&ci);
	unlink(path);

	/* Directly, without probe_host. */
	path = temp_file("{\"vendor\":\"AuthenticAMD\"}");
	is_int(probe_file(path, &ci, err, sizeof(err)), PROBE_OK,
	    "probe_file of a file without a final newline");
	is_str(cpuinfo_get(&ci, CI_PROBE), "file", "... probe is \"file\"");
	cpuinfo_free(&ci);
	unlink(path);

	snprintf(missing, sizeof(missing), "%s/does-not-exist.json", tmpdir);
	snprintf(spec, sizeof(spec), "file:%s", missing);
	err[0] = '\0';
	rc = probe_host(spec, &ci, err, sizeof(err));
	is_int(rc, PROBE_ERROR, "probe_host(file:) of a missing file fails");
	if (!ok(strstr(err, missing) != NULL, "... naming the path"))
		diag("  err '%s'", err);
	ok(one_line(err), "... on one line");
	is_int(ci.n, 0, "... leaving the map empty");

	for (i = 0; i < NELEM(bad); i++) {
		path = temp_file(bad[i].content);
		snprintf(spec, sizeof(spec), "file:%s", path);
		err[0] = '\0';
		ci.n = 0;
		rc = probe_host(spec, &ci, err, sizeof(err));
		snprintf(msg, sizeof(msg), "probe_host(file:) of %s fails",
		    bad[i].what);
		is_int(rc, PROBE_ERROR, msg);
		snprintf(msg, sizeof(msg), "... %s: one-line error",
		    bad[i].what);
		if (!ok(one_line(err), msg))
			diag("  err '%s'", err);
		snprintf(msg, sizeof(msg), "... %s: error names the path",
		    bad[i].what);
		if (!ok(strstr(err, path) != NULL, msg))
			diag("  err '%s'", err);
		snprintf(msg, sizeof(msg), "... %s: map left empty",
		    bad[i].what);
		is_int(ci.n, 0, msg);
		if (rc == PROBE_OK)
			cpuinfo_free(&ci);
		unlink(path);
	}

	err[0] = '\0';
	rc = probe_host("file:", &ci, err, sizeof(err));
	is_int(rc, PROBE_ERROR, "probe_host(\"file:\") with no path fails");
	ok(one_line(err), "... with a one-line error");

	err[0] = '\0';
	rc = probe_host("bogus", &ci, err, sizeof(err));
	is_int(rc, PROBE_ERROR, "probe_host of an unknown spec fails");
	ok(strstr(err, "bogus") != NULL, "... naming it");

	rmdir(tmpdir);
}

int
main(void)
{
	test_set_get();
	test_bounds();
	test_fs();
	test_count();
	test_json_round_trip();
	test_from_json_bad();
	test_from_json_bounds();
	test_parse_one();
	test_probe_file();
	return done_testing();
}
