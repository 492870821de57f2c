/*
 * The cpulevel command line.  Each command is a row of the table in
 * cpulevel.c; its handler lives in the cmd_*.c file of its group.
 *
 * Exit codes: one table, exit.c's, for every command and for --json.
 */
#ifndef CPULEVEL_CLI_H
#define CPULEVEL_CLI_H

#include <getopt.h>
#include <stdio.h>

#include "featureset.h"

#define EXIT_YES	0	/* yes, done */
#define EXIT_NO		1	/* a verdict or a refusal: no */
#define EXIT_USAGE	2	/* bad usage or bad input */
#define EXIT_UNKNOWN	3	/* an unknown object */
#define EXIT_DAEMON	4	/* the daemon cannot be reached or failed */

/* What became of a command; exit.c maps it to the exit status. */
enum outcome_kind {
	OC_YES,		/* done, or a "yes" verdict */
	OC_NO,		/* a "no" verdict */
	OC_USAGE,	/* bad usage or input, caught by the CLI */
	OC_XENAPI,	/* a domain error: .xenapi is its code */
	OC_JSONRPC,	/* a protocol error: .code is its code */
	OC_UNREACHABLE,	/* no daemon, or no answer in time */
	OC_BAD_REPLY	/* an answer that is no JSON-RPC reply to us */
};

struct outcome {
	enum outcome_kind	 kind;
	const char		*xenapi;
	int			 code;
};

int	cli_exit_status(const struct outcome *o);
/* The status of an outcome that is its kind alone (not OC_XENAPI). */
int	cli_exit(enum outcome_kind kind);
/* The statuses, a line each, for --help. */
void	cli_print_exit_statuses(FILE *f);

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

/* The daemons the CLI calls; cmd_rpc.c's daemons[] names them. */
enum cli_daemon {
	DAEMON_FEATURED,	/* the default: a row that names none */
	DAEMON_MIGCHECK
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
	/* Prints a result instead of the generic 'key value' lines. */
	void		(*print)(struct json_object *result);
	/* A question's answer in the result, with or without --json:
	 * OC_YES or OC_NO.  NULL: the command is done, OC_YES. */
	enum outcome_kind (*verdict)(struct json_object *result);
	/* The daemon it calls: its name in --help and errors, and its
	 * default socket (--connect's default), both from daemons[]. */
	enum cli_daemon	 daemon;
};

struct command {
	const char	*name;		/* one or two words */
	const char	*args;		/* synopsis of the operands */
	const char	*summary;
	const char	*help;		/* more lines for --help, or NULL */
	int		(*run)(const struct command *, int, char **);
	const struct rpc_cmd *rpc;	/* what cmd_rpc calls, or NULL */
};

/*
 * Is a daemon listening at url?  OC_YES, or the outcome after one line
 * on stderr: OC_UNREACHABLE (nobody) or OC_USAGE (a path too long).
 */
enum outcome_kind cli_reach(const char *daemon, const char *url);

/*
 * A XenAPI error reply ([CODE, params...]) and the request it answers:
 * errors.c phrases it as a sentence, from one table.
 */
struct api_error {
	const char		*code;
	struct json_object	*data;		/* its params, an array */
	struct json_object	*request;	/* the params we sent */
	const char		*url;		/* the daemon that refused */
	const char		*method;	/* the method refused */
};

/*
 * "cpulevel: CODE: sentence" on stderr; plain: "cpulevel: CODE: params"
 * (--json, and codes the table lacks).
 */
void	cli_print_api_error(const struct api_error *ae, int plain);
/* The same line's text, "CODE: sentence" (or "CODE: params" when
 * plain), for a printer that reports a refusal it was told about. */
const char *cli_api_error_text(const struct api_error *ae, int plain);
/*
 * What the error's params do not say, asked of the daemon after the
 * refusal (explain.c): fills facts with strings that errors.c's table
 * names as {key}.
 */
void	explain_vendors(const struct api_error *ae, struct json_object *facts);
void	explain_missing(const struct api_error *ae, struct json_object *facts);
/* A read of the daemon at url with one string param (none if param is
 * NULL): the result, or NULL (nothing printed). */
struct json_object *cli_ask(const char *url, const char *method,
	    const char *param, const char *value);
/* The command table (cpulevel.c), for completion. */
const struct command *cli_commands(size_t *n);

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
int	cmd_fs_level(const struct command *, int, char **);

/* Daemon commands: call cmd->rpc's method on featured. */
int	cmd_rpc(const struct command *, int, char **);
/* The options every daemon command takes (--connect, --json, ...). */
extern const struct option cmd_common_options[];
/* The daemon the running command called: a printer asks it the facts
 * of a refusal the answer reports (a preview's). */
extern const char *cli_url;

