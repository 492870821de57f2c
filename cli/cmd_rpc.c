/*
 * cpulevel host boot, pool join, vm start, ...: one call of a method of
 * cpulevel-featured or cpulevel-migcheck each (proto/README.md).  Every such command is a row
 * of the table in cpulevel.c whose rpc descriptor says which method to
 * call and how operands and options become its params; cmd_rpc() does
 * the rest.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "cli.h"
#include "config.h"
#include "featurenames.h"
#include "jsonutil.h"
#include "probe.h"
#include "rpc.h"
#include "rpc_client.h"

#define CALL_TIMEOUT_MS	5000
#define REQUEST_ID	1

/* Options every daemon command takes; a descriptor's are OPT_OWN + i. */
enum { OPT_CONNECT = 'c', OPT_DBG = 'd', OPT_HELP = 'h', OPT_JSON = 'j',
	OPT_OWN = 256 };
#define NCOMMON		4

/* Enough for every named bit of FS_MAX_WORDS words, with " +" between. */
#define NAMES_MAX	(FS_MAX_WORDS * 32 * 24)

struct call {
	const char		*url;
	const char		*dbg;
	int			 json;
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
	    "  --dbg STRING   a tag for the daemon's log (the dbg param)\n\n",
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
	struct option longopts[NCOMMON + RPC_CMD_OPTS + 1] = {
		{ "connect",	required_argument,	NULL, OPT_CONNECT },
		{ "dbg",	required_argument,	NULL, OPT_DBG },
		{ "help",	no_argument,		NULL, OPT_HELP },
		{ "json",	no_argument,		NULL, OPT_JSON },
	};
	const struct rpc_opt *own = cmd->rpc->opts;
	int i, ch, prev;

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

/* A JSON value as a word: strings as they are, the rest as JSON. */
static const char *
value_text(struct json_object *v)
{
	if (v == NULL)
		return "null";
	if (json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return json_compact(v);
}

/* ": a, b, c" after an error's message: what its data says. */
static void
print_error_data(const struct rpc_error *e)
{
	struct json_object *v;
	size_t i, n;

	if (e->code == RPC_API_ERROR &&
	    json_object_is_type(e->data, json_type_array)) {
		n = json_object_array_length(e->data);
		for (i = 0; i < n; i++) {
			v = json_object_array_get_idx(e->data, i);
			fprintf(stderr, "%s%s", i ? ", " : ": ", value_text(v));
		}
	} else if (e->code == RPC_INVALID_PARAMS &&
	    json_object_is_type(e->data, json_type_object) &&
	    json_object_object_get_ex(e->data, "param", &v)) {
		fprintf(stderr, ": %s: ", value_text(v));
		if (json_object_object_get_ex(e->data, "reason", &v))
			fputs(value_text(v), stderr);
	} else if (e->data != NULL)
		fprintf(stderr, ": %s", value_text(e->data));
}

/* One line on stderr for an error reply; the exit status. */
static int
print_error(const struct rpc_error *e)
{
	struct outcome o = { OC_JSONRPC, NULL, e->code };

	fprintf(stderr, "cpulevel: %s", e->message);
	print_error_data(e);
	fputc('\n', stderr);
	if (e->code == RPC_API_ERROR) {
		o.kind = OC_XENAPI;
		o.xenapi = e->message;
	}
	return cli_exit_status(&o);
}

/* One line on stderr; the status of "the daemon failed us". */
static int
daemon_failed(enum outcome_kind kind, const char *fmt, const char *daemon,
    const char *url, const char *why)
{
	fputs("cpulevel: ", stderr);
	fprintf(stderr, fmt, daemon, url, why);
	fputc('\n', stderr);
	return cli_exit(kind);
}

/*
 * Send the request to the row's daemon at url and read the reply: 0 with
 * *result, or the exit status.
 */
static int
call(const struct rpc_cmd *rc, const char *url, struct json_object *params,
    struct json_object **result)
{
	const char *daemon = daemons[rc->daemon].name;
	enum outcome_kind reach;
	struct rpc_error e;
	char err[512], *req, *reply;
	size_t len;
	int s, st;

	*result = NULL;
	if ((reach = cli_reach(daemon, url)) != OC_YES)
		return cli_exit(reach);
	if ((s = bus_connect_req(url, CALL_TIMEOUT_MS, err, sizeof(err))) == -1)
		return cli_error("%s", err);
	if ((req = rpc_request_new(REQUEST_ID, rc->method, params)) == NULL) {
		bus_close(s);
		return cli_error("out of memory");
	}
	st = bus_call(s, req, &reply, &len, err, sizeof(err));
	free(req);
	bus_close(s);
	if (st == -1)
		return daemon_failed(OC_UNREACHABLE, "cannot reach %s at %s: %s",
		    daemon, url, err);
	st = rpc_reply_parse(reply, len, REQUEST_ID, result, &e);
	free(reply);
	if (st == 1)
		st = print_error(&e);
	else if (st == -1)
		st = daemon_failed(OC_BAD_REPLY, "bad reply from %s at %s: %s",
		    daemon, url, e.data ? json_object_get_string(e.data) :
		    e.message);
	rpc_error_clear(&e);
	return st;
}

/* Objects as 'key value' lines, like host-cpu-info; arrays a line each. */
static void
print_plain(struct json_object *result)
{
	size_t i, n;

	if (json_object_is_type(result, json_type_object)) {
		json_object_object_foreach(result, key, v)
			printf("%-18s %s\n", key, value_text(v));
	} else if (json_object_is_type(result, json_type_array)) {
		n = json_object_array_length(result);
		for (i = 0; i < n; i++)
			printf("%s\n", value_text(
			    json_object_array_get_idx(result, i)));
	} else
		printf("%s\n", value_text(result));
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
	for (i = 0; status == 0 && i < c.noperands; i++)
		set_param(c.params, rc->operands[i],
		    json_object_new_string(c.operands[i]));
	if (status == 0 && c.dbg)
		set_param(c.params, "dbg", json_object_new_string(c.dbg));
	if (status == 0 && rc->hook)
		status = rc->hook(c.params, c.hook_arg);
	if (status == 0)
		status = call(rc, c.url, c.params, &result);
	json_object_put(c.params);
	if (status != 0)
		return status == -1 ? 0 : status;
	if (c.json)
		printf("%s\n", result ? json_pretty(result) : "null");
	else if (result && rc->print)
		rc->print(result);
	else if (result)
		print_plain(result);
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

/* A history entry's set; an absent or null one is the empty set. */
static int
entry_fs(struct json_object *entry, const char *kind, const char *age,
    struct featureset *fs)
{
	struct json_object *v;
	char key[64], err[64];

	snprintf(key, sizeof(key), "features_%s_host_%s", kind, age);
	if (!json_object_object_get_ex(entry, key, &v) || v == NULL) {
		fs_clear(fs);
		return 0;
	}
	return fs_parse(json_object_get_string(v), fs, err, sizeof(err));
}

/* " hvm: -lost +gained" for one kind, or nothing if its level held. */
static void
print_change(struct json_object *entry, const char *kind)
{
	static char names[NAMES_MAX];
	struct featureset old, new, d;

	if (entry_fs(entry, kind, "old", &old) == -1 ||
	    entry_fs(entry, kind, "new", &new) == -1)
		return;
	if (fs_is_equal(&old, &new))
		return;
	printf(" %s:", kind);
	fs_diff(&old, &new, &d);
	if (!fs_is_zero(&d) &&
	    feature_names_join(&d, " -", names, sizeof(names)) == 0)
		printf(" -%s", names);
	fs_diff(&new, &old, &d);
	if (!fs_is_zero(&d) &&
	    feature_names_join(&d, " +", names, sizeof(names)) == 0)
		printf(" +%s", names);
}

static const char *
field(struct json_object *entry, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(entry, key, &v))
		return "-";
	return value_text(v);
}

/* pool history: "SEQ AT EVENT HOST pv: -lost +gained hvm: ..." a line. */
void
cmd_print_history(struct json_object *result)
{
	struct json_object *e;
	size_t i, n;

	if (!json_object_is_type(result, json_type_array)) {
		print_plain(result);
		return;
	}
	n = json_object_array_length(result);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(result, i);
		printf("%s %s %s %s", field(e, "seq"), field(e, "at"),
		    field(e, "event"), field(e, "host"));
		print_change(e, "pv");
		print_change(e, "hvm");
		putchar('\n');
	}
}

/* The names of a verdict's missing features, joined by ", ". */
static void
print_missing(struct json_object *verdict, const char *prefix)
{
	struct json_object *m;
	size_t i, n;

	if (!json_object_object_get_ex(verdict, "missing_features", &m) ||
	    (n = json_object_array_length(m)) == 0)
		return;
	printf("%s", prefix);
	for (i = 0; i < n; i++)
		printf("%s%s", i ? ", " : "",
		    json_object_get_string(json_object_array_get_idx(m, i)));
	putchar('\n');
}

static int
compatible(struct json_object *verdict)
{
	struct json_object *v;

	return json_object_object_get_ex(verdict, "compatible", &v) &&
	    json_object_get_boolean(v);
}

/* migrate-check: "compatible", or the reason and the missing features. */
void
cmd_print_verdict(struct json_object *result)
{
	if (compatible(result)) {
		printf("compatible\n");
		return;
	}
	printf("incompatible: %s\n", field(result, "reason"));
	print_missing(result, "missing: ");
}

/* migrate-check's answer, the same with --json: compatible is yes. */
enum outcome_kind
cmd_verdict(struct json_object *result)
{
	return compatible(result) ? OC_YES : OC_NO;
}

/* possible-hosts: one line a host of the VM's pool. */
void
cmd_print_possible_hosts(struct json_object *result)
{
	struct json_object *e;
	size_t i, n = json_object_array_length(result);

	printf("%-24s %-13s %s\n", "HOST", "VERDICT", "MISSING FEATURES");
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(result, i);
		printf("%-24s %-13s ", field(e, "host"), compatible(e) ?
		    "compatible" : "incompatible");
		if (compatible(e))
			putchar('\n');
		else if (json_object_array_length(json_object_object_get(e,
		    "missing_features")) == 0)
			printf("(%s)\n", field(e, "reason"));
		else
			print_missing(e, "");
	}
}
