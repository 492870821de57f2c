/*
 * The tests' featureset words: sets written as text in a test and shown
 * in its labels, bits set one at a time, and a set cut down to the bits
 * the header gives some flags, as Xen offers a CPU's features to guests.
 * One copy for the unit tests and models.h, on the featureset library
 * (tests/meson.build: dep_fs_helpers).
 */
#ifndef CPULEVEL_FS_HELPERS_H
#define CPULEVEL_FS_HELPERS_H

#include "featureset.h"

/* The set s spells: the test's own data, so "Bail out!" if it is wrong. */
struct featureset fs(const char *s);
/* f in canonical form; eight can be alive at once. */
const char	*fmt(const struct featureset *f);

/* Bit index on (the set grown to hold it), or off (if it has it). */
void		 set_bit(struct featureset *f, unsigned int index);
void		 clear_bit(struct featureset *f, unsigned int index);
/* Only the bits of in that the header gives one of flags. */
void		 mask_flags(const struct featureset *in, unsigned int flags,
		    struct featureset *out);

#endif
