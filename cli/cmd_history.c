/*
 * pool history: one line per change of a pool's level, newest first, as
 * Pool.get_level_history returns them:
 *
 *	2026-11-22T06:00:00Z  join   h2  pv: -fma -avx2  hvm: -fma -avx2
 *	2026-11-22T05:00:00Z  boot   h1  no feature lost or gained
 *
 * when (UTC), what (the verb of the method that caused it: join, eject,
 * boot, destroy, observe, forget) and on which host, then for each kind
 * whose level moved the features it lost (-name) and gained (+name);
 * a level set from nothing (the pool's first member) is counted, not listed.
 * The event and host columns are as wide as their longest value, so that
 * 36-character uuids line up.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "featurenames.h"
#include "jsonutil.h"

/* Enough for every named bit of FS_MAX_WORDS words, with " +" between. */
#define NAMES_MAX	(FS_MAX_WORDS * 32 * 24)

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

/* " -a -b" or " +a +b": the names of d, each with its sign. */
static void
print_signed(const struct featureset *d, const char *sign)
{
	static char names[NAMES_MAX];
	char sep[3] = { ' ', sign[0], '\0' };

	if (!fs_is_zero(d) &&
	    feature_names_join(d, sep, names, sizeof(names)) == 0)
		printf(" %s%s", sign, names);
}

/* "  pv: -lost +gained" for one kind; 0 if its level held. */
static int
print_change(struct json_object *entry, const char *kind)
{
	struct featureset old, new, d;

	if (entry_fs(entry, kind, "old", &old) == -1 ||
	    entry_fs(entry, kind, "new", &new) == -1) {
		printf("  %s: (unreadable)", kind);
		return 1;
	}
	if (fs_is_equal(&old, &new))
		return 0;
	/*
	 * A pool's first member gives it its level: naming a hundred
	 * features as gained would bury the lines that matter.
	 */
	if (fs_is_zero(&old)) {
		printf("  %s: level set, %u features", kind, fs_count(&new));
		return 1;
	}
	printf("  %s:", kind);
	fs_diff(&old, &new, &d);
	print_signed(&d, "-");
	fs_diff(&new, &old, &d);
	print_signed(&d, "+");
	return 1;
}

/* The verb of the method that caused a change: "join" of "Pool.join". */
static const char *
event_word(struct json_object *entry)
{
	const char *ev = cmd_cell(entry, "event"), *dot = strchr(ev, '.');

	return dot && dot[1] != '\0' ? dot + 1 : ev;
}

static int
widest(struct json_object *result, const char *(*text)(struct json_object *))
{
	size_t i, n = json_object_array_length(result);
	int w = 1, len;

	for (i = 0; i < n; i++)
		if ((len = (int)strlen(text(json_object_array_get_idx(result,
		    i)))) > w)
			w = len;
	return w;
}

static const char *
host_of(struct json_object *entry)
{
	return cmd_cell(entry, "host");
}

void
cmd_print_history(struct json_object *result)
{
	struct json_object *e;
	size_t i, n;
	int we, wh, changed;

	if (!json_object_is_type(result, json_type_array)) {
		cmd_print_plain(result);
		return;
	}
	we = widest(result, event_word);
	wh = widest(result, host_of);
	n = json_object_array_length(result);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(result, i);
		printf("%s  %-*s  %-*s", cmd_cell(e, "at"), we, event_word(e),
		    wh, host_of(e));
		changed = print_change(e, "pv");
		changed |= print_change(e, "hvm");
		if (!changed)
			printf("  no feature lost or gained");
		putchar('\n');
	}
}
