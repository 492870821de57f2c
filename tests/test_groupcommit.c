/*
 * Group commit through the real cpulevel-featured (CPULEVEL_FEATURED),
 * with its fsync and fdatasync under the test's control (sync_shim.c,
 * preloaded: CPULEVEL_SYNC_SHIM).  Several clients, each on its own REQ
 * socket, send VM.start while featured is flushing an earlier commit, so
 * that their requests arrive together, in one wake-up of its loop:
 *
 * - they are committed with one flush, not one each;
 * - a refused request among them is answered with its own error and
 *   undoes nothing of the others: each is answered its own result, and
 *   what they did is in the database afterwards;
 * - when that one flush fails (EIO), every request of the group is
 *   answered with the error, none as a success, and none of their
 *   changes is to be seen; the request committed just before stays, and
 *   featured goes on working once the disk does;
 * - after groups of two or more, a request that arrives alone waits for
 *   more before its commit (the commit delay, lib/server.c): a second
 *   one sent a tenth of a second later shares its flush.
 *
 * A sanitizer build cannot preload the shim: the test skips then.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nanomsg/nn.h>

#include "tap.h"
#include "daemon_harness.h"

#define NCLIENTS	5
#define FS4		"1fc9cbf5-f6f83203-2991cbf5-00000023"

static struct featured F = FC_INIT, M = FC_INIT;
static char count_file[FC_PATH_MAX + 16], slow[FC_PATH_MAX + 16],
    slow_in[FC_PATH_MAX + 24], fail[FC_PATH_MAX + 16];
static int cl[NCLIENTS];

static void
touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT, 0600);

	if (fd >= 0)
		close(fd);
}

/* Flushes so far: the bytes of the shim's count file. */
static long
syncs(void)
{
	struct stat sb;

	return stat(count_file, &sb) == 0 ? (long)sb.st_size : 0;
}

/* Until the shim says a slow flush has begun (10 s at most). */
static int
wait_flush_begun(void)
{
	long long end = fc_now_ms() + 10000;

	while (access(slow_in, F_OK) != 0) {
		if (fc_now_ms() > end)
			return -1;
		fc_sleep_ms(2);
	}
	return 0;
}

static void
send_start(int c, int id, const char *vm, const char *host)
{
	char req[256];
	int n;

	n = snprintf(req, sizeof(req), "{\"jsonrpc\":\"2.0\",\"id\":%d,"
	    "\"method\":\"VM.start\",\"params\":{\"vm\":\"%s\",\"host\":"
	    "\"%s\",\"domain_type\":\"hvm\",\"dbg\":\"client %d\"}}", id, vm,
	    host, c);
	if (nn_send(cl[c], req, (size_t)n, 0) != n)
		fc_bail(&F, L("client %d: send: %s", c, nn_strerror(errno)));
}

/* Client c's reply, parsed; bails out if there is none. */
static json_object *
reply_of(int c)
{
	json_object *r;

	if (fc_recv_text(&F, cl[c]) < 0)
		fc_bail(&F, L("client %d: no reply: %s", c,
		    nn_strerror(errno)));
	if ((r = jparse(F.last_raw, strlen(F.last_raw))) == NULL)
		fc_bail(&F, L("client %d: reply not JSON: %s", c, F.last_raw));
	return r;
}

static void
expect_started(int c, const char *vm)
{
	json_object *r = reply_of(c), *res;

	if (expect_result(r, L("client %d: VM.start %s answered its own "
	    "result", c, vm), &res))
		is_str(jstr(res, "features"), FS4, L("  %s: the level", vm));
	json_object_put(r);
}

static void
expect_internal(int c, const char *vm, const char *text)
{
	json_object *r = reply_of(c);

	expect_error(r, L("client %d: VM.start %s answered the error",
	    c, vm), -32603, NULL);
	ok(strstr(F.last_raw, text) != NULL, L("  which says \"%s\"", text));
	ok(jget(r, "result", NULL) == NULL, "  and no result");
	json_object_put(r);
}

