/*
 * The CPUID backend: what the bare CPU says, in Xen's featureset layout.
 * Without Xen nobody narrows the CPU's features to what guests may have,
 * so every featureset key holds the same, larger, set; the probe_note key
 * says so to whoever reads the result.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "featurenames.h"
#include "probe.h"

#define PROC_CPUINFO	"/proc/cpuinfo"
#define CPUID_NOTE	"bare-metal CPUID sets, not Xen's guest featuresets: " \
			"Xen offers guests less"

#if defined(__i386__) || defined(__x86_64__)

#include <cpuid.h>

/* Every featureset key: without Xen they are all the CPU's own set. */
static const char *const fs_keys[] = {
	CI_FEATURES_RAW,
	CI_FEATURES,
	CI_FEATURES_PV,
	CI_FEATURES_HVM,
	CI_FEATURES_PV_HOST,
	CI_FEATURES_HVM_HOST,
};

/*
 * The first leaf of each CPUID range; its EAX is the range's last leaf.
 * Beyond it Intel CPUs answer with the last basic leaf's data rather than
 * zeros, so a leaf is only read when its range says it exists.
 */
static const uint32_t cpuid_ranges[] = { 0x00000000, 0x80000000 };

/*
 * Leaves whose subleaf 0 EAX is their last subleaf.  Of the featureset's
 * other subleaved words, 0xd:1 exists whenever leaf 0xd does.  Add leaves
 * like 0x14 or 0x18 here if Xen ever takes a word from their subleaves.
 */
static const uint32_t cpuid_subleaf_max_leaves[] = { 0x00000007 };

/* Registers indexed by enum word_reg. */
static void
cpuid_read(uint32_t leaf, uint32_t subleaf, uint32_t r[4])
{
	__cpuid_count(leaf, subleaf, r[REG_EAX], r[REG_EBX], r[REG_ECX],
	    r[REG_EDX]);
}

/* The last leaf of base's range, or 0 when the range is not implemented. */
static uint32_t
cpuid_range_max(uint32_t base)
{
	uint32_t r[4];

	cpuid_read(base, 0, r);
	/* Old CPUs return junk for 0x80000000; a real answer is in range. */
	return (r[REG_EAX] & 0xffff0000) == base ? r[REG_EAX] : 0;
}

static int
cpuid_leaf_exists(uint32_t leaf)
{
	size_t i;

	for (i = 0; i < sizeof(cpuid_ranges) / sizeof(cpuid_ranges[0]); i++)
		if ((leaf & 0xffff0000) == cpuid_ranges[i])
			return leaf <= cpuid_range_max(cpuid_ranges[i]);
	return 0;
}

static int
cpuid_subleaf_exists(uint32_t leaf, uint32_t subleaf)
{
	uint32_t r[4];
	size_t i;

	for (i = 0; i < sizeof(cpuid_subleaf_max_leaves) /
	    sizeof(cpuid_subleaf_max_leaves[0]); i++) {
		if (leaf != cpuid_subleaf_max_leaves[i])
			continue;
		cpuid_read(leaf, 0, r);
		return subleaf <= r[REG_EAX];
	}
	return 1;
}

/*
 * One featureset word.  MSR words (MSR_ARCH_CAPS) are 0: reading an MSR
 * from userspace needs root and the msr driver, and is not portable, so
 * this backend cannot know them.  Words the header does not place are 0
 * for the same reason.
 */
static uint32_t
cpuid_word(const struct word_source *src)
{
	uint32_t r[4], sub;

	if (src->kind != WORD_CPUID)
		return 0;
	sub = src->subleaf < 0 ? 0 : (uint32_t)src->subleaf;
	if (!cpuid_leaf_exists(src->leaf) ||
	    !cpuid_subleaf_exists(src->leaf, sub))
		return 0;
	cpuid_read(src->leaf, sub, r);
	return r[src->reg];
}

static void
cpuid_featureset(struct featureset *fs)
{
	uint32_t w[FS_MAX_WORDS];
	size_t i, n;

	n = featureset_nr_words < FS_MAX_WORDS ? featureset_nr_words :
	    FS_MAX_WORDS;
	for (i = 0; i < n; i++)
		w[i] = cpuid_word(&word_sources[i]);
	fs_from_words(fs, w, n);
}

/* "GenuineIntel": leaf 0 EBX, EDX, ECX, in that order. */
void
cpuid_vendor(char vendor[13])
{
	uint32_t r[4];

	cpuid_read(0, 0, r);
	memcpy(vendor, &r[REG_EBX], 4);
	memcpy(vendor + 4, &r[REG_EDX], 4);
	memcpy(vendor + 8, &r[REG_ECX], 4);
	vendor[12] = '\0';
}

/*
 * Leaf 1 EAX decoded as Linux decodes it for /proc/cpuinfo, so both
 * backends print the same numbers: the extended family only extends
 * family 0xf, and the extended model applies from family 6 up.
 */
