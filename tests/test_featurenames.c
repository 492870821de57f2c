/*
 * The generated feature table against the header it was generated from.
 *
 * Two independent readings of cpufeatureset.h check gen_featurenames.py:
 * the C preprocessor (the header's own XEN_CPUFEATURE hook) gives every
 * name and index, and a plain text scan at run time gives the attribute
 * characters, which only exist in comments.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "featurenames.h"
#include "featureset.h"
#include "tap.h"

#ifndef CPUFEATURESET_H
#error "the build must pass -DCPUFEATURESET_H=\"/path/to/cpufeatureset.h\""
#endif

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
/* gen-cpuid.py's common_1d: word 0 bits word 2 repeats, named alike. */
#define NR_E1D_ALIASES	18

#define XEN_CPUFEATURE(name, value) { #name, value },
static const struct {
	const char	*name;
	unsigned int	 index;
} hdr[] = {
#include CPUFEATURESET_H
};
#undef XEN_CPUFEATURE

/* "SSE4_1" -> "sse4-1", as xen-cpuid prints it. */
static void
cpuid_name(const char *xen_name, char *buf, size_t len)
{
	size_t i;

	for (i = 0; xen_name[i] != '\0' && i + 1 < len; i++)
		buf[i] = xen_name[i] == '_' ? '-' :
		    (char)tolower((unsigned char)xen_name[i]);
	buf[i] = '\0';
}

static void
test_against_preprocessor(void)
{
	const struct feature_desc *d;
	char want[64], msg[256];
	unsigned int max_index = 0;
	size_t i, bad_idx = 0, bad_xen = 0, bad_name = 0, bad_byname = 0;
	size_t bad_order = 0, bad_word = 0, aliases = 0, bad_alias = 0, j;

	diag("header %s: %zu XEN_CPUFEATURE entries", CPUFEATURESET_H,
	    NELEM(hdr));
	ok(NELEM(hdr) > 100, "the header has a plausible number of features");
	is_int(feature_table_len, NELEM(hdr) + NR_E1D_ALIASES,
	    "feature_table_len is the header's XEN_CPUFEATURE count plus the "
	    "word 2 aliases");

	for (i = 0; i < NELEM(hdr); i++) {
		if (hdr[i].index > max_index)
			max_index = hdr[i].index;
		cpuid_name(hdr[i].name, want, sizeof(want));
		d = feature_by_index(hdr[i].index);
		if (d == NULL) {
			diag("  %s (%u): not found by index", hdr[i].name,
			    hdr[i].index);
			bad_idx++;
			continue;
		}
		if (d->index != hdr[i].index)
			bad_idx++;
		if (strcmp(d->xen_name, hdr[i].name) != 0) {
			diag("  %u: xen_name '%s', header '%s'", hdr[i].index,
			    d->xen_name, hdr[i].name);
			bad_xen++;
		}
		if (strcmp(d->name, want) != 0) {
			diag("  %u: name '%s', want '%s'", hdr[i].index,
			    d->name, want);
			bad_name++;
		}
		if (feature_by_name(want) != d) {
			diag("  feature_by_name('%s') does not find index %u",
			    want, hdr[i].index);
			bad_byname++;
		}
	}
	is_int(bad_idx, 0, "every header feature is found by its index");
	is_int(bad_xen, 0, "xen_name is the header's spelling");
	is_int(bad_name, 0, "name is lower case with '_' -> '-'");
	is_int(bad_byname, 0, "feature_by_name finds every feature back");

	for (i = 0; i < feature_table_len; i++) {
		for (j = 0; j < NELEM(hdr); j++)
			if (hdr[j].index == feature_table[i].index)
				break;
		if (j == NELEM(hdr)) {
			d = feature_by_index(feature_table[i].index - 64);
			if (feature_table[i].index / 32 != 2 || d == NULL ||
			    strcmp(d->name, feature_table[i].name) != 0 ||
			    feature_table[i].attrs[0] != '\0' ||
			    feature_table[i].flags != 0) {
				diag("  %s (%u): not in the header, not an "
				    "alias", feature_table[i].name,
				    feature_table[i].index);
				bad_alias++;
			} else
				aliases++;
		}
		if (i > 0 &&
		    feature_table[i - 1].index >= feature_table[i].index) {
			diag("  table[%zu] index %u after %u", i,
			    feature_table[i].index, feature_table[i - 1].index);
			bad_order++;
		}
		if (feature_table[i].index / 32 >= featureset_nr_words ||
		    word_sources[feature_table[i].index / 32].kind ==
		    WORD_UNKNOWN) {
			diag("  %s: word %u has no known source",
			    feature_table[i].name, feature_table[i].index / 32);
			bad_word++;
		}
	}
	is_int(bad_order, 0, "the table is strictly sorted by index");
	is_int(aliases, NR_E1D_ALIASES, "the rows the header lacks are word 2 "
	    "copies of word 0 bits");
	is_int(bad_alias, 0, "each is named as its word 0 bit and has no "
	    "attributes");
	is_int(bad_word, 0, "every feature's word has a known source");
	snprintf(msg, sizeof(msg), "featureset_nr_words (%zu) > max index / 32 "
	    "(%u)", featureset_nr_words, max_index / 32);
	ok(featureset_nr_words > max_index / 32, msg);
	ok(featureset_nr_words <= FS_MAX_WORDS,
	    "featureset_nr_words fits a struct featureset");

	ok(feature_by_name("no-such-feature") == NULL,
	    "feature_by_name of an unknown name is NULL");
	ok(feature_by_name("") == NULL, "feature_by_name(\"\") is NULL");
}

