/*
 * xapi's JSON-RPC replies, its failures, and the error text the client
 * writes, with its secrets taken out.
 *
 * The shapes, as xapi writes them (xen-api, ocaml/xapi/api_server.ml,
 * jsoncallback and callback1; ocaml-rpc, src/lib/jsonrpc.ml,
 * json_of_response; doc/content/xen-api/wire-protocol.md, "JSON-RPC
 * v2.0 Return Values"):
 *
 *   {"jsonrpc": "2.0", "result": VALUE, "id": ID}
 *   {"jsonrpc": "2.0", "error": {"code": 1, "message": "SESSION_INVALID",
 *    "data": ["OpaqueRef:..."]}, "id": ID}
 *
 * callback1 turns a failure's [CODE, PARAM...] into that object for a
 * 2.0 request (json_of_error_object with error_code_lit = 1, in
 * ocaml/xapi/api_server_common.ml: code is always 1, message the
 * XenAPI code, data its parameters).  A Server_error raised before the
 * dispatch (jsoncallback's handler) is sent as version 2.0 with the
 * failure as it is, an array, and the default id 0:
 *
 *   {"jsonrpc": "2.0", "error": ["CODE", "PARAM", ...], "id": 0}
 *
 * and a 1.0 reply has "error": [...] beside "result": null.  All three
 * are read.  The id is checked on success only: the array form does not
 * carry the request's.  A malformed request gets HTTP 500 and an HTML
 * page, which xenapi.c reports with its status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonutil.h"
#include "log.h"
#include "strlcpy.h"

#include "xenapi_int.h"

static const char REDACTED[] = "(redacted)";

void
xenapi_clearerr(struct xenapi_error *err)
{
	memset(err, 0, sizeof(*err));
}

/* The secrets in force: the session, the password and its JSON form. */
static size_t
secrets(const struct xenapi *x, const char *out[3])
{
	size_t n = 0;

	if (x == NULL)
		return 0;
	if (x->session[0] != '\0')
		out[n++] = x->session;
	if (x->password != NULL && x->password[0] != '\0')
		out[n++] = x->password;
	if (x->password_json != NULL && x->password_json[0] != '\0')
		out[n++] = x->password_json;
	return n;
}

/* The length of the secret at p (the longest, if two start), or 0. */
static size_t
secret_at(const char *p, const char *const *sec, size_t nsec)
{
	size_t i, n, best = 0;

	for (i = 0; i < nsec; i++) {
		n = strlen(sec[i]);
		if (n > best && strncmp(p, sec[i], n) == 0)
			best = n;
	}
	return best;
}

char *
xenapi_redact_alloc(const struct xenapi *x, const char *s)
{
	const char *sec[3], *p;
	size_t nsec, n, out;
	char *r;

	nsec = secrets(x, sec);
	/* Measured first: a 64 MiB page must not cost ten times that. */
	for (p = s, out = 0; *p != '\0'; out++)
		if ((n = secret_at(p, sec, nsec)) > 0) {
			p += n;
			out += sizeof(REDACTED) - 2;
		} else
			p++;
	if ((r = malloc(out + 1)) == NULL)
		return NULL;
	for (p = s, out = 0; *p != '\0';)
		if ((n = secret_at(p, sec, nsec)) > 0) {
			memcpy(r + out, REDACTED, sizeof(REDACTED) - 1);
			out += sizeof(REDACTED) - 1;
			p += n;
		} else
			r[out++] = *p++;
	r[out] = '\0';
	return r;
}

void
xenapi_redact(const struct xenapi *x, const char *in, char *out, size_t len)
{
	char *r;

	if (len == 0)
		return;
	if ((r = xenapi_redact_alloc(x, in)) == NULL) {
		strlcpy(out, REDACTED, len);
		return;
	}
	strlcpy(out, r, len);
	out[utf8_cut(out, len - 1)] = '\0';
	free(r);
}

void
xenapi_seterr(const struct xenapi *x, struct xenapi_error *err,
    enum xenapi_errkind kind, const char *fmt, ...)
{
	va_list ap;
	char *raw = NULL, *red;
	int n;

	err->kind = kind;
	va_start(ap, fmt);
	n = vasprintf(&raw, fmt, ap);
	va_end(ap);
	if (n < 0) {
		strlcpy(err->msg, "xapi: out of memory", sizeof(err->msg));
		return;
	}
	/* Redacted whole, before any cut could split a secret. */
	red = xenapi_redact_alloc(x, raw);
	free(raw);
	if (red == NULL) {
		strlcpy(err->msg, "xapi: out of memory", sizeof(err->msg));
		return;
	}
	log_esc(red, err->msg, sizeof(err->msg));
	free(red);
}

