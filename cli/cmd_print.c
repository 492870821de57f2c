/*
 * How the daemon commands print a result without --json: the generic
 * 'key value' lines, and the printers and verdict of the commands that
 * need their own (pool history, migrate-check, possible-hosts).
 */
#include <stdio.h>

#include "cli.h"
#include "featurenames.h"
#include "jsonutil.h"

/* Enough for every named bit of FS_MAX_WORDS words, with " +" between. */
#define NAMES_MAX	(FS_MAX_WORDS * 32 * 24)

/* A JSON value as a word: strings as they are, the rest as JSON. */
const char *
cmd_value_text(struct json_object *v)
{
	if (v == NULL)
		return "null";
	if (json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return json_compact(v);
}

/* Objects as 'key value' lines, like host-cpu-info; arrays a line each. */
void
cmd_print_plain(struct json_object *result)
{
	size_t i, n;

	if (json_object_is_type(result, json_type_object)) {
		json_object_object_foreach(result, key, v)
			printf("%-18s %s\n", key, cmd_value_text(v));
	} else if (json_object_is_type(result, json_type_array)) {
		n = json_object_array_length(result);
		for (i = 0; i < n; i++)
			printf("%s\n", cmd_value_text(
			    json_object_array_get_idx(result, i)));
	} else
		printf("%s\n", cmd_value_text(result));
}

/* A history entry's set; an absent or null one is the empty set. */
static int
entry_fs(struct json_object *entry, const char *kind, const char *age,
    struct featureset *fs)
{
	struct json_object *v;
	char key[64], err[64];

	snprintf(key, sizeof(key), "features_%s_host_%s", kind, age);
	if (!json_object_object_get_ex(entry, key, &v) || v == NULL) {
		fs_clear(fs);
		return 0;
	}
	return fs_parse(json_object_get_string(v), fs, err, sizeof(err));
}

/* " hvm: -lost +gained" for one kind, or nothing if its level held. */
static void
print_change(struct json_object *entry, const char *kind)
{
	static char names[NAMES_MAX];
	struct featureset old, new, d;

	if (entry_fs(entry, kind, "old", &old) == -1 ||
	    entry_fs(entry, kind, "new", &new) == -1)
		return;
	if (fs_is_equal(&old, &new))
		return;
	printf(" %s:", kind);
	fs_diff(&old, &new, &d);
	if (!fs_is_zero(&d) &&
	    feature_names_join(&d, " -", names, sizeof(names)) == 0)
		printf(" -%s", names);
	fs_diff(&new, &old, &d);
	if (!fs_is_zero(&d) &&
	    feature_names_join(&d, " +", names, sizeof(names)) == 0)
		printf(" +%s", names);
}

static const char *
field(struct json_object *entry, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(entry, key, &v))
		return "-";
	return cmd_value_text(v);
}

/* pool history: "SEQ AT EVENT HOST pv: -lost +gained hvm: ..." a line. */
void
cmd_print_history(struct json_object *result)
{
	struct json_object *e;
	size_t i, n;

	if (!json_object_is_type(result, json_type_array)) {
		cmd_print_plain(result);
		return;
	}
	n = json_object_array_length(result);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(result, i);
		printf("%s %s %s %s", field(e, "seq"), field(e, "at"),
		    field(e, "event"), field(e, "host"));
		print_change(e, "pv");
		print_change(e, "hvm");
		putchar('\n');
	}
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
	printf("incompatible: %s\n", field(result, "reason"));
	print_missing(result, "missing: ");
}

/* migrate-check's answer, the same with --json: compatible is yes. */
enum outcome_kind
cmd_verdict(struct json_object *result)
{
	return compatible(result) ? OC_YES : OC_NO;
}

/* possible-hosts: one line a host of the VM's pool. */
void
cmd_print_possible_hosts(struct json_object *result)
{
	struct json_object *e;
	size_t i, n = json_object_array_length(result);

	printf("%-24s %-13s %s\n", "HOST", "VERDICT", "MISSING FEATURES");
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(result, i);
		printf("%-24s %-13s ", field(e, "host"), compatible(e) ?
		    "compatible" : "incompatible");
		if (compatible(e))
			putchar('\n');
		else if (json_object_array_length(json_object_object_get(e,
		    "missing_features")) == 0)
			printf("(%s)\n", field(e, "reason"));
		else
			print_missing(e, "");
	}
}
