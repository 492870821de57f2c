/*
 * The compatibility rule and the pool-level fold (lib/compat.c) against
 * proto/README.md: a halted VM is always compatible, the vendor is
 * compared before the features, the VM's set must be a subset of the
 * host's max set of its kind (zero-extended), and a pool level is the
 * intersection of its members' sets.
 */
#include <stdio.h>
#include <string.h>

#include "compat.h"
#include "featurenames.h"
#include "featureset.h"
#include "tap.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static char label[256];

static struct featureset
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

static const char *
fmt(const struct featureset *f)
{
	static char buf[4][FS_STRING_MAX];
	static int i;

	i = (i + 1) % 4;
	fs_format(f, buf[i]);
	return buf[i];
}

/* Exact: length and words. */
static int
same(const struct featureset *a, const struct featureset *b)
{
	return a->len == b->len &&
	    memcmp(a->w, b->w, a->len * sizeof(a->w[0])) == 0;
}

static const char *const verdicts[] = {
	[COMPAT_OK] = "COMPAT_OK", [COMPAT_VENDOR] = "COMPAT_VENDOR",
	[COMPAT_FEATURES] = "COMPAT_FEATURES",
	[COMPAT_NO_KEYS] = "COMPAT_NO_KEYS",
};

static const char *
vname(int v)
{
	return v >= 0 && (size_t)v < NELEM(verdicts) ? verdicts[v] : "?";
}

/*
 * NULL vm_fs/host_fs: the VM has no features / the host lacks the key.
 * missing: the bits compat_check must report (zero-extended compare);
 * NULL means none.
 */