/* A failure's code and parameters into err, and its one line. */
static int
failure(struct xenapi *x, const char *method, struct json_object *code,
    struct json_object *data, size_t first, struct xenapi_error *err)
{
	struct json_object *p;
	const char *s;
	char line[1024], param[XENAPI_PARAM_SIZE];
	size_t i, n, at;

	if ((s = json_clean_string(code)) == NULL || *s == '\0') {
		xenapi_seterr(x, err, XENAPI_EMALFORMED, "xapi: %s: an error "
		    "without a code", method);
		return -1;
	}
	strlcpy(err->code, s, sizeof(err->code));
	err->code[utf8_cut(err->code, sizeof(err->code) - 1)] = '\0';
	n = data != NULL && json_object_is_type(data, json_type_array) ?
	    (size_t)json_object_array_length(data) : 0;
	at = (size_t)snprintf(line, sizeof(line), "%s", err->code);
	for (i = first; i < n; i++) {
		p = json_object_array_get_idx(data, i);
		if ((s = json_clean_string(p)) == NULL)
			s = json_compact(p);
		xenapi_redact(x, s, param, sizeof(param));
		if (err->nparams < XENAPI_MAX_PARAMS)
			strlcpy(err->params[err->nparams++], param,
			    sizeof(param));
		if (at < sizeof(line))
			at += (size_t)snprintf(line + at, sizeof(line) - at,
			    "%s%s", i == first ? " [" : ", ", param);
	}
	if (n > first && at < sizeof(line))
		snprintf(line + at, sizeof(line) - at, "]");
	xenapi_seterr(x, err, XENAPI_EFAILURE, "xapi: %s: %s", method, line);
	return -1;
}

/* The "error" member, in any of its three shapes. */
static int
error_member(struct xenapi *x, const char *method, struct json_object *e,
    struct xenapi_error *err)
{
	struct json_object *msg, *data = NULL;

	if (json_object_is_type(e, json_type_object)) {
		if (!json_object_object_get_ex(e, "message", &msg)) {
			xenapi_seterr(x, err, XENAPI_EMALFORMED, "xapi: %s: "
			    "an error object without a message", method);
			return -1;
		}
		json_object_object_get_ex(e, "data", &data);
		return failure(x, method, msg, data, 0, err);
	}
	if (json_object_is_type(e, json_type_array) &&
	    json_object_array_length(e) > 0)
		return failure(x, method, json_object_array_get_idx(e, 0), e,
		    1, err);
	xenapi_seterr(x, err, XENAPI_EMALFORMED, "xapi: %s: an error that is "
	    "neither an object nor a [code, ...] array", method);
	return -1;
}

int
xenapi_parse_reply(struct xenapi *x, const char *method, const char *buf,
    size_t len, long long id, struct json_object **result,
    struct xenapi_error *err)
{
	struct json_object *reply, *e = NULL, *r, *rid;
	char why[128];
	int rc = -1;

	*result = NULL;
	if ((reply = json_parse_one(buf, len, why, sizeof(why))) == NULL) {
		xenapi_seterr(x, err, XENAPI_EMALFORMED, "xapi: %s: the reply "
		    "is not JSON: %s", method, why);
		return -1;
	}
	if (!json_object_is_type(reply, json_type_object)) {
		xenapi_seterr(x, err, XENAPI_EMALFORMED, "xapi: %s: the reply "
		    "is not a JSON-RPC object", method);
		goto out;
	}
	if (json_object_object_get_ex(reply, "error", &e) && e != NULL) {
		rc = error_member(x, method, e, err);
		goto out;
	}
	if (!json_object_object_get_ex(reply, "result", &r)) {
		xenapi_seterr(x, err, XENAPI_EMALFORMED, "xapi: %s: the reply "
		    "has neither result nor error", method);
		goto out;
	}
	if (!json_object_object_get_ex(reply, "id", &rid) ||
	    !json_object_is_type(rid, json_type_int) ||
	    json_object_get_int64(rid) != id) {
		xenapi_seterr(x, err, XENAPI_EMALFORMED, "xapi: %s: the reply's "
		    "id is not the request's (%lld)", method, id);
		goto out;
	}
	*result = json_object_get(r);
	rc = 0;
out:
	json_object_put(reply);
	return rc;
}

int
xenapi_is_failure(const struct xenapi_error *err, const char *code)
{
	return err->kind == XENAPI_EFAILURE && strcmp(err->code, code) == 0;
}
