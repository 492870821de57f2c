/*
 * The JSON-RPC codec (lib/rpc.c, rpc_params.c, rpc_client.c) against proto/README.md: rpc_dispatch()
 * driven with a small method table, every reply parsed back with json-c,
 * the transaction hooks it runs writers in (test_txn), and the client
 * half (rpc_request_new, rpc_reply_parse).
 *
 * Requests in the tables are written with ' for " to stay readable; q()
 * turns them into JSON.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "jsonutil.h"
#include "rpc.h"
#include "rpc_client.h"
#include "tap.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* ---- the method table under test ---- */

struct ctx {
	int	 calls;		/* handler runs */
	void	*seen;		/* the ctx the handler was given */
	char	 ps[32];	/* rpc_param_power_state() of the last "ps" */
};

static int
h_echo(void *c, struct json_object *params, struct json_object **result,
    struct rpc_error *err)
{
	struct ctx *x = c;

	(void)err;
	x->calls++;
	x->seen = c;
	x->ps[0] = '\0';
	if (rpc_param_string(params, "ps") != NULL)
		snprintf(x->ps, sizeof(x->ps), "%s", power_state_name(
		    rpc_param_power_state(params, "ps", (enum power_state)-1)));
	*result = json_object_get(params);
	return 0;
}

static int
h_fail(void *c, struct json_object *params, struct json_object **result,
    struct rpc_error *err)
{
	struct ctx *x = c;

	(void)params;
	(void)result;
	x->calls++;
	rpc_error_api(err, "VM_BAD_POWER_STATE", 3, "vm1", "halted",
	    "running");
	return -1;
}

static int
h_null(void *c, struct json_object *params, struct json_object **result,
    struct rpc_error *err)
{
	struct ctx *x = c;

	(void)params;
	(void)err;
	x->calls++;
	*result = NULL;
	return 0;
}

static const struct rpc_param echo_params[] = {
	{ "host", P_ID, 1 },
	{ "fs", P_FEATURESET, 0 },
	{ "flag", P_BOOL, 0 },
	{ "n", P_INT, 0 },
	{ "ps", P_POWER_STATE, 0 },
	{ "dt", P_DOMAIN_TYPE, 0 },
	{ "ci", P_CPUINFO, 0 },
	{ "flags", P_FLAGS, 0 },
	{ "s", P_STRING, 0 },
	{ "obj", P_ANY_OBJECT, 0 },
	{ NULL, 0, 0 }
};
static const struct rpc_param opt_params[] = {
	{ "n", P_INT, 0 },
	{ NULL, 0, 0 }
};
static const struct rpc_param no_params[] = {
	{ NULL, 0, 0 }
};
static const struct rpc_param nullable_params[] = {
	{ "host", P_ID, RPC_NULLABLE },
	{ "dt", P_DOMAIN_TYPE, RPC_NULLABLE },
	{ NULL, 0, 0 }
};

static const struct rpc_method methods[] = {
	{ "Test.echo", RPC_READS, h_echo, echo_params },
	{ "Test.opt", RPC_READS, h_echo, opt_params },
	{ "Test.fail", RPC_READS, h_fail, no_params },
	{ "Test.null", RPC_READS, h_null, no_params },
	{ "Test.nullable", RPC_READS, h_echo, nullable_params },
	{ NULL, 0, NULL, NULL }
};

static struct ctx ctx;

/* ---- helpers ---- */

static void *
xmalloc(size_t n)
{
	void *p = malloc(n);

	if (p == NULL) {
		perror("malloc");
		exit(2);
	}
	return p;
}

/* The table's request text with ' turned into ". */
static char *
q(const char *s)
{
	char *r = xmalloc(strlen(s) + 1), *p;

	strcpy(r, s);
	for (p = r; *p; p++)
		if (*p == '\'')
			*p = '"';
	return r;
}

static char *
repeat(char c, size_t n)
{
	char *s = xmalloc(n + 1);

	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static char *
xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) == -1) {
		perror("vasprintf");
		exit(2);
	}
	va_end(ap);
	return s;
}

static char label[512];

static const char *
L(const char *name, const char *what)
{
	snprintf(label, sizeof(label), "%s: %s", name, what);
	return label;
}

/*
 * Strict UTF-8 (RFC 3629: no overlong form, no surrogate, nothing past
 * U+10FFFF, no sequence cut short), decoded here rather than checked
 * with lib/'s table, so that a mistake there cannot hide itself.
 */
static int
utf8_strict(const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0, n, k;
	uint32_t cp, min;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			n = 1;
			cp = s[i] & 0x1f;
			min = 0x80;
		} else if ((s[i] & 0xf0) == 0xe0) {
			n = 2;
			cp = s[i] & 0x0f;
			min = 0x800;
		} else if ((s[i] & 0xf8) == 0xf0) {
			n = 3;
			cp = s[i] & 0x07;
			min = 0x10000;
		} else
			return 0;
		if (len - i <= n)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

/*
 * rpc_dispatch on (msg, len), the reply parsed; NULL if it does not parse.
 * Every reply, error or not, is decoded as strict UTF-8 first.
 */
static struct json_object *
dispatch_len(const char *name, const char *msg, size_t len,
    struct rpc_outcome *out)
{
	struct rpc_outcome o;
	struct json_object *r, *v;
	char *reply;

	reply = rpc_dispatch(methods, NULL, &ctx, msg, len, out ? out : &o);
	if (!ok(reply != NULL, L(name, "rpc_dispatch returns a reply")))
		return NULL;
	if (!ok(utf8_strict(reply, strlen(reply)),
	    L(name, "the reply is well-formed UTF-8")))
		printf("#   reply: %s\n", reply);
	r = json_tokener_parse(reply);
	if (!ok(r != NULL && json_object_is_type(r, json_type_object),
	    L(name, "the reply is a JSON object")))
		printf("#   reply: %s\n", reply);
	else {
		ok(json_object_object_get_ex(r, "jsonrpc", &v) &&
		    json_object_is_type(v, json_type_string) &&
		    strcmp(json_object_get_string(v), "2.0") == 0,
		    L(name, "the reply has \"jsonrpc\":\"2.0\""));
		if (!json_object_object_get_ex(r, "id", NULL))
			printf("#   reply without id: %s\n", reply);
	}
	free(reply);
	return r;
}

static struct json_object *
dispatch(const char *name, const char *msg, struct rpc_outcome *out)
{
	return dispatch_len(name, msg, strlen(msg), out);
}

/* The reply's id as JSON text ("null" for null, "(absent)" if missing). */
static const char *
id_text(struct json_object *r)
{
	struct json_object *v;

	if (!json_object_object_get_ex(r, "id", &v))
		return "(absent)";
	return v ? json_compact(v) : "null";
}

static const char *
std_message(int code)
{
	switch (code) {
	case RPC_PARSE_ERROR:
		return "Parse error";
	case RPC_INVALID_REQUEST:
		return "Invalid request";
	case RPC_METHOD_NOT_FOUND:
		return "Method not found";
	case RPC_INVALID_PARAMS:
		return "Invalid params";
	case RPC_INTERNAL_ERROR:
		return "Internal error";
	default:
		return "INVALID_FEATURE_STRING";
	}
}

enum dkind {
	D_STRING,	/* a non-empty string, equal to want if not NULL */
	D_PARAM,	/* data is {param: want, reason: a non-empty string} */
	D_API		/* data is [want] */
};

static int
data_fits(struct json_object *data, enum dkind dk, const char *want)
{
	struct json_object *v;
	const char *s;

	switch (dk) {
	case D_STRING:
		return json_object_is_type(data, json_type_string) &&
		    json_object_get_string_len(data) > 0 && (want == NULL ||
		    strcmp(json_object_get_string(data), want) == 0);
	case D_PARAM:
		if (!json_object_is_type(data, json_type_object) ||
		    !json_object_object_get_ex(data, "reason", &v) ||
		    !json_object_is_type(v, json_type_string) ||
		    json_object_get_string_len(v) == 0)
			return 0;
		s = rpc_param_string(data, "param");
		return s != NULL && strcmp(s, want) == 0;
	case D_API:
		return json_object_is_type(data, json_type_array) &&
		    json_object_array_length(data) == 1 &&
		    (v = json_object_array_get_idx(data, 0)) != NULL &&
		    json_object_is_type(v, json_type_string) &&
		    strcmp(json_object_get_string(v), want) == 0;
	}
	return 0;
}

/*
 * One request that must fail: code and message, the echoed id, the data,
 * no result, and the handler never ran.
 */
static void
expect_error_len(const char *name, const char *msg, size_t len, int code,
    const char *id, enum dkind dk, const char *data)
{
	struct json_object *r, *e, *v;
	struct rpc_outcome o;
	int calls = ctx.calls;

	if ((r = dispatch_len(name, msg, len, &o)) == NULL)
		return;
	if (!ok(json_object_object_get_ex(r, "error", &e) &&
	    json_object_is_type(e, json_type_object),
	    L(name, "the reply has an error object")))
		printf("#   reply: %s\n", json_compact(r));
	else {
		v = NULL;
		json_object_object_get_ex(e, "code", &v);
		if (!ok(json_object_is_type(v, json_type_int) &&
		    json_object_get_int(v) == code, L(name, "error code")))
			printf("#   got %s, want %d\n", json_compact(r), code);
		v = NULL;
		json_object_object_get_ex(e, "message", &v);
		is_str(json_object_is_type(v, json_type_string) ?
		    json_object_get_string(v) : "(not a string)",
		    std_message(code), L(name, "error message"));
		v = NULL;
		json_object_object_get_ex(e, "data", &v);
		if (!ok(data_fits(v, dk, data), L(name, "error data")))
			printf("#   data %s, want %s\n",
			    v ? json_compact(v) : "(none)", data ? data : "-");
	}
	is_str(id_text(r), id, L(name, "id in the reply"));
	ok(!json_object_object_get_ex(r, "result", NULL),
	    L(name, "no result beside the error"));
	is_int(ctx.calls, calls, L(name, "the handler did not run"));
	is_int(o.code, code, L(name, "outcome code"));
	json_object_put(r);
}

static void
expect_error(const char *name, const char *req, int code, const char *id,
    enum dkind dk, const char *data)
{
	char *msg = q(req);

	expect_error_len(name, msg, strlen(msg), code, id, dk, data);
	free(msg);
}

/*
 * A request that must succeed: returns the reply (owned) and sets *result
 * to its "result" (borrowed), after checking the id and that there is no
 * error.
 */
static struct json_object *
expect_result_len(const char *name, const char *msg, size_t len,
    const char *id, struct json_object **result, struct rpc_outcome *out)
{
	struct json_object *r;

	*result = NULL;
	if ((r = dispatch_len(name, msg, len, out)) == NULL)
		return NULL;
	if (!ok(!json_object_object_get_ex(r, "error", NULL) &&
	    json_object_object_get_ex(r, "result", result),
	    L(name, "the reply has a result and no error")))
		printf("#   reply: %s\n", json_compact(r));
	is_str(id_text(r), id, L(name, "id echoed"));
	return r;
}

static struct json_object *
expect_result(const char *name, const char *req, const char *id,
    struct json_object **result, struct rpc_outcome *out)
{
	char *msg = q(req);
	struct json_object *r;

	r = expect_result_len(name, msg, strlen(msg), id, result, out);
	free(msg);
	return r;
}

/* The params of a request text, compact, to compare with an echo. */
static char *
params_of(const char *msg)
{
	struct json_object *r = json_tokener_parse(msg), *p;
	char *s;

	if (r == NULL || !json_object_object_get_ex(r, "params", &p)) {
		json_object_put(r);
		return strdup("(no params)");
	}
	s = strdup(json_compact(p));
	json_object_put(r);
	return s;
}

