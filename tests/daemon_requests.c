/*
 * The daemon harness (daemon_harness.h): requests on a daemon's REQ
 * socket, the checks of its replies, and the steps every story takes.
 */
#include <sys/wait.h>

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>
#include <nanomsg/nn.h>
#include <nanomsg/reqrep.h>

#include "tap.h"
#include "daemon_harness.h"

/* ---- sockets and requests ------------------------------------------ */

int
fc_req_socket(const char *url, int rcv_ms, int snd_ms)
{
	int s = nn_socket(AF_SP, NN_REQ);

	if (s < 0)
		return -1;
	if (nn_setsockopt(s, NN_SOL_SOCKET, NN_RCVTIMEO, &rcv_ms,
	    sizeof(rcv_ms)) < 0 ||
	    nn_setsockopt(s, NN_SOL_SOCKET, NN_SNDTIMEO, &snd_ms,
	    sizeof(snd_ms)) < 0 ||
	    nn_connect(s, url) < 0) {
		nn_close(s);
		return -1;
	}
	return s;
}

/*
 * Receive one message on s (its own NN_RCVTIMEO applies); the text is
 * kept in f->last_raw.  -1 on timeout or error (errno).
 */
int
fc_recv_text(struct featured *f, int s)
{
	void *buf = NULL;
	int n = nn_recv(s, &buf, NN_MSG, 0);

	if (n < 0)
		return -1;
	free(f->last_raw);
	f->last_raw = malloc((size_t)n + 1);
	if (f->last_raw == NULL)
		abort();
	memcpy(f->last_raw, buf, (size_t)n);
	f->last_raw[n] = '\0';
	nn_freemsg(buf);
	return n;
}

/*
 * Send len raw bytes on s and return the parsed reply, or NULL (no reply
 * in time: *timed_out is set; or a reply that is not JSON).
 */
json_object *
fc_exchange(struct featured *f, int s, const void *msg, size_t len,
    int *timed_out)
{
	int n;

	*timed_out = 0;
	if (nn_send(s, msg, len, 0) < 0) {
		*timed_out = 1;
		return NULL;
	}
	n = fc_recv_text(f, s);
	if (n < 0) {
		*timed_out = 1;
		return NULL;
	}
	return jparse(f->last_raw, (size_t)n);
}

/*
 * Send raw bytes as a request on the main REQ socket; the parsed reply,
 * or NULL when no reply came in time (the daemon must still be alive, or
 * the test bails out) or the reply is not JSON (diagnosed).
 */
json_object *
fc_call_raw(struct featured *f, const void *msg, size_t len)
{
	json_object *r;
	int timed_out;

	r = fc_exchange(f, f->req, msg, len, &timed_out);
	if (timed_out) {
		if (!fc_alive(f))
			fc_bail(f, "the daemon died during a request");
		diag("no reply within %d ms (%s)", FC_RPC_TIMEOUT_MS,
		    nn_strerror(nn_errno()));
		return NULL;
	}
	if (r == NULL)
		diag("reply is not one JSON text: %.300s", f->last_raw);
	return r;
}

json_object *
fc_cpu_info(const char *set)
{
	return jobj("vendor", js("GenuineIntel"), "features_pv", js(set),
	    "features_hvm", js(set), "features_pv_host", js(set),
	    "features_hvm_host", js(set), "cpu_count", js("8"),
	    "socket_count", js("1"), NULL);
}

/*
 * A JSON-RPC request; params (owned, NULL: omitted) by name.  Returns the
 * parsed reply, whose id is checked against the request's.
 */
json_object *
fc_call(struct featured *f, const char *method, json_object *params)
{
	json_object *req = json_object_new_object(), *r, *id;
	const char *text;
	long long myid = ++f->next_id;
	int present;

	json_object_object_add(req, "jsonrpc", js("2.0"));
	json_object_object_add(req, "id", ji(myid));
	json_object_object_add(req, "method", js(method));
	if (params != NULL)
		json_object_object_add(req, "params", params);
	text = jtext(req);
	r = fc_call_raw(f, text, strlen(text));
	if (r != NULL) {
		id = jget(r, "id", &present);
		if (!present || id == NULL ||
		    !json_object_is_type(id, json_type_int) ||
		    json_object_get_int64(id) != myid ||
		    jstr(r, "jsonrpc") == NULL ||
		    strcmp(jstr(r, "jsonrpc"), "2.0") != 0) {
			tap_ok(0, __FILE__, __LINE__,
			    "reply to a request is JSON-RPC 2.0 with its id");
			diag("request: %.300s", jtext(req));
			diag("reply:   %.300s", f->last_raw);
		}
	}
	json_object_put(req);
	return r;
}

/* ---- checking replies ----------------------------------------------- */

/*
 * One TAP line: the reply is a success.  *res gets the result (borrowed
 * from reply; NULL for JSON null or on failure).
 */
int
fc_expect_result(json_object *reply, const char *file, int line,
    const char *what, json_object **res)
{
	int has_result, has_error, good;
	json_object *r = jget(reply, "result", &has_result);

	jget(reply, "error", &has_error);
	good = reply != NULL && has_result && !has_error;
	if (res != NULL)
		*res = good ? r : NULL;
	if (!tap_ok(good, file, line, what))
		diag("  reply: %.600s", reply ? jtext(reply) : "(none)");
	return good;
}

/*
 * One TAP line: the reply is the error code/message whose data is the
 * array of strings given (NULL-terminated).  message NULL: not checked
 * (JSON-RPC errors), and then data is not checked either.
 */
