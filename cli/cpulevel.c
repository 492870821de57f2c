/*
 * cpulevel: the command line.  main() only finds the command in the table
 * and hands it the remaining arguments.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "cli.h"

static const struct command commands[] = {
	{ "host-cpu-info", "[--probe auto|xen|cpuid|file:PATH] [--json] [--raw]",
	  "print this host's cpu_info map, as xapi's Host.cpu_info",
	  "  --probe SPEC  where to read it: auto (Xen if present, else the\n"
	  "                CPUID instruction), xen, cpuid, or file:PATH (a JSON\n"
	  "                object of strings)\n"
	  "  --json        print JSON instead of 'key value' lines\n"
	  "  --raw         featuresets as hex words, not the names of their\n"
	  "                features (wrapped under the first)\n",
	  cmd_host_cpu_info, NULL },
	{ "featureset decode", "FS",
	  "name the features of a featureset", NULL, cmd_fs_decode, NULL },
	{ "featureset diff", "A B",
	  "name the features of A that B lacks", NULL, cmd_fs_diff, NULL },
	{ "featureset intersect", "FS...",
	  "print the intersection of the featuresets",
	  "The empty featureset is the identity.\n", cmd_fs_intersect,
	  NULL },
	{ "featureset is-subset", "A B",
	  "exit 0 if A is a subset of B, 1 if not", NULL, cmd_fs_is_subset,
	  NULL },
	{ "featureset level", "FS [--json]",
	  "the x86-64 level of FS, and what the next one lacks",
	  "Prints the level (x86-64-v1 to x86-64-v4, the psABI's\n"
	  "microarchitecture levels, or 'none') and a line 'NEXT lacks: '\n"
	  "naming the features of the next level FS does not have, with the\n"
	  "psABI's name in parentheses where Xen's differs (abm is LZCNT).\n"
	  "Exit 0 whatever the level; 2 if FS does not parse.\n\n"
	  "  --json  {level, next, missing}: level and next null where\n"
	  "          there is none, missing the names next lacks\n",
	  cmd_fs_level, NULL },

	/*
	 * The daemon's methods: cmd_rpc sends the operands as the params
	 * named in .operands, in order, and the options as .opts says.
	 */
	{ "host boot", "HOST [--probe SPEC] [--no-hvm]",
	  "register HOST and the CPU it has after a boot",
	  "  --probe SPEC  where to read HOST's cpu_info: auto (the default:\n"
	  "                Xen if present, else CPUID), xen, cpuid, or\n"
	  "                file:PATH ('cpulevel host-cpu-info --json' of\n"
	  "                another host)\n"
	  "  --no-hvm      HOST cannot run HVM guests\n\n"
	  "Prints 'pool' (HOST's pool, '-' if standalone) and\n"
	  "'pool_level_changed' (true or false).\n",
	  cmd_rpc, &(const struct rpc_cmd){ .method = "Host.boot",
	    .operands = { "host" },
	    .opts = { { "probe", NULL, RO_HOOK },
		{ "no-hvm", "hvm_capable", RO_FALSE } },
	    .hook = cmd_boot_cpu_info } },
	{ "host show", "HOST",
	  "print the cpu_info the daemon holds for HOST",
	  "Prints a 'key value' line for each key of the cpu_info; each\n"
	  "features* key names its features, wrapped under the first (its\n"
	  "hex words with --raw).\n",
	  cmd_rpc, &(const struct rpc_cmd){
	    .method = "Host.get_cpu_info", .operands = { "host" } } },
	{ "host destroy", "HOST",
	  "forget HOST, ejecting it from its pool",
	  "Prints nothing.\n", cmd_rpc, &(const struct rpc_cmd){
	    .method = "Host.destroy", .operands = { "host" } } },
	{ "pool join", "POOL HOST [--force]",
	  "add HOST to POOL, creating POOL if new",
	  "  --force  join even if HOST's CPU vendor is not the pool's\n\n"
	  "Prints 'pool_level_changed' (true or false).\n",
	  cmd_rpc, &(const struct rpc_cmd){ .method = "Pool.join",
	    .operands = { "pool", "host" },
	    .opts = { { "force", "force", RO_TRUE } } } },
	{ "pool eject", "POOL HOST",
	  "remove HOST from POOL",
	  "Prints 'pool_level_changed' (true or false).\n", cmd_rpc, &(const struct rpc_cmd){
	    .method = "Pool.eject", .operands = { "pool", "host" } } },
	{ "host list", "[--pool POOL]",
	  "list the hosts featured holds: pool, vendor, counts",
	  "  --pool POOL  only POOL's members\n\n"
	  "Prints a row per host, by id: HOST, POOL ('-': standalone),\n"
	  "VENDOR, HVM (true or false), CPUS, SOCKETS.\n",
	  cmd_rpc, &(const struct rpc_cmd){
	    .method = "Host.get_all_records",
	    .opts = { { "pool", "pool", RO_STRING } },
	    .print = cmd_print_hosts } },
	{ "pool list", "",
	  "list the pools featured holds and their members",
	  "Prints a row per pool, by id: POOL, VENDOR, CPUS, SOCKETS and\n"
	  "MEMBERS (host ids, by commas; past 4096 characters they end in\n"
	  "'... (N more)'; --json has them all).\n", cmd_rpc,
	  &(const struct rpc_cmd){
	    .method = "Pool.get_all_records", .print = cmd_print_pools } },
	{ "vm list", "[--pool POOL] [--host HOST]",
	  "list the VMs featured holds: host, power state, type",
	  "  --pool POOL  only the VMs on POOL's members\n"
	  "  --host HOST  only the VMs on HOST\n\n"
	  "Prints a row per VM, by id: VM, HOST ('-': none), POWER, TYPE,\n"
	  "LEGACY (true: flags inherited from its host).\n",
	  cmd_rpc, &(const struct rpc_cmd){
	    .method = "VM.get_all_records",
	    .opts = { { "pool", "pool", RO_STRING },
	    { "host", "host", RO_STRING } },
	    .print = cmd_print_vms } },
	{ "pool show", "POOL",
	  "print POOL's level, max sets, counts and members",
	  "Prints 'key value' lines: vendor, cpu_count, socket_count, the\n"
	  "level (features_pv_host, features_hvm_host) and the members' max\n"
	  "sets combined (features_pv, features_hvm), each naming its\n"
	  "features (hex words with --raw), and members (ids, by commas).\n",
	  cmd_rpc, &(const struct rpc_cmd){
	    .method = "Pool.get_cpu_info", .operands = { "pool" } } },
	{ "pool history", "POOL [--limit N]",
	  "list the changes of POOL's level, newest first",
	  "Prints a line per change: when (UTC), the event (join, eject,\n"
	  "boot, destroy, observe, forget), the host, and for each kind\n"
	  "whose level moved, 'pv:' or 'hvm:' and the features it lost\n"
	  "(-name) and gained (+name), or 'no feature lost or gained'.\n"
	  "A level set from nothing (the pool's first member) is 'level\n"
	  "set, N features'.\n\n"
	  "  --limit N  at most N entries, 1 to 1000 (default 100)\n",
	  cmd_rpc, &(const struct rpc_cmd){
	    .method = "Pool.get_level_history", .operands = { "pool" },
	    .opts = { { "limit", "limit", RO_INT } },
	    .print = cmd_print_history } },
	{ "pool check-baseline", "POOL BASELINE",
	  "does POOL's level offer BASELINE? exit 0 yes, 1 no",
	  "BASELINE is an x86-64 level (x86-64-v1 to x86-64-v4) or a\n"
	  "featureset.  Prints 'met' or 'not met', then a line for each\n"
	  "kind (pv, hvm): the x86-64 level of the pool level, what a VM\n"
	  "starting in POOL gets, and the features of BASELINE it lacks.\n"
	  "Exit 0 met, 1 not met, 2 a bad BASELINE, 3 an unknown POOL;\n"
	  "the same with --json.\n",
	  cmd_rpc, &(const struct rpc_cmd){
	    .method = "Pool.check_baseline",
	    .operands = { "pool", "baseline" },
	    .print = cmd_print_baseline, .verdict = cmd_baseline_verdict } },
	/*
	 * The answers before acting (cmd_plan.c): each only reads, and
	 * exits 1 for a "no" (a VM stranded, an action refused).
	 */
	{ "pool preview-join", "POOL HOST",
	  "what joining HOST would do to POOL's levels and VMs",
	  "Prints the levels' lost and gained features and the VMs that\n"
	  "could not then migrate to HOST; exit 1 if the join would be\n"
	  "refused or would strand a VM.\n",
	  cmd_rpc, &(const struct rpc_cmd){ .method = "Pool.preview_join",
	    .operands = { "pool", "host" },
	    .print = cmd_print_preview_join,
	    .verdict = cmd_verdict_preview } },
	{ "pool preview-eject", "POOL HOST",
	  "what removing HOST would do to POOL's levels",
	  "Prints the levels' lost and gained features and the VMs on HOST\n"
	  "no other member could take; exit 1 if the eject would be\n"
	  "refused or a VM has nowhere to go.\n",
	  cmd_rpc, &(const struct rpc_cmd){ .method = "Pool.preview_eject",
	    .operands = { "pool", "host" },
	    .print = cmd_print_preview_eject,
	    .verdict = cmd_verdict_preview } },
	{ "host preview-boot", "HOST [--probe SPEC] [--no-hvm]",
	  "what a reboot with a new CPU (microcode, BIOS) would do",
	  "Prints HOST's sets' lost and gained features, its pool's new\n"
	  "levels and the VMs that could no longer migrate to HOST; exit 1\n"
	  "if there are any.\n\n"
	  "  --probe SPEC  HOST's cpu_info after the reboot: auto, xen,\n"
	  "                cpuid or file:PATH, as for host boot\n"
	  "  --no-hvm      HOST could not run HVM guests\n",
	  cmd_rpc, &(const struct rpc_cmd){ .method = "Host.preview_boot",
	    .operands = { "host" },
	    .opts = { { "probe", NULL, RO_HOOK },
		{ "no-hvm", "hvm_capable", RO_FALSE } },
	    .hook = cmd_boot_cpu_info, .print = cmd_print_preview_boot,
	    .verdict = cmd_verdict_preview } },
	{ "host blocking-vms", "HOST",
	  "the VMs on HOST no other member's CPU can take",
	  "Each with xapi's error, as Host.get_vms_which_prevent_evacuation\n"
	  "gives it; exit 1 if there is any.\n",
	  cmd_rpc, &(const struct rpc_cmd){
	    .method = "Host.get_vms_which_prevent_evacuation",
	    .operands = { "host" },
	    .print = cmd_print_evacuation_blockers,
	    .verdict = cmd_verdict_evacuation_blockers } },
	{ "host plan-evacuation", "HOST",
	  "where each VM on HOST could go, or what it lacks",
	  "Prints a row per VM: VM, HOSTS (how many other members could\n"
	  "take it) and DESTINATIONS (those members, or, when none can,\n"
	  "the nearest and the features the VM lacks there).  Exit 1 if a\n"
	  "VM has nowhere to go.\n",
	  cmd_rpc, &(const struct rpc_cmd){
	    .method = "Host.plan_evacuation", .operands = { "host" },
	    .print = cmd_print_plan_evacuation,
	    .verdict = cmd_verdict_plan_evacuation } },
	{ "pool needs-restart", "POOL",
	  "the VMs a full restart would give POOL's current level",
	  "Each with what it would gain and lose, and the members it cannot\n"
	  "migrate to today.  A list, not a verdict: exit 0.\n",
	  cmd_rpc, &(const struct rpc_cmd){
	    .method = "Pool.get_vms_needing_restart",
	    .operands = { "pool" }, .print = cmd_print_needs_restart } },
	{ "vm check-restart", "VM HOST",
	  "could VM, shut down, start on HOST, and with what?",
	  "A cold move to any host of any pool or vendor: the set VM would\n"
	  "get there and the features it would lose; exit 1 if HOST could\n"
	  "not start it.\n",
	  cmd_rpc, &(const struct rpc_cmd){
	    .method = "VM.check_restart_on", .operands = { "vm", "host" },
	    .print = cmd_print_check_restart,
	    .verdict = cmd_verdict_check_restart } },
	{ "vm start", "VM HOST DOMAIN_TYPE [--featureset FS]",
	  "start VM on HOST with the pool level as its CPU flags",
	  "DOMAIN_TYPE is pv, hvm, pvh or pv_in_pvh.\n\n"
	  "  --featureset FS  give VM the flags FS instead of the pool level\n"
	  "                   (a subset of HOST's max set of the kind)\n\n"
	  "Prints the flags VM was given: 'vendor', and 'features' naming\n"
	  "them (hex words with --raw).  A refusal for features names the\n"
	  "ones HOST lacks.\n",
	  cmd_rpc, &(const struct rpc_cmd){ .method = "VM.start",
	    .operands = { "vm", "host", "domain_type" },
	    .opts = { { "featureset", "featureset", RO_FEATURESET } } } },
	{ "vm migrate", "VM HOST",
	  "move a running VM to HOST, if HOST's CPU can run it",
	  "Prints nothing.  A refusal for features names the ones HOST\n"
	  "lacks, as migrate-check does.\n", cmd_rpc, &(const struct rpc_cmd){
	    .method = "VM.migrate", .operands = { "vm", "host" } } },
	{ "vm suspend", "VM", "suspend a running VM",
	  "Prints nothing.\n", cmd_rpc, &(const struct rpc_cmd){
	    .method = "VM.suspend", .operands = { "vm" } } },
	{ "vm resume", "VM HOST",
	  "resume a suspended VM on HOST, if HOST's CPU can run it",
	  "Prints nothing.  A refusal for features names the ones HOST\n"
	  "lacks, as migrate-check does.\n", cmd_rpc, &(const struct rpc_cmd){
	    .method = "VM.resume", .operands = { "vm", "host" } } },
	{ "vm shutdown", "VM", "halt a running or suspended VM",
	  "Prints nothing.\n", cmd_rpc, &(const struct rpc_cmd){
	    .method = "VM.shutdown", .operands = { "vm" } } },
	{ "vm reboot", "VM",
	  "restart a running VM with the current pool level",
	  "Prints the flags VM was given: 'vendor', and 'features' naming\n"
	  "them (hex words with --raw).\n", cmd_rpc, &(const struct rpc_cmd){
	    .method = "VM.reboot", .operands = { "vm" } } },
	{ "vm import", "VM HOST DOMAIN_TYPE POWER_STATE [--vendor V] "
	  "[--features FS]",
	  "record a VM arriving from an older toolstack",
	  "DOMAIN_TYPE is pv, hvm, pvh or pv_in_pvh; POWER_STATE running,\n"
	  "suspended or halted.  --vendor and --features are the VM's\n"
	  "last_boot_CPU_flags, if it brought any.\n\n"
	  "  --vendor V       the CPU vendor the VM last booted on\n"
	  "  --features FS    the featureset the VM last booted with\n\n"
	  "Prints the flags VM landed with: 'vendor', 'features' naming\n"
	  "them (hex words with --raw), and 'legacy' (true: inherited from\n"
	  "HOST until its next start).  A refusal for features names the\n"
	  "ones HOST lacks.\n",
	  cmd_rpc, &(const struct rpc_cmd){ .method = "VM.import",
	    .operands = { "vm", "host", "domain_type", "power_state" },
	    .opts = { { "vendor", "last_boot_CPU_flags.vendor", RO_STRING },
		{ "features", "last_boot_CPU_flags.features",
		  RO_FEATURESET } } } },
	{ "vm show", "VM",
	  "print a VM's CPU flags, power state and host",
	  "Prints 'key value' lines: vendor, features (their names; hex\n"
	  "words with --raw), power_state, host, domain_type, legacy.  None\n"
	  "(a halted VM's host gone, flags never given) is '-'.\n",
	  cmd_rpc, &(const struct rpc_cmd){
	    .method = "VM.get_cpu_flags", .operands = { "vm" } } },
	{ "vm destroy", "VM", "forget a VM, whatever its state",
	  "Prints nothing.\n", cmd_rpc, &(const struct rpc_cmd){
	    .method = "VM.destroy", .operands = { "vm" } } },
	{ "migrate-check", "VM HOST",
	  "may VM migrate to HOST? exit 0 yes, 1 no",
	  "Prints 'compatible', or 'incompatible: REASON' and a line\n"
	  "'missing: ' naming the features HOST lacks.  With --json, the\n"
	  "verdict as JSON; the exit status is the same.\n",
	  cmd_rpc, &(const struct rpc_cmd){
	    .method = "VM.check_migrate", .operands = { "vm", "host" },
	    .print = cmd_print_verdict, .verdict = cmd_verdict,
	    .daemon = DAEMON_MIGCHECK } },
	{ "possible-hosts", "VM",
	  "the verdict for every host of VM's pool",
	  "Prints a row per host: HOST, VERDICT (compatible or\n"
	  "incompatible) and the features HOST lacks, or the reason.\n",
	  cmd_rpc, &(const struct rpc_cmd){
	    .method = "VM.get_possible_hosts", .operands = { "vm" },
	    .print = cmd_print_possible_hosts,
	    .daemon = DAEMON_MIGCHECK } },
	{ "host check-vm", "{VM | --flags FILE} --cpu-info FILE "
	  "[--domain-type TYPE] [--featured URL] [--connect URL] [--json] "
	  "[--dbg STRING]",
	  "may VM run on another pool's host? exit 0 yes, 1 no",
	  "The host is known by its cpu_info alone, the VM by its CPU flags:\n"
	  "those cpulevel-featured holds for VM, or those of --flags FILE, a\n"
	  "JSON object with \"vendor\" and \"features\" (a VM's\n"
	  "last_boot_CPU_flags, or 'cpulevel vm show VM --json' of another\n"
	  "pool, whose domain_type and power_state count too).\n\n"
	  "Prints 'compatible', or 'incompatible: REASON' and a line\n"
	  "'missing: ' naming the features the host lacks.  With --json, the\n"
	  "verdict as JSON (compatible, reason, missing_features,\n"
	  "vendor_mismatch); the exit status is the same.\n\n"
	  "  --cpu-info FILE     the host's cpu_info, a JSON object of strings\n"
	  "                      ('cpulevel host-cpu-info --json' on it, or\n"
	  "                      'cpulevel host show HOST --json' in its pool)\n"
	  "  --flags FILE        the VM's CPU flags, instead of VM\n"
	  "  --domain-type TYPE  with --flags: pv, hvm (the default), pvh or\n"
	  "                      pv_in_pvh\n"
	  "  --featured URL      cpulevel-featured's request socket, for VM\n"
	  "                      (default " CPULEVEL_FEATURED_RPC_URL ")\n"
	  "  --connect URL       cpulevel-migcheck's request socket\n"
	  "                      (default " CPULEVEL_MIGCHECK_RPC_URL ")\n"
	  "  --json              print the verdict as JSON\n"
	  "  --dbg STRING        a tag for the daemons' logs (the dbg param)\n",
	  cmd_check_vm, NULL },
	{ "version", "[--connect URL]",
	  "print the daemon's protocol version and build",
	  NULL, cmd_rpc, &(const struct rpc_cmd){
	    .method = "Service.version" } },
};
#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

