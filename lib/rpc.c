/*
 * JSON-RPC 2.0 codec.  One path for every request: parse, check the
 * envelope, find the method, check the params against its table row, run
 * the handler, encode the reply.  Whatever goes wrong, the peer gets one
 * reply naming what was wrong, because a REQ client waits for one.
 *
 * This file is the envelope and dispatch.  The params are checked in
 * lib/rpc_params.c, the one part that knows featuresets and cpu_info; the
 * errors both of them build are lib/rpc_error.c's; the client's half is
 * lib/rpc_client.c.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "rpc.h"
#include "rpc_params.h"
#include "strlcpy.h"

/*
 * An integer id must come back as it was sent.  json-c clamps an integer
 * that does not fit 64 bits to the limit, so the limits themselves are
 * refused: an id of -2^63 or 2^63-1 is far likelier clamped than meant.
 */
static int
valid_int_id(struct json_object *v)
{
	int64_t n;

	if (!json_object_is_type(v, json_type_int))
		return 0;
	n = json_object_get_int64(v);
	return n > INT64_MIN && n < INT64_MAX;
}

/* The envelope: sets *id (borrowed) as soon as it is known to be valid. */
static const struct rpc_method *
check_request(const struct rpc_method *methods, struct json_object *req,
    struct json_object **id, struct json_object **params,
    struct rpc_error *err)
{
	struct json_object *v, *m;
	const struct rpc_method *meth;
	const char *name;

	if (json_object_is_type(req, json_type_array)) {
		rpc_error_set(err, RPC_INVALID_REQUEST, "Invalid request",
		    json_object_new_string("batches are not supported"));
		return NULL;
	}
	if (!json_object_is_type(req, json_type_object)) {
		rpc_error_set(err, RPC_INVALID_REQUEST, "Invalid request",
		    json_object_new_string("a request is a JSON object"));
		return NULL;
	}
	if (json_object_object_get_ex(req, "id", &v) &&
	    (valid_int_id(v) || json_clean_string(v) != NULL))
		*id = v;
	if (*id == NULL) {
		rpc_error_set(err, RPC_INVALID_REQUEST, "Invalid request",
		    json_object_new_string("id must be an integer or a string"));
		return NULL;
	}
	if (!json_object_object_get_ex(req, "jsonrpc", &v) ||
	    json_clean_string(v) == NULL ||
	    strcmp(json_clean_string(v), "2.0") != 0) {
		rpc_error_set(err, RPC_INVALID_REQUEST, "Invalid request",
		    json_object_new_string("jsonrpc must be \"2.0\""));
		return NULL;
	}
	if (!json_object_object_get_ex(req, "method", &m) ||
	    !json_object_is_type(m, json_type_string)) {
		rpc_error_set(err, RPC_INVALID_REQUEST, "Invalid request",
		    json_object_new_string("method must be a string"));
		return NULL;
	}
	/* A name with a NUL in it is no method's name. */
	name = json_clean_string(m);
	for (meth = methods; name && meth->name && strcmp(meth->name, name) != 0;
	    meth++)
		;
	if (name == NULL || meth->name == NULL) {
		rpc_error_set(err, RPC_METHOD_NOT_FOUND, "Method not found",
		    json_object_new_string(json_object_get_string(m)));
		return NULL;
	}
	if (!json_object_object_get_ex(req, "params", params) ||
	    *params == NULL)
		*params = NULL;
	else if (!json_object_is_type(*params, json_type_object)) {
		rpc_error_param(err, "params", "must be an object: "
		    "parameters are passed by name");
		return NULL;
	}
	return meth;
}

#define REPLY_PARTS	9

/*
 * The parts joined into one allocation, or NULL.  A NULL part is json-c
 * out of memory serialising a value: the reply is lost as a whole.
 */
static char *
join(const char *const *part, size_t n)
{
	size_t len[REPLY_PARTS], total = 1, i;
	char *text, *p;

	for (i = 0; i < n; i++) {
		if (part[i] == NULL)
			return NULL;
		total += len[i] = strlen(part[i]);
	}
	if ((text = malloc(total)) == NULL)
		return NULL;
	for (p = text, i = 0; i < n; i++) {
		memcpy(p, part[i], len[i]);
		p += len[i];
	}
	*p = '\0';
	return text;
}

/*
 * The id as the reply repeats it.  An integer, the usual id, is printed
 * here: json-c would hang a print buffer on the object to do it.
 */
static const char *
id_text(struct json_object *id, char buf[24])
{
	if (id == NULL)
		return "null";
	if (!json_object_is_type(id, json_type_int))
		return json_compact(id);
	snprintf(buf, 24, "%" PRId64, json_object_get_int64(id));
	return buf;
}

/*
 * The reply's text.  Every value is serialised by json-c; only the fixed
 * envelope around them is written here, which spares building and
 * freeing a json-c object (and its hash table) for every reply: migcheck
 * answers thousands a second.
 */
static char *
reply_text(struct json_object *id, struct json_object *result,
    struct rpc_error *err)
{
	char idbuf[24], code[16];
	struct json_object *msg;
	const char *part[REPLY_PARTS];
	char *text;

	part[0] = "{\"jsonrpc\":\"2.0\",\"id\":";
	part[1] = id_text(id, idbuf);
	if (err->code == 0) {
		part[2] = ",\"result\":";
		part[3] = result ? json_compact(result) : "null";
		part[4] = "}";
		text = join(part, 5);
	} else {
		snprintf(code, sizeof(code), "%d", err->code);
		msg = json_object_new_string(err->message);
		part[2] = ",\"error\":{\"code\":";
		part[3] = code;
		part[4] = ",\"message\":";
		part[5] = json_compact(msg);
		part[6] = err->data ? ",\"data\":" : "";
		part[7] = err->data ? json_compact(err->data) : "";
		part[8] = "}}";
		text = join(part, 9);
		json_object_put(msg);
		json_object_put(err->data);
		err->data = NULL;
	}
	json_object_put(result);
	return text;
}

