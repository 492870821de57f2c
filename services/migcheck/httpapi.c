/*
 * The HTTP front's answers: a GET's path names one of migcheck's methods
 * and its query gives the parameters.  Each answer is made by handing
 * rpc_dispatch() the JSON-RPC request the URL stands for, so that the
 * method table's parameter checks and handlers decide for HTTP exactly as
 * they do for the bus: the two can never disagree.
 *
 * xapi's proxy (xen-api ocaml/xapi/xapi_services.ml, get_handler: a path
 * "/services/plugin/NAME/..." goes to http_proxy_to_plugin, which
 * connects to /var/lib/xcp/plugin/NAME) writes the request line again
 * with the path as the client sent it, prefix included, and the query
 * re-encoded, session_id among it (ocaml/libs/http-lib/http.ml,
 * Request.to_header_list: "%s %s%s HTTP/%s" of method, path, "?" and the
 * query), and adds "Connection: close" (http_proxy.ml, Http_proxy.one).
 * So the prefix is optional here, and session_id is taken out before
 * anything is read or logged.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <json.h>

#include "log.h"
#include "migcheck.h"

#define PLUGIN_PREFIX	"/services/plugin/cpulevel"
/* Never read, never logged: xapi's proxy passes the caller's session. */
#define SESSION_PARAM	"session_id"

static const struct {
	const char	*path;
	const char	*method;
} routes[] = {
	{ "/check_migrate",	"VM.check_migrate" },
	{ "/possible_hosts",	"VM.get_possible_hosts" },
	{ "/pool",		"Pool.get_level" },
	{ NULL,			NULL }
};

/* {"error": {code, message, data}}, as a JSON-RPC error object. */
static char *
error_text(int code, const char *message, struct json_object *data)
{
	struct json_object *o = json_object_new_object();
	struct json_object *e = json_object_new_object();
	char *s;

	json_object_object_add(e, "code", json_object_new_int(code));
	json_object_object_add(e, "message",
	    json_object_new_string(message));
	json_object_object_add(e, "data", data);
	json_object_object_add(o, "error", e);
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

static char *
param_error(const char *param, const char *reason)
{
	struct json_object *d = json_object_new_object();

	json_object_object_add(d, "param", json_object_new_string(param));
	json_object_object_add(d, "reason", json_object_new_string(reason));
	return error_text(RPC_INVALID_PARAMS, "Invalid params", d);
}

static const char *
route_method(const char *path)
{
	size_t n = strlen(PLUGIN_PREFIX), i;

	if (strncmp(path, PLUGIN_PREFIX, n) == 0 && path[n] == '/')
		path += n;
	for (i = 0; routes[i].path; i++)
		if (strcmp(path, routes[i].path) == 0)
			return routes[i].method;
	return NULL;
}

/*
 * The query's parameters, decoded, session_id left out: NULL with *err
 * set when it is malformed or names a parameter twice.
 */
static struct json_object *
query_params(const char *query, char **err)
{
	struct evkeyvalq kv;
	struct evkeyval *p;
	struct json_object *params;

	TAILQ_INIT(&kv);
	if (query && evhttp_parse_query_str(query, &kv) == -1) {
		evhttp_clear_headers(&kv);
		*err = param_error("query", "not a well-formed query string");
		return NULL;
	}
	params = json_object_new_object();
	TAILQ_FOREACH(p, &kv, next) {
		if (strcmp(p->key, SESSION_PARAM) == 0)
			continue;
		if (json_object_object_get_ex(params, p->key, NULL)) {
			*err = param_error(p->key, "given twice");
			json_object_put(params);
			params = NULL;
			break;
		}
		json_object_object_add(params, p->key,
		    json_object_new_string(p->value));
	}
	evhttp_clear_headers(&kv);
	return params;
}

/* What rpc_dispatch() said, as the HTTP body: the result, or the error. */
static char *
reply_body(const char *reply)
{
	struct json_object *o = json_tokener_parse(reply), *v;
	char *s = NULL;

	if (o && json_object_object_get_ex(o, "result", &v))
		s = strdup(json_object_to_json_string_ext(v,
		    JSON_C_TO_STRING_PLAIN));
	else if (o && json_object_object_get_ex(o, "error", &v)) {
		json_object_get(v);
		json_object_put(o);
		o = json_object_new_object();
		json_object_object_add(o, "error", v);
		s = strdup(json_object_to_json_string_ext(o,
		    JSON_C_TO_STRING_PLAIN));
	}
	json_object_put(o);
	return s;
}

static char *
dispatch(struct migcheck *m, const char *method, struct json_object *params,
    struct rpc_outcome *out)
{
	struct json_object *req = json_object_new_object();
	const char *text;
	char *reply, *body = NULL;

	json_object_object_add(req, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(req, "id", json_object_new_int(1));
	json_object_object_add(req, "method", json_object_new_string(method));
	json_object_object_add(req, "params", params);
	text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	reply = rpc_dispatch(migcheck_methods, NULL, m, text, strlen(text),
	    out);
	json_object_put(req);
	if (reply)
		body = reply_body(reply);
	free(reply);
	return body;
}

/*
 * The body answering a request, malloc'd (NULL: out of memory), and in
 * *code the JSON-RPC code it carries (0 for a result), for the log.
 */
char *
http_answer(struct migcheck *m, int is_get, const struct evhttp_uri *uri,
    int *code)
{
	const char *path = evhttp_uri_get_path(uri), *method;
	struct json_object *params;
	struct rpc_outcome o;
	char *body = NULL;

	*code = RPC_INVALID_PARAMS;
	if (!is_get) {
		*code = RPC_INVALID_REQUEST;
		return error_text(RPC_INVALID_REQUEST, "Invalid request",
		    json_object_new_string("only GET is served"));
	}
	if ((method = route_method(path ? path : "")) == NULL) {
		*code = RPC_METHOD_NOT_FOUND;
		return error_text(RPC_METHOD_NOT_FOUND, "Method not found",
		    json_object_new_string(path ? path : ""));
	}
	if ((params = query_params(evhttp_uri_get_query(uri), &body)) == NULL)
		return body;
	body = dispatch(m, method, params, &o);
	*code = o.code;
	return body;
}

/*
 * The request as a log line may show it: the path, and the query's
 * parameters but session_id, all escaped.
 */
void
http_log_uri(const struct evhttp_uri *uri, char *buf, size_t len)
{
	char esc[LOG_ESC_SIZE(128)];
	struct evkeyvalq kv;
	struct evkeyval *p;
	const char *query = evhttp_uri_get_query(uri);
	size_t n;

	n = snprintf(buf, len, "%s", log_esc(evhttp_uri_get_path(uri), esc,
	    sizeof(esc)));
	TAILQ_INIT(&kv);
	if (query && evhttp_parse_query_str(query, &kv) == -1) {
		if (n < len)
			snprintf(buf + n, len - n, "?(malformed query)");
		evhttp_clear_headers(&kv);
		return;
	}
	TAILQ_FOREACH(p, &kv, next) {
		if (n >= len)
			break;
		n += snprintf(buf + n, len - n, "%s%s", p == TAILQ_FIRST(&kv) ?
		    "?" : "&", log_esc(p->key, esc, sizeof(esc)));
		if (n < len && strcmp(p->key, SESSION_PARAM) != 0)
			n += snprintf(buf + n, len - n, "=%s",
			    log_esc(p->value, esc, sizeof(esc)));
	}
	evhttp_clear_headers(&kv);
}