const struct command *
cli_commands(size_t *n)
{
	*n = NCOMMANDS;
	return commands;
}

int
cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("cpulevel: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return cli_exit(OC_USAGE);
}

/* The synopsis, its words wrapped under the first operand at 80 columns. */
static void
print_synopsis(const struct command *cmd)
{
	const char *p = cmd->args, *end;
	int indent, col, len;

	indent = col = printf("usage: cpulevel %s", cmd->name);
	while (*p != '\0') {
		/* A bracketed option is one word: "[--vendor V]". */
		end = *p == '[' ? strchr(p, ']') : NULL;
		end = end ? end + 1 : p + strcspn(p, " ");
		len = (int)(end - p);
		if (col + 1 + len > 80 && col > indent)
			col = printf("\n%*s", indent, "") - 1;
		col += printf(" %.*s", len, p);
		p = end + strspn(end, " ");
	}
	putchar('\n');
}

void
cli_command_help(const struct command *cmd)
{
	print_synopsis(cmd);
	printf("%s.\n", cmd->summary);
	if (cmd->help)
		printf("\n%s", cmd->help);
}

int
cli_simple_args(const struct command *cmd, int *argc, char ***argv)
{
	int i;

	for (i = 0; i < *argc; i++) {
		if (strcmp((*argv)[i], "--") == 0) {
			memmove(&(*argv)[i], &(*argv)[i + 1],
			    (size_t)(*argc - i) * sizeof(char *));
			(*argc)--;
			return 0;
		}
		if (strcmp((*argv)[i], "--help") == 0 ||
		    strcmp((*argv)[i], "-h") == 0) {
			cli_command_help(cmd);
			return 1;
		}
	}
	return 0;
}