static const struct {
	const char		*name;
	const char		*power;
	const char		*vm_vendor;
	const char		*vm_fs;
	const char		*host_vendor;
	const char		*host_fs;
	enum compat_verdict	 want;
	const char		*missing;
} cases[] = {
	/* A halted VM is always compatible. */
	{ "halted, vendor mismatch", "halted", "GenuineIntel", "ffffffff",
	    "AuthenticAMD", "00000001", COMPAT_OK, NULL },
	{ "halted, host without keys", "halted", "GenuineIntel", "1",
	    "GenuineIntel", NULL, COMPAT_OK, NULL },
	{ "halted, host without vendor", "halted", "GenuineIntel", "1",
	    NULL, "1", COMPAT_OK, NULL },

	/* Vendor first. */
	{ "running, vendor mismatch", "running", "GenuineIntel", "1",
	    "AuthenticAMD", "1", COMPAT_VENDOR, NULL },
	{ "suspended, vendor mismatch", "suspended", "AuthenticAMD", "1",
	    "GenuineIntel", "1", COMPAT_VENDOR, NULL },
	/* The vendor decides, but what the host lacks is still named. */
	{ "vendor mismatch beats missing features", "running",
	    "GenuineIntel", "ffffffff", "AuthenticAMD", "00000001",
	    COMPAT_VENDOR, "fffffffe" },
	{ "vendor mismatch beats missing keys", "running", "GenuineIntel",
	    "1", "AuthenticAMD", NULL, COMPAT_VENDOR, NULL },
	{ "vendor differs in case", "running", "GenuineIntel", "1",
	    "genuineintel", "1", COMPAT_VENDOR, NULL },
	{ "VM has a vendor, host none", "running", "GenuineIntel", "1",
	    NULL, "1", COMPAT_VENDOR, NULL },
	{ "no VM vendor: not compared", "running", NULL, "1",
	    "AuthenticAMD", "3", COMPAT_OK, NULL },
	{ "no VM vendor, features still compared", "running", NULL, "3",
	    "AuthenticAMD", "1", COMPAT_FEATURES, "2" },

	/* No VM features: nothing to compare. */
	{ "no VM features", "running", "GenuineIntel", NULL, "GenuineIntel",
	    "1", COMPAT_OK, NULL },
	{ "no VM features, host without keys", "running", "GenuineIntel",
	    NULL, "GenuineIntel", NULL, COMPAT_OK, NULL },
	{ "no VM vendor nor features", "suspended", NULL, NULL, NULL, NULL,
	    COMPAT_OK, NULL },

	/* The host lacks the key of the VM's kind. */
	{ "host max NULL", "running", "GenuineIntel", "1", "GenuineIntel",
	    NULL, COMPAT_NO_KEYS, NULL },
	{ "host max NULL, suspended", "suspended", NULL, "0", NULL, NULL,
	    COMPAT_NO_KEYS, NULL },

	/* Subsets. */
	{ "equal sets", "running", "GenuineIntel", "1fc9cbf5-f6b82203",
	    "GenuineIntel", "1fc9cbf5-f6b82203", COMPAT_OK, NULL },
	{ "strict subset", "running", "GenuineIntel", "0000000f-00000001",
	    "GenuineIntel", "000000ff-00000003", COMPAT_OK, NULL },
	{ "all-zero VM set", "running", "GenuineIntel", "0-0",
	    "GenuineIntel", "1-1", COMPAT_OK, NULL },
	{ "one bit missing", "running", "GenuineIntel", "0000000f-00000003",
	    "GenuineIntel", "000000ff-00000001", COMPAT_FEATURES,
	    "00000000-00000002" },
	{ "bits missing in several words", "suspended", "GenuineIntel",
	    "f0000001-00000010-80000000", "GenuineIntel",
	    "10000001-00000000-80000000", COMPAT_FEATURES,
	    "e0000000-00000010-00000000" },
	{ "top bit missing", "running", NULL, "80000000", NULL, "7fffffff",
	    COMPAT_FEATURES, "80000000" },

	/*
	 * The empty set, xapi's way: as a host's max set it constrains
	 * nothing, so nothing is missing either; as a VM's it fits only an
	 * empty host set (is_subset([], h) is false), with nothing to name.
	 */
	{ "host max empty", "running", "GenuineIntel", "1fc9cbf5-f6b82203",
	    "GenuineIntel", "", COMPAT_OK, NULL },
	{ "VM set empty, host not", "running", "GenuineIntel", "",
	    "GenuineIntel", "1fc9cbf5", COMPAT_FEATURES, NULL },
	{ "both empty", "running", "GenuineIntel", "", "GenuineIntel", "",
	    COMPAT_OK, NULL },

	/* Zero-extension. */
	{ "VM shorter than host", "running", "GenuineIntel", "00000001",
	    "GenuineIntel", "00000001-ffffffff", COMPAT_OK, NULL },
	{ "VM shorter, missing in its words", "running", "GenuineIntel",
	    "00000003", "GenuineIntel", "00000001-ffffffff", COMPAT_FEATURES,
	    "00000002" },
	{ "VM longer, extra words zero", "running", "GenuineIntel",
	    "00000001-00000000-00000000", "GenuineIntel", "00000001",
	    COMPAT_OK, NULL },
	{ "VM longer, a bit in an extra word", "running", "GenuineIntel",
	    "00000001-00000000-00000100", "GenuineIntel", "00000001",
	    COMPAT_FEATURES, "00000000-00000000-00000100" },
	{ "VM longer, a bit in the first extra word", "running", NULL,
	    "00000001-00000001", NULL, "ffffffff", COMPAT_FEATURES,
	    "00000000-00000001" },
};