/* --- attributes, from the header as text --- */

struct attr_rule {
	unsigned int	 flag;
	const char	*chars;		/* set iff one of these is */
	const char	*what;
};

static const struct attr_rule attr_rules[] = {
	{ FEAT_SPECIAL,			"!",	"'!' <=> FEAT_SPECIAL" },
	{ FEAT_ACCUMULATE,		"|",	"'|' <=> FEAT_ACCUMULATE" },
	{ FEAT_PV_DEFAULT,		"A",	"'A' <=> FEAT_PV_DEFAULT" },
	{ FEAT_PV_MAX,			"a",	"'a' <=> FEAT_PV_MAX" },
	{ FEAT_HVM_SHADOW_DEFAULT,	"AS",
	    "'A' or 'S' <=> FEAT_HVM_SHADOW_DEFAULT" },
	{ FEAT_HVM_SHADOW_MAX,		"as",
	    "'a' or 's' <=> FEAT_HVM_SHADOW_MAX" },
	{ FEAT_HVM_HAP_DEFAULT,		"ASH",
	    "'A', 'S' or 'H' <=> FEAT_HVM_HAP_DEFAULT" },
	{ FEAT_HVM_HAP_MAX,		"ash",
	    "'a', 's' or 'h' <=> FEAT_HVM_HAP_MAX" },
};

static int
has_any(const char *attrs, const char *chars)
{
	for (; *chars != '\0'; chars++)
		if (strchr(attrs, *chars) != NULL)
			return 1;
	return 0;
}

/*
 * One "XEN_CPUFEATURE(NAME, W*32+B) /\*ATTRS text *\/" line: 0 with the
 * parts filled, -1 if it is not such a line.
 */
static int
scan_line(const char *line, char *name, size_t namelen, unsigned int *index,
    char *attrs, size_t attrlen)
{
	const char *p = line + strlen("XEN_CPUFEATURE("), *c;
	unsigned int w, b;
	size_t n;

	while (*p == ' ' || *p == '\t')
		p++;
	n = strcspn(p, " \t,");
	if (n == 0 || n >= namelen)
		return -1;
	memcpy(name, p, n);
	name[n] = '\0';
	p += n;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != ',' || sscanf(p + 1, " %u * 32 + %u", &w, &b) != 2)
		return -1;
	*index = w * 32 + b;
	if ((c = strstr(p, "/*")) == NULL)
		return -1;
	c += 2;
	n = strcspn(c, " \t\r\n");
	if (n >= attrlen)
		return -1;
	memcpy(attrs, c, n);
	attrs[n] = '\0';
	return 0;
}

