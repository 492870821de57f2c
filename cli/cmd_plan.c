/*
 * The printers and verdicts of the answers before acting (issue 14):
 * pool preview-join, pool preview-eject, host preview-boot,
 * host blocking-vms, host plan-evacuation, pool needs-restart and
 * vm check-restart.  Each is one featured call (cmd_rpc.c); these print
 * its result as tables whose columns are as wide as their longest cell,
 * and say which answers are a "no" (exit 1, with or without --json):
 * a preview that strands a VM or that the action would refuse, an
 * evacuation some VM blocks, a cold move that cannot start.  A list
 * (needs-restart) is no verdict: it exits 0.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "jsonutil.h"

#define PLAN_COLS	TABLE_COLS
/* As the list tables': a 64-host pool's destinations (36-character
 * uuids) fit; past it, cmd_join_cut counts the rest. */
#define CELL_MAX	CLI_CELL_MAX

static struct json_object *
plan_get(struct json_object *o, const char *key)
{
	struct json_object *v;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* The array joined, as a cell of its own, cut after whole items. */
static void
plan_join_cell(char *cell, struct json_object *a, const char *sep)
{
	cmd_join_cut(a, sep, cell, CELL_MAX);
}

/* A row's cells from an entry; each cell its own buffer. */
typedef void plan_row(struct json_object *e, const char *key,
    char cells[PLAN_COLS][CELL_MAX]);

/* A row's cells: their widths measured (pass 0), or printed (pass 1). */
static void
plan_table_row(struct table *t, int pass, char cells[PLAN_COLS][CELL_MAX])
{
	const char *row[PLAN_COLS];
	int c;

	for (c = 0; c < t->ncols; c++)
		row[c] = cells[c];
	if (pass == 0)
		table_measure(t, row);
	else
		table_print(t, row);
}

/*
 * A table: head, then a row per element of list (an array, or an object
 * whose keys are handed to row), columns aligned, fitted to 80 columns
 * (table.c); with --raw, as the daemon sent it, a line a row.
 */
static void
plan_table(const char *const *head, int ncols, struct json_object *list,
    plan_row *row)
{
	char cells[PLAN_COLS][CELL_MAX];
	struct table t;
	size_t i, n;
	int pass;

	table_init(&t, ncols, head);
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			if (!cli_raw)
				table_fit(&t);
			table_print(&t, head);
		}
		if (json_object_is_type(list, json_type_array)) {
			n = json_object_array_length(list);
			for (i = 0; i < n; i++) {
				row(json_object_array_get_idx(list, i), NULL,
				    cells);
				plan_table_row(&t, pass, cells);
			}
			continue;
		}
		json_object_object_foreach(list, key, val) {
			row(val, key, cells);
			plan_table_row(&t, pass, cells);
		}
	}
}

static void
plan_cell(char *cell, const char *s)
{
	snprintf(cell, CELL_MAX, "%s", s ? s : "-");
}

static const char *
plan_str(struct json_object *o, const char *key)
{
	struct json_object *v = plan_get(o, key);

	return v ? cmd_value_text(v) : "-";
}

/* {kind: {old, new, lost, gained}}: a row a kind. */
static void
level_row(struct json_object *e, const char *key,
    char cells[PLAN_COLS][CELL_MAX])
{
	plan_cell(cells[0], key);
	plan_join_cell(cells[1], plan_get(e, "lost"), " ");
	plan_join_cell(cells[2], plan_get(e, "gained"), " ");
}

static void
plan_print_levels(struct json_object *result, const char *title)
{
	const char *const head[] = { title, "LOST", "GAINED" };
	struct json_object *levels = json_object_new_object();

	if (plan_get(result, "pv") == NULL && plan_get(result, "hvm") == NULL) {
		json_object_put(levels);
		printf("no pool: the host is standalone\n");
		return;
	}
	json_object_object_add(levels, "pv",
	    json_object_get(plan_get(result, "pv")));
	json_object_object_add(levels, "hvm",
	    json_object_get(plan_get(result, "hvm")));
	plan_table(head, 3, levels, level_row);
	json_object_put(levels);
}

/* A stranded VM: what it lacks (an eject's: on the nearest member). */
static void
stranded_row(struct json_object *e, const char *key,
    char cells[PLAN_COLS][CELL_MAX])
{
	(void)key;
	plan_cell(cells[0], plan_str(e, "vm"));
	plan_join_cell(cells[1], plan_get(e, "missing_features"), " ");
	plan_cell(cells[2], plan_str(e, "nearest"));
	plan_join_cell(cells[3], plan_get(e, "error"), " ");
}

