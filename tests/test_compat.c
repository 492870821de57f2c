/*
 * The levelling rules (lib/compat.c) and Xen's featureset algebra
 * (lib/combine.c), the project's own implementation of it: what a
 * libxenguest without XenServer's patch leaves us with.  test_platform.c
 * checks that the platform's functions are used where they exist.
 *
 * compat_judge() must follow xapi's order (cpuid_helpers.ml,
 * assert_vm_is_compatible): halted, then the host's keys, then the
 * vendor, then the features, then HVM.  Each case says which rule decides
 * it, numbered so, and what the VM would lose (missing) whatever decides.
 *
 * fs_combine() is xc_combine_cpu_featuresets: AND, '|' bits OR-ed, deep
 * dependencies cleared, then the RSBA/RRSBA rule.  Hand-built cases pin
 * each step; a last section combines every same-vendor pair of realistic
 * CPU models from the shared data against a reference written here from
 * independent sources (the header's text, xen-deep-deps.json).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json.h>

#include "combine.h"
#include "compat.h"
#include "featurenames.h"
#include "featureset.h"
#include "fs_helpers.h"
#include "rpc.h"
#include "tap.h"
#include "vmtypes.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* A featureset as long as this build's header has words. */
#define FULL		(-1)

#define INTEL		"GenuineIntel"
#define AMD		"AuthenticAMD"

static char label[512];

/* ---- helpers ------------------------------------------------------------ */

/* The names of f's bits, for a diagnostic or a label. */
static const char *
names(const struct featureset *f)
{
	static char buf[4][4096];
	static int i;

	i = (i + 1) % 4;
	if (f->len > FS_MAX_WORDS)
		return "(len out of range)";
	if (feature_names_join(f, " ", buf[i], sizeof(buf[i])) < 0)
		snprintf(buf[i], sizeof(buf[i]), "(too many to name)");
	return buf[i][0] ? buf[i] : "(none)";
}

/* Exact: length and words. */
static int
same(const struct featureset *a, const struct featureset *b)
{
	return a->len == b->len && a->len <= FS_MAX_WORDS &&
	    memcmp(a->w, b->w, a->len * sizeof(a->w[0])) == 0;
}

/* A feature's index by its xen-cpuid name; the data is wrong without. */
static unsigned int
feat(const char *name)
{
	const struct feature_desc *d = feature_by_name(name);

	if (d == NULL) {
		printf("Bail out! this build's header names no '%s'\n", name);
		exit(2);
	}
	return d->index;
}

static void
put_bit(struct featureset *f, unsigned int index, int on)
{
	uint32_t m = 1u << (index % 32);

	if (index / 32 >= f->len) {
		printf("Bail out! test data: bit %u past a %zu-word set\n",
		    index, f->len);
		exit(2);
	}
	f->w[index / 32] = on ? f->w[index / 32] | m : f->w[index / 32] & ~m;
}

/*
 * A set of len words (FULL: the header's count) with the features named,
 * space-separated, by their xen-cpuid names; names NULL: none.
 */
static struct featureset
mk(const char *list, int len)
{
	struct featureset f;
	char buf[1024], *tok, *save;

	fs_clear(&f);
	f.len = len == FULL ? featureset_nr_words : (size_t)len;
	if (list == NULL)
		return f;
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, " ", &save); tok != NULL;
	    tok = strtok_r(NULL, " ", &save))
		put_bit(&f, feat(tok), 1);
	return f;
}

/* The first bit the header marks '|' (FEAT_ACCUMULATE), or -1. */
static int
first_accumulate_bit(size_t *count)
{
	int first = -1;
	size_t i;

	*count = 0;
	for (i = 0; i < feature_table_len; i++) {
		if (!(feature_table[i].flags & FEAT_ACCUMULATE))
			continue;
		(*count)++;
		/* RSBA and RRSBA have a rule of their own. */
		if (first == -1 &&
		    feature_table[i].index != feat("rsba") &&
		    feature_table[i].index != feat("rrsba"))
			first = (int)feature_table[i].index;
	}
	return first;
}

/* ---- vmtypes: spellings, kinds and keys ---------------------------------- */

static void
test_power_states(void)
{
	static const struct {
		const char		*s;
		int			 rc;
		enum power_state	 want;
	} c[] = {
		{ "halted", 0, POWER_HALTED },
		{ "running", 0, POWER_RUNNING },
		{ "suspended", 0, POWER_SUSPENDED },
		/* XenAPI's capitalised spelling. */
		{ "Halted", 0, POWER_HALTED },
		{ "Running", 0, POWER_RUNNING },
		{ "Suspended", 0, POWER_SUSPENDED },
		/* xapi checks a paused VM exactly like a running one. */
		{ "paused", 0, POWER_RUNNING },
		{ "Paused", 0, POWER_RUNNING },
		{ "RUNNING", -1, 0 },
		{ "Running ", -1, 0 },
		{ "pause", -1, 0 },
		{ "", -1, 0 },
		{ NULL, -1, 0 },
	};
	enum power_state ps;
	size_t i;

	for (i = 0; i < NELEM(c); i++) {
		ps = (enum power_state)-1;
		snprintf(label, sizeof(label), "power_state_parse(%s%s%s) %s",
		    c[i].s ? "\"" : "", c[i].s ? c[i].s : "NULL",
		    c[i].s ? "\"" : "", c[i].rc == 0 ?
		    power_state_name(c[i].want) : "is rejected");
		ok(power_state_parse(c[i].s, &ps) == c[i].rc &&
		    (c[i].rc != 0 || ps == c[i].want), label);
	}
	/* The canonical names parse back to themselves. */
	for (ps = POWER_HALTED; ps <= POWER_SUSPENDED; ps++) {
		enum power_state back = (enum power_state)-1;

		snprintf(label, sizeof(label), "power_state_name(%d) "
		    "round-trips", (int)ps);
		ok(power_state_parse(power_state_name(ps), &back) == 0 &&
		    back == ps, label);
	}
}

static void
test_domain_types(void)
{
	static const struct {
		const char		*s;
		enum domain_type	 dt;
		int			 hvm;
		const char		*max;
		const char		*dflt;
	} d[] = {
		{ "pv", DOMAIN_PV, 0, "features_pv", "features_pv_host" },
		{ "hvm", DOMAIN_HVM, 1, "features_hvm", "features_hvm_host" },
		{ "pvh", DOMAIN_PVH, 1, "features_hvm", "features_hvm_host" },
		{ "pv_in_pvh", DOMAIN_PV_IN_PVH, 1, "features_hvm",
		    "features_hvm_host" },
	};
	static const char *const junk[] = {
		"PV", "HVM", "Hvm", "pv-in-pvh", "pvinpvh", "hvm ", " pv",
		"pvhx", "", "linux", NULL,
	};
	enum domain_type dt;
	size_t i;

	for (i = 0; i < NELEM(d); i++) {
		dt = (enum domain_type)-1;
		snprintf(label, sizeof(label), "domain_type_parse(\"%s\")",
		    d[i].s);
		ok(domain_type_parse(d[i].s, &dt) == 0 && dt == d[i].dt,
		    label);
		snprintf(label, sizeof(label), "domain_type_name(%s)", d[i].s);
		is_str(domain_type_name(d[i].dt), d[i].s, label);
		snprintf(label, sizeof(label), "domain_is_hvm(%s) is %d",
		    d[i].s, d[i].hvm);
		is_int(!!domain_is_hvm(d[i].dt), d[i].hvm, label);
		snprintf(label, sizeof(label), "domain_max_key(%s)", d[i].s);
		is_str(domain_max_key(d[i].dt), d[i].max, label);
		snprintf(label, sizeof(label), "domain_default_key(%s)",
		    d[i].s);
		is_str(domain_default_key(d[i].dt), d[i].dflt, label);
	}
	for (i = 0; i < NELEM(junk); i++) {
		snprintf(label, sizeof(label), "domain_type_parse(%s%s%s) is "
		    "rejected", junk[i] ? "\"" : "", junk[i] ? junk[i] : "NULL",
		    junk[i] ? "\"" : "");
		is_int(domain_type_parse(junk[i], &dt), -1, label);
	}
}

/* ---- compat_judge ------------------------------------------------------- */

