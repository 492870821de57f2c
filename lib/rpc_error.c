/*
 * The errors a request can end in, built for the reply: JSON-RPC's own
 * codes and XenAPI's [CODE, params...].  Apart from the dispatcher
 * (rpc.c) because the parameter checks (rpc_params.c) and every handler
 * build them too: each of those files then calls into this one, and none
 * of them back.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rpc.h"

void
rpc_error_clear(struct rpc_error *err)
{
	json_object_put(err->data);
	memset(err, 0, sizeof(*err));
}

/* The message, cut on a character to fit (a peer's reply may be long). */
static void
set_message(struct rpc_error *err, const char *message)
{
	snprintf(err->message, sizeof(err->message), "%.*s",
	    (int)utf8_cut(message, sizeof(err->message) - 1), message);
}

void
rpc_error_set(struct rpc_error *err, int code, const char *message,
    struct json_object *data)
{
	json_object_put(err->data);
	err->code = code;
	set_message(err, message);
	err->data = data;
}

void
rpc_error_param(struct rpc_error *err, const char *param, const char *fmt,
    ...)
{
	struct json_object *data = json_object_new_object();
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	/* Not a character cut short, should the reason not fit. */
	why[utf8_cut(why, sizeof(why) - 1)] = '\0';
	json_object_object_add(data, "param", json_object_new_string(param));
	json_object_object_add(data, "reason", json_object_new_string(why));
	rpc_error_set(err, RPC_INVALID_PARAMS, "Invalid params", data);
}

void
rpc_error_api(struct rpc_error *err, const char *code, int n, ...)
{
	struct json_object *data = json_object_new_array();
	va_list ap;
	int i;

	va_start(ap, n);
	for (i = 0; i < n; i++)
		json_object_array_add(data,
		    json_object_new_string(va_arg(ap, const char *)));
	va_end(ap);
	rpc_error_set(err, RPC_API_ERROR, code, data);
}

void
rpc_error_internal(struct rpc_error *err, const char *what)
{
	rpc_error_set(err, RPC_INTERNAL_ERROR, "Internal error",
	    json_object_new_string(what));
}
