/*
 * Realistic featuresets: libvirt's CPU models as Xen featuresets, from the
 * shared test data (../shared/data/cpu-models.json).  Every model's XAPI
 * string must parse, print back unchanged and decode to the model's own
 * features; levelling real generations must give the answers a pool
 * operator expects.
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

#define MAX_MODELS	256
#define MAX_BITS	(FS_MAX_WORDS * 32)

struct model {
	const char		*name;
	const char		*vendor;	/* NULL for qemu64 and kvm64 */
	struct featureset	 fs;
	int			 parsed;
};

static struct model models[MAX_MODELS];
static size_t nmodels;

/* Data features whose Xen bit our (older) header does not name. */
static const char *newer[MAX_BITS];
static unsigned int newer_index[MAX_BITS];
static size_t nnewer;

static void
note_newer(const char *name, unsigned int index)
{
	size_t i;

	for (i = 0; i < nnewer; i++)
		if (newer_index[i] == index)
			return;
	if (nnewer < MAX_BITS) {
		newer[nnewer] = name;
		newer_index[nnewer++] = index;
	}
}

static struct model *
find_model(const char *name)
{
	size_t i;

	for (i = 0; i < nmodels; i++)
		if (strcmp(models[i].name, name) == 0 && models[i].parsed)
			return &models[i];
	return NULL;
}

/* The parsed words against the data's own list of hex words. */
static int
words_match(const struct featureset *fs, struct json_object *words,
    char *why, size_t whylen)
{
	size_t i, n;
	const char *s;
	char *end;
	unsigned long v;

	if (words == NULL || !json_object_is_type(words, json_type_array)) {
		snprintf(why, whylen, "no .words array");
		return 0;
	}
	n = (size_t)json_object_array_length(words);
	if (n != fs->len) {
		snprintf(why, whylen, "%zu words, parsed %zu", n, fs->len);
		return 0;
	}
	for (i = 0; i < n; i++) {
		s = json_object_get_string(json_object_array_get_idx(words,
		    (int)i));
		errno = 0;
		v = strtoul(s, &end, 16);
		if (errno != 0 || *end != '\0' || v > 0xffffffffUL) {
			snprintf(why, whylen, "word %zu '%s' is not hex", i, s);
			return 0;
		}
		if ((uint32_t)v != fs->w[i]) {
			snprintf(why, whylen, "word %zu: data %08lx, parsed "
			    "%08x", i, v, (unsigned int)fs->w[i]);
			return 0;
		}
	}
	return 1;
}

struct decode {
	const char	**by_index;	/* the model's Xen names by bit */
	size_t		  bits;		/* set bits seen */
	size_t		  stray;	/* set bits no model feature explains */
	size_t		  misnamed;	/* named differently from the data */
	const char	 *model;
};

static int
decode_one(unsigned int index, const char *name, void *arg)
{
	struct decode *d = arg;
	const char *want = index < MAX_BITS ? d->by_index[index] : NULL;

	d->bits++;
	if (want == NULL) {
		diag("  %s: bit %u (%s) is set but no feature of the model "
		    "maps to it", d->model, index, name);
		d->stray++;
	} else if (feature_by_index(index) != NULL && strcmp(name, want) != 0) {
		diag("  %s: bit %u decodes as '%s', data says '%s'", d->model,
		    index, name, want);
		d->misnamed++;
	}
	return 0;
}