/* How many members an object has (json-c 0.11 has no count of them). */
static int
plan_keys(struct json_object *o)
{
	int n = 0;

	if (o == NULL || !json_object_is_type(o, json_type_object))
		return 0;
	json_object_object_foreach(o, key, val) {
		(void)key;
		(void)val;
		n++;
	}
	return n;
}

static int
plan_int(struct json_object *o, const char *key)
{
	struct json_object *v = plan_get(o, key);

	return v ? json_object_get_int(v) : 0;
}

/* none: the line when no VM is listed; some: after the count. */
static void
plan_print_stranded(struct json_object *result, const char *none,
    const char *some, int ncols)
{
	static const char *const head[] = { "VM", "MISSING", "NEAREST",
	    "ERROR" };
	struct json_object *list = plan_get(result, "stranded");
	int n = plan_int(result, "stranded_count");

	if (n == 0) {
		printf("%s\n", none);
		return;
	}
	printf("%d VM%s %s:\n", n, n == 1 ? "" : "s", some);
	/* The columns are in the order a preview's entries have them. */
	plan_table(head, ncols, list, stranded_row);
	if (n > (int)json_object_array_length(list))
		printf("(the first %zu listed)\n",
		    json_object_array_length(list));
}

/*
 * The refusal an answer reports under key, [CODE, params...], in the
 * words the real action's refusal (of method) is printed in (errors.c's
 * table), asked about the same request: the answer's pool, host and VM.
 * NULL when it reports none.
 */
static const char *
plan_refusal(struct json_object *result, const char *key,
    const char *method)
{
	struct json_object *r = plan_get(result, key), *req, *data;
	struct api_error ae;
	const char *text;
	size_t i;

	if (r == NULL || !json_object_is_type(r, json_type_array) ||
	    json_object_array_length(r) == 0)
		return NULL;
	req = json_object_new_object();
	data = json_object_new_array();
	json_object_object_add(req, "pool",
	    json_object_get(plan_get(result, "pool")));
	json_object_object_add(req, "host",
	    json_object_get(plan_get(result, "host")));
	json_object_object_add(req, "vm",
	    json_object_get(plan_get(result, "vm")));
	for (i = 1; i < json_object_array_length(r); i++)
		json_object_array_add(data, json_object_get(
		    json_object_array_get_idx(r, i)));
	ae.code = cmd_value_text(json_object_array_get_idx(r, 0));
	ae.data = data;
	ae.request = req;
	ae.url = cli_url;
	ae.method = method;
	text = cli_api_error_text(&ae, 0);
	json_object_put(data);
	json_object_put(req);
	return text;
}

static void
plan_print_refused(struct json_object *result, const char *action,
    const char *method)
{
	const char *why = plan_refusal(result, "refused", method);

	if (why == NULL)
		printf("the %s would be done\n", action);
	else
		printf("the %s would be refused: %s\n", action, why);
}

/* A pool preview's head: who moves, whether it would be done, levels. */
static void
plan_print_preview(struct json_object *result, const char *action,
    const char *method, const char *moving)
{
	printf("pool %s, host %s %s\n", plan_str(result, "pool"),
	    plan_str(result, "host"), moving);
	plan_print_refused(result, action, method);
	plan_print_levels(result, "LEVEL");
}

void
cmd_print_preview_join(struct json_object *result)
{
	plan_print_preview(result, "join", "Pool.join", "joining");
	plan_print_stranded(result, "no VM would be kept off the host",
	    "could not then migrate to the host", 2);
}

void
cmd_print_preview_eject(struct json_object *result)
{
	plan_print_preview(result, "eject", "Pool.eject", "leaving");
	plan_print_stranded(result, "every VM on the host has another "
	    "member to go to", "on the host could go to no other member "
	    "(MISSING: on the NEAREST)", 4);
}

/* A plan's "no": refused, or a VM stranded. */
enum outcome_kind
cmd_verdict_preview(struct json_object *result)
{
	return plan_get(result, "refused") == NULL &&
	    plan_int(result, "stranded_count") == 0 ? OC_YES : OC_NO;
}

void
cmd_print_preview_boot(struct json_object *result)
{
	struct json_object *pool = plan_get(result, "pool");

	printf("host %s rebooting%s%s\n", plan_str(result, "host"),
	    pool ? ", pool " : ", standalone", pool ? cmd_value_text(pool) :
	    "");
	if (json_object_get_boolean(plan_get(result, "vendor_changed")))
		printf("its CPU vendor changes\n");
	plan_table((const char *const[]){ "HOST SET", "LOST", "GAINED" }, 3,
	    plan_get(result, "sets"), level_row);
	if (pool) {
		plan_print_levels(result, "POOL LEVEL");
		plan_print_stranded(result, "no VM would be kept off the "
		    "host", "elsewhere in the pool could no longer migrate "
		    "to the host", 2);
	}
}

