/*
 * cpulevel host boot, pool join, vm start, ...: one call of a method of
 * cpulevel-featured or cpulevel-migcheck each (proto/README.md).  Every
 * such command is a row of the table in cpulevel.c whose rpc descriptor
 * says which daemon and method to call and how operands and options
 * become its params; cmd_rpc() does the rest.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "cli.h"
#include "config.h"
#include "jsonutil.h"
#include "probe.h"
#include "rpc.h"
#include "rpc_client.h"

#define CALL_TIMEOUT_MS	5000
#define REQUEST_ID	1

/* Options every daemon command takes; a descriptor's are OPT_OWN + i. */
enum { OPT_CONNECT = 'c', OPT_DBG = 'd', OPT_HELP = 'h', OPT_JSON = 'j',
	OPT_RAW = 'r', OPT_OWN = 256 };
#define NCOMMON		5

/* Every daemon command's; completion offers them too (complete.c). */
const struct option cmd_common_options[NCOMMON + 1] = {
	{ "connect",	required_argument,	NULL, OPT_CONNECT },
	{ "dbg",	required_argument,	NULL, OPT_DBG },
	{ "help",	no_argument,		NULL, OPT_HELP },
	{ "json",	no_argument,		NULL, OPT_JSON },
	{ "raw",	no_argument,		NULL, OPT_RAW },
	{ NULL,		0,			NULL, 0 }
};

/* The daemon the running command called (cmd_rpc sets it). */
const char	*cli_url;

struct call {
	const char		*url;
	const char		*dbg;
	int			 json;
	int			 raw;
	const char		*hook_arg;
	const char		*operands[RPC_CMD_OPERANDS];
	int			 noperands;	/* all of them: may be > want */
	int			 want;
	const char		*extra;		/* the first one too many */
	struct json_object	*params;
};

/*
 * The daemons a row may name: what --help and the errors call it, and
 * the socket it calls without --connect (config.h's defaults).  Both
 * come from here alone, so they cannot disagree.
 */
static const struct {
	const char	*name;
	const char	*url;
} daemons[] = {
	[DAEMON_FEATURED] = { "cpulevel-featured", CPULEVEL_FEATURED_RPC_URL },
	[DAEMON_MIGCHECK] = { "cpulevel-migcheck", CPULEVEL_MIGCHECK_RPC_URL },
};

static void
cmd_help(const struct command *cmd)
{
	const char *daemon = daemons[cmd->rpc->daemon].name;

	cli_command_help(cmd);
	printf("\nCalls %s on %s.\n\n"
	    "Options of every daemon command:\n"
	    "  --connect URL  %s's request socket (default\n"
	    "                 %s)\n"
	    "  --json         print the result as JSON\n"
	    "  --raw          featuresets as xapi's hex words, not names,\n"
	    "                 and a table's rows unwrapped\n"
	    "  --dbg STRING   a tag for the daemon's log (the dbg param)\n\n"
	    "A refusal is one line on stderr: 'cpulevel: CODE: what is\n"
	    "wrong', CODE the daemon's XenAPI error code (with --json:\n"
	    "'cpulevel: CODE: its params', as the daemon sent them).\n\n",
	    cmd->rpc->method, daemon, daemon,
	    daemons[cmd->rpc->daemon].url);
	cli_print_exit_statuses(stdout);
}

static int
noperands(const struct rpc_cmd *rc)
{
	int n = 0;

	while (n < RPC_CMD_OPERANDS && rc->operands[n] != NULL)
		n++;
	return n;
}