/*
 * A string member of obj (a peer's) for the log line, through the one
 * escape (log_esc()): a newline in it cannot forge a line.  Untouched if
 * there is none (the dbg id is optional, a method may be no string), or
 * if clean and it holds a NUL: an unknown method "Test.echo\u0000x" must
 * not be logged as Test.echo.  A dbg id is logged up to its NUL, to
 * follow the task whose request was refused for it.
 */
static void
outcome_copy(struct json_object *obj, const char *name, int clean,
    char *buf, size_t len)
{
	struct json_object *v;
	const char *s;

	if (!json_object_object_get_ex(obj, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return;
	s = clean ? json_clean_string(v) : json_object_get_string(v);
	if (s != NULL)
		log_esc(s, buf, len);
}

void
rpc_call_run(const struct rpc_method *meth, const struct rpc_txn *txn,
    void *ctx, struct rpc_call *c)
{
	int writes = meth->access == RPC_WRITES;
	char why[128];

	if (writes && txn == NULL) {
		snprintf(why, sizeof(why), "%s writes, but no transaction was "
		    "given", meth->name);
		rpc_error_internal(&c->err, why);
		return;
	}
	if (writes && txn->begin(ctx, &c->err) == -1)
		return;
	c->result = rpc_call_handler(meth, ctx, c->params, &c->err);
	if (writes && c->err.code == 0 && txn->commit(ctx, &c->err) == 0)
		return;
	if (writes)
		txn->abort(ctx);
	if (c->err.code != 0) {
		json_object_put(c->result);
		c->result = NULL;
	}
}

/* A failure the handler did not explain is an internal error, so that
 * no reply is ever a silent success. */
struct json_object *
rpc_call_handler(const struct rpc_method *meth, void *ctx,
    struct json_object *params, struct rpc_error *err)
{
	struct json_object *result = NULL;

	if (meth->handler(ctx, params, &result, err) == 0 && err->code == 0)
		return result;
	json_object_put(result);
	if (err->code == 0)
		rpc_error_internal(err, "the method failed without an error");
	return NULL;
}

const struct rpc_method *
rpc_call_open(const struct rpc_method *methods, const char *msg, size_t len,
    struct rpc_call *c, struct rpc_outcome *out)
{
	const struct rpc_method *meth;
	char why[128];

	memset(&c->err, 0, sizeof(c->err));
	c->req = c->id = c->params = c->result = NULL;
	c->out = out;
	/* Field by field: dbg's buffer is a kilobyte, and migcheck answers
	 * thousands of requests a second. */
	strlcpy(c->out->method, "?", sizeof(c->out->method));
	c->out->dbg[0] = '\0';
	if (json_parse_value(msg, len, &c->req, why, sizeof(why)) == -1) {
		rpc_error_set(&c->err, RPC_PARSE_ERROR, "Parse error",
		    json_object_new_string(why));
		return NULL;
	}
	if ((meth = check_request(methods, c->req, &c->id, &c->params,
	    &c->err)) == NULL) {
		c->params = NULL;	/* borrowed from req, if set */
		if (c->err.code == RPC_METHOD_NOT_FOUND)
			outcome_copy(c->req, "method", 1, c->out->method,
			    sizeof(c->out->method));
		return NULL;
	}
	strlcpy(c->out->method, meth->name, sizeof(c->out->method));
	if (c->params == NULL)
		c->params = json_object_new_object();
	else
		json_object_get(c->params);
	outcome_copy(c->params, "dbg", 0, c->out->dbg, sizeof(c->out->dbg));
	if (rpc_check_params(meth->params, c->params, &c->err) == -1)
		return NULL;
	return meth;
}

char *
rpc_call_reply(struct rpc_call *c, const struct rpc_error *failed)
{
	char *reply;

	if (failed != NULL) {
		json_object_put(c->result);
		c->result = NULL;
		json_object_put(c->err.data);
		c->err = *failed;
		json_object_get(c->err.data);
	}
	c->out->code = c->err.code;
	strlcpy(c->out->message, c->err.message, sizeof(c->out->message));
	reply = reply_text(c->id, c->result, &c->err);
	c->result = NULL;
	json_object_put(c->params);
	json_object_put(c->req);
	c->req = c->id = c->params = NULL;
	return reply;
}

char *
rpc_dispatch(const struct rpc_method *methods, const struct rpc_txn *txn,
    void *ctx, const char *msg, size_t len, struct rpc_outcome *out)
{
	const struct rpc_method *meth;
	struct rpc_call c;

	if ((meth = rpc_call_open(methods, msg, len, &c, out)) != NULL)
		rpc_call_run(meth, txn, ctx, &c);
	return rpc_call_reply(&c, NULL);
}

const struct rpc_param rpc_no_params[] = { { NULL, 0, 0 } };

int
rpc_service_version(void *ctx, struct json_object *params,
    struct json_object **result, struct rpc_error *err)
{
	(void)ctx;
	(void)params;
	(void)err;
	*result = json_object_new_object();
	json_object_object_add(*result, "api",
	    json_object_new_int(RPC_API_VERSION));
	json_object_object_add(*result, "build",
	    json_object_new_string(CPULEVEL_VERSION));
	return 0;
}