/* ---- the tests ---- */

#define ECHO(params)	"{'jsonrpc':'2.0','id':1,'method':'Test.echo'," \
			"'params':{'host':'h1'" params "}}"

static const struct {
	const char	*name;
	const char	*req;
	int		 code;
	const char	*id;
	enum dkind	 dk;
	const char	*data;
} error_cases[] = {
	/* Not one JSON text. */
	{ "garbage", "nonsense", RPC_PARSE_ERROR, "null", D_STRING, NULL },
	{ "truncated JSON", "{'jsonrpc':'2.0','id':1,'method':'Test.echo'",
	    RPC_PARSE_ERROR, "null", D_STRING, NULL },
	{ "truncated in a string", "{'jsonrpc':'2.0','id':1,'meth",
	    RPC_PARSE_ERROR, "null", D_STRING, NULL },
	{ "empty message", "", RPC_PARSE_ERROR, "null", D_STRING, NULL },
	{ "white space only", " \n", RPC_PARSE_ERROR, "null", D_STRING, NULL },
	{ "two JSON texts", ECHO("") " {}", RPC_PARSE_ERROR, "null",
	    D_STRING, NULL },
	{ "trailing garbage", ECHO("") "x", RPC_PARSE_ERROR, "null", D_STRING,
	    NULL },
	{ "unquoted key", "{jsonrpc:1}", RPC_PARSE_ERROR, "null", D_STRING,
	    NULL },
	/* JSON, not json-c's lenient superset (JSON_TOKENER_STRICT).  Its
	 * strict mode still reads NaN, which then fails as an id instead. */
	/* Comments, whatever json-c (whose strict mode took them until
	 * 0.12), and the white space JSON does not have. */
	{ "a comment", "{/* c */ 'id':1}", RPC_PARSE_ERROR, "null", D_STRING,
	    NULL },
	{ "a line comment", "{'id':1 // c\n}", RPC_PARSE_ERROR, "null",
	    D_STRING, NULL },
	{ "a form feed between members", "{'id':1,\f'jsonrpc':'2.0'}",
	    RPC_PARSE_ERROR, "null", D_STRING,
	    "not JSON: byte 8 (0x0c) outside a string" },
	{ "a NUL name, then a form feed", "{'jsonrpc':'2.0','id':1,"
	    "'method':'Test.echo','params':{'host':'h1','host\\u0000x'\f:"
	    "'h2'}}", RPC_PARSE_ERROR, "null", D_STRING, NULL },
	{ "a NUL name, then a comment", "{'jsonrpc':'2.0','id':1,"
	    "'method':'Test.echo','params':{'host':'h1','host\\u0000x'/**/:"
	    "'h2'}}", RPC_PARSE_ERROR, "null", D_STRING, NULL },
	/*
	 * One JSON text in well-formed UTF-8 (RFC 3629), whatever json-c
	 * checks: a byte that is no UTF-8, an overlong form, a surrogate, a
	 * code point past U+10FFFF and a cut sequence are parse errors.
	 */
	{ "invalid UTF-8", "{'jsonrpc':'2.0','id':1,'method':'Test.\xff'}",
	    RPC_PARSE_ERROR, "null", D_STRING, "invalid UTF-8 at byte 39" },
	{ "overlong UTF-8 '/'", ECHO(",'s':'\xc0\xaf'"), RPC_PARSE_ERROR,
	    "null", D_STRING, NULL },
	{ "overlong UTF-8 in three bytes", ECHO(",'s':'\xe0\x80\xaf'"),
	    RPC_PARSE_ERROR, "null", D_STRING, NULL },
	{ "UTF-8 surrogate", ECHO(",'s':'\xed\xa0\x80'"), RPC_PARSE_ERROR,
	    "null", D_STRING, NULL },
	{ "UTF-8 past U+10FFFF", ECHO(",'s':'\xf4\x90\x80\x80'"),
	    RPC_PARSE_ERROR, "null", D_STRING, NULL },
	{ "UTF-8 cut short", ECHO(",'s':'\xe2\x82'"), RPC_PARSE_ERROR,
	    "null", D_STRING, NULL },
	{ "UTF-8 continuation byte alone", ECHO(",'s':'a\x80'"),
	    RPC_PARSE_ERROR, "null", D_STRING, NULL },
	/* json-c would read a name cut at its NUL: as another member's. */
	{ "a member name with a NUL", "{'jsonrpc':'2.0','id':1,"
	    "'method':'Test.echo','params':{'host':'h1','host\\u0000x':'h2'}}",
	    RPC_PARSE_ERROR, "null", D_STRING,
	    "a member name holds \\u0000" },
	{ "a NUL in a name, space before the colon", "{'jsonrpc':'2.0','id':1,"
	    "'method':'Test.echo','params':{'ho\\u0000st' \t: 'h1'}}",
	    RPC_PARSE_ERROR, "null", D_STRING, NULL },
	/* json-c clamps integers past 64 bits: such an id cannot be echoed. */
	{ "id past 64 bits", "{'jsonrpc':'2.0','id':99999999999999999999999,"
	    "'method':'Test.echo','params':{'host':'h1'}}",
	    RPC_INVALID_REQUEST, "null", D_STRING, NULL },
	{ "id below -2^63", "{'jsonrpc':'2.0','id':-9223372036854775809,"
	    "'method':'Test.echo','params':{'host':'h1'}}",
	    RPC_INVALID_REQUEST, "null", D_STRING, NULL },
	{ "jsonrpc with a NUL", "{'jsonrpc':'2.0\\u0000x','id':1,"
	    "'method':'Test.echo','params':{'host':'h1'}}",
	    RPC_INVALID_REQUEST, "1", D_STRING, NULL },
	{ "a trailing comma", "{'id':1,}", RPC_PARSE_ERROR, "null", D_STRING,
	    NULL },
	/*
	 * RFC 8259, which json-c does not hold to: no raw control character
	 * (U+0000 to U+001F) inside a string, and no leading zero in a
	 * number.  Another parser would refuse the text, so we do too.
	 */
	{ "a raw U+0001 in a string", ECHO(",'s':'a\x01" "b'"),
	    RPC_PARSE_ERROR, "null", D_STRING,
	    "not JSON: control character 0x01 in a string at byte 73" },
	{ "a raw U+001F in a string", ECHO(",'s':'\x1f'"), RPC_PARSE_ERROR,
	    "null", D_STRING, NULL },
	{ "a raw newline in a string", ECHO(",'s':'a\nb'"), RPC_PARSE_ERROR,
	    "null", D_STRING, NULL },
	{ "a raw tab in a string", ECHO(",'s':'a\tb'"), RPC_PARSE_ERROR,
	    "null", D_STRING, NULL },
	{ "a raw CR in a cpu_info value", ECHO(",'ci':{'vendor':'x\ry'}"),
	    RPC_PARSE_ERROR, "null", D_STRING, NULL },
	{ "a raw ESC in a member name", ECHO(",'obj':{'a\x1b':'v'}"),
	    RPC_PARSE_ERROR, "null", D_STRING, NULL },
	{ "a raw control character in the id", "{'jsonrpc':'2.0',"
	    "'id':'a\x02','method':'Test.echo','params':{'host':'h1'}}",
	    RPC_PARSE_ERROR, "null", D_STRING, NULL },
	{ "a raw control character after a backslash",
	    ECHO(",'s':'a\\\x01'"), RPC_PARSE_ERROR, "null", D_STRING,
	    NULL },
	{ "an id with a leading zero", "{'jsonrpc':'2.0','id':01,"
	    "'method':'Test.echo','params':{'host':'h1'}}", RPC_PARSE_ERROR,
	    "null", D_STRING,
	    "not JSON: a number with a leading zero at byte 22" },
	{ "a negative id with leading zeros", "{'jsonrpc':'2.0',"
	    "'id':-00717783,'method':'Test.echo','params':{'host':'h1'}}",
	    RPC_PARSE_ERROR, "null", D_STRING, NULL },
	{ "an int param 00", ECHO(",'n':00"), RPC_PARSE_ERROR, "null",
	    D_STRING, NULL },
	{ "an int param -01", ECHO(",'n':-01"), RPC_PARSE_ERROR, "null",
	    D_STRING, NULL },
	{ "a fraction with a leading zero", ECHO(",'n':01.5"),
	    RPC_PARSE_ERROR, "null", D_STRING, NULL },
	{ "an exponent form with a leading zero", ECHO(",'n':-0123e4"),
	    RPC_PARSE_ERROR, "null", D_STRING, NULL },
	{ "a leading zero in an array", "[0,01]", RPC_PARSE_ERROR, "null",
	    D_STRING, NULL },
	{ "a leading zero after white space", "{'id': \n 07}",
	    RPC_PARSE_ERROR, "null", D_STRING, NULL },
	{ "a bare number with a leading zero", "012", RPC_PARSE_ERROR, "null",
	    D_STRING, NULL },

	/* Not a JSON-RPC 2.0 request object. */
	{ "batch", "[" ECHO("") "]", RPC_INVALID_REQUEST, "null", D_STRING,
	    NULL },
	{ "empty batch", "[]", RPC_INVALID_REQUEST, "null", D_STRING, NULL },
	{ "number", "5", RPC_INVALID_REQUEST, "null", D_STRING, NULL },
	{ "string", "'Test.echo'", RPC_INVALID_REQUEST, "null", D_STRING,
	    NULL },
	{ "true", "true", RPC_INVALID_REQUEST, "null", D_STRING, NULL },
	/* One JSON text, only not an object: not a parse error. */
	{ "null request", "null", RPC_INVALID_REQUEST, "null", D_STRING,
	    NULL },
	{ "jsonrpc missing",
	    "{'id':1,'method':'Test.echo','params':{'host':'h1'}}",
	    RPC_INVALID_REQUEST, "1", D_STRING, NULL },
	{ "jsonrpc 1.0",
	    "{'jsonrpc':'1.0','id':1"
	    ",'method':'Test.echo','params':{'host':'h1'}}",
	    RPC_INVALID_REQUEST, "1", D_STRING, NULL },
	{ "jsonrpc a number",
	    "{'jsonrpc':2.0,'id':1"
	    ",'method':'Test.echo','params':{'host':'h1'}}",
	    RPC_INVALID_REQUEST, "1", D_STRING, NULL },
	{ "jsonrpc null",
	    "{'jsonrpc':null,'id':'x'"
	    ",'method':'Test.echo','params':{'host':'h1'}}",
	    RPC_INVALID_REQUEST, "\"x\"", D_STRING, NULL },
	{ "id missing",
	    "{'jsonrpc':'2.0','method':'Test.echo','params':{'host':'h1'}}",
	    RPC_INVALID_REQUEST, "null", D_STRING, NULL },
	{ "id null",
	    "{'jsonrpc':'2.0','id':null"
	    ",'method':'Test.echo','params':{'host':'h1'}}",
	    RPC_INVALID_REQUEST, "null", D_STRING, NULL },
	{ "id an object",
	    "{'jsonrpc':'2.0','id':{'a':1}"
	    ",'method':'Test.echo','params':{'host':'h1'}}",
	    RPC_INVALID_REQUEST, "null", D_STRING, NULL },
	{ "id an array",
	    "{'jsonrpc':'2.0','id':[1]"
	    ",'method':'Test.echo','params':{'host':'h1'}}",
	    RPC_INVALID_REQUEST, "null", D_STRING, NULL },
	{ "id a float",
	    "{'jsonrpc':'2.0','id':1.5"
	    ",'method':'Test.echo','params':{'host':'h1'}}",
	    RPC_INVALID_REQUEST, "null", D_STRING, NULL },
	{ "id an integral float",
	    "{'jsonrpc':'2.0','id':1.0"
	    ",'method':'Test.echo','params':{'host':'h1'}}",
	    RPC_INVALID_REQUEST, "null", D_STRING, NULL },
	{ "id a boolean",
	    "{'jsonrpc':'2.0','id':true"
	    ",'method':'Test.echo','params':{'host':'h1'}}",
	    RPC_INVALID_REQUEST, "null", D_STRING, NULL },
	{ "id a string with an embedded NUL",
	    "{'jsonrpc':'2.0','id':'a\\u0000b','method':'Test.echo',"
	    "'params':{'host':'h1'}}",
	    RPC_INVALID_REQUEST, "null", D_STRING, NULL },
	{ "method a number",
	    "{'jsonrpc':'2.0','id':3,'method':5,'params':{'host':'h1'}}",
	    RPC_INVALID_REQUEST, "3", D_STRING, NULL },
	{ "method null",
	    "{'jsonrpc':'2.0','id':3,'method':null}",
	    RPC_INVALID_REQUEST, "3", D_STRING, NULL },
	{ "method missing", "{'jsonrpc':'2.0','id':3,'params':{}}",
	    RPC_INVALID_REQUEST, "3", D_STRING, NULL },
	{ "method an object",
	    "{'jsonrpc':'2.0','id':'m','method':{'name':'Test.echo'}}",
	    RPC_INVALID_REQUEST, "\"m\"", D_STRING, NULL },

	/* Unknown method: data is the method. */
	{ "unknown method",
	    "{'jsonrpc':'2.0','id':4,'method':'Test.nope','params':{}}",
	    RPC_METHOD_NOT_FOUND, "4", D_STRING, "Test.nope" },
	{ "method differs in case",
	    "{'jsonrpc':'2.0','id':'c'"
	    ",'method':'test.echo','params':{'host':'h1'}}",
	    RPC_METHOD_NOT_FOUND, "\"c\"", D_STRING, "test.echo" },
	{ "method with a suffix",
	    "{'jsonrpc':'2.0','id':4"
	    ",'method':'Test.echoo','params':{'host':'h1'}}",
	    RPC_METHOD_NOT_FOUND, "4", D_STRING, "Test.echoo" },
	{ "method prefix only",
	    "{'jsonrpc':'2.0','id':4"
	    ",'method':'Test.ech','params':{'host':'h1'}}",
	    RPC_METHOD_NOT_FOUND, "4", D_STRING, "Test.ech" },
	/* A NUL inside the name must not make it another method's. */
	{ "method with an embedded NUL",
	    "{'jsonrpc':'2.0','id':4"
	    ",'method':'Test.echo\\u0000x','params':{'host':'h1'}}",
	    RPC_METHOD_NOT_FOUND, "4", D_STRING, NULL },

	/* Params by name only. */
	{ "params an array",
	    "{'jsonrpc':'2.0','id':5,'method':'Test.echo','params':['h1']}",
	    RPC_INVALID_PARAMS, "5", D_PARAM, "params" },
	{ "params a string",
	    "{'jsonrpc':'2.0','id':5,'method':'Test.echo','params':'h1'}",
	    RPC_INVALID_PARAMS, "5", D_PARAM, "params" },
	{ "params absent, host required",
	    "{'jsonrpc':'2.0','id':5,'method':'Test.echo'}",
	    RPC_INVALID_PARAMS, "5", D_PARAM, "host" },
	{ "required param missing",
	    "{'jsonrpc':'2.0','id':5,'method':'Test.echo','params':{'n':1}}",
	    RPC_INVALID_PARAMS, "5", D_PARAM, "host" },
	{ "unknown param", ECHO(",'bogus':1"), RPC_INVALID_PARAMS, "1",
	    D_PARAM, "bogus" },
	{ "misspelt optional param", ECHO(",'Flag':true"), RPC_INVALID_PARAMS,
	    "1", D_PARAM, "Flag" },
	{ "unknown param on a method without params",
	    "{'jsonrpc':'2.0','id':5,'method':'Test.null','params':{'x':'y'}}",
	    RPC_INVALID_PARAMS, "5", D_PARAM, "x" },

	/* Wrong JSON type, one per parameter type. */
	{ "P_ID given a number",
	    "{'jsonrpc':'2.0','id':6,'method':'Test.echo','params':{'host':5}}",
	    RPC_INVALID_PARAMS, "6", D_PARAM, "host" },
	{ "P_ID given null",
	    "{'jsonrpc':'2.0','id':6"
	    ",'method':'Test.echo','params':{'host':null}}",
	    RPC_INVALID_PARAMS, "6", D_PARAM, "host" },
	{ "P_ID given an object",
	    "{'jsonrpc':'2.0','id':6"
	    ",'method':'Test.echo','params':{'host':{}}}",
	    RPC_INVALID_PARAMS, "6", D_PARAM, "host" },
	{ "P_FEATURESET given a number", ECHO(",'fs':1"), RPC_INVALID_PARAMS,
	    "1", D_PARAM, "fs" },
	{ "P_FEATURESET given an array", ECHO(",'fs':['1']"),
	    RPC_INVALID_PARAMS, "1", D_PARAM, "fs" },
	{ "P_BOOL given a string", ECHO(",'flag':'true'"), RPC_INVALID_PARAMS,
	    "1", D_PARAM, "flag" },
	{ "P_BOOL given a number", ECHO(",'flag':1"), RPC_INVALID_PARAMS, "1",
	    D_PARAM, "flag" },
	{ "P_BOOL given null", ECHO(",'flag':null"), RPC_INVALID_PARAMS, "1",
	    D_PARAM, "flag" },
	{ "P_INT given a string", ECHO(",'n':'5'"), RPC_INVALID_PARAMS, "1",
	    D_PARAM, "n" },
	{ "P_INT given a float", ECHO(",'n':5.5"), RPC_INVALID_PARAMS, "1",
	    D_PARAM, "n" },
	{ "P_INT given a boolean", ECHO(",'n':true"), RPC_INVALID_PARAMS, "1",
	    D_PARAM, "n" },
	{ "P_POWER_STATE given a number", ECHO(",'ps':1"), RPC_INVALID_PARAMS,
	    "1", D_PARAM, "ps" },
	{ "P_DOMAIN_TYPE given a boolean", ECHO(",'dt':true"),
	    RPC_INVALID_PARAMS, "1", D_PARAM, "dt" },
	{ "P_CPUINFO given a string", ECHO(",'ci':'vendor'"),
	    RPC_INVALID_PARAMS, "1", D_PARAM, "ci" },
	{ "P_CPUINFO given an array", ECHO(",'ci':[]"), RPC_INVALID_PARAMS, "1",
	    D_PARAM, "ci" },
	{ "P_FLAGS given a string", ECHO(",'flags':'x'"), RPC_INVALID_PARAMS,
	    "1", D_PARAM, "flags" },
	{ "P_STRING given a number", ECHO(",'s':1"), RPC_INVALID_PARAMS, "1",
	    D_PARAM, "s" },
	{ "P_ANY_OBJECT given a string", ECHO(",'obj':'x'"),
	    RPC_INVALID_PARAMS, "1", D_PARAM, "obj" },
	{ "dbg given a number", ECHO(",'dbg':7"), RPC_INVALID_PARAMS, "1",
	    D_PARAM, "dbg" },
	{ "dbg given an object", ECHO(",'dbg':{}"), RPC_INVALID_PARAMS, "1",
	    D_PARAM, "dbg" },

	/* Out of bounds. */
	{ "id empty",
	    "{'jsonrpc':'2.0','id':6"
	    ",'method':'Test.echo','params':{'host':''}}",
	    RPC_INVALID_PARAMS, "6", D_PARAM, "host" },
	{ "id with a space",
	    "{'jsonrpc':'2.0','id':6"
	    ",'method':'Test.echo','params':{'host':'h 1'}}",
	    RPC_INVALID_PARAMS, "6", D_PARAM, "host" },
	{ "id with a slash",
	    "{'jsonrpc':'2.0','id':6"
	    ",'method':'Test.echo','params':{'host':'../h1'}}",
	    RPC_INVALID_PARAMS, "6", D_PARAM, "host" },
	{ "id with a newline",
	    "{'jsonrpc':'2.0','id':6"
	    ",'method':'Test.echo','params':{'host':'h1\\n'}}",
	    RPC_INVALID_PARAMS, "6", D_PARAM, "host" },
	{ "id with an embedded NUL",
	    "{'jsonrpc':'2.0','id':6"
	    ",'method':'Test.echo','params':{'host':'h1\\u0000x'}}",
	    RPC_INVALID_PARAMS, "6", D_PARAM, "host" },
	{ "power state PAUSED", ECHO(",'ps':'PAUSED'"), RPC_INVALID_PARAMS,
	    "1", D_PARAM, "ps" },
	{ "power state RUNNING", ECHO(",'ps':'RUNNING'"), RPC_INVALID_PARAMS,
	    "1", D_PARAM, "ps" },
	{ "power state empty", ECHO(",'ps':''"), RPC_INVALID_PARAMS, "1",
	    D_PARAM, "ps" },
	{ "domain type HVM", ECHO(",'dt':'HVM'"), RPC_INVALID_PARAMS, "1",
	    D_PARAM, "dt" },
	{ "domain type pv-in-pvh", ECHO(",'dt':'pv-in-pvh'"),
	    RPC_INVALID_PARAMS, "1", D_PARAM, "dt" },
	{ "P_CPUINFO with a number value",
	    ECHO(",'ci':{'vendor':'x','cpu_count':8}"),
	    RPC_INVALID_PARAMS, "1", D_PARAM, "ci" },
	{ "P_CPUINFO with a null value", ECHO(",'ci':{'vendor':null}"),
	    RPC_INVALID_PARAMS, "1", D_PARAM, "ci" },
	{ "P_CPUINFO with an object value", ECHO(",'ci':{'vendor':{}}"),
	    RPC_INVALID_PARAMS, "1", D_PARAM, "ci" },
	{ "P_CPUINFO value with an embedded NUL",
	    ECHO(",'ci':{'vendor':'Genuine\\u0000Intel'}"),
	    RPC_INVALID_PARAMS, "1", D_PARAM, "ci" },
	{ "P_CPUINFO with an empty key", ECHO(",'ci':{'':'x'}"),
	    RPC_INVALID_PARAMS, "1", D_PARAM, "ci" },
	{ "P_FLAGS with an unknown key",
	    ECHO(",'flags':{'vendor':'GenuineIntel','model':'x'}"),
	    RPC_INVALID_PARAMS, "1", D_PARAM, "flags" },
	{ "P_FLAGS with a number value", ECHO(",'flags':{'vendor':1}"),
	    RPC_INVALID_PARAMS, "1", D_PARAM, "flags" },
	{ "P_ANY_OBJECT with a number value", ECHO(",'obj':{'k':1}"),
	    RPC_INVALID_PARAMS, "1", D_PARAM, "obj" },

	/* A featureset that does not parse is XenAPI's error. */
	{ "bad featureset param", ECHO(",'fs':'zz'"), RPC_API_ERROR, "1",
	    D_API, "zz" },
	{ "featureset with an empty word", ECHO(",'fs':'1-'"), RPC_API_ERROR,
	    "1", D_API, "1-" },
	{ "featureset word of 9 digits", ECHO(",'fs':'123456789'"),
	    RPC_API_ERROR, "1", D_API, "123456789" },
	{ "featureset word starting with _", ECHO(",'fs':'_1'"),
	    RPC_API_ERROR, "1", D_API, "_1" },
	{ "bad features_pv in P_CPUINFO",
	    ECHO(",'ci':{'vendor':'GenuineIntel','features_pv':'xyz'}"),
	    RPC_API_ERROR, "1", D_API, "xyz" },
	{ "bad features_hvm_host in P_CPUINFO",
	    ECHO(",'ci':{'features_hvm_host':'1-2-g'}"),
	    RPC_API_ERROR, "1", D_API, "1-2-g" },
	{ "bad features in P_FLAGS", ECHO(",'flags':{'features':'not hex'}"),
	    RPC_API_ERROR, "1", D_API, "not hex" },
};

