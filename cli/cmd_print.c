/*
 * How the daemon commands print a result without --json: the generic
 * 'key value' lines, and the printers and verdict of the commands that
 * need their own (migrate-check, possible-hosts; pool history is
 * cmd_history.c's).  None (a standalone host's pool, a halted VM's
 * host) is "-" in every human printer, as in the list tables.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "jsonutil.h"

/* A JSON value as a word: strings as they are, none as "-", the rest as
 * JSON. */
const char *
cmd_value_text(struct json_object *v)
{
	if (v == NULL)
		return "-";
	if (json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return json_compact(v);
}

/*
 * Objects as 'key value' lines, like host-cpu-info: featuresets as the
 * names of their features (hex with --raw), lists joined by commas,
 * both wrapped within 80 columns under their first item.
 * Arrays a line each.
 */
void
cmd_print_plain(struct json_object *result)
{
	size_t i, n;

	if (json_object_is_type(result, json_type_object)) {
		json_object_object_foreach(result, key, v)
			cmd_print_field(key, v);
	} else if (json_object_is_type(result, json_type_array)) {
		n = json_object_array_length(result);
		for (i = 0; i < n; i++)
			printf("%s\n", cmd_value_text(
			    json_object_array_get_idx(result, i)));
	} else
		printf("%s\n", cmd_value_text(result));
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
	printf("incompatible: %s\n", cmd_cell(result, "reason"));
	print_missing(result, "missing: ");
}

/* migrate-check's answer, the same with --json: compatible is yes. */
enum outcome_kind
cmd_verdict(struct json_object *result)
{
	return compatible(result) ? OC_YES : OC_NO;
}

/*
 * possible-hosts: one line a host of the VM's pool, the HOST column as
 * wide as its longest id (XCP-ng's uuids are 36 characters).
 */
void
cmd_print_possible_hosts(struct json_object *result)
{
	struct json_object *e;
	size_t i, n = json_object_array_length(result);
	int w = 4;

	for (i = 0; i < n; i++)
		if ((int)strlen(cmd_cell(json_object_array_get_idx(result, i),
		    "host")) > w)
			w = (int)strlen(cmd_cell(
			    json_object_array_get_idx(result, i), "host"));
	printf("%-*s  %-12s  %s\n", w, "HOST", "VERDICT", "MISSING FEATURES");
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(result, i);
		printf("%-*s  %-12s  ", w, cmd_cell(e, "host"), compatible(e) ?
		    "compatible" : "incompatible");
		if (compatible(e))
			putchar('\n');
		else if (json_object_array_length(json_object_object_get(e,
		    "missing_features")) == 0)
			printf("(%s)\n", cmd_cell(e, "reason"));
		else
			print_missing(e, "");
	}
}
