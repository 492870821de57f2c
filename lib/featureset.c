/*
 * Featureset arithmetic with xapi's semantics.  Two rules surprise people
 * and both are deliberate, because a running pool's stored data depends on
 * them:
 *
 *  - the empty featureset is the identity of intersection, not the empty
 *    set: a host with no recorded features must not level the pool to
 *    nothing;
 *  - comparisons zero-extend the shorter operand, so sets written by
 *    older Xen releases (fewer words) compare with newer ones.
 */
#include <stdio.h>
#include <string.h>

#include "featureset.h"
#include "jsonutil.h"

static size_t
max_len(const struct featureset *a, const struct featureset *b)
{
	return a->len > b->len ? a->len : b->len;
}

void
fs_clear(struct featureset *fs)
{
	memset(fs, 0, sizeof(*fs));
}

int
fs_from_words(struct featureset *fs, const uint32_t *w, size_t n)
{
	if (n > FS_MAX_WORDS)
		return -1;
	fs_clear(fs);
	memcpy(fs->w, w, n * sizeof(*w));
	fs->len = n;
	return 0;
}

uint32_t
fs_word(const struct featureset *fs, size_t i)
{
	return i < fs->len ? fs->w[i] : 0;
}

int
fs_test_bit(const struct featureset *fs, unsigned int bit)
{
	return (fs_word(fs, bit / 32) >> (bit % 32)) & 1;
}

/* Hex digit values, -1 for anything else: the hot loop of fs_parse. */
static const signed char hex_digit[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6,
	['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* The table stores value + 1 so that its zero default means "not hex". */
static int
hexval(char c)
{
	return hex_digit[(unsigned char)c] - 1;
}

/*
 * One word is [0-9A-Fa-f][0-9A-Fa-f_]{0,7}: what OCaml's Scanf "%8lx%!"
 * accepts in xapi.  The underscore is a digit separator there, so it is
 * skipped but still counts towards the width of 8.  One pass over the
 * text: migcheck parses two sets for every question it answers.
 */
int
fs_parse(const char *s, struct featureset *out, char *err, size_t errlen)
{
	const char *p = s;
	uint32_t v;
	int d, n;

	out->len = 0;
	if (*p == '\0')
		return 0;
	for (;;) {
		if (out->len == FS_MAX_WORDS) {
			snprintf(err, errlen, "invalid featureset '%s': more "
			    "than %d words", s, FS_MAX_WORDS);
			goto fail;
		}
		if (hexval(*p) < 0)
			goto bad;
		for (v = 0, n = 0; *p != '-' && *p != '\0'; p++, n++) {
			if (n == 8)
				goto bad;
			if (*p == '_')
				continue;
			if ((d = hexval(*p)) < 0)
				goto bad;
			v = (v << 4) | (uint32_t)d;
		}
		out->w[out->len++] = v;
		if (*p == '\0')
			break;
		p++;
	}
	/* Words past len are zero, as fs_word() and the comparisons expect. */
	memset(&out->w[out->len], 0,
	    (FS_MAX_WORDS - out->len) * sizeof(out->w[0]));
	return 0;
bad:
	snprintf(err, errlen, "invalid featureset '%s': expected words of 1 "
	    "to 8 hex digits joined by '-'", s);
fail:
	/* The message names a peer's text: cut, if it was, on a character. */
	if (errlen > 0)
		err[utf8_cut(err, errlen - 1)] = '\0';
	fs_clear(out);
	return -1;
}

/*
 * By hand rather than sprintf("%08x"): featured formats a set for every
 * one it stores, and sprintf was an eighth of what a VM.start cost.
 */
void
fs_format(const struct featureset *fs, char buf[FS_STRING_MAX])
{
	static const char hex[] = "0123456789abcdef";
	size_t i;
	char *p = buf;
	int shift;

	for (i = 0; i < fs->len; i++) {
		if (i)
			*p++ = '-';
		for (shift = 28; shift >= 0; shift -= 4)
			*p++ = hex[(fs->w[i] >> shift) & 0xf];
	}
	*p = '\0';
}

enum fs_op { FS_AND, FS_OR, FS_AND_NOT };

/*
 * a op b a word at a time, as long as the longer (the shorter read as
 * zeros past its end); out may be a or b.  Each caller names a constant
 * op, so the compiler folds the switch.
 */
static inline void
fs_wordwise(const struct featureset *a, const struct featureset *b,
    enum fs_op op, struct featureset *out)
{
	struct featureset r;
	uint32_t x, y;
	size_t i;

	fs_clear(&r);
	r.len = max_len(a, b);
	for (i = 0; i < r.len; i++) {
		x = fs_word(a, i);
		y = fs_word(b, i);
		switch (op) {
		case FS_AND:
			r.w[i] = x & y;
			break;
		case FS_OR:
			r.w[i] = x | y;
			break;
		case FS_AND_NOT:
			r.w[i] = x & ~y;
			break;
		}
	}
	*out = r;
}

void
fs_intersect(const struct featureset *a, const struct featureset *b,
    struct featureset *out)
{
	if (a->len == 0) {
		*out = *b;
		return;
	}
	if (b->len == 0) {
		*out = *a;
		return;
	}
	fs_wordwise(a, b, FS_AND, out);
}

void
fs_union(const struct featureset *a, const struct featureset *b,
    struct featureset *out)
{
	fs_wordwise(a, b, FS_OR, out);
}

void
fs_diff(const struct featureset *a, const struct featureset *b,
    struct featureset *out)
{
	fs_wordwise(a, b, FS_AND_NOT, out);
}

int
fs_is_equal(const struct featureset *a, const struct featureset *b)
{
	size_t i, n = max_len(a, b);

	for (i = 0; i < n; i++)
		if (fs_word(a, i) != fs_word(b, i))
			return 0;
	return 1;
}

int
fs_is_subset(const struct featureset *a, const struct featureset *b)
{
	struct featureset i;

	fs_intersect(a, b, &i);
	return fs_is_equal(&i, a);
}

int
fs_is_strict_subset(const struct featureset *a, const struct featureset *b)
{
	return fs_is_subset(a, b) && !fs_is_equal(a, b);
}

int
fs_is_zero(const struct featureset *fs)
{
	size_t i;

	for (i = 0; i < fs->len; i++)
		if (fs->w[i])
			return 0;
	return 1;
}

unsigned int
fs_count(const struct featureset *fs)
{
	unsigned int n = 0;
	size_t i;

	for (i = 0; i < fs->len; i++)
		n += (unsigned int)__builtin_popcount(fs->w[i]);
	return n;
}
