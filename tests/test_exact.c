/*
 * migcheck's answers are exact (services/migcheck/view.c): the real
 * cpulevel-featured and cpulevel-migcheck on one database, and thousands
 * of rounds of one commit to featured, acknowledged, then one question
 * to migcheck, through the real sockets.  Each round changes what the
 * question's answer must be, and this test works out that answer itself
 * from what featured just acknowledged (featuresets it sent, compared
 * with fs_is_subset here), so a migcheck one commit behind answers
 * wrong.  The rounds:
 *
 * - host hx booted again, alternately with a large and a small set:
 *   may vb (the large set) move to it?
 * - VM w halted and started again, alternately on hb (large) and hs
 *   (small): may it move to hs?
 * - VM m migrated between hb and hs: which host does it run on, as its
 *   possible hosts say?
 *
 * 0 wrong answers are allowed.  Run with CPULEVEL_TEST_IGNORE_COMMITS
 * in migcheck's environment (compiled in test builds only: meson option
 * test_hooks), migcheck answers from the snapshot it read at start and
 * never looks for commits, and this test must fail (tests/meson.build
 * runs it so as a second test, exact-broken, expected to fail).
 *
 * Two migchecks answer every question: M does not follow featured's
 * events (--events none), so each check after a commit refreshes itself;
 * A follows them, so a refresh may run ahead of the check, or race with
 * it.  Both must be exact.  Then A shows that it refreshes ahead: after
 * a commit and its event, the check that follows makes no refresh of
 * its own (their -v log lines, view.c), while M's does.
 *
 * Then writes made behind featured's back with sqlite itself, as an
 * operator's sqlite3 would: an UPDATE, an UPDATE after the change log was
 * emptied, an UPDATE with the logging trigger dropped, and a DELETE;
 * migcheck's very next answer must show each.
 */
#include <sys/stat.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json.h>

#include "featureset.h"
#include "tap.h"
#include "daemon_harness.h"
#include "raw_db.h"

#define BIG	"ffffffff-ffffffff"
#define SMALL	"0000000f-00000001"
#define ROUNDS	700		/* of each kind: 2,100 checks, 2,800 commits */
#define SHOWN	5		/* wrong answers shown, at most */

#define AHEAD_ROUNDS	20
#define AHEAD_WAIT_MS	5000	/* for an event to reach A */

static struct featured F = FC_INIT, M = FC_INIT, A = FC_INIT;
static int wrong, shown;

/* A write featured must acknowledge, or the test cannot go on. */
static void
must(const char *method, json_object *params)
{
	json_object *r = fc_call(&F, method, params);

	if (r == NULL || jget(r, "error", NULL) != NULL) {
		printf("# %s: %s\n", method, r ? jtext(r) : "no reply");
		fc_bail(&F, "featured refused a write of the test");
	}
	json_object_put(r);
}

/* The rule, applied here: a VM's set within the host's (one vendor). */
static int
compatible(const char *vm_set, const char *host_set)
{
	struct featureset a, b;
	char why[128];

	if (fs_parse(vm_set, &a, why, sizeof(why)) == -1 ||
	    fs_parse(host_set, &b, why, sizeof(why)) == -1)
		fc_bail(&F, why);
	return fs_is_subset(&a, &b);
}

static void
tally(int right, const char *what, json_object *r)
{
	if (right)
		return;
	wrong++;
	if (shown++ < SHOWN)
		printf("# wrong: %s: %s\n", what, r ? jtext(r) : "no reply");
}

/* migcheck mc's verdict on vm to host against the one expected. */
static void
ask_one(struct featured *mc, const char *vm, const char *host, int want_ok,
    const char *what)
{
	json_object *r = fc_call(mc, "VM.assert_can_migrate", jobj("vm",
	    js(vm), "host", js(host), NULL));
	const char *msg = jstr(r, "error.message");
	int got_ok = r != NULL && jget(r, "error", NULL) == NULL &&
	    jis_null(r, "result");
	int got_no = msg != NULL &&
	    strcmp(msg, "VM_INCOMPATIBLE_WITH_THIS_HOST") == 0;

	tally(want_ok ? got_ok : got_no, what, r);
	json_object_put(r);
}

/* Both migchecks' verdicts: with and without the events. */
static void
ask_verdict(const char *vm, const char *host, int want_ok, const char *what)
{
	ask_one(&M, vm, host, want_ok, what);
	ask_one(&A, vm, host, want_ok, L("%s (following events)", what));
}

