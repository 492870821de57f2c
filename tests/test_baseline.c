/*
 * The x86-64 levels through the real cpulevel-featured (CPULEVEL_FEATURED,
 * with migcheck on the same database): pools of libvirt's CPU models
 * (../shared/data/cpu-models.json, models.h), and for each
 *
 * - Pool.get_cpu_info's x86_64_level_pv and x86_64_level_hvm are the
 *   levels the test computes of the pool level it folds itself;
 * - Pool.check_baseline, for every level and for featuresets, says ok
 *   exactly when no kind lacks a feature, and names, kind by kind, the
 *   features the test finds missing;
 * - a bad baseline is INVALID_FEATURE_STRING, an unknown pool
 *   HANDLE_INVALID, bad params -32602;
 * - cpulevel pool check-baseline (CPULEVEL_CLI) prints the same answer
 *   as a table and exits 0 when met, 1 when not; --json prints the
 *   method's result; pool show has the levels;
 * - none of these reads changes the database file, byte for byte.
 *
 * The levels' features are written here as Xen's names (the psABI's
 * lists as lib/levels.c maps them), looked up in the generated table,
 * and levels are computed bit by bit, never with lib/levels.c.
 */
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "tap.h"
#include "daemon_harness.h"
#include "models.h"

static struct featured F = FC_INIT, M = FC_INIT;

static const char *const level_xen[4] = {
	"FPU CX8 CMOV MMX FXSR SSE SSE2 SYSCALL LM",
	"CX16 LAHF_LM POPCNT SSE3 SSSE3 SSE4_1 SSE4_2",
	"AVX AVX2 BMI1 BMI2 F16C FMA ABM MOVBE XSAVE",
	"AVX512F AVX512BW AVX512CD AVX512DQ AVX512VL",
};
/* want[l]: the bits of levels 1 to l; want[0] empty. */
static struct featureset want[5];

static void
make_levels(void)
{
	char buf[128], *name, *save;
	int l;

	fs_clear(&want[0]);
	for (l = 1; l <= 4; l++) {
		want[l] = want[l - 1];
		snprintf(buf, sizeof(buf), "%s", level_xen[l - 1]);
		for (name = strtok_r(buf, " ", &save); name != NULL;
		    name = strtok_r(NULL, " ", &save))
			set_bit(&want[l], ref_bit(name));
	}
}

/* The level fs reaches, by the test's sets: 0 to 4. */
static int
level_reached(const struct featureset *fs)
{
	struct featureset lack;
	int l;

	for (l = 1; l <= 4; l++) {
		fs_diff(&want[l], fs, &lack);
		if (!fs_is_zero(&lack))
			break;
	}
	return l - 1;
}

static const char *
level_text(int l)
{
	return l == 0 ? "" : L("x86-64-v%d", l);
}

/*
 * The pools, each of its own hosts: "p4-0" is p4's first.  hvm 0: its
 * members cannot run HVM guests, so it has no HVM level at all.
 */
#define MAX_MEMBERS	2
static struct pool {
	const char		*id;
	const char		*model[MAX_MEMBERS];
	int			 hvm;
	int			 pv_level, hvm_level;	/* what the test says */
	struct host		 h[MAX_MEMBERS];
	size_t			 n;
	struct level		 lv;
} pools[] = {
	{ .id = "p4", .model = { "Icelake-Server", "Cascadelake-Server" },
	    .hvm = 1, .pv_level = 4, .hvm_level = 4 },
	{ .id = "p3", .model = { "Icelake-Server", "Skylake-Client" },
	    .hvm = 1, .pv_level = 3, .hvm_level = 3 },
	/* libvirt's Haswell has no F16C and no LZCNT */
	{ .id = "p2", .model = { "Skylake-Server", "Haswell" },
	    .hvm = 1, .pv_level = 2, .hvm_level = 2 },
	{ .id = "pn", .model = { "Nehalem" },
	    .hvm = 1, .pv_level = 2, .hvm_level = 2 },
	{ .id = "pa", .model = { "EPYC-Rome", "EPYC-Genoa" },
	    .hvm = 1, .pv_level = 3, .hvm_level = 3 },
	{ .id = "px", .model = { "Icelake-Server" },
	    .hvm = 0, .pv_level = 4, .hvm_level = 0 },
	{ .id = "p1", .model = { "Penryn", "Skylake-Server" },
	    .hvm = 1, .pv_level = 1, .hvm_level = 1 },
};
#define NPOOLS	(sizeof(pools) / sizeof(pools[0]))

