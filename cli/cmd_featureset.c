/* cpulevel featureset ...: featureset arithmetic on the command line. */
#include <stdio.h>
#include <string.h>

#include <json.h>

#include "cli.h"
#include "featurenames.h"
#include "jsonutil.h"
#include "levels.h"

/* Enough for every named bit of FS_MAX_WORDS words. */
#define NAMES_MAX	(FS_MAX_WORDS * 32 * 24)

int
cli_parse_fs(const char *s, struct featureset *fs)
{
	char err[FS_STRING_MAX + 128];

	if (fs_parse(s, fs, err, sizeof(err)) == -1)
		return cli_error("%s", err);
	return 0;
}

/* Parse exactly n featureset operands; 0, EXIT_USAGE, or 1 for --help. */
static int
fs_operands(const struct command *cmd, int argc, char **argv, int n,
    struct featureset *fs)
{
	int i, rc;

	if ((rc = cli_simple_args(cmd, &argc, &argv)) != 0)
		return rc;
	if (argc != n)
		return cli_error("%s: expected %s, got %d argument%s",
		    cmd->name, cmd->args, argc, argc == 1 ? "" : "s");
	for (i = 0; i < n; i++)
		if (cli_parse_fs(argv[i], &fs[i]) != 0)
			return cli_exit(OC_USAGE);
	return 0;
}

static int
print_names(const struct featureset *fs)
{
	static char names[NAMES_MAX];

	if (feature_names_join(fs, " ", names, sizeof(names)) == -1)
		return cli_error("feature list too long");
	printf("%s\n", names);
	return 0;
}

int
cmd_fs_decode(const struct command *cmd, int argc, char **argv)
{
	struct featureset fs;
	int rc;

	if ((rc = fs_operands(cmd, argc, argv, 1, &fs)) != 0)
		return rc == 1 ? 0 : rc;
	return print_names(&fs);
}

int
cmd_fs_diff(const struct command *cmd, int argc, char **argv)
{
	struct featureset fs[2], d;
	int rc;

	if ((rc = fs_operands(cmd, argc, argv, 2, fs)) != 0)
		return rc == 1 ? 0 : rc;
	fs_diff(&fs[0], &fs[1], &d);
	return print_names(&d);
}

int
cmd_fs_is_subset(const struct command *cmd, int argc, char **argv)
{
	struct featureset fs[2];
	int rc;

	if ((rc = fs_operands(cmd, argc, argv, 2, fs)) != 0)
		return rc == 1 ? 0 : rc;
	if (fs_is_subset(&fs[0], &fs[1])) {
		printf("yes\n");
		return 0;
	}
	printf("no\n");
	return cli_exit(OC_NO);
}

int
cmd_fs_intersect(const struct command *cmd, int argc, char **argv)
{
	struct featureset acc, fs;
	char out[FS_STRING_MAX];
	int i, rc;

	if ((rc = cli_simple_args(cmd, &argc, &argv)) != 0)
		return rc == 1 ? 0 : cli_exit(OC_USAGE);
	if (argc < 1)
		return cli_error("%s: expected at least one featureset",
		    cmd->name);
	fs_clear(&acc);
	for (i = 0; i < argc; i++) {
		if (cli_parse_fs(argv[i], &fs) != 0)
			return cli_exit(OC_USAGE);
		fs_intersect(&acc, &fs, &acc);
	}
	fs_format(&acc, out);
	printf("%s\n", out);
	return 0;
}

/* Take the --json flags that come before any "--" out of argv. */
static int
take_json(int *argc, char **argv)
{
	int i, j, json = 0;

	for (i = j = 0; i < *argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			while (i < *argc)
				argv[j++] = argv[i++];
			break;
		}
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else
			argv[j++] = argv[i];
	}
	*argc = j;
	return json;
}

/* Names of missing, each with the psABI's name where Xen's differs. */
static void
print_lacking(const char *next, const struct featureset *missing)
{
	unsigned int i;
	const char *psabi, *sep = "";
	char buf[16];

	printf("%s lacks: ", next);
	for (i = 0; i < missing->len * 32; i++) {
		if (!fs_test_bit(missing, i))
			continue;
		printf("%s%s", sep, feature_name(i, buf));
		if ((psabi = x86_level_psabi_name(i)) != NULL)
			printf(" (%s)", psabi);
		sep = ", ";
	}
	putchar('\n');
}

static struct json_object *
name_or_null(const char *name)
{
	return name ? json_object_new_string(name) : NULL;
}

/*
 * featureset level: the highest x86-64 level FS reaches and what the
 * next one needs.  The answer is always one: exit 0, 2 for a bad FS.
 */
int
cmd_fs_level(const struct command *cmd, int argc, char **argv)
{
	struct featureset fs, missing;
	struct json_object *o;
	const char *next;
	int json, level, rc;

	json = take_json(&argc, argv);
	if ((rc = fs_operands(cmd, argc, argv, 1, &fs)) != 0)
		return rc == 1 ? 0 : rc;
	level = x86_level_of(&fs);
	next = x86_level_name(level + 1);
	x86_level_missing(&fs, level + 1, &missing);
	if (json) {
		o = json_object_new_object();
		json_object_object_add(o, "level",
		    name_or_null(x86_level_name(level)));
		json_object_object_add(o, "next", name_or_null(next));
		json_object_object_add(o, "missing",
		    feature_names_json(&missing));
		printf("%s\n", json_pretty(o));
		json_object_put(o);
		return 0;
	}
	printf("%s\n", level ? x86_level_name(level) : "none");
	if (next != NULL)
		print_lacking(next, &missing);
	return 0;
}