static void
test_error_table(void)
{
	size_t i;

	for (i = 0; i < NELEM(error_cases); i++)
		expect_error(error_cases[i].name, error_cases[i].req,
		    error_cases[i].code, error_cases[i].id, error_cases[i].dk,
		    error_cases[i].data);
}

/*
 * RPC_NULLABLE: required, and null is let through as "none" (xapi's
 * OpaqueRef:NULL), read by the accessors as absent; anything else is
 * checked as the type says.
 */
static void
test_nullable(void)
{
	struct json_object *r, *res = NULL;

	r = expect_result("RPC_NULLABLE given null", "{'jsonrpc':'2.0',"
	    "'id':2,'method':'Test.nullable','params':{'host':null,"
	    "'dt':null}}", "2", &res, NULL);
	ok(res != NULL && rpc_param_string(res, "host") == NULL &&
	    rpc_param_domain_type(res, "dt", DOMAIN_PV) == DOMAIN_PV,
	    "RPC_NULLABLE given null: the accessors read it as absent");
	json_object_put(r);
	r = expect_result("RPC_NULLABLE given values", "{'jsonrpc':'2.0',"
	    "'id':2,'method':'Test.nullable','params':{'host':'h1',"
	    "'dt':'pvh'}}", "2", &res, NULL);
	ok(res != NULL && rpc_param_string(res, "host") != NULL &&
	    rpc_param_domain_type(res, "dt", DOMAIN_PV) == DOMAIN_PVH,
	    "RPC_NULLABLE given values: the handler reads them");
	json_object_put(r);
	expect_error("RPC_NULLABLE absent", "{'jsonrpc':'2.0','id':2,"
	    "'method':'Test.nullable','params':{'dt':null}}",
	    RPC_INVALID_PARAMS, "2", D_PARAM, "host");
	expect_error("RPC_NULLABLE given a number", "{'jsonrpc':'2.0','id':2,"
	    "'method':'Test.nullable','params':{'host':5,'dt':null}}",
	    RPC_INVALID_PARAMS, "2", D_PARAM, "host");
	expect_error("RPC_NULLABLE given a bad value", "{'jsonrpc':'2.0',"
	    "'id':2,'method':'Test.nullable','params':{'host':null,"
	    "'dt':'xen'}}", RPC_INVALID_PARAMS, "2", D_PARAM, "dt");
}