static void
check_model(const char *name, struct json_object *m, struct json_object *feats)
{
	static const char *by_index[MAX_BITS];
	struct model *mo = &models[nmodels];
	struct json_object *xfs = jget(m, "xen_featureset", NULL);
	struct json_object *list, *f, *x, *v;
	struct featureset mapped;
	struct decode dec;
	const char *xapi = jstr(xfs, "xapi_string"), *fname, *xname;
	char err[FS_STRING_MAX + 256], buf[FS_STRING_MAX], msg[256];
	size_t i, n, nmapped = 0, unset = 0, misnamed = 0, skipped = 0;
	size_t unknown = 0;
	unsigned int index;
	int rc;

	mo->name = name;
	mo->vendor = jstr(m, "vendor");
	if (xapi == NULL) {
		snprintf(msg, sizeof(msg), "%s has .xen_featureset.xapi_string",
		    name);
		ok(0, msg);
		return;
	}
	nmodels++;

	err[0] = '\0';
	rc = fs_parse(xapi, &mo->fs, err, sizeof(err));
	snprintf(msg, sizeof(msg), "%s: fs_parse of its XAPI string", name);
	if (!ok(rc == 0, msg)) {
		diag("  %s", err);
		return;
	}
	mo->parsed = 1;

	fs_format(&mo->fs, buf);
	snprintf(msg, sizeof(msg), "%s: fs_format gives the same canonical "
	    "string", name);
	is_str(buf, xapi, msg);

	snprintf(msg, sizeof(msg), "%s: parsed words equal .words", name);
	if (!ok(words_match(&mo->fs, jget(xfs, "words", NULL), err,
	    sizeof(err)), msg))
		diag("  %s", err);

	/* Every mapped feature's bit is set, and our name is the data's. */
	memset(by_index, 0, sizeof(by_index));
	fs_clear(&mapped);
	mapped.len = mo->fs.len;
	list = jget(m, "features", NULL);
	n = list != NULL ? (size_t)json_object_array_length(list) : 0;
	for (i = 0; i < n; i++) {
		fname = json_object_get_string(json_object_array_get_idx(list,
		    (int)i));
		if ((f = jget(feats, fname, NULL)) == NULL) {
			diag("  %s: feature '%s' is not in .features", name,
			    fname);
			unknown++;
			continue;
		}
		x = jget(f, "xen", NULL);
		if (x == NULL || json_object_is_type(x, json_type_null))
			continue;
		v = jget(x, "index", NULL);
		xname = jstr(x, "xen_cpuid_name");
		if (v == NULL || xname == NULL ||
		    json_object_get_int(v) < 0 ||
		    json_object_get_int(v) >= MAX_BITS) {
			diag("  %s: feature '%s' has a bad .xen", name, fname);
			unknown++;
			continue;
		}
		index = (unsigned int)json_object_get_int(v);
		nmapped++;
		by_index[index] = xname;
		if (index / 32 >= mapped.len)
			mapped.len = index / 32 + 1;
		mapped.w[index / 32] |= 1u << (index % 32);
		if (!fs_test_bit(&mo->fs, index)) {
			diag("  %s: '%s' (bit %u) is not set", name, fname,
			    index);
			unset++;
		}
		if (feature_by_index(index) == NULL) {
			skipped++;
			note_newer(xname, index);
		} else if (strcmp(feature_by_index(index)->name, xname) != 0) {
			diag("  %s: bit %u is '%s' here, '%s' in the data",
			    name, index, feature_by_index(index)->name, xname);
			misnamed++;
		}
	}
	snprintf(msg, sizeof(msg), "%s: every feature is described in "
	    ".features", name);
	is_int(unknown, 0, msg);
	snprintf(msg, sizeof(msg), "%s: the bit of each of its %zu mapped "
	    "features is set", name, nmapped);
	is_int(unset, 0, msg);
	snprintf(msg, sizeof(msg), "%s: feature_by_index names each mapped "
	    "feature as the data does (%zu newer than our header)", name,
	    skipped);
	is_int(misnamed, 0, msg);

	/* Conversely, no bit is set that the model does not have. */
	snprintf(msg, sizeof(msg), "%s: the featureset is exactly its mapped "
	    "features", name);
	ok(fs_is_equal(&mo->fs, &mapped), msg);
	memset(&dec, 0, sizeof(dec));
	dec.by_index = by_index;
	dec.model = name;
	feature_foreach(&mo->fs, decode_one, &dec);
	snprintf(msg, sizeof(msg), "%s: decoding gives one name per mapped "
	    "feature and nothing else", name);
	ok(dec.bits == nmapped && dec.stray == 0 && dec.misnamed == 0, msg);
}

/* --- levelling real generations --- */

static const struct featureset *
fs_of(const char *name)
{
	const struct model *m = find_model(name);
	char msg[128];

	if (m == NULL) {
		snprintf(msg, sizeof(msg), "model %s is in the data", name);
		ok(0, msg);
	}
	return m != NULL ? &m->fs : NULL;
}

static void
names_of(const struct featureset *fs, char *buf, size_t len)
{
	if (feature_names_join(fs, " ", buf, len) == -1)
		snprintf(buf, len, "(too many to list)");
}