static void
cpuid_signature(unsigned int *family, unsigned int *model,
    unsigned int *stepping)
{
	uint32_t r[4], sig;

	cpuid_read(1, 0, r);
	sig = r[REG_EAX];
	*family = (sig >> 8) & 0xf;
	if (*family == 0xf)
		*family += (sig >> 20) & 0xff;
	*model = (sig >> 4) & 0xf;
	if (*family >= 6)
		*model += ((sig >> 16) & 0xf) << 4;
	*stepping = sig & 0xf;
}

/* The 48-byte brand string, trimmed; "" when the CPU has none. */
static void
cpuid_brand(char brand[49])
{
	uint32_t r[4], leaf;
	char *p, *end;

	brand[0] = '\0';
	if (!cpuid_leaf_exists(0x80000004))
		return;
	for (leaf = 0x80000002; leaf <= 0x80000004; leaf++) {
		cpuid_read(leaf, 0, r);
		memcpy(brand + (leaf - 0x80000002) * 16, r, 16);
	}
	brand[48] = '\0';
	/* Intel right-justifies the string with leading spaces. */
	for (p = brand; *p == ' '; p++)
		continue;
	memmove(brand, p, strlen(p) + 1);
	for (end = brand + strlen(brand); end > brand && end[-1] == ' '; end--)
		continue;
	*end = '\0';
}

/*
 * The keys CPUID knows; they win over /proc/cpuinfo's, but for the model
 * name: xapi takes that from /proc/cpuinfo, and a hypervisor may show a
 * brand string other than the one the kernel read at boot (seen on a VM
 * whose CPUID said "Virtual ... Processor" where Linux said "AMD EPYC").
 */
static int
cpuid_describe(struct cpuinfo *out)
{
	unsigned int family, model, stepping;
	char vendor[13], brand[49];

	cpuid_vendor(vendor);
	cpuid_signature(&family, &model, &stepping);
	cpuid_brand(brand);
	if (cpuinfo_set(out, CI_VENDOR, vendor) == -1 ||
	    cpuinfo_setf(out, CI_FAMILY, "%u", family) == -1 ||
	    cpuinfo_setf(out, CI_MODEL, "%u", model) == -1 ||
	    cpuinfo_setf(out, CI_STEPPING, "%u", stepping) == -1)
		return -1;
	if (brand[0] != '\0' && cpuinfo_get(out, CI_MODELNAME) == NULL &&
	    cpuinfo_set(out, CI_MODELNAME, brand) == -1)
		return -1;
	return 0;
}

/* Counts /proc/cpuinfo did not give: what the C library knows. */
static int
cpuid_counts(struct cpuinfo *out)
{
	long n;

	if (cpuinfo_get(out, CI_CPU_COUNT) == NULL) {
		if ((n = sysconf(_SC_NPROCESSORS_ONLN)) < 1)
			n = 1;
		if (cpuinfo_setf(out, CI_CPU_COUNT, "%ld", n) == -1)
			return -1;
	}
	if (cpuinfo_get(out, CI_SOCKET_COUNT) == NULL &&
	    cpuinfo_set(out, CI_SOCKET_COUNT, "1") == -1)
		return -1;
	return 0;
}

static int
cpuid_store(struct cpuinfo *out)
{
	struct featureset fs;
	size_t i;

	if (cpuid_describe(out) == -1 || cpuid_counts(out) == -1)
		return -1;
	cpuid_featureset(&fs);
	for (i = 0; i < sizeof(fs_keys) / sizeof(fs_keys[0]); i++)
		if (cpuinfo_set_fs(out, fs_keys[i], &fs) == -1)
			return -1;
	if (cpuinfo_set(out, CI_PROBE, "cpuid") == -1 ||
	    cpuinfo_set(out, CI_PROBE_NOTE, CPUID_NOTE) == -1)
		return -1;
	return 0;
}

int
probe_cpuid(struct cpuinfo *out, char *err, size_t errlen)
{
	cpuinfo_init(out);
	/* 0 also when there is no CPUID instruction at all (i386). */
	if (__get_cpuid_max(0, NULL) < 1) {
		snprintf(err, errlen, "cpuid probe: this CPU has no CPUID "
		    "leaf 1");
		return PROBE_UNAVAILABLE;
	}
	/* First, so that what CPUID says replaces what Linux printed. */
	if (procinfo_fill(PROC_CPUINFO, out) == -1) {
		snprintf(err, errlen, "cpuid probe: cannot read %s: %s",
		    PROC_CPUINFO, strerror(errno));
		cpuinfo_free(out);
		return PROBE_ERROR;
	}
	if (cpuid_store(out) == -1) {
		snprintf(err, errlen, "cpuid probe: cannot store cpu_info: "
		    "out of memory");
		cpuinfo_free(out);
		return PROBE_ERROR;
	}
	return PROBE_OK;
}

#else /* !x86 */

int
probe_cpuid(struct cpuinfo *out, char *err, size_t errlen)
{
	cpuinfo_init(out);
	snprintf(err, errlen, "cpuid probe: not an x86 CPU");
	return PROBE_UNAVAILABLE;
}

#endif
