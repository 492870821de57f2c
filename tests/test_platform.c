/*
 * Which code answers fs_combine() and fs_compatible(): the platform's
 * (XenServer's libxenguest patch) where the loaded libraries export both
 * of its functions, the project's own otherwise (lib/combine.c).
 *
 * A real patched libxenguest is not to be had on a build machine, so
 * tests/fake_xenguest.c stands in for it: loaded RTLD_GLOBAL, its symbols
 * are where combine_lookup() looks.  It counts its calls and records the
 * length it was handed, and its combine is simpler than ours (no deep
 * dependencies), so a result shows whose it is.  The same source built
 * with only one of the two functions must be ignored.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "combine.h"
#include "compat.h"
#include "featurenames.h"
#include "featureset.h"
#include "fs_helpers.h"
#include "tap.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define FULL		(-1)

#define SYM_COMBINE	"xc_combine_cpu_featuresets"
#define SYM_COMPATIBLE	"xc_cpu_featuresets_are_compatible"

typedef void combine_fn(const uint32_t *, const uint32_t *, uint32_t *,
    size_t);
typedef const char *compatible_fn(const uint32_t *, const uint32_t *,
    size_t, char[128]);

/* One loaded fake: its functions and counters, NULL where it has none. */
struct fake {
	void		*dl;
	combine_fn	*combine;
	compatible_fn	*compatible;
	unsigned int	*combine_calls, *compatible_calls;
	size_t		*last_len;
};

static char label[512];

static int
same(const struct featureset *a, const struct featureset *b)
{
	return a->len == b->len &&
	    memcmp(a->w, b->w, a->len * sizeof(a->w[0])) == 0;
}

/* A set of len words (FULL: the header's count) with the features named. */
static struct featureset
mk(const char *list, int len)
{
	const struct feature_desc *d;
	struct featureset f;
	char buf[512], *tok, *save;

	fs_clear(&f);
	f.len = len == FULL ? featureset_nr_words : (size_t)len;
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, " ", &save); tok != NULL;
	    tok = strtok_r(NULL, " ", &save)) {
		if ((d = feature_by_name(tok)) == NULL ||
		    d->index / 32 >= f.len) {
			printf("Bail out! test data: %s in %zu words\n", tok,
			    f.len);
			exit(2);
		}
		f.w[d->index / 32] |= 1u << (d->index % 32);
	}
	return f;
}

/* fs as n words, zero-extended: what the platform must be handed. */
static void
widen(const struct featureset *in, size_t n, struct featureset *out)
{
	size_t i;

	fs_clear(out);
	out->len = n;
	for (i = 0; i < n; i++)
		out->w[i] = fs_word(in, i);
}

static int
fake_open(const char *env, struct fake *f)
{
	const char *path = getenv(env);

	memset(f, 0, sizeof(*f));
	if (path == NULL) {
		printf("Bail out! %s is not set (tests/meson.build sets it)\n",
		    env);
		exit(1);
	}
	if ((f->dl = dlopen(path, RTLD_NOW | RTLD_GLOBAL)) == NULL) {
		diag("dlopen %s: %s", path, dlerror());
		return -1;
	}
	f->combine = (combine_fn *)dlsym(f->dl, SYM_COMBINE);
	f->compatible = (compatible_fn *)dlsym(f->dl, SYM_COMPATIBLE);
	f->combine_calls = dlsym(f->dl, "fake_combine_calls");
	f->compatible_calls = dlsym(f->dl, "fake_compatible_calls");
	f->last_len = dlsym(f->dl, "fake_last_len");
	if (f->combine_calls == NULL || f->compatible_calls == NULL ||
	    f->last_len == NULL) {
		printf("Bail out! %s exports no counters\n", path);
		exit(1);
	}
	return 0;
}

/*
 * Inputs where the fake's combine and ours differ: ours drops avx2 with
 * avx (a deep dependency), the fake only ANDs.
 */
#define DIFFER_A	"fxsr sse sse2 xsave avx avx2"
#define DIFFER_B	"fxsr sse sse2 xsave avx2"

/*
 * A library with only one of the two functions is a half-patched one:
 * combine_lookup() must keep the project's code, and nothing may call it.
 * Each half is tried in a child process: a library that dlsym() has
 * resolved a symbol from for the main program can no longer be unloaded
 * (glibc marks it NODELETE), and it would then pair up with the next.
 * The child reports its checks as bits of its exit status.
 */
enum {
	HALF_LOADS, HALF_EXPORTS_ONE, HALF_LOOKUP, HALF_NOT_CALLED,
	HALF_OWN_RESULT, HALF_NCHECKS
};

static int
half_child(const char *env, const struct featureset *own_combined)
{
	struct featureset a = mk(DIFFER_A, FULL), b = mk(DIFFER_B, FULL);
	struct featureset got, missing;
	struct fake f;
	int r = 0;

	if (fake_open(env, &f) != 0)
		return r;
	r |= 1 << HALF_LOADS;
	if ((f.combine != NULL) != (f.compatible != NULL))
		r |= 1 << HALF_EXPORTS_ONE;
	if (strcmp(combine_lookup(), "cpulevel") == 0)
		r |= 1 << HALF_LOOKUP;
	fs_combine(&a, &b, &got);
	fs_compatible(&b, &a, &missing);
	if (*f.combine_calls == 0 && *f.compatible_calls == 0)
		r |= 1 << HALF_NOT_CALLED;
	if (same(&got, own_combined))
		r |= 1 << HALF_OWN_RESULT;
	return r;
}