/* Bounds that need long strings. */
static void
test_generated_errors(void)
{
	char *s, *req;
	size_t i;

	s = repeat('a', RPC_MAX_ID + 1);
	req = xasprintf("{'jsonrpc':'2.0','id':8,'method':'Test.echo',"
	    "'params':{'host':'%s'}}", s);
	expect_error("id of 65 characters", req, RPC_INVALID_PARAMS, "8",
	    D_PARAM, "host");
	free(req);
	free(s);

	s = repeat('d', RPC_MAX_DBG + 1);
	req = xasprintf(ECHO(",'dbg':'%s'"), s);
	expect_error("dbg of 257 characters", req, RPC_INVALID_PARAMS, "1",
	    D_PARAM, "dbg");
	free(req);
	req = xasprintf(ECHO(",'s':'%s'"), s);
	expect_error("P_STRING of 257 characters", req, RPC_INVALID_PARAMS,
	    "1", D_PARAM, "s");
	free(req);
	free(s);

	s = repeat('k', 65);
	req = xasprintf(ECHO(",'ci':{'%s':'v'}"), s);
	expect_error("P_CPUINFO key of 65 characters", req, RPC_INVALID_PARAMS,
	    "1", D_PARAM, "ci");
	free(req);
	free(s);

	s = repeat('v', 8193);
	req = xasprintf(ECHO(",'ci':{'modelname':'%s'}"), s);
	expect_error("P_CPUINFO value of 8193 bytes", req, RPC_INVALID_PARAMS,
	    "1", D_PARAM, "ci");
	free(req);
	free(s);

	/* 65 keys. */
	s = xmalloc(65 * 16 + 1);
	s[0] = '\0';
	for (i = 0; i < 65; i++)
		sprintf(s + strlen(s), "%s'k%zu':'v'", i ? "," : "", i);
	req = xasprintf(ECHO(",'ci':{%s}"), s);
	expect_error("P_CPUINFO with 65 keys", req, RPC_INVALID_PARAMS, "1",
	    D_PARAM, "ci");
	free(req);
	free(s);

	/* 65 featureset words. */
	s = xmalloc(65 * 2 + 1);
	s[0] = '\0';
	for (i = 0; i < 65; i++)
		strcat(s, i ? "-1" : "1");
	req = xasprintf(ECHO(",'fs':'%s'"), s);
	expect_error("featureset of 65 words", req, RPC_API_ERROR, "1", D_API,
	    s);
	free(req);
	free(s);
}

/* Results, ids and what the handler saw. */
static void
test_results(void)
{
	struct json_object *r, *res, *v;
	struct rpc_outcome o;
	char *msg, *want, *s, *req;

	/* Every parameter type, valid: the handler sees exactly the params. */
	msg = q("{'jsonrpc':'2.0','id':7,'method':'Test.echo','params':{"
	    "'host':'OpaqueRef:0a1B-2c.3_d','fs':'1fc9cbf5-F6B_2203',"
	    "'flag':false,"
	    "'n':-12,'ps':'suspended','dt':'pv_in_pvh',"
	    "'ci':{'vendor':'GenuineIntel','features_pv':'1-2',"
	    "'cpu_count':'8'},"
	    "'flags':{'vendor':'AuthenticAMD','features':'00000001-0'},"
	    "'s':'any text here','obj':{'k':'v'},'dbg':'task-1'}}");
	ctx.calls = 0;
	ctx.seen = NULL;
	r = expect_result_len("all params", msg, strlen(msg), "7", &res, &o);
	want = params_of(msg);
	is_str(res ? json_compact(res) : "(none)", want,
	    "all params: the result echoes the params the handler saw");
	is_int(ctx.calls, 1, "all params: the handler ran once");
	ok(ctx.seen == &ctx, "all params: the handler was given ctx");
	is_str(ctx.ps, "suspended", "all params: power state as given");
	is_str(o.method, "Test.echo", "all params: outcome method");
	is_str(o.dbg, "task-1", "all params: outcome dbg");
	is_int(o.code, 0, "all params: outcome code 0");
	is_str(o.message, "", "all params: outcome message empty");
	free(want);
	free(msg);
	json_object_put(r);

	/* String id echoed as a string. */
	r = expect_result("string id", "{'jsonrpc':'2.0','id':'abc-1',"
	    "'method':'Test.echo','params':{'host':'h1'}}", "\"abc-1\"", &res,
	    NULL);
	ok(r && json_object_object_get_ex(r, "id", &v) &&
	    json_object_is_type(v, json_type_string),
	    "string id: the id stays a string");
	json_object_put(r);
	/* "7" must not come back as 7. */
	r = expect_result("numeric string id", "{'jsonrpc':'2.0','id':'7',"
	    "'method':'Test.echo','params':{'host':'h1'}}", "\"7\"", &res,
	    NULL);
	json_object_put(r);
	r = expect_result("empty string id", "{'jsonrpc':'2.0','id':'',"
	    "'method':'Test.echo','params':{'host':'h1'}}", "\"\"", &res, NULL);
	json_object_put(r);
	r = expect_result("id 0", "{'jsonrpc':'2.0','id':0,"
	    "'method':'Test.echo','params':{'host':'h1'}}", "0", &res, NULL);
	json_object_put(r);
	r = expect_result("negative id", "{'jsonrpc':'2.0','id':-3,"
	    "'method':'Test.echo','params':{'host':'h1'}}", "-3", &res, NULL);
	json_object_put(r);
	r = expect_result("id beyond 2^53", "{'jsonrpc':'2.0',"
	    "'id':9007199254740993,'method':'Test.echo',"
	    "'params':{'host':'h1'}}",
	    "9007199254740993", &res, NULL);
	json_object_put(r);
	/* The extremes an id may take, printed by the codec itself. */
	r = expect_result("id 2^63-2", "{'jsonrpc':'2.0',"
	    "'id':9223372036854775806,'method':'Test.echo',"
	    "'params':{'host':'h1'}}", "9223372036854775806", &res, NULL);
	json_object_put(r);
	r = expect_result("id -2^63+1", "{'jsonrpc':'2.0',"
	    "'id':-9223372036854775807,'method':'Test.echo',"
	    "'params':{'host':'h1'}}", "-9223372036854775807", &res, NULL);
	json_object_put(r);
	/* A string id that needs escaping comes back escaped. */
	r = expect_result("string id with a quote and a backslash",
	    "{'jsonrpc':'2.0','id':'a\\\"b\\\\c\\u00e9',"
	    "'method':'Test.echo','params':{'host':'h1'}}",
	    "\"a\\\"b\\\\c\u00e9\"", &res, NULL);
	json_object_put(r);
	/* Well-formed UTF-8 of every length passes, byte for byte. */
	r = expect_result("UTF-8 of 2, 3 and 4 bytes", ECHO(",'s':'"
	    "\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e\xf4\x8f\xbf\xbf'"),
	    "1", &res, NULL);
	is_str(res && json_object_object_get_ex(res, "s", &v) ?
	    json_object_get_string(v) : "(none)",
	    "\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e\xf4\x8f\xbf\xbf",
	    "UTF-8 of 2, 3 and 4 bytes: the handler saw it unchanged");
	json_object_put(r);
	/* An escaped backslash, then "u0000" as text: no NUL in that name. */
	r = expect_result("a name with \\\\u0000 as text",
	    "{'jsonrpc':'2.0','id':1,'method':'Test.echo','params':{"
	    "'host':'h1','obj':{'a\\\\u0000':'v'}}}", "1", &res, NULL);
	json_object_put(r);
	/* Key order does not matter; white space around is fine. */
	r = expect_result("members in another order", " \n{'params':{'host':"
	    "'h1'},'method':'Test.echo','id':11,'jsonrpc':'2.0'}\r\n\t ", "11",
	    &res, NULL);
	json_object_put(r);

	/* XenAPI's capitalised power state, canonicalised for the handler. */
	r = expect_result("power state Running", ECHO(",'ps':'Running'"), "1",
	    &res, NULL);
	is_str(ctx.ps, "running", "power state Running: rpc_param_power_state "
	    "gives running");
	json_object_put(r);
	r = expect_result("power state Halted", ECHO(",'ps':'Halted'"), "1",
	    &res, NULL);
	is_str(ctx.ps, "halted", "power state Halted: rpc_param_power_state "
	    "gives halted");
	json_object_put(r);
	/* xapi checks a paused VM like a running one. */
	r = expect_result("power state Paused", ECHO(",'ps':'Paused'"), "1",
	    &res, NULL);
	is_str(ctx.ps, "running", "power state Paused: rpc_param_power_state "
	    "gives running");
	json_object_put(r);
	{
		static const char *const ps[][2] = {
			{ "running", "running" }, { "suspended", "suspended" },
			{ "halted", "halted" }, { "Running", "running" },
			{ "Suspended", "suspended" }, { "Halted", "halted" },
			{ "paused", "running" }, { "Paused", "running" },
		};
		static const char *const bad[] = { "RUNNING", "PAUSED",
			"runnin", "running ", "", "pause" };
		enum power_state got;
		size_t i;

		for (i = 0; i < NELEM(ps); i++) {
			snprintf(label, sizeof(label), "power_state_parse(%s)",
			    ps[i][0]);
			got = (enum power_state)-1;
			ok(power_state_parse(ps[i][0], &got) == 0, label);
			is_str(power_state_name(got), ps[i][1], label);
		}
		for (i = 0; i < NELEM(bad); i++) {
			snprintf(label, sizeof(label),
			    "power_state_parse(\"%s\") fails", bad[i]);
			ok(power_state_parse(bad[i], &got) == -1, label);
		}
		ok(power_state_parse(NULL, &got) == -1,
		    "power_state_parse(NULL) fails");
	}
	{
		static const char *const dts[] = { "pv", "hvm", "pvh",
			"pv_in_pvh" };
		size_t i;

		for (i = 0; i < NELEM(dts); i++) {
			req = xasprintf(ECHO(",'dt':'%s'"), dts[i]);
			snprintf(label, sizeof(label), "domain type %s",
			    dts[i]);
			r = expect_result(label, req, "1", &res, NULL);
			json_object_put(r);
			free(req);
		}
	}

	/* A bad non-featureset key of a P_CPUINFO is fine. */
	r = expect_result("P_CPUINFO non-features value not a featureset",
	    ECHO(",'ci':{'vendor':'zz-not-hex','modelname':'x-y','flags':'q',"
	    "'features_pv':''}"), "1", &res, NULL);
	json_object_put(r);
	r = expect_result("P_CPUINFO empty", ECHO(",'ci':{}"), "1", &res, NULL);
	json_object_put(r);
	r = expect_result("P_FLAGS with vendor only",
	    ECHO(",'flags':{'vendor':'GenuineIntel'}"), "1", &res, NULL);
	json_object_put(r);
	r = expect_result("P_FLAGS empty", ECHO(",'flags':{}"), "1", &res,
	    NULL);
	json_object_put(r);
	r = expect_result("P_ANY_OBJECT values need not be featuresets",
	    ECHO(",'obj':{'features':'zz'}"), "1", &res, NULL);
	json_object_put(r);
	r = expect_result("empty featureset", ECHO(",'fs':''"), "1", &res,
	    NULL);
	json_object_put(r);
	r = expect_result("P_BOOL true", ECHO(",'flag':true"), "1", &res, NULL);
	json_object_put(r);

	/* Bounds, exactly at the limit. */
	s = repeat('a', RPC_MAX_ID);
	req = xasprintf("{'jsonrpc':'2.0','id':8,'method':'Test.echo',"
	    "'params':{'host':'%s'}}", s);
	r = expect_result("id of 64 characters", req, "8", &res, NULL);
	json_object_put(r);
	free(req);
	free(s);
	s = repeat('d', RPC_MAX_DBG);
	req = xasprintf(ECHO(",'dbg':'%s'"), s);
	r = expect_result("dbg of 256 characters", req, "1", &res, &o);
	is_str(o.dbg, s, "dbg of 256 characters: outcome dbg whole");
	json_object_put(r);
	free(req);
	free(s);

	/* params absent, or {}: a method with only optional params works. */
	ctx.calls = 0;
	r = expect_result("params absent", "{'jsonrpc':'2.0','id':9,"
	    "'method':'Test.opt'}", "9", &res, &o);
	is_str(res ? json_compact(res) : "(none)", "{}",
	    "params absent: the handler saw {}");
	is_int(ctx.calls, 1, "params absent: the handler ran");
	is_str(o.dbg, "", "params absent: outcome dbg empty");
	json_object_put(r);
	r = expect_result("params {}", "{'jsonrpc':'2.0','id':9,"
	    "'method':'Test.opt','params':{}}", "9", &res, NULL);
	is_str(res ? json_compact(res) : "(none)", "{}",
	    "params {}: the handler saw {}");
	json_object_put(r);
	r = expect_result("optional param given", "{'jsonrpc':'2.0','id':9,"
	    "'method':'Test.opt','params':{'n':3,'dbg':'x'}}", "9", &res, NULL);
	is_int(res ? rpc_param_int(res, "n", -1) : -1, 3,
	    "optional param given: the handler saw it");
	json_object_put(r);
	/* Not in the contract ("params an object or absent"): note it. */
	msg = q("{'jsonrpc':'2.0','id':9,'method':'Test.opt','params':null}");
	{
		struct json_object *rr;
		char *reply = rpc_dispatch(methods, NULL, &ctx, msg,
		    strlen(msg), &o);

		rr = reply ? json_tokener_parse(reply) : NULL;
		if (rr && json_object_object_get_ex(rr, "result", NULL))
			diag("note: \"params\": null is accepted as {} "
			    "(proto/README.md says an object or absent)");
		json_object_put(rr);
		free(reply);
	}
	free(msg);

	/* Test.null: "result": null, present. */
	r = expect_result("Test.null", "{'jsonrpc':'2.0','id':'n',"
	    "'method':'Test.null'}", "\"n\"", &res, &o);
	ok(r && json_object_object_get_ex(r, "result", &v) && v == NULL,
	    "Test.null: \"result\": null is present");
	is_str(o.method, "Test.null", "Test.null: outcome method");
	is_int(o.code, 0, "Test.null: outcome code");
	json_object_put(r);
}

