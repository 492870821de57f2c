/*
 * Xen's featureset algebra (combine.h): the project's implementation, and
 * the look-up of the platform's.
 *
 * The look-up is by name in the global scope (dlsym(RTLD_DEFAULT)), as
 * xenopsd binds the same symbols weakly: a daemon linked against a
 * libxenguest that exports them uses them, and one linked against
 * Debian's, which does not, uses the code below.  It is done once, at
 * start-up, not per call: a check is on migcheck's hot path.
 */
#include <dlfcn.h>
#include <string.h>

#include "combine.h"
#include "featurenames.h"

typedef void xc_combine_fn(const uint32_t *, const uint32_t *, uint32_t *,
    size_t);
typedef const char *xc_compatible_fn(const uint32_t *, const uint32_t *,
    size_t, char err[128]);

static xc_combine_fn	*platform_combine;
static xc_compatible_fn	*platform_compatible;

const char *
combine_lookup(void)
{
	/* Both or neither: a half-patched library is not the platform's. */
	platform_combine = (xc_combine_fn *)dlsym(RTLD_DEFAULT,
	    "xc_combine_cpu_featuresets");
	platform_compatible = (xc_compatible_fn *)dlsym(RTLD_DEFAULT,
	    "xc_cpu_featuresets_are_compatible");
	if (platform_combine == NULL || platform_compatible == NULL)
		platform_combine = NULL, platform_compatible = NULL;
	return combine_provider();
}

const char *
combine_provider(void)
{
	return platform_combine ? "libxenguest" : "cpulevel";
}

/* The index of a feature by its Xen name, or -1 where the header has none. */
static int
feature_index(const char *xen_name)
{
	size_t i;

	for (i = 0; i < feature_table_len; i++)
		if (strcmp(feature_table[i].xen_name, xen_name) == 0)
			return (int)feature_table[i].index;
	return -1;
}

/* The features the RSBA rule names, looked up once. */
static struct {
	int	done;
	int	arch_caps, eibrs, rsba, rrsba;
} rsba_bits;

static void
rsba_lookup(void)
{
	if (rsba_bits.done)
		return;
	rsba_bits.arch_caps = feature_index("ARCH_CAPS");
	rsba_bits.eibrs = feature_index("EIBRS");
	rsba_bits.rsba = feature_index("RSBA");
	rsba_bits.rrsba = feature_index("RRSBA");
	rsba_bits.done = 1;
}

static int
has(const struct featureset *fs, int bit)
{
	return bit >= 0 && fs_test_bit(fs, (unsigned int)bit);
}

static void
set_bit(struct featureset *fs, int bit, int on)
{
	uint32_t m;

	if (bit < 0 || (size_t)bit / 32 >= fs->len)
		return;
	m = 1u << (bit % 32);
	fs->w[bit / 32] = on ? fs->w[bit / 32] | m : fs->w[bit / 32] & ~m;
}

/* The bits Xen's header marks '|': OR-ed, not AND-ed, across a pool. */
static const struct featureset *
accumulate_mask(void)
{
	static struct featureset mask;
	static int done;
	size_t i;

	if (done)
		return &mask;
	fs_clear(&mask);
	for (i = 0; i < feature_table_len; i++) {
		unsigned int b = feature_table[i].index;

		if (!(feature_table[i].flags & FEAT_ACCUMULATE) ||
		    b / 32 >= FS_MAX_WORDS)
			continue;
		mask.w[b / 32] |= 1u << (b % 32);
		if (mask.len < b / 32 + 1)
			mask.len = b / 32 + 1;
	}
	done = 1;
	return &mask;
}

/*
 * A feature absent from fs takes everything that depends on it along.
 * The table holds each closure, so one pass over it is enough.
 */
static void
clear_deep_deps(struct featureset *fs)
{
	size_t i, w;

	for (i = 0; i < feature_deep_deps_len; i++) {
		if (fs_test_bit(fs, feature_deep_deps[i].index))
			continue;
		for (w = 0; w < fs->len; w++)
			fs->w[w] &= ~feature_deep_deps[i].mask[w];
	}
}

static void
own_combine(const struct featureset *a, const struct featureset *b,
    struct featureset *out)
{
	const struct featureset *acc = accumulate_mask();
	struct featureset r;
	size_t i;

	fs_clear(&r);
	r.len = a->len > b->len ? a->len : b->len;
	for (i = 0; i < r.len; i++)
		r.w[i] = (fs_word(a, i) & fs_word(b, i)) |
		    ((fs_word(a, i) | fs_word(b, i)) & fs_word(acc, i));
	clear_deep_deps(&r);
	rsba_lookup();
	if (has(&r, rsba_bits.arch_caps) &&
	    (has(a, rsba_bits.rsba) || has(a, rsba_bits.rrsba) ||
	    has(b, rsba_bits.rsba) || has(b, rsba_bits.rrsba))) {
		int eibrs = has(&r, rsba_bits.eibrs);

		set_bit(&r, rsba_bits.rsba, !eibrs);
		set_bit(&r, rsba_bits.rrsba, eibrs);
	}
	*out = r;
}

/* fs as n words, zero-extended, as xenopsd hands sets to libxenguest. */
static void
widen(const struct featureset *fs, size_t n, struct featureset *out)
{
	size_t i;

	fs_clear(out);
	out->len = n;
	for (i = 0; i < n; i++)
		out->w[i] = fs_word(fs, i);
}

void
fs_combine(const struct featureset *a, const struct featureset *b,
    struct featureset *out)
{
	struct featureset x, y, r;
	size_t n = a->len > b->len ? a->len : b->len;

	if (platform_combine == NULL) {
		own_combine(a, b, out);
		return;
	}
	widen(a, n, &x);
	widen(b, n, &y);
	fs_clear(&r);
	r.len = n;
	if (n > 0)
		platform_combine(x.w, y.w, r.w, n);
	*out = r;
}

int
fs_compatible(const struct featureset *vm, const struct featureset *host,
    struct featureset *missing)
{
	struct featureset lack, x, y;
	char err[128];
	size_t len;

	fs_diff(vm, host, &lack);
	if (missing)
		*missing = lack;
	if (platform_compatible == NULL)
		return fs_is_zero(&lack);
	len = vm->len > host->len ? vm->len : host->len;
	widen(vm, len, &x);
	widen(host, len, &y);
	return platform_compatible(x.w, y.w, len, err) == NULL;
}