static void
test_half(const char *env, const char *what,
    const struct featureset *own_combined)
{
	static const char *const checks[HALF_NCHECKS] = {
		[HALF_LOADS] = "loads",
		[HALF_EXPORTS_ONE] = "exports that function only",
		[HALF_LOOKUP] = "leaves combine_lookup() at cpulevel",
		[HALF_NOT_CALLED] = "is never called",
		[HALF_OWN_RESULT] = "leaves fs_combine the project's",
	};
	int status, r = 0, i;
	pid_t pid;

	fflush(stdout);
	if ((pid = fork()) == -1) {
		printf("Bail out! fork: %s\n", strerror(errno));
		exit(1);
	}
	if (pid == 0)
		_exit(half_child(env, own_combined));
	if (waitpid(pid, &status, 0) == pid && WIFEXITED(status))
		r = WEXITSTATUS(status);
	else
		diag("the child for %s did not exit", what);
	for (i = 0; i < HALF_NCHECKS; i++) {
		snprintf(label, sizeof(label), "a library with %s only %s",
		    what, checks[i]);
		ok(r & (1 << i), label);
	}
}

/* Pairs of sets of different lengths, by feature name or as text. */
static const struct {
	const char	*name;
	const char	*a;
	int		 alen;
	const char	*b;
	int		 blen;
} combine_cases[] = {
	{ "a deep dependency the fake does not apply", DIFFER_A, FULL,
	    DIFFER_B, FULL },
	{ "17 words with 19, RSBA rule", "ibrsb arch-caps eibrs rrsba", 17,
	    "ibrsb arch-caps eibrs", FULL },
	{ "19 words with 2", "fxsr sse sse2 xsave avx", FULL,
	    "fxsr sse xsave avx", 2 },
	{ "1 word with 3", "fxsr sse", 1, "fxsr sse sse2 xsave", 3 },
};

static const struct {
	const char	*vm, *host;
} compatible_cases[] = {
	{ "1", "1-ffffffff" },		/* VM shorter, fits */
	{ "3", "1-0-0-0" },		/* VM shorter, a bit missing */
	{ "1-0-0", "1" },		/* VM longer, zero past the host */
	{ "1-0-8", "1" },		/* VM longer, a bit past the host */
	{ "0", "" },			/* empty host, zero VM */
};

