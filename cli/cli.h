/*
 * The cpulevel command line.  Each command is a row of the table in
 * cpulevel.c; its handler lives in the cmd_*.c file of its group.
 *
 * Exit codes: 0 success (or "yes"), 1 a "no" answer, 2 bad usage or error.
 */
#ifndef CPULEVEL_CLI_H
#define CPULEVEL_CLI_H

#include "featureset.h"

#define EXIT_NO		1
#define EXIT_USAGE	2

struct command {
	const char	*name;		/* one or two words */
	const char	*args;		/* synopsis of the operands */
	const char	*summary;
	const char	*help;		/* more lines for --help, or NULL */
	int		(*run)(const struct command *, int, char **);
};

/* Print "cpulevel: <message>" on stderr; returns EXIT_USAGE. */
int	cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	cli_command_help(const struct command *cmd);
/*
 * For commands whose operands may look like options (a featureset such as
 * "-1234" is an operand, and must be reported as a bad featureset): returns
 * 1 if --help/-h was asked, -1 on an unknown option, and strips "--".
 */
int	cli_simple_args(const struct command *cmd, int *argc, char ***argv);
int	cli_parse_fs(const char *s, struct featureset *fs);

int	cmd_host_cpu_info(const struct command *, int, char **);
int	cmd_fs_decode(const struct command *, int, char **);
int	cmd_fs_diff(const struct command *, int, char **);
int	cmd_fs_intersect(const struct command *, int, char **);
int	cmd_fs_is_subset(const struct command *, int, char **);

#endif
