/*
 * The client half of the JSON-RPC codec: the request a peer of the
 * daemons sends, and the reply it reads back.  It is apart from lib/rpc.c,
 * the serving half, because no daemon answers with it: the reply's text
 * is written there and read back here, by the CLI, the tests and the
 * benchmarks.
 */
#include <stdlib.h>
#include <string.h>

#include "rpc_client.h"

char *
rpc_request_new(long long id, const char *method, struct json_object *params)
{
	struct json_object *r = json_object_new_object();
	char *text;

	json_object_object_add(r, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(r, "id", json_object_new_int64(id));
	json_object_object_add(r, "method", json_object_new_string(method));
	json_object_object_add(r, "params",
	    params ? json_object_get(params) : json_object_new_object());
	text = strdup(json_compact(r));
	json_object_put(r);
	return text;
}

/*
 * A reply's error member e, whose code is code, into err.  A message that
 * is no string comes as its JSON text; one too long is cut to fit.
 */
static void
error_from_reply(struct json_object *e, struct json_object *code,
    struct rpc_error *err)
{
	struct json_object *v, *data = NULL;
	const char *message = "";

	if (json_object_object_get_ex(e, "message", &v))
		message = json_object_get_string(v) ?
		    json_object_get_string(v) : "null";
	if (json_object_object_get_ex(e, "data", &v))
		data = json_object_get(v);
	rpc_error_set(err, json_object_get_int(code), message, data);
}

int
rpc_reply_parse(const char *buf, size_t len, long long id,
    struct json_object **result, struct rpc_error *err)
{
	struct json_object *r, *v, *e;
	char why[128];
	int rc = -1;

	*result = NULL;
	memset(err, 0, sizeof(*err));
	if ((r = json_parse_one(buf, len, why, sizeof(why))) == NULL) {
		rpc_error_set(err, RPC_PARSE_ERROR, "bad reply",
		    json_object_new_string(why));
		return -1;
	}
	if (!json_object_object_get_ex(r, "id", &v) ||
	    !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) != id)
		rpc_error_set(err, RPC_INVALID_REQUEST, "bad reply",
		    json_object_new_string("the reply's id is not ours"));
	else if (json_object_object_get_ex(r, "result", &v)) {
		*result = json_object_get(v);
		rc = 0;
	} else if (json_object_object_get_ex(r, "error", &e) &&
	    json_object_object_get_ex(e, "code", &v)) {
		error_from_reply(e, v, err);
		rc = 1;
	} else
		rpc_error_set(err, RPC_INVALID_REQUEST, "bad reply",
		    json_object_new_string("neither result nor error"));
	json_object_put(r);
	return rc;
}
