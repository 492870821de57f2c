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

struct json_object;

/*
 * A command that is one call of a daemon method (cmd_rpc.c): the operands
 * become the params named by operands[], in order; each option sets the
 * param it names.  A param "a.b" is key b of the object param a.
 */
enum rpc_opt_type {
	RO_STRING,	/* --flag VALUE */
	RO_FEATURESET,	/* --flag FS, sent as is: the daemon checks it */
	RO_INT,		/* --flag N */
	RO_TRUE,	/* --flag: the param is true */
	RO_FALSE,	/* --flag: the param is false */
	RO_HOOK		/* --flag VALUE: handed to the hook, not sent */
};

struct rpc_opt {
	const char		*flag;		/* without "--"; NULL ends */
	const char		*param;
	enum rpc_opt_type	 type;
};

#define RPC_CMD_OPERANDS	4
#define RPC_CMD_OPTS		3

struct rpc_cmd {
	const char	*method;
	const char	*operands[RPC_CMD_OPERANDS + 1];	/* NULL ends */
	struct rpc_opt	 opts[RPC_CMD_OPTS + 1];
	/* Adds params of its own; arg is the RO_HOOK value or NULL. */
	int		(*hook)(struct json_object *params, const char *arg);
	/* Prints a result instead of the generic 'key value' lines, and
	 * says how to exit (a "no" verdict is EXIT_NO). */
	int		(*print)(struct json_object *result);
	/* The daemon it talks to by default: featured's socket if NULL. */
	const char	*url;
};

struct command {
	const char	*name;		/* one or two words */
	const char	*args;		/* synopsis of the operands */
	const char	*summary;
	const char	*help;		/* more lines for --help, or NULL */
	int		(*run)(const struct command *, int, char **);
	const struct rpc_cmd *rpc;	/* what cmd_rpc calls, or NULL */
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

/* Daemon commands: call cmd->rpc's method on featured. */
int	cmd_rpc(const struct command *, int, char **);
/* The hook and printer of the commands that need one. */
int	cmd_boot_cpu_info(struct json_object *params, const char *probe);
int	cmd_print_history(struct json_object *result);
int	cmd_print_verdict(struct json_object *result);
int	cmd_print_possible_hosts(struct json_object *result);

#endif
