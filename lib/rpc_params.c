/*
 * The parameter checks of the JSON-RPC codec, and the accessors handlers
 * read checked parameters with.  This is the one part of the codec that
 * knows what a featureset, a cpu_info map or a power state is; lib/rpc.c
 * (the envelope and dispatch) calls rpc_check_params() and knows none of
 * it.  The table of types is enum rpc_param_type in rpc.h.
 */
#include <string.h>

#include "cpuinfo.h"
#include "featureset.h"
#include "rpc.h"
#include "rpc_params.h"
#include "vmtypes.h"

/* A-Za-z0-9._:- (strspn() with this set would build its table each call). */
static int
is_id_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' ||
	    c == '-';
}

int
rpc_valid_id(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		if (n == RPC_MAX_ID || !is_id_char((unsigned char)s[n]))
			return 0;
	return n >= 1;
}

/* A featureset param or map value: INVALID_FEATURE_STRING if it is bad. */
static int
check_featureset(const char *s, struct rpc_error *err)
{
	struct featureset fs;
	char why[64];

	if (strlen(s) >= FS_STRING_MAX + 64 ||
	    fs_parse(s, &fs, why, sizeof(why)) == -1) {
		rpc_error_api(err, "INVALID_FEATURE_STRING", 1, s);
		return -1;
	}
	return 0;
}

static int
is_featureset_key(const char *key)
{
	return strncmp(key, "features", 8) == 0;
}

/* An object of strings within cpu_info's bounds; featureset keys parse. */
static int
check_string_map(const char *name, struct json_object *v, int featuresets,
    struct rpc_error *err)
{
	struct cpuinfo ci;
	char why[128];
	size_t i;
	int rc = 0;

	if (cpuinfo_from_json(&ci, v, why, sizeof(why)) == -1) {
		rpc_error_param(err, name, "%s", why);
		return -1;
	}
	for (i = 0; featuresets && rc == 0 && i < ci.n; i++) {
		if (is_featureset_key(ci.kv[i].key))
			rc = check_featureset(ci.kv[i].value, err);
		else if (strcmp(ci.kv[i].key, CI_VENDOR) == 0 &&
		    strlen(ci.kv[i].value) > CPUINFO_MAX_VENDOR) {
			rpc_error_param(err, name, "vendor longer than %d "
			    "characters", CPUINFO_MAX_VENDOR);
			rc = -1;
		}
	}
	cpuinfo_free(&ci);
	return rc;
}

static int
check_flags(const char *name, struct json_object *v, struct rpc_error *err)
{
	struct json_object_iterator it, end;
	const char *k;

	if (check_string_map(name, v, 1, err) == -1)
		return -1;
	it = json_object_iter_begin(v);
	end = json_object_iter_end(v);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		k = json_object_iter_peek_name(&it);
		if (strcmp(k, "vendor") != 0 && strcmp(k, "features") != 0) {
			rpc_error_param(err, name, "unknown key '%.*s': "
			    "expected vendor and features",
			    (int)utf8_cut(k, CPUINFO_MAX_KEY), k);
			return -1;
		}
	}
	return 0;
}

static const char *const type_names[] = {
	[P_ID] = "an id (1 to 64 characters of A-Za-z0-9._:-)",
	[P_STRING] = "a string", [P_BOOL] = "a boolean",
	[P_INT] = "an integer", [P_FEATURESET] = "a featureset string",
	[P_CPUINFO] = "an object of strings",
	[P_POWER_STATE] = "one of running, paused, suspended, halted",
	[P_DOMAIN_TYPE] = "one of pv, hvm, pvh, pv_in_pvh",
	[P_FLAGS] = "an object {vendor, features} of strings",
	[P_ANY_OBJECT] = "an object of strings",
};

static int
json_type_fits(enum rpc_param_type t, struct json_object *v)
{
	switch (t) {
	case P_BOOL:
		return json_object_is_type(v, json_type_boolean);
	case P_INT:
		return json_object_is_type(v, json_type_int);
	case P_CPUINFO:
	case P_FLAGS:
	case P_ANY_OBJECT:
		return json_object_is_type(v, json_type_object);
	default:
		return json_object_is_type(v, json_type_string);
	}
}

