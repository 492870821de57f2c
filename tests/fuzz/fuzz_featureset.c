/*
 * Featuresets (lib/featureset.c, lib/combine.c): any bytes, cut at '\n'
 * into up to three texts, parsed as xapi's form.  Oracles: an error
 * message is UTF-8; the canonical text parses back to the same set and
 * is its own canonical form; the algebra's laws hold (for non-empty sets:
 * the empty set is intersect's identity, as in xapi, which bends the
 * laws of a lattice there); Xen's combine is commutative and the pool
 * fold treats an empty member as the identity.
 */
#include "combine.h"
#include "compat.h"
#include "featureset.h"
#include "fuzz.h"

#define MAXSETS	3

static void
check_canonical(const struct featureset *fs)
{
	char text[FS_STRING_MAX], again[FS_STRING_MAX], why[256];
	struct featureset back;
	unsigned int bit;

	fs_format(fs, text);
	FUZZ_CHECK(fs_parse(text, &back, why, sizeof(why)) == 0, "%s", why);
	FUZZ_CHECK(back.len == fs->len && fs_is_equal(&back, fs), "%s", text);
	fs_format(&back, again);
	FUZZ_CHECK(strcmp(text, again) == 0, "%s / %s", text, again);
	for (bit = 0; bit < fs->len * 32; bit++)
		FUZZ_CHECK(fs_test_bit(fs, bit) ==
		    !!(fs->w[bit / 32] & (1u << (bit % 32))), "bit %u", bit);
}

static int
same(const struct featureset *a, const struct featureset *b)
{
	return fs_is_equal(a, b);
}

static void
check_two(const struct featureset *a, const struct featureset *b)
{
	struct featureset x, y, u, d, m, e;
	int compatible;

	fs_intersect(a, b, &x);
	fs_intersect(b, a, &y);
	FUZZ_CHECK(same(&x, &y), "intersect commutes");
	fs_union(a, b, &u);
	fs_union(b, a, &y);
	FUZZ_CHECK(same(&u, &y), "union commutes");
	fs_combine(a, b, &x);
	fs_combine(b, a, &y);
	FUZZ_CHECK(same(&x, &y) && x.len == y.len, "combine commutes");
	FUZZ_CHECK(x.len == (a->len > b->len ? a->len : b->len),
	    "combine's length");
	fs_diff(a, b, &d);
	fs_intersect(&d, b, &y);
	FUZZ_CHECK(b->len == 0 || d.len == 0 || fs_is_zero(&y),
	    "a diff b shares no bit with b");
	compatible = fs_compatible(a, b, &m);
	FUZZ_CHECK(compatible == fs_is_zero(&m), "compatible iff none missing");
	FUZZ_CHECK(same(&m, &d), "missing is a diff b");
	if (a->len == 0 || b->len == 0) {
		/* The pool fold: an empty member changes nothing. */
		fs_clear(&e);
		level_merge(&e, a);
		level_merge(&e, b);
		FUZZ_CHECK(same(&e, a->len ? a : b), "empty is the identity");
		return;
	}
	fs_intersect(a, b, &x);
	FUZZ_CHECK(fs_is_subset(&x, a) && fs_is_subset(&x, b), "a.b <= a, b");
	FUZZ_CHECK(fs_is_subset(a, &u) && fs_is_subset(b, &u), "a, b <= a+b");
	FUZZ_CHECK(fs_is_subset(a, b) == fs_is_zero(&d),
	    "a <= b iff a diff b is empty");
	FUZZ_CHECK(fs_is_subset(a, b) == compatible,
	    "compatible iff subset, zero-extended");
	FUZZ_CHECK(fs_is_strict_subset(a, b) ==
	    (fs_is_subset(a, b) && !fs_is_subset(b, a)), "strict subset");
	fs_combine(a, a, &x);
	fs_combine(&x, &x, &y);
	FUZZ_CHECK(same(&x, &y), "combine is idempotent on its results");
}

static void
check_three(const struct featureset *a, const struct featureset *b,
    const struct featureset *c)
{
	struct featureset ab, bc, l, r;

	if (a->len == 0 || b->len == 0 || c->len == 0)
		return;
	fs_intersect(a, b, &ab);
	fs_intersect(b, c, &bc);
	fs_intersect(&ab, c, &l);
	fs_intersect(a, &bc, &r);
	FUZZ_CHECK(same(&l, &r), "intersect associates");
	fs_union(a, b, &ab);
	fs_union(b, c, &bc);
	fs_union(&ab, c, &l);
	fs_union(a, &bc, &r);
	FUZZ_CHECK(same(&l, &r), "union associates");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct featureset fs[MAXSETS];
	char text[FS_STRING_MAX + 64], why[256];
	size_t start = 0, end, n = 0, i, j;

	while (n < MAXSETS && start <= size) {
		for (end = start; end < size && data[end] != '\n'; end++)
			;
		if (end - start >= sizeof(text))
			return 0;
		memcpy(text, data + start, end - start);
		text[end - start] = '\0';
		why[0] = '\0';
		if (fs_parse(text, &fs[n], why, sizeof(why)) == -1) {
			/* What the peer sent is UTF-8 (the codec sees to
			 * it): so is the message naming it. */
			FUZZ_CHECK(why[0] != '\0', "no error message");
			FUZZ_CHECK(!fuzz_utf8(text, strlen(text)) ||
			    fuzz_utf8(why, strlen(why)), "%s", why);
			return 0;
		}
		check_canonical(&fs[n++]);
		start = end + 1;
	}
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			check_two(&fs[i], &fs[j]);
	if (n == MAXSETS)
		check_three(&fs[0], &fs[1], &fs[2]);
	return 0;
}