static void
test_attrs(void)
{
	const char *path = CPUFEATURESET_H, *env;
	const struct feature_desc *d;
	char line[1024], name[64], attrs[32];
	unsigned int index;
	size_t lines = 0, unparsed = 0, missing = 0, bad_attrs = 0, i;
	size_t bad_rule[NELEM(attr_rules)] = { 0 };
	size_t with[NELEM(attr_rules)] = { 0 };
	FILE *f;

	env = getenv("CPULEVEL_CPUFEATURESET_H");
	if (env != NULL && strcmp(env, path) != 0)
		diag("CPULEVEL_CPUFEATURESET_H is %s, reading the compiled-in "
		    "%s", env, path);
	if ((f = fopen(path, "r")) == NULL && env != NULL)
		f = fopen(path = env, "r");
	if (!ok(f != NULL, "the header can be read at run time")) {
		diag("  cannot open %s", path);
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "XEN_CPUFEATURE(", 15) != 0)
			continue;
		lines++;
		if (scan_line(line, name, sizeof(name), &index, attrs,
		    sizeof(attrs)) == -1) {
			diag("  cannot scan: %s", line);
			unparsed++;
			continue;
		}
		d = feature_by_index(index);
		if (d == NULL || strcmp(d->xen_name, name) != 0) {
			diag("  %s (%u) is not in the table", name, index);
			missing++;
			continue;
		}
		if (strcmp(d->attrs, attrs) != 0) {
			diag("  %s: attrs '%s', header '%s'", name, d->attrs,
			    attrs);
			bad_attrs++;
		}
		for (i = 0; i < NELEM(attr_rules); i++)
			with[i] += has_any(attrs, attr_rules[i].chars);
		for (i = 0; i < NELEM(attr_rules); i++)
			if (!!(d->flags & attr_rules[i].flag) !=
			    has_any(attrs, attr_rules[i].chars)) {
				diag("  %s '%s': flags 0x%x break %s", name,
				    attrs, d->flags, attr_rules[i].what);
				bad_rule[i]++;
			}
	}
	fclose(f);

	is_int(lines, NELEM(hdr), "text scan sees as many XEN_CPUFEATURE "
	    "lines as the preprocessor");
	is_int(unparsed, 0, "every XEN_CPUFEATURE line scans");
	is_int(missing, 0, "every scanned line's name and index are in the "
	    "table");
	is_int(bad_attrs, 0, "attrs is the text after '/*' up to the first "
	    "space");
	for (i = 0; i < NELEM(attr_rules); i++) {
		is_int(bad_rule[i], 0, attr_rules[i].what);
		/* A rule no feature exercises only checks the flag is clear. */
		if (with[i] == 0)
			diag("  no feature of this header has '%s': the rule "
			    "above is only checked one way",
			    attr_rules[i].chars);
	}

	/* Spot checks, so an empty or constant attrs column cannot pass. */
	d = feature_by_name("fpu");
	ok(d != NULL && strcmp(d->attrs, "A") == 0 &&
	    (d->flags & FEAT_PV_DEFAULT) && !(d->flags & FEAT_SPECIAL),
	    "fpu is 'A': PV default, not special");
	d = feature_by_name("apic");
	ok(d != NULL && strcmp(d->attrs, "!A") == 0 &&
	    (d->flags & FEAT_SPECIAL), "apic is '!A': special");
	d = feature_by_name("ds");
	ok(d != NULL && strcmp(d->attrs, "") == 0 && d->flags == 0,
	    "ds has no attributes and no flags");
	d = feature_by_name("vmx");
	ok(d != NULL && strcmp(d->attrs, "h") == 0 &&
	    d->flags == FEAT_HVM_HAP_MAX, "vmx is 'h': HAP max only");
}

/* --- names we rely on --- */

