/* cpulevel host-cpu-info: what the probes see on this host. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "jsonutil.h"
#include "probe.h"

/* 'key value' lines, featuresets named as the daemon commands do. */
static int
print_map(const struct cpuinfo *ci)
{
	struct json_object *o = cpuinfo_to_json(ci);

	if (o == NULL)
		return cli_error("out of memory");
	cmd_print_plain(o);
	json_object_put(o);
	return 0;
}

static int
print_json(const struct cpuinfo *ci)
{
	struct json_object *o = cpuinfo_to_json(ci);

	if (o == NULL)
		return cli_error("out of memory");
	printf("%s\n", json_pretty(o));
	json_object_put(o);
	return 0;
}

int
cmd_host_cpu_info(const struct command *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "probe",	required_argument,	NULL, 'p' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "raw",	no_argument,		NULL, 'r' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	const char *spec = "auto";
	struct cpuinfo ci;
	char err[512];
	int c, json = 0, rc;

	/* getopt wants argv[0] to be the program; ours is the first operand. */
	optind = 0;
	opterr = 0;
	argc++;
	argv--;
	while ((c = getopt_long(argc, argv, "+:hjp:r", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			spec = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'r':
			cli_raw = 1;
			break;
		case 'h':
			cli_command_help(cmd);
			return 0;
		case ':':
			return cli_error("%s: option '%s' needs a value",
			    cmd->name, argv[optind - 1]);
		default:
			return cli_error("%s: unknown option '%s' (see "
			    "'cpulevel %s --help')", cmd->name,
			    argv[optind - 1], cmd->name);
		}
	}
	if (optind != argc)
		return cli_error("%s: unexpected argument '%s'", cmd->name,
		    argv[optind]);
	if (probe_host(spec, &ci, err, sizeof(err)) != PROBE_OK)
		return cli_error("%s", err);
	if (json)
		rc = print_json(&ci);
	else
		rc = print_map(&ci);
	cpuinfo_free(&ci);
	return rc;
}
