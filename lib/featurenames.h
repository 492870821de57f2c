/*
 * Names and attributes of featureset bits, generated at build time from
 * the Xen public header the build was pointed at (gen_featurenames.py).
 */
#ifndef CPULEVEL_FEATURENAMES_H
#define CPULEVEL_FEATURENAMES_H

#include <stddef.h>

#include "featureset.h"

/* Attribute characters of cpufeatureset.h, as flags. */
enum feature_flag {
	FEAT_SPECIAL		= 1 << 0,	/* '!' Xen may override it */
	FEAT_ACCUMULATE		= 1 << 1,	/* '|' OR across a pool, not AND */
	FEAT_PV_DEFAULT		= 1 << 2,	/* 'A' */
	FEAT_PV_MAX		= 1 << 3,	/* 'a' */
	FEAT_HVM_SHADOW_DEFAULT	= 1 << 4,	/* 'A' 'S' */
	FEAT_HVM_SHADOW_MAX	= 1 << 5,	/* 'a' 's' */
	FEAT_HVM_HAP_DEFAULT	= 1 << 6,	/* 'A' 'S' 'H' */
	FEAT_HVM_HAP_MAX	= 1 << 7	/* 'a' 's' 'h' */
};

struct feature_desc {
	const char	*name;		/* as xen-cpuid prints it: "sse4-1" */
	const char	*xen_name;	/* as the header spells it: "SSE4_1" */
	unsigned int	 index;		/* word * 32 + bit */
	const char	*attrs;		/* the header's attribute characters */
	unsigned int	 flags;		/* enum feature_flag */
};

enum word_kind { WORD_UNKNOWN, WORD_CPUID, WORD_MSR };
enum word_reg { REG_EAX, REG_EBX, REG_ECX, REG_EDX };

/* Where each featureset word is read from, per the header's comments. */
struct word_source {
	enum word_kind	kind;
	unsigned int	leaf;		/* CPUID leaf or MSR index */
	int		subleaf;	/* -1: the leaf has none */
	enum word_reg	reg;
};

/* Sorted by index. */
extern const struct feature_desc feature_table[];
extern const size_t feature_table_len;
extern const struct word_source word_sources[];
/* The number of words the header knows, not what a running Xen reports. */
extern const size_t featureset_nr_words;

/* Xen's deep dependencies (gen-cpuid.py): when the feature `index` is absent, every bit of `mask` must be absent too. */
struct feature_deep_dep {
	unsigned int	index;
	uint32_t	mask[FS_MAX_WORDS];
};
extern const struct feature_deep_dep feature_deep_deps[];
extern const size_t feature_deep_deps_len;
/* The Xen version the dependency table was built for, "4.17" say. */
extern const char feature_deps_xen_version[];

const struct feature_desc *feature_by_index(unsigned int index);
const struct feature_desc *feature_by_name(const char *name);
/* Name of a bit, or "wNbM" for a bit the header does not name. */
const char *feature_name(unsigned int index, char buf[16]);
/*
 * Call fn for every set bit of fs in index order; stops early and returns
 * fn's value when it is non-zero.
 */
int	 feature_foreach(const struct featureset *fs,
	    int (*fn)(unsigned int index, const char *name, void *arg),
	    void *arg);
/* Set bits of fs as names joined by sep into buf; -1 if it did not fit. */
int	 feature_names_join(const struct featureset *fs, const char *sep,
	    char *buf, size_t len);

struct json_object;
/* Set bits of fs as a JSON array of names. */
struct json_object *feature_names_json(const struct featureset *fs);

#endif