/* VM.get_cpu_flags through featured: running, or unknown. */
static void
expect_vm(const char *vm, int running, const char *why)
{
	json_object *r = fc_call(&F, "VM.get_cpu_flags", jobj("vm", js(vm),
	    NULL)), *res;

	if (running) {
		if (expect_result(r, L("%s is running: %s", vm, why), &res))
			is_str(jstr(res, "power_state"), "running",
			    L("  %s: running", vm));
	} else
		expect_error(r, L("%s does not exist: %s", vm, why), 1,
		    "HANDLE_INVALID", "VM", vm);
	json_object_put(r);
}

static void
setup(void)
{
	json_object *r;
	int i;

	r = fc_call(&F, "Host.boot", jobj("host", js("h1"), "cpu_info",
	    jobj("vendor", js("GenuineIntel"), "features_pv", js(FS4),
	    "features_hvm", js(FS4), "features_pv_host", js(FS4),
	    "features_hvm_host", js(FS4), NULL), NULL));
	fc_require(&F, expect_result(r, "Host.boot h1", NULL), __FILE__,
	    __LINE__, "h1 booted");
	json_object_put(r);
	for (i = 0; i < NCLIENTS; i++)
		if ((cl[i] = fc_req_socket(F.rpc, 20000, 2000)) < 0)
			fc_bail(&F, "cannot connect a client");
}

/*
 * Client 0's VM.start is committed alone; while its flush is slow,
 * clients 1-4 send theirs (one refused: host unknown), which arrive
 * together and are committed with one flush.
 */
static void
one_flush(void)
{
	long before, n;

	touch(slow);
	unlink(slow_in);
	before = syncs();
	send_start(0, 1, "v0", "h1");
	fc_require(&F, wait_flush_begun() == 0, __FILE__, __LINE__,
	    "client 0's commit is flushing");
	send_start(1, 2, "v1", "h1");
	send_start(2, 3, "v2", "no-such-host");
	send_start(3, 4, "v3", "h1");
	send_start(4, 5, "v4", "h1");
	expect_started(0, "v0");
	expect_started(1, "v1");
	{
		json_object *r = reply_of(2);

		expect_error(r, "client 2: VM.start v2 answered its own "
		    "refusal", 1, "HANDLE_INVALID", "host", "no-such-host");
		json_object_put(r);
	}
	expect_started(3, "v3");
	expect_started(4, "v4");
	unlink(slow);
	n = syncs() - before;
	diag("%ld flushes for 4 commits made while one was flushing", n);
	ok(n >= 1 && n <= 2, L("v0 and the group of v1-v4: two flushes at "
	    "most, not four (%ld)", n));
	expect_vm("v1", 1, "the refused v2 undid nothing");
	expect_vm("v2", 0, "refused");
	expect_vm("v3", 1, "the refused v2 undid nothing");
	expect_vm("v4", 1, "the refused v2 undid nothing");
}

/*
 * Client 0's VM.start is flushing, slowly; then the disk fails, and
 * clients 1-3 send theirs, committed together: the flush fails, and
 * every one of them is answered with the error.
 */
static void
failed_flush(void)
{
	touch(slow);
	unlink(slow_in);
	send_start(0, 6, "v5", "h1");
	fc_require(&F, wait_flush_begun() == 0, __FILE__, __LINE__,
	    "client 0's commit is flushing");
	touch(fail);
	send_start(1, 7, "v6", "h1");
	send_start(2, 8, "v7", "no-such-host");
	send_start(3, 9, "v8", "h1");
	expect_started(0, "v5");
	expect_internal(1, "v6", "disk I/O error");
	expect_internal(2, "v7", "disk I/O error");
	expect_internal(3, "v8", "disk I/O error");
	unlink(fail);
	unlink(slow);
	expect_vm("v5", 1, "committed before the disk failed");
	expect_vm("v6", 0, "its group's commit failed");
	expect_vm("v8", 0, "its group's commit failed");
	send_start(1, 10, "v6", "h1");
	expect_started(1, "v6");
	expect_vm("v6", 1, "started again once the disk works");
}