/* featured's reply to method, checked a success (one TAP line). */
#define call_ok(what, method, params, res)				\
	call_checked(&F, (what), (method), (params), (res))

static void
t_start(void)
{
	const struct host *m[MAX_MEMBERS];
	struct pool *p;
	size_t i, j;

	load_hosts();
	make_levels();
	fc_start_checked(&F, "featured");
	fc_start_checked(&M, "migcheck");
	for (i = 0; i < NPOOLS; i++) {
		p = &pools[i];
		for (j = 0; j < MAX_MEMBERS && p->model[j]; j++) {
			load_host(&p->h[j], strdup(L("%s-%zu", p->id, j)),
			    p->model[j], "4");
			m[j] = &p->h[j];
			json_object_put(call_ok(L("Host.boot %s (%s)",
			    p->h[j].id, p->model[j]), "Host.boot",
			    jobj("host", js(p->h[j].id), "cpu_info",
			    cpu_info(&p->h[j]), "hvm_capable", jb(p->hvm),
			    NULL), NULL));
			json_object_put(call_ok(L("Pool.join %s %s", p->id,
			    p->h[j].id), "Pool.join", jobj("pool",
			    js(p->id), "host", js(p->h[j].id), NULL), NULL));
		}
		p->n = j;
		level_of(m, p->n, &p->lv);
		if (!p->hvm)
			fs_clear(&p->lv.fs[HVM_HOST]);
		/* The data: the levels the story expects of these models. */
		fc_require(&F, level_reached(&p->lv.fs[PV_HOST]) ==
		    p->pv_level && level_reached(&p->lv.fs[HVM_HOST]) ==
		    p->hvm_level, __FILE__, __LINE__, L("data: %s is "
		    "x86-64-v%d (pv), v%d (hvm) by the test's reading", p->id,
		    p->pv_level, p->hvm_level));
	}
}

/*
 * The database's bytes and its WAL's, one after the other (with their
 * lengths), to compare around the reads; malloc'd.
 */
static char *
snap_take(size_t *len)
{
	const char *sfx[2] = { "", "-wal" };
	char *buf = NULL;
	size_t n = 0;
	long size;
	FILE *fp;
	int i;

	for (i = 0; i < 2; i++) {
		size = -1;
		fp = fopen(L("%s%s", F.db, sfx[i]), "rb");
		if (fp != NULL && fseek(fp, 0, SEEK_END) == 0)
			size = ftell(fp);
		buf = realloc(buf, n + 32 + (size > 0 ? (size_t)size : 0));
		n += (size_t)snprintf(buf + n, 32, "[%s %ld]", sfx[i], size);
		if (size > 0) {
			rewind(fp);
			n += fread(buf + n, 1, (size_t)size, fp);
		}
		if (fp != NULL)
			fclose(fp);
	}
	*len = n;
	return buf;
}

static char *before;
static size_t before_len;

/* Pool.get_cpu_info's levels: the test's of the pool level it folds. */
static void
t_cpu_info(void)
{
	json_object *r, *res;
	struct pool *p;
	size_t i;

	before = snap_take(&before_len);
	for (i = 0; i < NPOOLS; i++) {
		p = &pools[i];
		r = call_ok(L("Pool.get_cpu_info %s", p->id),
		    "Pool.get_cpu_info", jobj("pool", js(p->id), NULL), &res);
		is_str(jstr(res, "x86_64_level_pv"),
		    level_text(level_reached(&p->lv.fs[PV_HOST])),
		    L("%s: x86_64_level_pv", p->id));
		is_str(jstr(res, "x86_64_level_hvm"),
		    level_text(level_reached(&p->lv.fs[HVM_HOST])),
		    L("%s: x86_64_level_hvm", p->id));
		/* The level is of the pool level the daemon holds. */
		ok(fs_str_equal(jstr(res, "features_pv_host"),
		    &p->lv.fs[PV_HOST]) && fs_str_equal(jstr(res,
		    "features_hvm_host"), &p->lv.fs[HVM_HOST]),
		    L("%s: the pool level is the test's fold", p->id));
		json_object_put(r);
	}
}