static void
usage(FILE *f, const char *group)
{
	size_t i;

	fprintf(f, "usage: cpulevel [--help] [--version] COMMAND [ARGS]\n\n"
	    "Commands:\n");
	for (i = 0; i < NCOMMANDS; i++) {
		if (group && strncmp(commands[i].name, group,
		    strlen(group)) != 0)
			continue;
		/* Two spaces at least: completion and readers split there. */
		fprintf(f, "  %-21s  %s\n", commands[i].name,
		    commands[i].summary);
	}
	fprintf(f, "\nThe commands that call a daemon also take --connect URL, "
	    "--json,\n--raw (featuresets as hex words, not names) and "
	    "--dbg STRING.\n\n");
	cli_print_exit_statuses(f);
	fprintf(f, "\n'cpulevel COMMAND --help' describes a command.\n");
}

/* How many leading words of argv name cmd: 0 if they don't. */
static int
command_matches(const struct command *cmd, int argc, char **argv)
{
	const char *space = strchr(cmd->name, ' ');
	size_t n;

	if (space == NULL)
		return strcmp(argv[0], cmd->name) == 0 ? 1 : 0;
	n = (size_t)(space - cmd->name);
	if (strlen(argv[0]) != n || strncmp(argv[0], cmd->name, n) != 0)
		return 0;
	return argc > 1 && strcmp(argv[1], space + 1) == 0 ? 2 : 0;
}