static int
check_param(const struct rpc_param *p, struct json_object *v,
    struct rpc_error *err)
{
	enum power_state ps;
	enum domain_type dt;
	const char *s;

	if (!json_type_fits(p->type, v)) {
		rpc_error_param(err, p->name, "must be %s", type_names[p->type]);
		return -1;
	}
	s = json_object_is_type(v, json_type_string) ?
	    json_clean_string(v) : NULL;
	if (json_object_is_type(v, json_type_string) && s == NULL) {
		rpc_error_param(err, p->name, "must not contain a NUL "
		    "character");
		return -1;
	}
	switch (p->type) {
	case P_ID:
		if (rpc_valid_id(s))
			return 0;
		break;
	case P_STRING:
		if (strlen(s) <= RPC_MAX_DBG)
			return 0;
		rpc_error_param(err, p->name, "longer than %d characters",
		    RPC_MAX_DBG);
		return -1;
	case P_FEATURESET:
		return check_featureset(s, err);
	case P_POWER_STATE:
		if (power_state_parse(s, &ps) == 0)
			return 0;
		break;
	case P_DOMAIN_TYPE:
		if (domain_type_parse(s, &dt) == 0)
			return 0;
		break;
	case P_CPUINFO:
		return check_string_map(p->name, v, 1, err);
	case P_ANY_OBJECT:
		return check_string_map(p->name, v, 0, err);
	case P_FLAGS:
		return check_flags(p->name, v, err);
	default:
		return 0;
	}
	rpc_error_param(err, p->name, "must be %s", type_names[p->type]);
	return -1;
}

int
rpc_check_params(const struct rpc_param *spec, struct json_object *params,
    struct rpc_error *err)
{
	static const struct rpc_param dbg = { "dbg", P_STRING, 0 };
	struct json_object_iterator it, end;
	const struct rpc_param *p;
	struct json_object *v;
	const char *k;

	for (p = spec; p->name; p++)
		if (p->required &&
		    !json_object_object_get_ex(params, p->name, NULL)) {
			rpc_error_param(err, p->name, "is required");
			return -1;
		}
	it = json_object_iter_begin(params);
	end = json_object_iter_end(params);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		k = json_object_iter_peek_name(&it);
		v = json_object_iter_peek_value(&it);
		for (p = spec; p->name && strcmp(p->name, k) != 0; p++)
			;
		if (p->name == NULL && strcmp(k, "dbg") == 0)
			p = &dbg;
		if (p->name == NULL) {
			rpc_error_param(err, k, "unknown parameter");
			return -1;
		}
		if (v == NULL && p->required == RPC_NULLABLE)
			continue;
		if (check_param(p, v, err) == -1)
			return -1;
	}
	return 0;
}

/* The param called name when it is there and of type t, or NULL. */
static struct json_object *
param_typed(struct json_object *params, const char *name, json_type t)
{
	struct json_object *v;

	if (!json_object_object_get_ex(params, name, &v) ||
	    !json_object_is_type(v, t))
		return NULL;
	return v;
}

/* The accessors, for handlers: what they read has passed the checks. */
const char *
rpc_param_string(struct json_object *params, const char *name)
{
	struct json_object *v = param_typed(params, name, json_type_string);

	return v ? json_object_get_string(v) : NULL;
}

int
rpc_param_bool(struct json_object *params, const char *name, int dflt)
{
	struct json_object *v;

	if (!json_object_object_get_ex(params, name, &v))
		return dflt;
	return json_object_get_boolean(v);
}

long long
rpc_param_int(struct json_object *params, const char *name, long long dflt)
{
	struct json_object *v;

	if (!json_object_object_get_ex(params, name, &v))
		return dflt;
	return (long long)json_object_get_int64(v);
}

struct json_object *
rpc_param_object(struct json_object *params, const char *name)
{
	return param_typed(params, name, json_type_object);
}

enum power_state
rpc_param_power_state(struct json_object *params, const char *name,
    enum power_state dflt)
{
	enum power_state ps;

	return power_state_parse(rpc_param_string(params, name), &ps) == 0 ?
	    ps : dflt;
}

enum domain_type
rpc_param_domain_type(struct json_object *params, const char *name,
    enum domain_type dflt)
{
	enum domain_type dt;

	return domain_type_parse(rpc_param_string(params, name), &dt) == 0 ?
	    dt : dflt;
}