static void
test_known(void)
{
	static const struct {
		const char	*name;
		const char	*xen_name;
		unsigned int	 index;
	} cases[] = {
		{ "fpu", "FPU", 0 },
		{ "sse2", "SSE2", 0 * 32 + 26 },
		{ "sse3", "SSE3", 1 * 32 + 0 },
		{ "sse4-1", "SSE4_1", 1 * 32 + 19 },
		{ "sse4-2", "SSE4_2", 1 * 32 + 20 },
		{ "avx2", "AVX2", 5 * 32 + 5 },
		{ "hle", "HLE", 5 * 32 + 4 },
		{ "rtm", "RTM", 5 * 32 + 11 },
	};
	const struct feature_desc *d;
	char msg[256], buf[16];
	size_t i;

	ok(feature_table_len > 0 && feature_table[0].index == 0 &&
	    strcmp(feature_table[0].name, "fpu") == 0,
	    "the table starts with index 0, fpu");
	for (i = 0; i < NELEM(cases); i++) {
		d = feature_by_name(cases[i].name);
		snprintf(msg, sizeof(msg), "feature_by_name(\"%s\") is %s at "
		    "%u*32+%u", cases[i].name, cases[i].xen_name,
		    cases[i].index / 32, cases[i].index % 32);
		ok(d != NULL && d->index == cases[i].index &&
		    strcmp(d->xen_name, cases[i].xen_name) == 0, msg);
		snprintf(msg, sizeof(msg), "feature_name(%u) is \"%s\"",
		    cases[i].index, cases[i].name);
		is_str(feature_name(cases[i].index, buf), cases[i].name, msg);
	}
	ok(feature_by_name("sse4_1") == NULL,
	    "names use '-', not the header's '_'");
	ok(feature_by_name("FPU") == NULL, "names are lower case");
}

/* --- unnamed bits --- */

static void
test_unnamed(void)
{
	unsigned int idx[3], n = 0, i, last = 0, found = 0;
	char buf[16], want[32], msg[128];
	const char *got;

	for (i = 0; i < featureset_nr_words * 32; i++)
		if (feature_by_index(i) == NULL) {
			if (!found)
				idx[n++] = i;
			found = 1;
			last = i;
		}
	if (!ok(found, "some bit below nr_words * 32 has no name"))
		return;
	if (last != idx[0])
		idx[n++] = last;
	idx[n++] = 100 * 32 + 5;	/* far beyond any header */

	for (i = 0; i < n; i++) {
		snprintf(want, sizeof(want), "w%ub%u", idx[i] / 32,
		    idx[i] % 32);
		ok(feature_by_index(idx[i]) == NULL, "unnamed bit has no "
		    "table entry");
		memset(buf, 'X', sizeof(buf));
		got = feature_name(idx[i], buf);
		snprintf(msg, sizeof(msg), "feature_name(%u) of an unnamed "
		    "bit is \"%s\"", idx[i], want);
		is_str(got, want, msg);
	}
}

/* --- decoding a set --- */

static int
collect(unsigned int index, const char *name, void *arg)
{
	unsigned int *seen = arg;

	(void)name;
	if (seen[0] < 8)
		seen[1 + seen[0]] = index;
	seen[0]++;
	return 0;
}

static int
stop_at_second(unsigned int index, const char *name, void *arg)
{
	int *n = arg;

	(void)index;
	(void)name;
	return ++*n == 2 ? 42 : 0;
}

static void
test_join(void)
{
	const struct feature_desc *fpu = feature_by_name("fpu");
	const struct feature_desc *sse2 = feature_by_name("sse2");
	struct featureset fs;
	unsigned int seen[9] = { 0 }, unnamed = 0, i;
	char buf[64], want[64], nb[16];
	int n = 0;

	if (!ok(fpu != NULL && sse2 != NULL, "fpu and sse2 are named"))
		return;
	fs_clear(&fs);
	fs.len = 1;
	fs.w[fpu->index / 32] |= 1u << (fpu->index % 32);
	fs.w[sse2->index / 32] |= 1u << (sse2->index % 32);

	is_int(feature_names_join(&fs, " ", buf, sizeof(buf)), 0,
	    "feature_names_join fits");
	is_str(buf, "fpu sse2", "feature_names_join of {fpu, sse2} with \" \"");
	is_int(feature_names_join(&fs, ", ", buf, sizeof(buf)), 0,
	    "feature_names_join with a longer separator");
	is_str(buf, "fpu, sse2", "the separator goes between names only");
	is_int(feature_names_join(&fs, " ", buf, strlen("fpu sse2") + 1), 0,
	    "feature_names_join into a buffer of exactly the right size");
	is_str(buf, "fpu sse2", "... gives the whole string");
	memset(buf, 'X', sizeof(buf));
	is_int(feature_names_join(&fs, " ", buf, strlen("fpu sse2")), -1,
	    "feature_names_join returns -1 when one byte short");
	ok(buf[strlen("fpu sse2")] == 'X',
	    "... and writes nothing past the buffer");
	is_int(feature_names_join(&fs, " ", buf, 4), -1,
	    "feature_names_join returns -1 with room for one name only");
	is_int(feature_names_join(&fs, " ", buf, 0), -1,
	    "feature_names_join returns -1 for a zero-length buffer");

	fs_clear(&fs);
	is_int(feature_names_join(&fs, " ", buf, sizeof(buf)), 0,
	    "feature_names_join of [] succeeds");
	is_str(buf, "", "feature_names_join of [] is \"\"");
	buf[0] = 'X';
	is_int(feature_names_join(&fs, " ", buf, 0), -1,
	    "feature_names_join of [] into a zero-length buffer is -1");
	ok(buf[0] == 'X', "... and writes nothing");

	/* Unnamed bits are joined by their wNbM name. */
	for (i = 0; i < 32; i++)
		if (feature_by_index(i) == NULL) {
			unnamed = i;
			break;
		}
	if (i < 32) {
		fs_clear(&fs);
		fs.len = 2;
		fs.w[0] = 1u | (1u << unnamed);
		fs.w[1] = 1u << 19;	/* sse4-1 */
		snprintf(want, sizeof(want), "fpu %s sse4-1",
		    feature_name(unnamed, nb));
		feature_names_join(&fs, " ", buf, sizeof(buf));
		is_str(buf, want, "feature_names_join names unnamed bits "
		    "wNbM, in index order");
		feature_foreach(&fs, collect, seen);
		ok(seen[0] == 3 && seen[1] == 0 && seen[2] == unnamed &&
		    seen[3] == 32 + 19, "feature_foreach visits set bits in "
		    "index order");
		is_int(feature_foreach(&fs, stop_at_second, &n), 42,
		    "feature_foreach stops at and returns fn's non-zero value");
		is_int(n, 2, "... after the second bit");
	}
}

