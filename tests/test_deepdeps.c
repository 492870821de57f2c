/*
 * The generated deep dependencies against Xen's own, from the shared test
 * data (../shared/data/xen-deep-deps.json): what gen-cpuid.py computes for
 * Xen 4.17.7 and for current Xen.
 *
 * The data of the Xen line the build targets must match feature_deep_deps
 * exactly, bit for bit.  The other one can only match where the two Xen
 * versions agree: it is compared on the features our header names, and a
 * difference passes only where Xen's direct dependencies differ between
 * the two versions, which is what the version tags of feature_deps.txt
 * are about.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json.h>

#include "featurenames.h"
#include "featureset.h"
#include "json_helpers.h"
#include "tap.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* gen-cpuid.py's common_1d: word 0 bits that word 2 repeats. */
static const struct {
	const char	*name;
	unsigned int	 bit;
} aliases[] = {
	{ "fpu", 0 }, { "vme", 1 }, { "de", 2 }, { "pse", 3 }, { "tsc", 4 },
	{ "msr", 5 }, { "pae", 6 }, { "mce", 7 }, { "cx8", 8 },
	{ "apic", 9 }, { "mtrr", 12 }, { "pge", 13 }, { "mca", 14 },
	{ "cmov", 15 }, { "pat", 16 }, { "pse36", 17 }, { "mmx", 23 },
	{ "fxsr", 24 },
};

/* The bits the header names: the table less the word 2 aliases. */
static uint32_t named[FS_MAX_WORDS];

/* The string at key, "?" for a diagnostic where there is none. */
static const char *
str_or_q(struct json_object *o, const char *key)
{
	const char *s = jstr(o, key);

	return s != NULL ? s : "?";
}

static int
is_alias(unsigned int index)
{
	size_t i;

	for (i = 0; i < NELEM(aliases); i++)
		if (index == 64 + aliases[i].bit)
			return 1;
	return 0;
}

/* The index of a header feature by its Xen name, or -1. */
static int
xen_index(const char *xen_name)
{
	size_t i;

	for (i = 0; i < feature_table_len; i++)
		if (!is_alias(feature_table[i].index) &&
		    strcmp(feature_table[i].xen_name, xen_name) == 0)
			return (int)feature_table[i].index;
	return -1;
}

static const struct feature_deep_dep *
find_dep(unsigned int index)
{
	size_t i;

	for (i = 0; i < feature_deep_deps_len; i++)
		if (feature_deep_deps[i].index == index)
			return &feature_deep_deps[i];
	return NULL;
}

static int
is_zero(const uint32_t *m)
{
	size_t w;

	for (w = 0; w < featureset_nr_words; w++)
		if (m[w] != 0)
			return 0;
	return 1;
}

/* An array of hex strings, word 0 first, into m; -1 if it is not one. */
static int
read_words(struct json_object *a, uint32_t m[FS_MAX_WORDS])
{
	size_t i, n;
	const char *s;
	char *end;
	unsigned long v;

	memset(m, 0, FS_MAX_WORDS * sizeof(m[0]));
	if (a == NULL || !json_object_is_type(a, json_type_array))
		return -1;
	n = (size_t)json_object_array_length(a);
	if (n > FS_MAX_WORDS)
		return -1;
	for (i = 0; i < n; i++) {
		s = json_object_get_string(json_object_array_get_idx(a,
		    (int)i));
		errno = 0;
		v = strtoul(s, &end, 16);
		if (errno != 0 || *end != '\0' || v > 0xffffffffUL)
			return -1;
		m[i] = (uint32_t)v;
	}
	return 0;
}

static void
restrict_to_header(uint32_t *m)
{
	size_t w;

	for (w = 0; w < FS_MAX_WORDS; w++)
		m[w] &= named[w];
}

/*
 * The bits Xen's two versions disagree on: the dependents of a direct
 * edge that only one of them has, and what depends on those in turn.
 */
static void
version_differences(struct json_object *a, struct json_object *b,
    uint32_t diff[FS_MAX_WORDS])
{
	struct json_object *direct[2], *other, *deps;
	uint32_t m[FS_MAX_WORDS];
	size_t s, i, j, n, n2, w;
	const char *dep;
	int idx, found;

	memset(diff, 0, FS_MAX_WORDS * sizeof(diff[0]));
	direct[0] = jget(a, "direct", NULL);
	direct[1] = jget(b, "direct", NULL);
	if (direct[0] == NULL || direct[1] == NULL)
		return;
	for (s = 0; s < 2; s++) {
		json_object_object_foreach(direct[s], key, v) {
			other = jget(direct[1 - s], key, NULL);
			n = (size_t)json_object_array_length(v);
			for (i = 0; i < n; i++) {
				dep = json_object_get_string(
				    json_object_array_get_idx(v, (int)i));
				n2 = other != NULL ?
				    (size_t)json_object_array_length(other) : 0;
				for (found = 0, j = 0; j < n2 && !found; j++)
					found = strcmp(dep,
					    json_object_get_string(
					    json_object_array_get_idx(other,
					    (int)j))) == 0;
				if (found || (idx = xen_index(dep)) < 0)
					continue;
				diff[idx / 32] |= 1u << (idx % 32);
				for (j = 0; j < 2; j++) {
					deps = jget(jget(j == 0 ? a : b,
					    "deep_masks", NULL), dep, NULL);
					if (deps == NULL ||
					    read_words(deps, m) == -1)
						continue;
					for (w = 0; w < FS_MAX_WORDS; w++)
						diff[w] |= m[w];
				}
			}
		}
	}
	restrict_to_header(diff);
}