static void
test_whole(const struct featureset *own_combined)
{
	struct featureset a, b, x, y, got, want, missing, diff;
	struct compat_vm vm = { POWER_RUNNING, DOMAIN_HVM, "GenuineIntel",
	    NULL };
	struct compat_host host = { "GenuineIntel", 1, NULL, NULL };
	struct compat_verdict v;
	struct fake f;
	unsigned int before;
	size_t i, n;
	char err[128];
	int r, want_r, *says;

	if (!ok(fake_open("FAKE_XENGUEST", &f) == 0, "the fake libxenguest "
	    "loads") || !ok(f.combine != NULL && f.compatible != NULL,
	    "it exports both functions"))
		return;
	ok(dlsym(RTLD_DEFAULT, SYM_COMBINE) == (void *)f.combine &&
	    dlsym(RTLD_DEFAULT, SYM_COMPATIBLE) == (void *)f.compatible,
	    "the global scope resolves both to the fake");
	is_str(combine_provider(), "cpulevel", "combine_provider() is "
	    "cpulevel until combine_lookup() runs");
	is_str(combine_lookup(), "libxenguest", "combine_lookup() finds the "
	    "platform's functions");
	is_str(combine_provider(), "libxenguest", "combine_provider() is "
	    "libxenguest");

	for (i = 0; i < NELEM(combine_cases); i++) {
		a = mk(combine_cases[i].a, combine_cases[i].alen);
		b = mk(combine_cases[i].b, combine_cases[i].blen);
		n = a.len > b.len ? a.len : b.len;
		before = *f.combine_calls;
		*f.last_len = 0;
		fs_combine(&a, &b, &got);
		snprintf(label, sizeof(label), "combine, %s: the platform's "
		    "function is called once", combine_cases[i].name);
		is_int(*f.combine_calls, before + 1, label);
		snprintf(label, sizeof(label), "combine, %s: with the longer "
		    "length, %zu", combine_cases[i].name, n);
		is_int(*f.last_len, n, label);
		/* What the fake gives for the zero-extended pair. */
		widen(&a, n, &x);
		widen(&b, n, &y);
		fs_clear(&want);
		want.len = n;
		f.combine(x.w, y.w, want.w, n);
		snprintf(label, sizeof(label), "combine, %s: the result is "
		    "the platform's", combine_cases[i].name);
		if (!ok(same(&got, &want), label))
			diag("  got %s, want %s", fmt(&got), fmt(&want));
	}
	/* The first case is where the two answers differ. */
	a = mk(DIFFER_A, FULL);
	b = mk(DIFFER_B, FULL);
	fs_combine(&a, &b, &got);
	ok(!same(&got, own_combined), "combine: the platform's answer is not "
	    "the project's (avx2 kept without avx)");

	for (i = 0; i < NELEM(compatible_cases); i++) {
		a = fs(compatible_cases[i].vm);
		b = fs(compatible_cases[i].host);
		n = a.len > b.len ? a.len : b.len;
		before = *f.compatible_calls;
		*f.last_len = 0;
		r = fs_compatible(&a, &b, &missing);
		snprintf(label, sizeof(label), "compatible \"%s\" on \"%s\": "
		    "the platform's function is called once",
		    compatible_cases[i].vm, compatible_cases[i].host);
		is_int(*f.compatible_calls, before + 1, label);
		snprintf(label, sizeof(label), "compatible \"%s\" on \"%s\": "
		    "with the longer length, %zu", compatible_cases[i].vm,
		    compatible_cases[i].host, n);
		is_int(*f.last_len, n, label);
		widen(&a, n, &x);
		widen(&b, n, &y);
		want_r = f.compatible(x.w, y.w, n, err) == NULL;
		snprintf(label, sizeof(label), "compatible \"%s\" on \"%s\": "
		    "the answer is the platform's, %d",
		    compatible_cases[i].vm, compatible_cases[i].host, want_r);
		is_int(r, want_r, label);
		/* The platform says yes or no; the names are still ours. */
		fs_diff(&a, &b, &diff);
		snprintf(label, sizeof(label), "compatible \"%s\" on \"%s\": "
		    "missing is still filled", compatible_cases[i].vm,
		    compatible_cases[i].host);
		ok(same(&missing, &diff), label);
	}

	/*
	 * The answer is the platform's even where ours would differ: told
	 * to refuse a set that fits, it is refused; the names stay ours.
	 */
	says = dlsym(f.dl, "fake_compatible_says");
	if (says != NULL) {
		a = fs("1");
		b = fs("3");
		*says = 0;
		r = fs_compatible(&a, &b, &missing);
		*says = -1;
		ok(r == 0 && fs_is_zero(&missing), "fs_compatible gives the "
		    "platform's no for a set that fits");
		a = fs("3");
		b = fs("1");
		*says = 1;
		r = fs_compatible(&a, &b, &missing);
		*says = -1;
		ok(r == 1, "fs_compatible gives the platform's yes for a set "
		    "that does not fit");
	} else
		ok(0, "the fake exports fake_compatible_says");

	/* The rules go through the same functions. */
	a = fs("3");
	b = fs("1-ffffffff");
	vm.features = &a;
	host.hvm = &b;
	before = *f.compatible_calls;
	compat_judge(&vm, &host, &v);
	ok(*f.compatible_calls == before + 1 && v.code == COMPAT_FEATURES &&
	    *f.last_len == 2, "compat_judge asks the platform, with both "
	    "sets zero-extended to 2 words");

	before = *f.combine_calls;
	fs_clear(&got);
	a = mk(DIFFER_A, FULL);
	b = mk(DIFFER_B, FULL);
	level_merge(&got, &a);
	ok(*f.combine_calls == before, "level_merge: the first member is "
	    "taken, not combined");
	level_merge(&got, &b);
	ok(*f.combine_calls == before + 1 && !same(&got, own_combined),
	    "level_merge: the second member is combined by the platform");
}

int
main(void)
{
	struct featureset a = mk(DIFFER_A, FULL), b = mk(DIFFER_B, FULL);
	struct featureset own;
	int preloaded;

	is_str(combine_provider(), "cpulevel", "combine_provider() is "
	    "cpulevel before any look-up");
	/*
	 * Debian's libxenguest, which the library may link, lacks the two
	 * functions; a patched one (XCP-ng) would be found first and would
	 * shadow the fake, so the rest cannot run there.
	 */
	preloaded = dlsym(RTLD_DEFAULT, SYM_COMBINE) != NULL &&
	    dlsym(RTLD_DEFAULT, SYM_COMPATIBLE) != NULL;
	is_str(combine_lookup(), preloaded ? "libxenguest" : "cpulevel",
	    preloaded ? "combine_lookup() finds the linked libxenguest's "
	    "functions" : "combine_lookup() is cpulevel with nothing loaded");
	if (preloaded) {
		diag("the linked libxenguest exports both functions: the fake "
		    "cannot be tested beside it");
		return done_testing();
	}
	diag("libxenguest is %s", dlsym(RTLD_DEFAULT,
	    "xc_get_cpu_featureset") != NULL ? "linked in, without the "
	    "patch's functions" : "not linked in");
	fs_combine(&a, &b, &own);
	ok(!fs_is_zero(&own), "the project's combine of the test pair is not "
	    "empty");

	test_half("FAKE_XENGUEST_COMBINE_ONLY", SYM_COMBINE, &own);
	test_half("FAKE_XENGUEST_COMPATIBLE_ONLY", SYM_COMPATIBLE, &own);
	test_whole(&own);
	return done_testing();
}