static void
test_api_error(void)
{
	struct json_object *r, *e, *v, *d;
	struct rpc_outcome o;
	char *msg;
	size_t i;
	static const char *const want[] = { "vm1", "halted", "running" };
	int calls = ctx.calls;

	msg = q("{'jsonrpc':'2.0','id':12,'method':'Test.fail',"
	    "'params':{'dbg':'task-9'}}");
	r = dispatch("Test.fail", msg, &o);
	free(msg);
	if (r == NULL)
		return;
	is_int(ctx.calls, calls + 1, "Test.fail: the handler ran");
	is_str(id_text(r), "12", "Test.fail: id echoed");
	ok(!json_object_object_get_ex(r, "result", NULL),
	    "Test.fail: no result");
	e = v = d = NULL;
	ok(json_object_object_get_ex(r, "error", &e) &&
	    json_object_is_type(e, json_type_object),
	    "Test.fail: an error object");
	json_object_object_get_ex(e, "code", &v);
	ok(json_object_is_type(v, json_type_int) &&
	    json_object_get_int(v) == RPC_API_ERROR, "Test.fail: code 1");
	is_str(rpc_param_string(e, "message"), "VM_BAD_POWER_STATE",
	    "Test.fail: message is the XenAPI code");
	json_object_object_get_ex(e, "data", &d);
	if (ok(json_object_is_type(d, json_type_array) &&
	    json_object_array_length(d) == 3,
	    "Test.fail: data is an array of 3"))
		for (i = 0; i < 3; i++) {
			v = json_object_array_get_idx(d, i);
			snprintf(label, sizeof(label), "Test.fail: data[%zu]",
			    i);
			is_str(json_object_is_type(v, json_type_string) ?
			    json_object_get_string(v) : NULL, want[i], label);
		}
	is_str(o.method, "Test.fail", "Test.fail: outcome method");
	is_str(o.dbg, "task-9", "Test.fail: outcome dbg");
	is_int(o.code, RPC_API_ERROR, "Test.fail: outcome code");
	is_str(o.message, "VM_BAD_POWER_STATE", "Test.fail: outcome message");
	json_object_put(r);
}

/* rpc_outcome for failures: the log line must say what happened. */
static void
test_outcomes(void)
{
	struct rpc_outcome o;
	struct json_object *r;
	char *msg, *req, *esc, *want;
	size_t i;

	/* Filled afresh: nothing from the previous call leaks in. */
	msg = q(ECHO(",'dbg':'first'"));
	json_object_put(dispatch("outcome 1", msg, &o));
	free(msg);
	r = dispatch("outcome parse error", "{", &o);
	json_object_put(r);
	is_str(o.method, "?", "parse error: outcome method ?");
	is_str(o.dbg, "", "parse error: outcome dbg reset");
	is_int(o.code, RPC_PARSE_ERROR, "parse error: outcome code");
	is_str(o.message, "Parse error", "parse error: outcome message");

	msg = q("{'jsonrpc':'2.0','id':1,'method':'Test.nope'}");
	json_object_put(dispatch("outcome unknown method", msg, &o));
	free(msg);
	is_str(o.method, "Test.nope", "unknown method: outcome method names "
	    "it");
	is_int(o.code, RPC_METHOD_NOT_FOUND, "unknown method: outcome code");
	is_str(o.message, "Method not found", "unknown method: outcome "
	    "message");

	/* Invalid params: the method and dbg are still known for the log. */
	msg = q("{'jsonrpc':'2.0','id':1,'method':'Test.echo',"
	    "'params':{'dbg':'task-2','n':'x'}}");
	json_object_put(dispatch("outcome invalid params", msg, &o));
	free(msg);
	is_str(o.method, "Test.echo", "invalid params: outcome method");
	is_str(o.dbg, "task-2", "invalid params: outcome dbg");
	is_int(o.code, RPC_INVALID_PARAMS, "invalid params: outcome code");
	is_str(o.message, "Invalid params", "invalid params: outcome message");

	/* A dbg with a newline cannot forge a second log line: log_esc(). */
	msg = q(ECHO(",'dbg':'a\\nb\\u0001c\\\\d\\u007f'"));
	json_object_put(dispatch("outcome dbg with control characters", msg,
	    &o));
	free(msg);
	is_str(o.dbg, "a\\x0ab\\x01c\\x5cd\\x7f", "dbg control characters: "
	    "outcome dbg has each escaped as \\xNN, the backslash too");
	/* A dbg of 256 ESC is escaped whole: 1024 bytes. */
	esc = xmalloc(RPC_MAX_DBG * 6 + 1);
	want = xmalloc(RPC_MAX_DBG * 4 + 1);
	esc[0] = want[0] = '\0';
	for (i = 0; i < RPC_MAX_DBG; i++) {
		strcat(esc, "\\u001b");
		strcat(want, "\\x1b");
	}
	req = xasprintf(ECHO(",'dbg':'%s'"), esc);
	msg = q(req);
	free(req);
	r = dispatch("outcome dbg of 256 ESC", msg, &o);
	is_int(o.code, 0, "dbg of 256 ESC: accepted");
	is_str(o.dbg, want, "dbg of 256 ESC: outcome dbg escaped whole");
	json_object_put(r);
	free(msg);
	free(want);
	free(esc);

	/* An unknown method is named in the log, escaped. */
	msg = q("{'jsonrpc':'2.0','id':1,'method':'Test.nope\\n x: forged'}");
	json_object_put(dispatch("outcome unknown method with a newline", msg,
	    &o));
	free(msg);
	is_str(o.method, "Test.nope\\x0a x: forged", "unknown method with a "
	    "newline: outcome method escaped");
	msg = q("{'jsonrpc':'2.0','id':1,'method':'Test.echo\\u0000x'}");
	json_object_put(dispatch("outcome unknown method with a NUL", msg,
	    &o));
	free(msg);
	is_str(o.method, "?", "unknown method with a NUL: not logged as "
	    "another method's name");
	esc = repeat('m', 100);
	msg = xasprintf("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\"}",
	    esc);
	json_object_put(dispatch("outcome long unknown method", msg, &o));
	want = xasprintf("%.*s...", (int)sizeof(o.method) - 4, esc);
	is_str(o.method, want, "long unknown method: outcome method cut to "
	    "its buffer, marked ...");
	free(want);
	free(msg);
	free(esc);

	msg = q("{'jsonrpc':'1.0','id':1,'method':'Test.echo'}");
	json_object_put(dispatch("outcome invalid request", msg, &o));
	free(msg);
	is_int(o.code, RPC_INVALID_REQUEST, "invalid request: outcome code");
	is_str(o.message, "Invalid request", "invalid request: outcome "
	    "message");

	msg = q(ECHO(",'fs':'zz'"));
	json_object_put(dispatch("outcome api error", msg, &o));
	free(msg);
	is_int(o.code, RPC_API_ERROR, "bad featureset: outcome code");
	is_str(o.message, "INVALID_FEATURE_STRING", "bad featureset: outcome "
	    "message");
}