static void
test_compat_check(void)
{
	struct featureset vm, host, missing, want;
	enum compat_verdict v;
	size_t i;

	for (i = 0; i < NELEM(cases); i++) {
		if (cases[i].vm_fs)
			vm = fs(cases[i].vm_fs);
		if (cases[i].host_fs)
			host = fs(cases[i].host_fs);
		/* Garbage in: compat_check must overwrite it. */
		memset(&missing, 0xa5, sizeof(missing));
		missing.len = 3;
		v = compat_check(cases[i].power, cases[i].vm_vendor,
		    cases[i].vm_fs ? &vm : NULL, cases[i].host_vendor,
		    cases[i].host_fs ? &host : NULL, &missing);
		snprintf(label, sizeof(label), "%s: %s", cases[i].name,
		    vname(cases[i].want));
		if (!ok(v == cases[i].want, label))
			printf("#   got %s\n", vname(v));

		if (cases[i].missing)
			want = fs(cases[i].missing);
		else
			fs_clear(&want);
		snprintf(label, sizeof(label), "%s: missing is %s",
		    cases[i].name, cases[i].missing ? cases[i].missing :
		    "empty");
		if (!ok(fs_is_equal(&missing, &want) &&
		    missing.len <= FS_MAX_WORDS, label))
			printf("#   got %s\n", missing.len <= FS_MAX_WORDS ?
			    fmt(&missing) : "(len out of range)");

		/* missing NULL is allowed and changes nothing. */
		v = compat_check(cases[i].power, cases[i].vm_vendor,
		    cases[i].vm_fs ? &vm : NULL, cases[i].host_vendor,
		    cases[i].host_fs ? &host : NULL, NULL);
		snprintf(label, sizeof(label), "%s: same verdict with "
		    "missing NULL", cases[i].name);
		is_int(v, cases[i].want, label);
	}

	/* The inputs are left alone. */
	vm = fs("0000000f-00000003");
	host = fs("000000ff-00000001");
	compat_check("running", "GenuineIntel", &vm, "GenuineIntel", &host,
	    &missing);
	is_str(fmt(&vm), "0000000f-00000003", "compat_check leaves the VM's "
	    "set alone");
	is_str(fmt(&host), "000000ff-00000001", "compat_check leaves the "
	    "host's set alone");
	/* missing is exact, not only zero-extended equal. */
	want = fs("00000000-00000002");
	ok(same(&missing, &want), "one bit missing: missing is exactly "
	    "00000000-00000002");
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
	ok(compat_reason(COMPAT_OK) != NULL, "compat_reason(COMPAT_OK) is a "
	    "string");
}

static void
test_domain_types(void)
{
	static const struct {
		const char	*dt;
		int		 hvm;
		const char	*max;
		const char	*dflt;
	} d[] = {
		{ "pv", 0, "features_pv", "features_pv_host" },
		{ "hvm", 1, "features_hvm", "features_hvm_host" },
		{ "pvh", 1, "features_hvm", "features_hvm_host" },
		{ "pv_in_pvh", 1, "features_hvm", "features_hvm_host" },
	};
	size_t i;

	for (i = 0; i < NELEM(d); i++) {
		snprintf(label, sizeof(label), "domain_is_hvm(%s) is %d",
		    d[i].dt, d[i].hvm);
		is_int(!!domain_is_hvm(d[i].dt), d[i].hvm, label);
		snprintf(label, sizeof(label), "domain_max_key(%s)", d[i].dt);
		is_str(domain_max_key(d[i].dt), d[i].max, label);
		snprintf(label, sizeof(label), "domain_default_key(%s)",
		    d[i].dt);
		is_str(domain_default_key(d[i].dt), d[i].dflt, label);
	}
}

/* The accumulate ('|') bits of the header the build was made from. */
static void
accumulate_bits(struct featureset *mask, size_t *n)
{
	size_t i;
	unsigned int b;

	fs_clear(mask);
	*n = 0;
	for (i = 0; i < feature_table_len; i++) {
		if (!(feature_table[i].flags & FEAT_ACCUMULATE))
			continue;
		b = feature_table[i].index;
		if (b / 32 >= FS_MAX_WORDS)
			continue;
		(*n)++;
		mask->w[b / 32] |= 1u << (b % 32);
		if (mask->len < b / 32 + 1)
			mask->len = b / 32 + 1;
	}
}

