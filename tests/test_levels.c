/*
 * The x86-64 psABI levels (lib/levels.c) against the test's own reading
 * of them: the psABI's lists (Table 3.1, "Micro-Architecture Levels")
 * written here as the Xen bits they map to, by word and bit, each
 * position checked against the header through the C preprocessor; the
 * level sets compared in hex; every row shown to matter by taking its
 * bit away; and the levels of libvirt's CPU models (../shared/data)
 * computed here from those positions, for the raw, PV and HVM default
 * sets of each.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json.h>

#include "featurenames.h"
#include "featureset.h"
#include "fs_helpers.h"
#include "json_helpers.h"
#include "levels.h"
#include "tap.h"

#ifndef CPUFEATURESET_H
#error "the build must pass -DCPUFEATURESET_H=\"/path/to/cpufeatureset.h\""
#endif

/* The header's own positions, as the preprocessor reads them. */
static const struct {
	const char	*name;
	unsigned int	 index;
} header[] = {
#define XEN_CPUFEATURE(name, value) { #name, value },
#include CPUFEATURESET_H
#undef XEN_CPUFEATURE
};
#define NHEADER	(sizeof(header) / sizeof(header[0]))

/*
 * The psABI's features by level, as the Xen bits the project maps them
 * to (levels.c says why for OSFXSR, SCE, OSXSAVE, LZCNT), at positions
 * copied from Xen's public cpufeatureset.h as word * 32 + bit.
 */
static const struct want_bit {
	int		 level;
	const char	*xen;
	unsigned int	 word, bit;
} want[] = {
	{ 1, "FPU", 0, 0 }, { 1, "CX8", 0, 8 }, { 1, "CMOV", 0, 15 },
	{ 1, "MMX", 0, 23 }, { 1, "FXSR", 0, 24 }, { 1, "SSE", 0, 25 },
	{ 1, "SSE2", 0, 26 }, { 1, "SYSCALL", 2, 11 }, { 1, "LM", 2, 29 },
	{ 2, "SSE3", 1, 0 }, { 2, "SSSE3", 1, 9 }, { 2, "CX16", 1, 13 },
	{ 2, "SSE4_1", 1, 19 }, { 2, "SSE4_2", 1, 20 },
	{ 2, "POPCNT", 1, 23 }, { 2, "LAHF_LM", 3, 0 },
	{ 3, "FMA", 1, 12 }, { 3, "MOVBE", 1, 22 }, { 3, "XSAVE", 1, 26 },
	{ 3, "AVX", 1, 28 }, { 3, "F16C", 1, 29 }, { 3, "ABM", 3, 5 },
	{ 3, "BMI1", 5, 3 }, { 3, "AVX2", 5, 5 }, { 3, "BMI2", 5, 8 },
	{ 4, "AVX512F", 5, 16 }, { 4, "AVX512DQ", 5, 17 },
	{ 4, "AVX512CD", 5, 28 }, { 4, "AVX512BW", 5, 30 },
	{ 4, "AVX512VL", 5, 31 },
};
#define NWANT	(sizeof(want) / sizeof(want[0]))

/* The test's level sets, cumulative: want_set[l] for l = 1..4. */
static struct featureset want_set[X86_LEVEL_MAX + 1];

static int
has_bit(const struct featureset *fs, unsigned int index)
{
	return index / 32 < fs->len && (fs->w[index / 32] >> (index % 32)) & 1;
}

/* The level fs reaches by the test's sets, bit by bit. */
static int
want_level(const struct featureset *fs)
{
	unsigned int i;
	int l;

	for (l = 1; l <= X86_LEVEL_MAX; l++)
		for (i = 0; i < want_set[l].len * 32; i++)
			if (has_bit(&want_set[l], i) && !has_bit(fs, i))
				return l - 1;
	return X86_LEVEL_MAX;
}

static void
t_positions(void)
{
	size_t i, j;
	int l;

	for (i = 0; i < NWANT; i++) {
		for (j = 0; j < NHEADER; j++)
			if (strcmp(header[j].name, want[i].xen) == 0)
				break;
		if (!ok(j < NHEADER && header[j].index ==
		    want[i].word * 32 + want[i].bit,
		    L("%s is %u*32+%u in the header", want[i].xen,
		    want[i].word, want[i].bit)) && j < NHEADER)
			diag("header: %u*32+%u", header[j].index / 32,
			    header[j].index % 32);
	}
	for (l = 0; l <= X86_LEVEL_MAX; l++)
		fs_clear(&want_set[l]);
	for (l = 1; l <= X86_LEVEL_MAX; l++)
		for (i = 0; i < NWANT; i++)
			if (want[i].level <= l)
				set_bit(&want_set[l], want[i].word * 32 +
				    want[i].bit);
}