/* res's kind names exactly the bits of wanted the pool level lacks. */
static void
check_kind(json_object *res, const char *kind, const struct pool *p,
    int k, const struct featureset *wanted, const char *what)
{
	struct featureset lack, got;
	char why[128];

	fs_diff(wanted, &p->lv.fs[k], &lack);
	if (!ok(names_to_set(jpath(res, L("%s.missing", kind), NULL), 1,
	    &got, why, sizeof(why)) && fs_is_equal(&got, &lack),
	    L("%s %s: %s.missing names what the test finds", p->id, what,
	    kind)))
		diag("got %s (%s), want %s", names(&got), why, names(&lack));
	is_str(jstr(res, L("%s.level", kind)),
	    level_text(level_reached(&p->lv.fs[k])),
	    L("%s %s: %s.level", p->id, what, kind));
}

/* One Pool.check_baseline, checked against the test's sets. */
static void
check_baseline(const struct pool *p, const char *baseline,
    const struct featureset *wanted, const char *what)
{
	struct featureset lack_pv, lack_hvm;
	json_object *r, *res;
	int met;

	r = call_ok(L("Pool.check_baseline %s %s", p->id, what),
	    "Pool.check_baseline", jobj("pool", js(p->id), "baseline",
	    js(baseline), NULL), &res);
	if (res == NULL)
		goto out;
	fs_diff(wanted, &p->lv.fs[PV_HOST], &lack_pv);
	fs_diff(wanted, &p->lv.fs[HVM_HOST], &lack_hvm);
	met = fs_is_zero(&lack_pv) && fs_is_zero(&lack_hvm);
	ok(jget(res, "ok", NULL) != NULL && jbool(res, "ok") == met,
	    L("%s %s: ok is %s", p->id, what, met ? "true" : "false"));
	ok(fs_str_equal(jstr(res, "baseline"), wanted),
	    L("%s %s: baseline is its featureset", p->id, what));
	check_kind(res, "pv", p, PV_HOST, wanted, what);
	check_kind(res, "hvm", p, HVM_HOST, wanted, what);
	is_int(jkeys(res), 4, L("%s %s: ok, baseline, pv, hvm", p->id,
	    what));
out:
	json_object_put(r);
}

static void
t_levels(void)
{
	struct pool *p;
	size_t i;
	int l, met;

	for (i = 0; i < NPOOLS; i++) {
		p = &pools[i];
		for (l = 1; l <= 4; l++)
			check_baseline(p, L("x86-64-v%d", l), &want[l],
			    L("x86-64-v%d", l));
	}
	/* The story's answers, as a reader would state them. */
	for (i = 0; i < NPOOLS; i++) {
		p = &pools[i];
		met = p->pv_level >= 3 && p->hvm_level >= 3;
		diag("%s (%s%s%s) meets x86-64-v3: %s", p->id, p->model[0],
		    p->model[1] ? ", " : "", p->model[1] ? p->model[1] : "",
		    met ? "yes" : "no");
	}
}

/* A featureset as the baseline: a member's own set, upper case too. */
static void
t_featuresets(void)
{
	struct featureset hsw = pools[2].h[1].fs[HVM_HOST], one;
	char up[FS_STRING_MAX], *c;
	size_t i;

	for (i = 0; i < NPOOLS; i++)
		check_baseline(&pools[i], fmt(&hsw), &hsw, "Haswell's set");
	snprintf(up, sizeof(up), "%s", fmt(&pools[0].lv.fs[PV_HOST]));
	for (c = up; *c; c++)
		if (*c >= 'a' && *c <= 'f')
			*c = (char)(*c - 'a' + 'A');
	check_baseline(&pools[0], up, &pools[0].lv.fs[PV_HOST],
	    "its own pv level, upper case");
	fs_clear(&one);
	set_bit(&one, ref_bit("AVX512F"));
	check_baseline(&pools[1], fmt(&one), &one, "AVX512F alone");
	fs_clear(&one);
	check_baseline(&pools[1], "", &one, "'' (nothing)");
}