static void
level_vendor(const char *vendor, const char *oldest)
{
	struct featureset acc;
	const struct featureset *want;
	char msg[256], buf[FS_STRING_MAX];
	size_t i, members = 0, not_subset = 0;

	/* Folded from [] exactly as xapi levels a pool. */
	fs_clear(&acc);
	for (i = 0; i < nmodels; i++)
		if (models[i].parsed && models[i].vendor != NULL &&
		    strcmp(models[i].vendor, vendor) == 0) {
			fs_intersect(&acc, &models[i].fs, &acc);
			members++;
		}
	snprintf(msg, sizeof(msg), "the data has several %s models (%zu)",
	    vendor, members);
	if (!ok(members > 1, msg))
		return;
	snprintf(msg, sizeof(msg), "the level of all %s models is not "
	    "zero", vendor);
	ok(!fs_is_zero(&acc), msg);
	for (i = 0; i < nmodels; i++)
		if (models[i].parsed && models[i].vendor != NULL &&
		    strcmp(models[i].vendor, vendor) == 0 &&
		    !fs_is_subset(&acc, &models[i].fs)) {
			diag("  not a subset of %s", models[i].name);
			not_subset++;
		}
	snprintf(msg, sizeof(msg), "the level of all %s models is a subset "
	    "of every one of them", vendor);
	is_int(not_subset, 0, msg);
	if ((want = fs_of(oldest)) != NULL) {
		fs_format(&acc, buf);
		snprintf(msg, sizeof(msg), "the level of all %s models is %s",
		    vendor, oldest);
		if (!ok(fs_is_equal(&acc, want), msg))
			diag("  got %s", buf);
	}
}

static void
test_levelling(void)
{
	const struct featureset *sky, *casc, *ice, *has, *has_notsx, *rome;
	const struct featureset *conroe, *v1;
	struct featureset r, old, pool;
	char names[2048];
	size_t i;

	level_vendor("Intel", "Conroe");

	/* AMD: the level is a subset of every AMD model, not checked
	 * against a name since the oldest AMD models differ in details. */
	{
		size_t bad = 0, n = 0;

		fs_clear(&pool);
		for (i = 0; i < nmodels; i++)
			if (models[i].parsed && models[i].vendor != NULL &&
			    strcmp(models[i].vendor, "AMD") == 0) {
				fs_intersect(&pool, &models[i].fs, &pool);
				n++;
			}
		for (i = 0; i < nmodels; i++)
			if (models[i].parsed && models[i].vendor != NULL &&
			    strcmp(models[i].vendor, "AMD") == 0 &&
			    !fs_is_subset(&pool, &models[i].fs))
				bad++;
		ok(n > 1 && !fs_is_zero(&pool) && bad == 0,
		    "the level of all AMD models is a non-zero subset of each");
	}

	sky = fs_of("Skylake-Server");
	casc = fs_of("Cascadelake-Server");
	ice = fs_of("Icelake-Server");
	has = fs_of("Haswell");
	has_notsx = fs_of("Haswell-noTSX");
	rome = fs_of("EPYC-Rome");
	conroe = fs_of("Conroe");
	if (!sky || !casc || !ice || !has || !has_notsx || !rome || !conroe)
		return;

	/* Skylake-Server < Cascadelake-Server < Icelake-Server. */
	ok(fs_is_subset(sky, casc), "Skylake-Server is a subset of "
	    "Cascadelake-Server");
	ok(fs_is_strict_subset(sky, casc), "... a strict one");
	ok(!fs_is_subset(casc, sky), "Cascadelake-Server is not a subset of "
	    "Skylake-Server");
	fs_diff(casc, sky, &r);
	ok(!fs_is_zero(&r), "Cascadelake-Server has features Skylake-Server "
	    "lacks");
	names_of(&r, names, sizeof(names));
	is_str(names, "clflushopt avx512-vnni ibrsb ssbd",
	    "... and they are clflushopt, avx512-vnni, ibrsb and ssbd");
	fs_diff(sky, casc, &r);
	ok(fs_is_zero(&r) && r.len == sky->len, "Skylake-Server has nothing "
	    "Cascadelake-Server lacks");
	fs_intersect(sky, casc, &r);
	ok(fs_is_equal(&r, sky) && r.len == sky->len,
	    "Skylake-Server and Cascadelake-Server level to Skylake-Server");
	ok(fs_is_strict_subset(sky, ice), "Skylake-Server is a strict subset "
	    "of Icelake-Server");
	ok(fs_is_strict_subset(casc, ice), "Cascadelake-Server is a strict "
	    "subset of Icelake-Server");

	/* libvirt's Cascadelake-Server-v1 is an alias of Cascadelake-Server. */
	if ((v1 = fs_of("Cascadelake-Server-v1")) != NULL) {
		ok(fs_is_equal(casc, v1) && fs_is_subset(casc, v1) &&
		    fs_is_subset(v1, casc), "Cascadelake-Server and its v1 are "
		    "equal, each a subset of the other");
		ok(!fs_is_strict_subset(casc, v1) &&
		    !fs_is_strict_subset(v1, casc),
		    "... and neither is a strict subset of the other");
	}

	/* A pool of the three, in any order, levels to the oldest. */
	fs_clear(&pool);
	fs_intersect(&pool, ice, &pool);
	fs_intersect(&pool, casc, &pool);
	fs_intersect(&pool, sky, &pool);
	ok(fs_is_equal(&pool, sky), "a pool of Icelake, Cascadelake and "
	    "Skylake servers levels to Skylake-Server");
	fs_clear(&pool);
	fs_intersect(&pool, sky, &pool);
	fs_intersect(&pool, ice, &pool);
	fs_intersect(&pool, casc, &pool);
	ok(fs_is_equal(&pool, sky), "... in another order too");

	/* Disabling TSX takes exactly hle and rtm away. */
	ok(fs_is_strict_subset(has_notsx, has), "Haswell-noTSX is a strict "
	    "subset of Haswell");
	fs_diff(has, has_notsx, &r);
	names_of(&r, names, sizeof(names));
	is_str(names, "hle rtm", "Haswell minus Haswell-noTSX is hle and rtm");

	/* Across vendors: the level is strictly below both. */
	fs_intersect(sky, rome, &r);
	ok(fs_is_strict_subset(&r, sky) && fs_is_strict_subset(&r, rome),
	    "Skylake-Server with EPYC-Rome levels strictly below both");
	ok(!fs_is_subset(sky, rome) && !fs_is_subset(rome, sky),
	    "Skylake-Server and EPYC-Rome are not subsets of each other");

	/* A host on an older Xen writes fewer words: Conroe in 4 words. */
	for (i = 4; i < conroe->len; i++)
		if (conroe->w[i] != 0)
			break;
	if (ok(conroe->len > 4 && i == conroe->len,
	    "Conroe has no bits past word 3")) {
		fs_from_words(&old, conroe->w, 4);
		ok(fs_is_equal(&old, conroe), "Conroe in 4 words equals Conroe "
		    "in all of them");
		ok(fs_is_subset(&old, conroe) && fs_is_subset(conroe, &old) &&
		    !fs_is_strict_subset(&old, conroe) &&
		    !fs_is_strict_subset(conroe, &old),
		    "... each a subset, neither a strict subset of the other");
		ok(fs_is_subset(&old, sky) && fs_is_strict_subset(&old, sky),
		    "Conroe in 4 words is a strict subset of Skylake-Server");
		fs_intersect(&old, sky, &r);
		ok(fs_is_equal(&r, conroe) && r.len == sky->len,
		    "leveling it with Skylake-Server gives Conroe in the "
		    "longer length");
	}
}