static void
t_names(void)
{
	int l;

	for (l = 1; l <= X86_LEVEL_MAX; l++) {
		is_str(x86_level_name(l), L("x86-64-v%d", l),
		    L("level %d's name", l));
		is_int(x86_level_by_name(L("x86-64-v%d", l)), l,
		    L("x86-64-v%d names level %d", l, l));
	}
	ok(x86_level_name(0) == NULL && x86_level_name(5) == NULL &&
	    x86_level_name(-1) == NULL, "levels 0, 5 and -1 have no name");
	is_int(x86_level_by_name("x86-64-v0"), 0, "x86-64-v0 is no level");
	is_int(x86_level_by_name("x86-64-v5"), 0, "x86-64-v5 is no level");
	is_int(x86_level_by_name("x86-64-V3"), 0, "names are lower case");
	is_int(x86_level_by_name("x86-64-v3 "), 0, "no trailing space");
	is_int(x86_level_by_name(""), 0, "'' is no level");
}

/* Each level's set in hex, against the test's. */
static void
t_sets(void)
{
	struct featureset got;
	int l;

	for (l = 1; l <= X86_LEVEL_MAX; l++) {
		is_int(x86_level_set(l, &got), 0, L("x86-64-v%d builds", l));
		is_str(fmt(&got), fmt(&want_set[l]),
		    L("x86-64-v%d in hex", l));
		diag("x86-64-v%d: %s", l, fmt(&got));
	}
	ok(x86_level_set(0, &got) == -1 && got.len == 0,
	    "level 0 has no set, and out is cleared");
	ok(x86_level_set(X86_LEVEL_MAX + 1, &got) == -1 && got.len == 0,
	    "level 5 has no set");
}

/*
 * The levels of sets built here: each level's set reaches it, and without
 * any one of its bits only the level below (or lower, for a bit that is
 * also a lower level's): every row of the table matters.
 */
static void
t_level_of(void)
{
	struct featureset fs, miss, all;
	unsigned int i;
	int l, below;

	fs_clear(&fs);
	is_int(x86_level_of(&fs), 0, "the empty set reaches no level");
	fs.len = 19;
	is_int(x86_level_of(&fs), 0, "19 zero words reach no level");
	fs_clear(&all);
	all.len = FS_MAX_WORDS;
	memset(all.w, 0xff, sizeof(all.w));
	is_int(x86_level_of(&all), X86_LEVEL_MAX, "every bit reaches v4");
	for (l = 1; l <= X86_LEVEL_MAX; l++) {
		is_int(x86_level_of(&want_set[l]), l,
		    L("x86-64-v%d's set reaches v%d", l, l));
		for (i = 0; i < NWANT; i++) {
			if (want[i].level > l)
				continue;
			fs = want_set[l];
			fs.w[want[i].word] &= ~(1u << want[i].bit);
			below = want[i].level - 1;
			is_int(x86_level_of(&fs), below,
			    L("x86-64-v%d's set without %s reaches v%d", l,
			    want[i].xen, below));
		}
		x86_level_missing(&want_set[l - 1], l, &miss);
		fs_diff(&want_set[l], &want_set[l - 1], &fs);
		is_str(fmt(&miss), fmt(&fs),
		    L("v%d's set lacks exactly v%d's own rows", l - 1, l));
		x86_level_missing(&all, l, &miss);
		ok(fs_is_zero(&miss), L("every bit lacks nothing of v%d", l));
	}
}

/*
 * Xen's names for the psABI's: the renamed rows say so, the others do
 * not.  OSXSAVE is Xen's XSAVE because Xen's own OSXSAVE bit is never
 * offered ('!' without 'A': it follows the guest's CR4).
 */
static void
t_psabi_names(void)
{
	const struct feature_desc *osx;
	unsigned int i;

	is_str(x86_level_psabi_name(3 * 32 + 5), "LZCNT", "ABM is LZCNT");
	is_str(x86_level_psabi_name(1 * 32 + 26), "OSXSAVE",
	    "XSAVE stands for OSXSAVE");
	is_str(x86_level_psabi_name(2 * 32 + 11), "SCE", "SYSCALL is SCE");
	is_str(x86_level_psabi_name(3 * 32 + 0), "LAHF-SAHF",
	    "LAHF_LM is LAHF-SAHF");
	ok(x86_level_psabi_name(0 * 32 + 25) == NULL, "SSE is SSE");
	ok(x86_level_psabi_name(1 * 32 + 27) == NULL,
	    "Xen's OSXSAVE bit is no level's");
	osx = feature_by_index(1 * 32 + 27);
	ok(osx != NULL && strcmp(osx->xen_name, "OSXSAVE") == 0 &&
	    !(osx->flags & (FEAT_PV_DEFAULT | FEAT_PV_MAX |
	    FEAT_HVM_HAP_DEFAULT | FEAT_HVM_HAP_MAX)),
	    "Xen's OSXSAVE is in no guest's set: the header gives it no "
	    "'A' or 'a'");
	for (i = 0; i < NWANT; i++) {
		const struct feature_desc *d =
		    feature_by_index(want[i].word * 32 + want[i].bit);

		ok(d != NULL && (d->flags & FEAT_PV_DEFAULT) &&
		    (d->flags & FEAT_HVM_HAP_DEFAULT),
		    L("%s is in PV and HVM default sets ('A')", want[i].xen));
	}
}