/* One diag line per differing bit, by name. */
static void
show_bits(const char *feature, const char *what, const uint32_t *m)
{
	unsigned int i;
	char buf[16];

	for (i = 0; i < featureset_nr_words * 32; i++)
		if (m[i / 32] & (1u << (i % 32)))
			diag("  %s: %s %s", feature, what,
			    feature_name(i, buf));
}

/*
 * Compare Xen's data set ds with feature_deep_deps: exactly, or only on
 * the header's features with the bits in `allowed` free to differ.
 */
static void
compare(const char *label, struct json_object *ds, int exact,
    const uint32_t *allowed)
{
	struct json_object *masks = jget(ds, "deep_masks", NULL);
	const struct feature_deep_dep *d;
	uint32_t want[FS_MAX_WORDS], got[FS_MAX_WORDS], dfm[FS_MAX_WORDS];
	uint32_t bad[FS_MAX_WORDS], free_[FS_MAX_WORDS];
	char msg[256];
	size_t i, w, keys = 0, skipped = 0, extra = 0, dfm_bad = 0;
	int idx, in_data, in_ours;

	diag("%s: Xen %s, commit %s, compared %s", label,
	    str_or_q(ds, "xen"), str_or_q(ds, "commit"), exact ? "exactly" :
	    "on the features the header names");
	snprintf(msg, sizeof(msg), "%s: the data set has .deep_masks", label);
	if (!ok(masks != NULL && json_object_is_type(masks, json_type_object),
	    msg))
		return;
	if (exact)
		is_int(json_object_get_int(jget(ds,
		    "featureset_nr_entries", NULL)), featureset_nr_words,
		    "the data's featureset has as many words as the header's");
	for (w = 0; w < FS_MAX_WORDS; w++)
		free_[w] = exact ? 0 : allowed[w];

	json_object_object_foreach(masks, key, v) {
		if ((idx = xen_index(key)) < 0) {
			skipped++;
			continue;
		}
		snprintf(msg, sizeof(msg), "%s: %s has a featureset-sized mask",
		    label, key);
		if (!ok(read_words(v, want) == 0, msg))
			continue;
		if (!exact) {
			restrict_to_header(want);
			if (is_zero(want))
				continue;	/* nothing this header has */
		}
		keys++;
		d = find_dep((unsigned int)idx);
		memset(got, 0, sizeof(got));
		if (d != NULL)
			memcpy(got, d->mask, sizeof(got));
		if (!exact)
			restrict_to_header(got);
		for (w = 0; w < FS_MAX_WORDS; w++)
			bad[w] = (want[w] & ~got[w]) & ~free_[w];
		show_bits(key, "Xen clears, feature_deep_deps does not:", bad);
		for (w = 0; w < FS_MAX_WORDS; w++)
			bad[w] = (got[w] & ~want[w]) & ~free_[w];
		show_bits(key, "feature_deep_deps clears, Xen does not:", bad);
		for (w = 0; w < FS_MAX_WORDS; w++)
			bad[w] = (want[w] ^ got[w]) & ~free_[w];
		if (!exact) {
			for (w = 0; w < FS_MAX_WORDS; w++)
				got[w] = (want[w] ^ got[w]) & free_[w];
			show_bits(key, "differs between Xen versions:", got);
		}
		snprintf(msg, sizeof(msg), "%s: %s clears what Xen's does%s",
		    label, key, exact ? ", bit for bit" : "");
		ok(is_zero(bad), msg);
	}
	diag("%s: %zu features compared, %zu not in the header", label, keys,
	    skipped);

	/* Nothing beyond Xen's entries. */
	for (i = 0; i < feature_deep_deps_len; i++) {
		d = &feature_deep_deps[i];
		memcpy(got, d->mask, sizeof(got));
		if (!exact)
			restrict_to_header(got);
		in_data = read_words(jget(masks,
		    feature_by_index(d->index)->xen_name, NULL), want) == 0;
		if (in_data && !exact)
			restrict_to_header(want);
		if (in_data && (exact || !is_zero(want)))
			continue;
		for (w = 0; w < FS_MAX_WORDS; w++)
			got[w] &= ~free_[w];
		if (is_zero(got))
			continue;	/* only what the versions differ on */
		diag("  %s: an entry Xen does not have",
		    feature_by_index(d->index)->xen_name);
		extra++;
	}
	snprintf(msg, sizeof(msg), "%s: feature_deep_deps has no entry "
	    "beyond Xen's", label);
	is_int(extra, 0, msg);

	/* The features that have dependents at all. */
	snprintf(msg, sizeof(msg), "%s: .deep_features_mask reads", label);
	if (!ok(read_words(jget(ds, "deep_features_mask", NULL), dfm) == 0,
	    msg))
		return;
	for (i = 0; i < featureset_nr_words * 32; i++) {
		if (!(named[i / 32] & (1u << (i % 32))))
			continue;
		in_data = (dfm[i / 32] >> (i % 32)) & 1;
		d = find_dep((unsigned int)i);
		in_ours = d != NULL;
		if (!exact) {
			read_words(jget(masks, feature_by_index(i)->xen_name,
			    NULL), want);
			restrict_to_header(want);
			in_data = in_data && !is_zero(want);
			memset(got, 0, sizeof(got));
			if (d != NULL)
				memcpy(got, d->mask, sizeof(got));
			restrict_to_header(got);
			in_ours = in_ours && !is_zero(got);
			/* A whole entry may be a version difference. */
			for (w = 0; w < FS_MAX_WORDS; w++)
				bad[w] = ((in_data ? want[w] : 0) ^
				    (in_ours ? got[w] : 0)) & ~free_[w];
			if (in_data != in_ours && is_zero(bad))
				continue;
		}
		if (in_data != in_ours) {
			diag("  %s: %s", feature_by_index(i)->xen_name,
			    in_data ? "in .deep_features_mask only" :
			    "in feature_deep_deps only");
			dfm_bad++;
		}
	}
	snprintf(msg, sizeof(msg), "%s: .deep_features_mask is the set of "
	    "feature_deep_deps' indexes", label);
	is_int(dfm_bad, 0, msg);
}