static const char *const codes[] = {
	[COMPAT_OK] = "COMPAT_OK", [COMPAT_VENDOR] = "COMPAT_VENDOR",
	[COMPAT_FEATURES] = "COMPAT_FEATURES",
	[COMPAT_NO_KEYS] = "COMPAT_NO_KEYS",
	[COMPAT_HVM_REQUIRED] = "COMPAT_HVM_REQUIRED",
};

static const char *
cname(int c)
{
	return c >= 0 && (size_t)c < NELEM(codes) ? codes[c] : "?";
}

/*
 * One VM on one host.  NULL vm_fs: the VM's flags have no features; NULL
 * host_pv/host_hvm: cpu_info has no such key; NULL vendors: none.
 * missing: what the VM would lose there (NULL: nothing), zero-extended.
 * The rule numbers: 0 halted, 1 keys, 2 vendor, 3 features, 4 HVM.
 */
static const struct judge_case {
	const char		*name;
	const char		*power;
	const char		*domain;
	const char		*vm_vendor;
	const char		*vm_fs;
	const char		*host_vendor;
	int			 hvm_capable;
	const char		*host_pv;
	const char		*host_hvm;
	enum compat_code	 want;
	const char		*missing;
} judge_cases[] = {
	/* Rule 0: a halted VM is always compatible, and loses nothing. */
	{ "0: halted, vendor mismatch and missing features", "halted", "hvm",
	    INTEL, "ffffffff", AMD, 1, "1", "1", COMPAT_OK, NULL },
	{ "0: halted, host without keys", "Halted", "pv", INTEL, "1", INTEL,
	    1, NULL, NULL, COMPAT_OK, NULL },
	{ "0: halted, host without vendor", "halted", "pv", INTEL, "1", NULL,
	    1, "1", "1", COMPAT_OK, NULL },
	{ "0: halted HVM VM, host not HVM capable", "halted", "hvm", INTEL,
	    "1", INTEL, 0, "1", "1", COMPAT_OK, NULL },

	/*
	 * Rule 1: the host is looked up first: no vendor, or no max set of
	 * the VM's kind, is reason 3 whatever the VM carries, even nothing.
	 */
	{ "1: VM with no flags, host without vendor", "running", "hvm", NULL,
	    NULL, NULL, 1, "1", "1", COMPAT_NO_KEYS, NULL },
	{ "1: VM with no flags, host without keys", "running", "pv", NULL,
	    NULL, INTEL, 1, NULL, NULL, COMPAT_NO_KEYS, NULL },
	{ "1: VM with no flags, suspended, host with nothing", "suspended",
	    "pv", NULL, NULL, NULL, 1, NULL, NULL, COMPAT_NO_KEYS, NULL },
	{ "1: host lacks the vendor key only", "running", "pv", INTEL, "1",
	    NULL, 1, "1", "1", COMPAT_NO_KEYS, NULL },
	{ "1: pv VM, host has features_hvm only", "running", "pv", INTEL,
	    "1", INTEL, 1, NULL, "1", COMPAT_NO_KEYS, NULL },
	{ "1: hvm VM, host has features_pv only", "running", "hvm", INTEL,
	    "1", INTEL, 1, "1", NULL, COMPAT_NO_KEYS, NULL },
	{ "1: pvh VM, host has features_pv only", "Paused", "pvh", INTEL,
	    "1", INTEL, 1, "1", NULL, COMPAT_NO_KEYS, NULL },
	{ "1: pv_in_pvh VM, host has features_pv only", "paused",
	    "pv_in_pvh", INTEL, "1", INTEL, 1, "1", NULL, COMPAT_NO_KEYS,
	    NULL },
	{ "1: no keys before the vendor", "running", "pv", INTEL, "1", AMD,
	    1, NULL, "1", COMPAT_NO_KEYS, NULL },
	{ "1: no vendor key before the vendor and the features", "running",
	    "pv", INTEL, "3", NULL, 1, "1", "3", COMPAT_NO_KEYS, "2" },
	{ "1: no keys before HVM", "Running", "hvm", INTEL, "1", INTEL, 0,
	    "1", NULL, COMPAT_NO_KEYS, NULL },
	{ "1: an empty max set is a key", "running", "pv", INTEL, "", INTEL,
	    1, "", NULL, COMPAT_OK, NULL },

	/* Rule 2: the vendor, where the VM's flags name one, even "". */
	{ "2: vendor mismatch", "running", "pv", INTEL, "1", AMD, 1, "1",
	    "1", COMPAT_VENDOR, NULL },
	{ "2: vendor mismatch, suspended", "Suspended", "hvm", AMD, "1",
	    INTEL, 1, "1", "1", COMPAT_VENDOR, NULL },
	{ "2: vendor differs in case", "running", "pv", INTEL, "1",
	    "genuineintel", 1, "1", "1", COMPAT_VENDOR, NULL },
	{ "2: empty VM vendor is a vendor", "running", "pv", "", "1", INTEL,
	    1, "1", "1", COMPAT_VENDOR, NULL },
	{ "2: vendor before features, missing still named", "running",
	    "hvm", INTEL, "ffffffff", AMD, 1, "0", "00000001", COMPAT_VENDOR,
	    "fffffffe" },
	{ "2: vendor before HVM", "running", "hvm", INTEL, "1", AMD, 0, "1",
	    "1", COMPAT_VENDOR, NULL },
	{ "2: vendor mismatch, VM without features", "running", "pv", INTEL,
	    NULL, AMD, 1, "1", "1", COMPAT_VENDOR, NULL },
	{ "2: no VM vendor: not compared", "running", "pv", NULL, "1", AMD,
	    1, "3", "3", COMPAT_OK, NULL },

	/* Rule 3: the features, where the VM's flags carry some. */
	{ "3: no VM vendor, features still compared", "running", "pv", NULL,
	    "3", AMD, 1, "1", "3", COMPAT_FEATURES, "2" },
	{ "3: no VM features: nothing to compare", "running", "pv", INTEL,
	    NULL, INTEL, 1, "1", "1", COMPAT_OK, NULL },
	{ "3: equal sets", "running", "hvm", INTEL, "1fc9cbf5-f6b82203",
	    INTEL, 1, "0", "1fc9cbf5-f6b82203", COMPAT_OK, NULL },
	{ "3: strict subset", "running", "pv", INTEL, "0000000f-00000001",
	    INTEL, 1, "000000ff-00000003", "0", COMPAT_OK, NULL },
	{ "3: one bit missing", "running", "pv", INTEL, "0000000f-00000003",
	    INTEL, 1, "000000ff-00000001", "ffffffff-ffffffff",
	    COMPAT_FEATURES, "00000000-00000002" },
	{ "3: bits missing in several words", "suspended", "hvm", INTEL,
	    "f0000001-00000010-80000000", INTEL, 1, "ffffffff",
	    "10000001-00000000-80000000", COMPAT_FEATURES,
	    "e0000000-00000010-00000000" },
	{ "3: top bit missing", "running", "pvh", INTEL, "80000000", INTEL,
	    1, "ffffffff", "7fffffff", COMPAT_FEATURES, "80000000" },
	/* A pv VM is judged against features_pv, an HVM one features_hvm. */
	{ "3: pv VM against features_pv, not features_hvm", "running", "pv",
	    INTEL, "2", INTEL, 1, "1", "3", COMPAT_FEATURES, "2" },
	{ "3: hvm VM against features_hvm, not features_pv", "running",
	    "hvm", INTEL, "2", INTEL, 1, "3", "1", COMPAT_FEATURES, "2" },
	{ "3: pv_in_pvh VM against features_hvm", "running", "pv_in_pvh",
	    INTEL, "2", INTEL, 1, "2", "1", COMPAT_FEATURES, "2" },
	{ "3: features before HVM", "running", "hvm", INTEL, "3", INTEL, 0,
	    "3", "1", COMPAT_FEATURES, "2" },
	/* An empty VM set fits anything; nothing fits an empty host set. */
	{ "3: empty VM set, host not", "running", "pv", INTEL, "", INTEL, 1,
	    "1fc9cbf5", "1", COMPAT_OK, NULL },
	{ "3: all-zero VM set", "running", "pv", INTEL, "0-0", INTEL, 1,
	    "1-1", "1", COMPAT_OK, NULL },
	{ "3: empty host set, VM not", "running", "hvm", INTEL,
	    "1fc9cbf5-f6b82203", INTEL, 1, "1fc9cbf5-f6b82203", "",
	    COMPAT_FEATURES, "1fc9cbf5-f6b82203" },
	{ "3: empty host set, all-zero VM set", "running", "hvm", INTEL,
	    "0-0-0", INTEL, 1, "1", "", COMPAT_OK, NULL },
	{ "3: both empty", "running", "pv", INTEL, "", INTEL, 1, "", "",
	    COMPAT_OK, NULL },
	/* Zero-extension, both ways. */
	{ "3: VM shorter than host", "running", "pv", INTEL, "00000001",
	    INTEL, 1, "00000001-ffffffff", "0", COMPAT_OK, NULL },
	{ "3: VM shorter, missing in its words", "running", "pv", INTEL,
	    "00000003", INTEL, 1, "00000001-ffffffff", "0", COMPAT_FEATURES,
	    "00000002" },
	{ "3: VM longer, extra words zero", "running", "pv", INTEL,
	    "00000001-00000000-00000000", INTEL, 1, "00000001", "0",
	    COMPAT_OK, NULL },
	{ "3: VM longer, a bit past the host's words", "running", "hvm",
	    INTEL, "00000001-00000000-00000100", INTEL, 1, "0", "00000001",
	    COMPAT_FEATURES, "00000000-00000000-00000100" },
	{ "3: VM longer, a bit in the first extra word", "running", "pv",
	    NULL, "00000001-00000001", INTEL, 1, "ffffffff", "0",
	    COMPAT_FEATURES, "00000000-00000001" },

	/* Rule 4: HVM, only once the CPU check passed. */
	{ "4: hvm VM, host not HVM capable", "running", "hvm", INTEL, "1",
	    INTEL, 0, "1", "1", COMPAT_HVM_REQUIRED, NULL },
	{ "4: pvh VM, host not HVM capable", "Running", "pvh", INTEL, "1",
	    INTEL, 0, "0", "3", COMPAT_HVM_REQUIRED, NULL },
	{ "4: pv_in_pvh VM, host not HVM capable", "suspended", "pv_in_pvh",
	    NULL, "1", INTEL, 0, "0", "1", COMPAT_HVM_REQUIRED, NULL },
	{ "4: hvm VM with no flags, host not HVM capable", "running", "hvm",
	    NULL, NULL, INTEL, 0, NULL, "1", COMPAT_HVM_REQUIRED, NULL },
	{ "4: pv VM, host not HVM capable", "running", "pv", INTEL, "1",
	    INTEL, 0, "1", NULL, COMPAT_OK, NULL },
};

