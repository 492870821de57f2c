/*
 * The tests' featureset words (fs_helpers.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "featurenames.h"
#include "featureset.h"
#include "fs_helpers.h"

struct featureset
fs(const char *s)
{
	struct featureset f;
	char err[256];

	if (fs_parse(s, &f, err, sizeof(err)) == -1) {
		printf("Bail out! test data: %s\n", err);
		exit(2);
	}
	return f;
}

const char *
fmt(const struct featureset *f)
{
	static char buf[8][FS_STRING_MAX];
	static int i;

	i = (i + 1) % 8;
	/* A test may show a set it broke on purpose. */
	if (f->len > FS_MAX_WORDS)
		return "(len out of range)";
	fs_format(f, buf[i]);
	return buf[i];
}

void
set_bit(struct featureset *f, unsigned int index)
{
	size_t w = index / 32;

	while (f->len <= w)
		f->w[f->len++] = 0;
	f->w[w] |= 1u << (index % 32);
}

void
clear_bit(struct featureset *f, unsigned int index)
{
	if (index / 32 < f->len)
		f->w[index / 32] &= ~(1u << (index % 32));
}

void
mask_flags(const struct featureset *in, unsigned int flags,
    struct featureset *out)
{
	const struct feature_desc *d;
	unsigned int i;

	fs_clear(out);
	out->len = in->len;
	for (i = 0; i < in->len * 32; i++)
		if (fs_test_bit(in, i) && (d = feature_by_index(i)) != NULL &&
		    (d->flags & flags))
			set_bit(out, i);
}
