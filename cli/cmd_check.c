/*
 * cpulevel host check-vm: may a VM move to a host of another pool?  The
 * destination is known only by the cpu_info its pool reports (a file:
 * that pool's `cpulevel host-cpu-info --json`, or xapi's Host.cpu_info),
 * the VM by its CPU flags, from featured or from a file.  migcheck's
 * Host.assert_vm_is_compatible judges; this file only gathers what the
 * method needs, and says the answer as migrate-check does, missing
 * features named.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "compat.h"
#include "featurenames.h"
#include "jsonutil.h"
#include "probe.h"
#include "rpc.h"
#include "vmtypes.h"

/* A VM's flags are a vendor and a featureset: a few hundred bytes. */
#define FLAGS_FILE_MAX	(64 * 1024)

enum { OPT_CPU_INFO = 256, OPT_FLAGS, OPT_DOMAIN_TYPE, OPT_FEATURED };

static const struct option check_options[] = {
	{ "cpu-info",	required_argument,	NULL, OPT_CPU_INFO },
	{ "flags",	required_argument,	NULL, OPT_FLAGS },
	{ "domain-type", required_argument,	NULL, OPT_DOMAIN_TYPE },
	{ "connect",	required_argument,	NULL, 'c' },
	{ "featured",	required_argument,	NULL, OPT_FEATURED },
	{ "json",	no_argument,		NULL, 'j' },
	{ "dbg",	required_argument,	NULL, 'd' },
	{ "help",	no_argument,		NULL, 'h' },
	{ NULL,		0,			NULL, 0 }
};

struct check {
	const char		*cpu_info_path;
	const char		*flags_path;
	const char		*vm;
	const char		*domain_type;	/* --domain-type, or NULL */
	const char		*migcheck_url;
	const char		*featured_url;
	const char		*dbg;
	int			 json;
	struct cpuinfo		 ci;
	struct json_object	*flags;		/* {vendor?, features?} */
	enum domain_type	 dt;
	enum power_state	 ps;
};

static void
check_help(const struct command *cmd)
{
	cli_command_help(cmd);
	printf("\nAsks cpulevel-featured for VM's flags (VM.get_cpu_flags), "
	    "then\ncpulevel-migcheck for the verdict "
	    "(Host.assert_vm_is_compatible).\n\n");
	cli_print_exit_statuses(stdout);
}

static int
set_option(const struct command *cmd, int ch, struct check *c)
{
	switch (ch) {
	case OPT_CPU_INFO:
		c->cpu_info_path = optarg;
		break;
	case OPT_FLAGS:
		c->flags_path = optarg;
		break;
	case OPT_DOMAIN_TYPE:
		if (domain_type_parse(optarg, &c->dt) == -1)
			return cli_error("%s: --domain-type: '%s' is not pv, "
			    "hvm, pvh or pv_in_pvh", cmd->name, optarg);
		c->domain_type = optarg;
		break;
	case 'c':
		c->migcheck_url = optarg;
		break;
	case OPT_FEATURED:
		c->featured_url = optarg;
		break;
	case 'j':
		c->json = 1;
		break;
	case 'd':
		c->dbg = optarg;
		break;
	}
	return 0;
}

/* VM, or --flags FILE, and --cpu-info: 0, -1 after --help, or 2. */
static int
parse_args(const struct command *cmd, int argc, char **argv,
    struct check *c)
{
	int ch;

	/* getopt wants argv[0] to be the program; ours is the first operand. */
	optind = 0;
	opterr = 0;
	argc++;
	argv--;
	while ((ch = getopt_long(argc, argv, ":h", check_options,
	    NULL)) != -1) {
		if (ch == 'h') {
			check_help(cmd);
			return -1;
		}
		if (ch == ':')
			return cli_error("%s: option '%s' needs a value",
			    cmd->name, argv[optind - 1]);
		if (ch == '?')
			return cli_error("%s: unknown option '%s' (see "
			    "'cpulevel %s --help')", cmd->name,
			    argv[optind - 1], cmd->name);
		if (set_option(cmd, ch, c) != 0)
			return EXIT_USAGE;
	}
	if (optind < argc)
		c->vm = argv[optind++];
	if (optind < argc)
		return cli_error("%s: unexpected argument '%s'", cmd->name,
		    argv[optind]);
	if (c->cpu_info_path == NULL)
		return cli_error("%s: --cpu-info FILE is needed: the "
		    "destination host's cpu_info", cmd->name);
	if ((c->vm == NULL) == (c->flags_path == NULL))
		return cli_error("%s: name a VM featured holds, or give "
		    "--flags FILE, not %s", cmd->name, c->vm ? "both" :
		    "neither");
	if (c->vm && c->domain_type)
		return cli_error("%s: --domain-type goes with --flags: "
		    "featured knows %s's", cmd->name, c->vm);
	return 0;
}