static void
t_errors(void)
{
	static const char *const bad[] = { "x86-64-v0", "x86-64-v5",
	    "X86-64-V3", "x86-64-v3 ", "zz", "0x1", "1--2", "v3" };
	json_object *r;
	char big[400];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = fc_call(&F, "Pool.check_baseline", jobj("pool", js("p4"),
		    "baseline", js(bad[i]), NULL));
		expect_error(r, L("baseline '%s': INVALID_FEATURE_STRING",
		    bad[i]), 1, "INVALID_FEATURE_STRING", bad[i]);
		json_object_put(r);
	}
	r = fc_call(&F, "Pool.check_baseline", jobj("pool", js("nope"),
	    "baseline", js("x86-64-v3"), NULL));
	expect_error(r, "unknown pool: HANDLE_INVALID", 1, "HANDLE_INVALID",
	    "pool", "nope");
	json_object_put(r);
	r = fc_call(&F, "Pool.check_baseline", jobj("pool", js("nope"),
	    "baseline", js("zz"), NULL));
	expect_error(r, "unknown pool, bad baseline: the baseline first", 1,
	    "INVALID_FEATURE_STRING", "zz");
	json_object_put(r);
	r = fc_call(&F, "Pool.check_baseline", jobj("pool", js("p4"), NULL));
	expect_invalid_params(r, "no baseline: -32602", "baseline");
	json_object_put(r);
	r = fc_call(&F, "Pool.check_baseline", jobj("baseline",
	    js("x86-64-v3"), NULL));
	expect_invalid_params(r, "no pool: -32602", "pool");
	json_object_put(r);
	r = fc_call(&F, "Pool.check_baseline", jobj("pool", js("p4"),
	    "baseline", ji(3), NULL));
	expect_invalid_params(r, "a number: -32602", "baseline");
	json_object_put(r);
	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (i = 8; i < sizeof(big) - 1; i += 9)
		big[i] = '-';
	r = fc_call(&F, "Pool.check_baseline", jobj("pool", js("p4"),
	    "baseline", js(big), NULL));
	expect_invalid_params(r, "a baseline over 256 characters: -32602",
	    "baseline");
	json_object_put(r);
	r = fc_call(&F, "Pool.check_baseline", jobj("pool", js("p4"),
	    "baseline", js("x86-64-v3"), "extra", js("x"), NULL));
	expect_invalid_params(r, "an unknown param: -32602", "extra");
	json_object_put(r);
}

