/* cpulevel featureset ...: featureset arithmetic on the command line. */
#include <stdio.h>

#include "cli.h"
#include "featurenames.h"

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
