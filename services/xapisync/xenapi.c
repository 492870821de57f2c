/*
 * The XenAPI client's calls: JSON-RPC 2.0 requests posted to xapi's
 * /jsonrpc through libcurl (xenapi.h).  libcurl, not libevent's evhttp
 * client, because xapi's doors need what evhttp does not do cleanly:
 * HTTP over xapi's unix socket, and TLS with the peer verified against
 * the system store or a given CA.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "config.h"
#include "jsonutil.h"
#include "strlcpy.h"

#include "xenapi_int.h"

/* What xapi is told: the API version, and who we are (xapi counts a
 * client's sessions by originator). */
#define LOGIN_VERSION		"1.0"
#define ORIGINATOR		"cpulevel-xapi-sync"

/* curl writes up to CURL_ERROR_SIZE bytes into the error buffer. */
typedef char curl_err_fits[sizeof(((struct xenapi *)0)->curl_err) >=
    CURL_ERROR_SIZE ? 1 : -1];

static size_t
on_data(char *data, size_t size, size_t n, void *arg)
{
	struct xenapi *x = arg;
	size_t want, cap;
	char *p;

	n *= size;
	if (n > x->max - x->len) {
		/* Returning less than n makes curl stop the transfer. */
		x->too_big = 1;
		return 0;
	}
	if (x->len + n + 1 > x->cap) {
		want = x->len + n + 1;
		for (cap = x->cap ? x->cap : 65536; cap < want; cap *= 2)
			;
		if (cap > x->max + 1)
			cap = x->max + 1;
		if ((p = realloc(x->buf, cap)) == NULL)
			return 0;
		x->buf = p;
		x->cap = cap;
	}
	memcpy(x->buf + x->len, data, n);
	x->len += n;
	x->buf[x->len] = '\0';
	return n;
}

/* The options that hold for every call on this address. */
static int
setup(struct xenapi *x)
{
	CURL *c = x->curl;
	struct curl_slist *h = NULL, *t;
	const char *hdr[] = { "Content-Type: application/json",
	    "Accept: application/json",
	    /* Posts go at once, without waiting for a "100 Continue". */
	    "Expect:" };
	size_t i;
	int bad = 0;

	for (i = 0; i < sizeof(hdr) / sizeof(hdr[0]); i++) {
		if ((t = curl_slist_append(h, hdr[i])) == NULL) {
			curl_slist_free_all(h);
			return -1;
		}
		h = t;
	}
	x->headers = h;
	bad |= curl_easy_setopt(c, CURLOPT_URL, x->addr.endpoint);
	if (x->addr.scheme == XS_UNIX)
		bad |= curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH,
		    x->addr.sock);
#if LIBCURL_VERSION_NUM >= 0x075500
	bad |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	bad |= curl_easy_setopt(c, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	/* Never skipped: the peer's chain and its name. */
	bad |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	bad |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (x->ca != NULL)
		bad |= curl_easy_setopt(c, CURLOPT_CAINFO, x->ca);
	/* xapi is reached directly, never through a proxy that the
	 * environment (https_proxy, ...) may name. */
	bad |= curl_easy_setopt(c, CURLOPT_PROXY, "");
	bad |= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	bad |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	bad |= curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	bad |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
	    (long)XENAPI_CONNECT_TIMEOUT);
	bad |= curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	bad |= curl_easy_setopt(c, CURLOPT_USERAGENT,
	    ORIGINATOR "/" CPULEVEL_VERSION);
	bad |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	bad |= curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	bad |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, x->curl_err);
	bad |= curl_easy_setopt(c, CURLOPT_POST, 1L);
	return bad ? -1 : 0;
}

