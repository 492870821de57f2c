/*
 * pool check-baseline: how Pool.check_baseline's answer prints, and its
 * verdict (met is yes, with or without --json).
 */
#include <stdio.h>

#include <json.h>

#include "cli.h"
#include "featurenames.h"
#include "levels.h"

static struct json_object *
member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

static int
met(struct json_object *result)
{
	struct json_object *v = member(result, "ok");

	return v != NULL && json_object_get_boolean(v);
}

/* One kind: its x86-64 level and the names it lacks, psABI's aside. */
static void
print_kind(struct json_object *result, const char *kind)
{
	struct json_object *o = member(result, kind), *miss, *v;
	const struct feature_desc *d;
	const char *level, *name, *psabi;
	size_t i, n;

	v = member(o, "level");
	level = v ? json_object_get_string(v) : "";
	miss = member(o, "missing");
	n = miss && json_object_is_type(miss, json_type_array) ?
	    json_object_array_length(miss) : 0;
	printf("%-5s %-10s %s", kind, *level ? level : "none",
	    n ? "" : "-");
	for (i = 0; i < n; i++) {
		name = json_object_get_string(json_object_array_get_idx(miss,
		    i));
		d = feature_by_name(name);
		psabi = d ? x86_level_psabi_name(d->index) : NULL;
		printf("%s%s", i ? ", " : "", name);
		if (psabi != NULL)
			printf(" (%s)", psabi);
	}
	putchar('\n');
}

/* "met" or "not met", then a line a kind. */
void
cmd_print_baseline(struct json_object *result)
{
	printf("%s\n", met(result) ? "met" : "not met");
	printf("%-5s %-10s %s\n", "KIND", "LEVEL", "MISSING");
	print_kind(result, "pv");
	print_kind(result, "hvm");
}

enum outcome_kind
cmd_baseline_verdict(struct json_object *result)
{
	return met(result) ? OC_YES : OC_NO;
}
