/*
 * Featureset text form and arithmetic, against xapi's Cpuid_helpers:
 * the empty set is the identity of intersection, comparisons zero-extend
 * the shorter operand, and only "%08Lx%!" words joined by '-' parse.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "featureset.h"
#include "jsonutil.h"
#include "tap.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define MAXW		4

/* A small featureset written out in a test table. */
struct ws {
	size_t		n;
	uint32_t	w[MAXW];
};

static struct featureset
mk(const struct ws *s)
{
	struct featureset fs;

	fs_from_words(&fs, s->w, s->n);
	return fs;
}

static void
fmt_ws(const struct ws *s, char *buf, size_t len)
{
	size_t i;
	int n;

	n = snprintf(buf, len, "[");
	for (i = 0; i < s->n && n > 0 && (size_t)n < len; i++)
		n += snprintf(buf + n, len - (size_t)n, "%s0x%x", i ? "," : "",
		    (unsigned int)s->w[i]);
	if (n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "]");
}

/* Exact comparison: the length matters here, not only the bits. */
static int
same(const struct featureset *got, const struct ws *want)
{
	size_t i;

	if (got->len != want->n)
		return 0;
	for (i = 0; i < want->n; i++)
		if (got->w[i] != want->w[i])
			return 0;
	return 1;
}

static void
check_fs(const struct featureset *got, const struct ws *want, const char *msg)
{
	char g[FS_STRING_MAX], w[FS_STRING_MAX];
	struct ws gw;
	size_t i;

	if (ok(same(got, want), msg))
		return;
	gw.n = got->len < MAXW ? got->len : MAXW;
	for (i = 0; i < gw.n; i++)
		gw.w[i] = got->w[i];
	fmt_ws(&gw, g, sizeof(g));
	fmt_ws(want, w, sizeof(w));
	diag("  got len %zu %s, want len %zu %s", got->len, g, want->n, w);
}

/* --- printing --- */

static void
test_format(void)
{
	static const struct {
		struct ws	in;
		const char	*want;
	} cases[] = {
		{ { 0, { 0 } }, "" },
		{ { 1, { 0 } }, "00000000" },
		{ { 1, { 1 } }, "00000001" },
		{ { 1, { 0xabcdef01 } }, "abcdef01" },
		{ { 1, { 0xFFFFFFFF } }, "ffffffff" },
		{ { 2, { 0xabcdef01, 0 } }, "abcdef01-00000000" },
		{ { 3, { 0x078bfbfd, 0x201, 0x20100800 } },
		    "078bfbfd-00000201-20100800" },
		{ { 4, { 0, 0, 0, 0x10 } },
		    "00000000-00000000-00000000-00000010" },
	};
	char buf[FS_STRING_MAX], msg[256], w[128];
	struct featureset fs;
	uint32_t big[FS_MAX_WORDS];
	size_t i;

	for (i = 0; i < NELEM(cases); i++) {
		fs = mk(&cases[i].in);
		memset(buf, 'X', sizeof(buf));
		fs_format(&fs, buf);
		fmt_ws(&cases[i].in, w, sizeof(w));
		snprintf(msg, sizeof(msg), "fs_format %s is \"%s\"", w,
		    cases[i].want);
		is_str(buf, cases[i].want, msg);
	}

	/* The largest featureset fits FS_STRING_MAX. */
	for (i = 0; i < FS_MAX_WORDS; i++)
		big[i] = 0xffffffffu - (uint32_t)i;
	is_int(fs_from_words(&fs, big, FS_MAX_WORDS), 0,
	    "fs_from_words accepts FS_MAX_WORDS words");
	fs_format(&fs, buf);
	is_int(strlen(buf), FS_MAX_WORDS * 9 - 1,
	    "fs_format of FS_MAX_WORDS words is 9 * n - 1 characters");
	ok(strncmp(buf, "ffffffff-fffffffe-", 18) == 0 &&
	    strcmp(buf + strlen(buf) - 9, "-ffffffc0") == 0,
	    "fs_format of FS_MAX_WORDS words has every word in order");
	is_int(fs_from_words(&fs, big, FS_MAX_WORDS + 1), -1,
	    "fs_from_words refuses more than FS_MAX_WORDS words");
}