static void
fold_all(const struct featureset *m, const size_t *order, size_t n,
    struct featureset *acc)
{
	struct featureset accumulated;
	size_t i;

	fs_clear(acc);
	fs_clear(&accumulated);
	for (i = 0; i < n; i++)
		level_fold(acc, &m[order[i]], &accumulated);
	level_finish(acc, &accumulated);
}

static void
test_level(void)
{
	struct featureset m[3], acc, accumulated, want, uni, mask, extra;
	static const size_t fwd[] = { 0, 1, 2 }, rev[] = { 2, 0, 1 };
	size_t nacc, i;

	accumulate_bits(&mask, &nacc);
	if (nacc == 0)
		diag("%s has no '|' (accumulate) bits: the pool level is the "
		    "plain intersection", "this build's cpufeatureset.h");
	else
		diag("this build's cpufeatureset.h has %zu accumulate bits",
		    nacc);

	m[0] = fs("ffff00ff-0000ffff");
	m[1] = fs("0f0f0f0f-ffff0000-00000001");
	m[2] = fs("ff00ff00-00ff00ff");

	/* The expected level: the intersection, plus (with a header that
	 * has them) the accumulate bits of the union. */
	fs_intersect(&m[0], &m[1], &want);
	fs_intersect(&want, &m[2], &want);
	fs_union(&m[0], &m[1], &uni);
	fs_union(&uni, &m[2], &uni);
	fs_clear(&extra);
	extra.len = want.len;
	for (i = 0; i < extra.len; i++)
		extra.w[i] = fs_word(&uni, i) & fs_word(&mask, i);
	if (!fs_is_zero(&extra))
		fs_union(&want, &extra, &want);
	if (nacc == 0)
		is_str(fmt(&want), "0f000000-00000000-00000000",
		    "test data: the intersection of the three members");

	fold_all(m, fwd, 3, &acc);
	snprintf(label, sizeof(label), "level of 3 members is %s", fmt(&want));
	if (!ok(same(&acc, &want), label))
		printf("#   got %s\n", fmt(&acc));
	fold_all(m, rev, 3, &acc);
	ok(same(&acc, &want), "level does not depend on the members' order");

	/* Empty start is the identity: one member gives its own set. */
	fs_clear(&acc);
	fs_clear(&accumulated);
	level_fold(&acc, &m[1], &accumulated);
	if (!ok(same(&acc, &m[1]), "empty start: folding one member gives "
	    "its set"))
		printf("#   got %s\n", fmt(&acc));
	ok(fs_is_equal(&accumulated, &m[1]), "empty start: accumulated is "
	    "that member's set");
	level_finish(&acc, &accumulated);
	ok(same(&acc, &m[1]), "one member: level_finish keeps its set");

	/* An empty member (no recorded features) levels nothing away. */
	fs_clear(&acc);
	fs_clear(&accumulated);
	level_fold(&acc, &m[0], &accumulated);
	{
		struct featureset empty;

		fs_clear(&empty);
		level_fold(&acc, &empty, &accumulated);
	}
	ok(same(&acc, &m[0]), "an empty member is the identity too");

	/* No members at all: still empty. */
	fs_clear(&acc);
	fs_clear(&accumulated);
	level_finish(&acc, &accumulated);
	is_int(acc.len, 0, "no members: the level stays empty");

	/* level_finish with nothing to accumulate changes nothing. */
	if (nacc == 0) {
		acc = fs("12345678-9abcdef0");
		accumulated = fs("ffffffff-ffffffff-ffffffff");
		level_finish(&acc, &accumulated);
		is_str(fmt(&acc), "12345678-9abcdef0", "level_finish adds "
		    "nothing when the header has no accumulate bits");
	}

	/* The inputs are left alone. */
	is_str(fmt(&m[0]), "ffff00ff-0000ffff", "members are left alone");
}

int
main(void)
{
	test_compat_check();
	test_reasons();
	test_domain_types();
	test_level();
	return done_testing();
}