static void
blocker_row(struct json_object *e, const char *key,
    char cells[PLAN_COLS][CELL_MAX])
{
	plan_cell(cells[0], key);
	plan_join_cell(cells[1], e, " ");
}

void
cmd_print_evacuation_blockers(struct json_object *result)
{
	static const char *const head[] = { "VM", "ERROR" };

	if (plan_keys(result) == 0) {
		printf("no VM prevents the evacuation\n");
		return;
	}
	plan_table(head, 2, result, blocker_row);
}

enum outcome_kind
cmd_verdict_evacuation_blockers(struct json_object *result)
{
	return plan_keys(result) == 0 ? OC_YES : OC_NO;
}

static void
evacuation_row(struct json_object *e, const char *key,
    char cells[PLAN_COLS][CELL_MAX])
{
	struct json_object *d = plan_get(e, "destinations");

	(void)key;
	plan_cell(cells[0], plan_str(e, "vm"));
	if (d && json_object_array_length(d) > 0) {
		snprintf(cells[1], CELL_MAX, "%zu", json_object_array_length(d));
		plan_join_cell(cells[2], d, ",");
		return;
	}
	plan_cell(cells[1], "0");
	plan_join_cell(cells[3], plan_get(e, "missing_features"), " ");
	snprintf(cells[2], CELL_MAX, "none; on %s it lacks: %s",
	    plan_str(e, "nearest"), cells[3]);
}

void
cmd_print_plan_evacuation(struct json_object *result)
{
	/* HOSTS: how many members could take the VM. */
	static const char *const head[] = { "VM", "HOSTS", "DESTINATIONS" };

	printf("host %s: %d resident VM%s, %d with nowhere to go\n",
	    plan_str(result, "host"), plan_int(result, "vm_count"),
	    plan_int(result, "vm_count") == 1 ? "" : "s",
	    plan_int(result, "blocked_count"));
	if (plan_int(result, "vm_count") > 0)
		plan_table(head, 3, plan_get(result, "vms"), evacuation_row);
}

enum outcome_kind
cmd_verdict_plan_evacuation(struct json_object *result)
{
	return plan_int(result, "blocked_count") == 0 ? OC_YES : OC_NO;
}

static void
restart_row(struct json_object *e, const char *key,
    char cells[PLAN_COLS][CELL_MAX])
{
	(void)key;
	plan_cell(cells[0], plan_str(e, "vm"));
	plan_cell(cells[1], plan_str(e, "power_state"));
	plan_cell(cells[2], plan_str(e, "domain_type"));
	plan_join_cell(cells[3], plan_get(e, "gained"), " ");
	plan_join_cell(cells[4], plan_get(e, "lost"), " ");
	plan_join_cell(cells[5], plan_get(e, "blocked_hosts"), ",");
}

void
cmd_print_needs_restart(struct json_object *result)
{
	static const char *const head[] = { "VM", "POWER", "TYPE", "GAINED",
	    "LOST", "BLOCKED FROM" };
	int n = plan_int(result, "count");

	if (n == 0) {
		printf("every VM of pool %s has its level\n",
		    plan_str(result, "pool"));
		return;
	}
	plan_table(head, 6, plan_get(result, "vms"), restart_row);
}

void
cmd_print_check_restart(struct json_object *result)
{
	char buf[CELL_MAX];
	const char *why;

	if (!json_object_get_boolean(plan_get(result, "ok"))) {
		/* VM.start's refusal, on the level it would give (explain.c) */
		why = plan_refusal(result, "error", "VM.start");
		printf("%s cannot start on %s: %s\n", plan_str(result, "vm"),
		    plan_str(result, "host"), why ? why : "-");
		return;
	}
	printf("%s can start on %s (%s%s)\n", plan_str(result, "vm"),
	    plan_str(result, "host"), plan_get(result, "pool") ?
	    "the level of pool " : "its own set, standalone",
	    plan_get(result, "pool") ? plan_str(result, "pool") : "");
	table_print_wrapped(printf("lost:   "), cmd_join_cut(plan_get(result,
	    "lost"), " ", buf, sizeof(buf)));
	table_print_wrapped(printf("gained: "), cmd_join_cut(plan_get(result,
	    "gained"), " ", buf, sizeof(buf)));
}

enum outcome_kind
cmd_verdict_check_restart(struct json_object *result)
{
	return json_object_get_boolean(plan_get(result, "ok")) ? OC_YES :
	    OC_NO;
}