/* The whole of a small file as JSON: NULL after an error naming it. */
static struct json_object *
read_json(const char *path)
{
	static char buf[FLAGS_FILE_MAX];
	struct json_object *o;
	char why[256];
	size_t n;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		cli_error("cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	n = fread(buf, 1, sizeof(buf), f);
	if (ferror(f) || n == sizeof(buf)) {
		cli_error(ferror(f) ? "cannot read '%s'" : "'%s' is larger "
		    "than a VM's CPU flags can be", path);
		fclose(f);
		return NULL;
	}
	fclose(f);
	if ((o = json_parse_one(buf, n, why, sizeof(why))) == NULL)
		cli_error("'%s' is not JSON: %s", path, why);
	return o;
}

/* A string member, absent or null as NULL: -1 if it is something else. */
static int
flag_string(const char *path, struct json_object *o, const char *key,
    const char **out)
{
	struct json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return 0;
	if ((*out = json_clean_string(v)) == NULL) {
		cli_error("'%s': \"%s\" is not a string", path, key);
		return -1;
	}
	return 0;
}

/* The VM's kind and state a flags file may name: 0, or -1 after an error. */
static int
flags_kind(struct check *c, struct json_object *o)
{
	const char *dt, *ps;

	if (flag_string(c->flags_path, o, "domain_type", &dt) == -1 ||
	    flag_string(c->flags_path, o, "power_state", &ps) == -1)
		return -1;
	if (dt && c->domain_type == NULL &&
	    domain_type_parse(dt, &c->dt) == -1) {
		cli_error("'%s': \"domain_type\" '%s' is not pv, hvm, pvh or "
		    "pv_in_pvh", c->flags_path, dt);
		return -1;
	}
	if (ps && power_state_parse(ps, &c->ps) == -1) {
		cli_error("'%s': \"power_state\" '%s' is not running, "
		    "suspended or halted", c->flags_path, ps);
		return -1;
	}
	return 0;
}

/*
 * o's vendor and features into c->flags.  A file with neither is
 * refused: with nothing to compare, the rule would call a VM it knows
 * nothing about compatible.
 */
static int
flags_take(struct check *c, struct json_object *o)
{
	const char *vendor, *features;
	struct featureset fs;
	char why[256];

	if (flag_string(c->flags_path, o, "vendor", &vendor) == -1 ||
	    flag_string(c->flags_path, o, "features", &features) == -1)
		return -1;
	if (vendor == NULL && features == NULL) {
		cli_error("'%s' has neither \"vendor\" nor \"features\": no "
		    "CPU flags to check", c->flags_path);
		return -1;
	}
	if (features && fs_parse(features, &fs, why, sizeof(why)) == -1) {
		cli_error("'%s': \"features\": %s", c->flags_path, why);
		return -1;
	}
	if (vendor)
		json_object_object_add(c->flags, "vendor",
		    json_object_new_string(vendor));
	if (features)
		json_object_object_add(c->flags, "features",
		    json_object_new_string(features));
	return 0;
}

/*
 * The flags file: a VM's last_boot_CPU_flags ({vendor?, features?}), or
 * 'cpulevel vm show VM --json' of a VM of another pool, whose
 * domain_type and power_state are taken too (--domain-type wins).
 */
static int
flags_from_file(struct check *c)
{
	struct json_object *o;
	int rc = 0;

	if ((o = read_json(c->flags_path)) == NULL)
		return EXIT_USAGE;
	if (!json_object_is_type(o, json_type_object))
		rc = cli_error("'%s' holds no JSON object: a VM's CPU flags "
		    "are {\"vendor\": ..., \"features\": ...}", c->flags_path);
	else if (flags_kind(c, o) == -1 || flags_take(c, o) == -1)
		rc = EXIT_USAGE;
	json_object_put(o);
	return rc;
}

/* A member of featured's answer, null as absent: into c->flags. */
static void
flags_copy(struct check *c, struct json_object *rec, const char *key)
{
	struct json_object *v;

	if (json_object_object_get_ex(rec, key, &v) && v != NULL)
		json_object_object_add(c->flags, key, json_object_get(v));
}

/* VM.get_cpu_flags of the VM featured holds: its flags, kind and state. */
static int
flags_from_featured(struct check *c)
{
	struct json_object *params, *rec, *v;
	struct rpc_error e;
	int st;

	params = json_object_new_object();
	json_object_object_add(params, "vm", json_object_new_string(c->vm));
	if (c->dbg)
		json_object_object_add(params, "dbg",
		    json_object_new_string(c->dbg));
	st = cmd_call(DAEMON_FEATURED, c->featured_url, 0, "VM.get_cpu_flags",
	    params, &rec, &e);
	if (st == 1) {
		st = cmd_print_error(&e, "VM.get_cpu_flags", c->featured_url,
		    params, c->json);
		rpc_error_clear(&e);
	}
	json_object_put(params);
	if (st != 0)
		return st;
	flags_copy(c, rec, "vendor");
	flags_copy(c, rec, "features");
	if (json_object_object_get_ex(rec, "domain_type", &v))
		(void)domain_type_parse(json_object_get_string(v), &c->dt);
	if (json_object_object_get_ex(rec, "power_state", &v))
		(void)power_state_parse(json_object_get_string(v), &c->ps);
	json_object_put(rec);
	return 0;
}

/*
 * The VM's features the host lacks, as VM.check_migrate names them:
 * what a move would take from the VM.  Empty for a halted VM, and where
 * either set is unknown.
 */
static struct json_object *
missing_features(const struct check *c)
{
	struct featureset vm, host, d;
	struct json_object *v;
	char why[256];

	fs_clear(&d);
	if (c->ps != POWER_HALTED &&
	    json_object_object_get_ex(c->flags, "features", &v) &&
	    fs_parse(json_object_get_string(v), &vm, why, sizeof(why)) == 0 &&
	    cpuinfo_get_fs(&c->ci, domain_max_key(c->dt), &host, why,
	    sizeof(why)) == 0)
		fs_diff(&vm, &host, &d);
	return feature_names_json(&d);
}

/* {compatible, reason?, missing_features, vendor_mismatch}, as migcheck's. */
static struct json_object *
verdict_json(const struct check *c, const char *reason)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "compatible",
	    json_object_new_boolean(reason == NULL));
	if (reason)
		json_object_object_add(o, "reason",
		    json_object_new_string(reason));
	json_object_object_add(o, "missing_features", missing_features(c));
	json_object_object_add(o, "vendor_mismatch", json_object_new_boolean(
	    reason && strcmp(reason, COMPAT_REASON_VENDOR) == 0));
	return o;
}