/* "VM HOST DOMAIN_TYPE": the operands as the synopsis names them. */
static const char *
operand_names(const struct rpc_cmd *rc)
{
	static char buf[128];
	size_t len = 0;
	int i;
	char *p;

	buf[0] = '\0';
	for (i = 0; i < noperands(rc); i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s",
		    i ? " " : "", rc->operands[i]);
	for (p = buf; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	return buf;
}

/* params[name] = v, or params[a][b] = v for a name "a.b". */
static void
set_param(struct json_object *params, const char *name, struct json_object *v)
{
	const char *dot = strchr(name, '.');
	struct json_object *outer;
	char key[64];

	if (dot == NULL) {
		json_object_object_add(params, name, v);
		return;
	}
	snprintf(key, sizeof(key), "%.*s", (int)(dot - name), name);
	if (!json_object_object_get_ex(params, key, &outer)) {
		outer = json_object_new_object();
		json_object_object_add(params, key, outer);
	}
	json_object_object_add(outer, dot + 1, v);
}

static int
set_option(const struct command *cmd, const struct rpc_opt *o,
    const char *arg, struct call *c)
{
	long long n;
	char *end;

	switch (o->type) {
	case RO_STRING:
	case RO_FEATURESET:
		set_param(c->params, o->param, json_object_new_string(arg));
		break;
	case RO_INT:
		errno = 0;
		n = strtoll(arg, &end, 10);
		if (errno != 0 || end == arg || *end != '\0')
			return cli_error("%s: --%s: '%s' is not an integer",
			    cmd->name, o->flag, arg);
		set_param(c->params, o->param, json_object_new_int64(n));
		break;
	case RO_TRUE:
	case RO_FALSE:
		set_param(c->params, o->param,
		    json_object_new_boolean(o->type == RO_TRUE));
		break;
	case RO_HOOK:
		c->hook_arg = arg;
		break;
	}
	return 0;
}

static void
add_operand(struct call *c, const char *arg)
{
	if (c->noperands < c->want)
		c->operands[c->noperands] = arg;
	else if (c->extra == NULL)
		c->extra = arg;
	c->noperands++;
}

static int
check_operands(const struct command *cmd, const struct call *c)
{
	if (c->extra)
		return cli_error("%s: unexpected argument '%s'", cmd->name,
		    c->extra);
	if (c->noperands < c->want)
		return cli_error("%s: expected %s, got %d argument%s",
		    cmd->name, operand_names(cmd->rpc), c->noperands,
		    c->noperands == 1 ? "" : "s");
	return 0;
}

/*
 * Options may come before, between or after the operands; "--" ends them.
 * getopt runs in "+" mode (stop at an operand) so that it never reorders
 * argv, and is restarted past each operand.  Returns 0, -1 after --help,
 * or EXIT_USAGE.
 */
static int
parse_args(const struct command *cmd, int argc, char **argv, struct call *c)
{
	struct option longopts[NCOMMON + RPC_CMD_OPTS + 1];
	const struct rpc_opt *own = cmd->rpc->opts;
	int i, ch, prev;

	memset(longopts, 0, sizeof(longopts));
	memcpy(longopts, cmd_common_options, sizeof(cmd_common_options));
	for (i = 0; i < RPC_CMD_OPTS && own[i].flag != NULL; i++) {
		longopts[NCOMMON + i].name = own[i].flag;
		longopts[NCOMMON + i].has_arg = own[i].type == RO_TRUE ||
		    own[i].type == RO_FALSE ? no_argument : required_argument;
		longopts[NCOMMON + i].val = OPT_OWN + i;
	}
	/* getopt wants argv[0] to be the program; ours is the first operand. */
	optind = 0;
	opterr = 0;
	argc++;
	argv--;
	c->want = noperands(cmd->rpc);
	for (;;) {
		prev = optind > 0 ? optind : 1;
		ch = getopt_long(argc, argv, "+:h", longopts, NULL);
		if (ch == -1) {
			if (optind >= argc)
				break;
			if (optind > prev) {	/* past "--" */
				while (optind < argc)
					add_operand(c, argv[optind++]);
				break;
			}
			add_operand(c, argv[optind++]);
			continue;
		}
		switch (ch) {
		case OPT_CONNECT:
			c->url = optarg;
			break;
		case OPT_DBG:
			c->dbg = optarg;
			break;
		case OPT_JSON:
			c->json = 1;
			break;
		case OPT_RAW:
			c->raw = 1;
			break;
		case OPT_HELP:
			cmd_help(cmd);
			return -1;
		case ':':
			return cli_error("%s: option '%s' needs a value",
			    cmd->name, argv[optind - 1]);
		case '?':
			return cli_error("%s: unknown option '%s' (see "
			    "'cpulevel %s --help')", cmd->name,
			    argv[optind - 1], cmd->name);
		default:
			if (set_option(cmd, &own[ch - OPT_OWN], optarg, c))
				return EXIT_USAGE;
			break;
		}
	}
	return check_operands(cmd, c);
}

/* ": param: reason" or ": data" after a protocol error's message. */
static void
print_error_data(const struct rpc_error *e)
{
	struct json_object *v;

	if (e->code == RPC_INVALID_PARAMS &&
	    json_object_is_type(e->data, json_type_object) &&
	    json_object_object_get_ex(e->data, "param", &v)) {
		fprintf(stderr, ": %s: ", cmd_value_text(v));
		if (json_object_object_get_ex(e->data, "reason", &v))
			fputs(cmd_value_text(v), stderr);
	} else if (e->data != NULL)
		fprintf(stderr, ": %s", cmd_value_text(e->data));
}

/*
 * One line on stderr for an error reply to method's params sent to url;
 * the exit status.  A XenAPI error is phrased by errors.c's table, which
 * may ask the daemon at url about the request's objects; with --json its
 * plain form.
 */
int
cmd_print_error(const struct rpc_error *e, const char *method,
    const char *url, struct json_object *params, int json)
{
	struct outcome o = { OC_JSONRPC, NULL, e->code };
	struct api_error ae = { e->message, e->data, params, url, method };

	if (e->code == RPC_API_ERROR) {
		cli_print_api_error(&ae, json);
		o.kind = OC_XENAPI;
		o.xenapi = e->message;
		return cli_exit_status(&o);
	}
	fprintf(stderr, "cpulevel: %s", e->message);
	print_error_data(e);
	fputc('\n', stderr);
	return cli_exit_status(&o);
}

/* "cpulevel: WHAT DAEMON at URL: WHY" on stderr; the status of kind. */
static int
daemon_failed(enum outcome_kind kind, const char *what, const char *daemon,
    const char *url, const char *why)
{
	fprintf(stderr, "cpulevel: %s %s at %s: %s\n", what, daemon, url, why);
	return cli_exit(kind);
}

/*
 * One request to url and its reply: 0 with *result, 1 with the error
 * reply in *e, -1 with why it could not be sent or answered in err (e
 * cleared), -2 for a reply that is none to us (in *e).
 */
static int
exchange(const char *url, int timeout_ms, const char *method,
    struct json_object *params, struct json_object **result,
    struct rpc_error *e, char *err, size_t errlen)
{
	char *req, *reply;
	size_t len;
	int s, st;

	*result = NULL;
	memset(e, 0, sizeof(*e));
	if ((s = bus_connect_req(url, timeout_ms, err, errlen)) == -1)
		return -1;
	if ((req = rpc_request_new(REQUEST_ID, method, params)) == NULL) {
		bus_close(s);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	st = bus_call(s, req, &reply, &len, err, errlen);
	free(req);
	bus_close(s);
	if (st == -1)
		return -1;
	st = rpc_reply_parse(reply, len, REQUEST_ID, result, e);
	free(reply);
	return st == -1 ? -2 : st;
}

const char *
cmd_daemon_url(enum cli_daemon d)
{
	return daemons[d].url;
}

int
cmd_call(enum cli_daemon d, const char *url, int timeout_ms,
    const char *method, struct json_object *params,
    struct json_object **result, struct rpc_error *e)
{
	const char *daemon = daemons[d].name;
	enum outcome_kind reach;
	char err[512];
	int st;

	*result = NULL;
	memset(e, 0, sizeof(*e));
	if ((reach = cli_reach(daemon, url)) != OC_YES)
		return cli_exit(reach);
	st = exchange(url, timeout_ms ? timeout_ms : CALL_TIMEOUT_MS, method,
	    params, result, e, err, sizeof(err));
	if (st == -1)
		return daemon_failed(OC_UNREACHABLE, "cannot reach",
		    daemon, url, err);
	if (st == -2) {
		st = daemon_failed(OC_BAD_REPLY, "bad reply from",
		    daemon, url, e->data ? json_object_get_string(e->data) :
		    e->message);
		rpc_error_clear(e);
	}
	return st;
}

/*
 * Send the request of the command to its daemon at c->url and read the
 * reply: 0 with *result, or the exit status after a line on stderr.
 */
static int
call(const struct rpc_cmd *rc, const struct call *c,
    struct json_object **result)
{
	struct rpc_error e;
	int st;

	st = cmd_call(rc->daemon, c->url, 0, rc->method, c->params, result,
	    &e);
	if (st == 1) {
		st = cmd_print_error(&e, rc->method, c->url, c->params,
		    c->json);
		rpc_error_clear(&e);
	}
	return st;
}

struct json_object *
cli_ask(const char *url, const char *method, const char *param,
    const char *value)
{
	struct json_object *params, *result;
	struct rpc_error e;
	char err[512];
	int st;

	if ((params = json_object_new_object()) == NULL)
		return NULL;
	if (param != NULL)
		json_object_object_add(params, param,
		    json_object_new_string(value));
	st = exchange(url, CALL_TIMEOUT_MS, method, params, &result, &e, err,
	    sizeof(err));
	json_object_put(params);
	rpc_error_clear(&e);
	if (st == 0)
		return result;
	json_object_put(result);
	return NULL;
}

int
cmd_rpc(const struct command *cmd, int argc, char **argv)
{
	const struct rpc_cmd *rc = cmd->rpc;
	struct json_object *result;
	struct call c;
	int i, status;

	memset(&c, 0, sizeof(c));
	c.url = daemons[rc->daemon].url;
	if ((c.params = json_object_new_object()) == NULL)
		return cli_error("out of memory");
	status = parse_args(cmd, argc, argv, &c);
	cli_raw = c.raw;
	cli_url = c.url;
	for (i = 0; status == 0 && i < c.noperands; i++)
		set_param(c.params, rc->operands[i],
		    json_object_new_string(c.operands[i]));
	if (status == 0 && c.dbg)
		set_param(c.params, "dbg", json_object_new_string(c.dbg));
	if (status == 0 && rc->hook)
		status = rc->hook(c.params, c.hook_arg);
	if (status == 0)
		status = call(rc, &c, &result);
	json_object_put(c.params);
	if (status != 0)
		return status == -1 ? 0 : status;
	if (c.json)
		printf("%s\n", result ? json_pretty(result) : "null");
	else if (result && rc->print)
		rc->print(result);
	else if (result)
		cmd_print_plain(result);
	/* The same status whatever the output: a script may trust it. */
	status = cli_exit(rc->verdict && result ? rc->verdict(result) :
	    OC_YES);
	json_object_put(result);
	return status;
}

/* host boot: the cpu_info is what the probe reads (--probe SPEC). */
int
cmd_boot_cpu_info(struct json_object *params, const char *probe)
{
	struct json_object *o;
	struct cpuinfo ci;
	char err[512];

	if (probe_host(probe ? probe : "auto", &ci, err, sizeof(err)) !=
	    PROBE_OK)
		return cli_error("%s", err);
	o = cpuinfo_to_json(&ci);
	cpuinfo_free(&ci);
	if (o == NULL)
		return cli_error("out of memory");
	json_object_object_add(params, "cpu_info", o);
	return 0;
}
