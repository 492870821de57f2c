/*
 * The x86-64 psABI's microarchitecture levels, x86-64-v1 to x86-64-v4,
 * as featuresets in Xen's layout.  Each level is its predecessor's
 * features plus its own; a set reaches a level when it has every bit of
 * the level's set.  The levels are a table of Xen's bit names in
 * levels.c, made into featuresets with the feature table the build
 * generated from cpufeatureset.h.
 */
#ifndef CPULEVEL_LEVELS_H
#define CPULEVEL_LEVELS_H

#include "featureset.h"

/* Levels are numbered 1 to X86_LEVEL_MAX; 0 is "reaches none". */
#define X86_LEVEL_MAX	4
/* The longest name, "x86-64-v4", and its NUL. */
#define X86_LEVEL_NAME_MAX	10

/* "x86-64-vN" for 1 to X86_LEVEL_MAX, NULL for any other. */
const char	*x86_level_name(int level);
/* The level a name names ("x86-64-v3"), or 0 if it names none. */
int		 x86_level_by_name(const char *name);
/*
 * The featureset of a level, its predecessors' bits included: 0, or -1
 * when the level is out of range or the header the build used lacks one
 * of its bits (then out is cleared).
 */
int		 x86_level_set(int level, struct featureset *out);
/* The highest level fs reaches: 0 to X86_LEVEL_MAX. */
int		 x86_level_of(const struct featureset *fs);
/* The bits of level's set that fs lacks (empty when it reaches it). */
void		 x86_level_missing(const struct featureset *fs, int level,
		    struct featureset *missing);
/*
 * The psABI's name of a level's bit where Xen names it otherwise
 * ("LZCNT" for ABM), NULL where the names agree or the bit is no
 * level's.
 */
const char	*x86_level_psabi_name(unsigned int index);

#endif