static void
judge_one(const struct judge_case *c, struct compat_verdict *v,
    struct featureset *vm_fs, struct featureset *pv, struct featureset *hvm)
{
	struct compat_vm vm;
	struct compat_host host;

	if (power_state_parse(c->power, &vm.power) == -1 ||
	    domain_type_parse(c->domain, &vm.domain) == -1) {
		printf("Bail out! test data: %s\n", c->name);
		exit(2);
	}
	vm.vendor = c->vm_vendor;
	vm.features = NULL;
	if (c->vm_fs != NULL) {
		*vm_fs = fs(c->vm_fs);
		vm.features = vm_fs;
	}
	host.vendor = c->host_vendor;
	host.hvm_capable = c->hvm_capable;
	host.pv = host.hvm = NULL;
	if (c->host_pv != NULL) {
		*pv = fs(c->host_pv);
		host.pv = pv;
	}
	if (c->host_hvm != NULL) {
		*hvm = fs(c->host_hvm);
		host.hvm = hvm;
	}
	/* Garbage in: the verdict must be written whole. */
	memset(v, 0xa5, sizeof(*v));
	v->missing.len = 3;
	compat_judge(&vm, &host, v);
}

/* f still is what s says (s NULL: f was not used). */
static int
unchanged(const struct featureset *f, const char *s)
{
	struct featureset orig;

	if (s == NULL)
		return 1;
	orig = fs(s);
	return same(f, &orig);
}

static void
test_judge(void)
{
	const struct judge_case *c;
	struct featureset vm_fs, pv, hvm, want;
	struct compat_verdict v;
	size_t i;
	int left_alone;

	for (i = 0; i < NELEM(judge_cases); i++) {
		c = &judge_cases[i];
		judge_one(c, &v, &vm_fs, &pv, &hvm);
		snprintf(label, sizeof(label), "rule %s: %s", c->name,
		    cname(c->want));
		if (!ok(v.code == c->want, label))
			diag("  got %s", cname(v.code));

		want = c->missing ? fs(c->missing) : mk(NULL, 0);
		snprintf(label, sizeof(label), "rule %s: missing is %s",
		    c->name, c->missing ? c->missing : "empty");
		if (!ok(v.missing.len <= FS_MAX_WORDS &&
		    fs_is_equal(&v.missing, &want), label))
			diag("  got %s", fmt(&v.missing));

		/* The inputs are left alone. */
		left_alone = unchanged(&vm_fs, c->vm_fs) &&
		    unchanged(&pv, c->host_pv) && unchanged(&hvm, c->host_hvm);
		snprintf(label, sizeof(label), "rule %s: inputs left alone",
		    c->name);
		ok(left_alone, label);
	}

	/* missing is exact, not only equal once zero-extended. */
	c = NULL;
	for (i = 0; i < NELEM(judge_cases); i++)
		if (strcmp(judge_cases[i].name, "3: one bit missing") == 0)
			c = &judge_cases[i];
	if (c != NULL) {
		judge_one(c, &v, &vm_fs, &pv, &hvm);
		want = fs("00000000-00000002");
		if (!ok(same(&v.missing, &want), "one bit missing: missing "
		    "is exactly 00000000-00000002 (the longer length)"))
			diag("  got %s", fmt(&v.missing));
	}
}

/*
 * The header's '|' bits (FEAT_ACCUMULATE) pool by OR, but a VM that has
 * one still cannot move to a host without it: compatibility exempts
 * nothing.  With a header that marks none, any bit shows the same rule.
 */
static void
test_accumulate_not_exempt(void)
{
	struct featureset vm_fs, host_fs, missing;
	struct compat_vm vm = { POWER_RUNNING, DOMAIN_HVM, INTEL, NULL };
	struct compat_host host = { INTEL, 1, NULL, NULL };
	struct compat_verdict v;
	size_t n;
	int bit = first_accumulate_bit(&n);
	char buf[16];

	if (bit == -1) {
		bit = (int)feat("avx2");
		diag("this build's cpufeatureset.h marks no bit '|': the "
		    "non-exemption is shown with %s, a plain bit", "avx2");
	} else
		diag("this build's cpufeatureset.h marks %zu bits '|'; the "
		    "non-exemption is shown with %s", n,
		    feature_name((unsigned)bit, buf));
	vm_fs = mk(NULL, FULL);
	put_bit(&vm_fs, (unsigned)bit, 1);
	host_fs = mk(NULL, FULL);
	for (n = 0; n < host_fs.len; n++)
		host_fs.w[n] = ~0u;
	put_bit(&host_fs, (unsigned)bit, 0);

	snprintf(label, sizeof(label), "'|' not exempt: fs_compatible says "
	    "no when the host lacks %s", feature_name((unsigned)bit, buf));
	ok(fs_compatible(&vm_fs, &host_fs, &missing) == 0, label);
	if (!ok(same(&missing, &vm_fs), "'|' not exempt: the bit is "
	    "missing"))
		diag("  got %s", fmt(&missing));
	vm.features = &vm_fs;
	host.hvm = &host_fs;
	compat_judge(&vm, &host, &v);
	snprintf(label, sizeof(label), "'|' not exempt: compat_judge says "
	    "%s", cname(COMPAT_FEATURES));
	if (!ok(v.code == COMPAT_FEATURES, label))
		diag("  got %s", cname(v.code));
	ok(same(&v.missing, &vm_fs), "'|' not exempt: the verdict names "
	    "the bit");
}