/* The params of Host.assert_vm_is_compatible. */
static struct json_object *
assert_params(const struct check *c)
{
	struct json_object *p = json_object_new_object();

	json_object_object_add(p, "host_cpu_info", cpuinfo_to_json(&c->ci));
	json_object_object_add(p, "vm_cpu_flags", json_object_get(c->flags));
	json_object_object_add(p, "domain_type",
	    json_object_new_string(domain_type_name(c->dt)));
	json_object_object_add(p, "power_state",
	    json_object_new_string(power_state_name(c->ps)));
	if (c->vm)
		json_object_object_add(p, "vm", json_object_new_string(c->vm));
	if (c->dbg)
		json_object_object_add(p, "dbg", json_object_new_string(c->dbg));
	return p;
}

/*
 * migcheck's answer: null is "compatible"; VM_INCOMPATIBLE_WITH_THIS_HOST
 * [vm, host, reason] is the verdict "no", its reason the third datum.
 * Any other error is an error.  0 with *verdict, or the exit status.
 */
static int
judge(const struct check *c, struct json_object **verdict)
{
	struct json_object *params, *result, *reason;
	struct rpc_error e;
	int st;

	params = assert_params(c);
	st = cmd_call(DAEMON_MIGCHECK, c->migcheck_url, 0,
	    "Host.assert_vm_is_compatible", params, &result, &e);
	json_object_put(result);
	if (st == 0)
		*verdict = verdict_json(c, NULL);
	else if (st == 1 && e.code == RPC_API_ERROR &&
	    strcmp(e.message, "VM_INCOMPATIBLE_WITH_THIS_HOST") == 0 &&
	    json_object_is_type(e.data, json_type_array) &&
	    (reason = json_object_array_get_idx(e.data, 2)) != NULL) {
		*verdict = verdict_json(c, cmd_value_text(reason));
		st = 0;
	} else if (st == 1)
		st = cmd_print_error(&e, "Host.assert_vm_is_compatible",
		    c->migcheck_url, params, c->json);
	rpc_error_clear(&e);
	json_object_put(params);
	return st;
}

int
cmd_check_vm(const struct command *cmd, int argc, char **argv)
{
	struct json_object *verdict = NULL;
	struct check c;
	char err[512];
	int st;

	memset(&c, 0, sizeof(c));
	c.dt = DOMAIN_HVM;		/* as migcheck's defaults */
	c.ps = POWER_RUNNING;
	c.migcheck_url = cmd_daemon_url(DAEMON_MIGCHECK);
	c.featured_url = cmd_daemon_url(DAEMON_FEATURED);
	if ((st = parse_args(cmd, argc, argv, &c)) != 0)
		return st == -1 ? 0 : st;
	/* The files first: a mistake in one is named before any daemon. */
	if (probe_file(c.cpu_info_path, &c.ci, err, sizeof(err)) != PROBE_OK)
		return cli_error("%s: --cpu-info: %s", cmd->name, err);
	c.flags = json_object_new_object();
	st = c.vm ? flags_from_featured(&c) : flags_from_file(&c);
	if (st == 0)
		st = judge(&c, &verdict);
	if (st == 0) {
		if (c.json)
			printf("%s\n", json_pretty(verdict));
		else
			cmd_print_verdict(verdict);
		/* The same status whatever the output: a script may trust it. */
		st = cli_exit(cmd_verdict(verdict));
	}
	json_object_put(verdict);
	json_object_put(c.flags);
	cpuinfo_free(&c.ci);
	return st;
}
