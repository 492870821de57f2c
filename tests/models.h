/*
 * The CPUs of the integration tests: realistic featuresets from
 * ../shared/data/cpu-models.json, made into hosts as Xen would offer them
 * to guests, and what the tests compute from them with the featureset
 * library (levels, the bits the compatibility rule compares, feature
 * names) — never with the code under test.  Header-only: the hosts are
 * static, each test's own.  Include tap.h and daemon_harness.h first,
 * and link dep_fs_helpers.
 */
#ifndef CPULEVEL_MODELS_H
#define CPULEVEL_MODELS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json.h>

#include "featurenames.h"
#include "featureset.h"
#include "fs_helpers.h"

/* The featureset keys of a cpu_info map. */
enum { PV, HVM, PV_HOST, HVM_HOST, NKEYS };
static const char *const keys[NKEYS] = {
	"features_pv", "features_hvm", "features_pv_host", "features_hvm_host"
};

/* What a test knows of a host: what it booted it with. */
struct host {
	const char		*id;
	const char		*model;
	const char		*vendor;	/* CPUID vendor string */
	const char		*cpu_count;
	const char		*socket_count;
	const char		*pool;		/* NULL: standalone */
	int			 upper;		/* send featuresets upper case */
	int			 has[NKEYS];	/* the key is in its cpu_info */
	struct featureset	 fs[NKEYS];
};

/* A pool level: the intersection of its members' sets, key by key. */
struct level {
	struct featureset	 fs[NKEYS];
	long			 cpus, sockets;
};

static json_object *data_root;		/* cpu-models.json */

/* The hosts both stories start from (load_hosts). */
static struct host H1, H2, H3, A1;

/* ---- featuresets ----------------------------------------------------- */

/* The names of fs's bits, for a diagnostic. */
static const char *
names(const struct featureset *fs)
{
	static char buf[4][8192];
	static int n;
	char *b = buf[n++ % 4];

	if (feature_names_join(fs, " ", b, sizeof(buf[0])) < 0)
		snprintf(b, sizeof(buf[0]), "(too many to name)");
	return b;
}

/* The featureset string s is want (zero-extension aside). */
static int
fs_str_equal(const char *s, const struct featureset *want)
{
	struct featureset g;
	char err[256];

	return s != NULL && fs_parse(s, &g, err, sizeof(err)) == 0 &&
	    fs_is_equal(&g, want);
}

/*
 * The bits a JSON array of feature names names, each once, into *out:
 * Xen's names, or wNbM; strict, wNbM only for a bit the header does not
 * name (as feature_name() and xen-cpuid write them).  0 if arr is no such
 * array, and then why says what is wrong.
 */
static int
names_to_set(json_object *arr, int strict, struct featureset *out,
    char *why, size_t len)
{
	const struct feature_desc *d;
	const char *s;
	unsigned int w, b, idx;
	char extra;
	size_t i;

	fs_clear(out);
	why[0] = '\0';
	if (arr == NULL || !json_object_is_type(arr, json_type_array)) {
		snprintf(why, len, "not an array");
		return 0;
	}
	for (i = 0; i < jlen(arr); i++) {
		if ((s = jstr(jidx(arr, i), "")) == NULL) {
			snprintf(why, len, "entry %zu is not a string", i);
			return 0;
		}
		if ((d = feature_by_name(s)) != NULL)
			idx = d->index;
		else if (sscanf(s, "w%ub%u%c", &w, &b, &extra) == 2 &&
		    b < 32 && w < FS_MAX_WORDS &&
		    (!strict || feature_by_index(w * 32 + b) == NULL))
			idx = w * 32 + b;
		else {
			snprintf(why, len, "unknown feature name '%s'", s);
			return 0;
		}
		if (fs_test_bit(out, idx)) {
			snprintf(why, len, "'%s' named twice", s);
			return 0;
		}
		set_bit(out, idx);
	}
	return 1;
}

/* ---- the pool level, as Xen combines it -------------------------------- */

/*
 * Xen's deep dependencies as xen-deep-deps.json records them (for the
 * Xen line the build targets): the test's own copy of the closure, read
 * from the shared data rather than from the library's generated table.
 */
static struct {
	int			 loaded;
	size_t			 n;
	unsigned int		 index[128];
	struct featureset	 mask[128];
} ref_deps;