/* fs_compatible itself: missing may be NULL, and is exact. */
static void
test_compatible(void)
{
	static const struct {
		const char	*vm, *host;
		int		 want;
		const char	*missing;	/* exact, the longer length */
	} c[] = {
		{ "", "", 1, "" },
		{ "", "ffffffff", 1, "00000000" },
		{ "0-0", "", 1, "00000000-00000000" },
		{ "1", "", 0, "00000001" },
		{ "1", "1-ffffffff", 1, "00000000-00000000" },
		{ "1-0-0", "1", 1, "00000000-00000000-00000000" },
		{ "1-0-8", "1", 0, "00000000-00000000-00000008" },
		{ "ffffffff-1", "7fffffff-1-1", 0,
		    "80000000-00000000-00000000" },
	};
	struct featureset vm, host, missing, want;
	size_t i;

	for (i = 0; i < NELEM(c); i++) {
		vm = fs(c[i].vm);
		host = fs(c[i].host);
		want = fs(c[i].missing);
		memset(&missing, 0x5a, sizeof(missing));
		snprintf(label, sizeof(label), "fs_compatible(\"%s\", \"%s\") "
		    "is %d, missing %s", c[i].vm, c[i].host, c[i].want,
		    c[i].missing);
		if (!ok(fs_compatible(&vm, &host, &missing) == c[i].want &&
		    same(&missing, &want), label))
			diag("  missing %s", fmt(&missing));
		snprintf(label, sizeof(label), "fs_compatible(\"%s\", \"%s\", "
		    "NULL) is %d", c[i].vm, c[i].host, c[i].want);
		is_int(fs_compatible(&vm, &host, NULL), c[i].want, label);
	}
}

/* Before a start: only whether the host runs the VM's kind at all. */
static void
test_judge_boot(void)
{
	static const struct {
		const char		*domain;
		int			 hvm_capable;
		int			 keys;	/* host has vendor and sets */
		enum compat_code	 want;
	} c[] = {
		{ "pv", 1, 1, COMPAT_OK },
		{ "pv", 0, 1, COMPAT_OK },
		{ "hvm", 1, 1, COMPAT_OK },
		{ "hvm", 0, 1, COMPAT_HVM_REQUIRED },
		{ "pvh", 0, 1, COMPAT_HVM_REQUIRED },
		{ "pv_in_pvh", 0, 1, COMPAT_HVM_REQUIRED },
		/* No flags compared yet, so no keys needed either. */
		{ "pv", 1, 0, COMPAT_OK },
		{ "hvm", 1, 0, COMPAT_OK },
		{ "hvm", 0, 0, COMPAT_HVM_REQUIRED },
	};
	struct featureset vm_fs = fs("ffffffff"), host_fs = fs("1");
	struct compat_vm vm;
	struct compat_host host;
	struct compat_verdict v;
	size_t i;

	for (i = 0; i < NELEM(c); i++) {
		vm.power = POWER_HALTED;
		domain_type_parse(c[i].domain, &vm.domain);
		/* Flags that would not fit: a boot does not look at them. */
		vm.vendor = AMD;
		vm.features = &vm_fs;
		host.vendor = c[i].keys ? INTEL : NULL;
		host.hvm_capable = c[i].hvm_capable;
		host.pv = host.hvm = c[i].keys ? &host_fs : NULL;
		memset(&v, 0xa5, sizeof(v));
		compat_judge_boot(&vm, &host, &v);
		snprintf(label, sizeof(label), "compat_judge_boot: %s VM, host "
		    "hvm_capable %d%s: %s", c[i].domain, c[i].hvm_capable,
		    c[i].keys ? "" : ", no keys", cname(c[i].want));
		if (!ok(v.code == c[i].want && v.missing.len == 0, label))
			diag("  got %s, missing %s", cname(v.code),
			    fmt(&v.missing));
	}
}

/* Byte-exact, typed from proto/README.md (not the header's macros). */
static void
test_reasons(void)
{
	is_str(compat_reason(COMPAT_VENDOR),
	    "VM last booted on a host which had a CPU from a different vendor.",
	    "reason 1 byte-exact");
	is_str(compat_reason(COMPAT_FEATURES),
	    "VM last booted on a CPU with features this host's CPU does not have.",
	    "reason 2 byte-exact");
	is_str(compat_reason(COMPAT_NO_KEYS),
	    "Host does not have new leveling feature keys - not comparing VM's flags",
	    "reason 3 byte-exact");
	is_str(compat_reason(COMPAT_HVM_REQUIRED),
	    "HVM is required for this operation.", "VM_HVM_REQUIRED's text");
	ok(compat_reason(COMPAT_OK) != NULL, "compat_reason(COMPAT_OK) is a "
	    "string");
	ok(compat_reason((enum compat_code)99) != NULL, "compat_reason of "
	    "an unknown code is a string");
}

/* The XenAPI error each refusal is, as a client reads it. */
static void
test_error(void)
{
	static const struct {
		enum compat_code	 code;
		int			 rc;
		const char		*message;
		const char		*params;	/* for the label */
		size_t			 n;
		const char		*data[3];
	} c[] = {
		{ COMPAT_OK, 0, NULL, NULL, 0, { NULL } },
		{ COMPAT_VENDOR, -1, "VM_INCOMPATIBLE_WITH_THIS_HOST",
		    "[vm, host, reason 1]", 3,
		    { "vm-1", "host-2", "VM last booted on a host which had a "
		    "CPU from a different vendor." } },
		{ COMPAT_FEATURES, -1, "VM_INCOMPATIBLE_WITH_THIS_HOST",
		    "[vm, host, reason 2]", 3,
		    { "vm-1", "host-2", "VM last booted on a CPU with features "
		    "this host's CPU does not have." } },
		{ COMPAT_NO_KEYS, -1, "VM_INCOMPATIBLE_WITH_THIS_HOST",
		    "[vm, host, reason 3]", 3,
		    { "vm-1", "host-2", "Host does not have new leveling "
		    "feature keys - not comparing VM's flags" } },
		{ COMPAT_HVM_REQUIRED, -1, "VM_HVM_REQUIRED", "[vm]", 1,
		    { "vm-1" } },
	};
	struct compat_verdict v;
	struct rpc_error err;
	struct json_object *e;
	size_t i, j;
	int good;

	for (i = 0; i < NELEM(c); i++) {
		memset(&err, 0, sizeof(err));
		fs_clear(&v.missing);
		v.code = c[i].code;
		snprintf(label, sizeof(label), "compat_error(%s) returns %d",
		    cname(c[i].code), c[i].rc);
		is_int(compat_error(&v, "vm-1", "host-2", &err), c[i].rc,
		    label);
		if (c[i].rc == 0) {
			ok(err.code == 0 && err.message[0] == '\0' &&
			    err.data == NULL, "compat_error(COMPAT_OK) leaves "
			    "err alone");
			continue;
		}
		snprintf(label, sizeof(label), "compat_error(%s): XenAPI "
		    "error %s", cname(c[i].code), c[i].message);
		ok(err.code == RPC_API_ERROR &&
		    strcmp(err.message, c[i].message) == 0, label);
		good = err.data != NULL &&
		    json_object_is_type(err.data, json_type_array) &&
		    json_object_array_length(err.data) == c[i].n;
		for (j = 0; good && j < c[i].n; j++) {
			e = json_object_array_get_idx(err.data, j);
			good = json_object_is_type(e, json_type_string) &&
			    strcmp(json_object_get_string(e), c[i].data[j]) ==
			    0;
		}
		snprintf(label, sizeof(label), "compat_error(%s): params are "
		    "%s", cname(c[i].code), c[i].params);
		if (!ok(good, label))
			diag("  got %s", err.data ?
			    json_object_to_json_string(err.data) : "NULL");
		rpc_error_clear(&err);
	}
}

/* ---- fs_combine: hand-built cases ---------------------------------------- */

/*
 * Two members' sets, by feature name, and the pool level Xen gives them.
 * A length is in words; FULL is the header's count.  Every feature is
 * given with its prerequisites, so that only what a case is about is
 * cleared.
 */
