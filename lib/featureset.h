/*
 * Featuresets: arrays of 32-bit CPUID words in Xen's layout, with the
 * semantics xapi gives them (Cpuid_helpers).  Word 0 is leaf 1 EDX, word 1
 * leaf 1 ECX, and so on; names of the bits come from featurenames.h.
 */
#ifndef CPULEVEL_FEATURESET_H
#define CPULEVEL_FEATURESET_H

#include <stddef.h>
#include <stdint.h>

/*
 * Xen 4.17 has 19 words and grows by one or two a release.  64 leaves
 * room for a decade of growth while keeping a featureset a plain value
 * that can live on the stack, and bounds what a peer can make us parse.
 */
#define FS_MAX_WORDS	64
/* 8 hex digits and a '-' per word, the last '-' becomes the NUL. */
#define FS_STRING_MAX	(FS_MAX_WORDS * 9)

struct featureset {
	size_t		len;
	uint32_t	w[FS_MAX_WORDS];
};

/*
 * Parse XAPI's textual form.  On error returns -1 and writes a one-line
 * message naming the whole input into err.
 */
int	fs_parse(const char *s, struct featureset *out, char *err, size_t errlen);
/* Canonical text: lower-case, 8 digits a word, '-' between; "" for []. */
void	fs_format(const struct featureset *fs, char buf[FS_STRING_MAX]);

void	fs_clear(struct featureset *fs);
int	fs_from_words(struct featureset *fs, const uint32_t *w, size_t n);
uint32_t fs_word(const struct featureset *fs, size_t i);
int	fs_test_bit(const struct featureset *fs, unsigned int bit);

/* The empty featureset is the identity of intersect, as in xapi. */
void	fs_intersect(const struct featureset *a, const struct featureset *b,
	    struct featureset *out);
void	fs_union(const struct featureset *a, const struct featureset *b,
	    struct featureset *out);
/* Bits of a that are missing from b, zero-extended to the longer length. */
void	fs_diff(const struct featureset *a, const struct featureset *b,
	    struct featureset *out);
int	fs_is_equal(const struct featureset *a, const struct featureset *b);
int	fs_is_subset(const struct featureset *a, const struct featureset *b);
int	fs_is_strict_subset(const struct featureset *a,
	    const struct featureset *b);
int	fs_is_zero(const struct featureset *fs);
/* How many features (bits) fs has. */
unsigned int fs_count(const struct featureset *fs);

#endif
