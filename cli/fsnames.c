/*
 * Featuresets as a person reads them: the names of their features
 * (lib/featurenames.h), wrapped within 80 columns under the column they
 * start in.  --raw keeps xapi's hex words, for pasting back into a
 * command; --json never comes here.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "featurenames.h"
#include "jsonutil.h"

/* --raw: featuresets printed as the daemon sent them. */
int	cli_raw;

/*
 * A key whose value is a featureset: featured's own rule for cpu_info
 * ("every key whose name starts with features") also covers a VM's
 * flags ("features") and a start's "featureset".
 */
int
cmd_is_fs_key(const char *key)
{
	return strncmp(key, "features", 8) == 0;
}

struct wrap {
	FILE	*f;
	int	 indent;
	int	 col;
};

/* word, after sep if it is not the first; on a new line if it would
 * pass the 80th column (sep's trailing blank then dropped). */
static void
wrap_word_n(struct wrap *w, const char *sep, const char *word, int len)
{
	int slen = (int)strlen(sep);

	if (w->col > w->indent && w->col + slen + len > CLI_COLS) {
		fprintf(w->f, "%.*s\n%*s", sep[slen - 1] == ' ' ? slen - 1 :
		    slen, sep, w->indent, "");
		w->col = w->indent;
	} else if (w->col > w->indent) {
		fputs(sep, w->f);
		w->col += slen;
	}
	fprintf(w->f, "%.*s", len, word);
	w->col += len;
}

static void
wrap_word(struct wrap *w, const char *sep, const char *word)
{
	wrap_word_n(w, sep, word, (int)strlen(word));
}

static int
wrap_name(unsigned int index, const char *name, void *arg)
{
	(void)index;
	wrap_word(arg, " ", name);
	return 0;
}

/*
 * A list's items joined by commas from column col, wrapped likewise, and
 * cut as the list tables cut a cell (cmd_list_cell): a pool of 2,000
 * members is not 1,000 lines of uuids.
 */
static void
print_list(int col, struct json_object *a)
{
	struct wrap w = { stdout, col, col };
	const char *p = cmd_list_cell(a);
	size_t len;

	while (*p != '\0') {
		len = strcspn(p, ",");
		wrap_word_n(&w, ",", p, (int)len);
		p += len + (p[len] == ',');
	}
	fputc('\n', stdout);
}

/* One 'key value' line, or more for a list too long for one. */
void
cmd_print_field(const char *key, struct json_object *v)
{
	if (cmd_is_fs_key(key))
		cmd_print_fs_field(key, v);
	else if (json_object_is_type(v, json_type_array))
		print_list(printf("%-18s ", key), v);
	else
		printf("%-18s %s\n", key, cmd_value_text(v));
}

/*
 * The names of fs from column col (where the caller's label ended) on,
 * continuation lines indented to col; "(none)" for a set without any.
 * Ends the line.
 */
void
cmd_print_names(FILE *f, int col, const struct featureset *fs)
{
	struct wrap w = { f, col, col };

	if (fs_is_zero(fs))
		fputs("(none)", f);
	else
		feature_foreach(fs, wrap_name, &w);
	fputc('\n', f);
}

/*
 * One 'key value' line of a featureset: names, or, with --raw or for a
 * value that is no featureset (the daemon checked it; never expected),
 * the value as it came.
 */
void
cmd_print_fs_field(const char *key, struct json_object *v)
{
	struct featureset fs;
	char err[64];
	int col;

	if (v == NULL || cli_raw || !json_object_is_type(v, json_type_string)
	    || fs_parse(json_object_get_string(v), &fs, err,
	    sizeof(err)) == -1) {
		printf("%-18s %s\n", key, cmd_value_text(v));
		return;
	}
	col = printf("%-18s ", key);
	cmd_print_names(stdout, col, &fs);
}