#define BASE	"fxsr sse sse2 xsave "
#define SPEC	"ibrsb arch-caps "
static const struct combine_case {
	const char	*name;
	const char	*a;
	int		 alen;
	const char	*b;
	int		 blen;
	const char	*want;
	int		 wlen;
} combine_cases[] = {
	/* AND. */
	{ "AND of the common bits", BASE "avx avx2 de", FULL,
	    BASE "avx fma de pae", FULL, BASE "avx de", FULL },
	{ "identical sets", BASE "avx avx2 fma f16c avx512f", FULL,
	    BASE "avx avx2 fma f16c avx512f", FULL,
	    BASE "avx avx2 fma f16c avx512f", FULL },

	/* Deep dependencies: a feature absent takes its dependents along. */
	{ "no avx in one: avx2 fma f16c avx512f go, though both have them",
	    BASE "avx avx2 fma f16c avx512f avx512dq", FULL,
	    BASE "avx2 fma f16c avx512f avx512dq", FULL, BASE, FULL },
	{ "no avx2 in one: avx512f and its dependents go, avx stays",
	    BASE "avx avx2 avx512f avx512dq avx512bw", FULL,
	    BASE "avx avx512f avx512dq avx512bw", FULL, BASE "avx", FULL },
	{ "no xsave in one: the whole AVX tree goes",
	    BASE "avx avx2 fma", FULL,
	    "fxsr sse sse2 avx avx2 fma", FULL, "fxsr sse sse2", FULL },
	{ "no sse2 in one: sse3 goes, sse stays",
	    BASE "sse3", FULL, "fxsr sse xsave sse3", FULL,
	    "fxsr sse xsave", FULL },
	{ "no arch-caps in one: its MSR words go",
	    BASE SPEC "eibrs rdcl-no mds-no", FULL,
	    BASE "ibrsb eibrs rdcl-no mds-no", FULL, BASE "ibrsb", FULL },
	{ "no ibrsb in one: eibrs goes, arch-caps' other bits stay",
	    BASE SPEC "eibrs rdcl-no", FULL,
	    BASE "arch-caps eibrs rdcl-no", FULL,
	    BASE "arch-caps rdcl-no", FULL },

	/*
	 * RSBA/RRSBA.  The security case: a host with EIBRS and RRSBA pooled
	 * with one with EIBRS only must keep RRSBA (word 16 0x00080002),
	 * so guests keep using retpoline-safe code; the plain AND dropped it.
	 */
	{ "RSBA rule: eibrs+rrsba with eibrs keeps rrsba",
	    SPEC "eibrs rrsba", FULL, SPEC "eibrs", FULL,
	    SPEC "eibrs rrsba", FULL },
	{ "RSBA rule: eibrs with eibrs+rrsba keeps rrsba (either order)",
	    SPEC "eibrs", FULL, SPEC "eibrs rrsba", FULL,
	    SPEC "eibrs rrsba", FULL },
	{ "RSBA rule: eibrs+rrsba with rsba, no eibrs left: rsba",
	    SPEC "eibrs rrsba", FULL, SPEC "rsba", FULL, SPEC "rsba", FULL },
	{ "RSBA rule: eibrs+rsba with eibrs: rrsba, not rsba",
	    SPEC "eibrs rsba", FULL, SPEC "eibrs", FULL,
	    SPEC "eibrs rrsba", FULL },
	{ "RSBA rule: rsba with nothing: rsba",
	    SPEC "rsba", FULL, SPEC, FULL, SPEC "rsba", FULL },
	{ "RSBA rule: neither has rsba nor rrsba: untouched",
	    SPEC "eibrs rdcl-no", FULL, SPEC "eibrs rdcl-no", FULL,
	    SPEC "eibrs rdcl-no", FULL },
	{ "RSBA rule after deep deps: ibrsb gone takes eibrs: rsba",
	    SPEC "eibrs rrsba", FULL, "arch-caps eibrs rrsba", FULL,
	    "arch-caps rsba", FULL },
	{ "RSBA rule: no arch-caps in the result: word 16 empty, no rsba",
	    SPEC "eibrs rrsba rdcl-no", FULL, "ibrsb eibrs rrsba rdcl-no",
	    FULL, "ibrsb", FULL },
	{ "RSBA rule: no arch-caps in either: nothing set",
	    "ibrsb rsba", FULL, "ibrsb rsba", FULL, "ibrsb", FULL },

	/* Lengths: the longer; a short set is zero-extended, not ignored. */
	{ "lengths: 1 word with the header's count", "de pae", 1,
	    BASE "de avx", FULL, "de", FULL },
	{ "lengths: the header's count with 2 words", BASE "de", FULL,
	    BASE "de", 2, BASE "de", FULL },
	{ "lengths: both empty", NULL, 0, NULL, 0, NULL, 0 },
	{ "lengths: empty with a set: AND with nothing", NULL, 0,
	    BASE "de", FULL, NULL, FULL },
	{ "lengths: 17 words with 19", SPEC "eibrs rrsba", 17,
	    SPEC "eibrs", FULL, SPEC "eibrs rrsba", FULL },
};

/* A bit the header marks '|' that one of a and b has: its name in buf. */
static int
differ_in_accumulate(const struct featureset *a, const struct featureset *b,
    char *buf, size_t len)
{
	const struct feature_desc *d;
	unsigned int i, n = (unsigned int)(a->len > b->len ? a->len : b->len);

	for (i = 0; i < n * 32; i++)
		if (fs_test_bit(a, i) != fs_test_bit(b, i) &&
		    (d = feature_by_index(i)) != NULL &&
		    (d->flags & FEAT_ACCUMULATE)) {
			snprintf(buf, len, "%s", d->name);
			return 1;
		}
	return 0;
}

static void
check_combine(const char *name, const struct featureset *a,
    const struct featureset *b, const struct featureset *want)
{
	struct featureset got, rev;

	memset(&got, 0xa5, sizeof(got));
	fs_combine(a, b, &got);
	snprintf(label, sizeof(label), "combine, %s", name);
	if (!ok(same(&got, want), label)) {
		diag("  a    %s", names(a));
		diag("  b    %s", names(b));
		diag("  got  %s (%zu words)", names(&got), got.len);
		diag("  want %s (%zu words)", names(want), want->len);
	}
	fs_combine(b, a, &rev);
	snprintf(label, sizeof(label), "combine, %s: the same either way",
	    name);
	ok(same(&rev, &got), label);
}

static void
test_combine(void)
{
	const struct combine_case *c;
	struct featureset a, b, want, got;
	size_t i, nacc;
	int bit;
	char buf[64], what[128];

	/* The positions the cases below take from the header. */
	ok(feat("arch-caps") == 9 * 32 + 29 && feat("ibrsb") == 9 * 32 + 26 &&
	    feat("rdcl-no") == 16 * 32 + 0 && feat("eibrs") == 16 * 32 + 1 &&
	    feat("rsba") == 16 * 32 + 2 && feat("rrsba") == 16 * 32 + 19,
	    "header: arch-caps 9:29, ibrsb 9:26, rdcl-no 16:0, eibrs 16:1, "
	    "rsba 16:2, rrsba 16:19");

	for (i = 0; i < NELEM(combine_cases); i++) {
		c = &combine_cases[i];
		a = mk(c->a, c->alen);
		b = mk(c->b, c->blen);
		want = mk(c->want, c->wlen);
		/*
		 * These expectations are ANDs: a header that marks a bit '|'
		 * which only one member has (none in Xen 4.17's) makes the
		 * case about something else; the '|' case below covers it.
		 */
		if (differ_in_accumulate(&a, &b, buf, sizeof(buf))) {
			diag("skipped: combine, %s: the header marks %s '|'",
			    c->name, buf);
			continue;
		}
		check_combine(c->name, &a, &b, &want);
	}

	/* The security case, in the words an operator would read. */
	a = mk(SPEC "eibrs rrsba", FULL);
	b = mk(SPEC "eibrs", FULL);
	fs_combine(&a, &b, &got);
	if (!ok(fs_word(&got, 16) == 0x00080002, "combine: EIBRS+RRSBA "
	    "with EIBRS is word 16 = 00080002 (the AND gave 00000002)"))
		diag("  got word 16 = %08x", (unsigned)fs_word(&got, 16));

	/* out may be an input: level_merge combines into the level. */
	a = mk(BASE "avx avx2", FULL);
	b = mk(BASE "avx2", FULL);
	fs_combine(&a, &b, &b);
	want = mk(BASE, FULL);
	ok(same(&b, &want), "combine: out may be the second input");
	b = mk(BASE "avx2", FULL);
	fs_combine(&a, &b, &a);
	ok(same(&a, &want), "combine: out may be the first input");

	/* '|' bits: OR-ed across the pool. */
	bit = first_accumulate_bit(&nacc);
	if (bit == -1) {
		diag("this build's cpufeatureset.h marks no bit '|': the OR "
		    "of accumulate bits cannot be shown; every bit ANDs");
		ok(nacc == 0, "no '|' bit in the feature table");
	} else {
		/*
		 * Everything the header names (so every prerequisite is
		 * there) but RSBA, against the same without the '|' bit: the
		 * OR keeps it and with it all that depends on it.
		 */
		fs_clear(&a);
		a.len = featureset_nr_words;
		for (i = 0; i < feature_table_len; i++)
			if (feature_table[i].index / 32 < a.len)
				put_bit(&a, feature_table[i].index, 1);
		put_bit(&a, feat("rsba"), 0);
		b = a;
		put_bit(&b, (unsigned)bit, 0);
		snprintf(what, sizeof(what), "'|' bit %s (of %zu) OR-ed",
		    feature_name((unsigned)bit, buf), nacc);
		check_combine(what, &a, &b, &a);
	}
}