static unsigned int
ref_bit(const char *xen_name)
{
	size_t i;

	for (i = 0; i < feature_table_len; i++)
		if (strcmp(feature_table[i].xen_name, xen_name) == 0)
			return feature_table[i].index;
	printf("Bail out! Xen's header names no %s\n", xen_name);
	exit(1);
}

static void
ref_deps_load(void)
{
	const char *dir = getenv("CPULEVEL_SHARED_DATA");
	json_object *root, *masks, *m;
	char path[1024];
	const char *set;
	size_t w;

	if (ref_deps.loaded)
		return;
	set = strncmp(feature_deps_xen_version, "4.17", 4) == 0 ?
	    "xen_4_17_7" : "head";
	snprintf(path, sizeof(path), "%s/xen-deep-deps.json", dir ? dir : ".");
	if ((root = json_object_from_file(path)) == NULL) {
		printf("Bail out! %s does not parse\n", path);
		exit(1);
	}
	masks = jpath(root, set, NULL);
	masks = masks ? jget(masks, "deep_masks", NULL) : NULL;
	if (masks == NULL) {
		printf("Bail out! %s: no %s.deep_masks\n", path, set);
		exit(1);
	}
	json_object_object_foreach(masks, name, val) {
		const struct feature_desc *d;
		size_t i;

		/* Only what the header the build used defines. */
		for (i = 0, d = NULL; i < feature_table_len; i++)
			if (strcmp(feature_table[i].xen_name, name) == 0)
				d = &feature_table[i];
		if (d == NULL || ref_deps.n == 128)
			continue;
		ref_deps.index[ref_deps.n] = d->index;
		fs_clear(&ref_deps.mask[ref_deps.n]);
		for (w = 0; w < jlen(val) && w < FS_MAX_WORDS; w++) {
			m = jidx(val, w);
			ref_deps.mask[ref_deps.n].w[w] = (uint32_t)strtoul(
			    json_object_get_string(m), NULL, 16);
		}
		ref_deps.mask[ref_deps.n].len = w;
		ref_deps.n++;
	}
	json_object_put(root);
	ref_deps.loaded = 1;
}

/*
 * XenServer's xc_combine_cpu_featuresets as proto/README.md states it:
 * AND ('|' bits OR-ed), deep dependencies cleared, then RSBA/RRSBA.
 */
static void
ref_combine(const struct featureset *a, const struct featureset *b,
    struct featureset *out)
{
	unsigned int caps = ref_bit("ARCH_CAPS"), eibrs = ref_bit("EIBRS");
	unsigned int rsba = ref_bit("RSBA"), rrsba = ref_bit("RRSBA");
	struct featureset r;
	size_t i, w;

	ref_deps_load();
	fs_clear(&r);
	r.len = a->len > b->len ? a->len : b->len;
	for (i = 0; i < r.len * 32; i++) {
		const struct feature_desc *d = feature_by_index((unsigned)i);
		int acc = d && (d->flags & FEAT_ACCUMULATE);

		if (acc ? fs_test_bit(a, i) || fs_test_bit(b, i) :
		    fs_test_bit(a, i) && fs_test_bit(b, i))
			set_bit(&r, (unsigned)i);
	}
	for (i = 0; i < ref_deps.n; i++)
		if (!fs_test_bit(&r, ref_deps.index[i]))
			for (w = 0; w < r.len; w++)
				r.w[w] &= ~fs_word(&ref_deps.mask[i], w);
	if (fs_test_bit(&r, caps) && (fs_test_bit(a, rsba) ||
	    fs_test_bit(a, rrsba) || fs_test_bit(b, rsba) ||
	    fs_test_bit(b, rrsba))) {
		int e = fs_test_bit(&r, eibrs);

		clear_bit(&r, rsba);
		clear_bit(&r, rrsba);
		if (r.len > rsba / 32)
			set_bit(&r, e ? rrsba : rsba);
	}
	*out = r;
}

/* xapi's merge: an empty set on either side is the identity. */
static void
ref_merge(struct featureset *level, const struct featureset *member)
{
	if (member->len == 0)
		return;
	if (level->len == 0)
		*level = *member;
	else
		ref_combine(member, level, level);
}

/* ---- hosts ------------------------------------------------------------ */

/* The level of the n hosts m: sets combined, counts summed. */
static void
level_of(const struct host *const *m, size_t n, struct level *out)
{
	size_t i;
	int k;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++) {
		for (k = 0; k < NKEYS; k++)
			ref_merge(&out->fs[k], &m[i]->fs[k]);
		out->cpus += atol(m[i]->cpu_count);
		out->sockets += atol(m[i]->socket_count);
	}
}