int
main(void)
{
	const char *dir = getenv("CPULEVEL_SHARED_DATA");
	struct json_object *root, *ms, *feats;
	char path[4096], names[8192];
	size_t i, len;

	if (dir == NULL || *dir == '\0')
		skip_all("shared data absent: CPULEVEL_SHARED_DATA is not set");
	snprintf(path, sizeof(path), "%s/cpu-models.json", dir);
	if (access(path, R_OK) != 0)
		skip_all("shared data absent: cannot read %s", path);

	root = json_object_from_file(path);
	if (!ok(root != NULL, "cpu-models.json parses")) {
		diag("  %s", path);
		return done_testing();
	}
	ms = jget(root, "models", NULL);
	feats = jget(root, "features", NULL);
	if (!ok(ms != NULL && json_object_is_type(ms, json_type_object) &&
	    feats != NULL && json_object_is_type(feats, json_type_object),
	    "it has .models and .features objects"))
		return done_testing();

	{
		json_object_object_foreach(ms, name, m) {
			if (nmodels == MAX_MODELS) {
				ok(0, "at most MAX_MODELS models");
				break;
			}
			check_model(name, m, feats);
		}
	}
	diag("%zu models checked", nmodels);
	ok(nmodels >= 10, "the data has a realistic number of models");

	if (nnewer > 0) {
		len = 0;
		for (i = 0; i < nnewer && len < sizeof(names) - 64; i++)
			len += (size_t)snprintf(names + len,
			    sizeof(names) - len, "%s%s(%u)", i ? " " : "",
			    newer[i], newer_index[i]);
		diag("%zu Xen bits of the data are newer than our header, "
		    "their names were not checked: %s", nnewer, names);
	}

	test_levelling();
	json_object_put(root);
	return done_testing();
}