/*
 * Every combination of EIBRS, RSBA and RRSBA in two members that both
 * have ARCH_CAPS and IBRSB: the level has EIBRS where both do; and where
 * either had RSBA or RRSBA, RRSBA if it has EIBRS, else RSBA; and
 * otherwise neither.
 */
static void
test_rsba_all(void)
{
	static const char *const bitname[3] = { "eibrs", "rsba", "rrsba" };
	unsigned int e = feat("eibrs"), rs = feat("rsba"), rr = feat("rrsba");
	struct featureset a, b, want, got;
	unsigned int ma, mb, k, bad = 0;
	int eib, any;

	for (ma = 0; ma < 8; ma++)
		for (mb = 0; mb < 8; mb++) {
			a = mk(SPEC, FULL);
			b = mk(SPEC, FULL);
			for (k = 0; k < 3; k++) {
				if (ma & (1u << k))
					put_bit(&a, feat(bitname[k]), 1);
				if (mb & (1u << k))
					put_bit(&b, feat(bitname[k]), 1);
			}
			eib = (ma & 1) && (mb & 1);
			any = ((ma | mb) & 6) != 0;
			want = mk(SPEC, FULL);
			if (eib)
				put_bit(&want, e, 1);
			if (any)
				put_bit(&want, eib ? rr : rs, 1);
			fs_combine(&a, &b, &got);
			if (!same(&got, &want)) {
				if (bad++ < 8)
					diag("  %s + %s: got %s, want %s",
					    names(&a), names(&b), names(&got),
					    names(&want));
			}
		}
	is_int(bad, 0, "RSBA rule: all 64 combinations of eibrs/rsba/rrsba "
	    "in two members");
}

/* ---- level_merge -------------------------------------------------------- */

static void
test_level(void)
{
	static const size_t orders[6][3] = {
		{ 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 },
		{ 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 },
	};
	struct featureset m[3], copy[3], level, want, odd, empty;
	size_t i, j;

	/*
	 * m1 lacks avx, so the level has none of its dependents though
	 * every member reports them; m0 has RRSBA, which the level keeps
	 * because all have EIBRS.  Different lengths: the longest wins.
	 */
	m[0] = mk(BASE SPEC "avx avx2 fma eibrs rrsba rdcl-no", 18);
	m[1] = mk(BASE SPEC "avx2 fma eibrs rdcl-no", 17);
	m[2] = mk(BASE SPEC "avx avx2 fma f16c eibrs rdcl-no mds-no", FULL);
	want = mk(BASE SPEC "eibrs rrsba rdcl-no", FULL);
	memcpy(copy, m, sizeof(m));
	for (i = 0; i < NELEM(orders); i++) {
		fs_clear(&level);
		for (j = 0; j < 3; j++)
			level_merge(&level, &m[orders[i][j]]);
		snprintf(label, sizeof(label), "level of m%zu, m%zu, m%zu",
		    orders[i][0], orders[i][1], orders[i][2]);
		if (!ok(same(&level, &want), label))
			diag("  got %s (%zu words)", names(&level), level.len);
	}

	/* An empty member (it reported nothing) levels nothing away. */
	fs_clear(&empty);
	fs_clear(&level);
	level_merge(&level, &empty);
	is_int(level.len, 0, "level: an empty member on an empty level "
	    "leaves it empty");
	level_merge(&level, &m[0]);
	level_merge(&level, &empty);
	level_merge(&level, &m[1]);
	level_merge(&level, &empty);
	level_merge(&level, &m[2]);
	ok(same(&level, &want), "level: empty members among the three "
	    "change nothing");

	/*
	 * The first member is the level as it is, not combined with itself:
	 * even a set Xen's combine would trim (avx2 without avx) stays.
	 */
	odd = mk(BASE "avx2 fma", FULL);
	fs_clear(&level);
	level_merge(&level, &odd);
	ok(same(&level, &odd), "level: an empty level takes the first "
	    "member verbatim");
	level_merge(&level, &empty);
	ok(same(&level, &odd), "level: an empty member is the identity");
	ok(same(&m[0], &copy[0]) && same(&m[1], &copy[1]) &&
	    same(&m[2], &copy[2]), "level: members are left alone");
}

/* ---- every same-vendor pair of CPU models -------------------------------- */

/* What the header's text says, read here without the generated table. */
static struct {
	size_t		n;
	struct {
		char		name[48];
		unsigned int	index;
		int		accumulate;
	} f[1024];
	struct featureset acc;
} hdr;

/* The deep dependencies of xen-deep-deps.json, by feature. */
static struct {
	const char	*set;
	size_t		 n, unknown;
	unsigned int	 index[256];
	uint32_t	 mask[256][FS_MAX_WORDS];
} deps;

#define MAX_MODELS	512
static struct model {
	char			name[96];
	const char		*vendor;
	struct featureset	fs;
} models[MAX_MODELS];
static size_t nmodels;

static int
hdr_index(const char *name)
{
	size_t i;

	for (i = 0; i < hdr.n; i++)
		if (strcmp(hdr.f[i].name, name) == 0)
			return (int)hdr.f[i].index;
	return -1;
}

/* XEN_CPUFEATURE(NAME, W*32+B) / *ATTRS text * /, one a line. */
static int
hdr_load(const char *path)
{
	char line[1024], *p, *c;
	unsigned int w, b;
	size_t n;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return -1;
	fs_clear(&hdr.acc);
	while (fgets(line, sizeof(line), f) != NULL && hdr.n < NELEM(hdr.f)) {
		if (strncmp(line, "XEN_CPUFEATURE(", 15) != 0)
			continue;
		p = line + 15;
		p += strspn(p, " \t");
		n = strcspn(p, " \t,");
		if (n == 0 || n >= sizeof(hdr.f[0].name))
			continue;
		memcpy(hdr.f[hdr.n].name, p, n);
		hdr.f[hdr.n].name[n] = '\0';
		p += n;
		p += strspn(p, " \t");
		if (*p != ',' || sscanf(p + 1, " %u * 32 + %u", &w, &b) != 2 ||
		    w >= FS_MAX_WORDS || b >= 32)
			continue;
		hdr.f[hdr.n].index = w * 32 + b;
		c = strstr(p, "/*");
		hdr.f[hdr.n].accumulate = c != NULL &&
		    memchr(c + 2, '|', strcspn(c + 2, " \t\r\n")) != NULL;
		if (hdr.f[hdr.n].accumulate) {
			hdr.acc.w[w] |= 1u << b;
			if (hdr.acc.len < w + 1)
				hdr.acc.len = w + 1;
		}
		hdr.n++;
	}
	fclose(f);
	return hdr.n > 0 ? 0 : -1;
}