/* cpulevel ARGS --connect featured: its exit status, stdout into out. */
static int
cli(char *out, size_t len, const char *args)
{
	static const char *bin;
	size_t n = 0, got;
	FILE *p;
	int st;

	if (bin == NULL)
		bin = fc_binary("CPULEVEL_CLI", "the path of the cpulevel binary");
	if ((p = popen(L("'%s' %s --connect '%s' 2>/dev/null", bin, args,
	    F.rpc), "r")) == NULL)
		fc_bail(&F, "popen cpulevel");
	while (n + 1 < len && (got = fread(out + n, 1, len - 1 - n, p)) > 0)
		n += got;
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The psABI's names where Xen's differ, as the CLI adds them. */
static const char *
psabi(const char *xen_name)
{
	static const char *const map[][2] = {
		{ "CX8", "CMPXCHG8B" }, { "FXSR", "FXSR, OSFXSR" },
		{ "SYSCALL", "SCE" }, { "LM", "x86-64" },
		{ "CX16", "CMPXCHG16B" }, { "LAHF_LM", "LAHF-SAHF" },
		{ "ABM", "LZCNT" }, { "XSAVE", "OSXSAVE" },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (streq(map[i][0], xen_name))
			return map[i][1];
	return NULL;
}

/* The table line of one kind, as the test expects it. */
static void
kind_line(char *buf, size_t len, const char *kind,
    const struct featureset *level, const struct featureset *wanted)
{
	const struct feature_desc *d;
	struct featureset lack;
	const char *sep = "";
	int l = level_reached(level);
	size_t n;
	unsigned int i;

	fs_diff(wanted, level, &lack);
	n = (size_t)snprintf(buf, len, "%-5s %-10s ", kind,
	    l ? level_text(l) : "none");
	if (fs_is_zero(&lack))
		n += (size_t)snprintf(buf + n, len - n, "-");
	for (i = 0; i < lack.len * 32 && n < len; i++) {
		if (!fs_test_bit(&lack, i))
			continue;
		d = feature_by_index(i);
		n += (size_t)snprintf(buf + n, len - n, "%s%s", sep, d->name);
		sep = ", ";
		if (psabi(d->xen_name) != NULL)
			n += (size_t)snprintf(buf + n, len - n, " (%s)",
			    psabi(d->xen_name));
	}
	snprintf(buf + n, len - n, "\n");
}

static void
cli_check(const struct pool *p, int l)
{
	char out[4096], want_out[4096], pv[1024], hvm[1024];
	int met, rc;

	kind_line(pv, sizeof(pv), "pv", &p->lv.fs[PV_HOST], &want[l]);
	kind_line(hvm, sizeof(hvm), "hvm", &p->lv.fs[HVM_HOST], &want[l]);
	met = level_reached(&p->lv.fs[PV_HOST]) >= l &&
	    level_reached(&p->lv.fs[HVM_HOST]) >= l;
	snprintf(want_out, sizeof(want_out), "%s\n%-5s %-10s %s\n%s%s",
	    met ? "met" : "not met", "KIND", "LEVEL", "MISSING", pv, hvm);
	rc = cli(out, sizeof(out), L("pool check-baseline %s x86-64-v%d",
	    p->id, l));
	is_int(rc, met ? 0 : 1, L("cpulevel pool check-baseline %s "
	    "x86-64-v%d exits %d", p->id, l, met ? 0 : 1));
	if (!ok(streq(out, want_out), L("... and prints the table (%s)",
	    met ? "met" : "not met")))
		diag("got:\n%s# want:\n%s", out, want_out);
}

static void
t_cli(void)
{
	json_object *r, *res, *got;
	char out[8192];
	size_t i;
	int l;

	for (i = 0; i < NPOOLS; i++)
		for (l = 1; l <= 4; l++)
			cli_check(&pools[i], l);
	/* --json: the method's result itself, and the same exit status. */
	r = call_ok("Pool.check_baseline p2 x86-64-v3", "Pool.check_baseline",
	    jobj("pool", js("p2"), "baseline", js("x86-64-v3"), NULL), &res);
	is_int(cli(out, sizeof(out), "pool check-baseline p2 x86-64-v3 "
	    "--json"), 1, "--json, not met: exit 1");
	got = json_tokener_parse(out);
	ok(got != NULL && res != NULL && jequal(got, res),
	    "--json prints the method's result");
	json_object_put(got);
	json_object_put(r);
	is_int(cli(out, sizeof(out), "pool check-baseline p2 x86-64-v7"), 2,
	    "a bad baseline: exit 2");
	is_int(cli(out, sizeof(out), "pool check-baseline nope x86-64-v3"), 3,
	    "an unknown pool: exit 3");
	is_int(cli(out, sizeof(out), "pool show p2"), 0, "pool show p2");
	ok(strstr(out, "\nx86_64_level_pv    x86-64-v2\n") != NULL &&
	    strstr(out, "\nx86_64_level_hvm   x86-64-v2\n") != NULL,
	    "pool show p2 has both levels, x86-64-v2");
}

static void
t_unchanged(void)
{
	size_t len;
	char *after = snap_take(&len);

	ok(before_len > 64 && len == before_len &&
	    memcmp(before, after, len) == 0,
	    "the database and its WAL are byte for byte as before the reads");
	free(before);
	free(after);
}

static void
t_stop(void)
{
	fc_stop_checked(&F, "featured");
	fc_stop_checked(&M, "migcheck");
}

int
main(void)
{
	fc_begin("cpulevel-baseline");
	fc_add_pair(&F, &M, "a.db");

	fc_run("start: pools of libvirt's models", t_start);
	fc_run("Pool.get_cpu_info's levels", t_cpu_info);
	fc_run("Pool.check_baseline x86-64-v1 to v4", t_levels);
	fc_run("Pool.check_baseline with featuresets", t_featuresets);
	fc_run("Pool.check_baseline refusals", t_errors);
	fc_run("cpulevel pool check-baseline", t_cli);
	fc_run("the reads wrote nothing", t_unchanged);
	fc_run("stop", t_stop);
	return done_testing();
}
