/*
 * What the libFuzzer harnesses share: the check that stops a run when an
 * oracle fails, and the oracle every reply must pass, whichever daemon's
 * table answered it.
 */
#ifndef CPULEVEL_FUZZ_H
#define CPULEVEL_FUZZ_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonutil.h"
#include "rpc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * An oracle failed: say which, and abort, which libFuzzer reports.  The
 * words go out through the sanitizers' report, which still reaches the
 * console when libFuzzer was told to close the target's stderr
 * (-close_fd_mask=2: the featured harness, whose handlers log).
 */
#define FUZZ_CHECK(cond, ...) do {					\
	if (!(cond))							\
		fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);	\
} while (0)

void	__sanitizer_report_error_summary(const char *summary);

static inline void __attribute__((noreturn, format(printf, 4, 5)))
fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	int n;

	n = snprintf(msg, sizeof(msg), "oracle failed at %s:%d: %s: ", file,
	    line, cond);
	if (n > 0 && (size_t)n < sizeof(msg)) {
		va_start(ap, fmt);
		vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	__sanitizer_report_error_summary(msg);
	abort();
}

/* Every byte of buf[0..len) is part of a well-formed UTF-8 character. */
static inline int
fuzz_utf8(const char *buf, size_t len)
{
	size_t i, n;

	for (i = 0; i < len; i += n)
		if ((n = utf8_seq(buf + i, len - i)) == 0)
			return 0;
	return 1;
}

/* No byte a log line could be forged with: the escape's whole job. */
static inline int
fuzz_log_safe(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/*
 * The id the reply must carry: the request's own when it is a JSON object
 * whose id is an integer off the 64-bit limits or a string without a NUL
 * (proto/README.md), else none (the reply's is null).  Borrowed from req.
 */
static inline struct json_object *
fuzz_request_id(struct json_object *req)
{
	struct json_object *id;
	int64_t n;

	if (req == NULL || !json_object_is_type(req, json_type_object) ||
	    !json_object_object_get_ex(req, "id", &id))
		return NULL;
	if (json_object_is_type(id, json_type_int)) {
		n = json_object_get_int64(id);
		return n > INT64_MIN && n < INT64_MAX ? id : NULL;
	}
	return json_clean_string(id) != NULL ? id : NULL;
}

static inline int
fuzz_same_id(struct json_object *a, struct json_object *b)
{
	if (a == NULL || b == NULL)
		return a == NULL && b == NULL;
	if (json_object_is_type(a, json_type_int))
		return json_object_is_type(b, json_type_int) &&
		    json_object_get_int64(a) == json_object_get_int64(b);
	return json_object_is_type(b, json_type_string) &&
	    json_object_get_string_len(a) == json_object_get_string_len(b) &&
	    memcmp(json_object_get_string(a), json_object_get_string(b),
	    (size_t)json_object_get_string_len(a)) == 0;
}

/*
 * The oracle of every reply to the request msg[0..len): strict UTF-8, one
 * JSON-RPC 2.0 reply object carrying the request's id (null only when it
 * had none to carry), exactly one of result and error, an error with an
 * integer code and a string message; and the outcome the server logs is
 * escaped.  Returns the reply's error code (0 for a result).
 */
static inline int
fuzz_check_reply(const char *msg, size_t len, const char *reply,
    const struct rpc_outcome *out)
{
	struct json_object *req, *rep, *id, *v, *e, *want;
	char why[128];
	int has_result, has_error, parsed, code = 0;

	FUZZ_CHECK(reply != NULL, "no reply");
	FUZZ_CHECK(fuzz_utf8(reply, strlen(reply)), "%s", reply);
	rep = json_parse_one(reply, strlen(reply), why, sizeof(why));
	FUZZ_CHECK(rep != NULL, "%s: %s", why, reply);
	FUZZ_CHECK(json_object_is_type(rep, json_type_object), "%s", reply);
	FUZZ_CHECK(json_object_object_get_ex(rep, "jsonrpc", &v) &&
	    strcmp(json_object_get_string(v), "2.0") == 0, "%s", reply);
	FUZZ_CHECK(json_object_object_get_ex(rep, "id", &id), "%s", reply);
	/* JSON's null is JSON: parsed, req NULL. */
	parsed = json_parse_value(msg, len, &req, why, sizeof(why)) == 0;
	want = fuzz_request_id(req);
	FUZZ_CHECK(fuzz_same_id(want, id), "id: %s", reply);
	has_result = json_object_object_get_ex(rep, "result", NULL);
	has_error = json_object_object_get_ex(rep, "error", &e);
	FUZZ_CHECK(has_result + has_error == 1, "%s", reply);
	FUZZ_CHECK(json_object_object_length(rep) == 3, "%s", reply);
	if (has_error) {
		FUZZ_CHECK(json_object_is_type(e, json_type_object), "%s",
		    reply);
		FUZZ_CHECK(json_object_object_get_ex(e, "code", &v) &&
		    json_object_is_type(v, json_type_int), "%s", reply);
		code = json_object_get_int(v);
		FUZZ_CHECK(code != 0, "%s", reply);
		FUZZ_CHECK(json_object_object_get_ex(e, "message", &v) &&
		    json_object_is_type(v, json_type_string), "%s", reply);
		/* Not JSON: -32700, whose id is null. */
		FUZZ_CHECK(!parsed == (code == RPC_PARSE_ERROR),
		    "%s", reply);
	}
	FUZZ_CHECK(out->code == code, "outcome %d, reply %s", out->code,
	    reply);
	FUZZ_CHECK(fuzz_log_safe(out->method) && fuzz_log_safe(out->dbg),
	    "outcome not escaped: %s", reply);
	FUZZ_CHECK(fuzz_utf8(out->message, strlen(out->message)), "%s",
	    reply);
	json_object_put(req);
	json_object_put(rep);
	return code;
}

#endif