/* Messages are not NUL-terminated: only buf[0..len) counts. */
static void
test_lengths(void)
{
	static const char junk[] = "}}]]GARBAGE{\"";
	struct json_object *r, *res;
	char *msg, *buf;
	size_t len;

	msg = q("{'jsonrpc':'2.0','id':21,'method':'Test.echo',"
	    "'params':{'host':'h1','n':5}}");
	len = strlen(msg);

	/* Trailing junk beyond len, in one char array. */
	buf = xmalloc(len + sizeof(junk));
	memcpy(buf, msg, len);
	memcpy(buf + len, junk, sizeof(junk));
	r = expect_result_len("junk beyond len", buf, len, "21", &res, NULL);
	is_int(res ? rpc_param_int(res, "n", -1) : -1, 5,
	    "junk beyond len: params read");
	json_object_put(r);
	free(buf);

	/* No NUL anywhere: exactly len bytes (valgrind/ASan would see an
	 * overread). */
	buf = xmalloc(len);
	memcpy(buf, msg, len);
	r = expect_result_len("exactly len bytes, no NUL", buf, len, "21",
	    &res, NULL);
	json_object_put(r);

	/* len cuts the text short: truncated. */
	expect_error_len("len one short", buf, len - 1, RPC_PARSE_ERROR,
	    "null", D_STRING, NULL);
	expect_error_len("len zero", buf, 0, RPC_PARSE_ERROR, "null",
	    D_STRING, NULL);
	free(buf);

	/* A NUL inside len is not white space. */
	buf = xmalloc(len + 2);
	memcpy(buf, msg, len);
	buf[len] = '\0';
	buf[len + 1] = ' ';
	expect_error_len("NUL inside len", buf, len + 2, RPC_PARSE_ERROR,
	    "null", D_STRING, NULL);
	/* ... and white space inside len is. */
	buf[len] = '\n';
	r = expect_result_len("white space inside len", buf, len + 2, "21",
	    &res, NULL);
	json_object_put(r);
	free(buf);
	free(msg);
}

/* The client half. */
static void
test_client(void)
{
	struct json_object *params, *req, *v, *res, *r;
	struct rpc_error err;
	struct rpc_outcome o;
	char *text, *reply;
	int rc;

	/* rpc_request_new's text is a request rpc_dispatch accepts. */
	params = json_object_new_object();
	json_object_object_add(params, "host", json_object_new_string("h7"));
	json_object_object_add(params, "n", json_object_new_int(4));
	text = rpc_request_new(42, "Test.echo", params);
	if (!ok(text != NULL, "rpc_request_new returns text"))
		return;
	req = json_tokener_parse(text);
	ok(req != NULL && json_object_is_type(req, json_type_object),
	    "rpc_request_new: a JSON object");
	is_str(rpc_param_string(req, "jsonrpc"), "2.0",
	    "rpc_request_new: jsonrpc 2.0");
	ok(json_object_object_get_ex(req, "id", &v) &&
	    json_object_is_type(v, json_type_int) &&
	    json_object_get_int64(v) == 42, "rpc_request_new: integer id 42");
	is_str(rpc_param_string(req, "method"), "Test.echo",
	    "rpc_request_new: method");
	ok(json_object_object_get_ex(req, "params", &v) &&
	    json_object_is_type(v, json_type_object) &&
	    rpc_param_string(v, "host") &&
	    strcmp(rpc_param_string(v, "host"), "h7") == 0,
	    "rpc_request_new: params");
	json_object_put(req);
	ok(json_object_object_get_ex(params, "host", NULL),
	    "rpc_request_new left the caller's params alone");

	reply = rpc_dispatch(methods, NULL, &ctx, text, strlen(text), &o);
	free(text);
	is_int(o.code, 0, "rpc_request_new's request is accepted");
	rc = rpc_reply_parse(reply, strlen(reply), 42, &res, &err);
	is_int(rc, 0, "rpc_reply_parse: 0 for a result");
	is_str(res ? rpc_param_string(res, "host") : NULL, "h7",
	    "rpc_reply_parse: the result");
	json_object_put(res);
	rpc_error_clear(&err);

	/* Wrong id: -1, and no result handed over. */
	rc = rpc_reply_parse(reply, strlen(reply), 43, &res, &err);
	is_int(rc, -1, "rpc_reply_parse: -1 for another id");
	ok(res == NULL, "rpc_reply_parse: no result for another id");
	ok(err.code != 0, "rpc_reply_parse: err filled for another id");
	rpc_error_clear(&err);

	/* Not NUL-terminated: only len counts. */
	{
		size_t n = strlen(reply);
		char *b = xmalloc(n + 4);

		memcpy(b, reply, n);
		memcpy(b + n, "xyz!", 4);
		rc = rpc_reply_parse(b, n, 42, &res, &err);
		is_int(rc, 0, "rpc_reply_parse: junk beyond len ignored");
		json_object_put(res);
		rpc_error_clear(&err);
		free(b);
	}
	free(reply);
	json_object_put(params);

	/* NULL params: {} is sent, a method with optional params works. */
	text = rpc_request_new(1LL << 40, "Test.opt", NULL);
	req = text ? json_tokener_parse(text) : NULL;
	ok(req && json_object_object_get_ex(req, "params", &v) &&
	    json_object_is_type(v, json_type_object) &&
	    json_object_object_length(v) == 0,
	    "rpc_request_new(NULL params): params {}");
	json_object_put(req);
	reply = rpc_dispatch(methods, NULL, &ctx, text, strlen(text), &o);
	rc = rpc_reply_parse(reply, strlen(reply), 1LL << 40, &res, &err);
	is_int(rc, 0, "rpc_reply_parse: a 2^40 id round trip");
	json_object_put(res);
	rpc_error_clear(&err);
	free(reply);
	free(text);

	/* An error reply: 1 and err filled from it. */
	text = rpc_request_new(5, "Test.fail", NULL);
	reply = rpc_dispatch(methods, NULL, &ctx, text, strlen(text), &o);
	rc = rpc_reply_parse(reply, strlen(reply), 5, &res, &err);
	is_int(rc, 1, "rpc_reply_parse: 1 for an error");
	ok(res == NULL, "rpc_reply_parse: no result with an error");
	is_int(err.code, RPC_API_ERROR, "rpc_reply_parse: err.code");
	is_str(err.message, "VM_BAD_POWER_STATE", "rpc_reply_parse: "
	    "err.message");
	ok(json_object_is_type(err.data, json_type_array) &&
	    json_object_array_length(err.data) == 3,
	    "rpc_reply_parse: err.data kept");
	rpc_error_clear(&err);
	ok(err.code == 0 && err.data == NULL, "rpc_error_clear");
	free(reply);
	free(text);

	/* A protocol error reply comes back as 1 with JSON-RPC's code. */
	text = rpc_request_new(6, "Test.nope", NULL);
	reply = rpc_dispatch(methods, NULL, &ctx, text, strlen(text), &o);
	rc = rpc_reply_parse(reply, strlen(reply), 6, &res, &err);
	is_int(rc, 1, "rpc_reply_parse: 1 for method not found");
	is_int(err.code, RPC_METHOD_NOT_FOUND, "rpc_reply_parse: -32601");
	rpc_error_clear(&err);
	free(reply);
	free(text);

	/* null result: 0 with *result NULL. */
	text = rpc_request_new(8, "Test.null", NULL);
	reply = rpc_dispatch(methods, NULL, &ctx, text, strlen(text), &o);
	res = (struct json_object *)&res;	/* must be overwritten */
	rc = rpc_reply_parse(reply, strlen(reply), 8, &res, &err);
	is_int(rc, 0, "rpc_reply_parse: 0 for a null result");
	ok(res == NULL, "rpc_reply_parse: *result NULL for null");
	rpc_error_clear(&err);
	free(reply);
	free(text);

	/* Broken replies: -1. */
	{
		static const struct {
			const char	*name;
			const char	*reply;
		} bad[] = {
			{ "garbage", "<html>" },
			{ "truncated", "{'jsonrpc':'2.0','id':3,'result':" },
			{ "no id", "{'jsonrpc':'2.0','result':1}" },
			{ "null id", "{'jsonrpc':'2.0','id':null,'error':"
			    "{'code':-32700,'message':'Parse error'}}" },
			{ "string id",
			    "{'jsonrpc':'2.0','id':'3','result':1}" },
			{ "neither result nor error",
			    "{'jsonrpc':'2.0','id':3}" },
			{ "error without code",
			    "{'jsonrpc':'2.0','id':3,"
			    "'error':{'message':'x'}}" },
			{ "an array", "[]" },
		};
		size_t i;

		for (i = 0; i < NELEM(bad); i++) {
			text = q(bad[i].reply);
			res = NULL;
			rc = rpc_reply_parse(text, strlen(text), 3, &res, &err);
			snprintf(label, sizeof(label), "rpc_reply_parse: -1 "
			    "for %s", bad[i].name);
			is_int(rc, -1, label);
			snprintf(label, sizeof(label), "rpc_reply_parse: %s: "
			    "err names it", bad[i].name);
			ok(err.code != 0 && err.message[0] != '\0', label);
			json_object_put(res);
			rpc_error_clear(&err);
			free(text);
		}
	}

	/* A reply from rpc_dispatch to a broken request has id null. */
	r = dispatch("broken request", "{", NULL);
	if (r) {
		text = strdup(json_compact(r));
		rc = rpc_reply_parse(text, strlen(text), 0, &res, &err);
		is_int(rc, -1, "rpc_reply_parse: -1 for an id null reply");
		rpc_error_clear(&err);
		free(text);
		json_object_put(r);
	}
}

/* The reply's error.data.reason, or its error.data[0]; NULL if none. */
static const char *
error_text(struct json_object *r, const char *what)
{
	struct json_object *e, *d;

	if (r == NULL || !json_object_object_get_ex(r, "error", &e) ||
	    !json_object_object_get_ex(e, "data", &d))
		return NULL;
	if (strcmp(what, "data[0]") == 0)
		return json_object_is_type(d, json_type_array) ?
		    json_object_get_string(json_object_array_get_idx(d, 0)) :
		    NULL;
	return rpc_param_string(d, what);
}