/* --- parsing --- */

static void
test_parse_ok(void)
{
	static const struct {
		const char	*in;
		struct ws	 want;
	} cases[] = {
		{ "", { 0, { 0 } } },
		{ "1", { 1, { 1 } } },
		{ "0", { 1, { 0 } } },
		{ "00000000", { 1, { 0 } } },
		{ "ABCDEF01", { 1, { 0xabcdef01 } } },
		{ "abcdef01", { 1, { 0xabcdef01 } } },
		{ "aBcDeF01", { 1, { 0xabcdef01 } } },
		{ "ffffffff", { 1, { 0xffffffff } } },
		{ "1_2", { 1, { 0x12 } } },
		{ "0000_001", { 1, { 1 } } },
		{ "1___", { 1, { 1 } } },
		{ "1_2_3_4_", { 1, { 0x1234 } } },
		{ "f_______", { 1, { 0xf } } },
		{ "1-2-3", { 3, { 1, 2, 3 } } },
		{ "0-0", { 2, { 0, 0 } } },
		{ "1-ABCDEF01-1_2", { 3, { 1, 0xabcdef01, 0x12 } } },
		{ "078bfbfd-00000201-20100800-00000001",
		    { 4, { 0x078bfbfd, 0x201, 0x20100800, 1 } } },
	};
	char err[512], msg[256];
	struct featureset fs;
	size_t i;
	int rc;

	for (i = 0; i < NELEM(cases); i++) {
		err[0] = '\0';
		rc = fs_parse(cases[i].in, &fs, err, sizeof(err));
		snprintf(msg, sizeof(msg), "fs_parse accepts \"%s\"",
		    cases[i].in);
		if (!ok(rc == 0, msg))
			diag("  rc %d, err '%s'", rc, err);
		snprintf(msg, sizeof(msg), "fs_parse \"%s\" gives the "
		    "expected words", cases[i].in);
		check_fs(&fs, &cases[i].want, msg);
	}
}

static void
test_parse_bad(void)
{
	static const char *const cases[] = {
		"-", "--", "-1234", "1234-", "12--34", "1-2-", "-1-2",
		"0x12", "0X12", "x12",
		"+1", "-1", "1-+2",
		" 1", "1 ", "1 -2", "1- 2", " ", "\t1", "1\n",
		"_1", "_", "1-_2",
		"g", "1g", "1-g", "ghijklmn", ".", "1.2", "1,2", "1:2",
		"123456789", "1234_5678", "00000000_", "1-123456789",
		"fffffffff", "ffffffff-000000000",
	};
	char err[512], msg[256];
	struct featureset fs;
	static const uint32_t junk[3] = { 0xdead, 0xbeef, 0xf00d };
	size_t i;
	int rc;

	for (i = 0; i < NELEM(cases); i++) {
		fs_from_words(&fs, junk, 3);
		err[0] = '\0';
		rc = fs_parse(cases[i], &fs, err, sizeof(err));
		snprintf(msg, sizeof(msg), "fs_parse rejects \"%s\"", cases[i]);
		is_int(rc, -1, msg);
		snprintf(msg, sizeof(msg), "fs_parse \"%s\": out is left "
		    "empty", cases[i]);
		ok(fs.len == 0 && fs.w[0] == 0 && fs.w[1] == 0 &&
		    fs.w[2] == 0, msg);
		snprintf(msg, sizeof(msg), "fs_parse \"%s\": the error names "
		    "the whole input", cases[i]);
		if (!ok(strstr(err, cases[i]) != NULL, msg))
			diag("  err '%s'", err);
	}

	/* One line, whatever the input. */
	fs_parse("1-zz", &fs, err, sizeof(err));
	ok(err[0] != '\0' && strchr(err, '\n') == NULL,
	    "fs_parse error message is one non-empty line");

	/* A short buffer truncates the message but never overflows. */
	memset(err, 'X', sizeof(err));
	is_int(fs_parse("zz", &fs, err, 8), -1,
	    "fs_parse fails with a small error buffer");
	ok(memchr(err, '\0', 8) != NULL && err[8] == 'X',
	    "fs_parse error message respects errlen");

	/*
	 * Cut on a character (found by tests/fuzz/fuzz_featureset): the
	 * message names the input, which a peer may have sent, and a cut
	 * through "\xc3\xa9" would hand back text that is not UTF-8.  At
	 * every buffer size the message is whole characters.
	 */
	{
		static const char accents[] = "1-\xc3\xa9\xc3\xa9\xc3\xa9"
		    "\xc3\xa9\xc3\xa9";
		size_t len, bad = 0;

		for (len = 1; len < 64; len++) {
			fs_parse(accents, &fs, err, len);
			if (utf8_cut(err, len) != strlen(err))
				bad++;
		}
		is_int((long long)bad, 0, "fs_parse error message is cut on "
		    "a character at every buffer size");
	}
}