/* --- word sources --- */

static void
test_word_sources(void)
{
	static const struct {
		size_t		word;
		enum word_kind	kind;
		unsigned int	leaf;
		int		subleaf;
		enum word_reg	reg;
		const char	*what;
	} cases[] = {
		{ 0, WORD_CPUID, 0x1, -1, REG_EDX, "word 0 is leaf 1 EDX" },
		{ 1, WORD_CPUID, 0x1, -1, REG_ECX, "word 1 is leaf 1 ECX" },
		{ 2, WORD_CPUID, 0x80000001, -1, REG_EDX,
		    "word 2 is leaf 0x80000001 EDX" },
		{ 3, WORD_CPUID, 0x80000001, -1, REG_ECX,
		    "word 3 is leaf 0x80000001 ECX" },
		{ 4, WORD_CPUID, 0xd, 1, REG_EAX,
		    "word 4 is leaf 0xd subleaf 1 EAX" },
		{ 5, WORD_CPUID, 0x7, 0, REG_EBX,
		    "word 5 is leaf 7 subleaf 0 EBX" },
		{ 6, WORD_CPUID, 0x7, 0, REG_ECX,
		    "word 6 is leaf 7 subleaf 0 ECX" },
		{ 9, WORD_CPUID, 0x7, 0, REG_EDX,
		    "word 9 is leaf 7 subleaf 0 EDX" },
	};
	const struct word_source *s;
	size_t i;

	for (i = 0; i < NELEM(cases); i++) {
		if (cases[i].word >= featureset_nr_words) {
			ok(0, cases[i].what);
			diag("  only %zu words", featureset_nr_words);
			continue;
		}
		s = &word_sources[cases[i].word];
		if (!ok(s->kind == cases[i].kind && s->leaf == cases[i].leaf &&
		    s->subleaf == cases[i].subleaf && s->reg == cases[i].reg,
		    cases[i].what))
			diag("  got kind %d leaf 0x%x subleaf %d reg %d",
			    (int)s->kind, s->leaf, s->subleaf, (int)s->reg);
	}
	/* Headers with the MSR_ARCH_CAPS words describe them as an MSR. */
	if (featureset_nr_words > 16)
		ok(word_sources[16].kind == WORD_MSR &&
		    word_sources[16].leaf == 0x10a &&
		    word_sources[16].reg == REG_EAX,
		    "word 16 is MSR 0x10a EAX");
}

int
main(void)
{
	test_against_preprocessor();
	test_attrs();
	test_known();
	test_unnamed();
	test_join();
	test_word_sources();
	return done_testing();
}