/*
 * Text cut to a bound is cut on a character: a character of 2, 3 and 4
 * bytes at each offset around the 64-byte cut, in a cpu_info key (too
 * long, or with a value holding a NUL), a cpu_info value and a param
 * name (both named whole), and a P_FLAGS key.  dispatch_len() decodes
 * each reply strictly; here the cut is also where it should be: after
 * the last character that fits whole.
 */
static void
test_utf8_cuts(void)
{
	static const char *const chars[] = {
		"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9d\x84\x9e"
	};
	struct json_object *r;
	struct rpc_error err;
	char *base, *want, *req, *msg, *name, *reply, what[256];
	size_t c, pre, n;
	int rc;

	for (c = 0; c < NELEM(chars); c++) {
		for (pre = 60; pre <= 64; pre++) {
			n = strlen(chars[c]);
			name = repeat('k', pre);
			/* Past 64 bytes, whatever the character. */
			base = xasprintf("%s%s%s%s", name, chars[c], chars[c],
			    chars[c]);
			/* 'k' * pre, and the characters that fit whole. */
			want = xasprintf("'%s%s%s'", name,
			    pre + n <= 64 ? chars[c] : "",
			    pre + 2 * n <= 64 ? chars[c] : "");

			snprintf(what, sizeof(what), "cpu_info key of %zu "
			    "bytes, a %zu-byte character at %zu", strlen(base),
			    n, pre);
			req = xasprintf(ECHO(",'ci':{'%s':'v'}"), base);
			msg = q(req);
			r = dispatch(what, msg, NULL);
			ok(error_text(r, "reason") != NULL &&
			    strstr(error_text(r, "reason"), want) != NULL,
			    L(what, "the reason names it cut on a character"));
			json_object_put(r);
			free(msg);
			free(req);

			snprintf(what, sizeof(what), "cpu_info key of %zu "
			    "bytes with a NUL value, a %zu-byte character at "
			    "%zu", strlen(base), n, pre);
			req = xasprintf(ECHO(",'ci':{'%s':'a\\u0000'}"), base);
			msg = q(req);
			r = dispatch(what, msg, NULL);
			ok(error_text(r, "reason") != NULL &&
			    strstr(error_text(r, "reason"), want) != NULL,
			    L(what, "the reason names it cut on a character"));
			json_object_put(r);
			free(msg);
			free(req);

			snprintf(what, sizeof(what), "param name of %zu "
			    "bytes, a %zu-byte character at %zu", strlen(base),
			    n, pre);
			req = xasprintf(ECHO(",'%s':1"), base);
			msg = q(req);
			r = dispatch(what, msg, NULL);
			is_str(error_text(r, "param"), base,
			    L(what, "data.param names it whole"));
			json_object_put(r);
			free(msg);
			free(req);

			snprintf(what, sizeof(what), "cpu_info featureset "
			    "value of %zu bytes, a %zu-byte character at %zu",
			    strlen(base), n, pre);
			req = xasprintf(ECHO(",'ci':{'features_pv':'%s'}"),
			    base);
			msg = q(req);
			r = dispatch(what, msg, NULL);
			is_str(error_text(r, "data[0]"), base,
			    L(what, "INVALID_FEATURE_STRING names it whole"));
			json_object_put(r);
			free(msg);
			free(req);

			free(want);
			free(base);
			free(name);
		}
		/* A P_FLAGS key of 64 bytes whose last is a character's. */
		name = repeat('k', 64 - strlen(chars[c]));
		base = xasprintf("%s%s", name, chars[c]);
		want = xasprintf("'%s'", base);
		snprintf(what, sizeof(what), "P_FLAGS key of 64 bytes ending "
		    "in a %zu-byte character", strlen(chars[c]));
		req = xasprintf(ECHO(",'flags':{'%s':'x'}"), base);
		msg = q(req);
		r = dispatch(what, msg, NULL);
		ok(error_text(r, "reason") != NULL &&
		    strstr(error_text(r, "reason"), want) != NULL,
		    L(what, "the reason names it whole"));
		json_object_put(r);
		free(msg);
		free(req);
		free(want);
		free(base);
		free(name);

		/*
		 * The client half: a reply's message cut to err.message (64
		 * bytes with its NUL) on a character.
		 */
		for (pre = 58; pre <= 63; pre++) {
			name = repeat('m', pre);
			reply = xasprintf("{\"jsonrpc\":\"2.0\",\"id\":3,"
			    "\"error\":{\"code\":1,\"message\":\"%s%s%s\"}}",
			    name, chars[c], chars[c]);
			n = strlen(chars[c]);
			/* As many of the two characters as fit whole. */
			want = xasprintf("%s%s%s", name,
			    pre + n <= 63 ? chars[c] : "",
			    pre + 2 * n <= 63 ? chars[c] : "");
			rc = rpc_reply_parse(reply, strlen(reply), 3, &r, &err);
			snprintf(what, sizeof(what), "rpc_reply_parse: a "
			    "message with a %zu-byte character at %zu",
			    strlen(chars[c]), pre);
			is_int(rc, 1, what);
			ok(utf8_strict(err.message, strlen(err.message)),
			    L(what, "err.message is well-formed UTF-8"));
			is_str(err.message, want,
			    L(what, "err.message cut after a whole character"));
			rpc_error_clear(&err);
			free(want);
			free(reply);
			free(name);
		}
	}
}

/*
 * RFC 8259 against json-c: what must now be refused is in the error
 * table; here, what must still be read, and how the refusals read.
 */
static void
test_strict_json(void)
{
	static const char *const good[] = {
		"0", "-0", "0.5", "-0.5", "10", "-10", "100", "1e5", "1E5",
		"1e05", "1e-05", "1E+007", "0e0", "-0.0e-00", "0.000",
		"[0,10,-0,0.01,-10,1e05]", "{\"a\":0,\"b\":-0}",
		"\"\\u0001\"", "\"a\\u001fb\\n\\t\\r\"", "\"00\"",
		"\"01\"", "\"-00717783\"", "{\"00\":\"0\"}", "[\"x\",0]",
		"\"\x7f\"", "[true,0,false,0,null,0]",
	};
	static const struct {
		const char	*text;
		const char	*why;
	} bad[] = {
		{ "01", "not JSON: a number with a leading zero at byte 0" },
		{ "-01", "not JSON: a number with a leading zero at byte 1" },
		{ "00", NULL },
		{ "-00717783", NULL },
		{ "[1,00]", NULL },
		{ "{\"a\":-0123.5e1}", NULL },
		{ "[1e5,012]", NULL },
		{ "\"\x01\"", "not JSON: control character 0x01 in a string "
		    "at byte 1" },
		{ "\"a\x1f\"", NULL },
		{ "\"\n\"", NULL },
		{ "\"\t\"", NULL },
		{ "\"\r\"", NULL },
		{ "{\"\x1b[31m\":1}", NULL },
		{ "\"\x00\"", NULL },
	};
	struct json_object *o;
	char why[128];
	size_t i, len;

	for (i = 0; i < NELEM(good); i++) {
		why[0] = '\0';
		o = (struct json_object *)&o;
		snprintf(label, sizeof(label), "json_parse_value reads %s",
		    good[i]);
		if (!ok(json_parse_value(good[i], strlen(good[i]), &o, why,
		    sizeof(why)) == 0, label))
			diag("  why: %s", why);
		json_object_put(o);
	}
	for (i = 0; i < NELEM(bad); i++) {
		/* "\x00" is a NUL: give its length by hand. */
		len = strcmp(bad[i].text, "\"") == 0 ? 3 :
		    strlen(bad[i].text);
		why[0] = '\0';
		o = NULL;
		snprintf(label, sizeof(label), "json_parse_value refuses %s",
		    bad[i].text);
		ok(json_parse_value(bad[i].text, len, &o, why, sizeof(why)) ==
		    -1 && o == NULL, label);
		json_object_put(o);
		if (bad[i].why != NULL)
			is_str(why, bad[i].why, "... with the reason");
	}

	/* Through rpc_dispatch: read as JSON, then judged as params. */
	{
		static const struct {
			const char	*n;
			int		 code;
		} nums[] = {
			{ "0", 0 }, { "-0", 0 }, { "10", 0 }, { "-10", 0 },
			{ "0.5", RPC_INVALID_PARAMS },
			{ "1e5", RPC_INVALID_PARAMS },
		};
		struct rpc_outcome out;
		struct json_object *r;
		char *req, *msg, what[64];

		for (i = 0; i < NELEM(nums); i++) {
			req = xasprintf(ECHO(",'n':%s"), nums[i].n);
			msg = q(req);
			snprintf(what, sizeof(what), "param n %s",
			    nums[i].n);
			r = dispatch(what, msg, &out);
			is_int(out.code, nums[i].code,
			    L(what, "not a parse error"));
			json_object_put(r);
			free(msg);
			free(req);
		}
		r = expect_result("\\u0001 and 00 in strings",
		    ECHO(",'s':'a\\u0001b00','obj':{'00':'01'}"), "1", &o,
		    &out);
		is_str(o ? rpc_param_string(o, "s") : NULL, "a\x01" "b00",
		    "\\u0001 and 00 in strings: the handler saw them");
		json_object_put(r);
	}
}

/*
 * What the daemon stored itself reads back even where a peer's text
 * would now be refused (a database an older build filled).
 */
static void
test_stored(void)
{
	static const char text[] = "{\"vendor\":\"x\xc0\xafy\"}";
	struct json_object *o, *v;
	char why[128];

	o = json_parse_one(text, sizeof(text) - 1, why, sizeof(why));
	ok(o == NULL, "json_parse_one refuses an overlong UTF-8 form");
	json_object_put(o);
	o = json_parse_stored(text, sizeof(text) - 1, why, sizeof(why));
	ok(o != NULL && json_object_object_get_ex(o, "vendor", &v) &&
	    strcmp(json_object_get_string(v), "x\xc0\xafy") == 0,
	    "json_parse_stored reads it back as it was stored");
	json_object_put(o);
	o = json_parse_stored("{", 1, why, sizeof(why));
	ok(o == NULL && why[0] != '\0', "json_parse_stored still refuses "
	    "what is not JSON");
	json_object_put(o);
}

/*
 * Writers: rpc_dispatch() runs an RPC_WRITES handler between the table's
 * hooks, begin before it and commit after it, or abort when the handler
 * or the commit failed, and then answers the error alone; a reader runs
 * outside them; a writer dispatched without hooks never runs.  seq
 * records what ran, in order: B begin, H the writer, C commit, A abort,
 * R a reader.
 */
struct txn_ctx {
	char	seq[128];
	int	fail_begin, fail_commit, fail_undo;
};

static void
seq_add(struct txn_ctx *t, char c)
{
	size_t n = strlen(t->seq);

	if (n + 1 < sizeof(t->seq)) {
		t->seq[n] = c;
		t->seq[n + 1] = '\0';
	}
}

static int
t_begin(void *c, struct rpc_error *err)
{
	struct txn_ctx *t = c;

	seq_add(t, 'B');
	if (!t->fail_begin)
		return 0;
	rpc_error_internal(err, "begin refused");
	return -1;
}

static int
t_commit(void *c, struct rpc_error *err)
{
	struct txn_ctx *t = c;

	seq_add(t, 'C');
	if (!t->fail_commit)
		return 0;
	rpc_error_internal(err, "commit failed");
	return -1;
}

static void
t_abort(void *c)
{
	seq_add(c, 'A');
}

static const struct rpc_txn hooks = { t_begin, t_commit, t_abort, NULL,
	NULL, NULL };

/* The savepoint of one writer of a group: E enter, L leave, U undo. */
static int
t_enter(void *c, struct rpc_error *err)
{
	(void)err;
	seq_add(c, 'E');
	return 0;
}