/* VM m's possible hosts: its standalone host alone, as both say. */
static void
ask_host(const char *vm, const char *host, const char *what)
{
	struct featured *mc[] = { &M, &A };
	json_object *r, *list;
	size_t i;

	for (i = 0; i < 2; i++) {
		r = fc_call(mc[i], "VM.get_possible_hosts", jobj("vm",
		    js(vm), NULL));
		list = r ? jget(r, "result", NULL) : NULL;
		tally(list != NULL && jlen(list) == 1 &&
		    streq(jstr(jidx(list, 0), "host"), host),
		    L("%s%s", what, i ? " (following events)" : ""), r);
		json_object_put(r);
	}
}

static void
t_start(void)
{
	fc_start_checked(&F, "featured");
	fc_start_checked(&M, "migcheck");
	fc_start_checked(&A, "migcheck following events");
	must("Host.boot", jobj("host", js("hb"), "cpu_info", fc_cpu_info(BIG),
	    NULL));
	must("Host.boot", jobj("host", js("hs"), "cpu_info", fc_cpu_info(SMALL),
	    NULL));
	must("Host.boot", jobj("host", js("hx"), "cpu_info", fc_cpu_info(BIG),
	    NULL));
	must("VM.start", jobj("vm", js("vb"), "host", js("hb"),
	    "domain_type", js("hvm"), NULL));
	must("VM.start", jobj("vm", js("w"), "host", js("hb"),
	    "domain_type", js("hvm"), NULL));
	must("VM.start", jobj("vm", js("m"), "host", js("hs"),
	    "domain_type", js("hvm"), NULL));
}

static void
t_rounds(void)
{
	const char *hx_set, *w_set, *m_host = "hs";
	long long t0 = fc_now_ms();
	int i;

	for (i = 0; i < ROUNDS; i++) {
		hx_set = i % 2 ? BIG : SMALL;
		must("Host.boot", jobj("host", js("hx"), "cpu_info",
		    fc_cpu_info(hx_set), NULL));
		ask_verdict("vb", "hx", compatible(BIG, hx_set),
		    L("round %d: vb to hx booted with %s", i, hx_set));

		w_set = i % 2 ? BIG : SMALL;
		must("VM.shutdown", jobj("vm", js("w"), NULL));
		must("VM.start", jobj("vm", js("w"), "host",
		    js(i % 2 ? "hb" : "hs"), "domain_type", js("hvm"), NULL));
		ask_verdict("w", "hs", compatible(w_set, SMALL),
		    L("round %d: w started with %s, to hs", i, w_set));

		m_host = strcmp(m_host, "hs") == 0 ? "hb" : "hs";
		must("VM.migrate", jobj("vm", js("m"), "host", js(m_host),
		    NULL));
		ask_host("m", m_host, L("round %d: m migrated to %s", i,
		    m_host));
	}
	printf("# %d rounds of 3 commits and checks in %lld ms\n", ROUNDS,
	    fc_now_ms() - t0);
	is_int(wrong, 0, L("%d commit-then-check rounds through the sockets, "
	    "each asked of both migchecks: no answer wrong", 3 * ROUNDS));
}

/* Lines of mc's log (at -v) saying who refreshed, view.c's words. */
static int
on_check(struct featured *mc)
{
	return fc_log_count(mc, "refreshed on a check");
}

static int
ahead(struct featured *mc)
{
	return fc_log_count(mc, "refreshed ahead of a check");
}

/*
 * A commit acknowledged, then A's refresh ahead awaited (its log line);
 * then a check of each migcheck.  A's check must refresh nothing of its
 * own, M's must.  Each round's commit is one rebooting hx with the
 * other set, so a check that refreshed nothing and was not refreshed
 * ahead answers wrong too.
 */