static void
test_parse_max_words(void)
{
	char s[FS_STRING_MAX + 16], err[FS_STRING_MAX + 256];
	struct featureset fs;
	size_t i, n;
	int ok_words = 1;

	/* Exactly FS_MAX_WORDS words parse. */
	n = 0;
	for (i = 0; i < FS_MAX_WORDS; i++)
		n += (size_t)sprintf(s + n, i ? "-%x" : "%x", (unsigned int)i);
	err[0] = '\0';
	is_int(fs_parse(s, &fs, err, sizeof(err)), 0,
	    "fs_parse accepts FS_MAX_WORDS words");
	is_int(fs.len, FS_MAX_WORDS, "... and all of them are kept");
	for (i = 0; i < FS_MAX_WORDS; i++)
		if (fs.w[i] != i)
			ok_words = 0;
	ok(ok_words, "... with the right values");

	/* One more is an error. */
	sprintf(s + n, "-1");
	fs.len = 5;
	is_int(fs_parse(s, &fs, err, sizeof(err)), -1,
	    "fs_parse rejects FS_MAX_WORDS + 1 words");
	is_int(fs.len, 0, "... and leaves out empty");
	if (!ok(strstr(err, s) != NULL, "... naming the whole input"))
		diag("  err '%s'", err);
}

static void
test_round_trip(void)
{
	static const struct {
		const char	*in;
		const char	*canon;
	} cases[] = {
		{ "", "" },
		{ "1", "00000001" },
		{ "ABCDEF01-1_2-0", "abcdef01-00000012-00000000" },
		{ "0000_001-F", "00000001-0000000f" },
		{ "078bfbfd-00000201-20100800",
		    "078bfbfd-00000201-20100800" },
	};
	char buf[FS_STRING_MAX], buf2[FS_STRING_MAX], err[512], msg[256];
	struct featureset a, b;
	size_t i;

	for (i = 0; i < NELEM(cases); i++) {
		fs_parse(cases[i].in, &a, err, sizeof(err));
		fs_format(&a, buf);
		snprintf(msg, sizeof(msg), "\"%s\" formats canonically",
		    cases[i].in);
		is_str(buf, cases[i].canon, msg);
		snprintf(msg, sizeof(msg), "canonical \"%s\" parses back to "
		    "the same words", cases[i].canon);
		ok(fs_parse(buf, &b, err, sizeof(err)) == 0 &&
		    b.len == a.len &&
		    memcmp(a.w, b.w, a.len * sizeof(a.w[0])) == 0, msg);
		fs_format(&b, buf2);
		snprintf(msg, sizeof(msg), "canonical \"%s\" is a fixed point",
		    cases[i].canon);
		is_str(buf2, buf, msg);
	}
}

/* --- arithmetic --- */

typedef void (*binop)(const struct featureset *, const struct featureset *,
    struct featureset *);

struct binop_case {
	struct ws	a, b, want;
	const char	*why;
};