static struct json_object *
jget(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

static const char *
jstring(struct json_object *o)
{
	return o != NULL && json_object_is_type(o, json_type_string) ?
	    json_object_get_string(o) : NULL;
}

/* deps from the dataset of the Xen line this build's table is for. */
static int
deps_load(const char *path, char *why, size_t len)
{
	struct json_object *root, *masks;
	size_t w;
	int idx;

	deps.set = strncmp(feature_deps_xen_version, "4.17", 4) == 0 ?
	    "xen_4_17_7" : "head";
	if ((root = json_object_from_file(path)) == NULL) {
		snprintf(why, len, "%s does not parse", path);
		return -1;
	}
	if ((masks = jget(jget(root, deps.set), "deep_masks")) == NULL ||
	    !json_object_is_type(masks, json_type_object)) {
		snprintf(why, len, "%s has no %s.deep_masks", path, deps.set);
		json_object_put(root);
		return -1;
	}
	json_object_object_foreach(masks, name, val) {
		/* A newer Xen's feature: its bits are not this header's. */
		if ((idx = hdr_index(name)) == -1) {
			deps.unknown++;
			continue;
		}
		if (deps.n == NELEM(deps.index) ||
		    !json_object_is_type(val, json_type_array))
			continue;
		deps.index[deps.n] = (unsigned int)idx;
		memset(deps.mask[deps.n], 0, sizeof(deps.mask[0]));
		for (w = 0; w < json_object_array_length(val) &&
		    w < FS_MAX_WORDS; w++)
			deps.mask[deps.n][w] = (uint32_t)strtoul(
			    jstring(json_object_array_get_idx(val, w)) ?
			    jstring(json_object_array_get_idx(val, w)) : "0",
			    NULL, 16);
		deps.n++;
	}
	json_object_put(root);
	return deps.n > 0 ? 0 : (snprintf(why, len, "%s: %s.deep_masks "
	    "names no feature of this header", path, deps.set), -1);
}

static int
models_load(const char *path, char *why, size_t len)
{
	struct json_object *root, *all, *vendors;
	const char *s, *v;
	char err[256];

	if ((root = json_object_from_file(path)) == NULL) {
		snprintf(why, len, "%s does not parse", path);
		return -1;
	}
	all = jget(root, "models");
	vendors = jget(root, "vendors");
	if (all == NULL || !json_object_is_type(all, json_type_object)) {
		snprintf(why, len, "%s has no models", path);
		json_object_put(root);
		return -1;
	}
	json_object_object_foreach(all, name, m) {
		s = jstring(jget(jget(m, "xen_featureset"), "xapi_string"));
		v = jstring(jget(m, "vendor"));
		/* qemu64 and kvm64 have no vendor to pool by. */
		if (s == NULL || v == NULL || nmodels == MAX_MODELS)
			continue;
		if (jstring(jget(vendors, v)) != NULL)
			v = jstring(jget(vendors, v));
		if (fs_parse(s, &models[nmodels].fs, err, sizeof(err)) != 0) {
			snprintf(why, len, "%.300s: model %.80s: %.300s", path,
			    name, err);
			json_object_put(root);
			return -1;
		}
		snprintf(models[nmodels].name, sizeof(models[0].name), "%s",
		    name);
		models[nmodels].vendor = strdup(v);
		nmodels++;
	}
	json_object_put(root);
	return nmodels > 0 ? 0 : (snprintf(why, len, "%s: no model with a "
	    "vendor and a featureset", path), -1);
}

static int
bit_in(const struct featureset *f, int index)
{
	return index >= 0 && fs_test_bit(f, (unsigned int)index);
}

/*
 * The reference combine, from the header's text and the JSON's masks:
 * flags *rsba and *trimmed say whether the RSBA rule fired and whether
 * deep dependencies cleared anything, for the counts.
 */
static void
ref_combine(const struct featureset *a, const struct featureset *b,
    struct featureset *out, int *rsba, int *trimmed)
{
	int caps = hdr_index("ARCH_CAPS"), eibrs = hdr_index("EIBRS");
	int rs = hdr_index("RSBA"), rr = hdr_index("RRSBA");
	struct featureset r;
	uint32_t before;
	size_t i, w;

	fs_clear(&r);
	r.len = a->len > b->len ? a->len : b->len;
	for (w = 0; w < r.len; w++)
		r.w[w] = (fs_word(a, w) & fs_word(b, w)) |
		    ((fs_word(a, w) | fs_word(b, w)) & fs_word(&hdr.acc, w));
	*trimmed = 0;
	for (i = 0; i < deps.n; i++) {
		if (fs_test_bit(&r, deps.index[i]))
			continue;
		for (w = 0; w < r.len; w++) {
			before = r.w[w];
			r.w[w] &= ~deps.mask[i][w];
			*trimmed |= before != r.w[w];
		}
	}
	*rsba = bit_in(&r, caps) && (bit_in(a, rs) || bit_in(a, rr) ||
	    bit_in(b, rs) || bit_in(b, rr));
	if (*rsba) {
		int e = bit_in(&r, eibrs);

		r.w[rs / 32] &= ~(1u << (rs % 32));
		r.w[rr / 32] &= ~(1u << (rr % 32));
		if (e)
			r.w[rr / 32] |= 1u << (rr % 32);
		else
			r.w[rs / 32] |= 1u << (rs % 32);
	}
	*out = r;
}

/* Why the section does not run: a TAP comment, and on the console. */
static void
pairs_skip(const char *why)
{
	diag("SKIP model pairs: %s", why);
	fprintf(stderr, "test_compat: model pairs skipped: %s\n", why);
}

#define MAX_REPORTED	10

static void
test_model_pairs(void)
{
	const char *dir = getenv("CPULEVEL_SHARED_DATA");
	const char *hpath = getenv("CPULEVEL_CPUFEATURESET_H");
	struct featureset ref, got, miss, want_miss;
	size_t i, j, w, base, pairs = 0, bad = 0, fired = 0, trims = 0;
	size_t fits = 0, cbad = 0, variants = 0;
	int rsba, trimmed, compat, want_compat, caps, eibrs, rs, rr;
	char path[1024], why[1200];

	if (dir == NULL) {
		pairs_skip("CPULEVEL_SHARED_DATA is not set (the "
		    "../shared/data directory with cpu-models.json)");
		return;
	}
	if (hpath == NULL || hdr_load(hpath) == -1) {
		snprintf(why, sizeof(why), "cannot read Xen's header "
		    "(CPULEVEL_CPUFEATURESET_H: %s)", hpath ? hpath : "unset");
		pairs_skip(why);
		return;
	}
	snprintf(path, sizeof(path), "%s/xen-deep-deps.json", dir);
	if (access(path, R_OK) != 0) {
		snprintf(why, sizeof(why), "%s is not readable", path);
		pairs_skip(why);
		return;
	}
	if (deps_load(path, why, sizeof(why)) == -1) {
		ok(0, "xen-deep-deps.json is usable");
		diag("  %s", why);
		return;
	}
	snprintf(path, sizeof(path), "%s/cpu-models.json", dir);
	if (access(path, R_OK) != 0) {
		snprintf(why, sizeof(why), "%s is not readable", path);
		pairs_skip(why);
		return;
	}
	if (models_load(path, why, sizeof(why)) == -1) {
		ok(0, "cpu-models.json is usable");
		diag("  %s", why);
		return;
	}
	caps = hdr_index("ARCH_CAPS");
	eibrs = hdr_index("EIBRS");
	rs = hdr_index("RSBA");
	rr = hdr_index("RRSBA");
	if (caps == -1 || eibrs == -1 || rs == -1 || rr == -1) {
		ok(0, "the header names ARCH_CAPS, EIBRS, RSBA and RRSBA");
		return;
	}
	for (i = 0, j = 0; i < hdr.n; i++)
		j += hdr.f[i].accumulate;
	diag("model pairs: header %s: %zu features, %zu marked '|'; deep "
	    "dependencies of %s (this build's table is for Xen %s): %zu "
	    "features (%zu not in this header)", hpath, hdr.n, j, deps.set,
	    feature_deps_xen_version, deps.n, deps.unknown);

	/*
	 * No model of the data reports RSBA or RRSBA (libvirt's models do
	 * not), yet real hosts with ARCH_CAPS do.  So each model with
	 * ARCH_CAPS also comes as a variant that has RRSBA where it has
	 * EIBRS, else RSBA: pairs that exercise the rule on real sets.
	 */
	base = nmodels;
	for (i = 0; i < base && nmodels < MAX_MODELS; i++) {
		if (!bit_in(&models[i].fs, caps) ||
		    models[i].fs.len <= (size_t)rr / 32)
			continue;
		models[nmodels] = models[i];
		snprintf(models[nmodels].name, sizeof(models[0].name),
		    "%.80s+%s", models[i].name, bit_in(&models[i].fs, eibrs) ?
		    "rrsba" : "rsba");
		put_bit(&models[nmodels].fs, (unsigned)(bit_in(&models[i].fs,
		    eibrs) ? rr : rs), 1);
		nmodels++;
		variants++;
	}

	for (i = 0; i < nmodels; i++)
		for (j = 0; j < nmodels; j++) {
			if (strcmp(models[i].vendor, models[j].vendor) != 0)
				continue;
			pairs++;
			ref_combine(&models[i].fs, &models[j].fs, &ref, &rsba,
			    &trimmed);
			fired += rsba;
			trims += trimmed;
			fs_combine(&models[i].fs, &models[j].fs, &got);
			if (!same(&got, &ref) && bad++ < MAX_REPORTED) {
				snprintf(label, sizeof(label), "combine %.96s "
				    "+ %.96s equals the reference",
				    models[i].name, models[j].name);
				ok(0, label);
				diag("  got  %s", fmt(&got));
				diag("  want %s", fmt(&ref));
			}

			/* Compatibility: a AND NOT b, zero-extended. */
			fs_clear(&want_miss);
			want_miss.len = models[i].fs.len > models[j].fs.len ?
			    models[i].fs.len : models[j].fs.len;
			for (w = 0; w < want_miss.len; w++)
				want_miss.w[w] = fs_word(&models[i].fs, w) &
				    ~fs_word(&models[j].fs, w);
			want_compat = fs_is_zero(&want_miss);
			compat = fs_compatible(&models[i].fs, &models[j].fs,
			    &miss);
			fits += want_compat;
			if ((compat != want_compat ||
			    !fs_is_equal(&miss, &want_miss)) &&
			    cbad++ < MAX_REPORTED) {
				snprintf(label, sizeof(label), "fs_compatible"
				    "(%.96s, %.96s) is %d, missing what %.96s "
				    "lacks",
				    models[i].name, models[j].name,
				    want_compat, models[j].name);
				ok(0, label);
				diag("  got %d, missing %s", compat,
				    fmt(&miss));
			}
		}
	diag("model pairs: %zu models (%zu of them RSBA/RRSBA variants), %zu "
	    "same-vendor ordered pairs (self-pairs included); the RSBA rule "
	    "fired in %zu, deep dependencies trimmed %zu; %zu compatible",
	    nmodels, variants, pairs, fired, trims, fits);
	snprintf(label, sizeof(label), "model pairs: fs_combine equals the "
	    "reference for all %zu pairs", pairs);
	if (!ok(bad == 0, label))
		diag("  %zu pairs differ", bad);
	snprintf(label, sizeof(label), "model pairs: fs_compatible is "
	    "'a AND NOT b is zero' for all %zu pairs", pairs);
	if (!ok(cbad == 0, label))
		diag("  %zu pairs differ", cbad);
	ok(fired > 0 && trims > 0, "model pairs: the data exercises the RSBA "
	    "rule and the deep dependencies");
}

/*
 * The set an arriving VM lands with: missing or 4 words or fewer inherit
 * from the host (a 4-word set reordered first), 5 or more are kept.
 */
static void
test_import_set(void)
{
	static const struct {
		const char	*name;
		const char	*carried;	/* NULL: none */
		const char	*want;
		int		 legacy;
	} cases[] = {
		{ "no features: the host's whole set", NULL,
		    "11111111-22222222-33333333-44444444-55555555-66666666", 1 },
		{ "\"\": the host's words", "",
		    "11111111-22222222-33333333-44444444-55555555-66666666", 1 },
		{ "3 words kept, the rest the host's", "a-b-c",
		    "0000000a-0000000b-0000000c-44444444-55555555-66666666", 1 },
		{ "4 words: ECX/EDX pairs swapped, the rest the host's",
		    "a-b-c-d",
		    "0000000b-0000000a-0000000d-0000000c-55555555-66666666", 1 },
		{ "5 words: v2, kept as it is", "a-b-c-d-e",
		    "0000000a-0000000b-0000000c-0000000d-0000000e", 0 },
		{ "longer than the host's: kept", "1-2-3-4-5-6-7",
		    "00000001-00000002-00000003-00000004-00000005-00000006-"
		    "00000007", 0 },
	};
	struct featureset host = fs("11111111-22222222-33333333-44444444-"
	    "55555555-66666666"), carried, out, want;
	size_t i;
	int legacy;

	for (i = 0; i < NELEM(cases); i++) {
		if (cases[i].carried)
			carried = fs(cases[i].carried);
		legacy = compat_import_set(cases[i].carried ? &carried : NULL,
		    &host, &out);
		want = fs(cases[i].want);
		snprintf(label, sizeof(label), "compat_import_set: %s",
		    cases[i].name);
		ok(same(&out, &want), label);
		if (!same(&out, &want))
			diag("  got %s, want %s", fmt(&out), fmt(&want));
		snprintf(label, sizeof(label), "compat_import_set: %s: legacy "
		    "%d", cases[i].name, cases[i].legacy);
		is_int(legacy, cases[i].legacy, label);
	}
	ok(level_member_set(&host, &carried) == &host,
	    "level_member_set: the default set where there is one");
	ok(level_member_set(NULL, &carried) == &carried,
	    "level_member_set: the max set for a host without *_host keys");
	ok(level_member_set(NULL, NULL) == NULL,
	    "level_member_set: neither: none");
}

/*
 * The set a start gives (featured's vm_level, and the CLI's account of
 * a refused start): the pool's level of the VM's kind, or a standalone
 * host's own default set of it (its max set without one); none where
 * that is missing or empty, whatever else there is.
 */
static void
test_start_set(void)
{
	/* pooled: in a pool; host_dflt: the host has *_host keys */
	static const struct {
		const char		*name;
		enum domain_type	 dt;
		int			 pooled, host_dflt;
		const char		*pool_hvm;	/* the level */
		const char		*host_hvm;	/* "": an empty set */
		const char		*want;		/* NULL: none */
	} cases[] = {
		{ "pv in a pool: its pv level", DOMAIN_PV, 1, 1, "4", "8",
		    "3" },
		{ "hvm in a pool: its hvm level", DOMAIN_HVM, 1, 1, "4", "8",
		    "4" },
		{ "pvh in a pool: the hvm level", DOMAIN_PVH, 1, 1, "4", "8",
		    "4" },
		{ "pv_in_pvh in a pool: the hvm level", DOMAIN_PV_IN_PVH, 1, 1,
		    "4", "8", "4" },
		{ "pv standalone: its own default", DOMAIN_PV, 0, 1, "4", "8",
		    "7" },
		{ "hvm standalone: its own default", DOMAIN_HVM, 0, 1, "4", "8",
		    "8" },
		{ "standalone without *_host keys: its max set", DOMAIN_HVM, 0,
		    0, "4", "8", "6" },
		{ "a pool's empty level: none, the host's own aside",
		    DOMAIN_HVM, 1, 1, "", "8", NULL },
		{ "standalone, an empty default: none, not its max",
		    DOMAIN_HVM, 0, 1, "4", "", NULL },
	};
	struct featureset ppv_host = fs("3"), phvm_host, pmax = fs("9");
	struct featureset hpv = fs("5"), hhvm = fs("6"), hpv_host = fs("7");
	struct featureset hhvm_host, want;
	struct compat_sets pool, host;
	const struct featureset *got;
	size_t i;

	for (i = 0; i < NELEM(cases); i++) {
		phvm_host = fs(cases[i].pool_hvm);
		hhvm_host = fs(cases[i].host_hvm);
		pool = (struct compat_sets){ &pmax, &pmax, &ppv_host,
		    &phvm_host };
		host = (struct compat_sets){ &hpv, &hhvm,
		    cases[i].host_dflt ? &hpv_host : NULL,
		    cases[i].host_dflt ? &hhvm_host : NULL };
		got = compat_start_set(cases[i].dt, cases[i].pooled ? &pool :
		    NULL, &host);
		snprintf(label, sizeof(label), "compat_start_set: %s",
		    cases[i].name);
		if (cases[i].want == NULL) {
			ok(got == NULL, label);
			continue;
		}
		want = fs(cases[i].want);
		ok(got != NULL && same(got, &want), label);
		if (got != NULL && !same(got, &want))
			diag("  got %s, want %s", fmt(got), fmt(&want));
	}
}

int
main(void)
{
	test_power_states();
	test_domain_types();
	test_judge();
	test_accumulate_not_exempt();
	test_compatible();
	test_judge_boot();
	test_reasons();
	test_error();
	test_combine();
	test_rsba_all();
	test_level();
	test_import_set();
	test_start_set();
	test_model_pairs();
	return done_testing();
}