int
fc_expect_error(json_object *reply, const char *file, int line,
    const char *what, int code, const char *message, ...)
{
	json_object *err = jget(reply, "error", NULL), *data, *c;
	const char *want, *got;
	va_list ap;
	size_t i = 0;
	int good = err != NULL && jget(reply, "result", NULL) == NULL;

	c = jget(err, "code", NULL);
	if (c == NULL || !json_object_is_type(c, json_type_int) ||
	    json_object_get_int64(c) != code)
		good = 0;
	if (message != NULL) {
		got = jstr(err, "message");
		if (got == NULL || strcmp(got, message) != 0)
			good = 0;
		data = jget(err, "data", NULL);
		if (data == NULL || !json_object_is_type(data, json_type_array))
			good = 0;
		va_start(ap, message);
		while ((want = va_arg(ap, const char *)) != NULL) {
			got = jstr(jidx(data, i), "");
			if (got == NULL || strcmp(got, want) != 0)
				good = 0;
			i++;
		}
		va_end(ap);
		if (jlen(data) != i)
			good = 0;
	}
	if (!tap_ok(good, file, line, what)) {
		diag("  want code %d%s%s", code, message ? " message " : "",
		    message ? message : "");
		diag("  reply: %.600s", reply ? jtext(reply) : "(none)");
	}
	return good;
}

/* One TAP line: -32602 whose data names param (not checked if NULL). */
int
fc_expect_invalid_params(json_object *reply, const char *file, int line,
    const char *what, const char *param)
{
	json_object *err = jget(reply, "error", NULL);
	json_object *c = jget(err, "code", NULL);
	const char *p = jstr(err, "data.param");
	int good = c != NULL && json_object_is_type(c, json_type_int) &&
	    json_object_get_int64(c) == -32602 &&
	    jstr(err, "data.reason") != NULL &&
	    (param == NULL || (p != NULL && strcmp(p, param) == 0));

	if (!tap_ok(good, file, line, what)) {
		diag("  want -32602 with data {\"param\": \"%s\", \"reason\": "
		    "...}", param ? param : "*");
		diag("  reply: %.600s", reply ? jtext(reply) : "(none)");
	}
	return good;
}

/* One TAP line: a success whose result is null. */
int
fc_expect_null(json_object *r, const char *file, int line, const char *what)
{
	int has_result, has_error;
	json_object *res = jget(r, "result", &has_result);
	int good;

	jget(r, "error", &has_error);
	good = r != NULL && has_result && res == NULL && !has_error;
	if (!tap_ok(good, file, line, what))
		diag("  want result null; reply: %.600s",
		    r ? jtext(r) : "(none)");
	return good;
}

json_object *
fc_call_ok(struct featured *f, const char *file, int line, const char *what,
    const char *method, json_object *params, json_object **res)
{
	json_object *r = fc_call(f, method, params);

	fc_expect_result(r, file, line, what, res);
	return r;
}

/* ---- steps of a story ----------------------------------------------- */

/* Start the daemon, or bail out; one TAP line once it answers. */
void
fc_start_checked(struct featured *f, const char *who)
{
	char err[512];

	if (fc_start(f, 5000, err, sizeof(err)) != 0) {
		diag("%s", err);
		fc_bail(f, L("could not start %s", who));
	}
	ok(1, L("%s answers Service.version", who));
}

/* SIGTERM: two TAP lines, it exits within 5 s, with status 0. */
void
fc_stop_checked(struct featured *f, const char *who)
{
	char st[64];

	if (!ok(fc_signal_wait(f, SIGTERM, 5000),
	    L("SIGTERM: %s exits within 5 s", who)))
		fc_kill_hard(f);
	fc_describe_status(f->status, st, sizeof(st));
	ok(WIFEXITED(f->status) && WEXITSTATUS(f->status) == 0,
	    L("SIGTERM: %s exits with status 0 (%s)", who, st));
	fc_close_sockets(f);
}

/*
 * Service.version is {api: 1, build: a string}, and takes a dbg string:
 * four TAP lines, their labels after prefix ("" or "migcheck: ").
 */
void
fc_check_version(struct featured *f, const char *prefix, const char *dbg)
{
	json_object *r, *res, *api;

	r = fc_call(f, "Service.version", NULL);
	if (expect_result(r, L("%sService.version", prefix), &res)) {
		api = jget(res, "api", NULL);
		ok(api != NULL && json_object_is_type(api, json_type_int) &&
		    json_object_get_int64(api) == 1,
		    L("%sService.version: api 1", prefix));
		ok(jstr(res, "build") != NULL && *jstr(res, "build") != '\0',
		    L("%sService.version: build is a string", prefix));
	}
	json_object_put(r);
	r = fc_call(f, "Service.version", jobj("dbg", js(dbg), NULL));
	expect_result(r, L("%sService.version with a dbg string", prefix),
	    NULL);
	json_object_put(r);
}

/*
 * Add to snap, under name, what f answers to method with params: the
 * result, or the error.  A snapshot of what a client can read.
 */
void
fc_take(struct featured *f, json_object *snap, const char *name,
    const char *method, json_object *params)
{
	json_object *r = fc_call(f, method, params), *v;

	v = jget(r, "result", NULL);
	if (v == NULL)
		v = jget(r, "error", NULL);
	json_object_object_add(snap, name, json_object_get(v));
	json_object_put(r);
}