static void
test_aliases(void)
{
	const struct feature_desc *d;
	char buf[16], msg[128];
	size_t i;

	for (i = 0; i < NELEM(aliases); i++) {
		snprintf(msg, sizeof(msg), "feature_name(64 + %u) is \"%s\", "
		    "as xen-cpuid prints it", aliases[i].bit, aliases[i].name);
		is_str(feature_name(64 + aliases[i].bit, buf), aliases[i].name,
		    msg);
		d = feature_by_name(aliases[i].name);
		snprintf(msg, sizeof(msg), "feature_by_name(\"%s\") is still "
		    "word 0 bit %u", aliases[i].name, aliases[i].bit);
		ok(d != NULL && d->index == aliases[i].bit, msg);
	}
}

int
main(void)
{
	const char *dir = getenv("CPULEVEL_SHARED_DATA");
	struct json_object *root, *mine, *other;
	uint32_t differ[FS_MAX_WORDS];
	const char *mine_key, *other_key;
	char path[4096];
	size_t i;

	if (dir == NULL || *dir == '\0')
		skip_all("shared data absent: CPULEVEL_SHARED_DATA is not set");
	snprintf(path, sizeof(path), "%s/xen-deep-deps.json", dir);
	if (access(path, R_OK) != 0)
		skip_all("shared data absent: cannot read %s", path);

	for (i = 0; i < feature_table_len; i++)
		if (!is_alias(feature_table[i].index))
			named[feature_table[i].index / 32] |=
			    1u << (feature_table[i].index % 32);

	test_aliases();

	root = json_object_from_file(path);
	if (!ok(root != NULL, "xen-deep-deps.json parses")) {
		diag("  %s", path);
		return done_testing();
	}
	/* The data has the 4.17 line and current Xen; later lines are head. */
	if (strcmp(feature_deps_xen_version, "4.17") == 0)
		mine_key = "xen_4_17_7", other_key = "head";
	else
		mine_key = "head", other_key = "xen_4_17_7";
	diag("feature_deep_deps is for Xen %s: %zu entries",
	    feature_deps_xen_version, feature_deep_deps_len);
	mine = jget(root, mine_key, NULL);
	other = jget(root, other_key, NULL);
	if (!ok(mine != NULL && other != NULL, "the data has xen_4_17_7 and "
	    "head")) {
		json_object_put(root);
		return done_testing();
	}
	compare(mine_key, mine, 1, NULL);
	version_differences(mine, other, differ);
	compare(other_key, other, 0, differ);
	json_object_put(root);
	return done_testing();
}