static void
run_binop(const char *name, binop op, const struct binop_case *cases,
    size_t n)
{
	char msg[512], sa[128], sb[128], sw[128];
	struct featureset a, b, out;
	size_t i;

	for (i = 0; i < n; i++) {
		a = mk(&cases[i].a);
		b = mk(&cases[i].b);
		fmt_ws(&cases[i].a, sa, sizeof(sa));
		fmt_ws(&cases[i].b, sb, sizeof(sb));
		fmt_ws(&cases[i].want, sw, sizeof(sw));
		memset(&out, 0xa5, sizeof(out));
		op(&a, &b, &out);
		snprintf(msg, sizeof(msg), "%s(%s, %s) = %s: %s", name, sa, sb,
		    sw, cases[i].why);
		check_fs(&out, &cases[i].want, msg);
		/* The output may alias an input. */
		op(&a, &b, &a);
		snprintf(msg, sizeof(msg), "%s(%s, %s) into its first "
		    "operand", name, sa, sb);
		check_fs(&a, &cases[i].want, msg);
		a = mk(&cases[i].a);
		op(&a, &b, &b);
		snprintf(msg, sizeof(msg), "%s(%s, %s) into its second "
		    "operand", name, sa, sb);
		check_fs(&b, &cases[i].want, msg);
	}
}

static void
test_intersect(void)
{
	static const struct binop_case cases[] = {
		{ { 0, { 0 } }, { 3, { 1, 2, 3 } }, { 3, { 1, 2, 3 } },
		    "[] is the identity on the left" },
		{ { 3, { 1, 2, 3 } }, { 0, { 0 } }, { 3, { 1, 2, 3 } },
		    "[] is the identity on the right" },
		{ { 0, { 0 } }, { 0, { 0 } }, { 0, { 0 } },
		    "[] with [] is []" },
		{ { 0, { 0 } }, { 2, { 0, 0 } }, { 2, { 0, 0 } },
		    "[] with [0,0] keeps the length 2" },
		{ { 1, { 0 } }, { 2, { 1, 2 } }, { 2, { 0, 0 } },
		    "[0] is not empty, so it is not the identity" },
		{ { 1, { 0xff } }, { 2, { 0x0f, 0xff } }, { 2, { 0x0f, 0 } },
		    "shorter left is zero-extended, result has longer length" },
		{ { 2, { 0x0f, 0xff } }, { 1, { 0xff } }, { 2, { 0x0f, 0 } },
		    "shorter right is zero-extended, result has longer "
		    "length" },
		{ { 1, { 0xf0f0 } }, { 1, { 0xff00 } }, { 1, { 0xf000 } },
		    "word-wise AND" },
		{ { 3, { 0xffffffff, 0x80000001, 7 } },
		    { 3, { 0x12345678, 0xffffffff, 5 } },
		    { 3, { 0x12345678, 0x80000001, 5 } },
		    "word-wise AND on every word" },
	};

	run_binop("intersect", fs_intersect, cases, NELEM(cases));
}

static void
test_union(void)
{
	static const struct binop_case cases[] = {
		{ { 0, { 0 } }, { 2, { 1, 2 } }, { 2, { 1, 2 } },
		    "[] on the left" },
		{ { 3, { 1, 2, 3 } }, { 0, { 0 } }, { 3, { 1, 2, 3 } },
		    "[] on the right" },
		{ { 0, { 0 } }, { 0, { 0 } }, { 0, { 0 } }, "[] with []" },
		{ { 1, { 0xf0 } }, { 2, { 0x0f, 0x100 } },
		    { 2, { 0xff, 0x100 } },
		    "word-wise OR, zero-extended to the longer" },
		{ { 3, { 1, 0, 0 } }, { 1, { 2 } }, { 3, { 3, 0, 0 } },
		    "longer left keeps its length" },
		{ { 1, { 0xff } }, { 2, { 0x0f, 1 } }, { 2, { 0xff, 1 } },
		    "bits in both stay set" },
	};

	run_binop("union", fs_union, cases, NELEM(cases));
}