/* True if word is the first word of some two-word command. */
static int
is_group(const char *word)
{
	size_t i, n = strlen(word);

	for (i = 0; i < NCOMMANDS; i++)
		if (strncmp(commands[i].name, word, n) == 0 &&
		    commands[i].name[n] == ' ')
			return 1;
	return 0;
}

int
main(int argc, char **argv)
{
	size_t i;
	int used;

	if (argc < 2) {
		usage(stderr, NULL);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout, NULL);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("cpulevel %s\n", CPULEVEL_VERSION);
		return 0;
	}
	/* Bash completion's helper (cpulevel.bash), in no --help. */
	if (strcmp(argv[1], "__complete") == 0)
		return cmd_complete(NULL, argc - 2, argv + 2);
	for (i = 0; i < NCOMMANDS; i++) {
		used = command_matches(&commands[i], argc - 1, argv + 1);
		if (used > 0)
			return commands[i].run(&commands[i], argc - 1 - used,
			    argv + 1 + used);
	}
	if (is_group(argv[1])) {
		if (argc > 2 && strcmp(argv[2], "--help") != 0 &&
		    strcmp(argv[2], "-h") != 0)
			return cli_error("unknown command '%s %s' (try "
			    "'cpulevel %s --help')", argv[1], argv[2], argv[1]);
		usage(argc > 2 ? stdout : stderr, argv[1]);
		return argc > 2 ? 0 : EXIT_USAGE;
	}
	return cli_error("unknown command '%s' (try 'cpulevel --help')",
	    argv[1]);
}