/* The CA file is read now, so that a wrong path is said at start. */
static int
ca_ok(const char *ca, struct xenapi_error *err)
{
	int fd;

	if ((fd = open(ca, O_RDONLY | O_CLOEXEC)) == -1) {
		xenapi_seterr(NULL, err, XENAPI_EURL, "--ca %s: %s", ca,
		    strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

struct xenapi *
xenapi_open(const char *url, const char *ca, struct xenapi_error *err)
{
	struct xenapi *x;
	char why[256];

	xenapi_clearerr(err);
	if ((x = calloc(1, sizeof(*x))) == NULL) {
		xenapi_seterr(NULL, err, XENAPI_ESYS, "xapi: out of memory");
		return NULL;
	}
	x->max = XENAPI_MAX_REPLY;
	x->next_id = 1;
	if (xenapi_parse_url(url, &x->addr, why, sizeof(why)) == -1) {
		xenapi_seterr(NULL, err, XENAPI_EURL, "%s", why);
		free(x);
		return NULL;
	}
	if (ca != NULL && x->addr.scheme != XS_HTTPS) {
		xenapi_seterr(NULL, err, XENAPI_EURL, "--ca is for an "
		    "https:// address only");
		free(x);
		return NULL;
	}
	if (ca != NULL && (ca_ok(ca, err) == -1 ||
	    (x->ca = strdup(ca)) == NULL)) {
		if (err->kind == XENAPI_OK)
			xenapi_seterr(NULL, err, XENAPI_ESYS, "xapi: out of "
			    "memory");
		free(x);
		return NULL;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		xenapi_seterr(NULL, err, XENAPI_ESYS, "xapi: libcurl would not "
		    "start");
		free(x->ca);
		free(x);
		return NULL;
	}
	/* From here xenapi_close() undoes the global init too. */
	x->global = 1;
	if ((x->curl = curl_easy_init()) == NULL || setup(x) == -1) {
		xenapi_seterr(NULL, err, XENAPI_ESYS, "xapi: libcurl would not "
		    "start");
		xenapi_close(x);
		return NULL;
	}
	return x;
}

void
xenapi_close(struct xenapi *x)
{
	if (x == NULL)
		return;
	if (x->curl != NULL)
		curl_easy_cleanup(x->curl);
	if (x->global)
		curl_global_cleanup();
	curl_slist_free_all(x->headers);
	xenapi_wipe(x->session, sizeof(x->session));
	if (x->buf != NULL)
		xenapi_wipe(x->buf, x->cap);
	free(x->buf);
	free(x->ca);
	free(x);
}

void
xenapi_set_max_reply(struct xenapi *x, size_t max)
{
	x->max = max ? max : XENAPI_MAX_REPLY;
}

int
xenapi_logged_in(const struct xenapi *x)
{
	return x->session[0] != '\0';
}

/* An HTTP error page, as one short line: tags and runs of space out. */
static void
page_text(const char *body, char *out, size_t len)
{
	size_t n = 0;
	int tag = 0, space = 0;

	for (; *body != '\0' && n + 1 < len; body++) {
		if (*body == '<')
			tag = 1;
		else if (*body == '>')
			tag = 0, space = 1;
		else if (!tag && (*body == ' ' || *body == '\n' ||
		    *body == '\r' || *body == '\t'))
			space = 1;
		else if (!tag) {
			if (space && n > 0 && n + 2 < len)
				out[n++] = ' ';
			out[n++] = *body;
			space = 0;
		}
	}
	out[n] = '\0';
	out[utf8_cut(out, n)] = '\0';
}

/* The HTTP exchange; the reply's body is in x->buf[0..x->len). */
static int
post(struct xenapi *x, const char *method, const char *body, size_t len,
    long timeout, struct xenapi_error *err)
{
	CURLcode rc;
	long status = 0;
	char text[360], *red;

	x->len = 0;
	if (x->buf != NULL)
		x->buf[0] = '\0';
	x->too_big = 0;
	x->curl_err[0] = '\0';
	curl_easy_setopt(x->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(x->curl, CURLOPT_POSTFIELDSIZE, (long)len);
	/* 0 would be no limit at all. */
	curl_easy_setopt(x->curl, CURLOPT_TIMEOUT, timeout > 0 ? timeout : 1L);
	rc = curl_easy_perform(x->curl);
	if (x->too_big) {
		xenapi_seterr(x, err, XENAPI_ETOOBIG, "xapi: %s: the reply is "
		    "larger than %zu bytes", method, x->max);
		return -1;
	}
	if (rc != CURLE_OK) {
		/* curl names "localhost port 80" for a unix socket: the
		 * address is said first, as it was given. */
		xenapi_seterr(x, err, XENAPI_ETRANSPORT, "xapi: %s: %s%s: "
		    "%s%s%s", method, x->addr.scheme == XS_UNIX ? "unix://" :
		    "", x->addr.scheme == XS_UNIX ? x->addr.sock :
		    x->addr.endpoint, curl_easy_strerror(rc),
		    x->curl_err[0] ? ": " : "", x->curl_err);
		return -1;
	}
	curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		err->http_status = status;
		/* xapi's 500 page may quote the request it could not read.
		 * A login's is not shown at all: it could hold the password
		 * in some quoting redaction does not know (HTML's, say).
		 * Any other's is redacted whole before it is cut, so no cut
		 * splits a session reference, which no quoting changes. */
		text[0] = '\0';
		if (x->password == NULL) {
			red = xenapi_redact_alloc(x, x->buf ? x->buf : "");
			page_text(red ? red : "", text, sizeof(text));
			free(red);
		}
		xenapi_seterr(x, err, XENAPI_EHTTP, "xapi: %s: HTTP %ld%s%s",
		    method, status, text[0] ? ": " : "", text);
		return -1;
	}
	return 0;
}

/* A string's bytes, and the JSON text that quoted them, zeroed. */
static void
wipe_string(struct json_object *s)
{
	xenapi_wipe((void *)json_object_get_string(s),
	    (size_t)json_object_get_string_len(s));
}

static int
rpc(struct xenapi *x, const char *method, struct json_object *args,
    long timeout, struct json_object **result, struct xenapi_error *err)
{
	struct json_object *req;
	const char *body;
	size_t len;
	long long id = x->next_id++;
	int rc = -1;

	*result = NULL;
	if ((req = json_object_new_object()) == NULL) {
		json_object_put(args);
		xenapi_seterr(x, err, XENAPI_ESYS, "xapi: out of memory");
		return -1;
	}
	json_object_object_add(req, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(req, "method", json_object_new_string(method));
	json_object_object_add(req, "params", args);
	json_object_object_add(req, "id", json_object_new_int64(id));
	body = json_compact(req);
	len = strlen(body);
	if (post(x, method, body, len, timeout, err) == 0)
		rc = xenapi_parse_reply(x, method, x->buf ? x->buf : "",
		    x->len, id, result, err);
	if (x->password != NULL)
		xenapi_wipe((void *)body, len);
	json_object_put(req);
	return rc;
}

int
xenapi_login(struct xenapi *x, const char *user, const char *password,
    struct xenapi_error *err)
{
	struct json_object *args, *pw, *res = NULL, *quoted;
	const char *s, *q;
	size_t qlen;
	int rc = -1;

	xenapi_clearerr(err);
	xenapi_wipe(x->session, sizeof(x->session));
	args = json_object_new_array();
	pw = json_object_new_string(password);
	quoted = json_object_new_string(password);
	if (args == NULL || pw == NULL || quoted == NULL) {
		json_object_put(args);
		json_object_put(pw);
		json_object_put(quoted);
		xenapi_seterr(x, err, XENAPI_ESYS, "xapi: out of memory");
		return -1;
	}
	/* The password as JSON text quotes it ("a\"b" for a"b): an echo
	 * of the request holds that form, so it is a secret too. */
	q = json_compact(quoted);
	qlen = strlen(q);
	x->password = password;
	x->password_json = strndup(q + 1, qlen - 2);
	json_object_array_add(args, json_object_new_string(user));
	json_object_array_add(args, json_object_get(pw));
	json_object_array_add(args, json_object_new_string(LOGIN_VERSION));
	json_object_array_add(args, json_object_new_string(ORIGINATOR));
	if (rpc(x, "session.login_with_password", args,
	    XENAPI_CALL_TIMEOUT, &res, err) == 0) {
		if ((s = json_clean_string(res)) == NULL || *s == '\0' ||
		    strlen(s) >= sizeof(x->session))
			xenapi_seterr(x, err, XENAPI_EMALFORMED, "xapi: "
			    "session.login_with_password: the result is not "
			    "a session reference");
		else {
			strlcpy(x->session, s, sizeof(x->session));
			rc = 0;
		}
	}
	if (res != NULL && json_object_is_type(res, json_type_string))
		wipe_string(res);
	json_object_put(res);
	wipe_string(pw);
	json_object_put(pw);
	wipe_string(quoted);
	xenapi_wipe((void *)q, qlen);
	json_object_put(quoted);
	if (x->password_json != NULL)
		xenapi_wipe(x->password_json, strlen(x->password_json));
	free(x->password_json);
	x->password_json = NULL;
	x->password = NULL;
	return rc;
}

int
xenapi_logout(struct xenapi *x, struct xenapi_error *err)
{
	struct json_object *res = NULL;
	int rc;

	xenapi_clearerr(err);
	if (!xenapi_logged_in(x))
		return 0;
	rc = xenapi_call(x, "session.logout", NULL, &res, err);
	json_object_put(res);
	xenapi_wipe(x->session, sizeof(x->session));
	return rc;
}

int
xenapi_call_timeout(struct xenapi *x, const char *method,
    struct json_object *params, long timeout, struct json_object **result,
    struct xenapi_error *err)
{
	struct json_object *args;
	size_t i, n;

	xenapi_clearerr(err);
	*result = NULL;
	/* As xapi would answer a call without a valid session: the
	 * caller's one path logs in again. */
	if (!xenapi_logged_in(x)) {
		strlcpy(err->code, "SESSION_INVALID", sizeof(err->code));
		xenapi_seterr(x, err, XENAPI_EFAILURE, "xapi: %s: not logged "
		    "in", method);
		return -1;
	}
	if (params != NULL && !json_object_is_type(params, json_type_array)) {
		xenapi_seterr(x, err, XENAPI_ESYS, "xapi: %s: params must be "
		    "a JSON array", method);
		return -1;
	}
	if ((args = json_object_new_array()) == NULL) {
		xenapi_seterr(x, err, XENAPI_ESYS, "xapi: out of memory");
		return -1;
	}
	json_object_array_add(args, json_object_new_string(x->session));
	n = params ? (size_t)json_object_array_length(params) : 0;
	for (i = 0; i < n; i++)
		json_object_array_add(args,
		    json_object_get(json_object_array_get_idx(params, i)));
	return rpc(x, method, args, timeout, result, err);
}

int
xenapi_call(struct xenapi *x, const char *method, struct json_object *params,
    struct json_object **result, struct xenapi_error *err)
{
	return xenapi_call_timeout(x, method, params, XENAPI_CALL_TIMEOUT,
	    result, err);
}

int
xenapi_event_from(struct xenapi *x, struct json_object *classes,
    const char *token, double timeout, struct json_object **result,
    struct xenapi_error *err)
{
	struct json_object *p;
	int rc;

	if ((p = json_object_new_array()) == NULL) {
		xenapi_clearerr(err);
		xenapi_seterr(x, err, XENAPI_ESYS, "xapi: out of memory");
		return -1;
	}
	json_object_array_add(p, json_object_get(classes));
	json_object_array_add(p, json_object_new_string(token));
	json_object_array_add(p, json_object_new_double(timeout));
	rc = xenapi_call_timeout(x, "event.from", p,
	    (long)timeout + XENAPI_EVENT_MARGIN, result, err);
	json_object_put(p);
	return rc;
}
