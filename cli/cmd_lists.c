/*
 * The tables of host list, pool list and vm list: a row per object of
 * a {ID: {field: value}} result, in id order (featured sends them so),
 * each column as wide as its longest value so that XCP-ng's 36-character
 * uuids, or longer ids, stay aligned under their heading.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "jsonutil.h"

#define LIST_COLS	6

/*
 * A list's items joined by sep into buf (size bytes), as many whole ones
 * as fit with room for the tail that counts the rest: "a,b,... (3 more)".
 * "-" (in buf too) for an empty list or none.  The list tables and the
 * plan tables (cmd_plan.c) cut their cells by it; --json has every item.
 */
const char *
cmd_join_cut(struct json_object *v, const char *sep, char *buf, size_t size)
{
	char tail[64];
	const char *item;
	size_t i, n, len = 0, need, seplen = strlen(sep);

	if (v == NULL || !json_object_is_type(v, json_type_array) ||
	    (n = json_object_array_length(v)) == 0) {
		snprintf(buf, size, "-");
		return buf;
	}
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		item = cmd_value_text(json_object_array_get_idx(v, i));
		need = (i ? seplen : 0) + strlen(item);
		/* Unless it is the last, leave room for the tail. */
		if (len + need + (i + 1 < n ? sizeof(tail) : 0) >= size) {
			snprintf(tail, sizeof(tail), "%s... (%zu more)",
			    i ? sep : "", n - i);
			memcpy(buf + len, tail, strlen(tail) + 1);
			break;
		}
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
		    i ? sep : "", item);
	}
	return buf;
}

/* A list as one cell: its items joined by commas, cut within CLI_CELL_MAX. */
const char *
cmd_list_cell(struct json_object *list)
{
	static char buf[CLI_CELL_MAX + 1];

	return cmd_join_cut(list, ",", buf, sizeof(buf));
}

/* A field as a cell: a list joined by commas, none as "-". */
const char *
cmd_cell(struct json_object *rec, const char *field)
{
	struct json_object *v;

	if (!json_object_object_get_ex(rec, field, &v) || v == NULL)
		return "-";
	if (!json_object_is_type(v, json_type_array))
		return cmd_value_text(v);
	return cmd_list_cell(v);
}

/* Print cols[0] (the key, headed head[0]) and the fields cols[1..]. */
static void
print_table(struct json_object *result, const char *const *head,
    const char *const *cols, int ncols)
{
	size_t w[LIST_COLS], len;
	int i;

	for (i = 0; i < ncols; i++)
		w[i] = strlen(head[i]);
	json_object_object_foreach(result, id, rec) {
		if (strlen(id) > w[0])
			w[0] = strlen(id);
		for (i = 1; i < ncols; i++)
			if ((len = strlen(cmd_cell(rec, cols[i]))) > w[i])
				w[i] = len;
	}
	for (i = 0; i + 1 < ncols; i++)
		printf("%-*s  ", (int)w[i], head[i]);
	printf("%s\n", head[ncols - 1]);
	json_object_object_foreach(result, id2, rec2) {
		printf("%-*s  ", (int)w[0], id2);
		for (i = 1; i + 1 < ncols; i++)
			printf("%-*s  ", (int)w[i], cmd_cell(rec2, cols[i]));
		printf("%s\n", cmd_cell(rec2, cols[ncols - 1]));
	}
}

void
cmd_print_hosts(struct json_object *result)
{
	static const char *const head[] = { "HOST", "POOL", "VENDOR", "HVM",
	    "CPUS", "SOCKETS" };
	static const char *const cols[] = { "", "pool", "vendor",
	    "hvm_capable", "cpu_count", "socket_count" };

	print_table(result, head, cols, 6);
}

void
cmd_print_pools(struct json_object *result)
{
	static const char *const head[] = { "POOL", "VENDOR", "CPUS",
	    "SOCKETS", "MEMBERS" };
	static const char *const cols[] = { "", "vendor", "cpu_count",
	    "socket_count", "members" };

	print_table(result, head, cols, 5);
}

void
cmd_print_vms(struct json_object *result)
{
	static const char *const head[] = { "VM", "HOST", "POWER", "TYPE",
	    "LEGACY" };
	static const char *const cols[] = { "", "host", "power_state",
	    "domain_type", "legacy" };

	print_table(result, head, cols, 5);
}