static int
t_leave(void *c, struct rpc_error *err)
{
	(void)err;
	seq_add(c, 'L');
	return 0;
}

static int
t_undo(void *c)
{
	struct txn_ctx *t = c;

	seq_add(t, 'U');
	return t->fail_undo ? -1 : 0;
}

static const struct rpc_txn group_hooks = { t_begin, t_commit, t_abort,
	t_enter, t_leave, t_undo };

/*
 * Fills a result, then succeeds, or fails as "how" says: "refuse" with a
 * XenAPI error, anything else with none.  A failure's result must not
 * reach the reply (nor leak: the ASan build runs this).
 */
static int
h_write(void *c, struct json_object *params, struct json_object **result,
    struct rpc_error *err)
{
	const char *how = rpc_param_string(params, "how");

	seq_add(c, 'H');
	*result = json_object_new_string("written");
	if (how == NULL)
		return 0;
	if (strcmp(how, "refuse") == 0)
		rpc_error_api(err, "VM_BAD_POWER_STATE", 3, "vm1", "halted",
		    "running");
	return -1;
}

static int
h_read(void *c, struct json_object *params, struct json_object **result,
    struct rpc_error *err)
{
	(void)params;
	(void)err;
	seq_add(c, 'R');
	*result = json_object_new_string("read");
	return 0;
}

static const struct rpc_param how_params[] = {
	{ "how", P_STRING, 0 },
	{ NULL, 0, 0 }
};

static const struct rpc_method txn_methods[] = {
	{ "Test.write", RPC_WRITES, h_write, how_params },
	{ "Test.read", RPC_READS, h_read, no_params },
	{ NULL, 0, NULL, NULL }
};

/*
 * req to txn_methods with txn: what ran (seq), and the reply: code 0 with
 * the result text, or the error code with text somewhere in the error.
 */
static void
expect_txn(const char *name, const struct rpc_txn *txn, struct txn_ctx *t,
    const char *req, const char *seq, int code, const char *text)
{
	struct json_object *r, *e = NULL, *v = NULL;
	struct rpc_outcome o;
	char *msg = q(req), *reply;

	t->seq[0] = '\0';
	reply = rpc_dispatch(txn_methods, txn, t, msg, strlen(msg), &o);
	free(msg);
	if (!ok(reply != NULL, L(name, "rpc_dispatch returns a reply")))
		return;
	r = json_tokener_parse(reply);
	is_str(t->seq, seq, L(name, "what ran, in order"));
	is_int(o.code, code, L(name, "outcome code"));
	if (code == 0) {
		ok(!json_object_object_get_ex(r, "error", NULL),
		    L(name, "no error"));
		ok(json_object_object_get_ex(r, "result", &v) &&
		    json_object_is_type(v, json_type_string) &&
		    strcmp(json_object_get_string(v), text) == 0,
		    L(name, "the handler's result"));
	} else {
		ok(!json_object_object_get_ex(r, "result", NULL),
		    L(name, "no result beside the error"));
		json_object_object_get_ex(r, "error", &e);
		json_object_object_get_ex(e, "code", &v);
		is_int(json_object_get_int(v), code, L(name, "error code"));
		if (!ok(e != NULL && strstr(json_compact(e), text) != NULL,
		    L(name, "the error says why")))
			printf("#   reply: %s\n", reply);
	}
	json_object_put(r);
	free(reply);
}

static void
test_txn(void)
{
	struct txn_ctx t;

	memset(&t, 0, sizeof(t));
	expect_txn("writer", &hooks, &t, "{'jsonrpc':'2.0','id':1,"
	    "'method':'Test.write'}", "BHC", 0, "written");
	expect_txn("writer refused", &hooks, &t, "{'jsonrpc':'2.0','id':2,"
	    "'method':'Test.write','params':{'how':'refuse'}}", "BHA",
	    RPC_API_ERROR, "VM_BAD_POWER_STATE");
	expect_txn("writer failing without an error", &hooks, &t,
	    "{'jsonrpc':'2.0','id':3,'method':'Test.write',"
	    "'params':{'how':'silent'}}", "BHA", RPC_INTERNAL_ERROR,
	    "without an error");
	expect_txn("reader", &hooks, &t, "{'jsonrpc':'2.0','id':4,"
	    "'method':'Test.read'}", "R", 0, "read");
	t.fail_commit = 1;
	expect_txn("failed commit", &hooks, &t, "{'jsonrpc':'2.0','id':5,"
	    "'method':'Test.write'}", "BHCA", RPC_INTERNAL_ERROR,
	    "commit failed");
	t.fail_commit = 0;
	t.fail_begin = 1;
	expect_txn("failed begin", &hooks, &t, "{'jsonrpc':'2.0','id':6,"
	    "'method':'Test.write'}", "B", RPC_INTERNAL_ERROR,
	    "begin refused");
	t.fail_begin = 0;
	expect_txn("writer without hooks", NULL, &t, "{'jsonrpc':'2.0',"
	    "'id':7,'method':'Test.write'}", "", RPC_INTERNAL_ERROR,
	    "Test.write");
	expect_txn("reader without hooks", NULL, &t, "{'jsonrpc':'2.0',"
	    "'id':8,'method':'Test.read'}", "R", 0, "read");
}

/*
 * Group commit (lib/rpc_group.c) with the hooks above: what ran, in
 * order, and each request's answer, in the order they were given.
 */
struct answers {
	int	 n;
	int	 tag[40];
	char	*reply[40];
};

static void
g_answer(void *arg, void *tag, char *reply, const struct rpc_outcome *o)
{
	struct answers *a = arg;

	(void)o;
	if (a->n < 40) {
		a->tag[a->n] = (int)(intptr_t)tag;
		a->reply[a->n++] = reply;
	} else
		free(reply);
}

/* Give reqs (a string each; "W" a write, "X" a refused write, "R" a
 * read, "?" not JSON) to a group, then end the batch. */
static void
g_batch(struct rpc_group *g, const char *reqs)
{
	static const char w[] = "{\"jsonrpc\":\"2.0\",\"id\":%d,"
	    "\"method\":\"Test.write\"}";
	static const char x[] = "{\"jsonrpc\":\"2.0\",\"id\":%d,"
	    "\"method\":\"Test.write\",\"params\":{\"how\":\"refuse\"}}";
	static const char r[] = "{\"jsonrpc\":\"2.0\",\"id\":%d,"
	    "\"method\":\"Test.read\"}";
	char msg[256];
	int i;

	for (i = 0; reqs[i]; i++) {
		snprintf(msg, sizeof(msg), reqs[i] == 'W' ? w : reqs[i] == 'X' ?
		    x : reqs[i] == 'R' ? r : "{%d", i);
		rpc_group_take(g, msg, strlen(msg), (void *)(intptr_t)i);
	}
	rpc_group_commit(g);
}

/* Answer i was to tag, and holds text ("" for any). */
static void
g_expect(const char *name, struct answers *a, int i, int tag,
    const char *text)
{
	char what[96];

	snprintf(what, sizeof(what), "%s: answer %d", name, i);
	if (!ok(i < a->n && a->tag[i] == tag && a->reply[i] != NULL &&
	    strstr(a->reply[i], text) != NULL, what))
		printf("#   want tag %d with %s, got tag %d: %s\n", tag, text,
		    i < a->n ? a->tag[i] : -1, i < a->n && a->reply[i] ?
		    a->reply[i] : "(none)");
}

static void
g_reset(struct answers *a, struct txn_ctx *t)
{
	int i;

	for (i = 0; i < a->n; i++)
		free(a->reply[i]);
	a->n = 0;
	t->seq[0] = '\0';
}

static void
test_group(void)
{
	struct rpc_group *g = malloc(sizeof(*g));
	struct answers a;
	struct txn_ctx t;
	char many[RPC_GROUP_MAX + 2], want[128];
	int i;

	memset(&a, 0, sizeof(a));
	memset(&t, 0, sizeof(t));
	rpc_group_init(g, txn_methods, &group_hooks, &t, g_answer, &a);
	g_batch(g, "WXWRW");
	is_str(t.seq, "BEHLEHUEHLCRBEHLC", "group: one begin, a savepoint "
	    "each, the refused one undone, a commit before the reader");
	is_int(a.n, 5, "group: every request answered once");
	g_expect("group", &a, 0, 0, "\"result\":\"written\"");
	g_expect("group", &a, 1, 1, "VM_BAD_POWER_STATE");
	g_expect("group", &a, 2, 2, "\"result\":\"written\"");
	g_expect("group", &a, 3, 3, "\"result\":\"read\"");
	g_expect("group", &a, 4, 4, "\"result\":\"written\"");

	g_reset(&a, &t);
	g_batch(g, "W?W");
	is_str(t.seq, "BEHLEHLC", "group with a broken request: not in it");
	g_expect("broken first", &a, 0, 1, "Parse error");
	g_expect("broken first", &a, 1, 0, "written");
	g_expect("broken first", &a, 2, 2, "written");

	g_reset(&a, &t);
	t.fail_commit = 1;
	g_batch(g, "WXW");
	t.fail_commit = 0;
	is_str(t.seq, "BEHLEHUEHLCA", "failed commit: aborted");
	is_int(a.n, 3, "failed commit: every request answered");
	for (i = 0; i < 3; i++)
		g_expect("failed commit, each with its error", &a, i, i,
		    "commit failed");
	ok(strstr(a.reply[0], "\"result\"") == NULL &&
	    strstr(a.reply[2], "\"result\"") == NULL,
	    "failed commit: no success answered");

	g_reset(&a, &t);
	t.fail_undo = 1;
	g_batch(g, "WXW");
	t.fail_undo = 0;
	is_str(t.seq, "BEHLEHUABEHLC", "a failed undo ends the group: "
	    "aborted, the next writer in a new one");
	g_expect("lost group", &a, 0, 0, "transaction was lost");
	g_expect("lost group", &a, 1, 1, "transaction was lost");
	g_expect("lost group", &a, 2, 2, "written");

	g_reset(&a, &t);
	t.fail_begin = 1;
	g_batch(g, "W");
	t.fail_begin = 0;
	is_str(t.seq, "B", "failed begin: nothing else ran");
	g_expect("failed begin", &a, 0, 0, "begin refused");

	g_reset(&a, &t);
	memset(many, 'W', RPC_GROUP_MAX + 1);
	many[RPC_GROUP_MAX + 1] = '\0';
	g_batch(g, many);
	want[0] = 'B';
	for (i = 0; i < RPC_GROUP_MAX; i++)
		memcpy(want + 1 + 3 * i, "EHL", 3);
	memcpy(want + 1 + 3 * i, "CBEHLC", sizeof("CBEHLC"));
	is_str(t.seq, want, "RPC_GROUP_MAX writers to a group: the next "
	    "begins another");
	is_int(a.n, RPC_GROUP_MAX + 1, "every one answered");
	g_reset(&a, &t);

	rpc_group_init(g, txn_methods, &hooks, &t, g_answer, &a);
	g_batch(g, "WXW");
	is_str(t.seq, "BHCBHABHC", "hooks without savepoints: a "
	    "transaction each, as rpc_dispatch");
	g_reset(&a, &t);
	free(g);
}

int
main(void)
{
	test_error_table();
	test_generated_errors();
	test_results();
	test_nullable();
	test_api_error();
	test_outcomes();
	test_lengths();
	test_client();
	test_stored();
	test_utf8_cuts();
	test_strict_json();
	test_txn();
	test_group();
	return done_testing();
}