static void
test_diff(void)
{
	static const struct binop_case cases[] = {
		{ { 2, { 0xf0, 0x1 } }, { 1, { 0x30 } }, { 2, { 0xc0, 0x1 } },
		    "bits of a missing from a shorter b" },
		{ { 1, { 0x30 } }, { 2, { 0xf0, 0x1 } }, { 2, { 0, 0 } },
		    "nothing missing, zero-extended to b's length" },
		{ { 1, { 7 } }, { 0, { 0 } }, { 1, { 7 } },
		    "[] takes nothing away" },
		{ { 0, { 0 } }, { 1, { 7 } }, { 1, { 0 } },
		    "[] minus anything is zero of the longer length" },
		{ { 1, { 0xffffffff } }, { 1, { 0xffffffff } }, { 1, { 0 } },
		    "a set minus itself" },
		{ { 2, { 0xff, 0xff } }, { 2, { 0x0f, 0xf0 } },
		    { 2, { 0xf0, 0x0f } }, "every word" },
	};

	run_binop("diff", fs_diff, cases, NELEM(cases));
}

typedef int (*pred)(const struct featureset *, const struct featureset *);

struct pred_case {
	struct ws	a, b;
	int		want;
	const char	*why;
};

static void
run_pred(const char *name, pred p, const struct pred_case *cases, size_t n)
{
	char msg[512], sa[128], sb[128];
	struct featureset a, b;
	size_t i;

	for (i = 0; i < n; i++) {
		a = mk(&cases[i].a);
		b = mk(&cases[i].b);
		fmt_ws(&cases[i].a, sa, sizeof(sa));
		fmt_ws(&cases[i].b, sb, sizeof(sb));
		snprintf(msg, sizeof(msg), "%s(%s, %s) is %s: %s", name, sa,
		    sb, cases[i].want ? "true" : "false", cases[i].why);
		is_int(!!p(&a, &b), cases[i].want, msg);
	}
}

static void
test_is_equal(void)
{
	static const struct pred_case cases[] = {
		{ { 3, { 7, 1, 0 } }, { 2, { 7, 1 } }, 1,
		    "trailing zero word ignored" },
		{ { 2, { 7, 1 } }, { 3, { 7, 1, 0 } }, 1,
		    "trailing zero word ignored, other side" },
		{ { 3, { 7, 1, 1 } }, { 2, { 7, 1 } }, 0,
		    "extra non-zero word differs" },
		{ { 2, { 7, 1 } }, { 3, { 7, 1, 1 } }, 0,
		    "extra non-zero word differs, other side" },
		{ { 0, { 0 } }, { 2, { 0, 0 } }, 1, "[] equals [0,0]" },
		{ { 2, { 0, 0 } }, { 0, { 0 } }, 1, "[0,0] equals []" },
		{ { 0, { 0 } }, { 0, { 0 } }, 1, "[] equals []" },
		{ { 1, { 1 } }, { 0, { 0 } }, 0, "[1] is not []" },
		{ { 2, { 1, 2 } }, { 2, { 2, 1 } }, 0, "word order matters" },
		{ { 3, { 0, 0, 1 } }, { 1, { 0 } }, 0,
		    "a bit in the third word" },
		{ { 1, { 0x80000000 } }, { 1, { 0x80000000 } }, 1,
		    "top bit" },
	};

	run_pred("is_equal", fs_is_equal, cases, NELEM(cases));
}

static void
test_is_subset(void)
{
	static const struct pred_case cases[] = {
		{ { 1, { 5 } }, { 2, { 7, 3 } }, 1, "bits within b" },
		{ { 0, { 0 } }, { 3, { 1, 2, 3 } }, 0,
		    "[] is NOT a subset: intersect([], b) is b" },
		{ { 3, { 1, 2, 3 } }, { 0, { 0 } }, 1,
		    "anything is a subset of []: intersect(a, []) is a" },
		{ { 0, { 0 } }, { 0, { 0 } }, 1, "[] of []" },
		{ { 0, { 0 } }, { 2, { 0, 0 } }, 1,
		    "[] of [0,0]: intersect is [0,0], equal to []" },
		{ { 1, { 0 } }, { 3, { 1, 2, 3 } }, 1,
		    "[0] is not empty, so it is a subset" },
		{ { 1, { 8 } }, { 1, { 7 } }, 0, "bit 3 missing from b" },
		{ { 2, { 0, 1 } }, { 1, { 0 } }, 0,
		    "bit in a word b does not have" },
		{ { 2, { 1, 0 } }, { 1, { 1 } }, 1,
		    "trailing zero word in a" },
		{ { 1, { 1 } }, { 2, { 1, 0 } }, 1,
		    "trailing zero word in b" },
		{ { 1, { 5 } }, { 1, { 5 } }, 1, "a set of itself" },
		{ { 2, { 7, 7 } }, { 2, { 7, 6 } }, 0,
		    "one bit missing in the second word" },
	};

	run_pred("is_subset", fs_is_subset, cases, NELEM(cases));
}

