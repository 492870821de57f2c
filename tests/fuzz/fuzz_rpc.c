/*
 * The JSON-RPC codec (lib/rpc.c and rpc_params.c) end to end: any bytes as one request to
 * rpc_dispatch(), against a table with a method taking a parameter of
 * every type.  Oracles: every reply passes fuzz_check_reply(); a handler
 * runs only with parameters its spec allows, each checked again here by
 * the library's own parsers; the reply reads back with rpc_reply_parse().
 */
#include "cpuinfo.h"
#include "featureset.h"
#include "fuzz.h"
#include "rpc_client.h"
#include "vmtypes.h"

static const struct rpc_param p_all[] = {
	{ "id", P_ID, 0 }, { "string", P_STRING, 0 }, { "bool", P_BOOL, 0 },
	{ "int", P_INT, 0 }, { "featureset", P_FEATURESET, 0 },
	{ "cpu_info", P_CPUINFO, 0 }, { "power_state", P_POWER_STATE, 0 },
	{ "domain_type", P_DOMAIN_TYPE, 0 }, { "flags", P_FLAGS, 0 },
	{ "map", P_ANY_OBJECT, 0 }, { "fail", P_BOOL, 0 },
	{ NULL, 0, 0 } };
static const struct rpc_param p_required[] = {
	{ "id", P_ID, 1 }, { "featureset", P_FEATURESET, 1 },
	{ NULL, 0, 0 } };

/* Each parameter the spec let through, checked again. */
static void
check_map(struct json_object *params, const char *name, int flags)
{
	struct json_object *v = rpc_param_object(params, name);
	struct featureset fs;
	struct cpuinfo ci;
	char why[128];
	size_t i;

	if (v == NULL)
		return;
	FUZZ_CHECK(cpuinfo_from_json(&ci, v, why, sizeof(why)) == 0, "%s",
	    why);
	for (i = 0; i < ci.n; i++) {
		FUZZ_CHECK(!flags || strcmp(ci.kv[i].key, "vendor") == 0 ||
		    strcmp(ci.kv[i].key, "features") == 0, "%s",
		    ci.kv[i].key);
		if (strcmp(name, "map") != 0 &&
		    strncmp(ci.kv[i].key, "features", 8) == 0)
			FUZZ_CHECK(fs_parse(ci.kv[i].value, &fs, why,
			    sizeof(why)) == 0, "%s", why);
	}
	cpuinfo_free(&ci);
}

static int
all_types(void *ctx, struct json_object *params, struct json_object **result,
    struct rpc_error *err)
{
	struct featureset fs;
	const char *s;
	char why[128];

	(void)ctx;
	if ((s = rpc_param_string(params, "id")) != NULL)
		FUZZ_CHECK(rpc_valid_id(s), "%s", s);
	if ((s = rpc_param_string(params, "string")) != NULL)
		FUZZ_CHECK(strlen(s) <= RPC_MAX_DBG, "%zu", strlen(s));
	if ((s = rpc_param_string(params, "featureset")) != NULL)
		FUZZ_CHECK(fs_parse(s, &fs, why, sizeof(why)) == 0, "%s", why);
	(void)rpc_param_bool(params, "bool", 0);
	(void)rpc_param_int(params, "int", 0);
	FUZZ_CHECK(rpc_param_power_state(params, "power_state", POWER_HALTED)
	    <= POWER_SUSPENDED, "power state");
	(void)rpc_param_domain_type(params, "domain_type", DOMAIN_PV);
	check_map(params, "cpu_info", 0);
	check_map(params, "flags", 1);
	check_map(params, "map", 0);
	/* A refusal naming what the peer sent, as handlers' errors do. */
	if (rpc_param_bool(params, "fail", 0)) {
		s = rpc_param_string(params, "string");
		rpc_error_api(err, "TEST_REFUSED", 2,
		    rpc_param_string(params, "id") ? : "", s ? s : "");
		return -1;
	}
	*result = json_object_get(params);
	return 0;
}

static const struct rpc_method methods[] = {
	{ "Test.all",		RPC_READS,	all_types,	p_all },
	{ "Test.required",	RPC_READS,	all_types,	p_required },
	{ "Service.version",	RPC_READS,	rpc_service_version,
	    rpc_no_params },
	{ NULL,			0,		NULL,		NULL }
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *req, *id, *result = NULL;
	struct rpc_outcome out;
	struct rpc_error err;
	char why[128], *reply;
	int code, rc;

	memset(&out, 0, sizeof(out));
	reply = rpc_dispatch(methods, NULL, NULL, (const char *)data, size,
	    &out);
	code = fuzz_check_reply((const char *)data, size, reply, &out);
	/* The client's side reads it back, for an integer id. */
	req = json_parse_one((const char *)data, size, why, sizeof(why));
	id = fuzz_request_id(req);
	if (id != NULL && json_object_is_type(id, json_type_int)) {
		memset(&err, 0, sizeof(err));
		rc = rpc_reply_parse(reply, strlen(reply),
		    json_object_get_int64(id), &result, &err);
		FUZZ_CHECK(rc == (code == 0 ? 0 : 1), "rc %d: %s", rc, reply);
		FUZZ_CHECK(rc == 0 || err.code == code, "%d: %s", err.code,
		    reply);
		FUZZ_CHECK(fuzz_utf8(err.message, strlen(err.message)), "%s",
		    reply);
		json_object_put(result);
		rpc_error_clear(&err);
	}
	json_object_put(req);
	free(reply);
	return 0;
}