static int
model_set(json_object *models, const char *name, struct featureset *fs)
{
	json_object *m, *x, *s;
	char err[256];

	if (!json_object_object_get_ex(models, name, &m) ||
	    !json_object_object_get_ex(m, "xen_featureset", &x) ||
	    !json_object_object_get_ex(x, "xapi_string", &s))
		return -1;
	return fs_parse(json_object_get_string(s), fs, err, sizeof(err));
}

/* A model's level, raw and as Xen's PV and HVM default sets. */
static void
check_model(const char *name, const struct featureset *raw, int expect)
{
	struct featureset pv, hvm;
	int got = x86_level_of(raw);

	mask_flags(raw, FEAT_PV_DEFAULT, &pv);
	mask_flags(raw, FEAT_HVM_HAP_DEFAULT, &hvm);
	if (!ok(got == want_level(raw) && x86_level_of(&pv) == got &&
	    x86_level_of(&hvm) == got && (expect < 0 || got == expect),
	    L("%s reaches x86-64-v%d (raw, PV and HVM default)", name,
	    expect < 0 ? want_level(raw) : expect)))
		diag("got raw v%d, pv v%d, hvm v%d; the test's reading v%d",
		    got, x86_level_of(&pv), x86_level_of(&hvm),
		    want_level(raw));
}

static const struct {
	const char	*model;
	int		 level;
} named[] = {
	{ "Penryn", 1 },		/* no POPCNT, no SSE4.2 */
	{ "Nehalem", 2 },
	{ "SandyBridge", 2 },		/* AVX, but no AVX2 */
	{ "Haswell", 2 },		/* libvirt's: no F16C, no LZCNT */
	{ "Broadwell", 2 },		/* the same */
	{ "Skylake-Client", 3 },
	{ "Skylake-Server", 4 },
	{ "Cascadelake-Server", 4 },
	{ "EPYC-Rome", 3 },
	{ "EPYC-Genoa", 4 },
};

static void
t_models(void)
{
	const char *dir = getenv("CPULEVEL_SHARED_DATA");
	json_object *root, *models;
	struct featureset fs, miss, f16c_abm;
	char path[1024];
	size_t i, n = 0;

	snprintf(path, sizeof(path), "%s/cpu-models.json", dir ? dir : ".");
	if (access(path, R_OK) != 0) {
		printf("ok %d - the levels of cpu-models.json's models # SKIP "
		    "no test data: %s is not readable (CPULEVEL_SHARED_DATA "
		    "is the ../shared/data directory)\n", ++tap_n, path);
		return;
	}
	if ((root = json_object_from_file(path)) == NULL ||
	    !json_object_object_get_ex(root, "models", &models)) {
		ok(0, L("%s parses and has .models", path));
		return;
	}
	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		if (!ok(model_set(models, named[i].model, &fs) == 0,
		    L("cpu-models.json has %s", named[i].model)))
			continue;
		check_model(named[i].model, &fs, named[i].level);
	}
	/* libvirt's Haswell lacks exactly what v3 adds of F16C and LZCNT. */
	fs_clear(&f16c_abm);
	set_bit(&f16c_abm, 1 * 32 + 29);
	set_bit(&f16c_abm, 3 * 32 + 5);
	if (model_set(models, "Haswell", &fs) == 0) {
		x86_level_missing(&fs, 3, &miss);
		if (!ok(fs_is_equal(&miss, &f16c_abm),
		    "Haswell lacks f16c and abm of v3, nothing else"))
			diag("lacks %s", fmt(&miss));
	}
	json_object_object_foreach(models, name, m) {
		(void)m;
		if (model_set(models, name, &fs) != 0)
			continue;
		check_model(name, &fs, -1);
		n++;
	}
	ok(n >= 60, L("%zu models checked", n));
	json_object_put(root);
}

int
main(void)
{
	t_positions();
	t_names();
	t_sets();
	t_level_of();
	t_psabi_names();
	t_models();
	return done_testing();
}
