/*
 * The x86-64 microarchitecture levels as data: each row a feature the
 * psABI lists for a level, with the name Xen's cpufeatureset.h gives its
 * bit.  The source is the System V AMD64 psABI (gitlab.com/x86-psABIs/
 * x86-64-ABI), section 3.1.1, Table 3.1 "Micro-Architecture Levels";
 * glibc's and GCC's -march=x86-64-vN check the same lists.
 *
 * Where the psABI names something that is not a CPUID bit, the row
 * names the bit Xen offers instead, and says why:
 *
 * - OSFXSR (v1) is CR4.OSFXSR, which the guest's kernel sets; what the
 *   CPU must offer for it is FXSR, already a v1 row.
 * - SCE (v1) is EFER.SCE, which the kernel sets to enable SYSCALL; the
 *   CPUID bit is SYSCALL (leaf 0x80000001 EDX 11).
 * - OSXSAVE (v3) is CR4.OSXSAVE mirrored into CPUID by the CPU.  Xen's
 *   header has an OSXSAVE bit but marks it '!' without 'A': it is
 *   computed from the guest's CR4 and is never in a featureset xapi
 *   sees.  A guest kernel can turn it on exactly when XSAVE is offered,
 *   so the row is XSAVE.  (Mapping it to Xen's OSXSAVE bit would put
 *   v3 out of every host's reach.)
 * - LZCNT (v3) is Xen's ABM (AMD's name for the same CPUID bit, leaf
 *   0x80000001 ECX 5, LZCNT on Intel).
 * - LAHF-SAHF (v2) is Xen's LAHF_LM, CMPXCHG16B is CX16.
 * - The psABI lists no long-mode bit, since every level is x86-64; the
 *   v1 row LM says so in featureset terms, so that a 32-bit-only set
 *   reaches no level.
 */
#include <stddef.h>
#include <string.h>

#include "featurenames.h"
#include "levels.h"

static const struct level_row {
	int		 level;
	const char	*xen;		/* Xen's name of the bit */
	const char	*psabi;		/* the psABI's, where it differs */
} level_rows[] = {
	{ 1, "CMOV",		NULL },
	{ 1, "CX8",		"CMPXCHG8B" },
	{ 1, "FPU",		NULL },
	{ 1, "FXSR",		"FXSR, OSFXSR" },
	{ 1, "MMX",		NULL },
	{ 1, "SYSCALL",		"SCE" },
	{ 1, "SSE",		NULL },
	{ 1, "SSE2",		NULL },
	{ 1, "LM",		"x86-64" },
	{ 2, "CX16",		"CMPXCHG16B" },
	{ 2, "LAHF_LM",		"LAHF-SAHF" },
	{ 2, "POPCNT",		NULL },
	{ 2, "SSE3",		NULL },
	{ 2, "SSE4_1",		NULL },
	{ 2, "SSE4_2",		NULL },
	{ 2, "SSSE3",		NULL },
	{ 3, "AVX",		NULL },
	{ 3, "AVX2",		NULL },
	{ 3, "BMI1",		NULL },
	{ 3, "BMI2",		NULL },
	{ 3, "F16C",		NULL },
	{ 3, "FMA",		NULL },
	{ 3, "ABM",		"LZCNT" },
	{ 3, "MOVBE",		NULL },
	{ 3, "XSAVE",		"OSXSAVE" },
	{ 4, "AVX512F",		NULL },
	{ 4, "AVX512BW",	NULL },
	{ 4, "AVX512CD",	NULL },
	{ 4, "AVX512DQ",	NULL },
	{ 4, "AVX512VL",	NULL },
};
#define NROWS	(sizeof(level_rows) / sizeof(level_rows[0]))

static const char *const level_names[X86_LEVEL_MAX + 1] = {
	NULL, "x86-64-v1", "x86-64-v2", "x86-64-v3", "x86-64-v4"
};

/*
 * The sets, built on first use: 0 not yet, 1 built, -1 a row's bit is
 * not in the header.  The daemons are single-threaded.
 */
static struct {
	int			 state;
	struct featureset	 set[X86_LEVEL_MAX + 1];
	unsigned int		 index[NROWS];
} built;

const char *
x86_level_name(int level)
{
	return level >= 1 && level <= X86_LEVEL_MAX ? level_names[level] :
	    NULL;
}

int
x86_level_by_name(const char *name)
{
	int i;

	for (i = 1; i <= X86_LEVEL_MAX; i++)
		if (strcmp(level_names[i], name) == 0)
			return i;
	return 0;
}

/* Xen's name to its bit: featurenames.c looks up xen-cpuid's names. */
static int
xen_bit(const char *xen, unsigned int *index)
{
	size_t i;

	for (i = 0; i < feature_table_len; i++)
		if (strcmp(feature_table[i].xen_name, xen) == 0) {
			*index = feature_table[i].index;
			return 0;
		}
	return -1;
}

static void
add_bit(struct featureset *fs, unsigned int index)
{
	while (fs->len <= index / 32)
		fs->w[fs->len++] = 0;
	fs->w[index / 32] |= 1u << (index % 32);
}

/* Each level's own rows into its set, then each takes its predecessor's. */
static int
build(void)
{
	size_t i;
	int l;

	if (built.state != 0)
		return built.state;
	for (l = 0; l <= X86_LEVEL_MAX; l++)
		fs_clear(&built.set[l]);
	for (i = 0; i < NROWS; i++) {
		if (xen_bit(level_rows[i].xen, &built.index[i]) == -1)
			return built.state = -1;
		add_bit(&built.set[level_rows[i].level], built.index[i]);
	}
	for (l = 2; l <= X86_LEVEL_MAX; l++)
		fs_union(&built.set[l], &built.set[l - 1], &built.set[l]);
	return built.state = 1;
}

int
x86_level_set(int level, struct featureset *out)
{
	fs_clear(out);
	if (level < 1 || level > X86_LEVEL_MAX || build() == -1)
		return -1;
	*out = built.set[level];
	return 0;
}

/*
 * Not fs_is_subset(): that follows xapi, for which the empty set is the
 * identity of intersect, and an empty set would reach every level.
 */
int
x86_level_of(const struct featureset *fs)
{
	struct featureset lack;
	int l;

	if (build() == -1)
		return 0;
	for (l = 1; l <= X86_LEVEL_MAX; l++) {
		fs_diff(&built.set[l], fs, &lack);
		if (!fs_is_zero(&lack))
			break;
	}
	return l - 1;
}

void
x86_level_missing(const struct featureset *fs, int level,
    struct featureset *missing)
{
	struct featureset want;

	if (x86_level_set(level, &want) == -1) {
		fs_clear(missing);
		return;
	}
	fs_diff(&want, fs, missing);
}

const char *
x86_level_psabi_name(unsigned int index)
{
	size_t i;

	if (build() == -1)
		return NULL;
	for (i = 0; i < NROWS; i++)
		if (built.index[i] == index)
			return level_rows[i].psabi;
	return NULL;
}