static void
test_is_strict_subset(void)
{
	static const struct pred_case cases[] = {
		{ { 1, { 5 } }, { 1, { 7 } }, 1, "fewer bits" },
		{ { 1, { 7 } }, { 1, { 7 } }, 0, "equal is not strict" },
		{ { 2, { 7, 0 } }, { 1, { 7 } }, 0,
		    "equal after zero extension is not strict" },
		{ { 1, { 7 } }, { 2, { 7, 0 } }, 0,
		    "equal after zero extension is not strict, other side" },
		{ { 1, { 7 } }, { 2, { 7, 1 } }, 1,
		    "b has a bit in a longer word" },
		{ { 1, { 8 } }, { 1, { 7 } }, 0, "not a subset" },
		{ { 0, { 0 } }, { 1, { 1 } }, 0,
		    "[] is not a subset at all" },
		{ { 1, { 7 } }, { 1, { 5 } }, 0, "superset" },
	};

	run_pred("is_strict_subset", fs_is_strict_subset, cases,
	    NELEM(cases));
}

static void
test_bits(void)
{
	static const uint32_t w[2] = { 0x80000001, 0x00000004 };
	static const struct {
		unsigned int	bit;
		int		want;
	} cases[] = {
		{ 0, 1 }, { 1, 0 }, { 31, 1 }, { 32, 0 }, { 34, 1 },
		{ 35, 0 }, { 63, 0 }, { 64, 0 }, { 65, 0 },
		{ FS_MAX_WORDS * 32 - 1, 0 },
	};
	struct featureset fs, empty;
	char msg[128];
	size_t i;

	fs_from_words(&fs, w, 2);
	for (i = 0; i < NELEM(cases); i++) {
		snprintf(msg, sizeof(msg), "fs_test_bit([0x80000001,0x4], %u) "
		    "is %d", cases[i].bit, cases[i].want);
		is_int(fs_test_bit(&fs, cases[i].bit), cases[i].want, msg);
	}
	is_int(fs_word(&fs, 0), 0x80000001, "fs_word 0");
	is_int(fs_word(&fs, 1), 4, "fs_word 1");
	is_int(fs_word(&fs, 2), 0, "fs_word beyond len is 0");
	/* Stale words past len must not show through. */
	fs.w[2] = 0xffffffff;
	is_int(fs_word(&fs, 2), 0, "fs_word ignores storage past len");
	is_int(fs_test_bit(&fs, 64), 0, "fs_test_bit ignores storage past len");

	fs_clear(&empty);
	is_int(empty.len, 0, "fs_clear gives the empty set");
	is_int(fs_word(&empty, 0), 0, "fs_word of [] is 0");
	is_int(fs_test_bit(&empty, 0), 0, "fs_test_bit of [] is 0");

	ok(fs_is_zero(&empty), "fs_is_zero([])");
	fs_from_words(&fs, (const uint32_t[]){ 0, 0 }, 2);
	ok(fs_is_zero(&fs), "fs_is_zero([0,0])");
	fs_from_words(&fs, (const uint32_t[]){ 0, 0x10 }, 2);
	ok(!fs_is_zero(&fs), "!fs_is_zero([0,0x10])");
}

int
main(void)
{
	test_format();
	test_parse_ok();
	test_parse_bad();
	test_parse_max_words();
	test_round_trip();
	test_intersect();
	test_union();
	test_diff();
	test_is_equal();
	test_is_subset();
	test_is_strict_subset();
	test_bits();
	return done_testing();
}