/* The cpu_info map Host.boot takes for h: the keys it has. */
static json_object *
cpu_info(const struct host *h)
{
	json_object *o = jobj("vendor", js(h->vendor),
	    "cpu_count", js(h->cpu_count),
	    "socket_count", js(h->socket_count), NULL);
	char s[FS_STRING_MAX], *p;
	int k;

	for (k = 0; k < NKEYS; k++) {
		if (!h->has[k])
			continue;
		fs_format(&h->fs[k], s);
		if (h->upper)
			for (p = s; *p; p++)
				if (*p >= 'a' && *p <= 'f')
					*p = (char)(*p - 'a' + 'A');
		json_object_object_add(o, keys[k], js(s));
	}
	return o;
}

/* h, with every key, as model of cpu-models.json, one socket. */
static void
load_host(struct host *h, const char *id, const char *model,
    const char *cpus)
{
	json_object *m = jget(jget(data_root, "models", NULL), model, NULL);
	const char *s, *v;
	struct featureset fs;
	char err[256];
	int k;

	s = jstr(m, "xen_featureset.xapi_string");
	v = jstr(m, "vendor");
	if (s == NULL || v == NULL) {
		printf("Bail out! cpu-models.json has no model %s with a "
		    "vendor and .xen_featureset.xapi_string\n", model);
		exit(1);
	}
	if (fs_parse(s, &fs, err, sizeof(err)) != 0) {
		printf("Bail out! %s: %s\n", model, err);
		exit(1);
	}
	memset(h, 0, sizeof(*h));
	h->id = id;
	h->model = model;
	h->vendor = jstr(data_root, L("vendors.%s", v));
	if (h->vendor == NULL) {
		printf("Bail out! cpu-models.json: no .vendors.%s\n", v);
		exit(1);
	}
	h->vendor = strdup(h->vendor);
	h->cpu_count = cpus;
	h->socket_count = "1";
	/*
	 * As Xen would offer the model's features to guests: the max sets
	 * have what the header lets a guest have at all, the default sets
	 * what it gives by default (so max ⊋ default where the model has
	 * e.g. hle, a max-only bit).
	 */
	mask_flags(&fs, FEAT_HVM_HAP_MAX | FEAT_HVM_HAP_DEFAULT, &h->fs[HVM]);
	mask_flags(&fs, FEAT_HVM_HAP_DEFAULT, &h->fs[HVM_HOST]);
	mask_flags(&fs, FEAT_PV_MAX | FEAT_PV_DEFAULT, &h->fs[PV]);
	mask_flags(&fs, FEAT_PV_DEFAULT, &h->fs[PV_HOST]);
	for (k = 0; k < NKEYS; k++)
		h->has[k] = 1;
}

/*
 * Read $CPULEVEL_SHARED_DATA/cpu-models.json (skip the test if there is
 * none) and make H1, H2, H3 (Intel) and A1 (AMD) of it; one TAP line for
 * their vendors.
 */
static void
load_hosts(void)
{
	const char *dir = fc_env("CPULEVEL_SHARED_DATA",
	    "the ../shared/data directory with cpu-models.json");
	char path[FC_PATH_MAX];

	snprintf(path, sizeof(path), "%s/cpu-models.json", dir);
	if (access(path, R_OK) != 0)
		skip_all("no test data: %s is not readable (CPULEVEL_SHARED_DATA"
		    " is the ../shared/data directory)", path);
	data_root = json_object_from_file(path);
	if (data_root == NULL) {
		printf("Bail out! %s does not parse\n", path);
		exit(1);
	}
	load_host(&H1, "h1", "Icelake-Server", "8");
	load_host(&H2, "h2", "Cascadelake-Server", "8");
	load_host(&H3, "h3", "Haswell", "4");
	load_host(&A1, "a1", "EPYC-Rome", "16");
	fc_require(NULL, streq(H1.vendor, "GenuineIntel") &&
	    streq(H2.vendor, H1.vendor) && streq(H3.vendor, H1.vendor) &&
	    streq(A1.vendor, "AuthenticAMD"), __FILE__, __LINE__,
	    "data: h1, h2, h3 GenuineIntel, a1 AuthenticAMD");
}

#endif