static void
t_ahead(void)
{
	int i, a0, c0, m0, arrived = 0, a_refreshed = 0, m_refreshed = 0;
	const char *hx_set;
	long long t;

	wrong = shown = 0;
	for (i = 0; i < AHEAD_ROUNDS; i++) {
		hx_set = i % 2 ? SMALL : BIG;
		a0 = ahead(&A);
		c0 = on_check(&A);
		m0 = on_check(&M);
		must("Host.boot", jobj("host", js("hx"), "cpu_info",
		    fc_cpu_info(hx_set), NULL));
		for (t = fc_now_ms() + AHEAD_WAIT_MS; ahead(&A) == a0 &&
		    fc_now_ms() < t; )
			fc_sleep_ms(5);
		arrived += ahead(&A) > a0;
		ask_verdict("vb", "hx", compatible(BIG, hx_set),
		    L("ahead %d: vb to hx booted with %s", i, hx_set));
		a_refreshed += on_check(&A) > c0;
		m_refreshed += on_check(&M) > m0;
	}
	is_int(arrived, AHEAD_ROUNDS, L("%d commits: each one's event made "
	    "the migcheck following them refresh ahead", AHEAD_ROUNDS));
	is_int(a_refreshed, 0, "... and none of its next checks refreshed");
	is_int(m_refreshed, AHEAD_ROUNDS, "while each check of the migcheck "
	    "not following them did");
	is_int(wrong, 0, "... and every answer was right");
}

static void
outside(const char *sql, const char *vm, const char *host, int want_ok,
    const char *what)
{
	raw_exec(F.db, sql);
	wrong = shown = 0;
	ask_verdict(vm, host, want_ok, what);
	ok(wrong == 0, L("%s: seen by migcheck's next answer", what));
}

static void
t_outside(void)
{
	json_object *r;

	must("Host.boot", jobj("host", js("hx"), "cpu_info", fc_cpu_info(BIG),
	    NULL));
	outside("UPDATE host SET features_hvm = '" SMALL "' WHERE id = 'hx'",
	    "vb", "hx", 0, "an UPDATE of hx's set");
	outside("UPDATE host SET features_hvm = '" BIG "' WHERE id = 'hx'",
	    "vb", "hx", 1, "an UPDATE of hx's set back");
	outside("DELETE FROM change_log; UPDATE host SET features_hvm = '"
	    SMALL "' WHERE id = 'hx'", "vb", "hx", 0,
	    "the change log emptied, then an UPDATE");
	is_int(fc_log_count(&M, "the change log was emptied"), 1,
	    "... which migcheck read whole again, and said why");
	outside("DROP TRIGGER host_updated; UPDATE host SET features_hvm = '"
	    BIG "' WHERE id = 'hx'", "vb", "hx", 1,
	    "the logging trigger dropped, then an UPDATE");
	is_int(fc_log_count(&M, "its schema changed"), 1,
	    "... which migcheck read whole again, and said why");
	raw_exec(F.db, "DELETE FROM vm WHERE id = 'vb'");
	r = fc_call(&M, "VM.assert_can_migrate", jobj("vm", js("vb"),
	    "host", js("hx"), NULL));
	expect_error(r, "a DELETE of vb: migcheck no longer knows it", 1,
	    "HANDLE_INVALID", "VM", "vb");
	json_object_put(r);
}

static void
t_stop(void)
{
	fc_stop_checked(&A, "migcheck following events");
	fc_stop_checked(&M, "migcheck");
	fc_stop_checked(&F, "featured");
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/*
 * After the harness's own clean-up, which keeps the directory of a test
 * that failed: this run was meant to fail, and what it kept says nothing.
 */
static void
rm_broken_dir(void)
{
	nftw(fc_test_dir(), rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int
main(void)
{
	int broken = getenv("CPULEVEL_TEST_IGNORE_COMMITS") != NULL;
	struct stat sb;

	/*
	 * Each commit waits for its fdatasync: on tmpfs that is nothing, and
	 * the 5,000 commits take seconds, not half a minute.
	 */
	if (stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode) &&
	    access("/dev/shm", W_OK) == 0)
		setenv("TMPDIR", "/dev/shm", 1);
	if (broken)
		atexit(rm_broken_dir);
	fc_begin("cpulevel-exact");
	fc_add_pair(&F, &M, "x.db");
	M.extra[0] = "--events";
	M.extra[1] = "none";
	M.extra[2] = "-v";
	fc_add_daemon(&A, "migcheck following events", M.bin, "x.db",
	    "ahead.sock", NULL, "ahead.log");
	A.extra[0] = "--events";
	A.extra[1] = F.events;
	A.extra[2] = "-v";
	if (broken)
		printf("# CPULEVEL_TEST_IGNORE_COMMITS is set: migcheck "
		    "ignores commits, and this test must fail\n");
	fc_run("start", t_start);
	fc_run("commit, then check", t_rounds);
	if (!broken)
		fc_run("refreshed ahead of the check", t_ahead);
	if (!broken)
		fc_run("writes behind featured's back", t_outside);
	fc_run("stop", t_stop);
	return done_testing();
}
