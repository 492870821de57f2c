/*
 * The exit status of every command, with or without --json: one table.
 * A script may trust it: 1 is only ever a "no" (never "no such VM"), and
 * 0 only ever a "yes".  cpulevel(1)'s EXIT STATUS and the README repeat
 * the table; change them together.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "rpc.h"

/*
 * First match wins.  A domain error (OC_XENAPI) with xenapi NULL is any
 * code not named above it; a protocol error (OC_JSONRPC) matches the
 * codes lo to hi.
 */
static const struct exit_rule {
	enum outcome_kind	 kind;
	const char		*xenapi;
	int			 lo, hi;
	int			 status;
} exit_rules[] = {
	{ OC_YES,	NULL, 0, 0,	EXIT_YES },
	{ OC_NO,	NULL, 0, 0,	EXIT_NO },
	{ OC_USAGE,	NULL, 0, 0,	EXIT_USAGE },
	/* The daemon refused the input itself, not what it means. */
	{ OC_XENAPI,	"INVALID_FEATURE_STRING", 0, 0, EXIT_USAGE },
	{ OC_XENAPI,	"HANDLE_INVALID", 0, 0, EXIT_UNKNOWN },
	{ OC_XENAPI,	"UUID_INVALID", 0, 0, EXIT_UNKNOWN },
	/*
	 * Any other: a well-formed request about objects the daemon holds,
	 * refused for what they are (VM_BAD_POWER_STATE,
	 * HOSTS_NOT_HOMOGENEOUS, VM_INCOMPATIBLE_WITH_THIS_HOST...): the
	 * daemon's "no", as migrate-check's verdict is.
	 */
	{ OC_XENAPI,	NULL, 0, 0,	EXIT_NO },
	/* The daemon could not do it (its database failed, or is gone). */
	{ OC_JSONRPC,	NULL, RPC_INTERNAL_ERROR, RPC_INTERNAL_ERROR,
	  EXIT_DAEMON },
	/* -32700 to -32600: the request was bad (params, method, shape). */
	{ OC_JSONRPC,	NULL, RPC_PARSE_ERROR, RPC_INVALID_REQUEST,
	  EXIT_USAGE },
	/* Any other code (-32000 to -32099 are the server's failures). */
	{ OC_JSONRPC,	NULL, INT_MIN, INT_MAX, EXIT_DAEMON },
	{ OC_UNREACHABLE, NULL, 0, 0,	EXIT_DAEMON },
	{ OC_BAD_REPLY,	NULL, 0, 0,	EXIT_DAEMON },
};
#define NRULES	(sizeof(exit_rules) / sizeof(exit_rules[0]))

/* What each status means, for --help: index is the status. */
static const char *const status_meaning[] = {
	"yes, or done",
	"no: a verdict (incompatible, not a subset) or a refusal",
	"bad usage or bad input (also input the daemon refuses)",
	"an unknown object (HANDLE_INVALID, UUID_INVALID)",
	"the daemon cannot be reached, or failed",
};

static int
rule_matches(const struct exit_rule *r, const struct outcome *o)
{
	if (r->kind != o->kind)
		return 0;
	if (r->kind == OC_XENAPI)
		return r->xenapi == NULL ||
		    (o->xenapi != NULL && strcmp(r->xenapi, o->xenapi) == 0);
	if (r->kind == OC_JSONRPC)
		return o->code >= r->lo && o->code <= r->hi;
	return 1;
}

int
cli_exit_status(const struct outcome *o)
{
	size_t i;

	for (i = 0; i < NRULES; i++)
		if (rule_matches(&exit_rules[i], o))
			return exit_rules[i].status;
	return EXIT_DAEMON;	/* not reached: the last rules match all */
}

int
cli_exit(enum outcome_kind kind)
{
	struct outcome o = { kind, NULL, 0 };

	return cli_exit_status(&o);
}

void
cli_print_exit_statuses(FILE *f)
{
	size_t i;

	fprintf(f, "Exit status:\n");
	for (i = 0; i < sizeof(status_meaning) / sizeof(status_meaning[0]);
	    i++)
		fprintf(f, "  %zu  %s\n", i, status_meaning[i]);
}
