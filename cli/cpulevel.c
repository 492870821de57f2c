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
	{ "host-cpu-info", "[--probe auto|xen|cpuid|file:PATH] [--json]",
	  "print this host's cpu_info map, as xapi's Host.cpu_info",
	  "  --probe SPEC  where to read it: auto (Xen if present, else the\n"
	  "                CPUID instruction), xen, cpuid, or file:PATH (a JSON\n"
	  "                object of strings)\n"
	  "  --json        print JSON instead of 'key: value' lines\n",
	  cmd_host_cpu_info },
	{ "featureset decode", "FS",
	  "name the features of a featureset", NULL, cmd_fs_decode },
	{ "featureset diff", "A B",
	  "name the features of A that B lacks", NULL, cmd_fs_diff },
	{ "featureset intersect", "FS...",
	  "print the intersection of featuresets (the empty one is the "
	  "identity)", NULL, cmd_fs_intersect },
	{ "featureset is-subset", "A B",
	  "exit 0 if A is a subset of B, 1 if not", NULL, cmd_fs_is_subset },
};
#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

int
cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("cpulevel: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

void
cli_command_help(const struct command *cmd)
{
	printf("usage: cpulevel %s %s\n%s.\n", cmd->name, cmd->args,
	    cmd->summary);
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
		fprintf(f, "  %-22s %s\n", commands[i].name,
		    commands[i].summary);
	}
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