struct rpc_error;
/* A daemon's default socket (config.h's, through cmd_rpc.c's table). */
const char *cmd_daemon_url(enum cli_daemon d);
/*
 * One call of method on daemon d at url, waiting timeout_ms (0: the
 * default): 0 with *result; 1 with *e, an error reply left unprinted
 * for the caller to judge (rpc_error_clear it); else, after one line on
 * stderr, the exit status (no daemon, a bad reply).
 */
int	cmd_call(enum cli_daemon d, const char *url, int timeout_ms,
	    const char *method, struct json_object *params,
	    struct json_object **result, struct rpc_error *e);
/* An error reply to method's params sent to url as one line on stderr
 * (its plain form with json); its exit status. */
int	cmd_print_error(const struct rpc_error *e, const char *method,
	    const char *url, struct json_object *params, int json);

/* host check-vm (cmd_check.c); the hidden __complete (complete.c). */
int	cmd_check_vm(const struct command *, int, char **);
int	cmd_complete(const struct command *, int, char **);
/* A JSON value as a word: strings as they are, none as "-", the rest
 * as JSON. */
const char *cmd_value_text(struct json_object *v);
/* Objects as 'key value' lines, like host-cpu-info; arrays a line each. */
void	cmd_print_plain(struct json_object *result);
/* The hook and printer of the commands that need one (cmd_print.c). */
int	cmd_boot_cpu_info(struct json_object *params, const char *probe);
void	cmd_print_history(struct json_object *result);
void	cmd_print_verdict(struct json_object *result);
enum outcome_kind cmd_verdict(struct json_object *result);
void	cmd_print_possible_hosts(struct json_object *result);
/* The tables of host list, pool list and vm list (cmd_lists.c). */
void	cmd_print_hosts(struct json_object *result);
void	cmd_print_pools(struct json_object *result);
void	cmd_print_vms(struct json_object *result);
/* A field of rec as a word: a list joined by commas, none as "-". */
const char *cmd_cell(struct json_object *rec, const char *field);
/* A list as one cell: commas, past 4096 characters "... (N more)". */
/*
 * The longest table cell: a list past it ends in "... (N more)" (2,000
 * pool members of 36-character uuids would make a line of 74,000
 * characters; --json has them all).
 */
#define CLI_CELL_MAX	4096
const char *cmd_list_cell(struct json_object *list);
const char *cmd_join_cut(struct json_object *v, const char *sep, char *buf,
	    size_t size);

/* The terminal's width, which human output wraps within. */
#define CLI_COLS	80

/*
 * A table fitted to CLI_COLS (table.c): table_init with the head,
 * table_measure every row, table_fit, then table_print the head and the
 * rows; a cell too wide wraps, continuation lines under it.
 */
#define TABLE_COLS	6

struct table {
	int	ncols;
	size_t	width[TABLE_COLS];	/* a column's, as printed */
	size_t	least[TABLE_COLS];	/* its longest word, or its head */
};

void	table_init(struct table *t, int ncols, const char *const *head);
void	table_measure(struct table *t, const char *const *cells);
void	table_fit(struct table *t);
void	table_print(const struct table *t, const char *const *cells);
/* s from column col on, wrapped at CLI_COLS under col; a line. */
void	table_print_wrapped(int col, const char *s);

/* --raw: featuresets as xapi's hex words, not names (fsnames.c). */
extern int	cli_raw;
int	cmd_is_fs_key(const char *key);
/* The names of fs from column col on, wrapped at 80 under col; a line. */
void	cmd_print_names(FILE *f, int col, const struct featureset *fs);
/* "key  names..." for a featureset value (hex with --raw). */
void	cmd_print_fs_field(const char *key, struct json_object *v);
/* A 'key value' line: featuresets named, lists by commas, wrapped. */
void	cmd_print_field(const char *key, struct json_object *v);
/* pool check-baseline's printer and verdict (cmd_baseline.c). */
void	cmd_print_baseline(struct json_object *result);
enum outcome_kind cmd_baseline_verdict(struct json_object *result);
/* The answers before acting (cmd_plan.c): tables, and their "no". */
void	cmd_print_preview_join(struct json_object *result);
void	cmd_print_preview_eject(struct json_object *result);
void	cmd_print_preview_boot(struct json_object *result);
enum outcome_kind cmd_verdict_preview(struct json_object *result);
void	cmd_print_evacuation_blockers(struct json_object *result);
enum outcome_kind cmd_verdict_evacuation_blockers(struct json_object *result);
void	cmd_print_plan_evacuation(struct json_object *result);
enum outcome_kind cmd_verdict_plan_evacuation(struct json_object *result);
void	cmd_print_needs_restart(struct json_object *result);
void	cmd_print_check_restart(struct json_object *result);
enum outcome_kind cmd_verdict_check_restart(struct json_object *result);

#endif