/*
 * The commit delay.  Clients 0 and 1 start v10 and v11 while client 2's
 * commit flushes slowly, so they commit together (the peak is two or
 * more) and slowly (the last commit took half a second).  Then, the disk
 * fast again, client 0 starts v12 and client 1 starts v13 a tenth of a
 * second later: v12 waits for more before its commit, up to half the
 * last commit's time (the cap raised to a second by
 * CPULEVEL_TEST_GATHER_MAX_US), and v13 shares its flush.  Without the
 * delay, v12 would be flushed at once and v13 on its own: two flushes.
 */
static void
gathered(void)
{
	long before, n;

	touch(slow);
	unlink(slow_in);
	send_start(2, 11, "v9", "h1");
	fc_require(&F, wait_flush_begun() == 0, __FILE__, __LINE__,
	    "client 2's commit is flushing");
	send_start(0, 12, "v10", "h1");
	send_start(1, 13, "v11", "h1");
	expect_started(2, "v9");
	expect_started(0, "v10");
	expect_started(1, "v11");
	unlink(slow);
	before = syncs();
	send_start(0, 14, "v12", "h1");
	usleep(100000);
	send_start(1, 15, "v13", "h1");
	expect_started(0, "v12");
	expect_started(1, "v13");
	n = syncs() - before;
	diag("%ld flushes for v12 and v13, sent 0.1 s apart", n);
	is_int(n, 1, "v12 waited for v13: one flush for both");
	expect_vm("v12", 1, "committed with v13");
	expect_vm("v13", 1, "committed with v12");
}

int
main(void)
{
	const char *shim = getenv("CPULEVEL_SYNC_SHIM");
	char why[512];
	int rc;

	fc_begin("cpulevel-group");
	fc_add_pair(&F, &M, "group.db");
	if (shim == NULL || access(shim, R_OK) != 0) {
		skip_all("CPULEVEL_SYNC_SHIM does not name the preload "
		    "module");
	}
	snprintf(count_file, sizeof(count_file), "%s/syncs", fc_test_dir());
	snprintf(slow, sizeof(slow), "%s/sync-slow", fc_test_dir());
	snprintf(slow_in, sizeof(slow_in), "%s/sync-slow.in", fc_test_dir());
	snprintf(fail, sizeof(fail), "%s/sync-fails", fc_test_dir());
	setenv("CPULEVEL_TEST_SYNC_COUNT", count_file, 1);
	setenv("CPULEVEL_TEST_SYNC_SLOW", slow, 1);
	setenv("CPULEVEL_TEST_SYNC_FAIL", fail, 1);
#ifdef CPULEVEL_TEST_HOOKS
	setenv("CPULEVEL_TEST_GATHER_MAX_US", "1000000", 1);
#endif
	setenv("LD_PRELOAD", shim, 1);
	rc = fc_start(&F, 10000, why, sizeof(why));
	unsetenv("LD_PRELOAD");
	if (rc != 0) {
		/* A sanitizer's runtime must come first: no preloading. */
		diag("%s", why);
		fc_kill_hard(&F);
		skip_all("featured does not start with sync_shim preloaded "
		    "(a sanitizer build?)");
	}
	ok(1, "featured runs with sync_shim preloaded");
	setup();
	fc_run("one flush for requests that arrive together", one_flush);
	fc_run("a failed flush fails its whole group", failed_flush);
#ifdef CPULEVEL_TEST_HOOKS
	fc_run("the commit delay: a straggler shares the flush", gathered);
#else
	diag("not run: the commit delay's test needs the test hooks "
	    "(meson -Dtest_hooks=true), to raise its cap");
#endif
	fc_stop_checked(&F, "featured");
	return done_testing();
}
